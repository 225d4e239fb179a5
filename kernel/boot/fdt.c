/*
 * fdt.c - what Keel takes from the device tree, and how it finds it.
 *
 * fdt_walk.c reads the blob safely; this file decides what the nodes mean.
 * fdt_parse() runs in three steps:
 *
 *   1. The memreserve block, then one walk whose visitor, collect_node(),
 *      recognises the handful of nodes Keel uses:
 *        - any node with device_type "memory": its reg ranges are RAM;
 *        - /cpus: timebase-frequency (a cpu node may carry it instead);
 *        - /cpus/cpu@N with device_type "cpu" and status okay: a hart whose
 *          id is reg, and whose interrupt-controller child (riscv,cpu-intc)
 *          gives the phandle the PLIC's interrupts-extended refers to;
 *        - /chosen: linux,initrd-start/-end (one or two cells), bootargs,
 *          stdout-path; /aliases, kept for step 2;
 *        - /reserved-memory children: their reg ranges, like memreserve
 *          entries, are memory Keel must not hand out (OpenSBI's own);
 *        - by compatible: the first PLIC (riscv,plic0 or sifive,plic-1.0.0),
 *          the first ns16550a UART, the first sifive,test0 (power-off),
 *          the first google,goldfish-rtc (the wall clock) and every
 *          virtio,mmio slot, kept sorted by address.
 *      Every node is decoded with its parent's #address-cells/#size-cells.
 *
 *   2. The console.  stdout-path ("serial0:115200n8", "/soc/serial@1000")
 *      may start with an alias defined anywhere in the tree, so it is
 *      resolved after the walk, and a second walk finds the node it names.
 *      When it names nothing Keel can drive, the first ns16550a is used.
 *
 *   3. PLIC contexts.  The PLIC's interrupts-extended is a list of
 *      (intc phandle, irq) pairs, one per context, in context order.  A
 *      hart's S-mode context is the index of the pair naming its interrupt
 *      controller with irq 9, the supervisor external interrupt (on QEMU
 *      virt, hart i has M-mode context 2i and S-mode context 2i + 1).
 *
 * Error policy: a malformed blob is -EINVAL, and so is a value Keel cannot
 * honour safely: a reg wider than 64 bits, a cpu without a 32-bit hart id,
 * more reserved ranges than BOOT_MAX_RESERVED (dropping one could hand out
 * firmware memory).  Memory ranges, harts and virtio slots beyond their
 * tables are dropped: that only leaves something unused.  A /chosen
 * bootargs longer than BOOT_BOOTARGS_MAX - 1 is cut, as Linux does.
 * *info is zeroed first, and zeroed again on any failure.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <keel/errno.h>

#include "boot/fdt.h"
#include "boot/fdt_walk.h"
#include "lib/string.h"

#define FDT_PATH_MAX	     256
#define RISCV_IRQ_S_EXTERNAL 9

/* What the walk of step 1 gathers beyond *info, for steps 2 and 3. */
struct collector {
	struct boot_info *info;
	int cpu_hart;		 /* harts[] slot of the last cpu node, or -1 */
	uint32_t cpu_props;	 /* that node's props_start: its identity */
	const char *stdout_path; /* /chosen stdout-path, NUL-terminated */
	struct fdt_node aliases; /* /aliases, parent cleared; or name NULL */
	const uint8_t *plic_contexts; /* PLIC interrupts-extended */
	uint32_t plic_contexts_len;
	bool have_plic;
	struct boot_mmio_device first_uart; /* first ns16550a, the fallback */
	bool have_first_uart;
	bool have_poweroff;
	bool have_rtc;
};

/* A device's first reg range and its interrupt. */
static int node_device(const struct fdt_node *node,
		       struct boot_mmio_device *dev)
{
	struct boot_range range;
	int err = fdt_reg(node, 0, &range);

	if (err)
		return err;
	dev->base = range.base;
	dev->size = range.size;
	return fdt_irq(node, &dev->irq);
}

