/*
 * console.h - the serial console: output for everyone, input for the shell.
 *
 * Output goes to the UART (or, before the UART is known, through the
 * firmware).  Input arrives by UART interrupt into a 1 KiB queue; a thread
 * reading the console sleeps until a byte is there.
 */
#ifndef KEEL_DRIVERS_CONSOLE_H
#define KEEL_DRIVERS_CONSOLE_H

#include <stddef.h>

/* Write n bytes ("\n" becomes "\r\n"); serialised with other writers. */
void console_write(const char *s, size_t n);
/* The same without the lock: only for panic paths. */
void console_write_unlocked(const char *s, size_t n);
/* Queue a received byte; called by the UART interrupt handler. */
void console_receive(char c);
/* Next input byte; sleeps until one arrives.  Thread context only. */
int console_getc(void);

/* Hook for the UART driver: how to send one byte. */
void console_set_output(void (*putc)(char c));

#endif /* KEEL_DRIVERS_CONSOLE_H */
