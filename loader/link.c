/*
 * link.c - stage 3 of the module loader: bytes, symbols, relocations.
 *
 * Layout decided where everything goes; the caller allocated the regions.
 * The link fills them in five steps, each one pass:
 *
 *   1. Resolve.  Every undefined symbol, in symbol-table order, is looked
 *      up once with the caller's resolve(); the first one unknown and not
 *      weak stops the link ("unknown symbol foo").  A weak symbol nobody
 *      defines is "missing" and worth 0.
 *   2. Copy.  The regions are zeroed (.bss, gaps between sections, the
 *      pages' tails), then each section's bytes are copied to its place.
 *      A section with excess ALIGN padding is copied piecewise: up to each
 *      padding, the NOPs it keeps (rewritten, as GNU ld writes them), then
 *      on after the bytes removed.  Each cut is recorded as (first removed
 *      byte, bytes removed so far) in a sorted table per section.
 *   3. Values.  S for each defined symbol: its section's address plus
 *      st_value, less the bytes removed before st_value (a binary search
 *      in the section's cut table; sections without cuts need none).
 *   4. GOT and PLT.  Each slot receives its symbol's S; each PLT entry is
 *      written and pointed at its slot (the encoding is in loader.h).
 *   5. Relocate.  For each loaded section, in two passes over the entries
 *      patching it.  P is the section's address plus r_offset (moved back
 *      over any cuts before it), A is r_addend.
 *        Pass one applies everything but the PCREL_LO12s, and records each
 *        PCREL_HI20 and GOT_HI20 (whose S is the symbol's GOT slot) in a
 *        hash table: the auipc's offset in the section -> the hi_offset
 *        S + A - P it established.
 *        Pass two applies each PCREL_LO12_I/S.  Its symbol is a label on
 *        the auipc, so the label's offset finds the auipc's entry in the
 *        table, in any order and at any distance.  No entry there is an
 *        error (-ENOEXEC), as in GNU ld.
 *      The table is open addressing with linear probing, sized to a power
 *      of two at least twice the section's HI20 count (layout counted
 *      them), so each insertion or lookup probes O(1) slots on average;
 *      only the part a section uses is cleared for it.  Keys are hashed
 *      with a full mixer: auipcs often sit at regular distances (every
 *      function alike), and a plain multiplicative hash clusters such
 *      keys badly for some distances.
 *
 * Calls.  CALL and CALL_PLT (auipc+jalr) and PLT32 go straight to their
 * target when it is within +-2 GiB of the call; otherwise to the target's
 * PLT entry, which is in the module's text and so always in reach, and
 * which jumps through the GOT slot holding the full address.  A call to a
 * missing weak symbol is linked the way GNU ld links it: the jalr's base
 * register becomes x0 and the auipc adds 0, so it jumps to address 0.
 *
 * PC-relative data out of reach.  Like GNU ld for code that is not
 * position independent, a PCREL_HI20 whose target is beyond +-2 GiB of
 * the auipc but whose absolute address fits a lui (within 2 GiB of 0,
 * as a missing weak symbol's 0 does) turns the auipc into a lui of the
 * absolute address; its PCREL_LO12 then adds the low 12 bits of that
 * address.  So a module placed far away can still ask whether a weak
 * symbol exists.
 *
 * Scratch memory.  Steps 1 to 5 need each symbol's value, the HI20 table
 * and the cut tables: one kmalloc'd block, sized from the layout's counts
 * and freed before loader_link() returns, success or not.  Everything else
 * is written into the caller's views.
 *
 * Errors name the relocation type, the section, the offset in the file
 * (what `objdump -dr` shows) and the symbol (loader_explain()).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <keel/errno.h>

#include "lib/printf.h"
#include "lib/string.h"
#include "mm/kmalloc.h"

#include "loader.h"
#include "reloc_riscv.h"

/* The PLT entry of loader.h, before its two immediates are filled in. */
#define PLT_AUIPC_T2 0x00000397u /* auipc t2, 0 */
#define PLT_LD_T2    0x0003b383u /* ld t2, 0(t2) */
#define PLT_JR_T2    0x00038067u /* jalr x0, 0(t2) */
#define INSN_NOP     0x00000013u /* addi x0, x0, 0 */
#define INSN_C_NOP   0x0001u	 /* c.nop */

