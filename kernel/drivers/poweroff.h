/*
 * poweroff.h - turning the machine off with an exit status.
 *
 * QEMU virt has a "sifive,test0" device: writing 0x5555 to it exits QEMU
 * with status 0, writing (code << 16) | 0x3333 exits with `code`.  That is
 * how `make run SCRIPT=...` learns whether a script failed.  Without the
 * device, Keel asks the firmware (SBI SRST) to shut down.
 */
#ifndef KEEL_DRIVERS_POWEROFF_H
#define KEEL_DRIVERS_POWEROFF_H

#include "boot/fdt.h"

void poweroff_init(const struct boot_info *info);
/* Stop the machine; exit status 0 for success, else 1..255. */
void machine_poweroff(int status) __attribute__((noreturn));

#endif /* KEEL_DRIVERS_POWEROFF_H */
