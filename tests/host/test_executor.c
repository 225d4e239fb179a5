/*
 * test_executor.c - the executor core on the host: tasks, wakers, the run
 * queue, join and cancel, with the machine faked (executor_fake.h).
 *
 * The test is the executor thread: it calls exec_run_one() itself, so
 * every case can say exactly how many polls a situation costs.  Interrupts
 * are functions run with in_interrupt() true.  Every case ends with all
 * memory freed and no lock held.
 */
#include <string.h>

#include <keel/errno.h>
#include <keel/task.h>

#include "executor_fake.h"
#include "mm/kmalloc.h"
#include "shim.h"
#include "tap.h"

/* kmalloc that fails on demand (after `fail_after` more successes). */
static int fail_after = -1;

void *kmalloc(size_t size)
{
	if (fail_after == 0)
		return NULL;
	if (fail_after > 0)
		fail_after--;
	return shim_kmalloc(size);
}

static void begin(void)
{
	fake_reset();
	fail_after = -1;
}

/* Every case ends here: nothing queued, nothing leaked, no lock held. */
static void end(void)
{
	CHECK_EQ(fake_run_all(), 0);
	CHECK_EQ(shim_live_allocations, 0);
	CHECK_EQ(shim_locks_held, 0);
}

static int64_t join_result(struct keel_int_future *join)
{
	int wakes = 0;

	if (poll_counting(&join->future, &wakes) != KEEL_READY)
		return 1000; /* not a result any case expects */
	return join->result;
}

static struct task_info info_of_first(void)
{
	struct exec_task_cursor cursor = {0};
	struct task_info info;

	memset(&info, 0, sizeof(info));
	if (exec_task_snapshot(&cursor, &info, 1) == 1)
		exec_task_cursor_release(&cursor);
	return info;
}

/* ---- a future that does what its case needs at its first poll ---- */

struct scripted {
	struct keel_int_future base;
	int polls;
	int pending_polls;	    /* return PENDING this many times */
	int wake_self_in_interrupt; /* at the first poll */
	struct keel_int_future *
	    *cancel;		 /* keel_cancel(*cancel) at first poll */
	struct keel_waker *leak; /* keep a clone here at first poll */
	int *dropped;
	int *max_depth, *depth;
};

static void wake_from_irq(void *waker)
{
	keel_waker_wake_by_ref(waker);
}

static enum keel_poll scripted_poll(struct keel_future *f,
				    struct keel_context *cx)
{
	struct scripted *s = (struct scripted *)f;
	enum keel_poll poll;

	if (s->depth && ++*s->depth > *s->max_depth)
		*s->max_depth = *s->depth;
	if (s->polls++ == 0) {
		if (s->wake_self_in_interrupt)
			fake_interrupt(wake_from_irq, (void *)cx->waker);
		if (s->cancel)
			keel_cancel(*s->cancel);
		if (s->leak)
			*s->leak = keel_waker_clone(cx->waker);
	}
	poll = s->polls > s->pending_polls ? KEEL_READY : KEEL_PENDING;
	s->base.result = s->polls;
	if (s->depth)
		--*s->depth;
	return poll;
}

static void scripted_drop(struct keel_future *f)
{
	struct scripted *s = (struct scripted *)f;

	if (s->dropped)
		(*s->dropped)++;
	kfree(s);
}

static const struct keel_future_vtable scripted_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "scripted",
    .poll = scripted_poll,
    .drop = scripted_drop,
};

static struct scripted *scripted_new(int pending_polls)
{
	struct scripted *s = kmalloc(sizeof(*s));

	if (s) {
		s->base.future.vtable = &scripted_vtable;
		s->pending_polls = pending_polls;
	}
	return s;
}

/* ---- cases ---- */

static void ready_task_runs_once_and_joins(void)
{
	struct manual *m;
	struct keel_int_future *join;

	begin();
	m = manual_new(NULL);
	m->done = 1;
	m->value = 42;
	CHECK_EQ(keel_spawn("answer", &m->base, &join), 0);
	CHECK(join != NULL);
	CHECK_EQ(fake_run_all(), 1);
	CHECK_EQ(join_result(join), 42);
	keel_future_drop(&join->future);
	end();
}

