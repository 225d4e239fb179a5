/*
 * area.h - memory for loaded modules.
 *
 * Modules live in their own part of the address space (mm/vm.h): near the
 * kernel by default, so their calls into the kernel are direct, or far away
 * with the boot argument modules=far, where the loader's PLT entries carry
 * the calls.  A region is a run of pages mapped read-write while the loader
 * fills it, then given its final permission (R X, R, or R W).
 */
#ifndef KEEL_MODULE_AREA_H
#define KEEL_MODULE_AREA_H

#include <stddef.h>
#include <stdint.h>

/* Use the far area from now on (boot argument modules=far). */
void module_area_use_far(void);
/* Base address of the area in use. */
uintptr_t module_area_base(void);

/*
 * Map `bytes` (a multiple of the page size, > 0) of zeroed memory read-write
 * in the module area.  Returns its address, or 0 when out of memory or
 * address space (nothing is left allocated then).
 */
uintptr_t module_area_alloc(size_t bytes);
/* Give the region its final permission (VM_R, VM_R|VM_X or VM_R|VM_W). */
int module_area_protect(uintptr_t address, size_t bytes, unsigned perm);
/* Unmap and free a region from module_area_alloc. */
void module_area_free(uintptr_t address, size_t bytes);

#endif /* KEEL_MODULE_AREA_H */