#define OPCODE_MASK  0x7fu
#define OPCODE_AUIPC 0x17u
#define OPCODE_LUI   0x37u
#define RS1_MASK     (0x1fu << 15)

/* One PCREL_HI20 or GOT_HI20 of the section being relocated. */
struct hi20_entry {
	uint32_t auipc_plus_one; /* offset of its auipc + 1; 0: empty slot */
	int64_t hi_offset;	 /* the offset the auipc was patched for */
};

/*
 * One ALIGN cut: where the removed bytes start, in the section's file
 * offsets, and how many the section has lost up to and including it.
 */
struct cut_mark {
	uint64_t start;
	uint64_t removed;
};

/* A link in progress. */
struct link {
	const struct elf_module *m;
	const struct loader_layout *layout;
	const struct loader_target *target;
	char *reason;
	struct loader_link_stats *stats;

	/* The scratch block. */
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

/* ---- small helpers ----------------------------------------------------- */

static uint32_t read32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void write32(uint8_t *p, uint32_t value)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(value >> (8 * i));
}

static void write64(uint8_t *p, uint64_t value)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(value >> (8 * i));
}

__attribute__((format(printf, 3, 4))) static int fail(struct link *l, int err,
						      const char *format, ...)
{
	va_list args;

	va_start(args, format);
	vsnprintf(l->reason, ELF_REASON_MAX, format, args);
	va_end(args);
	return err;
}

static uint64_t region_address(const struct link *l, int region)
{
	return l->target->address[region];
}

static uint64_t got_slot_address(const struct link *l, int32_t slot)
{
	return region_address(l, LOADER_RODATA) + l->layout->got_offset +
	       (uint64_t)slot * LOADER_GOT_SLOT_SIZE;
}

static uint64_t plt_entry_address(const struct link *l, int32_t slot)
{
	return region_address(l, LOADER_TEXT) + l->layout->plt_offset +
	       (uint64_t)slot * LOADER_PLT_ENTRY_SIZE;
}

/* log2 of the table size for n entries: at least 2n slots. */
static unsigned table_bits_for(unsigned long n)
{
	unsigned bits = 1;

	while ((1ul << bits) < 2 * n)
		bits++;
	return bits;
}

/* ---- the scratch block ------------------------------------------------- */

static int allocate_scratch(struct link *l)
{
	size_t symbols = l->m->nsymbols;
	size_t table = 0, bytes = 0, cuts_at, table_at, missing_at;
	bool overflow;

	if (l->layout->hi20s_most) {
		if (l->layout->hi20s_most > (1ul << 30))
			return fail(l, -ENOMEM,
				    "%lu HI20 relocations in one section are "
				    "more than the link's table holds",
				    l->layout->hi20s_most);
		table = (size_t)1 << table_bits_for(l->layout->hi20s_most);
	}
	overflow = __builtin_mul_overflow(symbols, sizeof(uint64_t), &bytes);
	cuts_at = bytes;
	overflow |= __builtin_add_overflow(
	    bytes, (size_t)l->layout->cuts * sizeof(struct cut_mark), &bytes);
	table_at = bytes;
	overflow |= __builtin_add_overflow(
	    bytes, table * sizeof(struct hi20_entry), &bytes);
	missing_at = bytes;
	overflow |= __builtin_add_overflow(bytes, symbols, &bytes);
	if (!overflow)
		l->scratch = kmalloc(bytes);
	if (!l->scratch)
		return fail(l, -ENOMEM,
			    "out of memory for the link's tables (%zu bytes "
			    "for %zu symbols)",
			    overflow ? ~(size_t)0 : bytes, symbols);
	l->value = l->scratch;
	l->cuts = (struct cut_mark *)((uint8_t *)l->scratch + cuts_at);
	l->table = (struct hi20_entry *)((uint8_t *)l->scratch + table_at);
	l->missing = (uint8_t *)l->scratch + missing_at;
	return 0;
}

/* ---- 1. resolve -------------------------------------------------------- */

