/*
 * stack.h - the shape of every kernel stack.
 *
 * A kernel stack is one 32 KiB-aligned slot: the lower 16 KiB are an unmapped
 * guard, the upper 16 KiB the stack.  A stack overflow therefore faults
 * instead of silently corrupting whatever lies below, and the trap entry can
 * tell an overflow with one bit test: an address inside a live stack has bit
 * 14 set, an address inside a guard has it clear.  The boot stacks (one per
 * hart, in .bss.stacks) and every thread stack (in the stack area of the
 * virtual address space, see mm/vm.h) use this shape.
 */
#ifndef KEEL_ARCH_STACK_H
#define KEEL_ARCH_STACK_H

#define STACK_SLOT_SIZE 0x8000   /* 32 KiB: guard + stack */
#define STACK_GUARD_SIZE 0x4000  /* 16 KiB, unmapped */
#define KSTACK_SIZE 0x4000       /* 16 KiB usable stack */
#define STACK_LIVE_BIT 14        /* set in every address of a live stack */

#define MAX_HARTS 8

#endif /* KEEL_ARCH_STACK_H */
