/*
 * test_kmalloc.c - kmalloc and kfree over the real page allocator.
 *
 * kmalloc.c and page.c are linked together and the page allocator manages a
 * 16 MiB host buffer, so slabs are real pages and every case can check both
 * kmalloc_get_stats and page_get_stats.  The cases share the allocator and
 * run in order; each one frees what it allocates and checks that both sets
 * of statistics are back at the baseline.
 *
 * The host shim (shim.c) supplies the kernel services kmalloc.c and page.c
 * use (its weak kmalloc gives way to the real one): its panic() aborts, so
 * the cases that expect a panic run in a forked child and check it died of
 * SIGABRT with the right message (death.h), and its spinlocks count how
 * many are held, so every case can check that the allocators released
 * their locks (shim_locks_held).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mm/kmalloc.h"
#include "mm/page.h"
#include "death.h"
#include "shim.h"
#include "tap.h"

/* ---- fixtures ------------------------------------------------------------ */

#define ARENA_PAGES 4096
#define LARGE_HEADER 16
#define LARGE 0xff /* class column of a large allocation */

/* The memory the allocator manages, page-aligned like RAM. */
static char arena[ARENA_PAGES * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static struct page_stats page_baseline;

/* Objects per slab, as documented in kmalloc.c. */
static const size_t per_slab[KMALLOC_NCLASSES] = { 252, 126, 63, 31,
						   15,  7,   3,  1 };

static size_t class_size(int index)
{
	return (size_t)KMALLOC_MIN_CLASS << index;
}

static struct kmalloc_stats kstats(void)
{
	struct kmalloc_stats s;

	kmalloc_get_stats(&s);
	return s;
}

static size_t pages_free_now(void)
{
	struct page_stats s;

	page_get_stats(&s);
	return s.free;
}

/* kmalloc holds nothing and the page allocator is back at the start. */
static void check_baseline(void)
{
	struct kmalloc_stats s = kstats();

	for (int i = 0; i < KMALLOC_NCLASSES; i++) {
		CHECK_EQ(s.cls[i].in_use, 0);
		CHECK_EQ(s.cls[i].slabs, 0);
	}
	CHECK_EQ(s.large_allocs, 0);
	CHECK_EQ(s.large_pages, 0);
	CHECK_EQ(s.bytes_in_use, 0);
	CHECK_EQ(pages_free_now(), page_baseline.free);
	CHECK_EQ(shim_locks_held, 0);
}

static bool all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void fill(unsigned char *p, size_t n, unsigned int tag)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(tag + i * 31);
}

static bool filled(const unsigned char *p, size_t n, unsigned int tag)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (unsigned char)(tag + i * 31))
			return false;
	return true;
}

/* xorshift64*: the same sequence on every run. */
static uint64_t rng_state = 0x4b65656c2d6d656dull;

static uint64_t rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}


/* ---- cases -------------------------------------------------------------- */

static void test_starts_empty(void)
{
	struct kmalloc_stats s;

	CHECK_EQ(page_add_range((uintptr_t)arena,
				(uintptr_t)arena + ARENA_PAGES * PAGE_SIZE),
		 0);
	page_get_stats(&page_baseline);
	CHECK_EQ(page_baseline.free, ARENA_PAGES - 1);
	s = kstats();
	for (int i = 0; i < KMALLOC_NCLASSES; i++)
		CHECK_EQ(s.cls[i].size, class_size(i));
	CHECK_EQ(s.cls[KMALLOC_NCLASSES - 1].size, KMALLOC_MAX_CLASS);
	check_baseline();
}

static void test_zero_size_and_null(void)
{
	CHECK(kmalloc(0) == NULL);
	kfree(NULL);
	check_baseline();
}

