/*
 * riscv.h - control and status registers, and the few instructions C cannot
 * express, for RV64 supervisor mode.
 */
#ifndef KEEL_ARCH_RISCV_H
#define KEEL_ARCH_RISCV_H

#include <stdint.h>

#define csr_read(csr)                                                          \
	({                                                                     \
		uint64_t _v;                                                   \
		__asm__ volatile("csrr %0, " #csr : "=r"(_v));                 \
		_v;                                                            \
	})
#define csr_write(csr, val) __asm__ volatile("csrw " #csr ", %0" ::"rK"(val))
/* The memory clobbers keep the compiler from moving loads and stores across
 * a change of the interrupt state. */
#define csr_set(csr, bits)                                                     \
	__asm__ volatile("csrs " #csr ", %0" ::"rK"(bits) : "memory")
#define csr_clear(csr, bits)                                                   \
	__asm__ volatile("csrc " #csr ", %0" ::"rK"(bits) : "memory")

/* sstatus */
#define SSTATUS_SIE (1ul << 1)  /* supervisor interrupts enabled */
#define SSTATUS_SPIE (1ul << 5) /* SIE before the trap */
#define SSTATUS_SPP (1ul << 8)  /* trapped from S-mode */
#define SSTATUS_SUM (1ul << 18)

/* sie / sip bits */
#define SIE_SSIE (1ul << 1) /* software (IPI) */
#define SIE_STIE (1ul << 5) /* timer */
#define SIE_SEIE (1ul << 9) /* external (PLIC) */

/* scause */
#define SCAUSE_INTERRUPT (1ul << 63)
#define IRQ_S_SOFT 1
#define IRQ_S_TIMER 5
#define IRQ_S_EXT 9
#define EXC_INST_MISALIGNED 0
#define EXC_INST_ACCESS 1
#define EXC_ILLEGAL 2
#define EXC_BREAKPOINT 3
#define EXC_LOAD_MISALIGNED 4
#define EXC_LOAD_ACCESS 5
#define EXC_STORE_MISALIGNED 6
#define EXC_STORE_ACCESS 7
#define EXC_INST_PAGE_FAULT 12
#define EXC_LOAD_PAGE_FAULT 13
#define EXC_STORE_PAGE_FAULT 15

static inline void irq_enable(void)
{
	csr_set(sstatus, SSTATUS_SIE);
}

static inline void irq_disable(void)
{
	csr_clear(sstatus, SSTATUS_SIE);
}

static inline int irq_enabled(void)
{
	return (csr_read(sstatus) & SSTATUS_SIE) != 0;
}

/* The hart id lives in tp for the whole life of the kernel. */
static inline int hart_id(void)
{
	uint64_t tp;

	__asm__ volatile("mv %0, tp" : "=r"(tp));
	return (int)tp;
}

static inline uint64_t read_time(void)
{
	return csr_read(time);
}

static inline uint64_t read_instret(void)
{
	return csr_read(instret);
}

static inline void wfi(void)
{
	__asm__ volatile("wfi" ::: "memory");
}

static inline void sfence_vma(void)
{
	__asm__ volatile("sfence.vma zero, zero" ::: "memory");
}

static inline void fence_i(void)
{
	__asm__ volatile("fence.i" ::: "memory");
}

static inline uintptr_t read_fp(void)
{
	uintptr_t fp;

	__asm__ volatile("mv %0, s0" : "=r"(fp));
	return fp;
}

#endif /* KEEL_ARCH_RISCV_H */
