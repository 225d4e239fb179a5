/*
 * keel/log.h - writing to the kernel log.
 *
 * printk formats like printf (without floating point: %d %i %u %x %X %o %c
 * %s %p %%, flags '-' and '0', width, precision for %s, length modifiers l,
 * ll, z) and appends one line to the kernel log, which `dmesg` shows.
 * Messages at LOG_INFO or more important also reach the console unless the
 * kernel was booted with `quiet`.  printk never sleeps and may be called
 * from any context.  A module's messages are best prefixed with its name.
 *
 * Since ABI 1.0.
 */
#ifndef KEEL_LOG_H
#define KEEL_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_ERR = 3,    /* something failed */
	LOG_WARN = 4,   /* something is wrong but the kernel carries on */
	LOG_NOTICE = 5, /* normal but worth seeing */
	LOG_INFO = 6,   /* progress */
	LOG_DEBUG = 7,  /* only in dmesg */
};

void printk(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vprintk(int level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#define pr_err(...) printk(LOG_ERR, __VA_ARGS__)
#define pr_warn(...) printk(LOG_WARN, __VA_ARGS__)
#define pr_notice(...) printk(LOG_NOTICE, __VA_ARGS__)
#define pr_info(...) printk(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) printk(LOG_DEBUG, __VA_ARGS__)

#endif /* KEEL_LOG_H */
