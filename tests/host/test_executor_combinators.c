/*
 * test_executor_combinators.c - sleeps, timeout, join-all, select, the
 * async mutex and the coroutine macros, on the host with a fake clock
 * (executor_fake.h).
 *
 * Time moves only when a case says so (fake_advance_ms, which also takes
 * the timer interrupt), so "is it READY yet" has one answer.  Futures are
 * polled directly with a counting waker, or spawned and run with
 * fake_run_all.  Every case ends with all memory freed, no timer armed and
 * no lock held.
 */
#include <string.h>

#include <keel/async.h>
#include <keel/errno.h>
#include <keel/sync.h>
#include <keel/task.h>
#include <keel/time.h>

#include "executor_fake.h"
#include "mm/kmalloc.h"
#include "shim.h"
#include "tap.h"
#include "trap/timer.h"

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

static void end(void)
{
	CHECK_EQ(fake_run_all(), 0);
	CHECK_EQ(exec_timers_armed(), 0);
	CHECK_EQ(shim_live_allocations, 0);
	CHECK_EQ(shim_locks_held, 0);
}

static enum keel_poll poll_once(struct keel_int_future *f, int *wakes)
{
	return poll_counting(&f->future, wakes);
}

static void drop(struct keel_int_future *f)
{
	keel_future_drop(&f->future);
}

/* The result of a join that must be READY by now. */
static int64_t join_result(struct keel_int_future *join)
{
	int wakes = 0;

	if (poll_once(join, &wakes) != KEEL_READY)
		return 1000; /* not a result any case expects */
	return join->result;
}

/* ---- the clock and sleeps ---- */

static void clock_counts_nanoseconds(void)
{
	begin();
	fake_now = 12345678; /* ticks of 100 ns since boot */
	CHECK_EQ(keel_now_ns(), 1234567800ull);
	CHECK_EQ(exec_ns_to_ticks(150), 2); /* rounded up */
	CHECK_EQ(exec_ticks_to_ns(3), 300);
	CHECK_EQ(exec_ns_to_ticks(UINT64_MAX), 184467440737095517ull);
	end();
}

static void sleep_ends_at_its_deadline_not_a_tick_later(void)
{
	struct keel_int_future *s;
	int wakes = 0;
	uint64_t start;

	begin();
	start = fake_now;
	s = keel_sleep_ms(15);
	CHECK_EQ(poll_once(s, &wakes), KEEL_PENDING);
	CHECK_EQ(exec_timers_armed(), 1);
	CHECK_EQ(fake_armed,
		 start + timer_ms_to_ticks(15)); /* hardware timer */
	CHECK_EQ(exec_timers_next(), start + timer_ms_to_ticks(15));
	fake_advance_ms(14);
	CHECK_EQ(wakes, 0);
	fake_advance_ms(1);
	CHECK_EQ(wakes, 1);
	CHECK_EQ(exec_timers_armed(), 0);
	CHECK_EQ(poll_once(s, &wakes), KEEL_READY);
	CHECK_EQ(s->result, 0);
	drop(s);
	end();
}

static void sleep_zero_is_ready_at_once(void)
{
	struct keel_int_future *s;
	int wakes = 0;

	begin();
	s = keel_sleep_ms(0);
	CHECK_EQ(poll_once(s, &wakes), KEEL_READY);
	drop(s);
	s = keel_sleep_until(keel_now_ns());
	CHECK_EQ(poll_once(s, &wakes), KEEL_READY);
	drop(s);
	CHECK_EQ(fake_armed, UINT64_MAX);
	end();
}

static void dropping_a_sleep_disarms_it(void)
{
	struct keel_int_future *s[3];
	int wakes = 0;

	begin();
	for (int i = 0; i < 3; i++) {
		s[i] = keel_sleep_ms(10 * (i + 1));
		CHECK_EQ(poll_once(s[i], &wakes), KEEL_PENDING);
	}
	CHECK_EQ(exec_timers_armed(), 3);
	drop(s[0]); /* the earliest */
	CHECK_EQ(exec_timers_next(), fake_now + timer_ms_to_ticks(20));
	drop(s[1]);
	drop(s[2]);
	fake_advance_ms(100);
	CHECK_EQ(wakes, 0);
	end();
}

