/*
 * symbols.c - stage 3 of the module loader: the value of every symbol.
 *
 * Each relocation adds a symbol's value, S in the psABI's formulas.  The
 * link works S out once per entry of the symbol table, into the scratch
 * array l->value, in two steps of loader_link() (link.c):
 *
 *   Step 1, the undefined symbols, before a byte is copied.  Each is looked
 *   up once with the caller's resolve(), in symbol-table order: the kernel
 *   answers from its exports and the loaded modules' (kernel/module/), a
 *   host test with addresses of its own.  The first one unknown and not
 *   weak stops the link ("unknown symbol foo").  A weak symbol nobody
 *   defines is "missing": it is worth 0, and l->missing remembers it, so
 *   that a call to it becomes a jump to address 0 as GNU ld links it
 *   (plt.c).
 *
 *   Step 3, the defined symbols, once the sections are copied.  A symbol in
 *   a loaded section is worth the section's run-time address plus its
 *   st_value, less the ALIGN padding removed before it
 *   (align_symbol_offset(), a binary search in the section's cut table,
 *   which the copy built: hence the wait); an SHN_ABS symbol is worth its
 *   st_value.
 *
 * Relocations name symbols by their index, locals included, so the link
 * never looks a name up in the module itself: the cost is one pass over
 * the table plus one resolve() per undefined symbol.
 *
 * After the link the scratch array is gone.  loader_symbol_address() (by
 * name, global and weak symbols before local ones) and
 * loader_symbol_value() (by index) answer from the layout and the target
 * alone, walking the symbol's section's paddings from its start
 * (loader_offsets, align.c): linear per call.  To place many symbols, use
 * loader_offsets_* directly, as kernel/module/debug.c does.
 */
#include <stddef.h>
#include <stdint.h>

#include <keel/errno.h>

#include "lib/printf.h"
#include "lib/string.h"

#include "link_internal.h"

/* ---- during the link --------------------------------------------------- */

int symbols_resolve_undefined(struct link *l, loader_resolve_fn resolve,
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

void symbols_value_defined(struct link *l)
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
		l->value[i] =
		    region_address(l, place->region) + place->offset +
		    align_symbol_offset(l, sym->st_shndx, sym->st_value);
	}
}

/* ---- after the link ---------------------------------------------------- */

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
