/*
 * poweroff.c - machine power-off through QEMU's test device or SBI.
 */
#include <stdint.h>

#include "arch/riscv.h"
#include "arch/sbi.h"
#include "drivers/poweroff.h"

#define TEST_PASS 0x5555
#define TEST_FAIL 0x3333

static volatile uint32_t *test_device;

void poweroff_init(const struct boot_info *info)
{
	if (info->poweroff.base)
		test_device = (volatile uint32_t *)(uintptr_t)info->poweroff.base;
}

void machine_poweroff(int status)
{
	irq_disable();
	if (test_device) {
		if (status == 0)
			*test_device = TEST_PASS;
		else
			*test_device = ((uint32_t)(status & 0xff) << 16) | TEST_FAIL;
	}
	sbi_shutdown(status != 0);
}