static void earliest_deadline_programs_the_timer(void)
{
	struct keel_int_future *late, *early;
	int wakes = 0;
	uint64_t start;

	begin();
	start = fake_now;
	late = keel_sleep_ms(50);
	early = keel_sleep_ms(5);
	poll_once(late, &wakes);
	CHECK_EQ(fake_armed, start + timer_ms_to_ticks(50));
	poll_once(early, &wakes);
	CHECK_EQ(fake_armed, start + timer_ms_to_ticks(5));
	fake_advance_ms(5);
	CHECK_EQ(wakes, 1);
	CHECK_EQ(exec_timers_next(), start + timer_ms_to_ticks(50));
	drop(late);
	drop(early);
	end();
}

static void a_spawned_sleep_wakes_its_task(void)
{
	struct keel_int_future *join;

	begin();
	CHECK_EQ(keel_spawn("nap", keel_sleep_ms(10), &join), 0);
	CHECK_EQ(fake_run_all(), 1);
	fake_advance_ms(9);
	CHECK_EQ(fake_run_all(), 0);
	fake_advance_ms(1);
	CHECK_EQ(fake_run_all(), 1);
	CHECK_EQ(join_result(join), 0);
	drop(join);
	end();
}

/* ---- timeout ---- */

static void timeout_expires_and_cancels(void)
{
	int dropped = 0, wakes = 0;
	struct manual *m;
	struct keel_int_future *t;

	begin();
	m = manual_new(&dropped);
	t = keel_timeout(&m->base, 20);
	CHECK_EQ(poll_once(t, &wakes), KEEL_PENDING);
	fake_advance_ms(19);
	CHECK_EQ(poll_once(t, &wakes), KEEL_PENDING);
	fake_advance_ms(1);
	CHECK_EQ(wakes, 1);
	CHECK_EQ(poll_once(t, &wakes), KEEL_READY);
	CHECK_EQ(t->result, -ETIMEDOUT);
	CHECK_EQ(dropped, 1);
	drop(t);
	end();
}

static void timeout_passes_an_early_result(void)
{
	int dropped = 0, wakes = 0;
	struct manual *m;
	struct keel_int_future *t;

	begin();
	m = manual_new(&dropped);
	m->value = 77;
	t = keel_timeout(&m->base, 20);
	CHECK_EQ(poll_once(t, &wakes), KEEL_PENDING);
	manual_complete(m);
	CHECK_EQ(wakes, 1);
	fake_now += timer_ms_to_ticks(30); /* both ready: the result wins */
	CHECK_EQ(poll_once(t, &wakes), KEEL_READY);
	CHECK_EQ(t->result, 77);
	CHECK_EQ(exec_timers_armed(), 0);
	drop(t);
	end();
}

static void timeout_refusals(void)
{
	int dropped = 0;
	struct manual *m;

	begin();
	CHECK(keel_timeout(NULL, 5) == NULL);
	m = manual_new(&dropped);
	fail_after = 0;
	CHECK(keel_timeout(&m->base, 5) == NULL);
	fail_after = -1;
	CHECK_EQ(dropped, 1);
	end();
}

/* ---- join-all ---- */

static void join_all_waits_for_every_future(void)
{
	int dropped[3] = {0}, wakes = 0;
	struct manual *m[3];
	struct keel_int_future *futures[3], *j;
	int64_t results[3] = {0};

	begin();
	for (int i = 0; i < 3; i++) {
		m[i] = manual_new(&dropped[i]);
		m[i]->value = i == 0 ? 10 : i == 1 ? -EIO : -ENOSPC;
		futures[i] = &m[i]->base;
	}
	j = keel_join_all(futures, 3, results);
	memset(futures, 0, sizeof(futures)); /* the array is not kept */
	CHECK_EQ(poll_once(j, &wakes), KEEL_PENDING);
	manual_complete(m[2]);
	CHECK_EQ(poll_once(j, &wakes), KEEL_PENDING);
	CHECK_EQ(dropped[2], 1); /* dropped as soon as READY */
	manual_complete(m[0]);
	manual_complete(m[1]);
	CHECK_EQ(wakes, 3);
	CHECK_EQ(poll_once(j, &wakes), KEEL_READY);
	CHECK_EQ(results[0], 10);
	CHECK_EQ(results[1], -EIO);
	CHECK_EQ(results[2], -ENOSPC);
	CHECK_EQ(j->result, -EIO); /* the lowest-numbered failure */
	drop(j);
	end();
}

