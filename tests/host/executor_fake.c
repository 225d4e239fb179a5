/*
 * executor_fake.c - the fakes of executor_fake.h.
 */
#include <stdlib.h>
#include <string.h>

#include "executor_fake.h"
#include "mm/kmalloc.h"
#include "trap/timer.h"
#include "trap/trap.h"

#define FAKE_HZ	     10000000ull
#define FAKE_MODULES 4

uint64_t fake_now;
uint64_t fake_armed;
int fake_kicks;
int fake_interrupt_depth;
int exec_workers = 1;

static struct module *modules[FAKE_MODULES];

void fake_reset(void)
{
	fake_now = 1000000;
	fake_armed = UINT64_MAX;
	fake_kicks = 0;
	fake_interrupt_depth = 0;
	exec_idle_workers = 0;
	exec_trace_hook = NULL;
}

/* ---- trap/timer.h and trap/trap.h ---- */

uint64_t timer_now(void)
{
	return fake_now;
}

uint64_t timer_hz(void)
{
	return FAKE_HZ;
}

uint64_t timer_ms_to_ticks(uint64_t ms)
{
	return ms * (FAKE_HZ / 1000);
}

uint64_t timer_boot_time(void)
{
	return 0;
}

void timer_arm_deadline(uint64_t deadline)
{
	if (deadline < fake_armed)
		fake_armed = deadline;
}

int in_interrupt(void)
{
	return fake_interrupt_depth > 0;
}

void fake_interrupt(void (*fn)(void *), void *arg)
{
	fake_interrupt_depth++;
	fn(arg);
	fake_interrupt_depth--;
}

static void timer_irq(void *arg)
{
	(void)arg;
	exec_timers_expire(fake_now);
}

void fake_advance_ms(uint64_t ms)
{
	fake_now += timer_ms_to_ticks(ms);
	fake_armed = UINT64_MAX;
	fake_interrupt(timer_irq, NULL);
}

/* ---- exec/exec.h: the worker side ---- */

void exec_kick_worker(void)
{
	fake_kicks++;
}

bool exec_in_interrupt(void)
{
	return in_interrupt();
}

int fake_run_all(void)
{
	int polls = 0;

	exec_reap();
	while (exec_run_one())
		polls++;
	return polls;
}

/* ---- module/module.h ---- */

struct module *fake_module(const char *name, uintptr_t text, size_t size)
{
	struct module *mod = calloc(1, sizeof(*mod));

	strncpy(mod->name, name, sizeof(mod->name) - 1);
	mod->region[LOADER_TEXT] = text;
	mod->region_size[LOADER_TEXT] = size;
	for (int i = 0; i < FAKE_MODULES; i++) {
		if (!modules[i]) {
			modules[i] = mod;
			break;
		}
	}
	return mod;
}

void fake_module_free(struct module *mod)
{
	for (int i = 0; i < FAKE_MODULES; i++)
		if (modules[i] == mod)
			modules[i] = NULL;
	free(mod);
}

int module_task_hold(uintptr_t address, struct module **owner)
{
	*owner = NULL;
	for (int i = 0; i < FAKE_MODULES; i++) {
		struct module *mod = modules[i];

		if (mod && address - mod->region[LOADER_TEXT] <
			       mod->region_size[LOADER_TEXT]) {
			if (mod->state == MODULE_GOING)
				return -16; /* -EBUSY */
			mod->tasks++;
			*owner = mod;
			return 0;
		}
	}
	return 0;
}

void module_task_release(struct module *mod)
{
	mod->tasks--;
}

/* ---- the manual leaf future ---- */

static enum keel_poll manual_poll(struct keel_future *f,
				  struct keel_context *cx)
{
	struct manual *m = (struct manual *)f;

	m->polls++;
	if (m->done) {
		m->base.result = m->value;
		return KEEL_READY;
	}
	keel_waker_register(&m->waker, cx);
	return KEEL_PENDING;
}

static void manual_drop(struct keel_future *f)
{
	struct manual *m = (struct manual *)f;

	keel_waker_drop(&m->waker);
	if (m->dropped)
		*m->dropped = 1;
	kfree(m);
}

static const struct keel_future_vtable manual_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "manual",
    .poll = manual_poll,
    .drop = manual_drop,
};

struct manual *manual_new(int *dropped)
{
	struct manual *m = kmalloc(sizeof(*m));

	m->base.future.vtable = &manual_vtable;
	m->dropped = dropped;
	return m;
}

void manual_complete(void *arg)
{
	struct manual *m = arg;

	m->done = 1;
	keel_waker_wake(&m->waker);
}

/* ---- a counting waker ---- */

static struct keel_waker counting_clone(const void *data);

static void counting_wake(const void *data)
{
	(*(int *)data)++;
}

static void counting_drop(const void *data)
{
	(void)data;
}

static const struct keel_waker_vtable counting_vtable = {
    .size = sizeof(struct keel_waker_vtable),
    .clone = counting_clone,
    .wake = counting_wake,
    .wake_by_ref = counting_wake,
    .drop = counting_drop,
};

static struct keel_waker counting_clone(const void *data)
{
	return (struct keel_waker){data, &counting_vtable};
}

struct keel_waker counting_waker(int *counter)
{
	return counting_clone(counter);
}

enum keel_poll poll_counting(struct keel_future *f, int *counter)
{
	struct keel_waker waker = counting_waker(counter);
	struct keel_context cx = {sizeof(cx), 0, &waker};

	return keel_future_poll(f, &cx);
}