static void test_class_boundaries(void)
{
	static const struct {
		size_t size;
		int class_index; /* or LARGE */
		size_t pages;    /* pages a large allocation holds */
	} table[] = {
		{ 1, 0, 0 },        { 16, 0, 0 },         { 17, 1, 0 },
		{ 32, 1, 0 },       { 33, 2, 0 },         { 1024, 6, 0 },
		{ 1025, 7, 0 },     { 2047, 7, 0 },       { 2048, 7, 0 },
		{ 2049, LARGE, 1 }, { 4080, LARGE, 1 },   { 4081, LARGE, 2 },
		{ 4096, LARGE, 2 }, { 3 * 4096 + 1, LARGE, 4 },
	};

	for (size_t t = 0; t < TAP_COUNT(table); t++) {
		size_t size = table[t].size;
		unsigned char *p = kmalloc(size);
		struct kmalloc_stats s = kstats();
		int index = table[t].class_index;

		CHECK(p != NULL);
		if (!p)
			continue;
		if (index == LARGE) {
			CHECK_EQ(s.large_allocs, 1);
			CHECK_EQ(s.large_pages, table[t].pages);
			CHECK_EQ(s.bytes_in_use, table[t].pages * PAGE_SIZE);
			CHECK_EQ(pages_free_now(),
				 page_baseline.free - table[t].pages);
		} else {
			CHECK_EQ(s.cls[index].in_use, 1);
			CHECK_EQ(s.cls[index].slabs, 1);
			CHECK_EQ(s.bytes_in_use, class_size(index));
			CHECK_EQ(s.large_allocs, 0);
			CHECK_EQ(pages_free_now(), page_baseline.free - 1);
		}
		fill(p, size, (unsigned int)t);
		CHECK(filled(p, size, (unsigned int)t));
		kfree(p);
		check_baseline();
	}
}

static void test_objects_are_aligned(void)
{
	static void *objects[2 * 252 + 1];

	for (int c = 0; c < KMALLOC_NCLASSES; c++) {
		size_t n = 2 * per_slab[c] + 1;

		for (size_t i = 0; i < n; i++) {
			size_t in_page;

			objects[i] = kmalloc(class_size(c));
			in_page = (uintptr_t)objects[i] % PAGE_SIZE;
			CHECK((uintptr_t)objects[i] % class_size(c) == 0);
			/* The object lies inside its page, past the header. */
			CHECK(in_page >= 64);
			CHECK(in_page + class_size(c) <= PAGE_SIZE);
		}
		for (size_t i = 0; i < n; i++)
			kfree(objects[i]);
	}
	for (size_t size = 2049; size < 5 * PAGE_SIZE; size += 3001) {
		void *p = kmalloc(size);

		CHECK((uintptr_t)p % 16 == 0);
		CHECK((uintptr_t)p % PAGE_SIZE == LARGE_HEADER);
		kfree(p);
	}
	check_baseline();
}

static void test_memory_is_zeroed(void)
{
	for (int c = 0; c < KMALLOC_NCLASSES; c++) {
		size_t size = class_size(c);
		/* `keep` holds the slab, so `reused` is recycled, not fresh. */
		unsigned char *keep = kmalloc(size), *used = kmalloc(size);
		unsigned char *reused;

		CHECK(all_zero(used, size));
		memset(used, 0xff, size);
		kfree(used);
		reused = kmalloc(size);
		if (per_slab[c] > 1)
			CHECK(reused == used);
		CHECK(all_zero(reused, size));
		kfree(reused);
		kfree(keep);
	}
	for (size_t size = 2049; size < 4 * PAGE_SIZE; size += 4099) {
		unsigned char *p = kmalloc(size), *again;

		memset(p, 0xff, size);
		kfree(p);
		again = kmalloc(size);
		CHECK(all_zero(again, size));
		kfree(again);
	}
	check_baseline();
}

