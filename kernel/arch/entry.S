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
 *
 * Only one hart may ever run the boot path: a second one would clear .bss
 * under the running kernel.  Yet firmware can send more than one hart to
 * _start (OpenSBI 1.1 may let a parked hart through to the boot address
 * when it is woken early), so the first hart to swap boot_claimed from 0
 * to 1 boots, and any later one waits, touching nothing but .data, until
 * the boot hart finds it already running (sbi_hart_start answers "already
 * available") and sets its hart_release word: then it goes on as a
 * secondary hart.  Linux's RISC-V "spinwait" boot works the same way.
 */
#include "arch/stack.h"

	.section .text.entry
	.globl _start
_start:
	li t0, MAX_HARTS
	bgeu a0, t0, park
	mv tp, a0
	la t0, boot_claimed
	li t1, 1
	amoswap.w.aqrl t1, t1, (t0)
	bnez t1, late_hart

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

/* Another hart booted: wait for hart_release[tp], then start as secondary. */
late_hart:
	la t0, hart_release
	slli t1, tp, 2
	add t0, t0, t1
3:	lw t1, 0(t0)
	beqz t1, 3b
	fence r, rw
	j secondary_go

	.globl _secondary_start
_secondary_start:
	li t0, MAX_HARTS
	bgeu a0, t0, park
	mv tp, a0
secondary_go:
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

	.section .data
	.balign 4
boot_claimed:
	.word 0
	.globl hart_release
hart_release:
	.space 4 * MAX_HARTS

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