static int resolve_undefined(struct link *l, loader_resolve_fn resolve,
			     void *ctx)
{
	const struct elf_module *m = l->m;

	l->value[0] = 0;
	l->missing[0] = 0;
	for (unsigned i = 1; i < m->nsymbols; i++) {
		const Elf64_Sym *sym = &m->symbols[i];
		int weak = ELF64_ST_BIND(sym->st_info) == STB_WEAK;
		const char *name = elf_symbol_name(m, i);
		uint64_t address = 0;
		int err;

		l->value[i] = 0;
		l->missing[i] = 0;
		if (sym->st_shndx != SHN_UNDEF)
			continue;
		err = resolve ? resolve(ctx, name, weak, &address) : -ENOENT;
		l->stats->symbols_resolved++;
		if (err == -ENOENT && weak)
			address = 0;
		else if (err == -ENOENT) {
			snprintf(l->reason, ELF_REASON_MAX,
				 "unknown symbol %.120s", name);
			return err;
		} else if (err) {
			snprintf(l->reason, ELF_REASON_MAX,
				 "cannot resolve %.100s: error %d", name, err);
			return err;
		}
		l->value[i] = address;
		l->missing[i] = weak && address == 0;
	}
	return 0;
}

/* ---- 2. copy ----------------------------------------------------------- */

/* `bytes` (even) of NOPs at p, as GNU ld writes kept padding. */
static void write_nops(uint8_t *p, uint64_t bytes)
{
	uint64_t at = 0;

	for (; at + 4 <= bytes; at += 4)
		write32(p + at, INSN_NOP);
	if (at < bytes) {
		p[at] = (uint8_t)INSN_C_NOP;
		p[at + 1] = (uint8_t)(INSN_C_NOP >> 8);
	}
}

/* Copy section `index` to dst leaving out its excess ALIGN padding. */
static int copy_with_cuts(struct link *l, unsigned index, uint8_t *dst)
{
	const struct elf_module *m = l->m;
	const Elf64_Shdr *sh = &m->sections[index];
	const struct loader_place *place = &l->layout->sections[index];
	const uint8_t *src = m->file + sh->sh_offset;
	struct cut_mark *marks = l->cuts + place->first_cut;
	uint64_t from = 0, removed = 0;
	unsigned long n = 0;
	struct loader_cuts walk;
	struct loader_cut cut;
	int found;

	loader_cuts_start(&walk, m, l->layout, index);
	while ((found = loader_cuts_next(&walk, &cut, l->reason)) > 0) {
		uint64_t kept_end = cut.padding + cut.keep;

		if (!cut.removed)
			continue;
		if (n == place->cuts)
			break;
		memcpy(dst + from - removed, src + from, kept_end - from);
		write_nops(dst + cut.padding - removed, cut.keep);
		removed += cut.removed;
		from = kept_end + cut.removed;
		marks[n++] = (struct cut_mark){kept_end, removed};
	}
	if (found < 0)
		return found;
	if (n != place->cuts || sh->sh_size - removed != place->size)
		return fail(l, -EINVAL,
			    "the layout does not match the module (section "
			    "%u, %lu cuts)",
			    index, place->cuts);
	memcpy(dst + from - removed, src + from, sh->sh_size - from);
	return 0;
}

static int copy_sections(struct link *l)
{
	const struct elf_module *m = l->m;
	int err;

	for (int r = 0; r < LOADER_REGIONS; r++) {
		if (!l->layout->region_size[r])
			continue;
		if (!l->target->view[r] ||
		    l->target->address[r] % LOADER_PAGE_SIZE)
			return fail(l, -EINVAL,
				    "region %d has no view or an address "
				    "0x%llx that is not page-aligned",
				    r,
				    (unsigned long long)l->target->address[r]);
		memset(l->target->view[r], 0, l->layout->region_size[r]);
	}
	for (unsigned i = 1; i < m->nsections; i++) {
		const Elf64_Shdr *sh = &m->sections[i];
		const struct loader_place *place = &l->layout->sections[i];
		uint8_t *dst;

		if (place->region == LOADER_NOT_LOADED ||
		    sh->sh_type == SHT_NOBITS || !place->size)
			continue;
		dst = l->target->view[place->region] + place->offset;
		if (!place->cuts) {
			memcpy(dst, m->file + sh->sh_offset, place->size);
			continue;
		}
		err = copy_with_cuts(l, i, dst);
		if (err)
			return err;
	}
	return 0;
}

