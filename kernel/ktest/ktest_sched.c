/*
 * ktest_sched.c - in-kernel tests of threads, wait queues, mutexes and
 * preemption, run on however many harts the machine has.
 */
#include <keel/errno.h>

#include "boot/boot.h"
#include "ktest/ktest.h"
#include "mm/kmalloc.h"
#include "mm/page.h"
#include "sched/hart.h"
#include "sched/thread.h"
#include "sync/completion.h"
#include "sync/mutex.h"
#include "trap/timer.h"

#define WORKERS 16

struct shared {
	struct completion done;
	struct spinlock lock;
	struct mutex mutex;
	struct waitq wq;
	volatile long counter;
	volatile int flag;
	volatile int harts_seen;
	volatile int woken;
};

static struct shared *shared_new(void)
{
	struct shared *s = kmalloc(sizeof(*s));

	if (s) {
		completion_init(&s->done, "ktest");
		spin_init(&s->lock, "ktest");
		mutex_init(&s->mutex, "ktest");
		waitq_init(&s->wq, "ktest");
	}
	return s;
}

/* Wait for n completions, each within a generous bound. */
static int wait_all(struct shared *s, int n)
{
	for (int i = 0; i < n; i++)
		if (completion_wait_ms(&s->done, 5000))
			return -ETIMEDOUT;
	return 0;
}

static void settle(void)
{
	ktest_settle();
}

static void set_flag(void *arg)
{
	struct shared *s = arg;

	s->flag = 1;
	complete(&s->done);
}

static void thread_runs_and_exits(struct ktest *t)
{
	struct shared *s = shared_new();
	int before = thread_count();

	KT_EXPECT(t, s != NULL);
	if (!s)
		return;
	KT_EXPECT(t, thread_create("kt-flag", set_flag, s) > 0);
	KT_EXPECT_EQ(t, wait_all(s, 1), 0);
	KT_EXPECT_EQ(t, s->flag, 1);
	settle();
	KT_EXPECT_EQ(t, thread_count(), before);
	kfree(s);
}

static void count_with_spinlock(void *arg)
{
	struct shared *s = arg;

	for (int i = 0; i < 2000; i++) {
		spin_lock(&s->lock);
		s->counter++;
		s->harts_seen |= 1 << hart_id();
		spin_unlock(&s->lock);
		if (i % 256 == 0)
			thread_yield();
	}
	complete(&s->done);
}

static void spinlock_counts_exactly_across_harts(struct ktest *t)
{
	struct shared *s = shared_new();

	KT_EXPECT(t, s != NULL);
	if (!s)
		return;
	for (int i = 0; i < WORKERS; i++)
		KT_EXPECT(t, thread_create("kt-spin", count_with_spinlock, s) > 0);
	KT_EXPECT_EQ(t, wait_all(s, WORKERS), 0);
	KT_EXPECT_EQ(t, s->counter, WORKERS * 2000);
	ktest_note(t, "harts used: mask %x of %d online", s->harts_seen, harts_online());
	if (harts_online() > 1)
		KT_EXPECT(t, (s->harts_seen & (s->harts_seen - 1)) != 0);
	settle();
	kfree(s);
}

/*
 * The same lock taken both ways (sync/spinlock.h), and one inside the
 * other: counts stay exact, and interrupts are back on after each release.
 */
static void count_with_both_kinds(void *arg)
{
	struct shared *s = arg;
	struct spinlock inner;

	spin_init(&inner, "ktest-inner");
	for (int i = 0; i < 2000; i++) {
		if (i % 2) {
			spin_lock_irqsave(&s->lock);
			spin_lock(&inner); /* nests strictly inside */
			s->counter++;
			spin_unlock(&inner);
			spin_unlock_irqrestore(&s->lock);
		} else {
			spin_lock(&s->lock);
			spin_lock_irqsave(&inner);
			s->counter++;
			spin_unlock_irqrestore(&inner);
			spin_unlock(&s->lock);
		}
		if (!irq_enabled())
			s->flag = 1; /* interrupts left off */
		if (i % 256 == 0)
			thread_yield();
	}
	complete(&s->done);
}

static void spinlock_irqsave_counts_exactly_across_harts(struct ktest *t)
{
	struct shared *s = shared_new();

	KT_EXPECT(t, s != NULL);
	if (!s)
		return;
	for (int i = 0; i < WORKERS; i++)
		KT_EXPECT(
		    t, thread_create("kt-spin", count_with_both_kinds, s) > 0);
	KT_EXPECT_EQ(t, wait_all(s, WORKERS), 0);
	KT_EXPECT_EQ(t, s->counter, WORKERS * 2000);
	KT_EXPECT_EQ(t, s->flag, 0);
	settle();
	kfree(s);
}

