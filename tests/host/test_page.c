/*
 * test_page.c - the physical page allocator on a host buffer.
 *
 * The allocator keeps global state and ranges can only be added, so the
 * cases share one allocator and run in order: each case frees what it
 * allocates and checks that the statistics are back where they started.
 * Ranges come from one page-aligned arena, laid out by page index:
 *
 *   [0, 16)      LOW     added late, below MAIN: proves ranges are sorted
 *   [64, 1088)   MAIN    1024 pages, 1 bitmap page, 1023 managed
 *   [1152, 1216) RESERVE 64 pages, part of them reserved
 *   [1280, 1536) HIGH    256 pages
 *   [1600, ...)  two-page ranges that fill the range table
 *   [2047]       never handed to the allocator
 *
 * The host shim (shim.c) supplies the kernel services page.c uses: its
 * panic() aborts, so the cases that expect a panic run in a forked child
 * and check it died of SIGABRT with the right message (death.h), and its
 * spinlocks count how many are held, so every case can check that the
 * allocator released its lock (shim_locks_held).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <keel/errno.h>

#include "mm/page.h"
#include "death.h"
#include "shim.h"
#include "tap.h"

/* ---- fixtures ------------------------------------------------------------ */

#define ARENA_PAGES 2048
#define MAIN_FIRST 64
#define MAIN_PAGES 1024
#define MAIN_MANAGED (MAIN_PAGES - 1)
#define RESERVE_FIRST 1152
#define RESERVE_PAGES 64
#define HIGH_FIRST 1280
#define HIGH_PAGES 256
#define LOW_FIRST 0
#define LOW_PAGES 16
#define SMALL_FIRST 1600
#define OUTSIDE_PAGE 2047
/* A range whose bitmap needs two pages: 513 words of 64 bits. */
#define BIG_PAGES (32768 + 64)
#define BIG_BITMAP_PAGES 2

