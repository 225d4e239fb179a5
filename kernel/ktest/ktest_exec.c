/*
 * ktest_exec.c - the executor in the running kernel: tasks on every hart,
 * timers driven by the real timer interrupt, wakes arriving from
 * interrupts on other harts while tasks are being polled, and memory
 * coming back to the byte.
 *
 * Suite `exec` holds the functional cases; suite `exec_stress` the large
 * ones (thousands of tasks with random sleeps, 100,000 sleeping tasks).
 * The shell thread running ktest waits for tasks with block_on, as any
 * kernel thread would.
 */
#include <keel/async.h>
#include <keel/errno.h>
#include <keel/sync.h>
#include <keel/task.h>
#include <keel/time.h>

#include "boot/boot.h"
#include "exec/block_on.h"
#include "exec/exec.h"
#include "ktest/ktest.h"
#include "mm/kmalloc.h"
#include "mm/memory_mark.h"
#include "mm/page.h"
#include "sched/hart.h"
#include "sched/thread.h"

/*
 * Wait (at most five seconds) until no task spawned since `live_before`
 * is left: the last references of finished tasks may be dropped by an
 * executor thread a moment after their joins were.
 */
static void settle_tasks(uint64_t live_before)
{
	struct exec_stats stats;

	for (int waited = 0; waited < 5000; waited += 2) {
		exec_get_stats(&stats);
		if (stats.live <= live_before)
			return;
		thread_sleep_ms(2);
	}
}

static uint64_t live_tasks(void)
{
	struct exec_stats stats;

	exec_get_stats(&stats);
	return stats.live;
}

/*
 * Memory as a case starts, once the tasks and threads of earlier cases are
 * freed (a task's last reference may go a little after its join): else
 * their memory comes back during the case and looks like a leak the other
 * way round.
 */
static struct memory_mark memory_at_start(void)
{
	settle_tasks(0);
	ktest_settle();
	return memory_now();
}

static uint32_t xorshift(uint32_t *state)
{
	uint32_t x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

/* ---- a future of the test's own: a coroutine with random waits ---- */

struct shared {
	volatile uint32_t *completions; /* per task */
	volatile uint32_t harts_seen;	/* bit per hart a poll ran on */
	volatile uint32_t inside;	/* holders of the async mutex */
	volatile uint32_t max_inside;
	volatile uint32_t entered;
	struct keel_async_mutex mutex;
	uint32_t spin;	/* busy work per poll */
	int long_polls; /* sometimes poll on after arming */
};

struct worker {
	struct keel_int_future base;
	struct keel_async co;
	struct shared *shared;
	uint32_t index, round, rounds, seed, choice;
	struct keel_int_future *sleep; /* polled by hand, then awaited */
	int64_t r;
	int use_mutex;
};

static void busy(uint32_t n)
{
	for (volatile uint32_t i = 0; i < n; i++)
		;
}

/* A poll that takes long: run on for `ns` nanoseconds. */
static void spin_ns(uint64_t ns)
{
	uint64_t until = keel_now_ns() + ns;

	while (keel_now_ns() < until)
		;
}

static enum keel_poll worker_poll(struct keel_future *f,
				  struct keel_context *cx)
{
	struct worker *w = (struct worker *)f;
	struct shared *s = w->shared;

	__atomic_or_fetch(&s->harts_seen, 1u << hart_id(), __ATOMIC_RELAXED);
	busy(s->spin);
	KEEL_ASYNC_BEGIN(&w->co);
	for (w->round = 0; w->round < w->rounds; w->round++) {
		if (w->use_mutex) {
			KEEL_AWAIT(&w->co, cx, keel_async_mutex_lock(&s->mutex),
				   w->r);
			if (w->r < 0)
				KEEL_ASYNC_RETURN(&w->co, &w->base, w->r);
			uint32_t in =
			    __atomic_add_fetch(&s->inside, 1, __ATOMIC_RELAXED);
			if (in > s->max_inside)
				s->max_inside = in;
			s->entered++;
		}
		w->choice = xorshift(&w->seed) % 4;
		if (w->choice == 0) {
			KEEL_YIELD(&w->co, cx);
		} else if (w->choice == 3 && s->long_polls) {
			/*
			 * Arm a 1 ms sleep, then go on polling up to 1.5 ms:
			 * its timer interrupt often comes during this poll.
			 */
			w->sleep = keel_sleep_ms(1);
			if (w->sleep && keel_future_poll(&w->sleep->future,
							 cx) == KEEL_PENDING)
				spin_ns(xorshift(&w->seed) % 1500000);
			KEEL_AWAIT(&w->co, cx, w->sleep, w->r);
			w->sleep = NULL;
		} else {
			KEEL_AWAIT(&w->co, cx,
				   keel_sleep_ms(xorshift(&w->seed) % 6), w->r);
		}
		if (w->r < 0)
			KEEL_ASYNC_RETURN(&w->co, &w->base, w->r);
		if (w->use_mutex) {
			__atomic_sub_fetch(&s->inside, 1, __ATOMIC_RELAXED);
			keel_async_mutex_unlock(&s->mutex);
		}
	}
	if (s->completions)
		__atomic_add_fetch(&s->completions[w->index], 1,
				   __ATOMIC_RELAXED);
	KEEL_ASYNC_END(&w->co, &w->base, w->index);
}

static void worker_drop(struct keel_future *f)
{
	keel_async_drop(&((struct worker *)f)->co);
	kfree(f);
}

static const struct keel_future_vtable worker_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "kt-worker",
    .poll = worker_poll,
    .drop = worker_drop,
};

