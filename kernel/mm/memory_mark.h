/*
 * memory_mark.h - what the two allocators hold at one moment.
 *
 * A test that memory comes back to the byte, or a benchmark of what a
 * thing costs, takes a mark before and after and subtracts: free pages
 * from the page allocator, bytes in use from kmalloc.  The mark is two
 * reads of the allocators' own statistics, not a lock over both, so it is
 * exact only when nothing else allocates meanwhile.
 */
#ifndef KEEL_MM_MEMORY_MARK_H
#define KEEL_MM_MEMORY_MARK_H

#include <stddef.h>

#include "mm/kmalloc.h"
#include "mm/page.h"

/* What the allocators had at one moment; subtract two to get a cost. */
struct memory_mark {
	size_t free_pages;    /* the page allocator's free pages */
	size_t kmalloc_bytes; /* kmalloc's bytes in use */
};

static inline struct memory_mark memory_now(void)
{
	struct page_stats ps;
	struct kmalloc_stats ks;

	page_get_stats(&ps);
	kmalloc_get_stats(&ks);
	return (struct memory_mark){ps.free, ks.bytes_in_use};
}

#endif /* KEEL_MM_MEMORY_MARK_H */
