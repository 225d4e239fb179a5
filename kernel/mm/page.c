/*
 * page.c - the physical page allocator: one bitmap per RAM range.
 *
 * Boot code hands the allocator up to PAGE_MAX_RANGES page-aligned ranges of
 * free RAM (page_add_range).  Each range keeps its own bitmap, one bit per
 * page, 1 = allocated, and the bitmap lives in the range itself: its first
 * pages are carved off to hold it.  A range of n pages therefore looks like
 *
 *   start                      first
 *   | bitmap (bitmap_pages)    | managed pages (n - bitmap_pages) ...  | end
 *
 * with bitmap_pages = ceil(ceil(n / 64) * 8 / PAGE_SIZE), enough 64-bit
 * words for all n pages (a few bits more than the managed pages need; those
 * tail bits are set to 1 once and never cleared, so a scan never finds them).
 *
 * Accounting is exact and is what `meminfo` shows:
 *
 *   total = sum over ranges of (pages in the range - bitmap_pages)
 *   free  = managed pages whose bit is 0
 *
 * The bitmap's own pages are not part of `total`.  Pages taken by
 * page_reserve stay in `total` but are never free again.
 *
 * Allocation is lowest address first.  Ranges are kept sorted by address and
 * each range remembers `hint`: every managed page below it is allocated.  A
 * scan starts at the hint and skips whole 64-page words that are full, so
 * allocating pages one after another costs O(1) each, not O(pages so far).
 * A run of `count` pages (pages_alloc) is the first fit: the lowest run of
 * `count` free pages inside one range; runs never cross ranges.
 *
 * Pages are zeroed when they are handed out, after the lock is dropped (the
 * bits already say they are ours), so the lock is never held across a 4 KiB
 * memset.  Freeing validates before it acts: a page outside every range, an
 * unaligned address or a page that is already free is a broken invariant in
 * the caller and panics with the address.
 *
 * All state is under page_lock.  Keel runs on an identity map (virtual ==
 * physical); page_pointer and page_address are the only places that rely on
 * it.
 */
#include <keel/errno.h>
#include <stdbool.h>

#include "lib/string.h"
#include "log/printk.h"
#include "mm/page.h"
#include "sync/spinlock.h"

#define PAGE_MAX_RANGES 8
#define BITS_PER_WORD 64

struct page_range {
	uintptr_t start;     /* first byte of the range (the bitmap) */
	uintptr_t first;     /* address of managed page 0 */
	size_t npages;       /* managed pages */
	size_t nfree;        /* managed pages whose bit is 0 */
	size_t hint;         /* every managed page below this index is used */
	size_t bitmap_pages; /* pages at `start` holding `used` */
	uint64_t *used;      /* bit i set = managed page i is allocated */
};

static struct spinlock page_lock = SPINLOCK_INIT("page");
static struct page_range ranges[PAGE_MAX_RANGES]; /* sorted by address */
static int nranges;

/* The identity map: a physical address is the pointer to it. */
static void *page_pointer(uintptr_t address)
{
	return (void *)address;
}

static uintptr_t page_address(const void *pointer)
{
	return (uintptr_t)pointer;
}

static size_t words_for(size_t bits)
{
	return (bits + BITS_PER_WORD - 1) / BITS_PER_WORD;
}

static uintptr_t range_end(const struct page_range *r)
{
	return r->first + r->npages * PAGE_SIZE;
}

static bool page_is_used(const struct page_range *r, size_t index)
{
	return (r->used[index / BITS_PER_WORD] >> (index % BITS_PER_WORD)) & 1;
}

static void mark_used(struct page_range *r, size_t index, size_t count)
{
	for (size_t i = index; i < index + count; i++)
		r->used[i / BITS_PER_WORD] |= 1ull << (i % BITS_PER_WORD);
	r->nfree -= count;
}

static void mark_free(struct page_range *r, size_t index, size_t count)
{
	for (size_t i = index; i < index + count; i++)
		r->used[i / BITS_PER_WORD] &= ~(1ull << (i % BITS_PER_WORD));
	r->nfree += count;
	if (index < r->hint)
		r->hint = index;
}

