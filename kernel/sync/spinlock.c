/*
 * spinlock.c - test-and-set spinlocks and the interrupt-off nesting count.
 *
 The lock word is taken with a compare-and-swap (lr.w.aq / sc.w) with
 * acquire ordering and released with a swap with release ordering, so
 * everything written inside the critical section is visible to the next
 * holder on any hart.  What the compare-and-swap writes is the holder's
 * hart id with the taken bit, so taking the lock and recording who has it
 * is one step, and there is no moment when the lock is held with no holder
 * recorded.  Interrupts go off (csrrci:
 * one instruction reads sstatus and clears SIE) before the first spin, and
 * come back on when the lock is released: for spin_lock when the hart's
 * last lock is released (the count in struct hart), for spin_lock_irqsave
 * when this lock is (the state saved in its word).
 *
 * Every lock and unlock in the kernel runs these few lines, and the
 * executor's wake -> poll hop takes five pairs (docs/bench/executor.md),
 * so the fast paths are kept short, and what only matters when something
 * is wrong stays out of them or costs a compare and a branch:
 *
 *   - the deadlock check (this hart already holds the lock) runs in
 *     spin_wait, once the swap found the lock taken: a hart holding the
 *     lock always gets there, a free lock never does;
 *   - releasing a lock this hart does not hold, or with the other kind of
 *     unlock, is found by comparing the word with what this hart would
 *     have swapped in;
 *   - interrupts found on at an unlock (someone turned them on inside a
 *     critical section, or released an outer lock first) panic: a csrr
 *     and a branch.
 *
 * The panics are reached by tail calls from functions that are not marked
 * noreturn, and the fast paths are compiled without a frame pointer, so
 * that none of them builds a stack frame (a backtrace from a panic starts
 * in the panicking function's caller's caller, which names the lock's
 * user).
 */
#include "log/printk.h"
#include "sched/hart.h"
#include "sync/spinlock.h"

#define FAST_PATH __attribute__((optimize("omit-frame-pointer")))

void spin_init(struct spinlock *lock, const char *name)
{
	lock->locked = 0;
	lock->reserved0 = 0;
	lock->name = name;
}

/* sstatus as it was; SIE is clear from here on. */
static inline unsigned long irq_save(void)
{
	unsigned long sstatus;

	__asm__ volatile("csrrci %0, sstatus, %1"
			 : "=r"(sstatus)
			 : "i"(SSTATUS_SIE)
			 : "memory");
	return sstatus;
}

/*
 * This hart's id (tp), read once interrupts are off: `after` is the value
 * irq_save returned, which keeps the compiler from moving the read before
 * it (until then the thread may move to another hart).
 */
static inline unsigned long hart_after(unsigned long after)
{
	unsigned long tp;

	__asm__("mv %0, tp" : "=r"(tp) : "r"(after));
	return tp;
}

/* The word this hart swaps in to hold a lock (`how`: SPIN_IRQSAVE, SIE). */
static inline long held_word(unsigned long hart, unsigned long how)
{
	return (long)(hart << SPIN_HART_SHIFT | SPIN_HELD | how);
}

/* The lock word as the holder reads it (lw: as a sign-extended int). */
static inline long word_of(struct spinlock *lock)
{
	return (int)lock->locked;
}

/*
 * Put `held` in the lock word if it is free (0); whether the lock is now
 * ours.  A compare-and-swap, not a plain swap: a swap into a taken lock
 * would overwrite the holder recorded there.
 */
static inline bool take(struct spinlock *lock, long held)
{
	long found, failed;

	__asm__ goto("1:	lr.w.aq %0, %2\n"
		     "	bnez %0, %l[taken]\n"
		     "	sc.w %1, %3, %2\n"
		     "	bnez %1, 1b"
		     : "=&r"(found), "=&r"(failed), "+A"(lock->locked)
		     : "r"(held)
		     : "memory"
		     : taken);
	return true;
taken:
	return false;
}

static inline void release(struct spinlock *lock)
{
	__asm__ volatile("amoswap.w.rl zero, zero, %0"
			 : "+A"(lock->locked)
			 :
			 : "memory");
}

