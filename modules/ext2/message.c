/*
 * message.c - the one line a decoder leaves when it refuses something.
 *
 * The on-disk layer runs in the kernel, where there is no snprintf, and on
 * the host; so it formats its own messages with this small subset of
 * printf: %s %c %d %u %x, with l, ll and z, and %%.  Unknown conversions
 * are copied as they are.  The text is always NUL-terminated; a message
 * longer than the buffer is cut.
 */
#include "ondisk.h"

struct sink {
	char *at;
	char *end; /* one before the last byte: room for the NUL */
};

static void put(struct sink *s, char c)
{
	if (s->at < s->end)
		*s->at++ = c;
}

static void put_unsigned(struct sink *s, unsigned long long v, unsigned base)
{
	char digits[24];
	int n = 0;

	do {
		digits[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (n)
		put(s, digits[--n]);
}

void ext2_msg_vset(struct ext2_msg *m, const char *fmt, va_list ap)
{
	struct sink s;

	if (!m)
		return;
	s.at = m->text;
	s.end = m->text + sizeof(m->text) - 1;
	for (; *fmt; fmt++) {
		int longs = 0;
		unsigned long long u;
		long long d;

		if (*fmt != '%') {
			put(&s, *fmt);
			continue;
		}
		fmt++;
		while (*fmt == 'l' || *fmt == 'z') {
			longs++; /* z: size_t is unsigned long (LP64) */
			fmt++;
		}
		switch (*fmt) {
		case 's': {
			const char *str = va_arg(ap, const char *);

			for (str = str ? str : "(null)"; *str; str++)
				put(&s, *str);
			break;
		}
		case 'c':
			put(&s, (char)va_arg(ap, int));
			break;
		case 'd':
			d = longs >= 2	 ? va_arg(ap, long long)
			    : longs == 1 ? va_arg(ap, long)
					 : va_arg(ap, int);
			if (d < 0) {
				put(&s, '-');
				u = -(unsigned long long)d;
			} else {
				u = (unsigned long long)d;
			}
			put_unsigned(&s, u, 10);
			break;
		case 'u':
		case 'x':
			u = longs >= 2	 ? va_arg(ap, unsigned long long)
			    : longs == 1 ? va_arg(ap, unsigned long)
					 : va_arg(ap, unsigned int);
			put_unsigned(&s, u, *fmt == 'u' ? 10 : 16);
			break;
		case '\0':
			fmt--;
			break;
		default:
			put(&s, '%');
			put(&s, *fmt);
			break;
		}
	}
	*s.at = '\0';
}

void ext2_msg_set(struct ext2_msg *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ext2_msg_vset(m, fmt, ap);
	va_end(ap);
}

int ext2_corrupt(struct ext2_msg *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ext2_msg_vset(m, fmt, ap);
	va_end(ap);
	return -EUCLEAN;
}
