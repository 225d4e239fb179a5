/*
 * backtrace.h - naming code addresses, and walking the stack.
 *
 * The kernel is built with frame pointers: on RV64 each frame record sits just
 * below s0, with the return address at s0-8 and the caller's s0 at s0-16.
 * Addresses are named from the kernel symbol table that the build links into
 * the image (.ksyms, made by tools/mkksyms.sh from the first link's `nm`).
 */
#ifndef KEEL_LOG_BACKTRACE_H
#define KEEL_LOG_BACKTRACE_H

#include <stddef.h>
#include <stdint.h>

/* Write "function+0xoff" for addr into buf; "?" when unknown. */
void backtrace_symbolize(uintptr_t addr, char *buf, size_t size);
/*
 * Print the frames from frame pointer fp upward (console, no locks).  When
 * the walk starts at a trap, leaf_ra is the trapped ra register: the
 * trapped function may be a leaf that never saved it; otherwise pass 0.
 */
void backtrace_from(uintptr_t fp, uintptr_t leaf_ra);
/* Address of the kernel symbol `name`, or 0. */
uintptr_t ksym_lookup(const char *name);

/* Panic protocol, see panic.c. */
void panic_begin(void);
void panic_end(void) __attribute__((noreturn));
void panic_ipi(void);
int kprintf_unlocked(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* KEEL_LOG_BACKTRACE_H */
