/*
 * spinlock_abi.c - the kernel's spinlocks as modules see them
 * (<keel/spinlock.h>).
 *
 * A module's struct keel_spinlock is storage for one kernel struct
 * spinlock: the ABI fixes only its size and alignment, so the kernel may
 * change what a lock holds without changing the ABI, as long as it fits.
 */
#include <keel/spinlock.h>

#include "module/export.h"
#include "sync/spinlock.h"

_Static_assert(sizeof(struct spinlock) <= sizeof(struct keel_spinlock),
	       "a kernel spinlock must fit in struct keel_spinlock");
_Static_assert(_Alignof(struct spinlock) <= _Alignof(struct keel_spinlock),
	       "struct keel_spinlock must be aligned for a kernel spinlock");

static struct spinlock *kernel_lock(struct keel_spinlock *lock)
{
	return (struct spinlock *)(void *)lock->opaque;
}

void keel_spin_init(struct keel_spinlock *lock, const char *name)
{
	spin_init(kernel_lock(lock), name);
}
KEEL_EXPORT(keel_spin_init, 1);

void keel_spin_lock(struct keel_spinlock *lock)
{
	spin_lock(kernel_lock(lock));
}
KEEL_EXPORT(keel_spin_lock, 1);

void keel_spin_unlock(struct keel_spinlock *lock)
{
	spin_unlock(kernel_lock(lock));
}
KEEL_EXPORT(keel_spin_unlock, 1);
