/*
 * keel/spinlock.h - short critical sections for modules.
 *
 * A spinlock makes a few instructions run on one hart at a time: updating a
 * list, a counter, an in-memory inode.  keel_spin_lock turns interrupts off
 * on the calling hart (so nothing on that hart can spin on the lock it
 * holds) and busy-waits until the lock is free; keel_spin_unlock gives it
 * back and turns interrupts on again when it was the hart's last lock.
 * These are the kernel's own spinlocks, with the same checks: taking a
 * lock the hart already holds, or releasing one it does not, panics and
 * names the lock.
 *
 * Rules, as for every spinlock in Keel:
 *
 *   - Hold it briefly.  Never sleep, never wait for I/O, never return a
 *     PENDING future while holding it: a lock held across an await would
 *     stop every other hart that wants it until the I/O completes.  What
 *     must stay serialised across an await needs an asynchronous mutex (a
 *     future that waits for the lock), not a spinlock.
 *   - kmalloc and kfree may be called while holding one (they never sleep);
 *     printk may too.
 *   - A poll function may take spinlocks (keel/future.h, rule 2).
 *
 * Since ABI 1.1.
 */
#ifndef KEEL_SPINLOCK_H
#define KEEL_SPINLOCK_H

#include <stdint.h>

/*
 * A spinlock.  The words are the kernel's and not for modules to read or
 * write; a module allocates the struct (usually inside its own) and hands
 * it to the functions below.  Zero-filled memory is not a valid lock:
 * call keel_spin_init first.
 */
struct keel_spinlock {
	uint64_t opaque[2]; /* the kernel's lock word, holder and name */
};

/* Make `lock` free; `name` (kept, not copied) appears in panics. */
void keel_spin_init(struct keel_spinlock *lock, const char *name);
/* Interrupts off on this hart, then wait until the lock is ours. */
void keel_spin_lock(struct keel_spinlock *lock);
/* Give the lock back; interrupts on again if it was this hart's last. */
void keel_spin_unlock(struct keel_spinlock *lock);

_Static_assert(sizeof(struct keel_spinlock) == 16, "keel_spinlock size");

#endif /* KEEL_SPINLOCK_H */
