/*
 * sort.c - heapsort; see sort.h.
 *
 * The array is first turned into a max-heap (each element at least as
 * large as its children 2i+1 and 2i+2), then the largest is swapped to the
 * end and the heap repaired, n times.  Elements are swapped byte by byte:
 * the arrays sorted in the kernel are small records, and this keeps the
 * function independent of the element type.
 */
#include <stdint.h>

#include "lib/sort.h"

static void swap(uint8_t *a, uint8_t *b, size_t size)
{
	while (size--) {
		uint8_t t = *a;

		*a++ = *b;
		*b++ = t;
	}
}

/* Move element `root` down until the subtree under it is a heap again. */
static void sift_down(uint8_t *base, size_t root, size_t n, size_t size,
		      int (*cmp)(const void *, const void *, void *), void *ctx)
{
	for (;;) {
		size_t child = 2 * root + 1, largest = root;

		if (child < n && cmp(base + child * size, base + largest * size, ctx) > 0)
			largest = child;
		if (child + 1 < n &&
		    cmp(base + (child + 1) * size, base + largest * size, ctx) > 0)
			largest = child + 1;
		if (largest == root)
			return;
		swap(base + root * size, base + largest * size, size);
		root = largest;
	}
}

void sort(void *base, size_t n, size_t size,
	  int (*cmp)(const void *a, const void *b, void *ctx), void *ctx)
{
	uint8_t *b = base;

	if (n < 2)
		return;
	for (size_t i = n / 2; i-- > 0;)
		sift_down(b, i, n, size, cmp, ctx);
	for (size_t end = n - 1; end > 0; end--) {
		swap(b, b + end * size, size);
		sift_down(b, 0, end, size, cmp, ctx);
	}
}
