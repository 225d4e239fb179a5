/*
 * page.h - the physical page allocator.
 *
 * Hands out 4 KiB pages, singly or as physically contiguous runs, from the RAM
 * the device tree reports minus the kernel image, the initrd and the device
 * tree blob.  Counts are exact: page_get_stats() is what `meminfo` prints and what
 * tests compare before and after an operation to prove nothing leaked.
 */
#ifndef KEEL_MM_PAGE_H
#define KEEL_MM_PAGE_H

#include <stddef.h>
#include <stdint.h>

#define PAGE_SIZE 4096ul
#define PAGE_SHIFT 12
#define PAGE_ROUND_UP(x) (((x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))
#define PAGE_ROUND_DOWN(x) ((x) & ~(PAGE_SIZE - 1))

struct page_stats {
	size_t total; /* pages managed by the allocator */
	size_t free;  /* pages free right now */
};

/*
 * Hand the allocator the page-aligned physical range [start, end).  Called at
 * boot for each usable range, before any allocation.  Returns 0 or -EINVAL.
 */
int page_add_range(uintptr_t start, uintptr_t end);

/*
 * Reserve the page-aligned range [start, end) that page_add_range covered:
 * it stays allocated forever (kernel image, initrd, device tree).
 */
void page_reserve(uintptr_t start, uintptr_t end);

/* One zeroed page, or NULL when memory is exhausted. */
void *page_alloc(void);
void page_free(void *page);

/* `count` physically contiguous zeroed pages, or NULL. */
void *pages_alloc(size_t count);
/* Free a run from pages_alloc; `count` must match the allocation. */
void pages_free(void *first, size_t count);

void page_get_stats(struct page_stats *out);

#endif /* KEEL_MM_PAGE_H */
