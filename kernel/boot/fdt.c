/*
 * fdt.c - reading the flattened device tree, once, at boot.
 *
 * The blob OpenSBI hands over is a big-endian byte image in four parts:
 *
 *   header        40 bytes of u32: magic 0xd00dfeed, totalsize, the offsets
 *                 of the three blocks below, version, last_comp_version,
 *                 boot_cpuid_phys, size_dt_strings, size_dt_struct (v17)
 *   memreserve    (u64 address, u64 size) pairs, ended by a (0, 0) pair
 *   structure     a stream of u32 tokens, each 4-byte aligned:
 *                   BEGIN_NODE name '\0' pad   a node opens ("" is the root)
 *                   PROP len nameoff value pad a property of the open node
 *                   END_NODE                   the open node closes
 *                   NOP                        nothing (left by editors)
 *                   END                        the stream ends
 *   strings       property names, NUL-terminated, found by nameoff
 *
 * Nothing in the blob can be trusted, so every read goes through one of two
 * checked doors: fdt_check_header() proves that each block lies inside
 * min(totalsize, max_size), and fdt_next_token() proves, for one token, that
 * the token, its name and its value lie inside their blocks and that every
 * name is NUL-terminated there.  Nothing else touches the blob's bytes except
 * through a pointer and length one of them returned.
 *
 * fdt_walk() turns the token stream into a depth-first visit of nodes.  A
 * node is handed to the visitor when its property list is complete (at its
 * first child or its END_NODE): properties come before subnodes, so by then
 * the parent's #address-cells and #size-cells are known and the node's reg
 * can be decoded with them (2 and 1 when the parent says nothing).  The walk
 * refuses nesting deeper than FDT_MAX_DEPTH, a property after a subnode, an
 * unbalanced END_NODE, a second root and unknown tokens.
 *
 * fdt_parse() runs three steps:
 *
 *   1. the memreserve block, then one walk whose visitor recognises the
 *      handful of nodes Keel uses: memory, /cpus and its cpu nodes with their
 *      interrupt-controller children, /chosen, /aliases, /reserved-memory,
 *      the PLIC, 16550 UARTs, the SiFive test device and virtio-mmio slots;
 *   2. the console: /chosen stdout-path may name an alias defined anywhere,
 *      so it is resolved after the walk and a second walk finds its node;
 *   3. PLIC contexts: the PLIC's interrupts-extended lists (phandle, irq)
 *      pairs, one per context; a hart's S-mode context is the pair naming its
 *      interrupt controller with irq 9 (supervisor external interrupt).
 *
 * Error policy: any malformed structure is -EINVAL, and so is a value Keel
 * cannot honour safely (a reg wider than 64 bits, more reserved ranges than
 * BOOT_MAX_RESERVED).  Surplus memory ranges, harts and virtio slots beyond
 * the table sizes are dropped (less to use, nothing unsafe).  On any failure
 * *info is left zeroed, so nothing half-parsed survives.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <keel/errno.h>

#include "boot/fdt.h"
#include "lib/string.h"

#define FDT_MAGIC 0xd00dfeedu
#define FDT_V16_HEADER_SIZE 36
#define FDT_V17_HEADER_SIZE 40
#define FDT_MAX_DEPTH 16
#define FDT_PATH_MAX 256

#define FDT_BEGIN_NODE 1
#define FDT_END_NODE 2
#define FDT_PROP 3
#define FDT_NOP 4
#define FDT_END 9

#define RISCV_IRQ_S_EXTERNAL 9
#define WALK_STOP 1 /* a visitor's "found it": the walk ends with 0 */

struct fdt_blob {
	const uint8_t *base;
	uint32_t size; /* totalsize, already checked <= max_size */
	uint32_t rsvmap_offset;
	uint32_t struct_offset, struct_end;
	uint32_t strings_offset, strings_size;
};

struct fdt_token {
	uint32_t tag;
	uint32_t offset, next; /* where this token starts; the next one */
	const char *name;      /* node name, or property name */
	const uint8_t *value;  /* property value, len bytes */
	uint32_t len;
};

