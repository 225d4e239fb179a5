/*
 * elf_validate_symbols.c - stage 1 of the module loader, continued: the
 * symbol table, the relocations and the groups.
 *
 * elf_validate.c has checked the file header, the section-name table and
 * every section header (steps 1 to 3 of its essay): each section's bytes
 * lie inside the file and there is exactly one symbol table.  What is
 * left is what those sections hold:
 *
 *   4. The symbol table (elf_check_symbols): entry size, a string table ending
 *      in NUL, locals before globals, and every symbol: name in range;
 *      binding local, global or weak; no common, TLS or IFUNC symbols;
 *      a section index that exists (or UNDEF, ABS); a value inside its
 *      section (equal to the size is allowed: an end marker).
 *
 *   5. Relocation and group sections (elf_check_links).  Each SHT_RELA: entry
 *      size, its symbol table is the module's, its target exists.  When
 *      the target is not SHF_ALLOC (debug information) the loader skips
 *      the section; it is counted apart and its entries are not examined.
 *      Otherwise every entry: a type riscv_reloc_kind() accepts (TLS,
 *      dynamic-linking and unknown types are refused by name), a symbol
 *      index in range (0 only for the markers NONE, RELAX and ALIGN), a
 *      symbol that will have an address (not in a section the loader
 *      skips), the bytes it patches inside the target, and SET_ULEB128 /
 *      SUB_ULEB128 in the pairs the psABI requires.  Each SHT_GROUP: its
 *      symbol table is the module's, its members exist.
 *
 * Policy:
 *   - Groups (SHT_GROUP, COMDAT) are allowed.  A module is one object
 *     linked against the kernel, never beside another copy of the same
 *     group, so the loader keeps every member like any other section.
 *
 * As in elf_validate.c, every check is O(1) per symbol or relocation
 * entry, arithmetic on values from the file cannot overflow, nothing is
 * allocated and nothing outside the file is read.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <keel/errno.h>

#include "elf_validate.h"
#include "elf_validate_internal.h"
#include "reloc_riscv.h"

/* ---- 4. the symbol table ----------------------------------------------- */

static int check_symbol(struct validation *v, unsigned i, unsigned first_global)
{
	const struct elf_module *m = &v->m;
	const Elf64_Sym *sym = &m->symbols[i];
	unsigned bind = ELF64_ST_BIND(sym->st_info);
	unsigned type = ELF64_ST_TYPE(sym->st_info);
	const Elf64_Shdr *section;

	if (sym->st_name >= m->strings_size)
		return elf_refuse(v,
				  "symbol %u: name offset 0x%x is beyond the "
				  "string table (0x%llx bytes)",
				  i, sym->st_name,
				  (unsigned long long)m->strings_size);
	if (bind != STB_LOCAL && bind != STB_GLOBAL && bind != STB_WEAK)
		return elf_refuse_at(
		    v, SYMBOL, i,
		    " has binding %u%s: only local, global and weak exist here",
		    bind, bind == STB_GNU_UNIQUE ? " (STB_GNU_UNIQUE)" : "");
	if ((bind == STB_LOCAL) != (i < first_global))
		return elf_refuse_at(
		    v, SYMBOL, i,
		    " is %s, but the symbol table says globals start at %u",
		    bind == STB_LOCAL ? "local" : "global", first_global);
	if (sym->st_shndx == SHN_COMMON || type == STT_COMMON)
		return elf_refuse(
		    v, "uses a common symbol %.48s: build with -fno-common",
		    elf_symbol_name(m, i));
	if (type == STT_TLS)
		return elf_refuse_at(
		    v, SYMBOL, i,
		    " is thread-local storage, which modules cannot use");
	if (type == STT_GNU_IFUNC)
		return elf_refuse_at(
		    v, SYMBOL, i,
		    " is an indirect function (STT_GNU_IFUNC), "
		    "which needs a dynamic linker");
	if (type > STT_FILE)
		return elf_refuse_at(v, SYMBOL, i, " has unknown type %u",
				     type);

	if (sym->st_shndx == SHN_UNDEF && bind == STB_LOCAL && i != STN_UNDEF)
		return elf_refuse_at(v, SYMBOL, i, " is local and undefined");
	if (sym->st_shndx == SHN_UNDEF || sym->st_shndx == SHN_ABS)
		return 0;
	if (sym->st_shndx == SHN_XINDEX)
		return elf_refuse_at(v, SYMBOL, i,
				     " uses an extended section index "
				     "(SHN_XINDEX): not supported");
	if (sym->st_shndx >= SHN_LORESERVE)
		return elf_refuse_at(v, SYMBOL, i,
				     " has reserved section index 0x%x",
				     sym->st_shndx);
	if (sym->st_shndx >= m->nsections)
		return elf_refuse_at(
		    v, SYMBOL, i,
		    " is in section %u, but there are only %u sections",
		    sym->st_shndx, m->nsections);
	section = &m->sections[sym->st_shndx];
	if (sym->st_value > section->sh_size)
		return elf_refuse_at(
		    v, SYMBOL, i,
		    " at 0x%llx is beyond the end of %.40s (0x%llx bytes)",
		    (unsigned long long)sym->st_value,
		    elf_section_name(m, sym->st_shndx),
		    (unsigned long long)section->sh_size);
	return 0;
}