static void test_stats_are_exact(void)
{
	static void *small[100];
	void *big[3];
	struct kmalloc_stats s;

	for (int i = 0; i < 100; i++)
		small[i] = kmalloc(40); /* the 64-byte class, 63 a slab */
	for (int i = 0; i < 3; i++)
		big[i] = kmalloc(5000); /* 5016 bytes with header: 2 pages */
	s = kstats();
	CHECK_EQ(s.cls[2].in_use, 100);
	CHECK_EQ(s.cls[2].slabs, 2);
	for (int i = 0; i < KMALLOC_NCLASSES; i++)
		if (i != 2)
			CHECK_EQ(s.cls[i].in_use + s.cls[i].slabs, 0);
	CHECK_EQ(s.large_allocs, 3);
	CHECK_EQ(s.large_pages, 6);
	CHECK_EQ(s.bytes_in_use, 100 * 64 + 6 * PAGE_SIZE);
	CHECK_EQ(pages_free_now(), page_baseline.free - 2 - 6);

	kfree(big[1]);
	kfree(small[50]);
	s = kstats();
	CHECK_EQ(s.cls[2].in_use, 99);
	CHECK_EQ(s.large_allocs, 2);
	CHECK_EQ(s.large_pages, 4);
	CHECK_EQ(s.bytes_in_use, 99 * 64 + 4 * PAGE_SIZE);

	kfree(big[0]);
	kfree(big[2]);
	for (int i = 0; i < 100; i++)
		if (i != 50)
			kfree(small[i]);
	check_baseline();
}

static void test_empty_slab_goes_back_at_once(void)
{
	static void *objects[64];

	for (int i = 0; i < 64; i++)
		objects[i] = kmalloc(64);
	CHECK_EQ(kstats().cls[2].slabs, 2);
	CHECK_EQ(pages_free_now(), page_baseline.free - 2);
	kfree(objects[63]); /* alone in the second slab */
	CHECK_EQ(kstats().cls[2].slabs, 1);
	CHECK_EQ(pages_free_now(), page_baseline.free - 1);
	for (int i = 0; i < 62; i++)
		kfree(objects[i]);
	CHECK_EQ(kstats().cls[2].slabs, 1);
	kfree(objects[62]);
	check_baseline();
	/* A full slab given one object back is reused before a new one. */
	for (int i = 0; i < 63; i++)
		objects[i] = kmalloc(64);
	kfree(objects[7]);
	objects[7] = kmalloc(64);
	CHECK_EQ(kstats().cls[2].slabs, 1);
	for (int i = 0; i < 63; i++)
		kfree(objects[i]);
	check_baseline();
}

static void test_many_objects_across_slabs(void)
{
	static unsigned char *objects[3 * 252 + 1];

	for (int c = 0; c < KMALLOC_NCLASSES; c++) {
		size_t n = 3 * per_slab[c] + 1, size = class_size(c);
		struct kmalloc_stats s;

		for (size_t i = 0; i < n; i++) {
			objects[i] = kmalloc(size);
			CHECK(objects[i] != NULL);
			CHECK(all_zero(objects[i], size));
			fill(objects[i], size, (unsigned int)i);
		}
		s = kstats();
		CHECK_EQ(s.cls[c].in_use, n);
		CHECK_EQ(s.cls[c].slabs, 4);
		CHECK_EQ(s.bytes_in_use, n * size);
		for (size_t i = 0; i < n; i++)
			CHECK(filled(objects[i], size, (unsigned int)i));
		/* Odd ones first, then even: every slab goes partial first. */
		for (size_t i = 1; i < n; i += 2)
			kfree(objects[i]);
		for (size_t i = 0; i < n; i += 2) {
			CHECK(filled(objects[i], size, (unsigned int)i));
			kfree(objects[i]);
		}
		check_baseline();
	}
}