struct fdt_node {
	const struct fdt_blob *blob;
	const struct fdt_node *parent; /* NULL for the root */
	const char *name;
	int depth;                       /* 0 for the root */
	uint32_t props_start, props_end; /* token offsets of its property list */
	uint32_t reg_address_cells;      /* the parent's, to decode our reg */
	uint32_t reg_size_cells;
	uint32_t address_cells, size_cells; /* our own, for our children */
	bool visited;
};

typedef int (*fdt_visit_fn)(void *ctx, const struct fdt_node *node);

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* The blocks the header describes must all lie inside the blob. */
static int fdt_check_header(const void *fdt, size_t max_size,
			    struct fdt_blob *blob)
{
	const uint8_t *p = fdt;
	uint32_t totalsize, version, header_size, struct_size;

	if (!fdt || max_size < FDT_V16_HEADER_SIZE)
		return -EINVAL;
	if (be32(p) != FDT_MAGIC)
		return -EINVAL;
	totalsize = be32(p + 4);
	if (totalsize < FDT_V16_HEADER_SIZE || totalsize > max_size)
		return -EINVAL;
	version = be32(p + 20);
	if (version < 16 || be32(p + 24) > 17)
		return -EINVAL;
	header_size = version >= 17 ? FDT_V17_HEADER_SIZE : FDT_V16_HEADER_SIZE;
	if (totalsize < header_size)
		return -EINVAL;

	blob->base = p;
	blob->size = totalsize;
	blob->struct_offset = be32(p + 8);
	blob->strings_offset = be32(p + 12);
	blob->rsvmap_offset = be32(p + 16);
	blob->strings_size = be32(p + 32);
	if (blob->struct_offset < header_size ||
	    blob->struct_offset > totalsize || blob->struct_offset % 4)
		return -EINVAL;
	struct_size = version >= 17 ? be32(p + 36)
				    : totalsize - blob->struct_offset;
	if ((uint64_t)blob->struct_offset + struct_size > totalsize)
		return -EINVAL;
	blob->struct_end = blob->struct_offset + struct_size;
	if (blob->strings_offset < header_size ||
	    (uint64_t)blob->strings_offset + blob->strings_size > totalsize)
		return -EINVAL;
	if (blob->rsvmap_offset < header_size ||
	    blob->rsvmap_offset > totalsize || blob->rsvmap_offset % 8)
		return -EINVAL;
	return 0;
}

/*
 * Decode the token at `offset` of the structure block.  Returns 0 with *tok
 * filled (its name, value and next offset all proven inside the blob), or
 * -EINVAL.  Offsets strictly increase, so a loop over tokens ends.
 */
static int fdt_next_token(const struct fdt_blob *blob, uint32_t offset,
			  struct fdt_token *tok)
{
	const uint8_t *p = blob->base;
	uint32_t end = blob->struct_end, nameoff, room;
	uint64_t next;

	if (offset % 4 || offset < blob->struct_offset || offset > end ||
	    end - offset < 4)
		return -EINVAL;
	tok->tag = be32(p + offset);
	tok->offset = offset;
	tok->name = NULL;
	tok->value = NULL;
	tok->len = 0;
	next = (uint64_t)offset + 4;

	switch (tok->tag) {
	case FDT_BEGIN_NODE:
		room = end - (offset + 4);
		tok->name = (const char *)p + offset + 4;
		if (strnlen(tok->name, room) == room)
			return -EINVAL; /* the name runs off the block */
		next += strlen(tok->name) + 1;
		break;
	case FDT_PROP:
		if (end - offset < 12)
			return -EINVAL;
		tok->len = be32(p + offset + 4);
		nameoff = be32(p + offset + 8);
		if (tok->len > end - (offset + 12))
			return -EINVAL;
		if (nameoff >= blob->strings_size)
			return -EINVAL;
		room = blob->strings_size - nameoff;
		tok->name = (const char *)p + blob->strings_offset + nameoff;
		if (strnlen(tok->name, room) == room)
			return -EINVAL;
		tok->value = p + offset + 12;
		next += 8 + (uint64_t)tok->len;
		break;
	case FDT_END_NODE:
	case FDT_NOP:
	case FDT_END:
		break;
	default:
		return -EINVAL;
	}
	next = (next + 3) & ~(uint64_t)3;
	if (next > end)
		return -EINVAL;
	tok->next = (uint32_t)next;
	return 0;
}

