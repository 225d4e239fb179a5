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
 * Nothing in the blob can be trusted, so every read goes through a checked
 * door: fdt_check_header() proves that each block lies inside
 * min(totalsize, max_size); fdt_reserve_entry() reads one memreserve pair
 * only when all 16 bytes are inside; fdt_next_token() proves, for one token,
 * that the token, its name and its value lie inside their blocks and that
 * every name is NUL-terminated there.  Nothing else touches the blob's bytes
 * except through a pointer and length that fdt_next_token() returned.
 *
 * fdt_walk() turns the token stream into a depth-first visit of nodes.  A
 * node is handed to the visitor when its property list is complete (at its
 * first child or its END_NODE): properties come before subnodes, so by then
 * the parent's #address-cells and #size-cells are known and the node's reg
 * can be decoded with them (2 and 1 when the parent says nothing).  The walk
 * refuses nesting deeper than FDT_MAX_DEPTH, a property after a subnode, an
 * unbalanced END_NODE, a second root and unknown tokens.  The walk keeps no
 * state outside its own stack frame, so walking twice costs only time.
 *
 * The questions at the end (fdt_prop, fdt_reg, fdt_compatible...) rescan a
 * node's property list from its first token: lists are short, and nothing
 * has to be remembered or allocated.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <keel/errno.h>

#include "boot/fdt_walk.h"
#include "lib/string.h"

#define FDT_MAGIC	    0xd00dfeedu
#define FDT_V16_HEADER_SIZE 36
#define FDT_V17_HEADER_SIZE 40

/* The blocks the header describes must all lie inside the blob. */
int fdt_check_header(const void *fdt, size_t max_size, struct fdt_blob *blob)
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
	struct_size =
	    version >= 17 ? fdt_be32(p + 36) : totalsize - blob->struct_offset;
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

int fdt_reserve_entry(const struct fdt_blob *blob, uint32_t index,
		      uint64_t *base, uint64_t *size)
{
	uint64_t off = blob->rsvmap_offset + (uint64_t)index * 16;

	if (off + 16 > blob->size)
		return -EINVAL; /* no (0, 0) terminator inside the blob */
	*base = fdt_be64(blob->base + off);
	*size = fdt_be64(blob->base + off + 8);
	return *base == 0 && *size == 0 ? -ENOENT : 0;
}

/* ---- the walk --------------------------------------------------------- */

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

/* ---- questions about one node ----------------------------------------- */

const uint8_t *fdt_prop_named(const struct fdt_node *node, const char *name,
			      size_t name_len, uint32_t *len)
{
	struct fdt_token tok;

	for (uint32_t off = node->props_start; off < node->props_end;
	     off = tok.next) {
		if (fdt_next_token(node->blob, off, &tok))
			return NULL;
		if (tok.tag == FDT_PROP &&
		    strncmp(tok.name, name, name_len) == 0 &&
		    tok.name[name_len] == '\0') {
			*len = tok.len;
			return tok.value;
		}
	}
	return NULL;
}

const uint8_t *fdt_prop(const struct fdt_node *node, const char *name,
			uint32_t *len)
{
	return fdt_prop_named(node, name, strlen(name), len);
}

bool fdt_prop_is(const struct fdt_node *node, const char *name,
		 const char *want)
{
	uint32_t len;
	const uint8_t *value = fdt_prop(node, name, &len);

	return value && len == strlen(want) + 1 &&
	       memcmp(value, want, len) == 0;
}

int fdt_prop_u32(const struct fdt_node *node, const char *name, uint32_t *out)
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

int fdt_prop_u64(const struct fdt_node *node, const char *name, uint64_t *out)
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

bool fdt_compatible(const struct fdt_node *node, const char *want)
{
	uint32_t len, n;
	const char *s = (const char *)fdt_prop(node, "compatible", &len);

	if (!s)
		return false;
	while (len > 0) {
		n = strnlen(s, len);
		if (n == len)
			return false; /* an unterminated last entry */
		if (strcmp(s, want) == 0)
			return true;
		s += n + 1;
		len -= n + 1;
	}
	return false;
}

bool fdt_available(const struct fdt_node *node)
{
	uint32_t len;

	if (!fdt_prop(node, "status", &len))
		return true;
	return fdt_prop_is(node, "status", "okay") ||
	       fdt_prop_is(node, "status", "ok");
}

static uint64_t read_cells(const uint8_t *p, uint32_t cells)
{
	return cells == 0 ? 0 : cells == 1 ? fdt_be32(p) : fdt_be64(p);
}

int fdt_reg(const struct fdt_node *node, uint32_t index,
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

int fdt_irq(const struct fdt_node *node, uint32_t *irq)
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
	/* (phandle, irq) pairs: the interrupt parent has one cell. */
	value = fdt_prop(node, "interrupts-extended", &len);
	if (value) {
		if (len % 8)
			return -EINVAL;
		if (len)
			*irq = fdt_be32(value + 4);
	}
	return 0;
}

/* Does path component `part` (len bytes) name a node called `name`? */
static bool name_matches(const char *name, const char *part, size_t len)
{
	if (strncmp(name, part, len) != 0)
		return false;
	return name[len] == '\0' || name[len] == '@';
}

bool fdt_node_is_at(const struct fdt_node *node, const char *path, size_t len)
{
	size_t start;

	/* Match components from the last one up, node by parent. */
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
