/*
 * uart.h - the NS16550A UART of QEMU virt (`-serial mon:stdio`).
 */
#ifndef KEEL_DRIVERS_UART_H
#define KEEL_DRIVERS_UART_H

#include "boot/fdt.h"

/* Polled output from now on (early: no interrupts needed). */
void uart_init(const struct boot_info *info);
/* Turn on receive interrupts through the PLIC. */
void uart_enable_irq(const struct boot_info *info);

#endif /* KEEL_DRIVERS_UART_H */
