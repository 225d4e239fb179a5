/*
 * loader.h - stages 2 and 3 of the module loader: layout and link.
 *
 * The pipeline, each stage in its own file:
 *
 *   1. validate   elf_validate.c   check the whole file; allocate nothing
 *   2. layout     layout.c         decide where each section goes; count
 *                                  GOT and PLT slots; allocate nothing
 *   3. link       link.c           copy sections into the regions the
 *                                  caller allocated, resolve symbols,
 *                                  apply relocations (reloc_riscv.c)
 *   4. lifecycle  (kernel only)    protect the regions, fence.i, run init,
 *                                  keep the module on the list; undo on error
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
 * CALL_PLT or PLT32 relocation targets gets one PLT slot reserved at
 * layout; at link time a call whose target is within +-2 GiB goes direct,
 * and one beyond goes through its PLT slot (auipc t2, load the GOT slot,
 * jr), so a module placed far from the kernel still links.  Counting is one
 * linear pass with a hash set of symbol indices.
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

struct loader_place {
	int region;      /* enum loader_region, or LOADER_NOT_LOADED */
	uint64_t offset; /* of the section within its region */
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
};

/* Where the caller put the regions. */
struct loader_target {
	uint8_t *view[LOADER_REGIONS];      /* writable views (NULL for a 0-size region) */
	uint64_t address[LOADER_REGIONS];   /* run-time address of each region */
};

/*
 * Resolve an undefined symbol: store its address and return 0, or return
 * -ENOENT.  `weak` tells that an unresolved symbol may be 0.  The kernel's
 * resolver also records which ABI minor each symbol needs.
 */
typedef int (*loader_resolve_fn)(void *ctx, const char *name, int weak,
				 uint64_t *address);

/*
 * Stage 2.  Fill *layout for the validated module m.  layout->sections must
 * point at m->nsections entries and layout->slot_of_symbol at m->nsymbols
 * entries.  Returns 0 or -ENOEXEC with reason set (e.g. a section larger
 * than the loader supports).  Allocates nothing.
 */
int loader_layout(const struct elf_module *m, struct loader_layout *layout,
		  char reason[ELF_REASON_MAX]);

/*
 * Stage 3.  Copy every loaded section into target's views (zero .bss and
 * the padding), resolve undefined symbols with resolve(ctx, ...), fill the
 * GOT and PLT, and apply every relocation of every loaded section.  Returns
 * 0, -ENOENT ("unknown symbol foo"), -ERANGE or -EINVAL (a relocation that
 * does not fit: names the section, offset, type and symbol), with reason
 * set.  On error the views hold garbage; the caller frees them.
 */
int loader_link(const struct elf_module *m, const struct loader_layout *layout,
		const struct loader_target *target, loader_resolve_fn resolve,
		void *ctx, char reason[ELF_REASON_MAX]);

/* Run-time address of section `index`, or 0 when it is not loaded. */
uint64_t loader_section_address(const struct loader_layout *layout,
				const struct loader_target *target,
				unsigned index);

/*
 * Run-time address of the defined symbol `name` (after loader_link), or 0
 * when the module does not define it.
 */
uint64_t loader_symbol_address(const struct elf_module *m,
			       const struct loader_layout *layout,
			       const struct loader_target *target,
			       const char *name);

#endif /* KEEL_LOADER_LOADER_H */
