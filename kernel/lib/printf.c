/*
 * printf.c - vsnprintf for the kernel.
 *
 * One pass over the format; each conversion renders its digits into a small
 * scratch array (backwards), then pads and copies into the output through
 * emit(), which counts every byte but stores only those that fit.
 */
#include <stdbool.h>
#include <stdint.h>

#include "lib/printf.h"
#include "lib/string.h"

struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void emit(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void emit_padded(struct out *o, const char *s, size_t n, int width,
			bool left, char pad)
{
	int fill = width > (int)n ? width - (int)n : 0;

	if (!left && pad == '0' && n && (*s == '-')) {
		emit(o, *s++);
		n--;
	}
	if (!left)
		while (fill-- > 0)
			emit(o, pad);
	while (n--)
		emit(o, *s++);
	if (left)
		while (fill-- > 0)
			emit(o, ' ');
}

/* Render `v` in `base` at the end of scratch; returns the first digit. */
static char *render(char *end, unsigned long long v, unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char *p = end;

	do {
		*--p = digits[v % base];
		v /= base;
	} while (v);
	return p;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	char scratch[24];
	char *end = scratch + sizeof(scratch);

	for (; *fmt; fmt++) {
		bool left = false, is_signed = false;
		char pad = ' ';
		int width = 0, precision = -1, longs = 0;
		unsigned long long v = 0;
		unsigned base = 10;
		char *p;

		if (*fmt != '%') {
			emit(&o, *fmt);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-')
				left = true;
			else if (*fmt == '0')
				pad = '0';
			else
				break;
		}
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (*fmt - '0');
		if (*fmt == '*') {
			width = va_arg(ap, int);
			fmt++;
		}
		if (*fmt == '.') {
			precision = 0;
			if (fmt[1] == '*') {
				precision = va_arg(ap, int);
				fmt += 2;
			} else {
				for (fmt++; *fmt >= '0' && *fmt <= '9'; fmt++)
					precision = precision * 10 + (*fmt - '0');
			}
		}
		for (; *fmt == 'l' || *fmt == 'z'; fmt++)
			longs++;

		switch (*fmt) {
		case 'd':
		case 'i':
			is_signed = true;
			break;
		case 'u':
			break;
		case 'x':
		case 'X':
		case 'p':
			base = 16;
			break;
		case 'o':
			base = 8;
			break;
		case 'c':
			scratch[0] = (char)va_arg(ap, int);
			emit_padded(&o, scratch, 1, width, left, ' ');
			continue;
		case 's': {
			const char *s = va_arg(ap, const char *);
			size_t n;

			if (!s)
				s = "(null)";
			n = precision >= 0 ? strnlen(s, (size_t)precision)
					   : strlen(s);
			emit_padded(&o, s, n, width, left, ' ');
			continue;
		}
		case '%':
			emit(&o, '%');
			continue;
		default:
			/* Unknown conversion: print it as written. */
			emit(&o, '%');
			if (*fmt)
				emit(&o, *fmt);
			else
				fmt--;
			continue;
		}

		if (*fmt == 'p') {
			v = (uintptr_t)va_arg(ap, void *);
		} else if (is_signed) {
			long long s = longs ? va_arg(ap, long long) : va_arg(ap, int);
			v = s < 0 ? -(unsigned long long)s : (unsigned long long)s;
			p = render(end, v, 10, false);
			if (s < 0)
				*--p = '-';
			emit_padded(&o, p, (size_t)(end - p), width, left, pad);
			continue;
		} else {
			v = longs ? va_arg(ap, unsigned long long)
				  : va_arg(ap, unsigned int);
		}
		p = render(end, v, base, *fmt == 'X');
		if (*fmt == 'p') {
			*--p = 'x';
			*--p = '0';
		}
		emit_padded(&o, p, (size_t)(end - p), width, left, pad);
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int vprintf_sink(void (*sink)(const char *s, size_t n, void *arg), void *arg,
		 const char *fmt, va_list ap)
{
	char buf[512];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);

	if (n > (int)sizeof(buf) - 1)
		n = (int)sizeof(buf) - 1;
	sink(buf, (size_t)n, arg);
	return n;
}
