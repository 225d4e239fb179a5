/*
 * sbi.c - the Supervisor Binary Interface calling convention.
 *
 * An SBI call is an `ecall` from S-mode with the extension id in a7, the
 * function id in a6 and arguments in a0..a5; the firmware returns an error in
 * a0 and a value in a1.
 */
#include "arch/sbi.h"

#define SBI_EXT_LEGACY_PUTCHAR 0x01
#define SBI_EXT_TIME 0x54494D45
#define SBI_EXT_IPI 0x735049
#define SBI_EXT_HSM 0x48534D
#define SBI_EXT_SRST 0x53525354
#define SBI_EXT_RFENCE 0x52464E43

struct sbi_ret {
	long error;
	long value;
};

static struct sbi_ret sbi_call4(unsigned long ext, unsigned long fid,
				unsigned long a0, unsigned long a1,
				unsigned long a2, unsigned long a3)
{
	register unsigned long r0 __asm__("a0") = a0;
	register unsigned long r1 __asm__("a1") = a1;
	register unsigned long r2 __asm__("a2") = a2;
	register unsigned long r3 __asm__("a3") = a3;
	register unsigned long r6 __asm__("a6") = fid;
	register unsigned long r7 __asm__("a7") = ext;

	__asm__ volatile("ecall"
			 : "+r"(r0), "+r"(r1)
			 : "r"(r2), "r"(r3), "r"(r6), "r"(r7)
			 : "memory");
	return (struct sbi_ret){ (long)r0, (long)r1 };
}

static struct sbi_ret sbi_call(unsigned long ext, unsigned long fid,
			       unsigned long a0, unsigned long a1,
			       unsigned long a2)
{
	return sbi_call4(ext, fid, a0, a1, a2, 0);
}

long sbi_remote_fence_i(unsigned long hart_mask)
{
	return sbi_call4(SBI_EXT_RFENCE, 0, hart_mask, 0, 0, 0).error;
}

long sbi_remote_sfence_vma(unsigned long hart_mask, unsigned long start,
			   unsigned long size)
{
	return sbi_call4(SBI_EXT_RFENCE, 1, hart_mask, 0, start, size).error;
}

long sbi_set_timer(uint64_t stime_value)
{
	return sbi_call(SBI_EXT_TIME, 0, stime_value, 0, 0).error;
}

long sbi_send_ipi(unsigned long hart_mask, unsigned long hart_mask_base)
{
	return sbi_call(SBI_EXT_IPI, 0, hart_mask, hart_mask_base, 0).error;
}

long sbi_hart_start(unsigned long hartid, unsigned long start_addr,
		    unsigned long opaque)
{
	return sbi_call(SBI_EXT_HSM, 0, hartid, start_addr, opaque).error;
}

void sbi_shutdown(int failure)
{
	/* SRST: type 0 = shutdown; reason 0 = none, 1 = system failure. */
	sbi_call(SBI_EXT_SRST, 0, 0, failure ? 1 : 0, 0);
	for (;;)
		__asm__ volatile("wfi");
}

void sbi_console_putchar(int c)
{
	sbi_call(SBI_EXT_LEGACY_PUTCHAR, 0, (unsigned long)c, 0, 0);
}