int elf_check_symbols(struct validation *v)
{
	struct elf_module *m = &v->m;
	const Elf64_Shdr *sh = &m->sections[m->symtab_index];
	uint64_t count = sh->sh_size / sizeof(Elf64_Sym);
	int err;

	if (sh->sh_entsize != sizeof(Elf64_Sym))
		return elf_refuse(v, "symbol table entry size %llu is not %u",
				  (unsigned long long)sh->sh_entsize,
				  (unsigned)sizeof(Elf64_Sym));
	if (sh->sh_size % sizeof(Elf64_Sym))
		return elf_refuse(
		    v, "symbol table size 0x%llx is not a multiple of %u",
		    (unsigned long long)sh->sh_size,
		    (unsigned)sizeof(Elf64_Sym));
	if (count == 0)
		return elf_refuse(
		    v, "symbol table is empty (not even the null symbol)");
	if (count > UINT32_MAX)
		return elf_refuse(v, "symbol table has 2^32 symbols or more");
	if (sh->sh_offset % 8)
		return elf_refuse(
		    v, "symbol table at 0x%llx is not 8-byte aligned",
		    (unsigned long long)sh->sh_offset);
	if (sh->sh_info > count)
		return elf_refuse(
		    v,
		    "symbol table says globals start at %u, but it "
		    "has %llu symbols",
		    sh->sh_info, (unsigned long long)count);
	err = elf_check_string_table(v, sh->sh_link, "the symbol string table");
	if (err)
		return err;

	m->symbols = (const Elf64_Sym *)(m->file + sh->sh_offset);
	m->nsymbols = (unsigned)count;
	m->strings = (const char *)m->file + m->sections[sh->sh_link].sh_offset;
	m->strings_size = m->sections[sh->sh_link].sh_size;
	for (unsigned i = 0; i < m->nsymbols; i++) {
		err = check_symbol(v, i, sh->sh_info);
		if (err)
			return err;
	}
	return 0;
}

/* ---- 5. relocations and groups ----------------------------------------- */

/* Why a type riscv_reloc_kind() refuses cannot be used by a module. */
static const char *refused_because(uint32_t type)
{
	switch (type) {
	case R_RISCV_RELATIVE:
	case R_RISCV_COPY:
	case R_RISCV_JUMP_SLOT:
	case R_RISCV_IRELATIVE:
		return "dynamic linking";
	case R_RISCV_GPREL_LO12_I:
	case R_RISCV_GPREL_LO12_S:
	case R_RISCV_GPREL_HI20:
		return "gp-relative addressing";
	default:
		return "thread-local storage";
	}
}

