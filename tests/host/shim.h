/*
 * shim.h - what the host shim (shim.c) offers tests beyond the kernel API.
 *
 * shim.c stands in for the kernel services that pure-logic code calls
 * (printk, panic, kmalloc, locks).  Besides those, it keeps two counters a
 * test can check after each case, and the allocator behind its kmalloc, for
 * tests that replace kmalloc but still want the count.
 */
#ifndef KEEL_TESTS_SHIM_H
#define KEEL_TESTS_SHIM_H

#include <stddef.h>

/*
 * Blocks from shim_kmalloc (and so from the shim's kmalloc) that kfree has
 * not freed yet.  Compare it before and after a case to catch a leak.
 */
extern long shim_live_allocations;

/*
 * Spinlocks held right now: spin_lock adds one, spin_unlock takes one.
 * Code that returns with a lock still held leaves it above zero.  Taking a
 * held lock or releasing a free one panics (tests are single threaded, so
 * either is a bug that would deadlock or corrupt a real kernel).
 */
extern long shim_locks_held;

/*
 * The shim's kmalloc: zeroed memory from calloc, counted in
 * shim_live_allocations; NULL for size 0 or when calloc fails.  kfree
 * undoes the count.  A test that defines its own kmalloc (say, to fail on
 * demand) calls this for the allocations it lets through.
 */
void *shim_kmalloc(size_t size);

#endif /* KEEL_TESTS_SHIM_H */
