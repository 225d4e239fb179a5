/*
 * fdt_walk.c - the device tree blob, read with every bound checked.
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
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <keel/errno.h>

#include "boot/fdt_walk.h"
#include "lib/string.h"

#define FDT_MAGIC 0xd00dfeedu
#define FDT_V16_HEADER_SIZE 36
#define FDT_V17_HEADER_SIZE 40

/* The blocks the header describes must all lie inside the blob. */
int fdt_check_header(const void *fdt, size_t max_size,
			    struct fdt_blob *blob)
{
	const uint8_t *p = fdt;
	uint32_t totalsize, version, header_size, struct_size;

	if (!fdt || max_size < FDT_V16_HEADER_SIZE)
		return -EINVAL;
	if (fdt_be32(p) != FDT_MAGIC)
		return -EINVAL;
	totalsize = fdt_be32(p + 4);
	if (totalsize < FDT_V16_HEADER_SIZE || totalsize > max_size)
		return -EINVAL;
	version = fdt_be32(p + 20);
	if (version < 16 || fdt_be32(p + 24) > 17)
		return -EINVAL;
	header_size = version >= 17 ? FDT_V17_HEADER_SIZE : FDT_V16_HEADER_SIZE;
	if (totalsize < header_size)
		return -EINVAL;

	blob->base = p;
	blob->size = totalsize;
	blob->struct_offset = fdt_be32(p + 8);
	blob->strings_offset = fdt_be32(p + 12);
	blob->rsvmap_offset = fdt_be32(p + 16);
	blob->strings_size = fdt_be32(p + 32);
	if (blob->struct_offset < header_size ||
	    blob->struct_offset > totalsize || blob->struct_offset % 4)
		return -EINVAL;
	struct_size = version >= 17 ? fdt_be32(p + 36)
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
int fdt_next_token(const struct fdt_blob *blob, uint32_t offset,
			  struct fdt_token *tok)
{
	const uint8_t *p = blob->base;
	uint32_t end = blob->struct_end, nameoff, room;
	uint64_t next;

	if (offset % 4 || offset < blob->struct_offset || offset > end ||
	    end - offset < 4)
		return -EINVAL;
	tok->tag = fdt_be32(p + offset);
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
		tok->len = fdt_be32(p + offset + 4);
		nameoff = fdt_be32(p + offset + 8);
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
static const uint8_t *fdt_prop(const struct fdt_node *node, const char *name,
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
static bool fdt_prop_is(const struct fdt_node *node, const char *name,
			 const char *want)
{
	uint32_t len;
	const uint8_t *value = fdt_prop(node, name, &len);

	return value && len == strlen(want) + 1 &&
	       memcmp(value, want, len) == 0;
}

/* Does the node's compatible string list hold `want`? */
static bool fdt_compatible(const struct fdt_node *node, const char *want)
{
	uint32_t len, n;
	const char *s = (const char *)fdt_prop(node, "compatible", &len);

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
static bool fdt_available(const struct fdt_node *node)
{
	uint32_t len;

	if (!fdt_prop(node, "status", &len))
		return true;
	return fdt_prop_is(node, "status", "okay") ||
	       fdt_prop_is(node, "status", "ok");
}

/* A one-cell property.  0, -ENOENT when absent, -EINVAL when not 4 bytes. */
static int fdt_prop_u32(const struct fdt_node *node, const char *name,
		    uint32_t *out)
{
	uint32_t len;
	const uint8_t *value = fdt_prop(node, name, &len);

	if (!value)
		return -ENOENT;
	if (len != 4)
		return -EINVAL;
	*out = fdt_be32(value);
	return 0;
}

/* A one- or two-cell number (initrd bounds, timebase-frequency). */
static int fdt_prop_u64(const struct fdt_node *node, const char *name,
		    uint64_t *out)
{
	uint32_t len;
	const uint8_t *value = fdt_prop(node, name, &len);

	if (!value)
		return -ENOENT;
	if (len == 4)
		*out = fdt_be32(value);
	else if (len == 8)
		*out = fdt_be64(value);
	else
		return -EINVAL;
	return 0;
}

static uint64_t read_cells(const uint8_t *p, uint32_t cells)
{
	return cells == 0 ? 0 : cells == 1 ? fdt_be32(p) : fdt_be64(p);
}

/*
 * The index-th (address, size) pair of the node's reg, decoded with the
 * parent's cell counts.  Returns 0, -ENOENT when there is no such pair, or
 * -EINVAL when reg is malformed or wider than 64 bits.
 */
static int fdt_reg(const struct fdt_node *node, uint32_t index,
		    struct boot_range *range)
{
	uint32_t len, ac = node->reg_address_cells, sc = node->reg_size_cells;
	const uint8_t *reg = fdt_prop(node, "reg", &len);
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
static int fdt_irq(const struct fdt_node *node, uint32_t *irq)
{
	uint32_t len;
	const uint8_t *value;

	*irq = 0;
	value = fdt_prop(node, "interrupts", &len);
	if (value) {
		if (len % 4)
			return -EINVAL;
		if (len)
			*irq = fdt_be32(value);
		return 0;
	}
	value = fdt_prop(node, "interrupts-extended", &len);
	if (value) {
		if (len % 8)
			return -EINVAL;
		if (len)
			*irq = fdt_be32(value + 4);
	}
	return 0;
}

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
	*cells = fdt_be32(tok->value);
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
 * FDT_WALK_STOP), a visitor's negative errno, or -EINVAL for a malformed stream.
 */
int fdt_walk(const struct fdt_blob *blob, fdt_visit_fn visit, void *ctx)
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
			return err == FDT_WALK_STOP ? 0 : err;
	}
}