static void join_all_dropped_cancels_the_pending(void)
{
	int dropped[2] = {0}, wakes = 0;
	struct manual *m[2];
	struct keel_int_future *futures[2], *j;

	begin();
	for (int i = 0; i < 2; i++) {
		m[i] = manual_new(&dropped[i]);
		futures[i] = &m[i]->base;
	}
	j = keel_join_all(futures, 2, NULL);
	manual_complete(m[0]);
	CHECK_EQ(poll_once(j, &wakes), KEEL_PENDING);
	drop(j);
	CHECK_EQ(dropped[0] + dropped[1], 2);
	end();
}

static void join_all_refusals(void)
{
	int dropped = 0, wakes = 0;
	struct manual *m;
	struct keel_int_future *futures[2], *j;

	begin();
	j = keel_join_all(NULL, 0, NULL);
	CHECK_EQ(poll_once(j, &wakes), KEEL_READY);
	CHECK_EQ(j->result, 0);
	drop(j);
	m = manual_new(&dropped);
	futures[0] = &m->base;
	futures[1] = NULL; /* its allocation failed */
	CHECK(keel_join_all(futures, 2, NULL) == NULL);
	CHECK_EQ(dropped, 1);
	j = keel_join_all(NULL, 3, NULL);
	CHECK_EQ(poll_once(j, &wakes), KEEL_READY);
	CHECK_EQ(j->result, -EINVAL);
	drop(j);
	end();
}

/* ---- select ---- */

static void select_first_wins_and_losers_are_cancelled(void)
{
	int dropped[3] = {0}, wakes = 0;
	struct manual *m[3];
	struct keel_int_future *futures[3], *s;
	uint32_t winner = 99;

	begin();
	for (int i = 0; i < 3; i++) {
		m[i] = manual_new(&dropped[i]);
		m[i]->value = 100 + i;
		futures[i] = &m[i]->base;
	}
	s = keel_select(futures, 3, &winner);
	CHECK_EQ(poll_once(s, &wakes), KEEL_PENDING);
	manual_complete(m[1]);
	CHECK_EQ(poll_once(s, &wakes), KEEL_READY);
	CHECK_EQ(s->result, 101);
	CHECK_EQ(winner, 1);
	CHECK_EQ(dropped[0] + dropped[1] + dropped[2], 3);
	drop(s);
	end();
}

static void select_picks_the_lowest_index_of_a_tie(void)
{
	int wakes = 0;
	struct keel_int_future *futures[2], *s;
	uint32_t winner = 99;

	begin();
	futures[0] = keel_sleep_ms(10);
	futures[1] = keel_sleep_ms(5);
	s = keel_select(futures, 2, &winner);
	CHECK_EQ(poll_once(s, &wakes), KEEL_PENDING);
	fake_advance_ms(20);
	CHECK_EQ(poll_once(s, &wakes), KEEL_READY);
	CHECK_EQ(winner, 0);
	drop(s);
	s = keel_select(futures, 0, NULL);
	CHECK_EQ(poll_once(s, &wakes), KEEL_READY);
	CHECK_EQ(s->result, -EINVAL);
	drop(s);
	end();
}

static void select_of_sleep_and_task_join(void)
{
	struct manual *m;
	struct keel_int_future *join, *futures[2], *s, *outer;
	uint32_t winner = 99;

	begin();
	m = manual_new(NULL);
	CHECK_EQ(keel_spawn("worker", &m->base, &join), 0);
	futures[0] = join;
	futures[1] = keel_sleep_ms(30);
	s = keel_select(futures, 2, &winner);
	CHECK_EQ(keel_spawn("selector", s, &outer), 0);
	fake_run_all();
	fake_advance_ms(30);
	fake_run_all();
	CHECK_EQ(winner, 1);
	CHECK_EQ(join_result(outer), 0);
	drop(outer);
	/* The loser was the join: dropping it detached the worker. */
	manual_complete(m);
	CHECK_EQ(fake_run_all(), 1);
	end();
}

/* ---- the async mutex ---- */