static struct keel_int_future *worker_new(struct shared *s, uint32_t index,
					  uint32_t rounds)
{
	struct worker *w = kmalloc(sizeof(*w));

	if (!w)
		return NULL;
	w->base.future.vtable = &worker_vtable;
	w->shared = s;
	w->index = index;
	w->rounds = rounds;
	w->seed = index * 2654435761u + 1;
	return &w->base;
}

/*
 * Spawn n workers of `rounds` rounds each and wait for all; checks each
 * ends exactly once with its own index.  Returns the failures seen.
 */
static int run_workers(struct ktest *t, struct shared *s, uint32_t n,
		       uint32_t rounds, int use_mutex)
{
	struct keel_int_future **joins = kmalloc(n * sizeof(*joins));
	int failures = 0;

	KT_EXPECT(t, joins != NULL);
	if (!joins)
		return 1;
	for (uint32_t i = 0; i < n; i++) {
		struct keel_int_future *f = worker_new(s, i, rounds);

		if (f)
			((struct worker *)f)->use_mutex = use_mutex;
		if (keel_spawn("kt-worker", f, &joins[i]) != 0) {
			failures++;
			joins[i] = NULL;
		}
	}
	for (uint32_t i = 0; i < n; i++) {
		if (joins[i] && block_on(joins[i]) != (int64_t)i)
			failures++;
	}
	if (s->completions) {
		for (uint32_t i = 0; i < n; i++)
			failures += s->completions[i] != 1;
	}
	kfree(joins);
	KT_EXPECT_EQ(t, failures, 0);
	return failures;
}

/* ---- exec ---- */

static void one_executor_thread_per_hart(struct ktest *t)
{
	struct exec_stats stats;

	exec_get_stats(&stats);
	KT_EXPECT_EQ(t, stats.workers, harts_online());
}

static void spawned_task_result_reaches_the_join(struct ktest *t)
{
	struct memory_mark before = memory_at_start();
	uint64_t live = live_tasks();
	struct shared s = {0};
	struct keel_int_future *join;

	KT_EXPECT_EQ(t, keel_spawn("kt-one", worker_new(&s, 7, 3), &join), 0);
	KT_EXPECT_EQ(t, block_on(join), 7);
	settle_tasks(live);
	KT_EXPECT_EQ(t, memory_now().kmalloc_bytes, before.kmalloc_bytes);
}

static void sleep_lasts_at_least_its_time(struct ktest *t)
{
	uint64_t start = keel_now_ns();

	KT_EXPECT_EQ(t, block_on(keel_sleep_ms(25)), 0);
	KT_EXPECT(t, keel_now_ns() - start >= 25000000ull);
	start = keel_now_ns();
	KT_EXPECT_EQ(t, block_on(keel_sleep_until(start + 3000000)), 0);
	KT_EXPECT(t, keel_now_ns() >= start + 3000000);
	KT_EXPECT_EQ(t, exec_timers_armed(), 0);
}

static void timeout_cancels_a_slow_future(struct ktest *t)
{
	struct keel_int_future *futures[2];
	uint32_t winner = 9;

	KT_EXPECT_EQ(t, block_on(keel_timeout(keel_sleep_ms(10000), 5)),
		     -ETIMEDOUT);
	futures[0] = keel_sleep_ms(10000);
	futures[1] = keel_sleep_ms(2);
	KT_EXPECT_EQ(t, block_on(keel_select(futures, 2, &winner)), 0);
	KT_EXPECT_EQ(t, winner, 1);
	KT_EXPECT_EQ(t, exec_timers_armed(), 0); /* the losers are gone */
}