/* ---- 3. values --------------------------------------------------------- */

/*
 * How many of section `section`'s cuts start before `offset` (or at it,
 * when `at_too`): a binary search in its cut table.
 */
static unsigned long cuts_before(struct link *l, unsigned section,
				 uint64_t offset, bool at_too)
{
	const struct loader_place *place = &l->layout->sections[section];
	const struct cut_mark *marks = l->cuts + place->first_cut;
	unsigned long low = 0, high = place->cuts;

	while (low < high) {
		unsigned long middle = low + (high - low) / 2;

		l->stats->cut_searches++;
		if (marks[middle].start < offset ||
		    (at_too && marks[middle].start == offset))
			low = middle + 1;
		else
			high = middle;
	}
	return low;
}

/* Bytes section `section` lost in its first n cuts. */
static uint64_t removed_by(const struct link *l, unsigned section,
			   unsigned long n)
{
	const struct loader_place *place = &l->layout->sections[section];

	return n ? l->cuts[place->first_cut + n - 1].removed : 0;
}

/*
 * Where the byte at file offset `offset` of section `section` ended up
 * (*moved); false when it was removed.
 */
static bool place_offset(struct link *l, unsigned section, uint64_t offset,
			 uint64_t *moved)
{
	const struct loader_place *place = &l->layout->sections[section];
	const struct cut_mark *cut;
	unsigned long n;

	*moved = offset;
	if (!place->cuts)
		return true;
	n = cuts_before(l, section, offset, true);
	if (!n)
		return true;
	/* The last cut at or before offset removed [start, start + own). */
	cut = &l->cuts[place->first_cut + n - 1];
	if (offset - cut->start < cut->removed - removed_by(l, section, n - 1))
		return false;
	*moved = offset - cut->removed;
	return true;
}

/*
 * A symbol's offset behind the cuts, as GNU ld moves symbols: back by
 * every cut that starts before it.  A label just after a padding thus
 * lands just after the NOPs kept.
 */
static uint64_t symbol_offset(struct link *l, unsigned section, uint64_t value)
{
	if (!l->layout->sections[section].cuts)
		return value;
	return value -
	       removed_by(l, section, cuts_before(l, section, value, false));
}

static void value_defined_symbols(struct link *l)
{
	const struct elf_module *m = l->m;

	for (unsigned i = 1; i < m->nsymbols; i++) {
		const Elf64_Sym *sym = &m->symbols[i];
		const struct loader_place *place;

		if (sym->st_shndx == SHN_UNDEF)
			continue;
		if (sym->st_shndx == SHN_ABS) {
			l->value[i] = sym->st_value;
			continue;
		}
		place = &l->layout->sections[sym->st_shndx];
		if (place->region == LOADER_NOT_LOADED)
			continue;
		l->value[i] = region_address(l, place->region) + place->offset +
			      symbol_offset(l, sym->st_shndx, sym->st_value);
	}
}

/* ---- 4. GOT and PLT ---------------------------------------------------- */

static int write_plt_entry(struct link *l, int32_t slot)
{
	uint8_t *entry = l->target->view[LOADER_TEXT] + l->layout->plt_offset +
			 (uint64_t)slot * LOADER_PLT_ENTRY_SIZE;
	uint64_t at = plt_entry_address(l, slot);
	uint64_t got = got_slot_address(l, slot);
	int64_t hi_offset = riscv_hi20_offset(at, got, 0);
	const char *why = NULL;
	int err;

	write32(entry, PLT_AUIPC_T2);
	write32(entry + 4, PLT_LD_T2);
	write32(entry + 8, PLT_JR_T2);
	write32(entry + 12, INSN_NOP);
	err = riscv_reloc_apply(R_RISCV_PCREL_HI20, entry, at, got, 0, 0, &why);
	if (!err)
		err = riscv_reloc_apply(R_RISCV_PCREL_LO12_I, entry + 4, at + 4,
					got, 0, hi_offset, &why);
	if (err)
		return fail(l, err,
			    "PLT entry at 0x%llx cannot reach its GOT slot at "
			    "0x%llx: place the text and read-only data "
			    "regions within 2 GiB",
			    (unsigned long long)at, (unsigned long long)got);
	return 0;
}