static void pending_task_waits_on_no_queue(void)
{
	int dropped = 0;
	struct manual *m;
	struct keel_int_future *join;

	begin();
	m = manual_new(&dropped);
	m->value = -EIO;
	CHECK_EQ(keel_spawn("disk", &m->base, &join), 0);
	CHECK_EQ(fake_run_all(), 1);
	CHECK_EQ(fake_run_all(), 0); /* PENDING: nobody polls it again */
	CHECK_EQ(m->polls, 1);
	fake_interrupt(manual_complete, m);
	CHECK_EQ(fake_run_all(), 1);
	CHECK_EQ(dropped, 1);
	CHECK_EQ(join_result(join), -EIO);
	keel_future_drop(&join->future);
	end();
}

static void double_wake_queues_once(void)
{
	struct manual *m;
	struct keel_waker second;
	struct keel_int_future *join;
	struct task_info info;

	begin();
	m = manual_new(NULL);
	CHECK_EQ(keel_spawn("twice", &m->base, &join), 0);
	fake_run_all();
	second = keel_waker_clone(&m->waker);
	fake_interrupt(wake_from_irq, &m->waker);
	fake_interrupt(wake_from_irq, &second);
	keel_waker_wake(&second);
	info = info_of_first();
	CHECK_EQ(info.wakes, 3);
	CHECK(info.state & TASK_QUEUED);
	CHECK_EQ(fake_run_all(), 1); /* three wakes, one poll */
	CHECK_EQ(m->polls, 2);
	manual_complete(m);
	CHECK_EQ(fake_run_all(), 1);
	CHECK_EQ(join_result(join), 0);
	keel_future_drop(&join->future);
	end();
}

static void wake_during_poll_requeues_after_the_poll(void)
{
	struct scripted *a = scripted_new(1), *b = scripted_new(0);
	int depth = 0, max_depth = 0;

	begin();
	a->wake_self_in_interrupt = 1;
	a->depth = &depth;
	a->max_depth = &max_depth;
	CHECK_EQ(keel_spawn("self-waker", &a->base, NULL), 0);
	CHECK_EQ(keel_spawn("other", &b->base, NULL), 0);
	CHECK(exec_run_one()); /* a: wakes itself from an "interrupt" */
	CHECK_EQ(a->polls, 1);
	CHECK(exec_run_one()); /* b ran before a's second poll: a went last */
	CHECK(exec_run_one()); /* a again, READY */
	CHECK(!exec_run_one());
	CHECK_EQ(max_depth, 1); /* never polled inside its own poll */
	end();
}

static void wake_after_completion_is_ignored(void)
{
	struct scripted *s = scripted_new(0);
	struct keel_waker leaked = {NULL, NULL};
	struct keel_int_future *join;
	long live;

	begin();
	s->leak = &leaked;
	CHECK_EQ(keel_spawn("leaky", &s->base, &join), 0);
	CHECK_EQ(fake_run_all(), 1);
	CHECK_EQ(join_result(join), 1);
	keel_future_drop(&join->future);
	live = shim_live_allocations;
	CHECK_EQ(live, 1); /* the task header, held by the waker */
	fake_interrupt(wake_from_irq, &leaked);
	CHECK_EQ(fake_run_all(), 0);
	keel_waker_drop(&leaked);
	end();
}

static void drop_last_waker(void *waker)
{
	keel_waker_drop(waker);
}

static void last_reference_in_interrupt_is_freed_later(void)
{
	struct scripted *s = scripted_new(0);
	struct keel_waker leaked = {NULL, NULL};

	begin();
	s->leak = &leaked;
	CHECK_EQ(keel_spawn("leaky", &s->base, NULL), 0);
	fake_run_all();
	exec_idle_workers = 1;
	fake_interrupt(drop_last_waker, &leaked);
	CHECK_EQ(shim_live_allocations, 1); /* no kfree in the interrupt */
	CHECK_EQ(fake_kicks, 1);	    /* for the reap */
	CHECK_EQ(exec_reap(), 1);
	end();
}

static void cancel_in_flight_drops_the_future(void)
{
	int dropped = 0;
	struct manual *m;
	struct keel_int_future *join;

	begin();
	m = manual_new(&dropped);
	CHECK_EQ(keel_spawn("read", &m->base, &join), 0);
	fake_run_all();
	CHECK_EQ(dropped, 0);
	keel_cancel(join);
	keel_cancel(join); /* twice is harmless */
	CHECK_EQ(fake_run_all(), 1);
	CHECK_EQ(dropped, 1);
	CHECK_EQ(join_result(join), -ECANCELED);
	keel_future_drop(&join->future);
	end();
}

