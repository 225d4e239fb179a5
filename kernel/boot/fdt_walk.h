/*
 * fdt_walk.h - checked reading of a flattened device tree (inside boot/).
 *
 * fdt_walk.c is the only code that touches the bytes of a blob; fdt.c asks
 * it questions ("this node's reg", "is it compatible with X") and decides
 * what Keel makes of the answers.  Every function here works on a blob that
 * fdt_check_header() accepted and never reads outside it.
 */
#ifndef KEEL_BOOT_FDT_WALK_H
#define KEEL_BOOT_FDT_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/fdt.h"

#define FDT_MAX_DEPTH 16 /* the root and 15 levels below it */
#define FDT_WALK_STOP 1	 /* a visitor's "found it": fdt_walk returns 0 */

/* A blob whose header has been checked: every block lies inside size. */
struct fdt_blob {
	const uint8_t *base;
	uint32_t size; /* totalsize, checked <= max_size */
	uint32_t rsvmap_offset;
	uint32_t struct_offset, struct_end;
	uint32_t strings_offset, strings_size;
};

/* One token of the structure block, as fdt_next_token() proved it. */
struct fdt_token {
	uint32_t tag;	       /* FDT_BEGIN_NODE ... FDT_END */
	uint32_t offset, next; /* where this token starts; the next one */
	const char *name;      /* node or property name, NUL-terminated */
	const uint8_t *value;  /* property value, len bytes */
	uint32_t len;
};

#define FDT_BEGIN_NODE 1
#define FDT_END_NODE   2
#define FDT_PROP       3
#define FDT_NOP	       4
#define FDT_END	       9

/*
 * A node as a visitor sees it.  It lives on fdt_walk()'s stack: valid only
 * during the visit (copy it, and clear parent, to keep it for later).
 */
struct fdt_node {
	const struct fdt_blob *blob;
	const struct fdt_node *parent;	 /* NULL for the root */
	const char *name;		 /* "" for the root */
	int depth;			 /* 0 for the root */
	uint32_t props_start, props_end; /* token offsets of its properties */
	uint32_t reg_address_cells;	 /* the parent's, to decode our reg */
	uint32_t reg_size_cells;
	uint32_t address_cells, size_cells; /* our own, for our children */
	bool visited;
};

/* Returns 0 to go on, FDT_WALK_STOP to end the walk, or a negative errno. */
typedef int (*fdt_visit_fn)(void *ctx, const struct fdt_node *node);

static inline uint32_t fdt_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t fdt_be64(const uint8_t *p)
{
	return (uint64_t)fdt_be32(p) << 32 | fdt_be32(p + 4);
}

/* Check the header and fill *blob.  0, or -EINVAL. */
int fdt_check_header(const void *fdt, size_t max_size, struct fdt_blob *blob);

/* The token at `offset` of the structure block.  0, or -EINVAL. */
int fdt_next_token(const struct fdt_blob *blob, uint32_t offset,
		   struct fdt_token *tok);

/*
 * The index-th memreserve entry.  0, -ENOENT at the (0, 0) terminator, or
 * -EINVAL when the block runs off the blob before it.
 */
int fdt_reserve_entry(const struct fdt_blob *blob, uint32_t index,
		      uint64_t *base, uint64_t *size);

/*
 * Visit every node depth-first, each once its property list is complete.
 * Returns 0 (all well formed, or a visitor said FDT_WALK_STOP), a
 * visitor's negative errno, or -EINVAL for a malformed structure block.
 */
int fdt_walk(const struct fdt_blob *blob, fdt_visit_fn visit, void *ctx);

/* Property `name` (name_len bytes, no NUL needed) of node; NULL if absent. */
const uint8_t *fdt_prop_named(const struct fdt_node *node, const char *name,
			      size_t name_len, uint32_t *len);
const uint8_t *fdt_prop(const struct fdt_node *node, const char *name,
			uint32_t *len);
/* Is property `name` exactly the string `want`? */
bool fdt_prop_is(const struct fdt_node *node, const char *name,
		 const char *want);
/* A one-cell property: 0, -ENOENT when absent, -EINVAL when not 4 bytes. */
int fdt_prop_u32(const struct fdt_node *node, const char *name, uint32_t *out);
/* A one- or two-cell number: 0, -ENOENT, or -EINVAL for another length. */
int fdt_prop_u64(const struct fdt_node *node, const char *name, uint64_t *out);

/* Does the node's compatible string list hold `want`? */
bool fdt_compatible(const struct fdt_node *node, const char *want);
/* status absent, "okay" or "ok". */
bool fdt_available(const struct fdt_node *node);

/*
 * The index-th (address, size) pair of reg, decoded with the parent's cell
 * counts.  0, -ENOENT when there is no such pair, or -EINVAL when reg is
 * malformed, wider than 64 bits, or wraps around the address space.
 */
int fdt_reg(const struct fdt_node *node, uint32_t index,
	    struct boot_range *range);
/* The first interrupt: of interrupts, or of interrupts-extended; 0 if none. */
int fdt_irq(const struct fdt_node *node, uint32_t *irq);

/*
 * Is `path` (len bytes, absolute) the path of node?  A component may leave
 * out the unit address: "/soc/serial" names /soc/serial@10000000.
 */
bool fdt_node_is_at(const struct fdt_node *node, const char *path, size_t len);

#endif /* KEEL_BOOT_FDT_WALK_H */