/* Find property `name` of `node`.  NULL when absent. */
static const uint8_t *node_prop(const struct fdt_node *node, const char *name,
				uint32_t *len)
{
	struct fdt_token tok;

	for (uint32_t off = node->props_start; off < node->props_end;
	     off = tok.next) {
		if (fdt_next_token(node->blob, off, &tok))
			return NULL;
		if (tok.tag == FDT_PROP && strcmp(tok.name, name) == 0) {
			*len = tok.len;
			return tok.value;
		}
	}
	return NULL;
}

/* Is property `name` exactly the string `want`? */
static bool node_prop_is(const struct fdt_node *node, const char *name,
			 const char *want)
{
	uint32_t len;
	const uint8_t *value = node_prop(node, name, &len);

	return value && len == strlen(want) + 1 &&
	       memcmp(value, want, len) == 0;
}

/* Does the node's compatible string list hold `want`? */
static bool node_compatible(const struct fdt_node *node, const char *want)
{
	uint32_t len, n;
	const char *s = (const char *)node_prop(node, "compatible", &len);

	if (!s)
		return false;
	while (len > 0) {
		n = strnlen(s, len);
		if (n == len)
			return false; /* unterminated last entry */
		if (strcmp(s, want) == 0)
			return true;
		s += n + 1;
		len -= n + 1;
	}
	return false;
}

/* A node is in use unless its status says otherwise. */
static bool node_available(const struct fdt_node *node)
{
	uint32_t len;

	if (!node_prop(node, "status", &len))
		return true;
	return node_prop_is(node, "status", "okay") ||
	       node_prop_is(node, "status", "ok");
}

/* A one-cell property.  0, -ENOENT when absent, -EINVAL when not 4 bytes. */
static int node_u32(const struct fdt_node *node, const char *name,
		    uint32_t *out)
{
	uint32_t len;
	const uint8_t *value = node_prop(node, name, &len);

	if (!value)
		return -ENOENT;
	if (len != 4)
		return -EINVAL;
	*out = be32(value);
	return 0;
}

/* A one- or two-cell number (initrd bounds, timebase-frequency). */
static int node_u64(const struct fdt_node *node, const char *name,
		    uint64_t *out)
{
	uint32_t len;
	const uint8_t *value = node_prop(node, name, &len);

	if (!value)
		return -ENOENT;
	if (len == 4)
		*out = be32(value);
	else if (len == 8)
		*out = be64(value);
	else
		return -EINVAL;
	return 0;
}

static uint64_t read_cells(const uint8_t *p, uint32_t cells)
{
	return cells == 0 ? 0 : cells == 1 ? be32(p) : be64(p);
}

/*
 * The index-th (address, size) pair of the node's reg, decoded with the
 * parent's cell counts.  Returns 0, -ENOENT when there is no such pair, or
 * -EINVAL when reg is malformed or wider than 64 bits.
 */
static int node_reg(const struct fdt_node *node, uint32_t index,
		    struct boot_range *range)
{
	uint32_t len, ac = node->reg_address_cells, sc = node->reg_size_cells;
	const uint8_t *reg = node_prop(node, "reg", &len);
	uint32_t entry = (ac + sc) * 4;

	if (!reg)
		return -ENOENT;
	if (ac == 0 || ac > 2 || sc > 2 || len % entry)
		return -EINVAL;
	if (index >= len / entry)
		return -ENOENT;
	reg += index * entry;
	range->base = read_cells(reg, ac);
	range->size = read_cells(reg + ac * 4, sc);
	if (range->base + range->size < range->base)
		return -EINVAL;
	return 0;
}

/* The node's PLIC source: interrupts, or the irq of interrupts-extended. */
static int node_irq(const struct fdt_node *node, uint32_t *irq)
{
	uint32_t len;
	const uint8_t *value;

	*irq = 0;
	value = node_prop(node, "interrupts", &len);
	if (value) {
		if (len % 4)
			return -EINVAL;
		if (len)
			*irq = be32(value);
		return 0;
	}
	value = node_prop(node, "interrupts-extended", &len);
	if (value) {
		if (len % 8)
			return -EINVAL;
		if (len)
			*irq = be32(value + 4);
	}
	return 0;
}