/* Index of the first free page at or after `from`, or r->npages. */
static size_t find_free(const struct page_range *r, size_t from)
{
	size_t nwords = words_for(r->npages), w = from / BITS_PER_WORD;
	uint64_t free_bits;

	if (from >= r->npages)
		return r->npages;
	free_bits = ~r->used[w] & (~0ull << (from % BITS_PER_WORD));
	while (!free_bits) {
		if (++w == nwords)
			return r->npages;
		free_bits = ~r->used[w];
	}
	return w * BITS_PER_WORD + (size_t)__builtin_ctzll(free_bits);
}

/* Index of the first used page in [from, limit), or `limit` if none is. */
static size_t find_used(const struct page_range *r, size_t from, size_t limit)
{
	size_t w = from / BITS_PER_WORD, index;
	uint64_t used_bits;

	if (from >= limit)
		return limit;
	used_bits = r->used[w] & (~0ull << (from % BITS_PER_WORD));
	while (!used_bits) {
		if (++w * BITS_PER_WORD >= limit)
			return limit;
		used_bits = r->used[w];
	}
	index = w * BITS_PER_WORD + (size_t)__builtin_ctzll(used_bits);
	return index < limit ? index : limit;
}

/*
 * Index of the lowest run of `count` free pages in `r`, or r->npages.
 * Called with page_lock held and r->hint on the range's lowest free page.
 */
static size_t find_run(const struct page_range *r, size_t count)
{
	size_t start = r->hint, blocker;

	while (start < r->npages && count <= r->npages - start) {
		blocker = find_used(r, start, start + count);
		if (blocker == start + count)
			return start;
		start = find_free(r, blocker + 1);
	}
	return r->npages;
}

/* The range whose managed pages hold `address`, or NULL. */
static struct page_range *range_of(uintptr_t address)
{
	for (int i = 0; i < nranges; i++)
		if (address >= ranges[i].first &&
		    address < range_end(&ranges[i]))
			return &ranges[i];
	return NULL;
}

/* The range whose bitmap pages hold `address`, or NULL. */
static struct page_range *bitmap_of(uintptr_t address)
{
	for (int i = 0; i < nranges; i++)
		if (address >= ranges[i].start && address < ranges[i].first)
			return &ranges[i];
	return NULL;
}

/*
 * A range of `pages` pages needs this many pages of bitmap.  Returns 0 when
 * nothing would be left to manage.
 */
static size_t bitmap_pages_for(size_t pages)
{
	size_t bytes = words_for(pages) * sizeof(uint64_t);
	size_t bitmap_pages = PAGE_ROUND_UP(bytes) / PAGE_SIZE;

	return bitmap_pages < pages ? bitmap_pages : 0;
}

static bool overlaps_a_range(uintptr_t start, uintptr_t end)
{
	for (int i = 0; i < nranges; i++)
		if (start < range_end(&ranges[i]) && ranges[i].start < end)
			return true;
	return false;
}

/*
 * -EINVAL for a range that is unaligned, empty, starts at address 0,
 * overlaps a range already added, is too small to hold its bitmap and one
 * page more, or would be range number PAGE_MAX_RANGES + 1.  The range table
 * stays as it was.
 */
int page_add_range(uintptr_t start, uintptr_t end)
{
	struct page_range r;
	size_t pages, nwords, tail;
	int at;

	if (start == 0 || start >= end || start != PAGE_ROUND_DOWN(start) ||
	    end != PAGE_ROUND_DOWN(end))
		return -EINVAL;
	pages = (end - start) / PAGE_SIZE;
	r.bitmap_pages = bitmap_pages_for(pages);
	if (r.bitmap_pages == 0)
		return -EINVAL;
	r.start = start;
	r.first = start + r.bitmap_pages * PAGE_SIZE;
	r.npages = pages - r.bitmap_pages;
	r.nfree = r.npages;
	r.hint = 0;
	r.used = page_pointer(start);

	spin_lock(&page_lock);
	if (nranges == PAGE_MAX_RANGES || overlaps_a_range(start, end)) {
		spin_unlock(&page_lock);
		return -EINVAL;
	}
	nwords = words_for(r.npages);
	memset(r.used, 0, nwords * sizeof(uint64_t));
	tail = r.npages % BITS_PER_WORD;
	if (tail)
		r.used[nwords - 1] = ~0ull << tail;
	for (at = nranges; at > 0 && ranges[at - 1].start > start; at--)
		ranges[at] = ranges[at - 1];
	ranges[at] = r;
	nranges++;
	spin_unlock(&page_lock);
	return 0;
}

