/*
 * waitq.h - wait queues: how a kernel thread sleeps until an event.
 *
 * The caller holds a spinlock that protects the condition it waits for.
 * waitq_sleep() takes the scheduler lock before it releases that lock, and
 * every wakeup takes the scheduler lock too, so a wakeup between "check the
 * condition" and "go to sleep" is never lost.  The sleeper lists of all wait
 * queues are protected by the scheduler lock (sched/thread.h); it is the
 * innermost lock in the kernel.  On return
 * the lock is held again and the caller re-checks its condition in a loop:
 *
 *     spin_lock(&dev->lock);
 *     while (!dev->done)
 *         waitq_sleep(&dev->wq, &dev->lock);
 *     spin_unlock(&dev->lock);
 *
 * waitq_wake_one / waitq_wake_all may be called from interrupt handlers.
 */
#ifndef KEEL_SYNC_WAITQ_H
#define KEEL_SYNC_WAITQ_H

#include <stdint.h>

#include "lib/list.h"
#include "sync/spinlock.h"

struct waitq {
	struct list sleepers; /* struct thread, linked through wait_link */
	const char *name;     /* shown by `ps` for sleeping threads */
};

#define WAITQ_INIT(wq, wqname) { LIST_INIT((wq).sleepers), (wqname) }

void waitq_init(struct waitq *wq, const char *name);
/* Contract above: `held` is held on entry and on return. */
void waitq_sleep(struct waitq *wq, struct spinlock *held);
/*
 * Like waitq_sleep but also wakes at `deadline` (timer ticks, see timer.h).
 * Returns 0 when woken, -ETIMEDOUT when the deadline passed.
 */
int waitq_sleep_until(struct waitq *wq, struct spinlock *held, uint64_t deadline);
void waitq_wake_one(struct waitq *wq);
void waitq_wake_all(struct waitq *wq);

#endif /* KEEL_SYNC_WAITQ_H */
