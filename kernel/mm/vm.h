/*
 * vm.h - the kernel's virtual address space (Sv39).
 *
 * One page table serves every hart.  Its layout:
 *
 *   0x0000_0000 .. RAM         devices (UART, PLIC, virtio, test), RW, at
 *                              their physical addresses, from the device tree
 *   RAM (0x8000_0000 ..)       identity mapped: kernel text RX, rodata R,
 *                              data/bss RW (boot-stack guards unmapped),
 *                              ksyms R, all other RAM RW; the firmware's
 *                              reserved region is not mapped at all
 *   VM_MODULE_NEAR ..          loadable modules, within 2 GiB of the kernel
 *                              (so calls reach it directly)
 *   VM_MODULE_FAR ..           loadable modules placed far away (boot
 *                              argument modules=far): calls go through PLTs
 *   VM_STACK_BASE ..           thread stacks, one 32 KiB slot each: 16 KiB
 *                              unmapped guard, then a 16 KiB stack; the
 *                              page tables of the whole area are built at
 *                              boot, so creating a thread never allocates
 *                              one and freeing it returns every page (the
 *                              same holds for the two module areas)
 *
 * No mapping is both writable and executable (W^X), and none is user
 * accessible: Keel has no user mode.
 */
#ifndef KEEL_MM_VM_H
#define KEEL_MM_VM_H

#include <stddef.h>
#include <stdint.h>

#include "boot/fdt.h"

#define VM_MODULE_NEAR 0x70000000ul     /* 256 MiB below RAM */
#define VM_MODULE_FAR 0x3000000000ul    /* 192 GiB */
#define VM_MODULE_AREA_SIZE 0x2000000ul /* 32 MiB of modules per area */
#define VM_STACK_BASE 0x2000000000ul /* 128 GiB */
#define VM_STACK_SLOTS 1024 /* at most this many threads */

/* Page permissions for vm_map. */
#define VM_R (1u << 1)
#define VM_W (1u << 2)
#define VM_X (1u << 3)

/*
 * Build the kernel page table from the boot info and turn paging on for the
 * boot hart.  Panics if memory for page tables runs out (a broken boot).
 */
void vm_init(const struct boot_info *info);
/* Turn paging on for a secondary hart, using the table vm_init built. */
void vm_init_hart(void);

/*
 * Map [va, va+size) to [pa, pa+size) with `perm` (VM_R|VM_W|VM_X; W and X
 * together are refused).  All three page aligned.  Returns 0, -EINVAL, -EEXIST
 * (something already mapped there) or -ENOMEM (page-table pages); on failure
 * nothing stays mapped.
 */
int vm_map(uintptr_t va, uintptr_t pa, size_t size, unsigned perm);
/*
 * Change the permissions of the mapped pages [va, va+size) (4 KiB leaves)
 * and flush every hart's TLB.  W and X together are refused (-EINVAL);
 * -ENOENT if a page in the range is not mapped (nothing is changed then).
 */
int vm_protect(uintptr_t va, size_t size, unsigned perm);
/* Unmap [va, va+size) and flush the TLB of every hart. */
void vm_unmap(uintptr_t va, size_t size);
/*
 * Unmap the 4 KiB page at va without flushing any TLB, and return the
 * physical page it mapped (0 if none).  The caller must call vm_flush() on
 * the range before it reuses the page: unmapping many pages, then flushing
 * once, saves a cross-hart flush per page.
 */
uintptr_t vm_unmap_page_noflush(uintptr_t va);
/* Flush [va, va+size) from the TLB of every hart. */
void vm_flush(uintptr_t va, size_t size);
/* Physical address mapped at va, or 0 when none. */
uintptr_t vm_translate(uintptr_t va);

/*
 * Allocate a thread stack: a free slot, its pages mapped.  Returns the top of
 * the stack (initial sp) or 0 when out of memory or slots.
 */
uintptr_t vm_stack_alloc(void);
/* Free a stack by its top; the caller no longer runs on it. */
void vm_stack_free(uintptr_t top);

/* Pages of page tables in use (shown by meminfo). */
size_t vm_table_pages(void);

#endif /* KEEL_MM_VM_H */