static int fill_got_and_plt(struct link *l)
{
	const struct loader_layout *layout = l->layout;
	int err;

	if (!layout->got_slots)
		return 0;
	for (unsigned s = 0; s < l->m->nsymbols; s++) {
		int32_t slot = layout->slot_of_symbol[s];

		if (slot < 0)
			continue;
		write64(l->target->view[LOADER_RODATA] + layout->got_offset +
			    (uint64_t)slot * LOADER_GOT_SLOT_SIZE,
			l->value[s]);
		if ((unsigned)slot < layout->plt_slots) {
			err = write_plt_entry(l, slot);
			if (err)
				return err;
		}
	}
	return 0;
}

/* ---- 5. relocate ------------------------------------------------------- */

/* MurmurHash3's finalizer: every key bit affects every hash bit. */
static uint32_t mix(uint32_t key)
{
	key ^= key >> 16;
	key *= 0x85ebca6bu;
	key ^= key >> 13;
	key *= 0xc2b2ae35u;
	key ^= key >> 16;
	return key;
}

/* The table slot holding `auipc`, or the empty slot where it would go. */
static struct hi20_entry *table_find(struct link *l, uint64_t auipc)
{
	uint32_t mask = (1u << l->table_bits) - 1;
	uint32_t key = (uint32_t)auipc + 1;
	uint32_t at = mix(key) & mask;

	for (;; at = (at + 1) & mask) {
		l->stats->table_probes++;
		if (l->table[at].auipc_plus_one == key ||
		    !l->table[at].auipc_plus_one)
			return &l->table[at];
	}
}

/* Remember that the auipc at `auipc` was patched for hi_offset. */
static int table_record(struct link *l, const Elf64_Rela *r, uint64_t auipc,
			int64_t hi_offset)
{
	struct hi20_entry *entry = table_find(l, auipc);

	if (entry->auipc_plus_one)
		return loader_explain(l->m, l->section, r, -ENOEXEC,
				      "a second HI20 relocation for the same "
				      "auipc",
				      l->reason);
	entry->auipc_plus_one = (uint32_t)auipc + 1;
	entry->hi_offset = hi_offset;
	l->stats->hi20s_recorded++;
	return 0;
}

/*
 * PCREL_HI20, or, when its target is out of the auipc's reach but its
 * absolute address fits a lui, the lui GNU ld makes of it (see the top).
 */
static int apply_pcrel_hi20(struct link *l, uint8_t *place, uint64_t P,
			    uint64_t S, int64_t A, int64_t *hi_offset,
			    const char **why)
{
	int err = riscv_reloc_apply(R_RISCV_PCREL_HI20, place, P, S, A, 0, why);
	uint32_t insn;

	*hi_offset = riscv_hi20_offset(P, S, A);
	if (err != -ERANGE)
		return err;
	insn = read32(place);
	if ((insn & OPCODE_MASK) != OPCODE_AUIPC)
		return err;
	write32(place, (insn & ~OPCODE_MASK) | OPCODE_LUI);
	if (riscv_reloc_apply(R_RISCV_HI20, place, P, S, A, 0, NULL)) {
		write32(place, insn);
		return err;
	}
	*hi_offset = (int64_t)(S + (uint64_t)A);
	l->stats->lui_rewrites++;
	return 0;
}

