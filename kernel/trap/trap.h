/*
 * trap.h - the saved state of a trapped kernel context.
 *
 * Keel runs everything in S-mode, so every trap comes from the kernel itself:
 * an interrupt (timer, device, IPI) or an exception (a page fault, an illegal
 * instruction: always a bug, reported as an oops).  The entry code in
 * trapvec.S saves all registers into a struct trap_frame on the current stack,
 * so a timer interrupt can switch threads and come back later.
 */
#ifndef KEEL_TRAP_TRAP_H
#define KEEL_TRAP_TRAP_H

#include <stdint.h>

/* Layout is shared with trapvec.S: x1..x31 then sepc, sstatus, stval, scause. */
struct trap_frame {
	uint64_t regs[32]; /* regs[0] unused (x0); regs[2] is the sp before the trap */
	uint64_t sepc;
	uint64_t sstatus;
	uint64_t stval;
	uint64_t scause;
};

#define TRAP_FRAME_SIZE (36 * 8)
_Static_assert(sizeof(struct trap_frame) == TRAP_FRAME_SIZE, "trapvec.S layout");

void trap_init_hart(void);
void trap_handler(struct trap_frame *frame);
void trap_stack_overflow(struct trap_frame *frame) __attribute__((noreturn));

/* Print registers and a backtrace for a fault; used by panic paths too. */
void trap_dump(const struct trap_frame *frame);

/* Nonzero while this hart is handling an interrupt. */
int in_interrupt(void);

#endif /* KEEL_TRAP_TRAP_H */
