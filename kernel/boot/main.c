/*
 * main.c - from the first C instruction to the scheduler, on every hart.
 *
 * The boot hart (the one OpenSBI picked) brings the machine up in an order
 * where each step uses only what the steps before it built:
 *
 *   1. parse the device tree             nothing is known before this
 *   2. UART output, power-off device     so every later step can report
 *   3. page allocator, then Sv39 paging  W^X kernel map, guarded stacks
 *   4. traps, PLIC, UART input, timer    interrupts on this hart
 *   5. the init thread                   kernel threads are now possible
 *   6. start the other harts             through SBI HSM
 *   7. enter the scheduler               the init thread runs from here
 *
 * Each secondary hart turns on paging with the table the boot hart built,
 * sets up its traps, PLIC context and timer, and joins the scheduler.  All
 * the slower work (filesystems, disks, the shell) happens in the init thread
 * (init.c), where sleeping and mutexes are allowed.
 */
#include <stdint.h>

#include "arch/riscv.h"
#include "arch/sbi.h"
#include "boot/boot.h"
#include "boot/fdt.h"
#include "drivers/console.h"
#include "drivers/poweroff.h"
#include "drivers/rtc.h"
#include "drivers/uart.h"
#include "log/printk.h"
#include "mm/memory.h"
#include "mm/page.h"
#include "mm/vm.h"
#include "sched/hart.h"
#include "sched/thread.h"
#include "trap/plic.h"
#include "trap/timer.h"
#include "trap/trap.h"

struct boot_info boot_info;
uintptr_t boot_fdt;

extern char _secondary_start[];
/* entry.S: set to release a hart that firmware sent to _start after us. */
extern volatile uint32_t hart_release[];
extern char _text_start[], _kernel_end[];

static void start_secondary_harts(int boot_hart)
{
	for (int i = 0; i < boot_info.nharts; i++) {
		uint32_t id = boot_info.harts[i].hartid;
		long err;

		if ((int)id == boot_hart)
			continue;
		if (id >= MAX_HARTS) {
			pr_warn("smp: hart %u is beyond MAX_HARTS (%d); left parked", id,
				MAX_HARTS);
			continue;
		}
		err = sbi_hart_start(id, (unsigned long)_secondary_start, 0);
		if (err == SBI_ERR_ALREADY_AVAILABLE) {
			/* Firmware sent it to _start; it waits there (entry.S). */
			pr_info("smp: hart %u entered at _start; released", id);
			__atomic_store_n(&hart_release[id], 1, __ATOMIC_RELEASE);
		} else if (err) {
			pr_warn("smp: hart %u did not start: SBI error %ld", id, err);
		}
	}
}

void kmain(unsigned long hartid, uintptr_t fdt)
{
	static const char fail[] = "keel: cannot parse the device tree\n";
	struct page_stats ps;
	int ranges, err;

	sched_init();
	err = fdt_parse((const void *)fdt, 1u << 20, &boot_info);
	if (err) {
		console_write_unlocked(fail, sizeof(fail) - 1);
		sbi_shutdown(1);
	}
	boot_fdt = fdt;
	uart_init(&boot_info);
	poweroff_init(&boot_info);
	timer_init(boot_info.timebase_hz);
	pr_info("Keel booting on hart %lu, %d harts, device tree at %lx",
		hartid, boot_info.nharts, (unsigned long)fdt);

	ranges = memory_init(&boot_info, fdt);
	page_get_stats(&ps);
	pr_info("memory: %d ranges, %lu pages free (%lu KiB), kernel %lx..%lx",
		ranges, (unsigned long)ps.free, (unsigned long)ps.free * 4,
		(unsigned long)_text_start, (unsigned long)_kernel_end);
	vm_init(&boot_info);
	pr_info("vm: Sv39 on, %lu page-table pages", (unsigned long)vm_table_pages());
	rtc_init(&boot_info);

	trap_init_hart();
	plic_init(&boot_info);
	uart_enable_irq(&boot_info);
	plic_init_hart();
	timer_init_hart();

	if (thread_create("init", init_main, NULL) < 0)
		panic("no memory for the init thread");
	start_secondary_harts((int)hartid);
	sched_run();
}

void kmain_secondary(unsigned long hartid)
{
	vm_init_hart();
	trap_init_hart();
	plic_init_hart();
	timer_init_hart();
	pr_info("smp: hart %lu online", hartid);
	sched_run();
}
