/*
 * loader.h - stages 2 and 3 of the module loader: layout and link.
 *
 * The pipeline, each stage in its own files:
 *
 *   1. validate   elf_validate.c   check the whole file; allocate nothing
 *                 elf_validate_symbols.c
 *   2. layout     layout.c         decide where each section goes; count
 *                                  GOT and PLT slots; allocate nothing
 *                 align.c          how much ALIGN padding stays (shared
 *                                  with stage 3: the cut-aware copy)
 *   3. link       link.c           loader_link(): copy sections into the
 *                                  regions the caller allocated, then the
 *                                  relocation passes
 *                 symbols.c        the value of every symbol: resolve
 *                                  undefined ones, place defined ones
 *                 plt.c            fill the GOT and PLT; far calls
 *                 pcrel.c          pair each PCREL_LO12 with its auipc
 *                 reloc_riscv.c    one relocation, by the psABI: the
 *                                  architecture's one interface
 *   4. lifecycle  (kernel only)    protect the regions, fence.i, run init,
 *                                  keep the module on the list; undo on error
 *                                  (kernel/module/)
 *
 * The loader itself never allocates module memory: after layout the caller
 * (the kernel, or a host test) allocates three regions of the sizes layout
 * asked for and says at which run-time addresses they will live.  The same
 * code thus links a module into the running kernel, or, on the host, at any
 * addresses a test chooses, which is how it is compared with GNU ld.
 *
 * Regions (each a whole number of pages, mapped with one permission):
 *
 *   LOADER_TEXT    R X  SHF_EXECINSTR sections, then the PLT
 *   LOADER_RODATA  R    SHF_ALLOC sections that are not writable, then the GOT
 *   LOADER_DATA    R W  writable sections; SHT_NOBITS (.bss) zero-filled
 *
 * Sections without SHF_ALLOC (debug info, .keel.modinfo is allocated but
 * read-only, symbol tables) are not loaded.
 *
 * GOT and PLT.  Every symbol referenced by R_RISCV_GOT_HI20 gets one GOT
 * slot (8 bytes, filled at link time).  Every distinct symbol that a CALL,
 * CALL_PLT or PLT32 relocation targets, defined or not, gets one PLT entry
 * reserved at layout, and a GOT slot too: the entry loads its target from
 * there.  At link time a call whose target is within +-2 GiB goes direct,
 * and one beyond goes through its PLT entry, so a module placed far from
 * the kernel still links.  A PLT entry is 16 bytes:
 *
 *     auipc t2, %pcrel_hi(slot)     0x00000397 | hi << 12
 *     ld    t2, %pcrel_lo(slot)(t2) 0x0003b383 | lo << 20
 *     jr    t2                      0x00038067
 *     nop                           0x00000013
 *
 * t2 is a temporary the psABI lets a call clobber.  The PLT starts
 * 16-byte aligned at the end of LOADER_TEXT, the GOT 8-byte aligned at the
 * end of LOADER_RODATA; slots 0 .. plt_slots-1 serve the PLT entries of the
 * same number, the others only GOT_HI20.  Counting is one linear pass over
 * the relocations with an array indexed by symbol number.
 *
 * Alignment padding.  A module assembled with linker relaxation carries
 * R_RISCV_ALIGN relocations: each marks NOP padding the assembler sized
 * for the worst case.  Layout works out, as GNU ld does, how much of each
 * padding the section's final address needs and removes the rest;
 * `size` below is what the section keeps.  Link copies the bytes with the
 * excess removed and moves symbols and relocations behind each cut.
 * Modules built with -mno-relax have no such padding.
 */
#ifndef KEEL_LOADER_LOADER_H
#define KEEL_LOADER_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "elf_validate.h"

enum loader_region {
	LOADER_TEXT,
	LOADER_RODATA,
	LOADER_DATA,
	LOADER_REGIONS,
};

#define LOADER_PAGE_SIZE 4096u
#define LOADER_NOT_LOADED (-1)
#define LOADER_GOT_SLOT_SIZE 8u	  /* one address */
#define LOADER_PLT_ENTRY_SIZE 16u /* four instructions, see above */

struct loader_place {
	int region;      /* enum loader_region, or LOADER_NOT_LOADED */
	uint64_t offset; /* of the section within its region */
	uint64_t size;   /* bytes it occupies there: sh_size less the
			    R_RISCV_ALIGN padding removed (see above) */
	/* Private to the loader. */
	unsigned first_rela;  /* first SHT_RELA section patching it, 0: none */
	unsigned next_rela;   /* of an SHT_RELA section: the next one patching
				 the same section, 0: none */
	unsigned long hi20s;  /* PCREL_HI20 and GOT_HI20 entries patching it */
	unsigned long cuts;   /* paddings that lose bytes */
	unsigned long first_cut; /* number of the first among the module's */
};

