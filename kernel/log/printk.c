/*
 * printk.c - the kernel log.
 *
 * Each message becomes one line "[seconds.micros] text" in a 16 KiB ring
 * (oldest lines are overwritten), and, when its level is important enough,
 * on the console too.  The line is formatted on the caller's stack first, so
 * the log lock is held only to copy bytes: printk is cheap enough for
 * interrupt handlers and never sleeps.
 */
#include "drivers/console.h"
#include "lib/printf.h"
#include "lib/ringbuf.h"
#include "lib/string.h"
#include "module/export.h"
#include "log/printk.h"
#include "sync/spinlock.h"
#include "trap/timer.h"

#define LOG_SIZE 16384
#define LINE_MAX 256

static char log_storage[LOG_SIZE];
static struct ringbuf log_ring = { log_storage, LOG_SIZE, 0, 0, 0 };
static struct spinlock log_lock = SPINLOCK_INIT("log");
static int console_level = LOG_INFO;

void log_set_console_level(int level)
{
	console_level = level;
}

void vprintk(int level, const char *fmt, va_list ap)
{
	char line[LINE_MAX];
	uint64_t us = timer_uptime_us();
	int n = snprintf(line, sizeof(line), "[%5lu.%06lu] ",
			 (unsigned long)(us / 1000000), (unsigned long)(us % 1000000));

	n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	if (n > LINE_MAX - 2)
		n = LINE_MAX - 2;
	line[n++] = '\n';
	line[n] = '\0';

	spin_lock(&log_lock);
	for (int i = 0; i < n; i++)
		ringbuf_put_overwrite(&log_ring, line[i]);
	spin_unlock(&log_lock);

	if (level <= console_level) {
		console_write(line, (size_t)n);
	}
}

void printk(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(level, fmt, ap);
	va_end(ap);
}
KEEL_EXPORT(printk, 0);
KEEL_EXPORT(vprintk, 0);

size_t log_copy(char *out, size_t size)
{
	size_t skip = 0, n;
	char c;

	spin_lock(&log_lock);
	/* If the ring wrapped, its first line is partial: skip to a newline. */
	if (log_ring.dropped) {
		while (ringbuf_peek(&log_ring, skip, &c, 1) && c != '\n')
			skip++;
		skip++;
	}
	if (ringbuf_len(&log_ring) - skip > size)
		skip = ringbuf_len(&log_ring) - size;
	n = ringbuf_peek(&log_ring, skip, out, size);
	spin_unlock(&log_lock);
	return n;
}

static void console_sink(const char *s, size_t n, void *arg)
{
	(void)arg;
	console_write(s, n);
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf_sink(console_sink, NULL, fmt, ap);
	va_end(ap);
	return n;
}