/* The symbol a relocation names must have a run-time address. */
static int check_relocation_symbol(struct validation *v, unsigned long j,
				   uint32_t symbol)
{
	const struct elf_module *m = &v->m;
	const Elf64_Sym *sym;

	if (symbol >= m->nsymbols)
		return elf_refuse_at(
		    v, RELOCATION, j,
		    " refers to symbol %u, but there are only %u symbols",
		    symbol, m->nsymbols);
	sym = &m->symbols[symbol];
	/* elf_check_symbols() left only UNDEF, ABS and real section indices. */
	if (sym->st_shndx == SHN_UNDEF || sym->st_shndx == SHN_ABS ||
	    (m->sections[sym->st_shndx].sh_flags & SHF_ALLOC))
		return 0;
	if (ELF64_ST_TYPE(sym->st_info) == STT_SECTION)
		return elf_refuse_at(
		    v, RELOCATION, j,
		    " refers to section %.40s, which is not loaded",
		    elf_section_name(m, sym->st_shndx));
	return elf_refuse_at(
	    v, RELOCATION, j,
	    " refers to %.40s in %.40s, a section that is not loaded",
	    elf_symbol_name(m, symbol), elf_section_name(m, sym->st_shndx));
}

/* Entry j of SHT_RELA `entries` (count of them), patching section `target`. */
static int check_relocation(struct validation *v, const Elf64_Rela *entries,
			    unsigned long count, unsigned long j,
			    unsigned target)
{
	const Elf64_Rela *r = &entries[j];
	const Elf64_Shdr *target_sh = &v->m.sections[target];
	const char *target_name = elf_section_name(&v->m, target);
	uint32_t type = ELF64_R_TYPE(r->r_info);
	uint32_t symbol = ELF64_R_SYM(r->r_info);
	const char *type_name;
	enum riscv_reloc_kind kind = riscv_reloc_kind(type, &type_name);
	uint64_t width = riscv_reloc_width(type), end;
	bool uleb128 =
	    type == R_RISCV_SET_ULEB128 || type == R_RISCV_SUB_ULEB128;
	int err;

	if (kind == RISCV_RELOC_REFUSED && !type_name)
		return elf_refuse_at(v, RELOCATION, j, " has unknown type %u",
				     type);
	if (kind == RISCV_RELOC_REFUSED)
		return elf_refuse_at(
		    v, RELOCATION, j,
		    " has type %s (%s), which modules cannot use", type_name,
		    refused_because(type));
	if (symbol == STN_UNDEF && kind != RISCV_RELOC_MARKER)
		return elf_refuse_at(v, RELOCATION, j, " (%s) names no symbol",
				     type_name);
	if (symbol != STN_UNDEF) {
		err = check_relocation_symbol(v, j, symbol);
		if (err)
			return err;
	}

	if (uleb128) {
		int length = -EINVAL;

		if (r->r_offset < target_sh->sh_size)
			length = riscv_uleb128_length(
			    v->m.file + target_sh->sh_offset + r->r_offset,
			    target_sh->sh_size - r->r_offset);
		if (length < 0)
			return elf_refuse_at(
			    v, RELOCATION, j,
			    ": no complete ULEB128 at 0x%llx in %.40s",
			    (unsigned long long)r->r_offset, target_name);
		width = (unsigned)length;
	}
	if (__builtin_add_overflow(r->r_offset, width, &end) ||
	    end > target_sh->sh_size)
		return elf_refuse_at(
		    v, RELOCATION, j,
		    " patches %u bytes at 0x%llx, beyond the end "
		    "of %.40s (0x%llx bytes)",
		    (unsigned)width, (unsigned long long)r->r_offset,
		    target_name, (unsigned long long)target_sh->sh_size);

	/* The psABI pairs every SET_ULEB128 with a SUB_ULEB128 right after. */
	if (type == R_RISCV_SET_ULEB128 &&
	    (j + 1 >= count ||
	     ELF64_R_TYPE(r[1].r_info) != R_RISCV_SUB_ULEB128 ||
	     r[1].r_offset != r->r_offset))
		return elf_refuse_at(
		    v, RELOCATION, j,
		    ": R_RISCV_SET_ULEB128 is not followed by its "
		    "R_RISCV_SUB_ULEB128");
	if (type == R_RISCV_SUB_ULEB128 &&
	    (j == 0 || ELF64_R_TYPE(r[-1].r_info) != R_RISCV_SET_ULEB128 ||
	     r[-1].r_offset != r->r_offset))
		return elf_refuse_at(v, RELOCATION, j,
				     ": R_RISCV_SUB_ULEB128 does not follow an "
				     "R_RISCV_SET_ULEB128");
	return 0;
}

