/*
 * keel/string.h - the kernel's memory and string routines, for modules.
 *
 * A module has no C library, yet the compiler emits calls to memcpy,
 * memmove, memset and memcmp on its own (a struct assignment, a loop it
 * recognises as a copy), so the kernel exports these with their standard C
 * contracts, and a few string functions besides.  None sleeps or
 * allocates; all may be called from any context.  The kernel's own
 * copies are word-at-a-time where alignment allows.
 *
 * Since ABI 1.1.
 */
#ifndef KEEL_STRING_H
#define KEEL_STRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

#endif /* KEEL_STRING_H */
