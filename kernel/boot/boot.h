/*
 * boot.h - what the boot code leaves for the rest of the kernel.
 */
#ifndef KEEL_BOOT_BOOT_H
#define KEEL_BOOT_BOOT_H

#include <stdint.h>

#include "boot/fdt.h"

extern struct boot_info boot_info; /* parsed device tree */
extern uintptr_t boot_fdt;         /* physical address of the blob */

/* The init thread: mounts the root, finds disks, runs the shell. */
void init_main(void *arg);
/* Number of harts that reached their scheduler. */
int harts_online(void);

#endif /* KEEL_BOOT_BOOT_H */