/* CALL, CALL_PLT, PLT32: direct if in reach, else through the PLT. */
static int apply_call(struct link *l, uint32_t type, uint32_t symbol,
		      uint8_t *place, uint64_t P, uint64_t S, int64_t A,
		      const char **why)
{
	int32_t slot = l->layout->slot_of_symbol[symbol];
	int err;

	if (type != R_RISCV_PLT32 && l->missing[symbol]) {
		/* GNU ld's call to a missing weak symbol: jalr 0(x0). */
		write32(place + 4, read32(place + 4) & ~RS1_MASK);
		l->stats->weak_calls++;
		return riscv_reloc_apply(type, place, P, P, A, 0, why);
	}
	err = riscv_reloc_apply(type, place, P, S, A, 0, why);
	if (err != -ERANGE || slot < 0 ||
	    (unsigned)slot >= l->layout->plt_slots)
		return err;
	if (A) {
		*why = "target out of range, and a call with an addend cannot "
		       "go through the PLT";
		return err;
	}
	err = riscv_reloc_apply(type, place, P, plt_entry_address(l, slot), 0,
				0, why);
	if (!err)
		l->stats->plt_calls++;
	return err;
}

/* The place of entry r in the section being relocated, or -ENOEXEC. */
static int locate(struct link *l, const Elf64_Rela *r, uint64_t *offset)
{
	if (!place_offset(l, l->section, r->r_offset, offset))
		return loader_explain(l->m, l->section, r, -ENOEXEC,
				      "patches padding removed for alignment",
				      l->reason);
	return 0;
}

/*
 * Pass one: apply entry r (not a marker, not a PCREL_LO12).  A
 * SET_ULEB128 takes the SUB_ULEB128 after it, `next`, with it and sets
 * *took_next.
 */
static int apply_entry(struct link *l, const Elf64_Rela *r,
		       const Elf64_Rela *next, bool *took_next)
{
	uint32_t type = ELF64_R_TYPE(r->r_info);
	uint32_t symbol = ELF64_R_SYM(r->r_info);
	uint64_t S = l->value[symbol], offset, P;
	int64_t A = r->r_addend, hi_offset;
	const char *why = "relocation failed";
	int32_t slot;
	uint8_t *place;
	int err;

	err = locate(l, r, &offset);
	if (err)
		return err;
	place = l->view + offset;
	P = l->address + offset;
	switch (type) {
	case R_RISCV_SET_ULEB128:
	case R_RISCV_SUB_ULEB128:
		if (riscv_uleb128_length(place, l->size - offset) < 0)
			return loader_explain(l->m, l->section, r, -ENOEXEC,
					      "no complete ULEB128 here",
					      l->reason);
		if (type == R_RISCV_SUB_ULEB128 || !next ||
		    ELF64_R_TYPE(next->r_info) != R_RISCV_SUB_ULEB128 ||
		    next->r_offset != r->r_offset) {
			err = riscv_reloc_apply(type, place, P, S, A, 0, &why);
			break;
		}
		*took_next = true;
		err = riscv_reloc_apply_uleb128_pair(
		    place, S + (uint64_t)A,
		    l->value[ELF64_R_SYM(next->r_info)] +
			(uint64_t)next->r_addend,
		    &why);
		break;
	case R_RISCV_PCREL_HI20:
		err = apply_pcrel_hi20(l, place, P, S, A, &hi_offset, &why);
		if (!err)
			err = table_record(l, r, offset, hi_offset);
		break;
	case R_RISCV_GOT_HI20:
		slot = l->layout->slot_of_symbol[symbol];
		if (slot < 0)
			return loader_explain(l->m, l->section, r, -EINVAL,
					      "no GOT slot: the layout does "
					      "not match the module",
					      l->reason);
		S = got_slot_address(l, slot);
		err = riscv_reloc_apply(type, place, P, S, A, 0, &why);
		if (!err)
			err = table_record(l, r, offset,
					   riscv_hi20_offset(P, S, A));
		break;
	case R_RISCV_CALL:
	case R_RISCV_CALL_PLT:
	case R_RISCV_PLT32:
		err = apply_call(l, type, symbol, place, P, S, A, &why);
		break;
	default:
		err = riscv_reloc_apply(type, place, P, S, A, 0, &why);
		break;
	}
	if (err && !l->reason[0])
		return loader_explain(l->m, l->section, r, err, why, l->reason);
	return err;
}