/*
 * Pages of [start, end) outside every range's managed pages are not the
 * allocator's to give and are skipped; pages already in use stay in use, so
 * overlapping reservations count each page once.  An unaligned or reversed
 * range is a caller bug and panics.
 */
void page_reserve(uintptr_t start, uintptr_t end)
{
	if (start > end || start != PAGE_ROUND_DOWN(start) ||
	    end != PAGE_ROUND_DOWN(end))
		panic("page_reserve: bad range %lx..%lx", (unsigned long)start,
		      (unsigned long)end);

	spin_lock(&page_lock);
	for (int i = 0; i < nranges; i++) {
		struct page_range *r = &ranges[i];
		uintptr_t from = start > r->first ? start : r->first;
		uintptr_t to = end < range_end(r) ? end : range_end(r);

		for (uintptr_t a = from; a < to; a += PAGE_SIZE) {
			size_t index = (a - r->first) / PAGE_SIZE;

			if (!page_is_used(r, index))
				mark_used(r, index, 1);
		}
	}
	spin_unlock(&page_lock);
}

void *pages_alloc(size_t count)
{
	uintptr_t address = 0;

	if (count == 0)
		return NULL;

	spin_lock(&page_lock);
	for (int i = 0; i < nranges && !address; i++) {
		struct page_range *r = &ranges[i];
		size_t index;

		if (r->nfree < count)
			continue;
		r->hint = find_free(r, r->hint);
		index = find_run(r, count);
		if (index == r->npages)
			continue;
		mark_used(r, index, count);
		if (index == r->hint)
			r->hint = index + count;
		address = r->first + index * PAGE_SIZE;
	}
	spin_unlock(&page_lock);

	if (!address)
		return NULL;
	memset(page_pointer(address), 0, count * PAGE_SIZE);
	return page_pointer(address);
}

void *page_alloc(void)
{
	return pages_alloc(1);
}

/*
 * Validate and free the run [first, first + count pages).  `who` names the
 * public function in panic messages.  Takes page_lock.
 */
static void free_run(const char *who, const void *first, size_t count)
{
	uintptr_t address = page_address(first);
	struct page_range *r;
	size_t index, already_free;

	if (address != PAGE_ROUND_DOWN(address))
		panic("%s: %lx is not page aligned", who,
		      (unsigned long)address);
	if (count == 0)
		panic("%s: zero pages at %lx", who, (unsigned long)address);

	spin_lock(&page_lock);
	r = range_of(address);
	if (!r && bitmap_of(address))
		panic("%s: %lx is the page allocator's own bitmap", who,
		      (unsigned long)address);
	if (!r)
		panic("%s: %lx is not a managed page", who,
		      (unsigned long)address);
	index = (address - r->first) / PAGE_SIZE;
	if (count > r->npages - index)
		panic("%s: run of %lu pages at %lx runs past its range", who,
		      (unsigned long)count, (unsigned long)address);
	already_free = find_free(r, index);
	if (already_free < index + count)
		panic("%s: page %lx is already free", who,
		      (unsigned long)(r->first + already_free * PAGE_SIZE));
	mark_free(r, index, count);
	spin_unlock(&page_lock);
}

void page_free(void *page)
{
	free_run("page_free", page, 1);
}

void pages_free(void *first, size_t count)
{
	free_run("pages_free", first, count);
}

void page_get_stats(struct page_stats *out)
{
	size_t total = 0, free = 0;

	spin_lock(&page_lock);
	for (int i = 0; i < nranges; i++) {
		total += ranges[i].npages;
		free += ranges[i].nfree;
	}
	spin_unlock(&page_lock);
	out->total = total;
	out->free = free;
}
