/*
 * sbi.h - calls into OpenSBI, the machine-mode firmware below Keel.
 *
 * Keel uses the SBI v0.2+ extensions: TIME (set_timer), IPI (send_ipi), HSM
 * (start secondary harts), RFENCE (remote TLB flush), SRST (shutdown).  Each call returns the SBI error
 * code (0 on success, negative on failure).
 */
#ifndef KEEL_ARCH_SBI_H
#define KEEL_ARCH_SBI_H

#include <stdint.h>

long sbi_set_timer(uint64_t stime_value);
long sbi_send_ipi(unsigned long hart_mask, unsigned long hart_mask_base);
/* SBI error: the hart is already running (sbi_hart_start). */
#define SBI_ERR_ALREADY_AVAILABLE (-6)

long sbi_hart_start(unsigned long hartid, unsigned long start_addr,
		    unsigned long opaque);
/* Make every hart in hart_mask see newly written instructions (fence.i). */
long sbi_remote_fence_i(unsigned long hart_mask);
/* Flush [start, start+size) from the TLBs of the harts in hart_mask. */
long sbi_remote_sfence_vma(unsigned long hart_mask, unsigned long start,
			   unsigned long size);
/* Shutdown; `failure` selects the "system failure" reason. */
void sbi_shutdown(int failure) __attribute__((noreturn));
/* Write one byte on the firmware console (for use before the UART is up). */
void sbi_console_putchar(int c);

#endif /* KEEL_ARCH_SBI_H */