static bool is_child_of(const struct fdt_node *node, const char *parent_name)
{
	return node->depth == 2 && strcmp(node->parent->name, parent_name) == 0;
}

static int add_reserved(struct boot_info *info, uint64_t base, uint64_t size)
{
	if (size == 0)
		return 0;
	if (base + size < base || info->nreserved == BOOT_MAX_RESERVED)
		return -EINVAL;
	info->reserved[info->nreserved].base = base;
	info->reserved[info->nreserved].size = size;
	info->nreserved++;
	return 0;
}

static int collect_memreserve(const struct fdt_blob *blob,
			      struct boot_info *info)
{
	uint64_t base, size;
	int err;

	for (uint32_t i = 0;; i++) {
		err = fdt_reserve_entry(blob, i, &base, &size);
		if (err)
			return err == -ENOENT ? 0 : err;
		err = add_reserved(info, base, size);
		if (err)
			return err;
	}
}

/* Every reg range of node, as RAM or (reserved) as memory not to touch. */
static int collect_ranges(const struct fdt_node *node, struct boot_info *info,
			  bool reserved)
{
	struct boot_range range;
	int err;

	for (uint32_t i = 0;; i++) {
		err = fdt_reg(node, i, &range);
		if (err)
			return err == -ENOENT ? 0 : err;
		if (reserved) {
			err = add_reserved(info, range.base, range.size);
			if (err)
				return err;
		} else if (range.size && info->nmemory < BOOT_MAX_MEMORY) {
			info->memory[info->nmemory++] = range;
		}
	}
}

static int collect_cpu(struct collector *c, const struct fdt_node *node)
{
	struct boot_info *info = c->info;
	struct boot_hart *hart;
	struct boot_range reg;
	uint64_t timebase;

	c->cpu_hart = -1;
	if (!fdt_available(node))
		return 0;
	if (fdt_reg(node, 0, &reg) || reg.base > UINT32_MAX)
		return -EINVAL; /* a cpu without a usable hart id */
	/* /cpus comes first; a cpu's own value counts only without one. */
	if (!info->timebase_hz &&
	    fdt_prop_u64(node, "timebase-frequency", &timebase) == 0)
		info->timebase_hz = timebase;
	if (info->nharts == BOOT_MAX_HARTS)
		return 0;
	hart = &info->harts[info->nharts];
	hart->hartid = (uint32_t)reg.base;
	hart->intc_phandle = 0;
	hart->plic_context = -1;
	c->cpu_hart = info->nharts++;
	c->cpu_props = node->props_start;
	return 0;
}

/* The interrupt controller of the cpu node collect_cpu() saw last. */
static bool is_hart_intc(const struct collector *c, const struct fdt_node *node)
{
	return c->cpu_hart >= 0 && node->depth == 3 &&
	       node->parent->props_start == c->cpu_props &&
	       (fdt_compatible(node, "riscv,cpu-intc") ||
		strcmp(node->name, "interrupt-controller") == 0);
}

static int collect_chosen(struct collector *c, const struct fdt_node *node)
{
	struct boot_info *info = c->info;
	uint32_t len;
	const char *text;
	int err_start, err_end;

	err_start =
	    fdt_prop_u64(node, "linux,initrd-start", &info->initrd_start);
	err_end = fdt_prop_u64(node, "linux,initrd-end", &info->initrd_end);
	if (err_start == -EINVAL || err_end == -EINVAL ||
	    err_start != err_end || info->initrd_end < info->initrd_start)
		return -EINVAL; /* one bound without the other, or reversed */

	text = (const char *)fdt_prop(node, "bootargs", &len);
	if (text) {
		if (len == 0 || text[len - 1] != '\0')
			return -EINVAL;
		strlcpy(info->bootargs, text, sizeof(info->bootargs));
	}
	text = (const char *)fdt_prop(node, "stdout-path", &len);
	if (text) {
		if (len == 0 || text[len - 1] != '\0')
			return -EINVAL;
		c->stdout_path = text;
	}
	return 0;
}

