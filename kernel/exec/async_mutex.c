/*
 * async_mutex.c - the async mutex of keel/sync.h.
 *
 * The mutex is a flag (locked) and a FIFO of lock futures waiting for it,
 * under a spin word (guard) held only for a few instructions, never across
 * an await.  A lock future moves through four states:
 *
 *   IDLE     not polled yet.  First poll: if the mutex is free, take it
 *            (OWNED, READY); else join the queue (WAITING, PENDING).
 *   WAITING  in the queue, its waker kept for the unlock that serves it.
 *   GRANTED  unlock took it off the queue and handed it the mutex (locked
 *            stays 1: no other locker can barge in between) and woke it.
 *   OWNED    it returned READY: its poller owns the mutex.
 *
 * Dropping a lock future undoes what it holds: WAITING leaves the queue;
 * GRANTED owns the mutex without its poller knowing, so it passes it on
 * exactly as unlock would.  The guard is a bare spin word (interrupts off
 * while held) so that the ABI struct carries no kernel type.
 */
#include <keel/errno.h>
#include <keel/sync.h>

#include "exec/exec.h"
#include "log/printk.h"
#include "mm/kmalloc.h"
#include "module/export.h"

enum lock_state { LOCK_IDLE, LOCK_WAITING, LOCK_GRANTED, LOCK_OWNED };

struct keel_async_mutex_waiter {
	struct keel_int_future base;
	struct keel_async_mutex *mutex;
	struct keel_async_mutex_waiter *next; /* in the queue (guard) */
	struct keel_waker waker;	      /* while WAITING (guard) */
	enum lock_state state;		      /* (guard) */
};

static void guard_lock(struct keel_async_mutex *m)
{
	irq_push();
	while (__atomic_exchange_n(&m->guard, 1, __ATOMIC_ACQUIRE))
		;
}

static void guard_unlock(struct keel_async_mutex *m)
{
	__atomic_store_n(&m->guard, 0, __ATOMIC_RELEASE);
	irq_pop();
}

/*
 * The owner lets go: hand the mutex to the oldest waiter and wake it
 * (under the guard, rule 6), or mark it free.  Holds the guard.
 */
static void hand_over(struct keel_async_mutex *m)
{
	struct keel_async_mutex_waiter *w = m->first;

	if (!w) {
		m->locked = 0;
		return;
	}
	m->first = w->next;
	if (!m->first)
		m->last = NULL;
	w->next = NULL;
	w->state = LOCK_GRANTED;
	keel_waker_wake(&w->waker);
}

static enum keel_poll lock_poll(struct keel_future *f, struct keel_context *cx)
{
	struct keel_async_mutex_waiter *w = (struct keel_async_mutex_waiter *)f;
	struct keel_async_mutex *m = w->mutex;
	enum keel_poll poll = KEEL_PENDING;

	guard_lock(m);
	if (w->state == LOCK_IDLE && !m->locked) {
		m->locked = 1;
		w->state = LOCK_OWNED;
	} else if (w->state == LOCK_GRANTED) {
		w->state = LOCK_OWNED;
	} else if (w->state == LOCK_IDLE) {
		w->state = LOCK_WAITING;
		if (m->last)
			m->last->next = w;
		else
			m->first = w;
		m->last = w;
	}
	if (w->state == LOCK_OWNED)
		poll = KEEL_READY;
	else
		keel_waker_register(&w->waker, cx);
	guard_unlock(m);
	w->base.result = 0;
	return poll;
}

static void lock_drop(struct keel_future *f)
{
	struct keel_async_mutex_waiter *w = (struct keel_async_mutex_waiter *)f;
	struct keel_async_mutex *m = w->mutex;
	struct keel_waker waker;

	guard_lock(m);
	if (w->state == LOCK_WAITING) {
		struct keel_async_mutex_waiter **link = &m->first, *prev = NULL;

		while (*link != w) {
			prev = *link;
			link = &(*link)->next;
		}
		*link = w->next;
		if (m->last == w)
			m->last = prev;
	} else if (w->state == LOCK_GRANTED) {
		hand_over(m);
	}
	waker = w->waker;
	w->waker.vtable = NULL;
	guard_unlock(m);
	keel_waker_drop(&waker);
	kfree(w);
}

static const struct keel_future_vtable lock_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "mutex_lock",
    .poll = lock_poll,
    .drop = lock_drop,
};

struct keel_int_future *keel_async_mutex_lock(struct keel_async_mutex *mutex)
{
	struct keel_async_mutex_waiter *w = kmalloc(sizeof(*w));

	if (!w)
		return NULL;
	w->base.future.vtable = &lock_vtable;
	w->mutex = mutex;
	w->state = LOCK_IDLE;
	return &w->base;
}
KEEL_EXPORT(keel_async_mutex_lock, 1);

int keel_async_mutex_try_lock(struct keel_async_mutex *mutex)
{
	int taken = 0;

	guard_lock(mutex);
	if (!mutex->locked) {
		mutex->locked = 1;
		taken = 1;
	}
	guard_unlock(mutex);
	return taken;
}
KEEL_EXPORT(keel_async_mutex_try_lock, 1);

void keel_async_mutex_unlock(struct keel_async_mutex *mutex)
{
	int was_locked;

	guard_lock(mutex);
	was_locked = mutex->locked;
	if (was_locked)
		hand_over(mutex);
	guard_unlock(mutex);
	if (!was_locked)
		pr_err("keel_async_mutex_unlock: mutex %p is not locked",
		       (void *)mutex);
}
KEEL_EXPORT(keel_async_mutex_unlock, 1);