/* A device's first reg range and its interrupt. */
static int node_device(const struct fdt_node *node,
		       struct boot_mmio_device *dev)
{
	struct boot_range range;
	int err = node_reg(node, 0, &range);

	if (err)
		return err;
	dev->base = range.base;
	dev->size = range.size;
	return node_irq(node, &dev->irq);
}

/* Remember, for `node`, the #address-cells/#size-cells its children use. */
static int note_cells(struct fdt_node *node, const struct fdt_token *tok)
{
	uint32_t *cells;

	if (strcmp(tok->name, "#address-cells") == 0)
		cells = &node->address_cells;
	else if (strcmp(tok->name, "#size-cells") == 0)
		cells = &node->size_cells;
	else
		return 0;
	if (tok->len != 4)
		return -EINVAL;
	*cells = be32(tok->value);
	return 0;
}

static int visit_node(struct fdt_node *node, uint32_t props_end,
		      fdt_visit_fn visit, void *ctx)
{
	node->props_end = props_end;
	node->visited = true;
	return visit(ctx, node);
}

/*
 * Visit every node depth-first, each once its property list is complete.
 * Returns 0 (the whole stream was well formed, or a visitor returned
 * WALK_STOP), a visitor's negative errno, or -EINVAL for a malformed stream.
 */
static int fdt_walk(const struct fdt_blob *blob, fdt_visit_fn visit, void *ctx)
{
	struct fdt_node stack[FDT_MAX_DEPTH];
	struct fdt_node *node, *top = NULL;
	struct fdt_token tok;
	uint32_t offset = blob->struct_offset;
	bool root_closed = false;
	int depth = 0, err = 0;

	for (;;) {
		if (fdt_next_token(blob, offset, &tok))
			return -EINVAL;
		offset = tok.next;
		switch (tok.tag) {
		case FDT_BEGIN_NODE:
			if (root_closed || depth == FDT_MAX_DEPTH)
				return -EINVAL;
			if (top && !top->visited)
				err = visit_node(top, tok.offset, visit, ctx);
			node = &stack[depth];
			node->blob = blob;
			node->parent = top;
			node->name = tok.name;
			node->depth = depth;
			node->props_start = tok.next;
			node->reg_address_cells = top ? top->address_cells : 2;
			node->reg_size_cells = top ? top->size_cells : 1;
			node->address_cells = 2;
			node->size_cells = 1;
			node->visited = false;
			top = node;
			depth++;
			break;
		case FDT_PROP:
			if (!top || top->visited)
				return -EINVAL; /* outside a node, or late */
			err = note_cells(top, &tok);
			break;
		case FDT_END_NODE:
			if (!top)
				return -EINVAL;
			if (!top->visited)
				err = visit_node(top, tok.offset, visit, ctx);
			depth--;
			top = depth ? &stack[depth - 1] : NULL;
			root_closed = depth == 0;
			break;
		case FDT_NOP:
			break;
		case FDT_END:
			return root_closed ? 0 : -EINVAL;
		}
		if (err)
			return err == WALK_STOP ? 0 : err;
	}
}

/* ---- step 1: collecting what Keel uses ------------------------------- */

struct collector {
	struct boot_info *info;
	int cpu_hart;           /* harts[] slot of the last cpu node, or -1 */
	uint32_t cpu_props;     /* that node's props_start: its identity */
	const char *stdout_path; /* /chosen stdout-path, NUL-terminated */
	struct fdt_node aliases; /* /aliases (parent cleared); name NULL if none */
	const uint8_t *plic_contexts; /* PLIC interrupts-extended */
	uint32_t plic_contexts_len;
	bool have_plic;
	struct boot_mmio_device first_uart; /* first ns16550a, the fallback */
	bool have_first_uart;
};