static void test_large_allocations(void)
{
	static const size_t sizes[] = { 2049, 4096, 8192 - 16, 8192,
					3 * 4096 + 1, 64 * 1024 };
	unsigned char *p[TAP_COUNT(sizes)];
	size_t pages = 0;
	struct kmalloc_stats s;

	for (size_t i = 0; i < TAP_COUNT(sizes); i++) {
		p[i] = kmalloc(sizes[i]);
		CHECK(p[i] != NULL);
		fill(p[i], sizes[i], (unsigned int)i);
		pages += (sizes[i] + LARGE_HEADER + PAGE_SIZE - 1) / PAGE_SIZE;
	}
	s = kstats();
	CHECK_EQ(s.large_allocs, TAP_COUNT(sizes));
	CHECK_EQ(s.large_pages, pages);
	CHECK_EQ(s.bytes_in_use, pages * PAGE_SIZE);
	CHECK_EQ(pages_free_now(), page_baseline.free - pages);
	for (size_t i = 0; i < TAP_COUNT(sizes); i++)
		CHECK(filled(p[i], sizes[i], (unsigned int)i));
	for (size_t i = TAP_COUNT(sizes); i-- > 0;)
		kfree(p[i]);
	/* Impossible sizes fail cleanly. */
	CHECK(kmalloc(SIZE_MAX) == NULL);
	CHECK(kmalloc(SIZE_MAX - 16) == NULL);
	CHECK(kmalloc(ARENA_PAGES * PAGE_SIZE) == NULL);
	check_baseline();
}

static void test_out_of_pages(void)
{
	static void *pages[ARENA_PAGES];
	size_t count = 0;
	void *partial = kmalloc(16), *from_partial;

	while ((pages[count] = page_alloc()) != NULL)
		count++;
	CHECK(kmalloc(64) == NULL);   /* needs a new slab */
	CHECK(kmalloc(5000) == NULL); /* needs pages */
	from_partial = kmalloc(16);   /* the 16-byte slab still has room */
	CHECK(from_partial != NULL);
	CHECK_EQ(kstats().cls[0].in_use, 2);
	CHECK_EQ(kstats().cls[2].slabs, 0);
	CHECK_EQ(kstats().large_allocs, 0);
	kfree(from_partial);
	kfree(partial);
	while (count)
		page_free(pages[--count]);
	check_baseline();
}

#define SOAK_SLOTS 1000
#define SOAK_OPS 100000

struct soak_slot {
	unsigned char *p;
	size_t size;
	unsigned int tag;
};

static size_t soak_class(size_t size)
{
	int c = 0;

	while (class_size(c) < size)
		c++;
	return (size_t)c;
}

static void check_soak_stats(const struct soak_slot *slots)
{
	size_t in_use[KMALLOC_NCLASSES] = { 0 }, large = 0, large_pages = 0;
	size_t bytes = 0;
	struct kmalloc_stats s = kstats();

	for (int i = 0; i < SOAK_SLOTS; i++) {
		if (!slots[i].p)
			continue;
		if (slots[i].size > KMALLOC_MAX_CLASS) {
			size_t pages = (slots[i].size + LARGE_HEADER +
					PAGE_SIZE - 1) / PAGE_SIZE;

			large++;
			large_pages += pages;
			bytes += pages * PAGE_SIZE;
		} else {
			in_use[soak_class(slots[i].size)]++;
			bytes += class_size((int)soak_class(slots[i].size));
		}
	}
	for (int c = 0; c < KMALLOC_NCLASSES; c++)
		CHECK_EQ(s.cls[c].in_use, in_use[c]);
	CHECK_EQ(s.large_allocs, large);
	CHECK_EQ(s.large_pages, large_pages);
	CHECK_EQ(s.bytes_in_use, bytes);
}