static void mutex_is_first_come_first_served(void)
{
	struct keel_async_mutex mutex = KEEL_ASYNC_MUTEX_INIT;
	struct keel_int_future *a, *b, *c;
	int wakes_b = 0, wakes_c = 0, wakes = 0;

	begin();
	a = keel_async_mutex_lock(&mutex);
	b = keel_async_mutex_lock(&mutex);
	c = keel_async_mutex_lock(&mutex);
	CHECK_EQ(poll_once(a, &wakes), KEEL_READY);
	CHECK_EQ(poll_once(b, &wakes_b), KEEL_PENDING);
	CHECK_EQ(poll_once(c, &wakes_c), KEEL_PENDING);
	CHECK_EQ(keel_async_mutex_try_lock(&mutex), 0);
	drop(a); /* READY: dropping does not unlock */
	CHECK_EQ(mutex.locked, 1);
	keel_async_mutex_unlock(&mutex);
	CHECK_EQ(wakes_b, 1);
	CHECK_EQ(wakes_c, 0);
	CHECK_EQ(mutex.locked, 1); /* handed over, not released */
	CHECK_EQ(poll_once(c, &wakes_c), KEEL_PENDING);
	CHECK_EQ(poll_once(b, &wakes_b), KEEL_READY);
	drop(b);
	keel_async_mutex_unlock(&mutex);
	CHECK_EQ(wakes_c, 1);
	CHECK_EQ(poll_once(c, &wakes_c), KEEL_READY);
	drop(c);
	keel_async_mutex_unlock(&mutex);
	CHECK_EQ(mutex.locked, 0);
	CHECK(mutex.first == NULL && mutex.last == NULL);
	CHECK_EQ(keel_async_mutex_try_lock(&mutex), 1);
	keel_async_mutex_unlock(&mutex);
	end();
}

static void dropped_lock_futures_never_leak_the_mutex(void)
{
	struct keel_async_mutex mutex = KEEL_ASYNC_MUTEX_INIT;
	struct keel_int_future *b, *c, *d;
	int wakes = 0, wakes_d = 0;

	begin();
	CHECK_EQ(keel_async_mutex_try_lock(&mutex), 1);
	b = keel_async_mutex_lock(&mutex);
	c = keel_async_mutex_lock(&mutex);
	d = keel_async_mutex_lock(&mutex);
	poll_once(b, &wakes);
	poll_once(c, &wakes);
	poll_once(d, &wakes_d);
	drop(c);			 /* waiting: leaves the queue */
	keel_async_mutex_unlock(&mutex); /* to b */
	drop(b); /* granted, never polled: passes it to d */
	CHECK_EQ(wakes_d, 1);
	CHECK_EQ(poll_once(d, &wakes_d), KEEL_READY);
	drop(d);
	keel_async_mutex_unlock(&mutex);
	CHECK_EQ(mutex.locked, 0);
	CHECK(mutex.first == NULL && mutex.last == NULL);
	keel_async_mutex_unlock(&mutex); /* not locked: reported, ignored */
	CHECK_EQ(mutex.locked, 0);
	end();
}

/* ---- coroutines ---- */

struct blink {
	struct keel_int_future base;
	struct keel_async co;
	int i;
	int blinks;
	int yields;
};

static enum keel_poll blink_poll(struct keel_future *f, struct keel_context *cx)
{
	struct blink *b = (struct blink *)f;
	int64_t r;

	KEEL_ASYNC_BEGIN(&b->co);
	for (b->i = 0; b->i < 3; b->i++) {
		b->blinks++;
		KEEL_AWAIT(&b->co, cx, keel_sleep_ms(10), r);
		if (r < 0)
			KEEL_ASYNC_RETURN(&b->co, &b->base, r);
	}
	KEEL_YIELD(&b->co, cx);
	b->yields++;
	KEEL_ASYNC_END(&b->co, &b->base, b->blinks * 10);
}

static void blink_drop(struct keel_future *f)
{
	keel_async_drop(&((struct blink *)f)->co);
	kfree(f);
}

static const struct keel_future_vtable blink_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "blink",
    .poll = blink_poll,
    .drop = blink_drop,
};

static struct blink *blink_new(void)
{
	struct blink *b = kmalloc(sizeof(*b));

	b->base.future.vtable = &blink_vtable;
	return b;
}

static void coroutine_reads_as_straight_code(void)
{
	struct blink *b;
	struct keel_int_future *join;

	begin();
	b = blink_new();
	CHECK_EQ(keel_spawn("blink", &b->base, &join), 0);
	CHECK_EQ(fake_run_all(), 1);
	CHECK_EQ(b->blinks, 1);
	fake_advance_ms(10);
	fake_run_all();
	CHECK_EQ(b->blinks, 2);
	fake_advance_ms(10);
	fake_run_all();
	fake_advance_ms(10);
	CHECK_EQ(fake_run_all(), 2); /* the last sleep, then after the yield */
	CHECK_EQ(join_result(join), 30);
	drop(join);
	end();
}

