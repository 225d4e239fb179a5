/*
 * panic.c - stopping the kernel when an invariant breaks, and saying where.
 *
 * The protocol: panic_begin() claims the panic (a second hart that panics at
 * the same time just stops), sends an IPI so every other hart halts in
 * panic_ipi(), and from then on output bypasses the console lock, which the
 * failing hart may hold.  The caller prints what it knows; panic_end() prints
 * "---[ end Kernel panic ]---" and shuts the machine down with a failure
 * status, so scripted runs and tests see the panic at once instead of a hang.
 *
 * Backtraces walk the frame-pointer chain and name each return address with
 * the symbol table in .ksyms, laid out by tools/mkksyms.sh as
 *
 *     uint64_t ksyms_count;
 *     uint64_t ksyms_addr[count];       ascending
 *     uint32_t ksyms_name_offset[count] into ksyms_names
 *     char     ksyms_names[];           NUL-terminated names
 */
#include <stdint.h>

#include "arch/riscv.h"
#include "arch/sbi.h"
#include "drivers/console.h"
#include "drivers/poweroff.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "log/backtrace.h"
#include "log/printk.h"
#include "module/debug.h"
#include "sched/hart.h"

extern const uint64_t ksyms_count;
extern const uint64_t ksyms_addr[];
extern const uint32_t ksyms_name_offset[];
extern const char ksyms_names[];
extern char _text_start[], _text_end[];

static volatile int panicking = -1; /* hart id of the panicking hart */

static void unlocked_sink(const char *s, size_t n, void *arg)
{
	(void)arg;
	console_write_unlocked(s, n);
}

int kprintf_unlocked(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf_sink(unlocked_sink, NULL, fmt, ap);
	va_end(ap);
	return n;
}

/* Index of the last symbol at or below addr, or -1. */
static long ksym_index(uintptr_t addr)
{
	long lo = 0, hi = (long)ksyms_count - 1, found = -1;

	while (lo <= hi) {
		long mid = lo + (hi - lo) / 2;
		if (ksyms_addr[mid] <= addr) {
			found = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return found;
}

void backtrace_symbolize(uintptr_t addr, char *buf, size_t size)
{
	long i;

	if (addr < (uintptr_t)_text_start || addr >= (uintptr_t)_text_end ||
	    (i = ksym_index(addr)) < 0) {
		/* Not kernel text: maybe a module's ("[hello] hello_init+0x1c"). */
		if (module_debug_symbolize(addr, buf, size) != 0)
			snprintf(buf, size, "?");
		return;
	}
	snprintf(buf, size, "%s+0x%lx", ksyms_names + ksyms_name_offset[i],
		 (unsigned long)(addr - ksyms_addr[i]));
}

uintptr_t ksym_lookup(const char *name)
{
	for (uint64_t i = 0; i < ksyms_count; i++)
		if (strcmp(ksyms_names + ksyms_name_offset[i], name) == 0)
			return ksyms_addr[i];
	return 0;
}

/* A frame pointer is plausible if it is aligned and inside a stack slot's live half. */
static int plausible_fp(uintptr_t fp)
{
	return fp && (fp & 7) == 0 && ((fp - 16) >> STACK_LIVE_BIT & 1) &&
	       ((fp - 1) >> STACK_LIVE_BIT & 1);
}

/* Kernel text, or a loaded module's. */
static int is_text(uintptr_t addr)
{
	char ignored[8];

	return (addr >= (uintptr_t)_text_start && addr < (uintptr_t)_text_end) ||
	       module_debug_symbolize(addr, ignored, sizeof(ignored)) == 0;
}

void backtrace_from(uintptr_t fp, uintptr_t leaf_ra)
{
	char sym[80];

	kprintf_unlocked("Call trace:\n");
	for (int depth = 0; depth < 32 && plausible_fp(fp); depth++) {
		uintptr_t ra = *(uintptr_t *)(fp - 8);
		uintptr_t prev = *(uintptr_t *)(fp - 16);

		/*
		 * A leaf function saves only s0, at fp-8, and keeps its return
		 * address in ra; a trap tells us that ra (leaf_ra).
		 */
		if (depth == 0 && leaf_ra && !is_text(ra) && plausible_fp(ra) && ra > fp) {
			prev = ra;
			ra = leaf_ra;
		}
		/* The first frame of a thread has no caller (s0 starts at 0). */
		if (!is_text(ra) || prev == 0)
			break;
		backtrace_symbolize(ra - 2, sym, sizeof(sym));
		kprintf_unlocked("  [<%016lx>] %s\n", (unsigned long)ra, sym);
		if (prev <= fp)
			break;
		fp = prev;
	}
}

void panic_begin(void)
{
	int me;

	irq_disable(); /* first: the thread must not move to another hart */
	me = hart_id();
	if (!__atomic_compare_exchange_n(&panicking, &(int){ -1 }, me, 0,
					 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
		if (panicking == me)
			machine_poweroff(1); /* panicked while panicking */
		for (;;)
			wfi();
	}
	for (int h = 0; h < MAX_HARTS; h++)
		if (h != me && harts[h].online)
			sbi_send_ipi(1ul << h, 0);
}

void panic_end(void)
{
	kprintf_unlocked("---[ end Kernel panic ]---\n");
	machine_poweroff(1);
}

void panic_ipi(void)
{
	if (panicking >= 0 && panicking != hart_id()) {
		irq_disable();
		for (;;)
			wfi();
	}
}

void panic(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	panic_begin();
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	kprintf_unlocked("Kernel panic on hart %d: %s\n", hart_id(), buf);
	backtrace_from(read_fp(), 0);
	panic_end();
}