static int check_rela_section(struct validation *v, unsigned i)
{
	struct elf_module *m = &v->m;
	const Elf64_Shdr *sh = &m->sections[i];
	const Elf64_Rela *entries;
	unsigned long count = sh->sh_size / sizeof(Elf64_Rela);
	unsigned target = sh->sh_info;
	int err;

	if (sh->sh_entsize != sizeof(Elf64_Rela))
		return elf_refuse_at(v, SECTION, i,
				     ": entry size %llu is not %u",
				     (unsigned long long)sh->sh_entsize,
				     (unsigned)sizeof(Elf64_Rela));
	if (sh->sh_size % sizeof(Elf64_Rela))
		return elf_refuse_at(v, SECTION, i,
				     ": size 0x%llx is not a multiple of %u",
				     (unsigned long long)sh->sh_size,
				     (unsigned)sizeof(Elf64_Rela));
	if (sh->sh_offset % 8)
		return elf_refuse_at(v, SECTION, i,
				     " at 0x%llx is not 8-byte aligned",
				     (unsigned long long)sh->sh_offset);
	if (sh->sh_link != m->symtab_index)
		return elf_refuse_at(
		    v, SECTION, i,
		    " uses symbol table %u, but the module's is section %u",
		    sh->sh_link, m->symtab_index);
	if (target == SHN_UNDEF || target >= m->nsections)
		return elf_refuse_at(
		    v, SECTION, i,
		    " applies to section %u, which does not exist "
		    "(%u sections)",
		    target, m->nsections);
	if (!(m->sections[target].sh_flags & SHF_ALLOC)) {
		/* Debug information: the loader does not load or patch it. */
		m->nrela_skipped++;
		m->skipped_relocations += count;
		return 0;
	}
	if (m->sections[target].sh_type == SHT_NOBITS)
		return elf_refuse_at(
		    v, SECTION, i,
		    " patches %.40s, which has no bytes in the "
		    "file (SHT_NOBITS)",
		    elf_section_name(m, target));

	entries = (const Elf64_Rela *)(m->file + sh->sh_offset);
	v->rela_name = elf_section_name(m, i);
	for (unsigned long j = 0; j < count; j++) {
		err = check_relocation(v, entries, count, j, target);
		if (err)
			return err;
	}
	m->nrela++;
	m->total_relocations += count;
	return 0;
}

/* Little-endian 32-bit word `n` of section data that may be unaligned. */
static uint32_t word_at(const uint8_t *data, uint64_t n)
{
	const uint8_t *p = data + 4 * n;

	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static int check_group(struct validation *v, unsigned i)
{
	const struct elf_module *m = &v->m;
	const Elf64_Shdr *sh = &m->sections[i];
	const uint8_t *data = m->file + sh->sh_offset;
	uint64_t words = sh->sh_size / 4;

	if (sh->sh_entsize != 4 || sh->sh_size % 4 || words == 0)
		return elf_refuse_at(
		    v, SECTION, i,
		    ": entry size %llu and size 0x%llx do not make a group",
		    (unsigned long long)sh->sh_entsize,
		    (unsigned long long)sh->sh_size);
	if (sh->sh_link != m->symtab_index || sh->sh_info >= m->nsymbols)
		return elf_refuse_at(
		    v, SECTION, i,
		    ": group signature symbol %u of symbol table "
		    "%u does not exist",
		    sh->sh_info, sh->sh_link);
	if (word_at(data, 0) & ~(uint32_t)GRP_COMDAT)
		return elf_refuse_at(v, SECTION, i,
				     ": unknown group flags 0x%x",
				     word_at(data, 0));
	for (uint64_t n = 1; n < words; n++) {
		uint32_t member = word_at(data, n);

		if (member == SHN_UNDEF || member >= m->nsections ||
		    member == i)
			return elf_refuse_at(v, SECTION, i,
					     ": group lists section %u, which "
					     "cannot be a member",
					     member);
	}
	return 0;
}

int elf_check_links(struct validation *v)
{
	int err = 0;

	for (unsigned i = 1; i < v->m.nsections && !err; i++) {
		if (v->m.sections[i].sh_type == SHT_RELA)
			err = check_rela_section(v, i);
		else if (v->m.sections[i].sh_type == SHT_GROUP)
			err = check_group(v, i);
	}
	return err;
}