static void cancel_during_poll_drops_after_it(void)
{
	int dropped = 0;
	struct scripted *s = scripted_new(5);
	struct keel_int_future *join;

	begin();
	s->cancel = &join;
	s->dropped = &dropped;
	CHECK_EQ(keel_spawn("self-cancel", &s->base, &join), 0);
	CHECK(exec_run_one());
	CHECK_EQ(dropped, 1); /* the poll finished, then the drop */
	CHECK_EQ(join_result(join), -ECANCELED);
	keel_future_drop(&join->future);
	end();
}

static void cancel_after_completion_keeps_the_result(void)
{
	struct manual *m;
	struct keel_int_future *join;

	begin();
	m = manual_new(NULL);
	m->done = 1;
	m->value = 5;
	CHECK_EQ(keel_spawn("quick", &m->base, &join), 0);
	fake_run_all();
	keel_cancel(join);
	CHECK_EQ(fake_run_all(), 0);
	CHECK_EQ(join_result(join), 5);
	keel_future_drop(&join->future);
	end();
}

static void dropping_the_join_detaches(void)
{
	int dropped = 0;
	struct manual *m;
	struct keel_int_future *join;

	begin();
	m = manual_new(&dropped);
	CHECK_EQ(keel_spawn("detached", &m->base, &join), 0);
	fake_run_all();
	keel_future_drop(&join->future);
	CHECK_EQ(dropped, 0); /* the task runs on */
	fake_interrupt(manual_complete, m);
	CHECK_EQ(fake_run_all(), 1);
	CHECK_EQ(dropped, 1);
	end();
}

static void join_wakes_its_poller_once(void)
{
	int wakes = 0;
	struct manual *m;
	struct keel_int_future *join;

	begin();
	m = manual_new(NULL);
	CHECK_EQ(keel_spawn("slow", &m->base, &join), 0);
	fake_run_all();
	CHECK_EQ(poll_counting(&join->future, &wakes), KEEL_PENDING);
	CHECK_EQ(poll_counting(&join->future, &wakes), KEEL_PENDING);
	CHECK_EQ(wakes, 0);
	fake_interrupt(manual_complete, m);
	CHECK_EQ(wakes, 0); /* the task has not run yet */
	fake_run_all();
	CHECK_EQ(wakes, 1);
	CHECK_EQ(join_result(join), 0);
	keel_future_drop(&join->future);
	end();
}

static void spawn_refusals_drop_the_future(void)
{
	int dropped = 0;
	struct manual *m;
	struct keel_int_future *join = (struct keel_int_future *)&join;

	begin();
	CHECK_EQ(keel_spawn("none", NULL, &join), -ENOMEM);
	CHECK(join == NULL);
	m = manual_new(&dropped);
	fail_after = 0;
	CHECK_EQ(keel_spawn("no memory", &m->base, &join), -ENOMEM);
	fail_after = -1;
	CHECK_EQ(dropped, 1);
	CHECK(join == NULL);
	end();
}

static void names_default_and_are_cut(void)
{
	struct manual *a = manual_new(NULL), *b = manual_new(NULL);
	struct exec_task_cursor cursor = {0};
	struct task_info info[2];

	begin();
	a->done = b->done = 1;
	CHECK_EQ(keel_spawn(NULL, &a->base, NULL), 0);
	CHECK_EQ(keel_spawn("a-name-longer-than-fifteen", &b->base, NULL), 0);
	CHECK_EQ(exec_task_snapshot(&cursor, info, 2), 2);
	exec_task_cursor_release(&cursor);
	CHECK(strcmp(info[0].name, "manual") == 0);
	CHECK(strcmp(info[1].name, "a-name-longer-t") == 0);
	CHECK(info[1].id == info[0].id + 1);
	fake_run_all();
	end();
}

/* A future in a "module": its poll function's address is the owner's. */
static enum keel_poll owned_poll(struct keel_future *f, struct keel_context *cx)
{
	(void)f;
	(void)cx;
	return KEEL_READY;
}

static void owned_drop(struct keel_future *f)
{
	kfree(f);
}

