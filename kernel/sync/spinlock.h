/*
 * spinlock.h - SMP spinlocks with the interrupt discipline.
 *
 * Taking a spinlock turns interrupts off on this hart until the lock is
 * released; an interrupt handler can then never spin on a lock its own hart
 * already holds.  A spinlock is never held across a sleep or a context
 * switch except by the scheduler itself.  Two ways to take one, which
 * differ only in where the interrupt state from before the lock is kept:
 *
 *   spin_lock / spin_unlock
 *       in the hart: a nesting count (irq_push / irq_pop, as in xv6), so
 *       locks may be released in any order.  waitq_sleep needs this: it
 *       takes sched_lock, then releases the caller's lock.  The default.
 *
 *   spin_lock_irqsave / spin_unlock_irqrestore
 *       in the lock word itself (only the holder reads it), where Linux's
 *       spin_lock_irqsave keeps it in the caller's `flags`.  No per-hart
 *       count to find and update, so a pair costs about half as much; in
 *       exchange the section must nest strictly: released in the reverse
 *       order of taking, and no lock taken before it released inside it.
 *       For short, hot sections (the executor's run queue, a channel).
 *       Breaking the order panics at the next unlock ("with interrupts
 *       on"), since the lock released too early turned them back on.
 *
 * The same lock may be taken either way at different places; each taking
 * is released by its own kind of unlock (the other kind panics).  Taking a
 * lock this hart already holds is a deadlock: it panics, naming the lock
 * (checked once the lock is found taken, so an uncontended lock pays
 * nothing for it); releasing a lock this hart does not hold panics too.
 */
#ifndef KEEL_SYNC_SPINLOCK_H
#define KEEL_SYNC_SPINLOCK_H

#include <stdbool.h>

/*
 * The lock word: 0 when free; when held, the holder's hart id above
 * SPIN_HART_SHIFT, SPIN_HELD, and for spin_lock_irqsave SPIN_IRQSAVE and
 * the SIE bit of sstatus (bit 1) from before.  One atomic swap takes the
 * lock and records who holds it and how.
 */
#define SPIN_HELD	0x1u
#define SPIN_SIE	0x2u /* sstatus.SIE */
#define SPIN_IRQSAVE	0x4u
#define SPIN_HART_SHIFT 8

struct spinlock {
	volatile unsigned int locked; /* the lock word, above */
	unsigned int reserved0;
	const char *name; /* for panics and debugging */
};

#define SPINLOCK_INIT(lockname)                                                \
	{                                                                      \
		0, 0, (lockname)                                               \
	}

void spin_init(struct spinlock *lock, const char *name);
/* Disable interrupts (nesting), then spin until the lock is ours. */
void spin_lock(struct spinlock *lock);
/* Release; re-enable interrupts if this was the outermost irq_push. */
void spin_unlock(struct spinlock *lock);
/*
 * Disable interrupts, keeping their state in the lock word, and spin until
 * the lock is ours.  The section must nest strictly (see above).
 */
void spin_lock_irqsave(struct spinlock *lock);
/* Release, and turn interrupts back on if they were at the lock. */
void spin_unlock_irqrestore(struct spinlock *lock);
/* True if this hart holds the lock (interrupts must be off to ask). */
bool spin_holding(struct spinlock *lock);

/* Interrupts off, nesting; irq_pop restores the state of the first push. */
void irq_push(void);
void irq_pop(void);

#endif /* KEEL_SYNC_SPINLOCK_H */
