/*
 * trap.c - what happens after trapvec.S saved the registers.
 *
 * Interrupts: the timer tick, PLIC device interrupts, and software
 * interrupts (IPIs, used to stop the other harts on a panic).  Each runs with
 * interrupts off on this hart.  When the tick ends the running thread's time
 * slice, the thread yields at the end of the handler, on its own stack, so it
 * resumes right here later (preemption).
 *
 * Exceptions: Keel has no user mode, so any exception is a kernel bug.  It is
 * reported as an oops (cause, faulting address, registers, a backtrace with
 * symbol names) and the kernel panics.
 */
#include "arch/riscv.h"
#include "log/backtrace.h"
#include "log/printk.h"
#include "sched/hart.h"
#include "sched/thread.h"
#include "trap/plic.h"
#include "trap/timer.h"
#include "trap/trap.h"

extern char trap_vector[];

void trap_init_hart(void)
{
	csr_write(stvec, (uint64_t)trap_vector);
	csr_write(sscratch, 0);
	csr_set(sie, SIE_SSIE);
}

int in_interrupt(void)
{
	int r;

	irq_push();
	r = this_hart()->in_interrupt;
	irq_pop();
	return r;
}

static const char *exception_name(uint64_t cause)
{
	static const char *const names[] = {
		[EXC_INST_MISALIGNED] = "instruction address misaligned",
		[EXC_INST_ACCESS] = "instruction access fault",
		[EXC_ILLEGAL] = "illegal instruction",
		[EXC_BREAKPOINT] = "breakpoint",
		[EXC_LOAD_MISALIGNED] = "load address misaligned",
		[EXC_LOAD_ACCESS] = "load access fault",
		[EXC_STORE_MISALIGNED] = "store address misaligned",
		[EXC_STORE_ACCESS] = "store access fault",
		[8] = "environment call from U-mode",
		[9] = "environment call from S-mode",
		[EXC_INST_PAGE_FAULT] = "instruction page fault",
		[EXC_LOAD_PAGE_FAULT] = "load page fault",
		[EXC_STORE_PAGE_FAULT] = "store page fault",
	};

	if (cause < sizeof(names) / sizeof(names[0]) && names[cause])
		return names[cause];
	return "unknown exception";
}

void trap_dump(const struct trap_frame *f)
{
	static const char *const abi[32] = {
		"zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2",
		"s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
		"a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7",
		"s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
	};
	char sym[64];

	backtrace_symbolize(f->sepc, sym, sizeof(sym));
	kprintf_unlocked(" epc: %016lx %s\n", (unsigned long)f->sepc, sym);
	backtrace_symbolize(f->regs[1], sym, sizeof(sym));
	kprintf_unlocked("  ra: %016lx %s\n", (unsigned long)f->regs[1], sym);
	for (int i = 2; i < 32; i += 3) {
		kprintf_unlocked(" %4s: %016lx", abi[i], (unsigned long)f->regs[i]);
		if (i + 1 < 32)
			kprintf_unlocked(" %4s: %016lx", abi[i + 1],
					 (unsigned long)f->regs[i + 1]);
		if (i + 2 < 32)
			kprintf_unlocked(" %4s: %016lx", abi[i + 2],
					 (unsigned long)f->regs[i + 2]);
		kprintf_unlocked("\n");
	}
	kprintf_unlocked("status: %016lx cause: %016lx tval: %016lx\n",
			 (unsigned long)f->sstatus, (unsigned long)f->scause,
			 (unsigned long)f->stval);
	backtrace_from(f->regs[8], f->regs[1]);
}

static void exception(struct trap_frame *f)
{
	struct thread *t = this_hart()->current;

	panic_begin();
	kprintf_unlocked("Oops: %s at %016lx (address %016lx) on hart %d, thread %s\n",
			 exception_name(f->scause), (unsigned long)f->sepc,
			 (unsigned long)f->stval, hart_id(), t ? t->name : "scheduler");
	trap_dump(f);
	panic_end();
}

void trap_handler(struct trap_frame *f)
{
	struct hart *h = this_hart();
	uint64_t cause = f->scause;

	if (!(cause & SCAUSE_INTERRUPT)) {
		exception(f);
		return;
	}
	h->in_interrupt++;
	switch (cause & ~SCAUSE_INTERRUPT) {
	case IRQ_S_TIMER:
		timer_interrupt();
		break;
	case IRQ_S_EXT:
		plic_interrupt();
		break;
	case IRQ_S_SOFT:
		csr_clear(sip, SIE_SSIE);
		panic_ipi();
		break;
	default:
		pr_warn("trap: unexpected interrupt %lu", (unsigned long)(cause & ~SCAUSE_INTERRUPT));
	}
	h->in_interrupt--;

	/* Preempt: yield on the thread's own stack, with interrupts still off. */
	if (h->need_resched && h->current && h->irq_depth == 0) {
		h->need_resched = 0;
		thread_yield();
	}
}

void trap_stack_overflow(struct trap_frame *f)
{
	struct thread *t = this_hart()->current;

	panic_begin();
	kprintf_unlocked("Oops: kernel stack overflow on hart %d, thread %s: "
			 "sp near %016lx, epc %016lx\n",
			 hart_id(), t ? t->name : "scheduler",
			 (unsigned long)f->stval, (unsigned long)f->sepc);
	backtrace_from(f->regs[8], 0);
	panic_end();
}
