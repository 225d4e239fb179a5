/*
 * fdt.h - what Keel learns from the flattened device tree.
 *
 * OpenSBI passes the device tree blob (DTB) in a1.  fdt_parse() walks it once
 * and fills a struct boot_info; nothing else in the kernel reads the blob, and
 * no device address is hard-coded anywhere.  The parser is pure: it reads
 * only the blob it is given, so it is unit-tested on the host against real
 * DTBs dumped from QEMU (`-machine virt,dumpdtb=file`).
 */
#ifndef KEEL_BOOT_FDT_H
#define KEEL_BOOT_FDT_H

#include <stdint.h>
#include <stddef.h>

#define BOOT_MAX_MEMORY 8
#define BOOT_MAX_HARTS 8
#define BOOT_MAX_VIRTIO 8
#define BOOT_MAX_RESERVED 8
#define BOOT_BOOTARGS_MAX 256

struct boot_range {
	uint64_t base;
	uint64_t size;
};

struct boot_hart {
	uint32_t hartid;      /* the cpu node's reg */
	uint32_t intc_phandle; /* phandle of its interrupt-controller child */
	int plic_context;     /* PLIC context of its S-mode external irq, -1 */
};

struct boot_mmio_device {
	uint64_t base;
	uint64_t size;
	uint32_t irq; /* PLIC interrupt source; 0 when none */
};

struct boot_info {
	struct boot_range memory[BOOT_MAX_MEMORY]; /* /memory@... reg ranges */
	int nmemory;
	struct boot_range reserved[BOOT_MAX_RESERVED]; /* memreserve + /reserved-memory */
	int nreserved;

	struct boot_hart harts[BOOT_MAX_HARTS]; /* cpus with status okay */
	int nharts;
	uint64_t timebase_hz; /* /cpus timebase-frequency */

	struct boot_mmio_device uart; /* ns16550a, from /chosen stdout-path if set */
	struct boot_mmio_device plic; /* riscv,plic0 or sifive,plic-1.0.0 */
	uint32_t plic_ndev;           /* riscv,ndev */
	struct boot_mmio_device poweroff; /* sifive,test0 ("syscon"); base 0 if absent */
	struct boot_mmio_device rtc;      /* google,goldfish-rtc; base 0 if absent */

	struct boot_mmio_device virtio[BOOT_MAX_VIRTIO]; /* virtio,mmio, by address */
	int nvirtio;

	uint64_t initrd_start; /* /chosen linux,initrd-start; 0 when absent */
	uint64_t initrd_end;
	char bootargs[BOOT_BOOTARGS_MAX]; /* /chosen bootargs, "" when absent */

	uint64_t fdt_size; /* totalsize from the header */
};

/*
 * Parse the blob at `fdt` (at most `max_size` bytes may be read) into `info`.
 * Returns 0, or a negative errno: -EINVAL for a bad magic/version or a
 * structure that runs past the blob, -ENODEV when no memory or no hart is
 * described.  Never reads outside [fdt, fdt + min(totalsize, max_size)).
 */
int fdt_parse(const void *fdt, size_t max_size, struct boot_info *info);

#endif /* KEEL_BOOT_FDT_H */
