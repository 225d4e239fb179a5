/*
 * layout.c - stage 2 of the module loader: where each section goes.
 *
 * A module's SHF_ALLOC sections are laid out in three regions, each mapped
 * with one permission, in section-header order:
 *
 *     LOADER_TEXT     SHF_EXECINSTR sections      .text .text.*  | PLT
 *     LOADER_RODATA   neither executable nor      .rodata* .srodata*
 *                     writable                    .keel.*        | GOT
 *     LOADER_DATA     SHF_WRITE sections          .data* .sdata* .bss*
 *
 * Each section starts at the first offset of its region that satisfies its
 * sh_addralign, so a section's offset modulo its alignment is its address
 * modulo its alignment once the region sits at a page-aligned address.  The
 * PLT follows the last text section (16-byte aligned) and the GOT the last
 * read-only one (8-byte aligned); each region is then rounded up to whole
 * pages.  Sections that are not SHF_ALLOC (symbols, strings, relocations,
 * debug information) stay in the file.
 *
 * One pass over the relocations of the loaded sections counts everything
 * the link will need:
 *
 *   - GOT and PLT slots.  slot_of_symbol[] first holds, per symbol, what it
 *     needs (NEEDS_GOT for R_RISCV_GOT_HI20, NEEDS_PLT for a call), so each
 *     relocation costs one array access, whatever the module's size; a walk
 *     over the symbols then numbers the slots: PLT targets first (slot k
 *     is PLT entry k's GOT slot), then the symbols only GOT_HI20 names.
 *     The link fills them (plt.c).
 *   - For each section, its PCREL_HI20 and GOT_HI20 entries, which size
 *     the table the link pairs them with their PCREL_LO12s in (pcrel.c).
 *   - R_RISCV_ALIGN paddings.  The assembler sized each for the worst
 *     case; once the section's offset is known, each keeps only the NOPs
 *     its alignment needs and the rest is removed, as GNU ld removes it.
 *     The paddings are worked out in file order (loader_cuts_feed(),
 *     align.c, which tells the whole story) and the section's size
 *     shrinks by the total.
 *
 * The section placed, its size known, the next one is placed after it:
 * everything is decided in the one pass, in time linear in the number of
 * sections, symbols and relocations.  Nothing is allocated: the two arrays
 * written are the caller's.  Sizes cannot overflow: the validator bounds
 * the loaded sections, with their alignment padding, by
 * ELF_MODULE_MAX_MEMORY, and the GOT and PLT add at most 24 bytes per
 * symbol in 64-bit arithmetic; a region beyond ELF_MODULE_MAX_MEMORY is
 * refused.
 *
 * Once the caller has placed the regions, loader_section_address() tells
 * where a section went: its region's address plus its offset.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <keel/errno.h>

#include "lib/printf.h"

#include "loader.h"
#include "reloc_riscv.h"

#define PLT_ALIGNMENT 16

/* slot_of_symbol[] while counting: what each symbol needs. */
#define NEEDS_GOT 1
#define NEEDS_PLT 2

static const char *const region_names[LOADER_REGIONS] = {
    [LOADER_TEXT] = "text",
    [LOADER_RODATA] = "read-only data",
    [LOADER_DATA] = "data",
};

/* value rounded up to a multiple of alignment (a power of two). */
static uint64_t align_up(uint64_t value, uint64_t alignment)
{
	return (value + alignment - 1) & ~(alignment - 1);
}

__attribute__((format(printf, 2, 3))) static int refuse(char *reason,
							const char *format, ...)
{
	va_list args;

	va_start(args, format);
	vsnprintf(reason, ELF_REASON_MAX, format, args);
	va_end(args);
	return -ENOEXEC;
}

/* ---- counting ---------------------------------------------------------- */

/* Symbol `symbol` needs `what` (NEEDS_GOT, NEEDS_PLT); count new slots. */
static void need(struct loader_layout *layout, uint32_t symbol, int32_t what)
{
	int32_t *needs = &layout->slot_of_symbol[symbol];

	if (!*needs)
		layout->got_slots++;
	if ((what & NEEDS_PLT) && !(*needs & NEEDS_PLT))
		layout->plt_slots++;
	*needs |= what;
}

/*
 * Read every relocation patching section `index`, just placed: count its
 * HI20s and the GOT and PLT slots, and remove its excess ALIGN padding.
 */
static int scan_relocations(const struct elf_module *m,
			    struct loader_layout *layout, unsigned index,
			    char *reason)
{
	struct loader_place *place = &layout->sections[index];
	struct loader_cuts walk;
	struct loader_cut cut;
	int err;

	loader_cuts_start(&walk, m, layout, index);
	for (unsigned rela = place->first_rela; rela;
	     rela = layout->sections[rela].next_rela) {
		const Elf64_Shdr *rs = &m->sections[rela];
		const Elf64_Rela *entries =
		    (const Elf64_Rela *)(m->file + rs->sh_offset);
		unsigned long count = rs->sh_size / sizeof(Elf64_Rela);

		for (unsigned long j = 0; j < count; j++) {
			uint32_t symbol = ELF64_R_SYM(entries[j].r_info);

			switch (ELF64_R_TYPE(entries[j].r_info)) {
			case R_RISCV_CALL:
			case R_RISCV_CALL_PLT:
			case R_RISCV_PLT32:
				need(layout, symbol, NEEDS_PLT);
				break;
			case R_RISCV_GOT_HI20:
				need(layout, symbol, NEEDS_GOT);
				place->hi20s++;
				break;
			case R_RISCV_PCREL_HI20:
				place->hi20s++;
				break;
			case R_RISCV_ALIGN:
				err = loader_cuts_feed(&walk, &entries[j], &cut,
						       reason);
				if (err)
					return err;
				if (cut.removed) {
					place->cuts++;
					layout->cuts++;
				}
				break;
			default:
				break;
			}
		}
	}
	place->size = m->sections[index].sh_size - walk.removed;
	if (place->hi20s > layout->hi20s_most)
		layout->hi20s_most = place->hi20s;
	return 0;
}