static const struct keel_future_vtable owned_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .poll = owned_poll,
    .drop = owned_drop,
};

static struct keel_int_future *owned_new(void)
{
	struct keel_int_future *f = kmalloc(sizeof(*f));

	f->future.vtable = &owned_vtable;
	return f;
}

static void module_counts_its_tasks_until_dropped(void)
{
	struct module *mod;
	struct task_info info;
	struct keel_int_future *join;

	begin();
	mod = fake_module("demo", (uintptr_t)owned_poll, 1);
	CHECK_EQ(keel_spawn("owned", owned_new(), &join), 0);
	CHECK_EQ(mod->tasks, 1);
	info = info_of_first();
	CHECK(strcmp(info.owner, "demo") == 0);
	fake_run_all();
	CHECK_EQ(mod->tasks, 0); /* future dropped: its code is done */
	info = info_of_first();
	CHECK(strcmp(info.owner, "") == 0);
	keel_future_drop(&join->future);
	mod->state = MODULE_GOING;
	CHECK_EQ(keel_spawn("late", owned_new(), &join), -EBUSY);
	CHECK(join == NULL);
	CHECK_EQ(mod->tasks, 0);
	fake_module_free(mod);
	end();
}

static void failed_init_cancels_owned_tasks(void)
{
	struct module *mod;
	int dropped = 0;
	struct manual *m;

	begin();
	mod = fake_module("demo", (uintptr_t)owned_poll, 1);
	CHECK_EQ(keel_spawn("owned", owned_new(), NULL), 0);
	m = manual_new(&dropped);
	CHECK_EQ(keel_spawn("kernel's", &m->base, NULL), 0);
	exec_cancel_owned(mod);
	CHECK_EQ(fake_run_all(), 2);
	CHECK_EQ(mod->tasks, 0);
	CHECK_EQ(dropped, 0); /* a kernel task is not the module's */
	fake_interrupt(manual_complete, m);
	fake_run_all();
	fake_module_free(mod);
	end();
}

static void sleeping_workers_are_woken_once_per_task(void)
{
	struct manual *m[3];

	begin();
	exec_idle_workers = 2;
	for (int i = 0; i < 3; i++) {
		m[i] = manual_new(NULL);
		m[i]->done = 1;
		CHECK_EQ(keel_spawn("w", &m[i]->base, NULL), 0);
	}
	CHECK_EQ(fake_kicks, 2);
	CHECK_EQ(exec_idle_workers, 0);
	CHECK_EQ(fake_run_all(), 3);
	end();
}

static void cursor_walks_every_task_once(void)
{
	enum { N = 100 };
	struct manual *m[N];
	struct exec_task_cursor cursor = {0};
	struct task_info info[7];
	uint32_t last = 0;
	int seen = 0, n;

	begin();
	for (int i = 0; i < N; i++) {
		m[i] = manual_new(NULL);
		CHECK_EQ(keel_spawn("walked", &m[i]->base, NULL), 0);
	}
	fake_run_all();
	while ((n = exec_task_snapshot(&cursor, info, 7)) > 0) {
		for (int i = 0; i < n; i++) {
			CHECK(info[i].id > last);
			last = info[i].id;
		}
		seen += n;
		if (seen == 14) { /* tasks end under the cursor */
			for (int i = 0; i < N; i += 2)
				manual_complete(m[i]);
			fake_run_all();
		}
	}
	CHECK_EQ(seen, 14 + (N - 14) / 2);
	CHECK(cursor.at == NULL);
	for (int i = 1; i < N; i += 2)
		manual_complete(m[i]);
	fake_run_all();
	end();
}

static void cursor_never_holds_a_dying_task(void)
{
	struct scripted *s = scripted_new(0);
	struct manual *m = manual_new(NULL);
	struct keel_waker leaked = {NULL, NULL};
	struct exec_task_cursor cursor = {0};
	struct task_info info[2];

	begin();
	s->leak = &leaked;
	CHECK_EQ(keel_spawn("dying", &s->base, NULL), 0);
	CHECK_EQ(keel_spawn("after", &m->base, NULL), 0);
	fake_run_all();
	/* Its last reference goes in an interrupt: listed until reaped. */
	fake_interrupt(drop_last_waker, &leaked);
	CHECK_EQ(exec_task_snapshot(&cursor, info, 1), 1);
	CHECK(strcmp(info[0].name, "dying") == 0);
	CHECK(cursor.at == NULL); /* not held: reaping may free it */
	CHECK_EQ(exec_reap(), 1);
	CHECK_EQ(exec_task_snapshot(&cursor, info, 2), 1);
	CHECK(strcmp(info[0].name, "after") == 0);
	exec_task_cursor_release(&cursor);
	manual_complete(m);
	fake_run_all();
	end();
}