static void cancelled_sleeper_ends_at_once(struct ktest *t)
{
	struct memory_mark before = memory_at_start();
	uint64_t live = live_tasks(), start;
	struct keel_int_future *join;

	KT_EXPECT_EQ(t, keel_spawn("kt-sleeper", keel_sleep_ms(60000), &join),
		     0);
	thread_sleep_ms(5); /* let it arm its timer */
	KT_EXPECT_EQ(t, exec_timers_armed(), 1);
	start = keel_now_ns();
	keel_cancel(join);
	KT_EXPECT_EQ(t, block_on(join), -ECANCELED);
	KT_EXPECT(t, keel_now_ns() - start < 60000000000ull);
	KT_EXPECT_EQ(t, exec_timers_armed(), 0);
	settle_tasks(live);
	KT_EXPECT_EQ(t, memory_now().kmalloc_bytes, before.kmalloc_bytes);
}

/*
 * A poll that arms a 1 ms sleep and then runs on (standing in for a long
 * poll) until the timer interrupt has woken the task, at most 200 ms (the
 * interrupt may come late when QEMU's host is busy).  The wake must not
 * poll it inline; the task is polled again once, after the poll returns.
 */
struct long_poll {
	struct keel_int_future base;
	struct keel_int_future *sleep;
	int polls;
};

static uint64_t notified_from_interrupt(void)
{
	struct exec_stats stats;

	exec_get_stats(&stats);
	return stats.notified_from_interrupt;
}

static enum keel_poll long_poll_poll(struct keel_future *f,
				     struct keel_context *cx)
{
	struct long_poll *p = (struct long_poll *)f;
	uint64_t until = keel_now_ns() + 200000000, seen;

	if (++p->polls > 1)
		return keel_future_poll(&p->sleep->future, cx);
	seen = notified_from_interrupt();
	/* Arm a sleep that has not ended yet (the host may pause us). */
	for (int tries = 0; tries < 5; tries++) {
		if (p->sleep)
			keel_future_drop(&p->sleep->future);
		p->sleep = keel_sleep_ms(2);
		if (!p->sleep) {
			p->base.result = -ENOMEM;
			return KEEL_READY;
		}
		if (keel_future_poll(&p->sleep->future, cx) == KEEL_PENDING)
			break;
	}
	while (notified_from_interrupt() == seen && keel_now_ns() < until)
		;
	return KEEL_PENDING;
}

static void long_poll_drop(struct keel_future *f)
{
	struct long_poll *p = (struct long_poll *)f;

	if (p->sleep)
		keel_future_drop(&p->sleep->future);
	kfree(f);
}

static const struct keel_future_vtable long_poll_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "kt-long-poll",
    .poll = long_poll_poll,
    .drop = long_poll_drop,
};

static void interrupt_wake_during_poll_requeues_once(struct ktest *t)
{
	struct long_poll *p = kmalloc(sizeof(*p));
	struct exec_stats before, after;
	struct keel_int_future *join;

	KT_EXPECT(t, p != NULL);
	if (!p)
		return;
	p->base.future.vtable = &long_poll_vtable;
	exec_get_stats(&before);
	KT_EXPECT_EQ(t, keel_spawn("kt-long-poll", &p->base, &join), 0);
	KT_EXPECT_EQ(t, block_on(join), 0);
	exec_get_stats(&after);
	KT_EXPECT(t, after.notified_from_interrupt >
			 before.notified_from_interrupt);
	KT_EXPECT_EQ(t, after.polls - before.polls, 2);
}

static void polls_run_on_several_harts(struct ktest *t)
{
	struct shared s = {0};

	if (harts_online() < 2) {
		ktest_skip(t, "one hart");
		return;
	}
	s.spin = 20000;
	run_workers(t, &s, 64, 20, 0);
	KT_EXPECT(t, __builtin_popcount(s.harts_seen) >= 2);
	ktest_note(t, "polls ran on harts 0x%x", s.harts_seen);
}

static void async_mutex_is_held_across_awaits(struct ktest *t)
{
	struct shared s = {0};

	run_workers(t, &s, 32, 5, 1);
	KT_EXPECT_EQ(t, s.max_inside, 1);
	KT_EXPECT_EQ(t, s.entered, 32 * 5);
	KT_EXPECT_EQ(t, s.mutex.locked, 0);
}

