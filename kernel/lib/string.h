/*
 * string.h - the freestanding string and memory routines the kernel uses.
 *
 * The compiler may emit calls to memcpy, memmove, memset and memcmp on its own
 * (struct copies, zeroing), so these exist with their standard contracts.
 */
#ifndef KEEL_LIB_STRING_H
#define KEEL_LIB_STRING_H

#include <stddef.h>

/* memcpy, memmove, memset, memcmp, strlen, strnlen, strcmp, strncmp: */
#include <keel/string.h>

void *memchr(const void *s, int c, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
size_t strcspn(const char *s, const char *reject);

/*
 * Copy at most size-1 bytes of src into dst and always NUL-terminate (when
 * size > 0).  Returns strlen(src), so a result >= size means truncation.
 */
size_t strlcpy(char *dst, const char *src, size_t size);

/*
 * Parse an unsigned decimal, or hexadecimal with a 0x prefix, that fills the
 * whole string.  Returns 0 and stores the value, or -EINVAL (not a number) or
 * -ERANGE (does not fit in 64 bits).
 */
int parse_u64(const char *s, unsigned long *out);

/* The message for a (positive or negative) errno: "No such file or directory". */
const char *strerror(int err);

#endif /* KEEL_LIB_STRING_H */