static int collect_plic(struct collector *c, const struct fdt_node *node)
{
	struct boot_info *info = c->info;
	uint32_t len = 0;

	/* node_device() also checks that interrupts-extended is whole pairs. */
	if (node_device(node, &info->plic) ||
	    fdt_prop_u32(node, "riscv,ndev", &info->plic_ndev))
		return -EINVAL; /* a PLIC without registers or a source count */
	info->plic.irq = 0;
	c->plic_contexts = fdt_prop(node, "interrupts-extended", &len);
	c->plic_contexts_len = len;
	c->have_plic = true;
	return 0;
}

static int collect_virtio(struct boot_info *info, const struct fdt_node *node)
{
	struct boot_mmio_device dev;
	int i, err = node_device(node, &dev);

	if (err)
		return err == -ENOENT ? 0 : err;
	/* Keep the table sorted by address, holding the lowest slots. */
	i = info->nvirtio;
	if (i == BOOT_MAX_VIRTIO) {
		if (dev.base >= info->virtio[i - 1].base)
			return 0;
		i--;
	} else {
		info->nvirtio++;
	}
	for (; i > 0 && info->virtio[i - 1].base > dev.base; i--)
		info->virtio[i] = info->virtio[i - 1];
	info->virtio[i] = dev;
	return 0;
}

/* The first device of a kind wins; a node without reg is not a device. */
static int collect_first(const struct fdt_node *node,
			 struct boot_mmio_device *dev, bool *have)
{
	int err;

	if (*have)
		return 0;
	err = node_device(node, dev);
	*have = err == 0;
	return err == -ENOENT ? 0 : err;
}

/* The fdt_walk() visitor of step 1. */
static int collect_node(void *ctx, const struct fdt_node *node)
{
	struct collector *c = ctx;
	struct boot_info *info = c->info;
	uint32_t phandle;
	uint64_t timebase;
	int err;

	if (node->depth == 1 && strcmp(node->name, "cpus") == 0) {
		err = fdt_prop_u64(node, "timebase-frequency", &timebase);
		if (err == -EINVAL)
			return err;
		if (!err)
			info->timebase_hz = timebase;
		return 0;
	}
	if (is_child_of(node, "cpus") &&
	    fdt_prop_is(node, "device_type", "cpu"))
		return collect_cpu(c, node);
	if (is_hart_intc(c, node)) {
		if (fdt_prop_u32(node, "phandle", &phandle) == 0 ||
		    fdt_prop_u32(node, "linux,phandle", &phandle) == 0)
			info->harts[c->cpu_hart].intc_phandle = phandle;
		return 0;
	}
	if (node->depth == 1 && strcmp(node->name, "chosen") == 0)
		return collect_chosen(c, node);
	if (node->depth == 1 && strcmp(node->name, "aliases") == 0) {
		c->aliases = *node;
		c->aliases.parent = NULL;
		return 0;
	}
	if (!fdt_available(node))
		return 0;
	if (is_child_of(node, "reserved-memory"))
		return collect_ranges(node, info, true);
	if (fdt_prop_is(node, "device_type", "memory"))
		return collect_ranges(node, info, false);
	if (fdt_compatible(node, "riscv,plic0") ||
	    fdt_compatible(node, "sifive,plic-1.0.0"))
		return c->have_plic ? 0 : collect_plic(c, node);
	if (fdt_compatible(node, "ns16550a"))
		return collect_first(node, &c->first_uart, &c->have_first_uart);
	if (fdt_compatible(node, "sifive,test0"))
		return collect_first(node, &info->poweroff, &c->have_poweroff);
	if (fdt_compatible(node, "google,goldfish-rtc"))
		return collect_first(node, &info->rtc, &c->have_rtc);
	if (fdt_compatible(node, "virtio,mmio"))
		return collect_virtio(info, node);
	return 0;
}

