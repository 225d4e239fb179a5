/*
 * timers.c - the timer reactor: sleeps, deadlines, and the clock.
 *
 * The reactor half of "executor + reactor" for time.  A future that waits
 * for a deadline embeds a struct exec_timer and calls exec_timer_poll from
 * its poll: if the deadline has passed it is done; otherwise the timer goes
 * into one heap of armed timers (timer_heap.c, earliest first) with a clone
 * of the poll's waker.  The timer interrupt (trap/timer.c) calls
 * exec_timers_expire, which takes the expired timers out and wakes their
 * wakers; the executor then polls those futures again, and they see the
 * time has come.  No poll ever waits, and the interrupt never polls.
 *
 * One hardware timer per hart serves both the scheduler's tick and these
 * deadlines: when a timer becomes the heap's earliest, the hart arming it
 * brings its own timer interrupt forward to that deadline
 * (timer_arm_deadline), and every timer interrupt reprograms the hart for
 * the earlier of its next tick and the heap's earliest deadline.
 *
 * Whether a timer is armed is whether it is in the heap; whether it has
 * fired is whether the time CSR has reached its deadline, so a timer needs
 * no state of its own.  timer_lock guards the heap and every armed timer's
 * waker, and wakes happen under it, so a future dropped on another hart
 * (exec_timer_cancel takes timer_lock) never frees a waker being woken.
 */
#include <keel/errno.h>
#include <keel/time.h>

#include "exec/exec.h"
#include "mm/kmalloc.h"
#include "module/export.h"
#include "trap/timer.h"

/* Timers woken per interrupt at most; the rest at once after it. */
#define EXPIRE_BATCH 256

static struct spinlock timer_lock = SPINLOCK_INIT("timers");
static struct timer_heap armed = TIMER_HEAP_INIT;

uint64_t exec_ticks_to_ns(uint64_t ticks)
{
	uint64_t hz = timer_hz();

	return ticks / hz * 1000000000ull + ticks % hz * 1000000000ull / hz;
}

/* Rounded up, so a sleep never ends early. */
uint64_t exec_ns_to_ticks(uint64_t ns)
{
	uint64_t hz = timer_hz(), whole = ns / 1000000000ull;
	uint64_t part = ns % 1000000000ull;

	if (whole > UINT64_MAX / hz - 1)
		return UINT64_MAX;
	return whole * hz + (part * hz + 999999999ull) / 1000000000ull;
}

/* a + b, stopping at UINT64_MAX (a deadline that never comes). */
static uint64_t add_saturating(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

int exec_timer_poll(struct exec_timer *timer, uint64_t deadline,
		    struct keel_context *cx)
{
	struct keel_waker old = {NULL, NULL};
	int expired;

	spin_lock(&timer_lock);
	expired = timer_now() >= deadline;
	if (timer_heap_contains(&armed, &timer->node) &&
	    (expired || timer->node.deadline != deadline))
		timer_heap_remove(&armed, &timer->node);
	if (expired) {
		old = timer->waker;
		timer->waker.vtable = NULL;
	} else {
		if (!timer_heap_contains(&armed, &timer->node)) {
			timer->node.deadline = deadline;
			timer_heap_insert(&armed, &timer->node);
			if (timer_heap_first(&armed) == &timer->node)
				timer_arm_deadline(deadline);
		}
		keel_waker_register(&timer->waker, cx);
	}
	spin_unlock(&timer_lock);
	keel_waker_drop(&old);
	return expired;
}

void exec_timer_cancel(struct exec_timer *timer)
{
	struct keel_waker old;

	spin_lock(&timer_lock);
	if (timer_heap_contains(&armed, &timer->node))
		timer_heap_remove(&armed, &timer->node);
	old = timer->waker;
	timer->waker.vtable = NULL;
	spin_unlock(&timer_lock);
	keel_waker_drop(&old);
}

void exec_timers_expire(uint64_t now)
{
	spin_lock(&timer_lock);
	for (int n = 0; n < EXPIRE_BATCH; n++) {
		struct timer_node *node = timer_heap_first(&armed);
		struct exec_timer *timer;

		if (!node || node->deadline > now)
			break;
		timer_heap_pop(&armed);
		timer = container_of(node, struct exec_timer, node);
		keel_waker_wake(&timer->waker); /* under timer_lock: rule 6 */
	}
	spin_unlock(&timer_lock);
}

uint64_t exec_timers_next(void)
{
	struct timer_node *first;
	uint64_t next;

	spin_lock(&timer_lock);
	first = timer_heap_first(&armed);
	next = first ? first->deadline : UINT64_MAX;
	spin_unlock(&timer_lock);
	return next;
}

uint64_t exec_timers_armed(void)
{
	uint64_t count;

	spin_lock(&timer_lock);
	count = armed.count;
	spin_unlock(&timer_lock);
	return count;
}

/* ---- the ABI: clock and sleeps ---- */

uint64_t keel_now_ns(void)
{
	return exec_ticks_to_ns(timer_now() - timer_boot_time());
}
KEEL_EXPORT(keel_now_ns, 1);

/* A sleep: 64 bytes, the deadline kept in the timer's node. */
struct sleep {
	struct keel_int_future base;
	struct exec_timer timer;
};

static enum keel_poll sleep_poll(struct keel_future *f, struct keel_context *cx)
{
	struct sleep *s = (struct sleep *)f;

	if (!exec_timer_poll(&s->timer, s->timer.node.deadline, cx))
		return KEEL_PENDING;
	s->base.result = 0;
	return KEEL_READY;
}

static void sleep_drop(struct keel_future *f)
{
	exec_timer_cancel(&((struct sleep *)f)->timer);
	kfree(f);
}

static const struct keel_future_vtable sleep_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "sleep",
    .poll = sleep_poll,
    .drop = sleep_drop,
};

/* A sleep until `deadline` (time CSR ticks); NULL without memory. */
static struct keel_int_future *sleep_new(uint64_t deadline)
{
	struct sleep *s = kmalloc(sizeof(*s));

	if (!s)
		return NULL;
	s->base.future.vtable = &sleep_vtable;
	s->timer.node.deadline = deadline;
	return &s->base;
}

struct keel_int_future *keel_sleep_until(uint64_t deadline_ns)
{
	return sleep_new(
	    add_saturating(timer_boot_time(), exec_ns_to_ticks(deadline_ns)));
}
KEEL_EXPORT(keel_sleep_until, 1);

struct keel_int_future *keel_sleep_ms(uint64_t ms)
{
	uint64_t ticks =
	    ms > UINT64_MAX / timer_hz() ? UINT64_MAX : timer_ms_to_ticks(ms);

	return sleep_new(add_saturating(timer_now(), ticks));
}
KEEL_EXPORT(keel_sleep_ms, 1);
