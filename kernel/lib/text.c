/*
 * text.c - string helpers beyond the C library's: bounded copy, number parsing.
 *
 * Kept apart from string.c so host unit tests can link these against the host
 * C library's own memcpy and friends.
 */
#include <keel/errno.h>

#include "lib/string.h"

size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

int parse_u64(const char *s, unsigned long *out)
{
	unsigned long value = 0;
	unsigned base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		unsigned digit;

		if (*s >= '0' && *s <= '9')
			digit = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			digit = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			digit = (unsigned)(*s - 'A' + 10);
		else
			return -EINVAL;
		if (value > (~0ul - digit) / base)
			return -ERANGE;
		value = value * base + digit;
	}
	*out = value;
	return 0;
}
