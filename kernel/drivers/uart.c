/*
 * uart.c - NS16550A driver.
 *
 * Registers (one byte apart on QEMU virt, at the address the device tree
 * names): RBR/THR 0, IER 1, FCR 2 (write), LCR 3, LSR 5.  Transmit polls LSR
 * bit 5 (THR empty); receive is interrupt driven (IER bit 0), and the handler
 * drains the FIFO while LSR bit 0 (data ready) is set.
 */
#include <stdint.h>

#include "drivers/console.h"
#include "drivers/uart.h"
#include "log/printk.h"
#include "sync/spinlock.h"
#include "trap/plic.h"

#define RBR 0
#define THR 0
#define IER 1
#define FCR 2
#define LCR 3
#define LSR 5
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20

static volatile uint8_t *uart;

static void uart_putc(char c)
{
	while (!(uart[LSR] & LSR_THR_EMPTY))
		;
	uart[THR] = (uint8_t)c;
}

static void uart_interrupt(void *arg)
{
	(void)arg;
	while (uart[LSR] & LSR_DATA_READY)
		console_receive((char)uart[RBR]);
}

void uart_init(const struct boot_info *info)
{
	if (!info->uart.base)
		return;
	uart = (volatile uint8_t *)(uintptr_t)info->uart.base;
	uart[IER] = 0x00;
	uart[LCR] = 0x03; /* 8 data bits, no parity, 1 stop bit */
	/* Enable the FIFOs without clearing them: bytes typed (or piped in)
	 * before the kernel started must not be lost. */
	uart[FCR] = 0x01;
	console_set_output(uart_putc);
}

void uart_enable_irq(const struct boot_info *info)
{
	int err;

	if (!uart)
		return;
	err = plic_register(info->uart.irq, uart_interrupt, NULL);
	if (err) {
		pr_err("uart: cannot register interrupt %u: %d", info->uart.irq, err);
		return;
	}
	uart[IER] = 0x01; /* receive data available */
	/* Bytes already waiting raised no interrupt: take them now.  Reading
	 * them also lets QEMU pass on input it held back while the FIFO was
	 * full. */
	irq_push();
	uart_interrupt(NULL);
	irq_pop();
}