/* Pass two: a PCREL_LO12_I/S, with the offset its auipc was patched for. */
static int apply_lo12(struct link *l, const Elf64_Rela *r)
{
	const struct elf_module *m = l->m;
	uint32_t symbol = ELF64_R_SYM(r->r_info);
	const Elf64_Sym *label = &m->symbols[symbol];
	const struct hi20_entry *entry = NULL;
	const char *why = "relocation failed";
	char message[80];
	uint64_t offset;
	int err;

	err = locate(l, r, &offset);
	if (err)
		return err;
	if (label->st_shndx != l->section)
		return loader_explain(m, l->section, r, -ENOEXEC,
				      "the auipc it names is not in this "
				      "section",
				      l->reason);
	if (ELF64_ST_TYPE(label->st_info) == STT_SECTION && r->r_addend)
		return loader_explain(m, l->section, r, -ENOEXEC,
				      "a section symbol with an addend cannot "
				      "name an auipc",
				      l->reason);
	if (l->layout->sections[l->section].hi20s)
		entry = table_find(l, l->value[symbol] - l->address);
	if (!entry || !entry->auipc_plus_one) {
		snprintf(message, sizeof(message),
			 "no PCREL_HI20 or GOT_HI20 at +0x%llx, the auipc it "
			 "names",
			 (unsigned long long)label->st_value);
		return loader_explain(m, l->section, r, -ENOEXEC, message,
				      l->reason);
	}
	l->stats->lo12s_matched++;
	err = riscv_reloc_apply(ELF64_R_TYPE(r->r_info), l->view + offset,
				l->address + offset, l->value[symbol],
				r->r_addend, entry->hi_offset, &why);
	if (err)
		return loader_explain(m, l->section, r, err, why, l->reason);
	return 0;
}

/* Both passes over the entries patching section `index`. */
static int relocate_section(struct link *l, unsigned index)
{
	const struct elf_module *m = l->m;
	const struct loader_place *place = &l->layout->sections[index];
	int err;

	l->section = index;
	l->address = region_address(l, place->region) + place->offset;
	l->view = l->target->view[place->region] + place->offset;
	l->size = place->size;
	if (place->hi20s) {
		l->table_bits = table_bits_for(place->hi20s);
		memset(l->table, 0,
		       ((size_t)1 << l->table_bits) * sizeof(*l->table));
	}
	for (int pass = 1; pass <= 2; pass++) {
		for (unsigned rela = place->first_rela; rela;
		     rela = l->layout->sections[rela].next_rela) {
			const Elf64_Shdr *rs = &m->sections[rela];
			const Elf64_Rela *entries =
			    (const Elf64_Rela *)(m->file + rs->sh_offset);
			unsigned long count = rs->sh_size / sizeof(Elf64_Rela);

			for (unsigned long j = 0; j < count; j++) {
				const Elf64_Rela *r = &entries[j];
				enum riscv_reloc_kind kind = riscv_reloc_kind(
				    ELF64_R_TYPE(r->r_info), NULL);
				bool took_next = false;

				if (pass == 1)
					l->stats->relocations++;
				if (kind == RISCV_RELOC_MARKER ||
				    (kind == RISCV_RELOC_LO12) != (pass == 2))
					continue;
				if (pass == 2)
					err = apply_lo12(l, r);
				else
					err = apply_entry(
					    l, r, j + 1 < count ? r + 1 : NULL,
					    &took_next);
				if (err)
					return err;
				if (took_next) {
					j++;
					l->stats->relocations++;
				}
			}
		}
	}
	return 0;
}

/* ---- the whole link ---------------------------------------------------- */

static int link_module(struct link *l, loader_resolve_fn resolve, void *ctx)
{
	int err = allocate_scratch(l);

	if (!err)
		err = resolve_undefined(l, resolve, ctx);
	if (!err)
		err = copy_sections(l);
	if (!err) {
		value_defined_symbols(l);
		err = fill_got_and_plt(l);
	}
	for (unsigned i = 1; i < l->m->nsections && !err; i++) {
		if (l->layout->sections[i].first_rela)
			err = relocate_section(l, i);
	}
	return err;
}

int loader_link_counted(const struct elf_module *m,
			const struct loader_layout *layout,
			const struct loader_target *target,
			loader_resolve_fn resolve, void *ctx,
			char reason[ELF_REASON_MAX],
			struct loader_link_stats *stats)
{
	struct loader_link_stats ignored;
	char scratch[ELF_REASON_MAX];
	struct link l = {
	    .m = m,
	    .layout = layout,
	    .target = target,
	    .reason = reason ? reason : scratch,
	    .stats = stats ? stats : &ignored,
	};
	int err;

