/*
 * link.c - stage 3 of the module loader: loader_link(), step by step.
 *
 * Layout decided where everything goes; the caller allocated the regions.
 * loader_link() fills them in five steps, each one pass, each kept in the
 * file of its noun (link_internal.h lists them):
 *
 *   1. Resolve (symbols.c).  Every undefined symbol is looked up once with
 *      the caller's resolve(); the first one unknown and not weak stops
 *      the link before a byte is written.
 *   2. Copy (here and align.c).  The regions are zeroed (.bss, the gaps
 *      between sections, the pages' tails), then each section's bytes are
 *      copied to its place; a section that lost ALIGN padding is copied
 *      piecewise, and where it lost bytes is recorded in its cut table.
 *   3. Values (symbols.c).  S of each defined symbol: its section's
 *      address plus st_value, moved back over the cuts before it.
 *   4. GOT and PLT (plt.c).  Each slot receives its symbol's S; each PLT
 *      entry is written and pointed at its slot.
 *   5. Relocate (here, pcrel.c and plt.c).  Each loaded section takes
 *      two passes over the entries patching it, in file order.  P is the
 *      section's address plus r_offset, moved back over any cuts before
 *      it (align.c); S is the symbol's value, or for a GOT_HI20 its GOT
 *      slot's address; A is r_addend.
 *        Pass one applies every entry but the PCREL_LO12s: calls direct or
 *        through the PLT (plt.c), PCREL_HI20s and GOT_HI20s recorded for
 *        pass two (pcrel.c), a SET_ULEB128 and the SUB_ULEB128 after it as
 *        one, and every other type as riscv_reloc_apply() does it
 *        (reloc_riscv.c, the architecture's one relocation interface).
 *        Markers (NONE, RELAX, ALIGN) patch nothing.
 *        Pass two applies each PCREL_LO12_I/S with the offset its auipc
 *        was recorded with (pcrel.c).
 *
 * Scratch memory.  The steps need each symbol's value, the HI20 table and
 * the cut tables: one kmalloc'd block, sized from the layout's counts and
 * freed before loader_link() returns, success or not.  Everything else is
 * written into the caller's views.
 *
 * Errors.  The first one stops the link with one line in `reason`; the
 * caller frees the views.  A relocation's error names its type, the
 * section, the offset in the file (what `objdump -dr` shows) and the
 * symbol (loader_explain(), at the end of this file).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <keel/errno.h>

#include "lib/printf.h"
#include "lib/string.h"
#include "mm/kmalloc.h"

#include "link_internal.h"
#include "reloc_riscv.h"

int link_fail(struct link *l, int err, const char *format, ...)
{
	va_list args;

	va_start(args, format);
	vsnprintf(l->reason, ELF_REASON_MAX, format, args);
	va_end(args);
	return err;
}

/* ---- the scratch block ------------------------------------------------- */

static int allocate_scratch(struct link *l)
{
	size_t symbols = l->m->nsymbols;
	size_t table = 0, bytes = 0, cuts_at, table_at, missing_at;
	bool overflow;

	if (l->layout->hi20s_most) {
		if (l->layout->hi20s_most > (1ul << 30))
			return link_fail(l, -ENOMEM,
					 "%lu HI20 relocations in one section "
					 "are more than the link's table holds",
					 l->layout->hi20s_most);
		table = pcrel_table_slots(l->layout->hi20s_most);
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
		return link_fail(l, -ENOMEM,
				 "out of memory for the link's tables (%zu "
				 "bytes for %zu symbols)",
				 overflow ? ~(size_t)0 : bytes, symbols);
	l->value = l->scratch;
	l->cuts = (struct cut_mark *)((uint8_t *)l->scratch + cuts_at);
	l->table = (struct hi20_entry *)((uint8_t *)l->scratch + table_at);
	l->missing = (uint8_t *)l->scratch + missing_at;
	return 0;
}

/* ---- step 2: copy ------------------------------------------------------ */

static int copy_sections(struct link *l)
{
	const struct elf_module *m = l->m;
	int err;

	for (int r = 0; r < LOADER_REGIONS; r++) {
		if (!l->layout->region_size[r])
			continue;
		if (!l->target->view[r] ||
		    l->target->address[r] % LOADER_PAGE_SIZE)
			return link_fail(
			    l, -EINVAL,
			    "region %d has no view or an address "
			    "0x%llx that is not page-aligned",
			    r, (unsigned long long)l->target->address[r]);
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
		err = align_copy_section(l, i, dst);
		if (err)
			return err;
	}
	return 0;
}

/* ---- step 5: relocate -------------------------------------------------- */

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

	err = align_locate(l, r, &offset);
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
		err = pcrel_apply_hi20(l, place, P, S, A, &hi_offset, &why);
		if (!err)
			err = pcrel_record(l, r, offset, hi_offset);
		break;
	case R_RISCV_GOT_HI20:
		slot = l->layout->slot_of_symbol[symbol];
		if (slot < 0)
			return loader_explain(l->m, l->section, r, -EINVAL,
					      "no GOT slot: the layout does "
					      "not match the module",
					      l->reason);
		S = plt_got_slot_address(l, slot);
		err = riscv_reloc_apply(type, place, P, S, A, 0, &why);
		if (!err)
			err = pcrel_record(l, r, offset,
					   riscv_hi20_offset(P, S, A));
		break;
	case R_RISCV_CALL:
	case R_RISCV_CALL_PLT:
	case R_RISCV_PLT32:
		err = plt_apply_call(l, type, symbol, place, P, S, A, &why);
		break;
	default:
		err = riscv_reloc_apply(type, place, P, S, A, 0, &why);
		break;
	}
	if (err && !l->reason[0])
		return loader_explain(l->m, l->section, r, err, why, l->reason);
	return err;
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
	pcrel_start_section(l, place->hi20s);
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
					err = pcrel_apply_lo12(l, r);
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
		err = symbols_resolve_undefined(l, resolve, ctx);
	if (!err)
		err = copy_sections(l);
	if (!err) {
		symbols_value_defined(l);
		err = plt_fill(l);
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

/* ---- errors ------------------------------------------------------------ */

/* How a symbol is named in messages: a section symbol by its section. */
static const char *symbol_label(const struct elf_module *m, uint32_t symbol)
{
	const Elf64_Sym *sym = &m->symbols[symbol];

	if (ELF64_ST_TYPE(sym->st_info) == STT_SECTION &&
	    sym->st_shndx < m->nsections)
		return elf_section_name(m, sym->st_shndx);
	return elf_symbol_name(m, symbol);
}

int loader_explain(const struct elf_module *m, unsigned section,
		   const Elf64_Rela *r, int err, const char *why,
		   char reason[ELF_REASON_MAX])
{
	uint32_t type = ELF64_R_TYPE(r->r_info);
	uint32_t symbol = ELF64_R_SYM(r->r_info);
	const char *type_name = NULL;
	char number[24];

	if (!reason)
		return err;
	riscv_reloc_kind(type, &type_name);
	if (!type_name) {
		snprintf(number, sizeof(number), "relocation type %u", type);
		type_name = number;
	}
	if (symbol == STN_UNDEF || symbol >= m->nsymbols)
		snprintf(reason, ELF_REASON_MAX, "%s at %.40s+0x%llx: %s",
			 type_name, elf_section_name(m, section),
			 (unsigned long long)r->r_offset, why);
	else
		snprintf(reason, ELF_REASON_MAX,
			 "%s at %.40s+0x%llx against %.40s: %s", type_name,
			 elf_section_name(m, section),
			 (unsigned long long)r->r_offset,
			 symbol_label(m, symbol), why);
	return err;
}