static void coroutine_dropped_mid_await_cancels_it(void)
{
	struct blink *b;
	int wakes = 0;

	begin();
	b = blink_new();
	CHECK_EQ(poll_once(&b->base, &wakes), KEEL_PENDING);
	CHECK_EQ(exec_timers_armed(), 1);
	drop(&b->base);
	end();
}

static void coroutine_awaiting_null_gets_enomem(void)
{
	struct blink *b;
	int wakes = 0;

	begin();
	b = blink_new();
	fail_after = 0; /* keel_sleep_ms finds no memory */
	CHECK_EQ(poll_once(&b->base, &wakes), KEEL_READY);
	fail_after = -1;
	CHECK_EQ(b->base.result, -ENOMEM);
	CHECK_EQ(b->co.resume, KEEL_ASYNC_DONE);
	CHECK_EQ(poll_once(&b->base, &wakes), KEEL_READY); /* stays done */
	drop(&b->base);
	end();
}

/*
 * ---- docs/executor.md's operation, written twice ----
 *
 * "Hold the mutex for `ms` milliseconds": lock, sleep, unlock.  Once as a
 * hand-written state machine, once with the coroutine macros; the case
 * below runs both side by side and checks they behave the same.
 */

struct guarded_sleep {
	struct keel_int_future base;
	enum { START, LOCKING, SLEEPING } state;
	struct keel_async_mutex *mutex;
	struct keel_int_future *inner; /* the lock or the sleep awaited */
	uint64_t ms;
};

static enum keel_poll guarded_sleep_poll(struct keel_future *f,
					 struct keel_context *cx)
{
	struct guarded_sleep *g = (struct guarded_sleep *)f;

	switch (g->state) {
	case START:
		g->inner = keel_async_mutex_lock(g->mutex);
		if (!g->inner) {
			g->base.result = -ENOMEM;
			return KEEL_READY;
		}
		g->state = LOCKING;
		/* fall through */
	case LOCKING:
		if (keel_future_poll(&g->inner->future, cx) == KEEL_PENDING)
			return KEEL_PENDING;
		keel_future_drop(&g->inner->future);
		g->inner = keel_sleep_ms(g->ms);
		if (!g->inner) {
			keel_async_mutex_unlock(g->mutex);
			g->base.result = -ENOMEM;
			return KEEL_READY;
		}
		g->state = SLEEPING;
		/* fall through */
	case SLEEPING:
		if (keel_future_poll(&g->inner->future, cx) == KEEL_PENDING)
			return KEEL_PENDING;
		g->base.result = g->inner->result;
		keel_future_drop(&g->inner->future);
		g->inner = NULL;
		keel_async_mutex_unlock(g->mutex);
		return KEEL_READY;
	}
	return KEEL_READY;
}

static void guarded_sleep_drop(struct keel_future *f)
{
	struct guarded_sleep *g = (struct guarded_sleep *)f;

	if (g->inner) {
		keel_future_drop(&g->inner->future);
		if (g->state == SLEEPING)
			keel_async_mutex_unlock(g->mutex);
	}
	kfree(g);
}

struct guarded_sleep_co {
	struct keel_int_future base;
	struct keel_async co;
	struct keel_async_mutex *mutex;
	uint64_t ms;
	int locked;
};

static enum keel_poll guarded_sleep_co_poll(struct keel_future *f,
					    struct keel_context *cx)
{
	struct guarded_sleep_co *g = (struct guarded_sleep_co *)f;
	int64_t r;

	KEEL_ASYNC_BEGIN(&g->co);
	KEEL_AWAIT(&g->co, cx, keel_async_mutex_lock(g->mutex), r);
	if (r < 0)
		KEEL_ASYNC_RETURN(&g->co, &g->base, r);
	g->locked = 1;
	KEEL_AWAIT(&g->co, cx, keel_sleep_ms(g->ms), r);
	keel_async_mutex_unlock(g->mutex);
	g->locked = 0;
	KEEL_ASYNC_END(&g->co, &g->base, r);
}