	memset(l.stats, 0, sizeof(*l.stats));
	l.reason[0] = '\0';
	if (!m || !m->symbols || !layout || !layout->sections ||
	    !layout->slot_of_symbol || !target ||
	    layout->nsections != m->nsections) {
		snprintf(l.reason, ELF_REASON_MAX,
			 "no module, layout or target, or a layout made for "
			 "another module");
		return -EINVAL;
	}
	err = link_module(&l, resolve, ctx);
	kfree(l.scratch);
	return err;
}

int loader_link(const struct elf_module *m, const struct loader_layout *layout,
		const struct loader_target *target, loader_resolve_fn resolve,
		void *ctx, char reason[ELF_REASON_MAX])
{
	return loader_link_counted(m, layout, target, resolve, ctx, reason,
				   NULL);
}

/* ---- addresses after the link ------------------------------------------ */

uint64_t loader_section_address(const struct loader_layout *layout,
				const struct loader_target *target,
				unsigned index)
{
	const struct loader_place *place;

	if (!layout || !target || index >= layout->nsections)
		return 0;
	place = &layout->sections[index];
	if (place->region == LOADER_NOT_LOADED)
		return 0;
	return target->address[place->region] + place->offset;
}

void loader_offsets_start(struct loader_offsets *o, const struct elf_module *m,
			  const struct loader_layout *layout,
			  const struct loader_target *target, unsigned section)
{
	o->base = loader_section_address(layout, target, section);
	o->removed = 0;
	o->have_cut = 0;
	o->done = !o->base || !layout->sections[section].cuts;
	if (!o->done)
		loader_cuts_start(&o->walk, m, layout, section);
}

uint64_t loader_offsets_address(struct loader_offsets *o, uint64_t offset)
{
	if (!o->base)
		return 0;
	while (!o->done) {
		if (!o->have_cut) {
			if (loader_cuts_next(&o->walk, &o->cut, NULL) <= 0) {
				o->done = 1;
				break;
			}
			o->have_cut = 1;
		}
		/* A symbol at the padding's kept end stays before the cut. */
		if (o->cut.padding + o->cut.keep >= offset)
			break;
		o->removed += o->cut.removed;
		o->have_cut = 0;
	}
	return o->base + offset - o->removed;
}

/* Symbol i's address: one walk of its section's paddings up to it. */
static uint64_t defined_address(const struct elf_module *m,
				const struct loader_layout *layout,
				const struct loader_target *target, unsigned i)
{
	const Elf64_Sym *sym = &m->symbols[i];
	struct loader_offsets o;

	if (sym->st_shndx == SHN_ABS)
		return sym->st_value;
	loader_offsets_start(&o, m, layout, target, sym->st_shndx);
	return loader_offsets_address(&o, sym->st_value);
}

uint64_t loader_symbol_address(const struct elf_module *m,
			       const struct loader_layout *layout,
			       const struct loader_target *target,
			       const char *name)
{
	unsigned first_global;

	if (!m || !m->symbols || !layout || !target || !name)
		return 0;
	first_global = m->sections[m->symtab_index].sh_info;
	for (int pass = 0; pass < 2; pass++) {
		unsigned from = pass ? 1 : first_global;
		unsigned to = pass ? first_global : m->nsymbols;

		for (unsigned i = from; i < to; i++) {
			if (m->symbols[i].st_shndx != SHN_UNDEF &&
			    strcmp(elf_symbol_name(m, i), name) == 0)
				return defined_address(m, layout, target, i);
		}
	}
	return 0;
}

uint64_t loader_symbol_value(const struct elf_module *m,
			     const struct loader_layout *layout,
			     const struct loader_target *target, unsigned index)
{
	if (!m || !layout || !target || index == 0 || index >= m->nsymbols ||
	    m->symbols[index].st_shndx == SHN_UNDEF)
		return 0;
	return defined_address(m, layout, target, index);
}
