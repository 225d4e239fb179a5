/*
 * keel/memory.h - allocating kernel memory.
 *
 * kmalloc returns `size` bytes of zeroed memory aligned to at least 16 bytes
 * (to the size class, up to 2048 bytes), or NULL when memory is exhausted or
 * size is 0.  kfree releases it; kfree(NULL) does nothing.  Neither sleeps,
 * and both may be called from any context.  Memory a module
 * allocated must be freed before its exit function returns: `meminfo`
 * after `rmmod` shows any leak.
 *
 * Since ABI 1.0.
 */
#ifndef KEEL_MEMORY_H
#define KEEL_MEMORY_H

#include <stddef.h>

void *kmalloc(size_t size);
void kfree(void *ptr);

#endif /* KEEL_MEMORY_H */
