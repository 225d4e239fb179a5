/*
 * shim.c - the kernel services that pure-logic code needs, for host tests.
 *
 * Host unit tests link kernel source files that call printk, panic, kmalloc
 * and the lock primitives.  Here those are mapped onto the host C library:
 * logging to stdout as TAP diagnostics, panic to abort() (tests that expect a
 * panic run the code in a forked child, see death.h), kmalloc onto calloc
 * with a live-allocation counter so a test can assert that everything it
 * allocated was freed.  Tests are single threaded, so locks never wait:
 * mutexes only record that they are held, and spinlocks also count how many
 * are held, so a test can assert that every lock taken was released.  A
 * completion cannot be waited for either: waiting on one that nobody has
 * completed panics (block_on of a future that stays PENDING).  There are
 * no loaded modules on the host: module_owning answers NULL (weak, so a
 * test can pretend otherwise).  The counters are declared in shim.h.
 *
 * kmalloc and kfree are weak: a test that links the real kernel/mm/kmalloc.c,
 * or defines its own kmalloc (to simulate running out of memory), replaces
 * them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "log/printk.h"
#include "mm/kmalloc.h"
#include "module/module.h"
#include "sync/completion.h"
#include "sync/mutex.h"
#include "sync/spinlock.h"
#include "shim.h"

long shim_live_allocations;
long shim_locks_held;

void vprintk(int level, const char *fmt, va_list ap)
{
	printf("# [%d] ", level);
	vprintf(fmt, ap);
	printf("\n");
}

void printk(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(level, fmt, ap);
	va_end(ap);
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "panic: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

void *shim_kmalloc(size_t size)
{
	void *p = size ? calloc(1, size) : NULL;

	if (p)
		shim_live_allocations++;
	return p;
}

__attribute__((weak)) void *kmalloc(size_t size)
{
	return shim_kmalloc(size);
}

__attribute__((weak)) void kfree(void *ptr)
{
	if (ptr)
		shim_live_allocations--;
	free(ptr);
}

void spin_init(struct spinlock *lock, const char *name)
{
	lock->locked = 0;
	lock->reserved0 = 0;
	lock->name = name;
}

void spin_lock(struct spinlock *lock)
{
	if (lock->locked)
		panic("shim: spin_lock: %s already held", lock->name);
	lock->locked = 1;
	shim_locks_held++;
}

void spin_unlock(struct spinlock *lock)
{
	if (!lock->locked)
		panic("shim: spin_unlock: %s not held", lock->name);
	lock->locked = 0;
	shim_locks_held--;
}

void spin_lock_irqsave(struct spinlock *lock)
{
	spin_lock(lock);
}

void spin_unlock_irqrestore(struct spinlock *lock)
{
	spin_unlock(lock);
}

bool spin_holding(struct spinlock *lock)
{
	return lock->locked;
}

void irq_push(void)
{
}

void irq_pop(void)
{
}

void mutex_init(struct mutex *m, const char *name)
{
	m->owner = NULL;
	m->name = name;
}

void mutex_lock(struct mutex *m)
{
	m->owner = (struct thread *)m;
}

void mutex_unlock(struct mutex *m)
{
	m->owner = NULL;
}

bool mutex_held(struct mutex *m)
{
	return m->owner != NULL;
}

void completion_init(struct completion *c, const char *name)
{
	spin_init(&c->lock, name);
	c->count = 0;
}

void complete(struct completion *c)
{
	spin_lock(&c->lock);
	c->count++;
	spin_unlock(&c->lock);
}

void completion_wait(struct completion *c)
{
	if (c->count == 0)
		panic("shim: waiting on %s would sleep forever", c->lock.name);
	c->count--;
}

__attribute__((weak)) struct module *module_owning(const void *address)
{
	(void)address;
	return NULL;
}

__attribute__((weak)) int module_mount_get(struct module *mod)
{
	(void)mod;
	return 0;
}

__attribute__((weak)) void module_mount_put(struct module *mod)
{
	(void)mod;
}

__attribute__((weak)) const char *module_name(const struct module *mod)
{
	(void)mod;
	return "?";
}