static int events[16], nevents;

static void record(enum exec_event event, const struct task *t, uint64_t now)
{
	(void)t;
	(void)now;
	if (nevents < 16)
		events[nevents++] = event;
}

static void trace_hook_sees_the_life_of_a_task(void)
{
	static const int want[] = {EXEC_SPAWN,	 EXEC_POLL, EXEC_POLLED,
				   EXEC_WAKE,	 EXEC_POLL, EXEC_POLLED,
				   EXEC_COMPLETE};
	struct manual *m;

	begin();
	nevents = 0;
	exec_trace_hook = record;
	m = manual_new(NULL);
	CHECK_EQ(keel_spawn("traced", &m->base, NULL), 0);
	fake_run_all();
	fake_interrupt(manual_complete, m);
	fake_run_all();
	exec_trace_hook = NULL;
	CHECK_EQ(nevents, 7);
	for (int i = 0; i < 7; i++)
		CHECK_EQ(events[i], want[i]);
	end();
}

static void polls_and_time_in_poll_are_counted(void)
{
	struct scripted *s = scripted_new(2);
	struct keel_waker leaked = {NULL, NULL};
	struct exec_stats before, after;
	struct keel_int_future *join;
	struct task_info info;

	begin();
	exec_get_stats(&before);
	s->leak = &leaked;
	CHECK_EQ(keel_spawn("counted", &s->base, &join), 0);
	fake_run_all();
	keel_waker_wake_by_ref(&leaked);
	fake_run_all();
	keel_waker_wake(&leaked);
	fake_run_all();
	info = info_of_first();
	CHECK_EQ(info.polls, 3);
	CHECK_EQ(info.wakes, 2);
	CHECK(info.state & TASK_DONE);
	exec_get_stats(&after);
	CHECK_EQ(after.spawned - before.spawned, 1);
	CHECK_EQ(after.completed - before.completed, 1);
	CHECK_EQ(after.polls - before.polls, 3);
	CHECK_EQ(after.live - before.live, 1);
	keel_future_drop(&join->future);
	exec_get_stats(&after);
	CHECK_EQ(after.live, before.live);
	end();
}

static void task_header_is_small(void)
{
	/* The scheduling part is 64 bytes; all of it fits kmalloc's 128. */
	CHECK_EQ(__builtin_offsetof(struct task, owner), 64);
	CHECK(sizeof(struct task) <= 128);
}

static const struct tap_case cases[] = {
    TAP_CASE(ready_task_runs_once_and_joins),
    TAP_CASE(pending_task_waits_on_no_queue),
    TAP_CASE(double_wake_queues_once),
    TAP_CASE(wake_during_poll_requeues_after_the_poll),
    TAP_CASE(wake_after_completion_is_ignored),
    TAP_CASE(last_reference_in_interrupt_is_freed_later),
    TAP_CASE(cancel_in_flight_drops_the_future),
    TAP_CASE(cancel_during_poll_drops_after_it),
    TAP_CASE(cancel_after_completion_keeps_the_result),
    TAP_CASE(dropping_the_join_detaches),
    TAP_CASE(join_wakes_its_poller_once),
    TAP_CASE(spawn_refusals_drop_the_future),
    TAP_CASE(names_default_and_are_cut),
    TAP_CASE(module_counts_its_tasks_until_dropped),
    TAP_CASE(failed_init_cancels_owned_tasks),
    TAP_CASE(sleeping_workers_are_woken_once_per_task),
    TAP_CASE(cursor_walks_every_task_once),
    TAP_CASE(cursor_never_holds_a_dying_task),
    TAP_CASE(trace_hook_sees_the_life_of_a_task),
    TAP_CASE(polls_and_time_in_poll_are_counted),
    TAP_CASE(task_header_is_small),
};

int main(void)
{
	return tap_run(cases, TAP_COUNT(cases));
}
