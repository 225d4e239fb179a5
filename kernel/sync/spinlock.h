/*
 * spinlock.h - SMP spinlocks with the interrupt discipline.
 *
 * Taking a spinlock turns interrupts off on this hart until the last lock the
 * hart holds is released (irq_push / irq_pop nest, as in xv6).  That rules out
 * the classic deadlock: an interrupt handler spinning on a lock its own hart
 * already holds.  A spinlock is never held across a sleep or a context switch
 * except by the scheduler itself.
 */
#ifndef KEEL_SYNC_SPINLOCK_H
#define KEEL_SYNC_SPINLOCK_H

#include <stdbool.h>

struct spinlock {
	volatile unsigned int locked; /* 0 free, 1 held */
	int hart;                     /* holder's hart id, -1 when free */
	const char *name;             /* for panics and debugging */
};

#define SPINLOCK_INIT(lockname) { 0, -1, (lockname) }

void spin_init(struct spinlock *lock, const char *name);
/* Disable interrupts (nesting), then spin until the lock is ours. */
void spin_lock(struct spinlock *lock);
/* Release; re-enable interrupts if this was the outermost irq_push. */
void spin_unlock(struct spinlock *lock);
/* True if this hart holds the lock (interrupts must be off to ask). */
bool spin_holding(struct spinlock *lock);

/* Interrupts off, nesting; irq_pop restores the state of the first push. */
void irq_push(void);
void irq_pop(void);

#endif /* KEEL_SYNC_SPINLOCK_H */