/* ---- placing ----------------------------------------------------------- */

static int region_of(const Elf64_Shdr *sh)
{
	if (sh->sh_flags & SHF_EXECINSTR)
		return LOADER_TEXT;
	if (sh->sh_flags & SHF_WRITE)
		return LOADER_DATA;
	return LOADER_RODATA;
}

/*
 * Chain each loaded section's SHT_RELA sections, in section order, through
 * first_rela and next_rela.  Walking backwards makes prepending keep the
 * order.
 */
static void chain_relocation_sections(const struct elf_module *m,
				      struct loader_layout *layout)
{
	for (unsigned i = m->nsections - 1; i > 0; i--) {
		const Elf64_Shdr *sh = &m->sections[i];
		struct loader_place *target;

		if (sh->sh_type != SHT_RELA || sh->sh_info >= m->nsections ||
		    !(m->sections[sh->sh_info].sh_flags & SHF_ALLOC))
			continue;
		target = &layout->sections[sh->sh_info];
		layout->sections[i].next_rela = target->first_rela;
		target->first_rela = i;
	}
}

/* Number the slots: PLT targets first, then GOT-only symbols. */
static void number_slots(const struct elf_module *m,
			 struct loader_layout *layout)
{
	int32_t next_plt = 0, next_got = (int32_t)layout->plt_slots;

	for (unsigned s = 0; s < m->nsymbols; s++) {
		int32_t needs = layout->slot_of_symbol[s];

		if (needs & NEEDS_PLT)
			layout->slot_of_symbol[s] = next_plt++;
		else if (needs & NEEDS_GOT)
			layout->slot_of_symbol[s] = next_got++;
		else
			layout->slot_of_symbol[s] = -1;
	}
}

/* Append the GOT and PLT, round the regions to pages, check their sizes. */
static int finish_regions(struct loader_layout *layout,
			  uint64_t end[LOADER_REGIONS], char *reason)
{
	layout->got_offset = align_up(end[LOADER_RODATA], LOADER_GOT_SLOT_SIZE);
	if (layout->got_slots)
		end[LOADER_RODATA] =
		    layout->got_offset +
		    (uint64_t)layout->got_slots * LOADER_GOT_SLOT_SIZE;
	layout->plt_offset = align_up(end[LOADER_TEXT], PLT_ALIGNMENT);
	if (layout->plt_slots)
		end[LOADER_TEXT] =
		    layout->plt_offset +
		    (uint64_t)layout->plt_slots * LOADER_PLT_ENTRY_SIZE;
	for (int r = 0; r < LOADER_REGIONS; r++) {
		if (end[r] > ELF_MODULE_MAX_MEMORY)
			return refuse(reason,
				      "the module's %s would need %llu bytes, "
				      "more than %u MiB",
				      region_names[r],
				      (unsigned long long)end[r],
				      ELF_MODULE_MAX_MEMORY >> 20);
		layout->region_size[r] = align_up(end[r], LOADER_PAGE_SIZE);
	}
	return 0;
}

int loader_layout(const struct elf_module *m, struct loader_layout *layout,
		  char reason[ELF_REASON_MAX])
{
	uint64_t end[LOADER_REGIONS] = {0};
	char scratch[ELF_REASON_MAX];
	int err;

	if (!reason)
		reason = scratch;
	reason[0] = '\0';
	if (!m || !m->sections || !m->symbols || !layout || !layout->sections ||
	    !layout->slot_of_symbol) {
		snprintf(reason, ELF_REASON_MAX,
			 "no module, or no arrays for its layout");
		return -EINVAL;
	}
	if (m->nsymbols > INT32_MAX)
		return refuse(reason,
			      "%u symbols: the loader numbers at most "
			      "%d",
			      m->nsymbols, INT32_MAX);

	for (int r = 0; r < LOADER_REGIONS; r++)
		layout->region_size[r] = 0;
	layout->nsections = m->nsections;
	layout->got_offset = layout->plt_offset = 0;
	layout->got_slots = layout->plt_slots = 0;
	layout->hi20s_most = layout->cuts = 0;
	for (unsigned i = 0; i < m->nsections; i++)
		layout->sections[i] =
		    (struct loader_place){.region = LOADER_NOT_LOADED};
	for (unsigned s = 0; s < m->nsymbols; s++)
		layout->slot_of_symbol[s] = 0;
	chain_relocation_sections(m, layout);

	for (unsigned i = 1; i < m->nsections; i++) {
		const Elf64_Shdr *sh = &m->sections[i];
		struct loader_place *place = &layout->sections[i];
		uint64_t alignment = sh->sh_addralign ? sh->sh_addralign : 1;

		if (!(sh->sh_flags & SHF_ALLOC))
			continue;
		place->region = region_of(sh);
		place->offset = align_up(end[place->region], alignment);
		place->first_cut = layout->cuts;
		err = scan_relocations(m, layout, i, reason);
		if (err)
			return err;
		end[place->region] = place->offset + place->size;
	}
	number_slots(m, layout);
	return finish_regions(layout, end, reason);
}

/* ---- after the link ---------------------------------------------------- */

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
