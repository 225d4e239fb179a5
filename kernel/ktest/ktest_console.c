/*
 * ktest_console.c - console input as a stream of futures.
 *
 * The cases play the UART: they call console_receive() as its interrupt
 * handler would, and watch which readers' wakers fire.  They need an empty
 * input queue (nobody typing), so they SKIP when bytes are already queued
 * rather than take someone's keystrokes; every byte a case feeds, it reads.
 */
#include "drivers/console.h"
#include "ktest/ktest.h"
#include "mm/kmalloc.h"
#include "sched/thread.h"
#include "sync/completion.h"

/* A waker that counts what is done to it. */
struct probe {
	int clones, wakes, consumed, drops;
};

static struct keel_waker probe_clone(const void *data);
static void probe_wake_by_ref(const void *data)
{
	__atomic_add_fetch(&((struct probe *)data)->wakes, 1, __ATOMIC_RELAXED);
}
static void probe_wake(const void *data)
{
	probe_wake_by_ref(data);
	__atomic_add_fetch(&((struct probe *)data)->consumed, 1,
			   __ATOMIC_RELAXED);
}
static void probe_drop(const void *data)
{
	__atomic_add_fetch(&((struct probe *)data)->drops, 1, __ATOMIC_RELAXED);
}

static const struct keel_waker_vtable probe_vtable = {
    .size = sizeof(struct keel_waker_vtable),
    .clone = probe_clone,
    .wake = probe_wake,
    .wake_by_ref = probe_wake_by_ref,
    .drop = probe_drop,
};

static struct keel_waker probe_clone(const void *data)
{
	__atomic_add_fetch(&((struct probe *)data)->clones, 1,
			   __ATOMIC_RELAXED);
	return (struct keel_waker){data, &probe_vtable};
}

/* References still held by a future. */
static int probe_held(const struct probe *p)
{
	return p->clones - p->consumed - p->drops;
}

static enum keel_poll poll_with(struct keel_int_future *f, struct probe *p)
{
	struct keel_waker w = {p, &probe_vtable};
	struct keel_context cx = {sizeof(cx), 0, &w};

	return keel_future_poll(&f->future, &cx);
}

static size_t kmalloc_bytes(void)
{
	struct kmalloc_stats ks;

	kmalloc_get_stats(&ks);
	return ks.bytes_in_use;
}

static bool input_idle(struct ktest *t)
{
	if (console_input_queued() == 0)
		return true;
	ktest_skip(t, "console input is queued");
	return false;
}

static void a_byte_wakes_the_waiting_reader(struct ktest *t)
{
	size_t before = kmalloc_bytes();
	struct keel_int_future *f;
	struct probe p = {0};

	if (!input_idle(t))
		return;
	f = console_read_byte();
	KT_EXPECT(t, f != NULL);
	if (!f)
		return;
	KT_EXPECT_EQ(t, poll_with(f, &p), KEEL_PENDING);
	KT_EXPECT_EQ(t, poll_with(f, &p), KEEL_PENDING); /* still one clone */
	KT_EXPECT_EQ(t, p.clones, 1);
	KT_EXPECT_EQ(t, p.wakes, 0);
	console_receive('x');
	KT_EXPECT_EQ(t, p.wakes, 1);
	KT_EXPECT_EQ(t, poll_with(f, &p), KEEL_READY);
	KT_EXPECT_EQ(t, f->result, 'x');
	keel_future_drop(&f->future);
	KT_EXPECT_EQ(t, probe_held(&p), 0);
	KT_EXPECT_EQ(t, console_input_queued(), 0);
	KT_EXPECT_EQ(t, kmalloc_bytes(), before);
}

static void each_byte_goes_to_one_reader(struct ktest *t)
{
	struct console_read first, second;
	struct probe p1 = {0}, p2 = {0};

	if (!input_idle(t))
		return;
	console_read_init(&first);
	console_read_init(&second);
	KT_EXPECT_EQ(t, poll_with(&first.future, &p1), KEEL_PENDING);
	KT_EXPECT_EQ(t, poll_with(&second.future, &p2), KEEL_PENDING);
	console_receive('a');
	KT_EXPECT_EQ(t, p1.wakes, 1); /* both may take it ... */
	KT_EXPECT_EQ(t, p2.wakes, 1);
	KT_EXPECT_EQ(t, poll_with(&first.future, &p1), KEEL_READY);
	KT_EXPECT_EQ(t, first.future.result, 'a');
	/* ... one does; the other waits again */
	KT_EXPECT_EQ(t, poll_with(&second.future, &p2), KEEL_PENDING);
	console_receive('b');
	KT_EXPECT_EQ(t, p1.wakes, 1);
	KT_EXPECT_EQ(t, p2.wakes, 2);
	KT_EXPECT_EQ(t, poll_with(&second.future, &p2), KEEL_READY);
	KT_EXPECT_EQ(t, second.future.result, 'b');
	keel_future_drop(&first.future.future);
	keel_future_drop(&second.future.future);
	KT_EXPECT_EQ(t, probe_held(&p1), 0);
	KT_EXPECT_EQ(t, probe_held(&p2), 0);
}

static void a_dropped_reader_takes_nothing(struct ktest *t)
{
	size_t before = kmalloc_bytes();
	struct keel_int_future *gone, *next;
	struct probe p1 = {0}, p2 = {0};

	if (!input_idle(t))
		return;
	gone = console_read_byte();
	KT_EXPECT(t, gone != NULL);
	if (!gone)
		return;
	KT_EXPECT_EQ(t, poll_with(gone, &p1), KEEL_PENDING);
	keel_future_drop(&gone->future);
	KT_EXPECT_EQ(t, probe_held(&p1), 0);
	console_receive('z');
	KT_EXPECT_EQ(t, p1.wakes, 0);
	next = console_read_byte();
	KT_EXPECT(t, next != NULL);
	if (next) {
		KT_EXPECT_EQ(t, poll_with(next, &p2), KEEL_READY);
		KT_EXPECT_EQ(t, next->result, 'z');
		KT_EXPECT_EQ(t, p2.clones,
			     0); /* READY at once: no waker kept */
		keel_future_drop(&next->future);
	}
	KT_EXPECT_EQ(t, console_input_queued(), 0);
	KT_EXPECT_EQ(t, kmalloc_bytes(), before);
}

struct getc_run {
	struct completion done;
	int result; /* -1 until console_getc returns */
};

static void getc_thread(void *arg)
{
	struct getc_run *run = arg;

	__atomic_store_n(&run->result, console_getc(), __ATOMIC_RELEASE);
	complete(&run->done);
}

static void getc_sleeps_until_a_byte_arrives(struct ktest *t)
{
	struct getc_run run;

	if (!input_idle(t))
		return;
	completion_init(&run.done, "ktest_getc");
	run.result = -1;
	KT_EXPECT(t, thread_create("kt-getc", getc_thread, &run) > 0);
	thread_sleep_ms(20);
	KT_EXPECT_EQ(t, __atomic_load_n(&run.result, __ATOMIC_ACQUIRE), -1);
	console_receive('q');
	KT_EXPECT_EQ(t, completion_wait_ms(&run.done, 5000), 0);
	KT_EXPECT_EQ(t, run.result, 'q');
	ktest_settle();
}

static const struct ktest_case console_cases[] = {
    KTEST_CASE(a_byte_wakes_the_waiting_reader),
    KTEST_CASE(each_byte_goes_to_one_reader),
    KTEST_CASE(a_dropped_reader_takes_nothing),
    KTEST_CASE(getc_sleeps_until_a_byte_arrives),
};
KTEST_SUITE(console, console_cases);
