/*
 * cmd_crash.c - the `crash` command: break the kernel on purpose.
 *
 * Like Linux's lkdtm, it lets a student (and the tests) see what each kind of
 * kernel fault looks like: the oops line, the registers, the backtrace with
 * function names, and the machine stopping.  Every type ends in a panic.
 */
#include <stdint.h>

#include "lib/string.h"
#include "log/printk.h"
#include "shell/shell.h"

extern char _text_start[];
extern char _rodata_start[];

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winfinite-recursion"
/* Recurse with 512-byte frames until the stack runs into its guard page. */
static int __attribute__((noinline)) recurse(volatile char *prev, int depth)
{
	volatile char frame[512];

	frame[0] = (char)depth;
	frame[511] = prev ? prev[0] : 0;
	return recurse(frame, depth + 1) + frame[1];
}
#pragma GCC diagnostic pop

static void __attribute__((noinline)) write_null(void)
{
	uintptr_t address = 0;

	/* Hide the constant, or the compiler drops the "impossible" store. */
	__asm__ volatile("" : "+r"(address));
	*(volatile int *)address = 1;
}

static int cmd_crash(struct shell *sh, int argc, char **argv)
{
	if (argc != 2)
		return sh_error(sh, "crash", "expects one type");
	if (strcmp(argv[1], "null") == 0) {
		write_null();
	} else if (strcmp(argv[1], "stack") == 0) {
		recurse(NULL, 0);
	} else if (strcmp(argv[1], "text") == 0) {
		*(volatile uint32_t *)_text_start = 0; /* text is RX: must fault */
	} else if (strcmp(argv[1], "rodata") == 0) {
		*(volatile char *)_rodata_start = 0; /* rodata is R: must fault */
	} else if (strcmp(argv[1], "exec") == 0) {
		static uint32_t data_code = 0x00008067; /* ret, in RW data */
		((void (*)(void))(uintptr_t)&data_code)();
	} else if (strcmp(argv[1], "panic") == 0) {
		panic("crash: panic requested from the shell");
	} else {
		return sh_error(sh, "crash", "unknown type: %s", argv[1]);
	}
	return sh_error(sh, "crash", "%s did not fault", argv[1]);
}
SHELL_COMMAND(crash, "crash null|stack|text|rodata|exec|panic",
	      "fault on purpose to see an oops (stops the machine)", cmd_crash);
