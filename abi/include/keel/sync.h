/*
 * keel/sync.h - an async mutex: mutual exclusion that may be held across
 * an await.
 *
 * A spinlock must never be held across an await: the task holding it
 * returns PENDING and may not run again for milliseconds while other harts
 * spin (or, on the same hart, deadlock).  When a future needs exclusive
 * access to something across waits (a directory being updated while its
 * blocks are read), it takes this mutex instead.  Locking is a future:
 * awaiting it parks the task, not the hart, and it is READY once the task
 * owns the mutex.  Owners are served first come, first served: unlocking
 * hands the mutex straight to the oldest waiting lock future and wakes it.
 *
 *     Rust (tokio::sync::Mutex)   Keel
 *     let g = m.lock().await;     KEEL_AWAIT(co, cx,
 *                                            keel_async_mutex_lock(&m), r);
 *     drop(g);                    keel_async_mutex_unlock(&m);
 *     m.try_lock()                keel_async_mutex_try_lock(&m)
 *
 * C has no destructors, so there is no guard: whoever awaited the lock to
 * READY (or got 1 from try_lock) calls unlock exactly once.  Dropping a
 * lock future that is still pending takes it out of the queue; dropping
 * one that was handed the mutex but not yet polled passes the mutex on.
 * So cancelling a task that waits for the mutex never leaks it.
 *
 * The struct is the caller's memory and stays put while anyone may lock
 * it; all zeroes is an unlocked mutex (KEEL_ASYNC_MUTEX_INIT).  Its fields
 * belong to the kernel: modules only call the functions.
 *
 * Since ABI 1.1.
 */
#ifndef KEEL_SYNC_H
#define KEEL_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include <keel/future.h>

struct keel_async_mutex_waiter; /* the kernel's lock future */

struct keel_async_mutex {
	uint32_t guard;	 /* kernel: spin word guarding the fields below */
	uint32_t locked; /* 1 while owned */
	struct keel_async_mutex_waiter *first; /* kernel: oldest waiter */
	struct keel_async_mutex_waiter *last;  /* kernel: newest waiter */
};

#define KEEL_ASYNC_MUTEX_INIT                                                  \
	{                                                                      \
		0, 0, NULL, NULL                                               \
	}

/*
 * A future READY with result 0 once the caller owns `mutex` (then it must
 * call keel_async_mutex_unlock once).  NULL only when memory is exhausted.
 */
struct keel_int_future *keel_async_mutex_lock(struct keel_async_mutex *mutex);

/* Take `mutex` if it is free and nobody waits: 1 if taken, 0 if not. */
int keel_async_mutex_try_lock(struct keel_async_mutex *mutex);

/*
 * Release `mutex`, handing it to the oldest waiter if there is one.
 * Unlocking a mutex that is not locked is a bug: it is reported in the
 * kernel log and ignored.  Any context except an interrupt handler.
 */
void keel_async_mutex_unlock(struct keel_async_mutex *mutex);

/* ---- layout (LP64) ----------------------------------------------------- */

_Static_assert(sizeof(struct keel_async_mutex) == 24, "keel_async_mutex");
_Static_assert(offsetof(struct keel_async_mutex, locked) == 4,
	       "keel_async_mutex locked");
_Static_assert(offsetof(struct keel_async_mutex, first) == 8,
	       "keel_async_mutex first");
_Static_assert(offsetof(struct keel_async_mutex, last) == 16,
	       "keel_async_mutex last");

#endif /* KEEL_SYNC_H */
