/*
 * shim.c - the kernel services that pure-logic code needs, for host tests.
 *
 * Host unit tests link kernel source files that call printk, panic, kmalloc
 * and the lock primitives.  Here those are mapped onto the host C library:
 * logging to stdout as TAP diagnostics, panic to abort() (tests that expect a
 * panic run the code in a forked child), locks as no-ops (tests are single
 * threaded), kmalloc onto calloc with a live-allocation counter so a test can
 * assert that everything it allocated was freed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "log/printk.h"
#include "mm/kmalloc.h"
#include "sync/mutex.h"
#include "sync/spinlock.h"

long shim_live_allocations;

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

__attribute__((weak)) void *kmalloc(size_t size)
{
	void *p = size ? calloc(1, size) : NULL;

	if (p)
		shim_live_allocations++;
	return p;
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
	lock->hart = -1;
	lock->name = name;
}

void spin_lock(struct spinlock *lock)
{
	lock->locked = 1;
}

void spin_unlock(struct spinlock *lock)
{
	lock->locked = 0;
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