static const struct ktest_case exec_cases[] = {
    KTEST_CASE(one_executor_thread_per_hart),
    KTEST_CASE(spawned_task_result_reaches_the_join),
    KTEST_CASE(sleep_lasts_at_least_its_time),
    KTEST_CASE(timeout_cancels_a_slow_future),
    KTEST_CASE(cancelled_sleeper_ends_at_once),
    KTEST_CASE(interrupt_wake_during_poll_requeues_once),
    KTEST_CASE(polls_run_on_several_harts),
    KTEST_CASE(async_mutex_is_held_across_awaits),
};
KTEST_SUITE(exec, exec_cases);

/* ---- exec_stress ---- */

/*
 * Thousands of tasks, each sleeping a random few milliseconds or yielding
 * a few times: the timer interrupts of every hart wake them while other
 * tasks are being polled.  Each must end exactly once, and every byte
 * must come back.
 */
static void thousands_of_tasks_end_exactly_once(struct ktest *t)
{
	enum { N = 3000 };
	struct memory_mark before;
	struct exec_stats stats_before, stats_after;
	uint64_t live;
	struct shared s = {0};

	before = memory_at_start();
	live = live_tasks();
	exec_get_stats(&stats_before);
	s.completions = kmalloc(N * sizeof(*s.completions));
	KT_EXPECT(t, s.completions != NULL);
	if (!s.completions)
		return;
	s.spin = 200;
	s.long_polls = 1;
	run_workers(t, &s, N, 4, 0);
	kfree((void *)s.completions);
	settle_tasks(live);
	exec_get_stats(&stats_after);
	KT_EXPECT_EQ(t, stats_after.completed - stats_before.completed, N);
	KT_EXPECT_EQ(t, exec_timers_armed(), 0);
	KT_EXPECT_EQ(t, memory_now().kmalloc_bytes, before.kmalloc_bytes);
	KT_EXPECT_EQ(t, memory_now().free_pages, before.free_pages);
	ktest_note(
	    t,
	    "%d tasks, %lu polls, %lu wakes during a poll (%lu from "
	    "interrupts)",
	    N, (unsigned long)(stats_after.polls - stats_before.polls),
	    (unsigned long)(stats_after.notified - stats_before.notified),
	    (unsigned long)(stats_after.notified_from_interrupt -
			    stats_before.notified_from_interrupt));
}

/*
 * 100,000 tasks asleep at once: all fit in memory, every one has its timer
 * armed; then they are cancelled and all memory comes back.
 */
static void hundred_thousand_sleeping_tasks_fit(struct ktest *t)
{
	enum { N = 100000 };
	struct memory_mark before = memory_at_start(), spawning, asleep;
	uint64_t live = live_tasks();
	uint64_t deadline = keel_now_ns() + 600000000000ull; /* 10 min */
	struct keel_int_future **joins = kmalloc(N * sizeof(*joins));
	int failures = 0;

	KT_EXPECT(t, joins != NULL);
	if (!joins)
		return;
	spawning = memory_now();
	for (int i = 0; i < N; i++)
		failures += keel_spawn("kt-sleeper", keel_sleep_until(deadline),
				       &joins[i]) != 0;
	KT_EXPECT_EQ(t, failures, 0);
	/* Every task polled once: its timer armed. */
	for (int waited = 0; exec_timers_armed() < N && waited < 20000;
	     waited += 10)
		thread_sleep_ms(10);
	KT_EXPECT_EQ(t, exec_timers_armed(), N);
	KT_EXPECT_EQ(t, live_tasks() - live, N);
	asleep = memory_now();
	ktest_note(
	    t,
	    "%d sleeping tasks: %lu KiB, %lu bytes each "
	    "(task %lu + sleep 64, in kmalloc classes)",
	    N, (unsigned long)((spawning.free_pages - asleep.free_pages) * 4),
	    (unsigned long)((spawning.free_pages - asleep.free_pages) * 4096 /
			    N),
	    (unsigned long)sizeof(struct task));
	for (int i = 0; i < N; i++)
		if (joins[i])
			keel_cancel(joins[i]);
	failures = 0;
	for (int i = 0; i < N; i++)
		if (joins[i])
			failures += block_on(joins[i]) != -ECANCELED;
	KT_EXPECT_EQ(t, failures, 0);
	kfree(joins);
	settle_tasks(live);
	KT_EXPECT_EQ(t, exec_timers_armed(), 0);
	KT_EXPECT_EQ(t, memory_now().kmalloc_bytes, before.kmalloc_bytes);
	KT_EXPECT_EQ(t, memory_now().free_pages, before.free_pages);
}

static const struct ktest_case stress_cases[] = {
    KTEST_CASE(thousands_of_tasks_end_exactly_once),
    KTEST_CASE(hundred_thousand_sleeping_tasks_fit),
};
KTEST_SUITE(exec_stress, stress_cases);
