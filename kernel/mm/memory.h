/*
 * memory.h - handing the machine's RAM to the page allocator at boot.
 */
#ifndef KEEL_MM_MEMORY_H
#define KEEL_MM_MEMORY_H

#include <stdint.h>

#include "boot/fdt.h"

/*
 * Give every page of RAM that nothing else owns to the page allocator: RAM
 * from the device tree minus the firmware's reserved regions, the kernel
 * image, the device tree blob at `fdt` and the initrd.  Returns the number
 * of free ranges added.
 */
int memory_init(const struct boot_info *info, uintptr_t fdt);

#endif /* KEEL_MM_MEMORY_H */
