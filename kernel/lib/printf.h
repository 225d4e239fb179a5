/*
 * printf.h - formatted output into a buffer.
 *
 * Supported conversions: %d %i %u %x %X %o %c %s %p %%, with the flags '-' and
 * '0', a field width, a precision for %s, and the length modifiers l, ll, z.
 * The kernel has no floating point, so there is no %f.
 */
#ifndef KEEL_LIB_PRINTF_H
#define KEEL_LIB_PRINTF_H

#include <stdarg.h>
#include <stddef.h>

/*
 * Format into buf (always NUL-terminated when size > 0).  Returns the length
 * the full output would have had, as C99 does, so truncation is detectable.
 */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Format into a 512-byte buffer on the stack (longer output is cut) and
 * hand the text to sink(text, length, arg).  Returns the length handed on.
 * Console, shell and panic output are all built on this.
 */
int vprintf_sink(void (*sink)(const char *s, size_t n, void *arg), void *arg,
		 const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

#endif /* KEEL_LIB_PRINTF_H */
