/*
 * string.c - memcpy, memset, memmove and memcmp for the ext2 module.
 *
 * A module has no C library, yet the compiler may emit calls to these
 * four on its own (a struct assignment, a loop it recognises) and the
 * kernel does not export them.  So the module carries its own, built so
 * that GCC does not turn their loops back into calls to themselves.
 */
#include "ext2.h"

#if defined(__GNUC__) && !defined(__clang__)
#define PLAIN_LOOP __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define PLAIN_LOOP
#endif

PLAIN_LOOP void *memcpy(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	if (!(((uintptr_t)d | (uintptr_t)s | n) & 7)) {
		for (size_t i = 0; i < n / 8; i++)
			((uint64_t *)d)[i] = ((const uint64_t *)s)[i];
		return dst;
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

PLAIN_LOOP void *memset(void *dst, int c, size_t n)
{
	uint8_t *d = dst;

	if (!(((uintptr_t)d | n) & 7)) {
		uint64_t v = (uint8_t)c * 0x0101010101010101ull;

		for (size_t i = 0; i < n / 8; i++)
			((uint64_t *)d)[i] = v;
		return dst;
	}
	while (n--)
		*d++ = (uint8_t)c;
	return dst;
}

PLAIN_LOOP void *memmove(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

PLAIN_LOOP int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] - y[i];
	return 0;
}
