/*
 * mutex.h - sleeping locks for kernel threads.
 *
 * A mutex may be held across anything that sleeps (disk I/O, waiting for a
 * device), unlike a spinlock.  A thread that finds it taken sleeps on the
 * mutex's wait queue.  Only kernel threads may take a mutex; interrupt
 * handlers use spinlocks.  Not recursive.
 */
#ifndef KEEL_SYNC_MUTEX_H
#define KEEL_SYNC_MUTEX_H

#include <stdbool.h>

#include "sync/spinlock.h"
#include "sync/waitq.h"

struct thread;

struct mutex {
	struct spinlock guard;  /* protects owner and the wait queue */
	struct thread *owner;   /* NULL when free */
	struct waitq waiters;
	const char *name;
};

void mutex_init(struct mutex *m, const char *name);
void mutex_lock(struct mutex *m);
void mutex_unlock(struct mutex *m);
bool mutex_held(struct mutex *m); /* by the calling thread */

#endif /* KEEL_SYNC_MUTEX_H */