static inline void push(struct hart *h, unsigned long sstatus)
{
	int depth = h->irq_depth;

	h->irq_depth = depth + 1;
	if (depth == 0)
		h->irq_were_enabled = (sstatus & SSTATUS_SIE) != 0;
}

/*
 * The cold paths.  Each panics, but is not marked noreturn, so the fast
 * paths reach it by a tail call (noipa: nor may the compiler find out).
 */
static __attribute__((noipa)) void pop_misuse(struct spinlock *lock,
					      const char *why)
{
	if (lock)
		panic("spin_unlock: %s released %s", lock->name, why);
	panic("irq_pop: %s", why);
}

static __attribute__((noipa)) void spin_misuse(struct spinlock *lock,
					       const char *what, long word)
{
	if (!(word & SPIN_HELD) ||
	    word >> SPIN_HART_SHIFT != (unsigned int)hart_id())
		panic("%s: %s not held by this hart", what, lock->name);
	if (word & SPIN_IRQSAVE)
		panic("%s: %s was taken with spin_lock_irqsave", what,
		      lock->name);
	panic("%s: %s was taken with spin_lock", what, lock->name);
}

/*
 * The lock was taken: panic if by this hart (it would spin forever), else
 * spin until it is free and swap `held` in.  Interrupts are off.
 */
static __attribute__((noinline)) void spin_wait(struct spinlock *lock,
						long held)
{
	long word = word_of(lock);

	if ((word & SPIN_HELD) &&
	    word >> SPIN_HART_SHIFT == held >> SPIN_HART_SHIFT)
		panic("spin_lock: %s already held by this hart", lock->name);
	do {
		while (lock->locked)
			;
	} while (!take(lock, held));
}

/* Interrupts are off, so this hart's struct stays this hart's. */
static inline bool pop(struct hart *h, struct spinlock *lock)
{
	int depth = h->irq_depth - 1;

	if (irq_enabled()) {
		pop_misuse(lock, "with interrupts on");
		return false;
	}
	if (depth < 0) {
		pop_misuse(lock, "more often than taken");
		return false;
	}
	h->irq_depth = depth;
	if (depth == 0 && h->irq_were_enabled)
		irq_enable();
	return true;
}

void irq_push(void)
{
	unsigned long sstatus = irq_save();

	push(&harts[hart_after(sstatus)], sstatus);
}

void irq_pop(void)
{
	pop(&harts[hart_id()], NULL);
}

bool spin_holding(struct spinlock *lock)
{
	unsigned int word = lock->locked;

	return (word & SPIN_HELD) &&
	       word >> SPIN_HART_SHIFT == (unsigned int)hart_id();
}

FAST_PATH void spin_lock(struct spinlock *lock)
{
	unsigned long sstatus = irq_save();
	unsigned long hart = hart_after(sstatus);
	long held = held_word(hart, 0);

	push(&harts[hart], sstatus);
	if (!take(lock, held))
		spin_wait(lock, held);
}

FAST_PATH void spin_unlock(struct spinlock *lock)
{
	unsigned long hart = hart_after((unsigned long)lock);
	long word = word_of(lock);

	if (word != held_word(hart, 0)) {
		spin_misuse(lock, "spin_unlock", word);
		return;
	}
	release(lock);
	pop(&harts[hart], lock);
}

FAST_PATH void spin_lock_irqsave(struct spinlock *lock)
{
	unsigned long sstatus = irq_save();
	long held =
	    held_word(hart_after(sstatus), SPIN_IRQSAVE | (sstatus & SPIN_SIE));

	if (!take(lock, held))
		spin_wait(lock, held);
}

FAST_PATH void spin_unlock_irqrestore(struct spinlock *lock)
{
	unsigned long hart = hart_after((unsigned long)lock);
	long word = word_of(lock);

	if ((word & ~(long)SPIN_SIE) != held_word(hart, SPIN_IRQSAVE)) {
		spin_misuse(lock, "spin_unlock_irqrestore", word);
		return;
	}
	release(lock);
	if (irq_enabled()) {
		pop_misuse(lock, "with interrupts on (a lock taken before it "
				 "was released inside it?)");
		return;
	}
	/* SIE if it was on at spin_lock_irqsave, else nothing. */
	__asm__ volatile("csrs sstatus, %0" ::"r"(word & SPIN_SIE) : "memory");
}
