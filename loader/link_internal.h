/*
 * link_internal.h - what the files of stage 3, the link, share.
 *
 * loader_link() (link.c) runs the link's steps in order; each step's code
 * lives in the file of its noun, and a function shared between them starts
 * with that file's name:
 *
 *   symbols.c   symbols_*  the value S of every symbol: undefined ones
 *                          resolved (step 1), defined ones placed (step 3)
 *   align.c     align_*    ALIGN padding: copying a section without what
 *                          layout removed (step 2), and where an offset
 *                          of the file moved to
 *   plt.c       plt_*      the GOT and the PLT (step 4), and calls sent
 *                          through them when their target is out of reach
 *   pcrel.c     pcrel_*    PC-relative pairs: each PCREL_LO12 finds the
 *                          auipc it completes in a hash table (step 5)
 *   link.c      link_*     the scratch block, copying (step 2), the two
 *                          relocation passes (step 5), loader_link()
 *
 * They all work on one struct link, the link in progress.  Callers of the
 * loader see only loader.h; nothing here is for them.
 */
#ifndef KEEL_LOADER_LINK_INTERNAL_H
#define KEEL_LOADER_LINK_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "loader.h"

#define INSN_NOP 0x00000013u /* addi x0, x0, 0 */

/* One PCREL_HI20 or GOT_HI20 of the section being relocated (pcrel.c). */
struct hi20_entry {
	uint32_t auipc_plus_one; /* offset of its auipc + 1; 0: empty slot */
	int64_t hi_offset;	 /* the offset the auipc was patched for */
};

/*
 * One ALIGN cut (align.c): where the removed bytes start, in the section's
 * file offsets, and how many the section has lost up to and including it.
 */
struct cut_mark {
	uint64_t start;
	uint64_t removed;
};

/* A link in progress, set up by loader_link_counted(). */
struct link {
	const struct elf_module *m;
	const struct loader_layout *layout;
	const struct loader_target *target;
	char *reason;			 /* never NULL */
	struct loader_link_stats *stats; /* never NULL */

	/* The scratch block (link.c). */
	void *scratch;
	uint64_t *value;	  /* S of each symbol */
	struct cut_mark *cuts;	  /* every section's, layout->cuts in all */
	struct hi20_entry *table; /* 1 << table_bits slots in use */
	uint8_t *missing;	  /* per symbol: 1 for a missing weak symbol */
	unsigned table_bits;

	/* The section being relocated. */
	unsigned section;
	uint64_t address;
	uint8_t *view;
	uint64_t size;
};

/* ---- little-endian words, as RISC-V stores them ------------------------ */

static inline uint32_t read32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void write32(uint8_t *p, uint32_t value)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(value >> (8 * i));
}

static inline void write64(uint8_t *p, uint64_t value)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(value >> (8 * i));
}

/* The run-time address of a region. */
static inline uint64_t region_address(const struct link *l, int region)
{
	return l->target->address[region];
}

/* ---- link.c ------------------------------------------------------------ */

/* Write the reason, formatted, into l->reason; return err. */
int link_fail(struct link *l, int err, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- symbols.c --------------------------------------------------------- */

/*
 * Step 1.  Fill l->value and l->missing for every undefined symbol, in
 * symbol-table order, with one resolve(ctx, ...) call each (none when
 * resolve is NULL: every symbol is then unknown); set the others' to 0.
 * Returns 0, -ENOENT for the first unknown symbol that is not weak, or
 * resolve()'s own error, with l->reason set.
 */
int symbols_resolve_undefined(struct link *l, loader_resolve_fn resolve,
			      void *ctx);

/*
 * Step 3, after the copy filled the cut tables: l->value of every defined
 * symbol, its run-time address (or st_value for SHN_ABS).  Cannot fail.
 */
void symbols_value_defined(struct link *l);

/* ---- align.c ----------------------------------------------------------- */

/*
 * Step 2 for a section with cuts: copy section `index` to dst without the
 * padding layout removed, rewrite the NOPs kept, and fill the section's
 * cut table in l->cuts.  Returns 0, or -EINVAL (with l->reason) when the
 * layout does not match the module.
 */
int align_copy_section(struct link *l, unsigned index, uint8_t *dst);

/*
 * The offset, once the cuts before it are removed, of entry r's place in
 * the section being relocated (l->section); -ENOEXEC with l->reason set
 * when the place was removed.  Needs the section's cut table.
 */
int align_locate(struct link *l, const Elf64_Rela *r, uint64_t *offset);

/*
 * The offset, once the cuts are removed, of a symbol at offset `value` of
 * section `section`: GNU ld moves a symbol back by every cut that starts
 * before it.  Needs the section's cut table.
 */
uint64_t align_symbol_offset(struct link *l, unsigned section, uint64_t value);

/* ---- plt.c ------------------------------------------------------------- */

/* The run-time address of GOT slot `slot`. */
uint64_t plt_got_slot_address(const struct link *l, int32_t slot);

/*
 * Step 4, once every symbol has its value: write each GOT slot and each
 * PLT entry.  Returns 0, or riscv_reloc_apply()'s error (-ERANGE, with
 * l->reason set) when a PLT entry cannot reach its slot.
 */
int plt_fill(struct link *l);

/*
 * Apply a CALL, CALL_PLT or PLT32 of symbol `symbol` at place (run-time
 * address P) for S + A: directly when in reach, else through the symbol's
 * PLT entry; a call to a missing weak symbol jumps to 0.  Returns 0 or
 * riscv_reloc_apply()'s error, with *why set.
 */
int plt_apply_call(struct link *l, uint32_t type, uint32_t symbol,
		   uint8_t *place, uint64_t P, uint64_t S, int64_t A,
		   const char **why);

/* ---- pcrel.c ----------------------------------------------------------- */

/* The HI20 table's slots for a section with `hi20s` HI20 entries. */
size_t pcrel_table_slots(unsigned long hi20s);

/* Empty the table for the section being relocated, which has `hi20s`. */
void pcrel_start_section(struct link *l, unsigned long hi20s);

/*
 * Apply a PCREL_HI20 at place (run-time address P) for S + A, setting
 * *hi_offset to the offset its PCREL_LO12s must complete; an auipc out of
 * reach of a target whose address fits a lui becomes that lui.  Returns 0
 * or riscv_reloc_apply()'s error, with *why set.
 */
int pcrel_apply_hi20(struct link *l, uint8_t *place, uint64_t P, uint64_t S,
		     int64_t A, int64_t *hi_offset, const char **why);

/*
 * Record that the auipc at offset `auipc` of the section being relocated
 * was patched for hi_offset (entry r patched it).  Returns 0, or -ENOEXEC
 * with l->reason set when that auipc has an entry already.
 */
int pcrel_record(struct link *l, const Elf64_Rela *r, uint64_t auipc,
		 int64_t hi_offset);

/*
 * Pass two: apply the PCREL_LO12_I/S entry r with the offset its auipc
 * was recorded with.  Returns 0, or an error with l->reason set: -ENOEXEC
 * when no auipc was recorded where its symbol points.
 */
int pcrel_apply_lo12(struct link *l, const Elf64_Rela *r);

#endif /* KEEL_LOADER_LINK_INTERNAL_H */
