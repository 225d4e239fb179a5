/*
 * entry.S - the first instructions Keel runs on each hart.
 *
 * OpenSBI enters _start in S-mode on one boot hart with a0 = hart id and
 * a1 = physical address of the device tree; the MMU is off and interrupts
 * are disabled.  The other harts stay parked in the firmware until the boot
 * hart starts them through the SBI HSM extension at _secondary_start with
 * a0 = hart id and a1 = the opaque value it chose (unused).
 *
 * Each hart keeps its id in tp for good, takes the stack of its boot slot
 * (see arch/stack.h) and calls into C.  The boot hart clears .bss first; it
 * must do so before touching any stack, since the stacks live in .bss.
 */
#include "arch/stack.h"

	.section .text.entry
	.globl _start
_start:
	li t0, MAX_HARTS
	bgeu a0, t0, park
	mv tp, a0

	/* Clear .bss (the stacks included) a word at a time. */
	la t0, _bss_start
	la t1, _bss_end
1:	bgeu t0, t1, 2f
	sd zero, 0(t0)
	addi t0, t0, 8
	j 1b
2:
	call set_boot_stack
	call kmain            /* kmain(hartid, fdt): never returns */
	j park

	.globl _secondary_start
_secondary_start:
	li t0, MAX_HARTS
	bgeu a0, t0, park
	mv tp, a0
	call set_boot_stack
	call kmain_secondary  /* kmain_secondary(hartid): never returns */
park:
	wfi
	j park

/* sp = top of boot slot tp; clobbers t0, t1. */
set_boot_stack:
	la sp, boot_stacks
	li t0, STACK_SLOT_SIZE
	addi t1, tp, 1
	mul t0, t0, t1
	add sp, sp, t0
	ret

	.section .bss.stacks, "aw", @nobits
	.balign STACK_SLOT_SIZE
	.globl boot_stacks
boot_stacks:
	.space STACK_SLOT_SIZE * MAX_HARTS

	/* A small stack per hart for reporting a kernel stack overflow. */
	.balign 16
	.globl overflow_stacks
overflow_stacks:
	.space 4096 * MAX_HARTS