static void test_random_soak(void)
{
	static struct soak_slot slots[SOAK_SLOTS];
	size_t failures = 0, small_allocs = 0, large_allocs = 0, frees = 0;

	for (unsigned int op = 0; op < SOAK_OPS; op++) {
		struct soak_slot *slot = &slots[rng_next() % SOAK_SLOTS];

		if (slot->p) {
			if (!filled(slot->p, slot->size, slot->tag))
				failures++;
			kfree(slot->p);
			slot->p = NULL;
			frees++;
		} else {
			uint64_t r = rng_next();

			slot->size = r % 10 ? 1 + (r >> 8) % KMALLOC_MAX_CLASS
					    : 2049 + (r >> 8) % (3 * 4096);
			slot->tag = op;
			slot->p = kmalloc(slot->size);
			if (!slot->p || !all_zero(slot->p, slot->size)) {
				failures++;
				continue;
			}
			fill(slot->p, slot->size, slot->tag);
			if (slot->size > KMALLOC_MAX_CLASS)
				large_allocs++;
			else
				small_allocs++;
		}
		if (op % 1000 == 0)
			check_soak_stats(slots);
	}
	check_soak_stats(slots);
	for (int i = 0; i < SOAK_SLOTS; i++) {
		if (!slots[i].p)
			continue;
		if (!filled(slots[i].p, slots[i].size, slots[i].tag))
			failures++;
		kfree(slots[i].p);
	}
	CHECK_EQ(failures, 0);
	/* The workload really mixed allocations, frees and large runs. */
	CHECK(small_allocs > 30000 && large_allocs > 3000 && frees > 30000);
	check_baseline();
}

/* ---- broken invariants panic -------------------------------------------- */

static void free_small_twice(void)
{
	void *keep = kmalloc(64), *p = kmalloc(64);

	kfree(p);
	kfree(p);
	kfree(keep);
}

static void free_after_slab_released(void)
{
	void *p = kmalloc(100);

	kfree(p);
	kfree(p);
}

static void free_inside_object(void)
{
	char *p = kmalloc(64);

	kfree(p + 8);
}

static void free_slab_header(void)
{
	char *p = kmalloc(16);

	kfree((char *)PAGE_ROUND_DOWN((uintptr_t)p) + 16);
}

static void free_large_twice(void)
{
	void *p = kmalloc(10000);

	kfree(p);
	kfree(p);
}

static void free_inside_large(void)
{
	char *p = kmalloc(10000);

	kfree(p + 100);
}

static void free_large_second_page(void)
{
	char *p = kmalloc(10000);

	kfree(p + PAGE_SIZE);
}

static void free_foreign_page(void)
{
	char *page = page_alloc();

	kfree(page + 64);
}

static void test_broken_invariants_panic(void)
{
	CHECK(panics_with(free_small_twice, "kfree: double free"));
	CHECK(panics_with(free_after_slab_released,
			  "is not a kmalloc pointer"));
	CHECK(panics_with(free_inside_object,
			  "is not the start of a 64-byte object"));
	CHECK(panics_with(free_slab_header,
			  "is not the start of a 16-byte object"));
	CHECK(panics_with(free_large_twice, "is not a kmalloc pointer"));
	CHECK(panics_with(free_inside_large, "inside a large allocation"));
	CHECK(panics_with(free_large_second_page, "is not a kmalloc pointer"));
	CHECK(panics_with(free_foreign_page, "is not a kmalloc pointer"));
	check_baseline();
}

static const struct tap_case cases[] = {
	TAP_CASE(test_starts_empty),
	TAP_CASE(test_zero_size_and_null),
	TAP_CASE(test_class_boundaries),
	TAP_CASE(test_objects_are_aligned),
	TAP_CASE(test_memory_is_zeroed),
	TAP_CASE(test_stats_are_exact),
	TAP_CASE(test_empty_slab_goes_back_at_once),
	TAP_CASE(test_many_objects_across_slabs),
	TAP_CASE(test_large_allocations),
	TAP_CASE(test_out_of_pages),
	TAP_CASE(test_random_soak),
	TAP_CASE(test_broken_invariants_panic),
};

int main(void)
{
	return tap_run(cases, TAP_COUNT(cases));
}