static void count_with_mutex(void *arg)
{
	struct shared *s = arg;

	for (int i = 0; i < 50; i++) {
		long v;

		mutex_lock(&s->mutex);
		v = s->counter;
		if (i % 10 == 0)
			thread_sleep_ms(1); /* sleeping while holding a mutex is allowed */
		s->counter = v + 1;
		mutex_unlock(&s->mutex);
	}
	complete(&s->done);
}

static void mutex_serialises_sleepers(struct ktest *t)
{
	struct shared *s = shared_new();

	KT_EXPECT(t, s != NULL);
	if (!s)
		return;
	for (int i = 0; i < 8; i++)
		KT_EXPECT(t, thread_create("kt-mutex", count_with_mutex, s) > 0);
	KT_EXPECT_EQ(t, wait_all(s, 8), 0);
	KT_EXPECT_EQ(t, s->counter, 8 * 50);
	settle();
	kfree(s);
}

static void sleep_then_count(void *arg)
{
	struct shared *s = arg;

	spin_lock(&s->lock);
	while (!s->flag)
		waitq_sleep(&s->wq, &s->lock);
	s->woken++;
	spin_unlock(&s->lock);
	complete(&s->done);
}

static void wake_one_wakes_exactly_one(struct ktest *t)
{
	struct shared *s = shared_new();

	KT_EXPECT(t, s != NULL);
	if (!s)
		return;
	for (int i = 0; i < 3; i++)
		thread_create("kt-wait", sleep_then_count, s);
	thread_sleep_ms(20); /* all three asleep */
	spin_lock(&s->lock);
	s->flag = 1;
	spin_unlock(&s->lock);
	waitq_wake_one(&s->wq);
	KT_EXPECT_EQ(t, wait_all(s, 1), 0);
	thread_sleep_ms(20);
	KT_EXPECT_EQ(t, s->woken, 1);
	waitq_wake_all(&s->wq);
	KT_EXPECT_EQ(t, wait_all(s, 2), 0);
	KT_EXPECT_EQ(t, s->woken, 3);
	settle();
	kfree(s);
}

static void sleep_lasts_at_least_the_time(struct ktest *t)
{
	uint64_t start = timer_now();

	thread_sleep_ms(50);
	KT_EXPECT(t, timer_now() - start >= timer_ms_to_ticks(50));
}

static void waitq_deadline_times_out(struct ktest *t)
{
	struct shared *s = shared_new();
	uint64_t start = timer_now();
	int err;

	KT_EXPECT(t, s != NULL);
	if (!s)
		return;
	spin_lock(&s->lock);
	err = waitq_sleep_until(&s->wq, &s->lock, start + timer_ms_to_ticks(30));
	spin_unlock(&s->lock);
	KT_EXPECT_EQ(t, err, -ETIMEDOUT);
	KT_EXPECT(t, timer_now() - start >= timer_ms_to_ticks(30));
	KT_EXPECT(t, list_empty(&s->wq.sleepers));
	kfree(s);
}

static void spin_until_flag(void *arg)
{
	struct shared *s = arg;

	/* Never yields: only timer preemption lets others run on one hart. */
	while (!s->flag)
		__asm__ volatile("" ::: "memory");
	complete(&s->done);
}

static void preemption_lets_others_run(struct ktest *t)
{
	struct shared *s = shared_new();

	KT_EXPECT(t, s != NULL);
	if (!s)
		return;
	/* One spinner per hart, so every hart is busy. */
	for (int i = 0; i < harts_online(); i++)
		thread_create("kt-spinner", spin_until_flag, s);
	thread_sleep_ms(30);
	s->flag = 1; /* this thread ran although every hart had a spinner */
	KT_EXPECT_EQ(t, wait_all(s, harts_online()), 0);
	settle();
	kfree(s);
}

static void exit_code(void *arg)
{
	struct shared *s = arg;

	complete(&s->done);
	thread_exit(7);
}

static void threads_return_their_memory(struct ktest *t)
{
	struct shared *s = shared_new();
	struct page_stats before, after;

	KT_EXPECT(t, s != NULL);
	if (!s)
		return;
	settle();
	page_get_stats(&before);
	for (int i = 0; i < 64; i++)
		KT_EXPECT(t, thread_create("kt-exit", exit_code, s) > 0);
	KT_EXPECT_EQ(t, wait_all(s, 64), 0);
	settle();
	page_get_stats(&after);
	KT_EXPECT_EQ(t, after.free, before.free);
	kfree(s);
}

static const struct ktest_case cases[] = {
	KTEST_CASE(thread_runs_and_exits),
	KTEST_CASE(spinlock_counts_exactly_across_harts),
	KTEST_CASE(spinlock_irqsave_counts_exactly_across_harts),
	KTEST_CASE(mutex_serialises_sleepers),
	KTEST_CASE(wake_one_wakes_exactly_one),
	KTEST_CASE(sleep_lasts_at_least_the_time),
	KTEST_CASE(waitq_deadline_times_out),
	KTEST_CASE(preemption_lets_others_run),
	KTEST_CASE(threads_return_their_memory),
};
KTEST_SUITE(sched, cases);
