/*
 * spinlock.c - test-and-set spinlocks and the interrupt-off nesting count.
 *
 * The lock word is taken with an atomic swap with acquire ordering and
 * released with a release store, so everything written inside the critical
 * section is visible to the next holder on any hart.  Interrupts go off
 * before the first spin and come back on only when the hart's last lock is
 * released: an interrupt handler can then never spin on a lock held by the
 * code it interrupted.  Taking a lock this hart already holds is a deadlock
 * and panics at once, naming the lock.
 */
#include "log/printk.h"
#include "sched/hart.h"
#include "sync/spinlock.h"

void spin_init(struct spinlock *lock, const char *name)
{
	lock->locked = 0;
	lock->hart = -1;
	lock->name = name;
}

void irq_push(void)
{
	int enabled = irq_enabled();
	struct hart *h;

	irq_disable();
	h = this_hart();
	if (h->irq_depth == 0)
		h->irq_were_enabled = enabled;
	h->irq_depth++;
}

void irq_pop(void)
{
	struct hart *h = this_hart();

	if (irq_enabled())
		panic("irq_pop: interrupts are on");
	if (h->irq_depth < 1)
		panic("irq_pop: unbalanced");
	h->irq_depth--;
	if (h->irq_depth == 0 && h->irq_were_enabled)
		irq_enable();
}

bool spin_holding(struct spinlock *lock)
{
	return lock->locked && lock->hart == hart_id();
}

void spin_lock(struct spinlock *lock)
{
	irq_push();
	if (spin_holding(lock))
		panic("spin_lock: %s already held by this hart", lock->name);
	while (__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE))
		;
	lock->hart = hart_id();
}

void spin_unlock(struct spinlock *lock)
{
	if (!spin_holding(lock))
		panic("spin_unlock: %s not held by this hart", lock->name);
	lock->hart = -1;
	__atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE);
	irq_pop();
}
