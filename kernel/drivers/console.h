/*
 * console.h - the serial console: output for everyone, input for the shell.
 *
 * Output goes to the UART (or, before the UART is known, through the
 * firmware).  Input arrives by UART interrupt into a 1 KiB queue and is
 * read as a stream of futures, one per byte: a future whose queue is empty
 * is PENDING, and the interrupt that brings the next byte wakes it.  A
 * thread reads with console_getc(), which is block_on() of such a future.
 */
#ifndef KEEL_DRIVERS_CONSOLE_H
#define KEEL_DRIVERS_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

#include <keel/future.h>

#include "lib/list.h"

/* Write n bytes ("\n" becomes "\r\n"); serialised with other writers. */
void console_write(const char *s, size_t n);
/* The same without the lock: only for panic paths. */
void console_write_unlocked(const char *s, size_t n);
/*
 * Queue a received byte and wake every reader waiting for one; called by
 * the UART interrupt handler (and by tests).  A byte that finds the queue
 * full is dropped: the oldest keystrokes win.
 */
void console_receive(char c);
/* Input bytes queued and not yet read. */
size_t console_input_queued(void);

/*
 * The future for the next input byte: READY with result = the byte
 * (0..255) once one is queued; dropping it before then takes nothing.
 * Several readers may wait at once: every byte wakes them all, and each
 * byte goes to exactly one.  Rule 6 of keel/future.h: console_receive
 * wakes under the input lock, which poll takes.
 */
struct console_read {
	struct keel_int_future future;
	struct keel_waker waker; /* of the most recent PENDING poll */
	struct list link;	 /* in the list of waiting readers */
	bool waiting;		 /* on that list */
	bool allocated;		 /* drop frees it (console_read_byte) */
};

/* A reader in caller memory (its drop frees nothing); never moved if polled. */
void console_read_init(struct console_read *r);
/* The same, allocated (its drop frees it); NULL without memory. */
struct keel_int_future *console_read_byte(void);
/* Next input byte; sleeps until one arrives.  Thread context only. */
int console_getc(void);

/* Hook for the UART driver: how to send one byte. */
void console_set_output(void (*putc)(char c));

#endif /* KEEL_DRIVERS_CONSOLE_H */
