/*
 * sort.h - sorting an array in place.
 */
#ifndef KEEL_LIB_SORT_H
#define KEEL_LIB_SORT_H

#include <stddef.h>

/*
 * Sort `n` elements of `size` bytes at `base` so that cmp(a, b, ctx) <= 0
 * for each element a before b.  Heapsort: O(n log n) comparisons whatever
 * the input, no allocation, no recursion; not stable.
 */
void sort(void *base, size_t n, size_t size,
	  int (*cmp)(const void *a, const void *b, void *ctx), void *ctx);

#endif /* KEEL_LIB_SORT_H */