struct loader_layout {
	uint64_t region_size[LOADER_REGIONS]; /* multiples of LOADER_PAGE_SIZE (0 if empty) */
	struct loader_place *sections;        /* caller-provided, nsections entries */
	unsigned nsections;
	uint64_t got_offset;  /* in LOADER_RODATA */
	unsigned got_slots;
	uint64_t plt_offset;  /* in LOADER_TEXT */
	unsigned plt_slots;
	/* Private to the loader: symbol index -> GOT/PLT slot, or -1. */
	int32_t *slot_of_symbol; /* caller-provided, nsymbols entries */
	unsigned long hi20s_most; /* most HI20 entries patching one section */
	unsigned long cuts;       /* paddings that lose bytes, all sections */
};

/*
 * Where the caller put the regions.  Addresses are multiples of
 * LOADER_PAGE_SIZE: the layout's alignment decisions assume it.
 */
struct loader_target {
	uint8_t *view[LOADER_REGIONS];      /* writable views (NULL for a 0-size region) */
	uint64_t address[LOADER_REGIONS];   /* run-time address of each region */
};

/*
 * Resolve an undefined symbol: store its address and return 0, or return
 * -ENOENT.  `weak` tells that an unresolved symbol may be 0.  The kernel's
 * resolver also records which ABI minor each symbol needs.  The link calls
 * it once per undefined symbol, in symbol-table order.  A weak symbol it
 * does not know, or resolves to 0, is missing: its value is 0 and calls to
 * it jump to address 0, as GNU ld links them.
 */
typedef int (*loader_resolve_fn)(void *ctx, const char *name, int weak,
				 uint64_t *address);

/*
 * Stage 2.  Fill *layout for the validated module m.  layout->sections must
 * point at m->nsections entries and layout->slot_of_symbol at m->nsymbols
 * entries.  Returns 0, or -ENOEXEC with reason set (a region larger than
 * the loader supports, ALIGN padding that cannot give its alignment), or
 * -EINVAL when an argument or array is NULL.  Allocates nothing; linear
 * in the number of sections, symbols and relocations.
 */
int loader_layout(const struct elf_module *m, struct loader_layout *layout,
		  char reason[ELF_REASON_MAX]);

/*
 * Stage 3.  Copy every loaded section into target's views (zero .bss and
 * the padding), resolve undefined symbols with resolve(ctx, ...), fill the
 * GOT and PLT, and apply every relocation of every loaded section.
 * `layout` must be the one loader_layout() filled for m, and every region
 * of nonzero size must have a view of region_size bytes.  Returns 0, or
 * with reason set (reason may be NULL):
 *   -ENOENT   "unknown symbol foo": the first undefined, non-weak symbol
 *             in symbol-table order that resolve() does not know
 *   -ERANGE   a relocation whose value does not fit (a branch too far,
 *             data out of reach); the reason names the relocation type,
 *             section, offset and symbol, as for every relocation error
 *   -EINVAL   a misaligned branch target; or a target without a view the
 *             layout needs, or not page-aligned; or a layout made for
 *             another module
 *   -ENOEXEC  a PCREL_LO12 without its PCREL_HI20/GOT_HI20, or a
 *             relocation inside removed padding
 *   -ENOMEM   no memory for the link's scratch tables (below)
 * or any other error resolve() returns.  The link keeps one scratch block
 * from kmalloc while it runs (each symbol's value, the HI20 table, the
 * padding cuts) and frees it before returning.  On error the views hold
 * garbage; the caller frees them.
 */
int loader_link(const struct elf_module *m, const struct loader_layout *layout,
		const struct loader_target *target, loader_resolve_fn resolve,
		void *ctx, char reason[ELF_REASON_MAX]);

/*
 * What one link did, counted for tests that check the work stays linear
 * (counts of operations, never times).
 */
struct loader_link_stats {
	unsigned long symbols_resolved; /* resolve() calls */
	unsigned long relocations;	/* entries read, markers included */
	unsigned long hi20s_recorded;	/* PCREL_HI20/GOT_HI20 put in the table */
	unsigned long lo12s_matched;	/* PCREL_LO12_I/S looked up in it */
	unsigned long table_probes;	/* table slots examined by both */
	unsigned long cut_searches;	/* steps of the binary searches that
					   place offsets behind removed padding */
	unsigned long plt_calls;	/* calls sent through a PLT entry */
	unsigned long lui_rewrites;	/* auipc turned into lui (see pcrel.c) */
	unsigned long weak_calls;	/* calls to missing weak symbols */
};

