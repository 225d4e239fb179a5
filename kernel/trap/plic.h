/*
 * plic.h - the platform-level interrupt controller.
 *
 * Device interrupts (UART, virtio) reach a hart through the PLIC.  A driver
 * registers a handler for its interrupt source; every online hart may claim
 * it, and the PLIC hands each pending interrupt to exactly one claimer.
 */
#ifndef KEEL_TRAP_PLIC_H
#define KEEL_TRAP_PLIC_H

#include <stdint.h>

#include "boot/fdt.h"

typedef void (*irq_handler_fn)(void *arg);

void plic_init(const struct boot_info *info); /* boot hart, once */
void plic_init_hart(void);                    /* every hart */
/* Route source `irq` to handler(arg) and enable it.  Returns 0 or -errno. */
int plic_register(uint32_t irq, irq_handler_fn handler, void *arg);
/* Claim, dispatch and complete every pending source; from trap_handler. */
void plic_interrupt(void);
/* Interrupts handled per source since boot (for `irqs`-style reporting). */
uint64_t plic_count(uint32_t irq);

#endif /* KEEL_TRAP_PLIC_H */
