/*
 * kmalloc.h - small-object allocator with size classes.
 *
 * Requests up to KMALLOC_MAX_CLASS bytes come from per-class slabs (one page
 * each) of 16, 32, 64, ... 2048-byte objects; larger requests take whole pages
 * from the page allocator.  Accounting is exact per class: kmalloc_get_stats()
 * reports the bytes handed out (rounded to the class) and slabs held.
 */
#ifndef KEEL_MM_KMALLOC_H
#define KEEL_MM_KMALLOC_H

#include <stddef.h>

#define KMALLOC_MIN_CLASS 16
#define KMALLOC_MAX_CLASS 2048
#define KMALLOC_NCLASSES 8 /* 16 32 64 128 256 512 1024 2048 */

struct kmalloc_class_stats {
	size_t size;    /* object size of this class */
	size_t in_use;  /* objects allocated right now */
	size_t slabs;   /* pages held by the class */
};

struct kmalloc_stats {
	struct kmalloc_class_stats cls[KMALLOC_NCLASSES];
	size_t large_allocs; /* live allocations bigger than the largest class */
	size_t large_pages;  /* pages they hold */
	size_t bytes_in_use; /* total bytes handed out, rounded to class/page */
};

/* kmalloc and kfree are declared in <keel/memory.h>: modules use them too. */
#include <keel/memory.h>
void kmalloc_get_stats(struct kmalloc_stats *out);

#endif /* KEEL_MM_KMALLOC_H */