static bool is_child_of(const struct fdt_node *node, int depth,
			const char *parent_name)
{
	return node->depth == depth && node->parent &&
	       strcmp(node->parent->name, parent_name) == 0 &&
	       node->parent->depth == depth - 1;
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

static int collect_reg_ranges(const struct fdt_node *node,
			      struct boot_info *info, bool reserved)
{
	struct boot_range range;
	int err;

	for (uint32_t i = 0;; i++) {
		err = node_reg(node, i, &range);
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
	int err;

	c->cpu_hart = -1;
	if (!node_available(node))
		return 0;
	err = node_reg(node, 0, &reg);
	if (err)
		return -EINVAL; /* a cpu without a hart id */
	if (reg.base > UINT32_MAX)
		return -EINVAL;
	if (!info->timebase_hz && node_u64(node, "timebase-frequency", &timebase) == 0)
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

static int collect_chosen(struct collector *c, const struct fdt_node *node)
{
	struct boot_info *info = c->info;
	uint32_t len;
	const char *text;
	int err_start, err_end;

	err_start = node_u64(node, "linux,initrd-start", &info->initrd_start);
	err_end = node_u64(node, "linux,initrd-end", &info->initrd_end);
	if (err_start == -EINVAL || err_end == -EINVAL || err_start != err_end ||
	    info->initrd_end < info->initrd_start)
		return -EINVAL; /* one bound without the other, or reversed */

	text = (const char *)node_prop(node, "bootargs", &len);
	if (text) {
		if (len == 0 || text[len - 1] != '\0')
			return -EINVAL;
		/* Longer command lines are cut, as Linux does. */
		strlcpy(info->bootargs, text, sizeof(info->bootargs));
	}
	text = (const char *)node_prop(node, "stdout-path", &len);
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
	uint32_t len;
	int err;

	err = node_device(node, &info->plic);
	if (err)
		return err == -ENOENT ? -EINVAL : err;
	info->plic.irq = 0;
	err = node_u32(node, "riscv,ndev", &info->plic_ndev);
	if (err)
		return -EINVAL;
	c->plic_contexts = node_prop(node, "interrupts-extended", &len);
	c->plic_contexts_len = len;
	if (c->plic_contexts && len % 8)
		return -EINVAL;
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

/* The fdt_walk visitor of step 1. */
static int collect_node(void *ctx, const struct fdt_node *node)
{
	struct collector *c = ctx;
	struct boot_info *info = c->info;
	uint32_t phandle;
	uint64_t timebase;
	int err;

	if (node->depth == 1 && strcmp(node->name, "cpus") == 0) {
		err = node_u64(node, "timebase-frequency", &timebase);
		if (err == -EINVAL)
			return err;
		if (!err)
			info->timebase_hz = timebase;
		return 0;
	}
	if (is_child_of(node, 2, "cpus") &&
	    node_prop_is(node, "device_type", "cpu"))
		return collect_cpu(c, node);
	if (c->cpu_hart >= 0 && node->depth == 3 &&
	    node->parent->props_start == c->cpu_props &&
	    (node_compatible(node, "riscv,cpu-intc") ||
	     strcmp(node->name, "interrupt-controller") == 0)) {
		if (node_u32(node, "phandle", &phandle) &&
		    node_u32(node, "linux,phandle", &phandle))
			return 0;
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
	if (is_child_of(node, 2, "reserved-memory"))
		return node_available(node) ? collect_reg_ranges(node, info, true)
					    : 0;

	if (!node_available(node))
		return 0;
	if (node_prop_is(node, "device_type", "memory"))
		return collect_reg_ranges(node, info, false);
	if (!c->have_plic && (node_compatible(node, "riscv,plic0") ||
			      node_compatible(node, "sifive,plic-1.0.0")))
		return collect_plic(c, node);
	if (node_compatible(node, "ns16550a") && !c->have_first_uart) {
		err = node_device(node, &c->first_uart);
		c->have_first_uart = err == 0;
		return err == -ENOENT ? 0 : err;
	}
	if (node_compatible(node, "sifive,test0") && !info->poweroff.base) {
		err = node_device(node, &info->poweroff);
		return err == -ENOENT ? 0 : err;
	}
	if (node_compatible(node, "virtio,mmio"))
		return collect_virtio(info, node);
	return 0;
}

static int collect_memreserve(const struct fdt_blob *blob,
			      struct boot_info *info)
{
	uint64_t base, size;
	int err;

	for (uint32_t off = blob->rsvmap_offset;; off += 16) {
		if (blob->size - off < 16)
			return -EINVAL; /* no (0, 0) terminator */
		base = be64(blob->base + off);
		size = be64(blob->base + off + 8);
		if (base == 0 && size == 0)
			return 0;
		err = add_reserved(info, base, size);
		if (err)
			return err;
	}
}

/* ---- step 2: the console named by stdout-path ------------------------ */

/* Does path component `part` (len bytes) name a node called `name`? */
static bool name_matches(const char *name, const char *part, size_t len)
{
	if (strncmp(name, part, len) != 0)
		return false;
	/* "serial" names "serial@10000000": the unit address may be left out. */
	return name[len] == '\0' || name[len] == '@';
}

/* Is `path` (len bytes, absolute) the path of `node`? */
static bool node_is_at(const struct fdt_node *node, const char *path,
		       size_t len)
{
	size_t start;

	for (; node->parent; node = node->parent) {
		while (len > 1 && path[len - 1] == '/')
			len--;
		for (start = len; start > 0 && path[start - 1] != '/'; start--)
			;
		if (start == 0 || start == len ||
		    !name_matches(node->name, path + start, len - start))
			return false;
		len = start - 1;
	}
	while (len > 0 && path[len - 1] == '/')
		len--;
	return len == 0 && path[0] == '/';
}

/*
 * Turn stdout-path into an absolute path in `out`: drop ":options", and
 * replace a leading alias with its value from /aliases.  false when the
 * alias is unknown or the result does not fit.
 */
static bool resolve_stdout_path(const struct collector *c, char *out,
				size_t size)
{
	const char *path = c->stdout_path, *rest, *alias;
	size_t len, alias_len, rest_len;
	uint32_t value_len = 0;
	struct fdt_token tok;

	for (len = 0; path[len] && path[len] != ':'; len++)
		;
	if (path[0] == '/') {
		if (len >= size)
			return false;
		memcpy(out, path, len);
		out[len] = '\0';
		return true;
	}
	if (!c->aliases.name)
		return false;
	for (alias_len = 0; alias_len < len && path[alias_len] != '/';
	     alias_len++)
		;
	rest = path + alias_len;
	rest_len = len - alias_len;
	alias = NULL;
	for (uint32_t off = c->aliases.props_start;
	     off < c->aliases.props_end; off = tok.next) {
		if (fdt_next_token(c->aliases.blob, off, &tok))
			return false;
		if (tok.tag == FDT_PROP && strlen(tok.name) == alias_len &&
		    memcmp(tok.name, path, alias_len) == 0) {
			alias = (const char *)tok.value;
			value_len = tok.len;
			break;
		}
	}
	if (!alias || value_len < 2 || alias[value_len - 1] != '\0' ||
	    alias[0] != '/' || value_len - 1 + rest_len >= size)
		return false;
	memcpy(out, alias, value_len - 1);
	memcpy(out + value_len - 1, rest, rest_len);
	out[value_len - 1 + rest_len] = '\0';
	return true;
}

struct path_search {
	const char *path;
	struct boot_mmio_device *uart;
	bool found;
};

static int find_stdout_node(void *ctx, const struct fdt_node *node)
{
	struct path_search *search = ctx;
	struct boot_mmio_device uart;

	if (!node_is_at(node, search->path, strlen(search->path)))
		return 0;
	/* A console Keel cannot drive leaves the ns16550a fallback. */
	if (node_available(node) && node_compatible(node, "ns16550a") &&
	    node_device(node, &uart) == 0) {
		*search->uart = uart;
		search->found = true;
	}
	return WALK_STOP;
}

/* ---- the whole parse ------------------------------------------------- */

static void match_plic_contexts(const struct collector *c)
{
	struct boot_info *info = c->info;
	struct boot_hart *hart;
	uint32_t ncontexts = c->plic_contexts_len / 8;
	const uint8_t *pair;

	for (int h = 0; h < info->nharts; h++) {
		hart = &info->harts[h];
		for (uint32_t i = 0; c->plic_contexts && i < ncontexts; i++) {
			pair = c->plic_contexts + i * 8;
			if (hart->intc_phandle && be32(pair) == hart->intc_phandle &&
			    be32(pair + 4) == RISCV_IRQ_S_EXTERNAL) {
				hart->plic_context = (int)i;
				break;
			}
		}
	}
}

static int parse(const void *fdt, size_t max_size, struct boot_info *info)
{
	struct fdt_blob blob;
	struct collector c = { .info = info, .cpu_hart = -1 };
	struct path_search search = { .uart = &info->uart };
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