/* loader_link(), also filling *stats (zeroed first) when stats is not NULL. */
int loader_link_counted(const struct elf_module *m,
			const struct loader_layout *layout,
			const struct loader_target *target,
			loader_resolve_fn resolve, void *ctx,
			char reason[ELF_REASON_MAX],
			struct loader_link_stats *stats);

/* ---- after the link: where things are (layout.c, symbols.c) ------------ */

/* Run-time address of section `index`, or 0 when it is not loaded. */
uint64_t loader_section_address(const struct loader_layout *layout,
				const struct loader_target *target,
				unsigned index);

/*
 * Run-time address of the defined symbol `name` (after loader_link), or 0
 * when the module does not define it.  Global and weak symbols are found
 * before local ones.
 */
uint64_t loader_symbol_address(const struct elf_module *m,
			       const struct loader_layout *layout,
			       const struct loader_target *target,
			       const char *name);

/*
 * Run-time address of the defined symbol with index `index` in the symbol
 * table (after loader_link; ALIGN padding removed before it is accounted
 * for), or 0 when it is undefined or out of range.  Linear in the
 * relocations of the symbol's section when it has ALIGN paddings (the walk
 * starts over for each call): for many symbols use loader_offsets_*.
 */
uint64_t loader_symbol_value(const struct elf_module *m,
			     const struct loader_layout *layout,
			     const struct loader_target *target, unsigned index);

/* ---- ALIGN paddings after the link (align.c) --------------------------- */

/* One R_RISCV_ALIGN padding, in the section's file offsets. */
struct loader_cut {
	uint64_t padding; /* where the padding starts */
	uint64_t keep;	  /* NOP bytes kept at its start */
	uint64_t removed; /* bytes removed right after them */
};

/*
 * A walk over one section's ALIGN paddings in file order: layout and the
 * link drive it with loader_cuts_* (below), a loader_offsets holds one.
 */
struct loader_cuts {
	const struct elf_module *m;
	const struct loader_layout *layout;
	unsigned section;
	unsigned rela;	      /* SHT_RELA section being read, 0 at the end */
	unsigned long next;   /* its next entry */
	uint64_t removed;     /* bytes removed by the paddings seen so far */
	uint64_t padding_end; /* file offset where the last padding ended */
};

/*
 * Run-time addresses of many places in one section after the link, in one
 * forward walk over its ALIGN paddings: start once, then ask for offsets
 * (as in the file, e.g. st_value) in non-decreasing order.  n places cost
 * O(n + the section's relocations), not O(n * relocations).
 */
struct loader_offsets {
	uint64_t base;		/* the section's run-time address; 0: not loaded */
	uint64_t removed;	/* bytes removed before the last offset asked */
	struct loader_cuts walk;
	struct loader_cut cut;	/* the next padding, when have_cut */
	int have_cut;
	int done;		/* no paddings left */
};

void loader_offsets_start(struct loader_offsets *o, const struct elf_module *m,
			  const struct loader_layout *layout,
			  const struct loader_target *target, unsigned section);
/* The address of file offset `offset` of the section, or 0 if not loaded. */
uint64_t loader_offsets_address(struct loader_offsets *o, uint64_t offset);

/* ---- shared by the stages' files; not for callers ---------------------- */

/*
 * Start walking section `section`, already placed by layout (its region
 * and offset decide how much padding each ALIGN keeps).
 */
void loader_cuts_start(struct loader_cuts *walk, const struct elf_module *m,
		       const struct loader_layout *layout, unsigned section);

/*
 * Account for ALIGN entry r, the next one of the section in file order:
 * fill *cut (cut->removed may be 0).  Returns 0, or -ENOEXEC with reason
 * set when the padding cannot give the alignment it asks for, exceeds a
 * page, overlaps the previous one or is odd.
 */
int loader_cuts_feed(struct loader_cuts *walk, const Elf64_Rela *r,
		     struct loader_cut *cut, char reason[ELF_REASON_MAX]);

/*
 * Find and feed the next ALIGN entry: 1 with *cut filled, 0 at the end,
 * or loader_cuts_feed()'s error.
 */
int loader_cuts_next(struct loader_cuts *walk, struct loader_cut *cut,
		     char reason[ELF_REASON_MAX]);

/*
 * "R_RISCV_CALL at .text+0x1c against foo: <why>" into reason, for the
 * entry r of the SHT_RELA section patching section `section`; returns err.
 * Does nothing but return err when reason is NULL (link.c).
 */
int loader_explain(const struct elf_module *m, unsigned section,
		   const Elf64_Rela *r, int err, const char *why,
		   char reason[ELF_REASON_MAX]);

#endif /* KEEL_LOADER_LOADER_H */
