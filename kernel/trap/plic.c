/*
 * plic.c - PLIC driver (RISC-V Platform-Level Interrupt Controller spec).
 *
 * Register map, from the base address the device tree gives:
 *   base + 4*irq                   priority of source irq (0 = never)
 *   base + 0x2000 + 0x80*ctx       enable bits of context ctx, 32 per word
 *   base + 0x200000 + 0x1000*ctx   priority threshold of ctx
 *   base + 0x200004 + 0x1000*ctx   claim (read) / complete (write)
 * A context is one privilege level of one hart; the device tree's
 * interrupts-extended says which context is which hart's S-mode (fdt.c).
 */
#include <keel/errno.h>

#include "arch/riscv.h"
#include "log/printk.h"
#include "sched/hart.h"
#include "trap/plic.h"

#define PLIC_MAX_IRQ 128

static volatile uint32_t *plic_base;
static uint32_t ndev;
static int context_of_hart[MAX_HARTS];
static struct {
	irq_handler_fn handler;
	void *arg;
	uint64_t count;
} sources[PLIC_MAX_IRQ];

static volatile uint32_t *reg(uintptr_t offset)
{
	return (volatile uint32_t *)((uintptr_t)plic_base + offset);
}

void plic_init(const struct boot_info *info)
{
	plic_base = (volatile uint32_t *)(uintptr_t)info->plic.base;
	ndev = info->plic_ndev < PLIC_MAX_IRQ ? info->plic_ndev : PLIC_MAX_IRQ - 1;
	for (int i = 0; i < MAX_HARTS; i++)
		context_of_hart[i] = -1;
	for (int i = 0; i < info->nharts; i++) {
		uint32_t id = info->harts[i].hartid;
		if (id < MAX_HARTS)
			context_of_hart[id] = info->harts[i].plic_context;
	}
}

static void enable_on_hart(int ctx, uint32_t irq)
{
	*reg(0x2000 + 0x80 * ctx + 4 * (irq / 32)) |= 1u << (irq % 32);
}

void plic_init_hart(void)
{
	int ctx = context_of_hart[hart_id()];

	if (!plic_base || ctx < 0)
		return;
	for (uint32_t irq = 1; irq <= ndev; irq++)
		if (sources[irq].handler)
			enable_on_hart(ctx, irq);
	*reg(0x200000 + 0x1000 * ctx) = 0;
	csr_set(sie, SIE_SEIE);
}

int plic_register(uint32_t irq, irq_handler_fn handler, void *arg)
{
	if (!plic_base || irq == 0 || irq > ndev)
		return -EINVAL;
	if (sources[irq].handler)
		return -EBUSY;
	sources[irq].arg = arg;
	sources[irq].handler = handler;
	*reg(4 * irq) = 1;
	for (int h = 0; h < MAX_HARTS; h++)
		if (context_of_hart[h] >= 0 && harts[h].online)
			enable_on_hart(context_of_hart[h], irq);
	return 0;
}

void plic_interrupt(void)
{
	int ctx = context_of_hart[hart_id()];
	uint32_t irq;

	while ((irq = *reg(0x200004 + 0x1000 * ctx)) != 0) {
		if (irq < PLIC_MAX_IRQ && sources[irq].handler) {
			sources[irq].count++;
			sources[irq].handler(sources[irq].arg);
		} else {
			pr_warn("plic: interrupt %u has no handler", irq);
		}
		*reg(0x200004 + 0x1000 * ctx) = irq;
	}
}

uint64_t plic_count(uint32_t irq)
{
	return irq < PLIC_MAX_IRQ ? sources[irq].count : 0;
}
