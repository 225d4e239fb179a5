/*
 * mutex.c - sleeping locks built on a spinlock and a wait queue.
 *
 * The owner is a thread, so only threads may lock; the guard spinlock is
 * held only for the few instructions that test and set the owner.
 */
#include "log/printk.h"
#include "sched/thread.h"
#include "sync/mutex.h"

void mutex_init(struct mutex *m, const char *name)
{
	spin_init(&m->guard, name);
	m->owner = NULL;
	waitq_init(&m->waiters, name);
	m->name = name;
}

void mutex_lock(struct mutex *m)
{
	struct thread *self = thread_current();

	if (!self)
		panic("mutex_lock: %s taken outside a thread", m->name);
	spin_lock(&m->guard);
	if (m->owner == self)
		panic("mutex_lock: %s already held by %s", m->name, self->name);
	while (m->owner)
		waitq_sleep(&m->waiters, &m->guard);
	m->owner = self;
	spin_unlock(&m->guard);
}

void mutex_unlock(struct mutex *m)
{
	spin_lock(&m->guard);
	if (m->owner != thread_current())
		panic("mutex_unlock: %s not held by this thread", m->name);
	m->owner = NULL;
	/* Wake under the guard: once it is released, another thread may take
	 * the mutex and free the object that contains it. */
	waitq_wake_one(&m->waiters);
	spin_unlock(&m->guard);
}

bool mutex_held(struct mutex *m)
{
	return m->owner && m->owner == thread_current();
}