static void guarded_sleep_co_drop(struct keel_future *f)
{
	struct guarded_sleep_co *g = (struct guarded_sleep_co *)f;

	keel_async_drop(&g->co);
	if (g->locked)
		keel_async_mutex_unlock(g->mutex);
	kfree(g);
}

static const struct keel_future_vtable guarded_sleep_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "guarded_sleep",
    .poll = guarded_sleep_poll,
    .drop = guarded_sleep_drop,
};

static const struct keel_future_vtable guarded_sleep_co_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "guarded_sleep_co",
    .poll = guarded_sleep_co_poll,
    .drop = guarded_sleep_co_drop,
};

static struct keel_int_future *guarded_sleep(struct keel_async_mutex *m,
					     uint64_t ms, int coroutine)
{
	if (coroutine) {
		struct guarded_sleep_co *g = kmalloc(sizeof(*g));

		g->base.future.vtable = &guarded_sleep_co_vtable;
		g->mutex = m;
		g->ms = ms;
		return &g->base;
	}
	struct guarded_sleep *g = kmalloc(sizeof(*g));

	g->base.future.vtable = &guarded_sleep_vtable;
	g->mutex = m;
	g->ms = ms;
	return &g->base;
}

static void the_docs_operation_written_twice_behaves_the_same(void)
{
	for (int coroutine = 0; coroutine < 2; coroutine++) {
		struct keel_async_mutex mutex = KEEL_ASYNC_MUTEX_INIT;
		struct keel_int_future *a, *b, *c;
		int wa = 0, wb = 0, wc = 0;

		begin();
		a = guarded_sleep(&mutex, 10, coroutine);
		b = guarded_sleep(&mutex, 10, coroutine);
		c = guarded_sleep(&mutex, 10, coroutine);
		CHECK_EQ(poll_once(a, &wa), KEEL_PENDING); /* locked, asleep */
		CHECK_EQ(poll_once(b, &wb), KEEL_PENDING); /* waits for a */
		CHECK_EQ(poll_once(c, &wc), KEEL_PENDING); /* waits for b */
		fake_advance_ms(10);
		CHECK_EQ(wa, 1);
		CHECK_EQ(poll_once(a, &wa), KEEL_READY); /* unlocks: b's turn */
		CHECK_EQ(a->result, 0);
		CHECK_EQ(wb, 1);
		drop(a);
		CHECK_EQ(poll_once(b, &wb), KEEL_PENDING); /* b asleep */
		drop(b); /* cancelled while holding it: c gets the mutex */
		CHECK_EQ(wc, 1);
		CHECK_EQ(poll_once(c, &wc), KEEL_PENDING);
		fake_advance_ms(10);
		CHECK_EQ(poll_once(c, &wc), KEEL_READY);
		drop(c);
		CHECK_EQ(mutex.locked, 0);
		end();
	}
}

static const struct tap_case cases[] = {
    TAP_CASE(clock_counts_nanoseconds),
    TAP_CASE(sleep_ends_at_its_deadline_not_a_tick_later),
    TAP_CASE(sleep_zero_is_ready_at_once),
    TAP_CASE(dropping_a_sleep_disarms_it),
    TAP_CASE(earliest_deadline_programs_the_timer),
    TAP_CASE(a_spawned_sleep_wakes_its_task),
    TAP_CASE(timeout_expires_and_cancels),
    TAP_CASE(timeout_passes_an_early_result),
    TAP_CASE(timeout_refusals),
    TAP_CASE(join_all_waits_for_every_future),
    TAP_CASE(join_all_dropped_cancels_the_pending),
    TAP_CASE(join_all_refusals),
    TAP_CASE(select_first_wins_and_losers_are_cancelled),
    TAP_CASE(select_picks_the_lowest_index_of_a_tie),
    TAP_CASE(select_of_sleep_and_task_join),
    TAP_CASE(mutex_is_first_come_first_served),
    TAP_CASE(dropped_lock_futures_never_leak_the_mutex),
    TAP_CASE(coroutine_reads_as_straight_code),
    TAP_CASE(coroutine_dropped_mid_await_cancels_it),
    TAP_CASE(coroutine_awaiting_null_gets_enomem),
    TAP_CASE(the_docs_operation_written_twice_behaves_the_same),
};

int main(void)
{
	return tap_run(cases, TAP_COUNT(cases));
}
