/*
 * printk.h - kernel log with levels.
 *
 * Every message goes into the log ring buffer (what `dmesg` prints) with a
 * timestamp; messages at or above the console level are also written to the
 * console.  printk may be called from any context, interrupt handlers
 * included, and never sleeps.  printk itself is declared in <keel/log.h>,
 * since modules use it too.
 */
#ifndef KEEL_LOG_PRINTK_H
#define KEEL_LOG_PRINTK_H

#include <stdarg.h>
#include <stddef.h>

/* The module-facing part (levels, printk, pr_*) is the ABI's. */
#include <keel/log.h>

/*
 * Console output that is not logged: the shell's own output.  Returns the
 * number of bytes written.
 */
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Copy the kernel log (oldest first, starting at a line boundary) into out;
 * returns the bytes copied.  This is what `dmesg` prints.
 */
size_t log_copy(char *out, size_t size);
/* Messages at levels <= level reach the console (default LOG_INFO). */
void log_set_console_level(int level);

/* Print a broken invariant, a backtrace, and stop every hart. */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#endif /* KEEL_LOG_PRINTK_H */