/* The memory the allocator manages, page-aligned like RAM. */
static char arena[ARENA_PAGES * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static char *big;
static struct page_stats baseline;

static char *arena_page(size_t index)
{
	return arena + index * PAGE_SIZE;
}

static uintptr_t arena_address(size_t index)
{
	return (uintptr_t)arena_page(index);
}

static struct page_stats stats(void)
{
	struct page_stats s;

	page_get_stats(&s);
	return s;
}

static void check_baseline(void)
{
	struct page_stats now = stats();

	CHECK_EQ(now.total, baseline.total);
	CHECK_EQ(now.free, baseline.free);
	CHECK_EQ(shim_locks_held, 0);
}

static bool all_zero(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}


/* ---- cases: a single range ---------------------------------------------- */

static void test_empty_allocator_has_nothing(void)
{
	CHECK_EQ(stats().total, 0);
	CHECK_EQ(stats().free, 0);
	CHECK(page_alloc() == NULL);
	CHECK(pages_alloc(1) == NULL);
	CHECK_EQ(shim_locks_held, 0);
}

static void test_add_range_rejects_bad_ranges(void)
{
	uintptr_t start = arena_address(MAIN_FIRST);

	CHECK_EQ(page_add_range(start + 8, start + 4 * PAGE_SIZE), -EINVAL);
	CHECK_EQ(page_add_range(start, start + 4 * PAGE_SIZE - 8), -EINVAL);
	CHECK_EQ(page_add_range(start, start), -EINVAL);
	CHECK_EQ(page_add_range(start + PAGE_SIZE, start), -EINVAL);
	CHECK_EQ(page_add_range(0, 4 * PAGE_SIZE), -EINVAL);
	/* One page would be all bitmap and nothing to manage. */
	CHECK_EQ(page_add_range(start, start + PAGE_SIZE), -EINVAL);
	CHECK_EQ(stats().total, 0);
	CHECK_EQ(stats().free, 0);
}

static void test_add_range_counts_exactly(void)
{
	uintptr_t start = arena_address(MAIN_FIRST);
	uintptr_t end = arena_address(MAIN_FIRST + MAIN_PAGES);

	CHECK_EQ(page_add_range(start, end), 0);
	baseline = stats();
	CHECK_EQ(baseline.total, MAIN_MANAGED);
	CHECK_EQ(baseline.free, MAIN_MANAGED);
	/* Overlaps of every kind are refused and change nothing. */
	CHECK_EQ(page_add_range(start, end), -EINVAL);
	CHECK_EQ(page_add_range(start + PAGE_SIZE, end - PAGE_SIZE), -EINVAL);
	CHECK_EQ(page_add_range(end - PAGE_SIZE, end + PAGE_SIZE), -EINVAL);
	CHECK_EQ(page_add_range(start - PAGE_SIZE, start + PAGE_SIZE), -EINVAL);
	check_baseline();
}

static void test_first_page_follows_the_bitmap(void)
{
	char *a = page_alloc(), *b = page_alloc();

	CHECK(a == arena_page(MAIN_FIRST + 1));
	CHECK(b == arena_page(MAIN_FIRST + 2));
	CHECK_EQ(stats().free, baseline.free - 2);
	page_free(a);
	page_free(b);
	check_baseline();
}

static void test_alloc_until_exhausted(void)
{
	static char *pages[MAIN_MANAGED];
	size_t count = 0;
	char *p;

	while ((p = page_alloc()) != NULL && count < MAIN_MANAGED + 1) {
		CHECK(p == arena_page(MAIN_FIRST + 1 + count));
		pages[count++] = p;
	}
	CHECK_EQ(count, MAIN_MANAGED);
	CHECK(p == NULL);
	CHECK_EQ(stats().free, 0);
	CHECK_EQ(stats().total, baseline.total);
	CHECK(pages_alloc(1) == NULL);
	for (size_t i = 0; i < count; i++)
		page_free(pages[i]);
	check_baseline();
	/* After freeing everything the lowest page is handed out again. */
	p = page_alloc();
	CHECK(p == arena_page(MAIN_FIRST + 1));
	page_free(p);
	check_baseline();
}

static void test_lowest_free_page_is_reused(void)
{
	char *a = page_alloc(), *b = page_alloc(), *c = page_alloc(), *again;

	page_free(b);
	again = page_alloc();
	CHECK(again == b);
	page_free(a);
	again = page_alloc();
	CHECK(again == a);
	page_free(a);
	page_free(b);
	page_free(c);
	check_baseline();
}

static void test_pages_are_zeroed(void)
{
	char *page = page_alloc(), *run, *again;

	memset(page, 0xa5, PAGE_SIZE);
	page_free(page);
	again = page_alloc();
	CHECK(again == page);
	CHECK(all_zero(again, PAGE_SIZE));
	page_free(again);

	run = pages_alloc(3);
	memset(run, 0x5a, 3 * PAGE_SIZE);
	pages_free(run, 3);
	again = pages_alloc(3);
	CHECK(again == run);
	CHECK(all_zero(again, 3 * PAGE_SIZE));
	pages_free(again, 3);
	check_baseline();
}

static void test_runs_are_first_fit(void)
{
	char *a = pages_alloc(2), *b = pages_alloc(3), *c = pages_alloc(2);
	char *d, *e, *f;

	CHECK(a == arena_page(MAIN_FIRST + 1));
	CHECK(b == a + 2 * PAGE_SIZE);
	CHECK(c == b + 3 * PAGE_SIZE);
	pages_free(b, 3);
	CHECK_EQ(stats().free, baseline.free - 4);
	d = pages_alloc(4); /* the 3-page hole is too small */
	CHECK(d == c + 2 * PAGE_SIZE);
	e = pages_alloc(3); /* fits the hole exactly */
	CHECK(e == b);
	f = page_alloc(); /* the hole is full: next is after d */
	CHECK(f == d + 4 * PAGE_SIZE);
	pages_free(a, 2);
	pages_free(c, 2);
	pages_free(d, 4);
	pages_free(e, 3);
	page_free(f);
	check_baseline();
}

static void test_run_sizes_at_the_edges(void)
{
	char *all;

	CHECK(pages_alloc(0) == NULL);
	CHECK(pages_alloc(MAIN_MANAGED + 1) == NULL);
	CHECK(pages_alloc(SIZE_MAX) == NULL);
	check_baseline();
	all = pages_alloc(MAIN_MANAGED);
	CHECK(all == arena_page(MAIN_FIRST + 1));
	CHECK_EQ(stats().free, 0);
	CHECK(page_alloc() == NULL);
	pages_free(all, MAIN_MANAGED);
	check_baseline();
}

static void test_fragmentation_defeats_runs(void)
{
	static char *pages[MAIN_MANAGED];
	char *single;

	for (size_t i = 0; i < MAIN_MANAGED; i++)
		pages[i] = page_alloc();
	for (size_t i = 0; i < MAIN_MANAGED; i += 2)
		page_free(pages[i]);
	CHECK_EQ(stats().free, (MAIN_MANAGED + 1) / 2);
	CHECK(pages_alloc(2) == NULL);
	single = pages_alloc(1);
	CHECK(single == pages[0]);
	page_free(single);
	for (size_t i = 1; i < MAIN_MANAGED; i += 2)
		page_free(pages[i]);
	check_baseline();
	/* With the holes merged again, a run fits. */
	single = pages_alloc(2);
	CHECK(single == pages[0]);
	pages_free(single, 2);
	check_baseline();
}

/* ---- cases: broken invariants panic -------------------------------------- */

static void free_twice(void)
{
	char *p = page_alloc();

	page_free(p);
	page_free(p);
}

static void free_unaligned(void)
{
	char *p = page_alloc();

	page_free(p + 16);
}

static void free_outside_every_range(void)
{
	page_free(arena_page(OUTSIDE_PAGE));
}

static void free_null(void)
{
	page_free(NULL);
}

static void free_the_bitmap(void)
{
	page_free(arena_page(MAIN_FIRST));
}

static void free_run_past_range_end(void)
{
	static char *pages[MAIN_MANAGED];

	for (size_t i = 0; i < MAIN_MANAGED; i++)
		pages[i] = page_alloc();
	pages_free(pages[MAIN_MANAGED - 1], 2);
}

static void free_run_partly_free(void)
{
	char *run = pages_alloc(2);

	pages_free(run, 3);
}

static void free_zero_pages(void)
{
	pages_free(page_alloc(), 0);
}

static void reserve_unaligned(void)
{
	page_reserve(arena_address(MAIN_FIRST + 2) + 1,
		     arena_address(MAIN_FIRST + 4));
}

static void test_broken_invariants_panic(void)
{
	CHECK(panics_with(free_twice, "page_free: "));
	CHECK(panics_with(free_twice, "is already free"));
	CHECK(panics_with(free_unaligned, "is not page aligned"));
	CHECK(panics_with(free_outside_every_range, "is not a managed page"));
	CHECK(panics_with(free_null, "page_free: 0 is not a managed page"));
	CHECK(panics_with(free_the_bitmap, "page allocator's own bitmap"));
	CHECK(panics_with(free_run_past_range_end, "runs past its range"));
	CHECK(panics_with(free_run_partly_free, "pages_free: page"));
	CHECK(panics_with(free_zero_pages, "pages_free: zero pages"));
	CHECK(panics_with(reserve_unaligned, "page_reserve: bad range"));
	/* The children's damage stayed in the children. */
	check_baseline();
}

/* ---- cases: more ranges ------------------------------------------------- */

static void test_reserve_takes_pages_for_good(void)
{
	uintptr_t first = arena_address(RESERVE_FIRST + 1); /* managed page 0 */
	struct page_stats before;
	size_t count = 0, managed = RESERVE_PAGES - 1;
	static char *pages[MAIN_MANAGED + RESERVE_PAGES];
	char *p;

	CHECK_EQ(page_add_range(arena_address(RESERVE_FIRST),
				arena_address(RESERVE_FIRST + RESERVE_PAGES)),
		 0);
	before = stats();
	CHECK_EQ(before.total, baseline.total + managed);
	CHECK_EQ(before.free, baseline.free + managed);

	page_reserve(first + 10 * PAGE_SIZE, first + 20 * PAGE_SIZE);
	CHECK_EQ(stats().free, before.free - 10);
	CHECK_EQ(stats().total, before.total);
	/* Overlapping reservations count each page once. */
	page_reserve(first + 15 * PAGE_SIZE, first + 25 * PAGE_SIZE);
	CHECK_EQ(stats().free, before.free - 15);
	/* Bitmap pages, unmanaged memory and empty ranges are ignored. */
	page_reserve(arena_address(RESERVE_FIRST), first);
	page_reserve(arena_address(OUTSIDE_PAGE),
		     arena_address(OUTSIDE_PAGE + 1));
	page_reserve(first, first);
	CHECK_EQ(stats().free, before.free - 15);
	CHECK_EQ(shim_locks_held, 0);

	/* Exhaust everything: no reserved page is ever handed out. */
	while ((p = page_alloc()) != NULL) {
		uintptr_t a = (uintptr_t)p;

		CHECK(a < first + 10 * PAGE_SIZE ||
		      a >= first + 25 * PAGE_SIZE);
		pages[count++] = p;
	}
	CHECK_EQ(count, before.free - 15);
	CHECK((uintptr_t)pages[count - 1] == first + (managed - 1) * PAGE_SIZE);
	while (count)
		page_free(pages[--count]);
	baseline = stats();
	CHECK_EQ(baseline.free, before.free - 15);
	CHECK_EQ(baseline.total, before.total);
}

static void test_ranges_stay_separate_and_sorted(void)
{
	size_t high_managed = HIGH_PAGES - 1, low_managed = LOW_PAGES - 1;
	char *whole_main, *run, *low;

	CHECK_EQ(page_add_range(arena_address(HIGH_FIRST),
				arena_address(HIGH_FIRST + HIGH_PAGES)),
		 0);
	CHECK_EQ(page_add_range(arena_address(LOW_FIRST),
				arena_address(LOW_FIRST + LOW_PAGES)),
		 0);
	CHECK_EQ(stats().total, baseline.total + high_managed + low_managed);
	CHECK_EQ(stats().free, baseline.free + high_managed + low_managed);
	baseline = stats();

	/* LOW was added last but lies lowest, so it is used first. */
	low = page_alloc();
	CHECK(low == arena_page(LOW_FIRST + 1));
	page_free(low);

	/* No run crosses from one range into the next. */
	CHECK(pages_alloc(MAIN_MANAGED + 1) == NULL);
	whole_main = pages_alloc(MAIN_MANAGED);
	CHECK(whole_main == arena_page(MAIN_FIRST + 1));
	/* LOW and RESERVE are too small or too broken up: HIGH takes it. */
	run = pages_alloc(high_managed);
	CHECK(run == arena_page(HIGH_FIRST + 1));
	/* Left: LOW (15 pages) and RESERVE (runs of 10 and 38 pages). */
	CHECK(pages_alloc(39) == NULL);
	low = pages_alloc(38);
	CHECK(low == arena_page(RESERVE_FIRST + 1 + 25));
	pages_free(low, 38);
	pages_free(run, high_managed);
	pages_free(whole_main, MAIN_MANAGED);
	check_baseline();
}

static void free_second_bitmap_page(void)
{
	page_free(big + PAGE_SIZE);
}

static void test_bitmap_spanning_pages_is_counted(void)
{
	size_t managed = BIG_PAGES - BIG_BITMAP_PAGES;
	char *run;

	big = aligned_alloc(PAGE_SIZE, BIG_PAGES * PAGE_SIZE);
	CHECK(big != NULL);
	if (!big)
		return;
	CHECK_EQ(page_add_range((uintptr_t)big,
				(uintptr_t)big + BIG_PAGES * PAGE_SIZE),
		 0);
	CHECK_EQ(stats().total, baseline.total + managed);
	CHECK_EQ(stats().free, baseline.free + managed);
	baseline = stats();
	CHECK(panics_with(free_second_bitmap_page, "own bitmap"));
	/* Only the big range holds this run, just past its two bitmap pages. */
	run = pages_alloc(2 * MAIN_MANAGED);
	CHECK(run == big + BIG_BITMAP_PAGES * PAGE_SIZE);
	pages_free(run, 2 * MAIN_MANAGED);
	check_baseline();
}

static void test_range_table_is_bounded(void)
{
	int added = 0;

	/* Five ranges exist (MAIN, RESERVE, HIGH, LOW, big); three more fit. */
	for (int i = 0; i < 4; i++) {
		uintptr_t start = arena_address(SMALL_FIRST + 4 * (size_t)i);
		int err = page_add_range(start, start + 2 * PAGE_SIZE);

		if (err == 0)
			added++;
		else
			CHECK_EQ(err, -EINVAL);
	}
	CHECK_EQ(added, 3);
	CHECK_EQ(stats().total, baseline.total + 3);
	CHECK_EQ(stats().free, baseline.free + 3);
	CHECK_EQ(shim_locks_held, 0);
}

static const struct tap_case cases[] = {
	TAP_CASE(test_empty_allocator_has_nothing),
	TAP_CASE(test_add_range_rejects_bad_ranges),
	TAP_CASE(test_add_range_counts_exactly),
	TAP_CASE(test_first_page_follows_the_bitmap),
	TAP_CASE(test_alloc_until_exhausted),
	TAP_CASE(test_lowest_free_page_is_reused),
	TAP_CASE(test_pages_are_zeroed),
	TAP_CASE(test_runs_are_first_fit),
	TAP_CASE(test_run_sizes_at_the_edges),
	TAP_CASE(test_fragmentation_defeats_runs),
	TAP_CASE(test_broken_invariants_panic),
	TAP_CASE(test_reserve_takes_pages_for_good),
	TAP_CASE(test_ranges_stay_separate_and_sorted),
	TAP_CASE(test_bitmap_spanning_pages_is_counted),
	TAP_CASE(test_range_table_is_bounded),
};

int main(void)
{
	return tap_run(cases, TAP_COUNT(cases));
}
