/*
 * test_sort.c - heapsort: ordered output, the same elements, any element
 * size, and O(n log n) comparisons on inputs that make naive sorts
 * quadratic (sorted, reversed, all equal).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sort.h"
#include "tap.h"

static unsigned long comparisons;

static int cmp_u32(const void *a, const void *b, void *ctx __attribute__((unused)))
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	comparisons++;
	return (x > y) - (x < y);
}

/* A 24-byte record sorted by its middle key, with the context choosing the order. */
struct record {
	uint64_t tag;
	int64_t key;
	uint64_t check;
};

static int cmp_record(const void *a, const void *b, void *ctx)
{
	int sign = *(int *)ctx;
	int64_t x = ((const struct record *)a)->key, y = ((const struct record *)b)->key;

	return sign * ((x > y) - (x < y));
}

static uint32_t next(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static void test_random_arrays_come_out_sorted(void)
{
	uint32_t seed = 7;

	for (size_t n = 0; n < 300; n++) {
		uint32_t *a = malloc((n + 1) * sizeof(*a));
		uint64_t sum = 0, sum_after = 0;
		int ordered = 1;

		for (size_t i = 0; i < n; i++) {
			a[i] = next(&seed) % 50;
			sum += a[i] * 2654435761u;
		}
		sort(a, n, sizeof(*a), cmp_u32, NULL);
		for (size_t i = 0; i < n; i++) {
			sum_after += a[i] * 2654435761u;
			if (i && a[i - 1] > a[i])
				ordered = 0;
		}
		CHECK(ordered);
		CHECK_EQ(sum, sum_after);
		free(a);
	}
}

static void test_large_records_with_context(void)
{
	struct record r[64];
	int descending = -1;
	uint32_t seed = 99;

	for (int i = 0; i < 64; i++) {
		r[i].key = (int64_t)(next(&seed) % 1000) - 500;
		r[i].tag = (uint64_t)i;
		r[i].check = (uint64_t)r[i].key ^ 0x5a5a5a5a5a5a5a5aull;
	}
	sort(r, 64, sizeof(r[0]), cmp_record, &descending);
	for (int i = 0; i < 64; i++) {
		CHECK_EQ(r[i].check, (uint64_t)r[i].key ^ 0x5a5a5a5a5a5a5a5aull);
		if (i)
			CHECK(r[i - 1].key >= r[i].key);
	}
}

static void test_comparisons_are_n_log_n(void)
{
	enum { N = 1 << 16 };
	uint32_t *a = malloc(N * sizeof(*a));
	/* 2 n log2 n comparisons bound heapsort; n^2/4 would be 10^9. */
	const unsigned long bound = 2ul * N * 16;

	for (int shape = 0; shape < 3; shape++) {
		for (uint32_t i = 0; i < N; i++)
			a[i] = shape == 0 ? i : shape == 1 ? N - i : 5;
		comparisons = 0;
		sort(a, N, sizeof(*a), cmp_u32, NULL);
		CHECK(comparisons <= bound);
		uint32_t inversions = 0;

		for (uint32_t i = 1; i < N; i++)
			inversions += a[i - 1] > a[i];
		CHECK_EQ(inversions, 0);
	}
	free(a);
}

static const struct tap_case cases[] = {
	TAP_CASE(test_random_arrays_come_out_sorted),
	TAP_CASE(test_large_records_with_context),
	TAP_CASE(test_comparisons_are_n_log_n),
};

int main(void)
{
	return tap_run(cases, TAP_COUNT(cases));
}