/*
 * Turn stdout-path into an absolute path in `out`: drop ":options", and
 * replace a leading alias with its value from /aliases.  false when the
 * alias is unknown or the result does not fit.
 */
static bool resolve_stdout_path(const struct collector *c, char *out,
				size_t size)
{
	const char *path = c->stdout_path, *alias;
	size_t len, alias_len;
	uint32_t value_len = 0;

	for (len = 0; path[len] && path[len] != ':'; len++)
		;
	alias_len = 0;
	alias = "";
	if (path[0] != '/') {
		if (!c->aliases.name)
			return false;
		while (alias_len < len && path[alias_len] != '/')
			alias_len++;
		alias = (const char *)fdt_prop_named(&c->aliases, path,
						     alias_len, &value_len);
		if (!alias || value_len < 2 || alias[0] != '/' ||
		    alias[value_len - 1] != '\0')
			return false;
		value_len--; /* the NUL */
	}
	if (value_len + (len - alias_len) >= size)
		return false;
	memcpy(out, alias, value_len);
	memcpy(out + value_len, path + alias_len, len - alias_len);
	out[value_len + len - alias_len] = '\0';
	return true;
}

struct path_search {
	const char *path;
	struct boot_mmio_device *uart;
	bool found;
};

/* The fdt_walk() visitor of step 2. */
static int find_stdout_node(void *ctx, const struct fdt_node *node)
{
	struct path_search *search = ctx;
	struct boot_mmio_device uart;

	if (!fdt_node_is_at(node, search->path, strlen(search->path)))
		return 0;
	/* A console Keel cannot drive leaves the ns16550a fallback. */
	if (fdt_available(node) && fdt_compatible(node, "ns16550a") &&
	    node_device(node, &uart) == 0) {
		*search->uart = uart;
		search->found = true;
	}
	return FDT_WALK_STOP;
}

/* Step 3: each hart's S-mode context; -1 stays when there is none. */
static void match_plic_contexts(const struct collector *c)
{
	struct boot_info *info = c->info;
	struct boot_hart *hart;
	const uint8_t *pair;

	for (int h = 0; h < info->nharts; h++) {
		hart = &info->harts[h];
		for (uint32_t i = 0; i < c->plic_contexts_len / 8; i++) {
			pair = c->plic_contexts + i * 8;
			if (hart->intc_phandle &&
			    fdt_be32(pair) == hart->intc_phandle &&
			    fdt_be32(pair + 4) == RISCV_IRQ_S_EXTERNAL) {
				hart->plic_context = (int)i;
				break;
			}
		}
	}
}

static int parse(const void *fdt, size_t max_size, struct boot_info *info)
{
	struct fdt_blob blob;
	struct collector c = {.info = info, .cpu_hart = -1};
	struct path_search search = {.uart = &info->uart};
	char path[FDT_PATH_MAX];
	int err;

	err = fdt_check_header(fdt, max_size, &blob);
	if (err)
		return err;
	info->fdt_size = blob.size;
	err = collect_memreserve(&blob, info);
	if (err)
		return err;
	err = fdt_walk(&blob, collect_node, &c);
	if (err)
		return err;

	if (c.stdout_path && resolve_stdout_path(&c, path, sizeof(path))) {
		search.path = path;
		err = fdt_walk(&blob, find_stdout_node, &search);
		if (err)
			return err;
	}
	if (!search.found && c.have_first_uart)
		info->uart = c.first_uart;
	match_plic_contexts(&c);

	if (info->nmemory == 0 || info->nharts == 0)
		return -ENODEV;
	return 0;
}

int fdt_parse(const void *fdt, size_t max_size, struct boot_info *info)
{
	int err;

	memset(info, 0, sizeof(*info));
	err = parse(fdt, max_size, info);
	if (err)
		memset(info, 0, sizeof(*info));
	return err;
}
