/*
 * test_elf_validate.c - stage 1 of the module loader against real objects.
 *
 * Four parts, each a table of named cases:
 *
 *   - valid modules: module.c as GNU gcc and clang build it (relaxed,
 *     -mno-relax, -g, two code models), a COMDAT group and a generated
 *     object with tens of thousands of relocations must validate, with
 *     counts that agree with readelf's;
 *   - refusals: one corrupt variant per check, patched into a copy of a
 *     valid object (or compiled that way: -fcommon, __thread, an "awx"
 *     section, -mabi=lp64d, an x86-64 object), each expecting -ENOEXEC
 *     and a reason containing the words a user would need;
 *   - boundaries that must still pass (a symbol at the very end of its
 *     section, a well-formed ULEB128 pair);
 *   - robustness: every truncation of a valid module, and seeded
 *     single-byte corruptions, under ASan/UBSan.  An object the validator
 *     accepts is then walked the way the later stages walk it, so a check
 *     that let something through shows up as an out-of-bounds read.
 *
 * Objects come from elf_fixture.h; without the RISC-V compiler the cases
 * that need it are reported as skipped.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <keel/errno.h>

#include "tap.h"

#include "elf_validate.h"
#include "fixtures/elf/elf_fixture.h"
#include "reloc_riscv.h"

static const char *skip_reason; /* set by a case that cannot run here */

/* The fixture, or NULL after marking the case skipped or failed. */
static const struct object *need(enum fixture_id id)
{
	const char *why;
	bool missing_tool;
	const struct object *o = fixture_get(id, &why, &missing_tool);

	if (o)
		return o;
	if (missing_tool || id == FIX_DOUBLE) {
		skip_reason = why; /* lp64d needs an FP-capable multilib */
	} else {
		printf("#   fixture %s: %s\n", fixture_recipes[id].name, why);
		tap_case_failed = 1;
	}
	return NULL;
}

/* A private copy, in a buffer of exactly the object's size. */
static struct object copy_of(const struct object *o)
{
	struct object c = {malloc(o->size), o->size};

	if (!c.bytes)
		abort();
	memcpy(c.bytes, o->bytes, o->size);
	return c;
}

static int validate(const struct object *o, struct elf_module *m,
		    char reason[ELF_REASON_MAX])
{
	return elf_validate(o->bytes, o->size, m, reason);
}

/* ---- walking an accepted object as the later stages do ----------------- */

/*
 * Touch every byte the view promises is there: each section's data, each
 * name, each symbol, and the bytes each loaded relocation patches.  An
 * object the validator wrongly accepted makes this read out of bounds,
 * which ASan reports.  Returns a checksum so nothing is optimised away.
 */
static unsigned long walk_view(const struct elf_module *m)
{
	unsigned long sum = 0;

	CHECK(m->ehdr == (const Elf64_Ehdr *)m->file);
	for (unsigned i = 0; i < m->nsections; i++) {
		const Elf64_Shdr *sh = &m->sections[i];

		sum += strlen(elf_section_name(m, i));
		if (sh->sh_type == SHT_NOBITS || sh->sh_type == SHT_NULL)
			continue;
		for (uint64_t k = 0; k < sh->sh_size; k++)
			sum += m->file[sh->sh_offset + k];
	}
	for (unsigned i = 0; i < m->nsymbols; i++) {
		const Elf64_Sym *sym = &m->symbols[i];

		sum += strlen(elf_symbol_name(m, i));
		if (sym->st_shndx != SHN_UNDEF && sym->st_shndx != SHN_ABS) {
			CHECK(sym->st_shndx < m->nsections);
			if (sym->st_shndx < m->nsections)
				CHECK(sym->st_value <=
				      m->sections[sym->st_shndx].sh_size);
		}
	}
	for (unsigned i = 0; i < m->nsections; i++) {
		const Elf64_Shdr *sh = &m->sections[i];
		const Elf64_Rela *rela;
		const Elf64_Shdr *target;

		if (sh->sh_type != SHT_RELA)
			continue;
		CHECK(sh->sh_link == m->symtab_index);
		CHECK(sh->sh_info > 0 && sh->sh_info < m->nsections);
		target = &m->sections[sh->sh_info];
		if (!(target->sh_flags & SHF_ALLOC))
			continue;
		rela = (const Elf64_Rela *)(m->file + sh->sh_offset);
		for (uint64_t j = 0; j < sh->sh_size / sizeof(*rela); j++) {
			uint32_t type = ELF64_R_TYPE(rela[j].r_info);
			unsigned width = riscv_reloc_width(type);

			CHECK(ELF64_R_SYM(rela[j].r_info) < m->nsymbols);
			CHECK(riscv_reloc_kind(type, NULL) !=
			      RISCV_RELOC_REFUSED);
			if (type == R_RISCV_SET_ULEB128 ||
			    type == R_RISCV_SUB_ULEB128)
				width = (unsigned)riscv_uleb128_length(
				    m->file + target->sh_offset +
					rela[j].r_offset,
				    target->sh_size - rela[j].r_offset);
			for (unsigned k = 0; k < width; k++)
				sum += m->file[target->sh_offset +
					       rela[j].r_offset + k];
		}
	}
	return sum;
}

/* ---- valid modules ----------------------------------------------------- */

/* Validate fixture `id`, compare with readelf, walk the view. */
static void check_valid(enum fixture_id id, struct elf_module *m)
{
	const struct object *o = need(id);
	struct readelf_counts counts;
	char reason[ELF_REASON_MAX] = "junk";

	memset(m, 0, sizeof(*m));
	if (!o)
		return;
	CHECK_EQ(validate(o, m, reason), 0);
	if (reason[0])
		printf("#   reason: %s\n", reason);
	CHECK(reason[0] == '\0');
	CHECK(m->file == o->bytes && m->size == o->size);
	CHECK_EQ(m->nsections, obj_ehdr((struct object *)o)->e_shnum);
	CHECK(m->symtab_index > 0 && m->symtab_index < m->nsections);
	CHECK(strcmp(elf_section_name(m, m->symtab_index), ".symtab") == 0);
	CHECK(strcmp(elf_section_name(m, 0), "") == 0);
	CHECK(strcmp(elf_section_name(m, m->nsections), "?") == 0);
	CHECK(strcmp(elf_symbol_name(m, 0), "") == 0);
	CHECK(strcmp(elf_symbol_name(m, m->nsymbols), "?") == 0);
	CHECK(m->nsymbols > 1);
	CHECK(m->nrela >= 1);
	CHECK(m->total_relocations >= m->nrela);
	if (readelf_count(id, &counts)) {
		CHECK_EQ(m->nsymbols, counts.symbols);
		CHECK_EQ(m->total_relocations + m->skipped_relocations,
			 counts.relocations);
		CHECK_EQ(m->nrela + m->nrela_skipped,
			 counts.relocation_sections);
	} else {
		printf("#   readelf not found: counts not cross-checked\n");
	}
	walk_view(m);
}

/* Symbol `name` exists with binding `bind`, defined (or not). */
static void check_symbol(const struct elf_module *m, const char *name,
			 unsigned bind, bool defined)
{
	for (unsigned i = 0; i < m->nsymbols; i++) {
		if (strcmp(elf_symbol_name(m, i), name) == 0) {
			CHECK_EQ(ELF64_ST_BIND(m->symbols[i].st_info), bind);
			CHECK_EQ(m->symbols[i].st_shndx != SHN_UNDEF, defined);
			return;
		}
	}
	printf("#   symbol %s not found\n", name);
	tap_case_failed = 1;
}

/* What module.c must look like, whichever compiler built it. */
static void check_module_c(enum fixture_id id, struct elf_module *m)
{
	check_valid(id, m);
	if (!m->file)
		return;
	check_symbol(m, "counter_apply", STB_GLOBAL, true);
	check_symbol(m, "counter_init", STB_GLOBAL, true);
	check_symbol(m, "counter_limits", STB_GLOBAL, true);
	check_symbol(m, "printk", STB_GLOBAL, false);
	check_symbol(m, "counter_add", STB_LOCAL, true);
	/* .rela.text and the function-pointer table's relocations. */
	CHECK(m->nrela >= 2);
	CHECK(m->total_relocations >= 12);
}

static void test_gcc_module(void)
{
	struct elf_module m;

	check_module_c(FIX_GCC, &m);
	CHECK_EQ(m.nrela_skipped, 0); /* no -g: every relocation is loaded */
}

static void test_gcc_module_no_relax(void)
{
	struct elf_module m;
	struct object *o;

	check_module_c(FIX_GCC_NORELAX, &m);
	o = (struct object *)need(FIX_GCC_NORELAX);
	if (o && obj_loaded_rela(o)) /* -mno-relax: no RELAX markers */
		CHECK_EQ(
		    obj_find_rela_type(o, obj_loaded_rela(o), R_RISCV_RELAX),
		    -1);
}

/* Debug sections' relocations are counted apart and not examined. */
static void test_gcc_module_debug_info(void)
{
	struct elf_module m;

	check_module_c(FIX_GCC_DEBUG, &m);
	if (!m.file)
		return;
	CHECK(m.nrela_skipped >= 1);
	CHECK(m.skipped_relocations > m.total_relocations);
}

static void test_clang_module(void)
{
	struct elf_module m;

	check_module_c(FIX_CLANG, &m);
}

static void test_clang_module_medany(void)
{
	struct elf_module m;

	check_module_c(FIX_CLANG_MEDANY, &m);
}

static void test_comdat_group(void)
{
	struct elf_module m;
	struct object *o;

	check_valid(FIX_GROUP, &m);
	o = (struct object *)need(FIX_GROUP);
	if (o)
		CHECK(obj_find_type(o, SHT_GROUP, 0) != 0);
}

/* Many relocations: exact count, and time that only a linear pass meets. */
static void test_large_module_is_linear(void)
{
	const struct object *o = need(FIX_LARGE);
	struct elf_module m;
	struct timespec start, end;
	double seconds;

	if (!o)
		return;
	clock_gettime(CLOCK_MONOTONIC, &start);
	CHECK_EQ(validate(o, &m, NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &end);
	seconds = (double)(end.tv_sec - start.tv_sec) +
		  (double)(end.tv_nsec - start.tv_nsec) / 1e9;
	printf("#   %lu relocations validated in %.3f s\n", m.total_relocations,
	       seconds);
	/* Each call is CALL_PLT (+ RELAX); each lla PCREL_HI20/LO12 pair. */
	CHECK(m.total_relocations >= 3UL * FIXTURE_LARGE_CALLS);
	CHECK(seconds < 2.0);
	check_valid(FIX_LARGE, &m);
}

/* ---- inputs that need no compiler -------------------------------------- */

static void test_caller_mistakes(void)
{
	char reason[ELF_REASON_MAX];
	struct elf_module m;
	uint64_t aligned[16] = {0};

	CHECK_EQ(elf_validate(NULL, 64, &m, reason), -EINVAL);
	CHECK(strstr(reason, "no module image") != NULL);
	CHECK_EQ(elf_validate(aligned, sizeof(aligned), NULL, reason), -EINVAL);
	CHECK_EQ(elf_validate((uint8_t *)aligned + 1, 64, &m, reason), -EINVAL);
	CHECK(strstr(reason, "8-byte aligned") != NULL);
	CHECK(m.file == NULL && m.nsections == 0);
	/* reason may be NULL. */
	CHECK_EQ(elf_validate(aligned, sizeof(aligned), &m, NULL), -ENOEXEC);
}

static void test_too_short(void)
{
	char reason[ELF_REASON_MAX];
	struct elf_module m;
	uint64_t header[8];

	memcpy(header, ELFMAG, SELFMAG);
	CHECK_EQ(elf_validate(header, 0, &m, reason), -ENOEXEC);
	CHECK(strstr(reason, "too short for an ELF header") != NULL);
	CHECK_EQ(elf_validate(header, sizeof(Elf64_Ehdr) - 1, &m, reason),
		 -ENOEXEC);
	CHECK(strstr(reason, "63 bytes") != NULL);
}

static void test_not_elf(void)
{
	char reason[ELF_REASON_MAX];
	struct elf_module m;
	union {
		char text[128];
		uint64_t align;
	} file = {"#!/bin/sh\necho this is a shell script, not a module\n"};

	CHECK_EQ(elf_validate(file.text, sizeof(file.text), &m, reason),
		 -ENOEXEC);
	CHECK(strstr(reason, "not an ELF file") != NULL);
}

/* Every name lookup is safe on a zeroed view. */
static void test_names_on_empty_view(void)
{
	struct elf_module m;

	memset(&m, 0, sizeof(m));
	CHECK(strcmp(elf_section_name(&m, 0), "?") == 0);
	CHECK(strcmp(elf_symbol_name(&m, 3), "?") == 0);
}

/* ---- refusals: one corrupt variant per check --------------------------- */

/* Patch functions: false when the object lacks what they need to change. */
typedef bool (*patch_fn)(struct object *o);

struct mutation {
	const char *name;
	enum fixture_id fixture;
	patch_fn patch;		/* NULL: the fixture is refused as built */
	int expect;		/* -ENOEXEC, or 0 for a boundary that passes */
	const char *words;	/* must appear in the reason */
	const char *more_words; /* and these too, or NULL */
};

#define PATCH(name, body)                                                      \
	static bool name(struct object *o)                                     \
	{                                                                      \
		body;                                                          \
		return true;                                                   \
	}

/* Index of `name`, failing the patch when there is none. */
/* clang-format off */
#define SECTION(var, name)                                                     \
	unsigned var = obj_find_section(o, name);                              \
	if (!var)                                                              \
		return false
/* clang-format on */

/* The first loaded relocation section and the index of an entry of type. */
/* clang-format off */
#define RELA_OF_TYPE(sec, entry, type)                                         \
	unsigned sec = obj_loaded_rela(o);                                     \
	long entry = sec ? obj_find_rela_type(o, sec, type) : -1;              \
	if (entry < 0)                                                         \
		return false
/* clang-format on */

/* The file header. */
PATCH(set_magic, obj_ehdr(o)->e_ident[EI_MAG1] = 'X')
PATCH(set_class_32, obj_ehdr(o)->e_ident[EI_CLASS] = ELFCLASS32)
PATCH(set_big_endian, obj_ehdr(o)->e_ident[EI_DATA] = ELFDATA2MSB)
PATCH(set_data_none, obj_ehdr(o)->e_ident[EI_DATA] = ELFDATANONE)
PATCH(set_version, obj_ehdr(o)->e_version = 2)
PATCH(set_type_exec, obj_ehdr(o)->e_type = ET_EXEC)
PATCH(set_type_dyn, obj_ehdr(o)->e_type = ET_DYN)
PATCH(set_type_core, obj_ehdr(o)->e_type = ET_CORE)
PATCH(set_type_unknown, obj_ehdr(o)->e_type = 0xfe00)
PATCH(set_machine_aarch64, obj_ehdr(o)->e_machine = EM_AARCH64)
PATCH(set_machine_unknown, obj_ehdr(o)->e_machine = 4660)
PATCH(set_float_double, obj_ehdr(o)->e_flags |= EF_RISCV_FLOAT_ABI_DOUBLE)
PATCH(set_float_single, obj_ehdr(o)->e_flags |= EF_RISCV_FLOAT_ABI_SINGLE)
PATCH(set_float_quad, obj_ehdr(o)->e_flags |= EF_RISCV_FLOAT_ABI_QUAD)
PATCH(set_rve, obj_ehdr(o)->e_flags |= EF_RISCV_RVE)
PATCH(set_tso, obj_ehdr(o)->e_flags |= EF_RISCV_TSO)
PATCH(set_unknown_flag, obj_ehdr(o)->e_flags |= 0x100)
PATCH(set_ehsize, obj_ehdr(o)->e_ehsize = 52)
PATCH(set_shentsize, obj_ehdr(o)->e_shentsize = 40)
PATCH(set_shoff_past_end, obj_ehdr(o)->e_shoff = o->size)
PATCH(set_shoff_wraps, obj_ehdr(o)->e_shoff = UINT64_MAX - 0x3f)
PATCH(set_shnum_past_end, obj_ehdr(o)->e_shnum = 0xfe00)
PATCH(set_shnum_reserved, obj_ehdr(o)->e_shnum = 0xff10)
PATCH(set_shoff_misaligned, obj_ehdr(o)->e_shoff -= 4)
PATCH(set_shnum_zero, obj_ehdr(o)->e_shnum = 0)
PATCH(set_no_section_table, obj_ehdr(o)->e_shnum = 0; obj_ehdr(o)->e_shoff = 0)
PATCH(set_shstrndx_xindex, obj_ehdr(o)->e_shstrndx = SHN_XINDEX)
PATCH(set_shstrndx_past_end, obj_ehdr(o)->e_shstrndx = obj_nsections(o))
PATCH(set_shstrndx_zero, obj_ehdr(o)->e_shstrndx = 0)

/* Section headers. */
static bool set_shstrndx_text(struct object *o)
{
	SECTION(text, ".text");
	obj_ehdr(o)->e_shstrndx = (Elf64_Half)text;
	return true;
}

PATCH(set_section0_type, obj_section(o, 0)->sh_type = SHT_PROGBITS)

static bool set_name_past_table(struct object *o)
{
	SECTION(text, ".text");
	obj_section(o, text)->sh_name =
	    (Elf64_Word)obj_section(o, obj_ehdr(o)->e_shstrndx)->sh_size;
	return true;
}

static bool set_shstrtab_unterminated(struct object *o)
{
	Elf64_Shdr *names = obj_section(o, obj_ehdr(o)->e_shstrndx);

	o->bytes[names->sh_offset + names->sh_size - 1] = 'x';
	return true;
}

static bool set_strtab_unterminated(struct object *o)
{
	Elf64_Shdr *strtab =
	    obj_section(o, obj_section(o, obj_symtab(o))->sh_link);

	if (obj_section(o, obj_symtab(o))->sh_link == obj_ehdr(o)->e_shstrndx)
		return false; /* shared with section names: another case */
	o->bytes[strtab->sh_offset + strtab->sh_size - 1] = 'x';
	return true;
}

static bool set_text_offset_past_end(struct object *o)
{
	SECTION(text, ".text");
	obj_section(o, text)->sh_offset = o->size;
	return true;
}

static bool set_text_size_huge(struct object *o)
{
	SECTION(text, ".text");
	obj_section(o, text)->sh_size = UINT64_MAX;
	return true;
}

static bool set_bss_huge(struct object *o)
{
	unsigned bss = obj_find_type(o, SHT_NOBITS, SHF_ALLOC);

	if (!bss)
		return false;
	obj_section(o, bss)->sh_size = (uint64_t)1 << 40;
	return true;
}

static bool set_bss_just_over_limit(struct object *o)
{
	unsigned bss = obj_find_type(o, SHT_NOBITS, SHF_ALLOC);

	if (!bss)
		return false;
	obj_section(o, bss)->sh_size = ELF_MODULE_MAX_MEMORY;
	return true;
}

static bool set_text_align_3(struct object *o)
{
	SECTION(text, ".text");
	obj_section(o, text)->sh_addralign = 3;
	return true;
}

static bool set_text_align_8192(struct object *o)
{
	SECTION(text, ".text");
	obj_section(o, text)->sh_addralign = 8192;
	return true;
}

static bool set_text_writable(struct object *o)
{
	SECTION(text, ".text");
	obj_section(o, text)->sh_flags |= SHF_WRITE;
	return true;
}

static bool set_rela_type_rel(struct object *o)
{
	SECTION(rela, ".rela.text");
	obj_section(o, rela)->sh_type = SHT_REL;
	return true;
}

static bool set_second_symtab(struct object *o)
{
	SECTION(comment, ".comment");
	obj_section(o, comment)->sh_type = SHT_SYMTAB;
	return true;
}

static bool set_symtab_shndx_section(struct object *o)
{
	SECTION(comment, ".comment");
	obj_section(o, comment)->sh_type = SHT_SYMTAB_SHNDX;
	return true;
}

PATCH(set_no_symtab, obj_section(o, obj_symtab(o))->sh_type = SHT_PROGBITS)
PATCH(set_symtab_entsize, obj_section(o, obj_symtab(o))->sh_entsize = 16)
PATCH(set_symtab_size_odd, obj_section(o, obj_symtab(o))->sh_size -= 1)
PATCH(set_symtab_empty, obj_section(o, obj_symtab(o))->sh_size = 0)
PATCH(set_symtab_misaligned, obj_section(o, obj_symtab(o))->sh_offset -= 4;
      obj_section(o, obj_symtab(o))->sh_size -= sizeof(Elf64_Sym))
PATCH(set_symtab_link_past_end,
      obj_section(o, obj_symtab(o))->sh_link = obj_nsections(o))

static bool set_symtab_link_text(struct object *o)
{
	SECTION(text, ".text");
	obj_section(o, obj_symtab(o))->sh_link = text;
	return true;
}

PATCH(set_symtab_info_past_end,
      obj_section(o, obj_symtab(o))->sh_info = obj_nsymbols(o) + 1)
PATCH(set_symtab_info_all_local,
      obj_section(o, obj_symtab(o))->sh_info = obj_nsymbols(o))

/* Symbols. */
/* clang-format off */
#define SYMBOL(var, name)                                                      \
	unsigned var = obj_find_symbol(o, name);                               \
	if (!var)                                                              \
		return false
/* clang-format on */

static bool set_symbol_name_past_table(struct object *o)
{
	SYMBOL(sym, "counter_apply");
	obj_symbol(o, sym)->st_name =
	    (Elf64_Word)obj_section(o, obj_section(o, obj_symtab(o))->sh_link)
		->sh_size;
	return true;
}

static bool set_symbol_section_past_end(struct object *o)
{
	SYMBOL(sym, "counter_apply");
	obj_symbol(o, sym)->st_shndx = (Elf64_Half)obj_nsections(o);
	return true;
}

static bool set_symbol_xindex(struct object *o)
{
	SYMBOL(sym, "counter_apply");
	obj_symbol(o, sym)->st_shndx = SHN_XINDEX;
	return true;
}

static bool set_symbol_reserved_index(struct object *o)
{
	SYMBOL(sym, "counter_apply");
	obj_symbol(o, sym)->st_shndx = 0xff05;
	return true;
}

static bool set_symbol_past_section(struct object *o)
{
	SYMBOL(sym, "counter_init");
	obj_symbol(o, sym)->st_value =
	    obj_section(o, obj_symbol(o, sym)->st_shndx)->sh_size + 1;
	return true;
}

/* A symbol may sit exactly at its section's end (an end marker). */
static bool set_symbol_at_section_end(struct object *o)
{
	SYMBOL(sym, "counter_init");
	obj_symbol(o, sym)->st_value =
	    obj_section(o, obj_symbol(o, sym)->st_shndx)->sh_size;
	return true;
}

static bool set_symbol_unique(struct object *o)
{
	SYMBOL(sym, "counter_apply");
	obj_symbol(o, sym)->st_info = ELF64_ST_INFO(STB_GNU_UNIQUE, STT_FUNC);
	return true;
}

static bool set_symbol_ifunc(struct object *o)
{
	SYMBOL(sym, "counter_apply");
	obj_symbol(o, sym)->st_info = ELF64_ST_INFO(STB_GLOBAL, STT_GNU_IFUNC);
	return true;
}

static bool set_symbol_type_unknown(struct object *o)
{
	SYMBOL(sym, "counter_apply");
	obj_symbol(o, sym)->st_info = ELF64_ST_INFO(STB_GLOBAL, 13);
	return true;
}

static bool set_local_undefined(struct object *o)
{
	SYMBOL(sym, "counter_add");
	obj_symbol(o, sym)->st_shndx = SHN_UNDEF;
	return true;
}

/* tls.o with the TLS marks removed: the relocations must still refuse. */
static bool set_tls_unmarked(struct object *o)
{
	SECTION(tbss, ".tbss");
	SYMBOL(sym, "x");
	obj_section(o, tbss)->sh_flags &= ~(uint64_t)SHF_TLS;
	obj_symbol(o, sym)->st_info = ELF64_ST_INFO(STB_GLOBAL, STT_OBJECT);
	return true;
}

/* Relocation sections. */
static bool set_rela_entsize(struct object *o)
{
	SECTION(rela, ".rela.text");
	obj_section(o, rela)->sh_entsize = 16;
	return true;
}

static bool set_rela_size_odd(struct object *o)
{
	SECTION(rela, ".rela.text");
	obj_section(o, rela)->sh_size -= 8;
	return true;
}

static bool set_rela_link_text(struct object *o)
{
	SECTION(rela, ".rela.text");
	SECTION(text, ".text");
	obj_section(o, rela)->sh_link = text;
	return true;
}

static bool set_rela_target_past_end(struct object *o)
{
	SECTION(rela, ".rela.text");
	obj_section(o, rela)->sh_info = obj_nsections(o);
	return true;
}

static bool set_rela_target_bss(struct object *o)
{
	SECTION(rela, ".rela.text");
	unsigned bss = obj_find_type(o, SHT_NOBITS, SHF_ALLOC);

	if (!bss)
		return false;
	obj_section(o, rela)->sh_info = bss;
	return true;
}

/* Relocation entries. */
static bool set_reloc_offset_past_section(struct object *o)
{
	RELA_OF_TYPE(rela, j, R_RISCV_PCREL_HI20);
	obj_rela(o, rela, j)->r_offset =
	    obj_section(o, obj_section(o, rela)->sh_info)->sh_size - 2;
	return true;
}

static bool set_reloc_offset_wraps(struct object *o)
{
	RELA_OF_TYPE(rela, j, R_RISCV_PCREL_HI20);
	obj_rela(o, rela, j)->r_offset = UINT64_MAX - 1;
	return true;
}

static bool set_reloc_symbol_past_end(struct object *o)
{
	RELA_OF_TYPE(rela, j, R_RISCV_CALL_PLT);
	obj_rela(o, rela, j)->r_info =
	    ELF64_R_INFO(obj_nsymbols(o), R_RISCV_CALL_PLT);
	return true;
}

static bool set_reloc_symbol_zero(struct object *o)
{
	RELA_OF_TYPE(rela, j, R_RISCV_CALL_PLT);
	obj_rela(o, rela, j)->r_info = ELF64_R_INFO(0, R_RISCV_CALL_PLT);
	return true;
}

/* Point a call at the section symbol of .comment, which is not loaded. */
static bool set_reloc_symbol_not_loaded(struct object *o)
{
	RELA_OF_TYPE(rela, j, R_RISCV_CALL_PLT);
	SECTION(comment, ".comment");
	for (unsigned s = 1; s < obj_nsymbols(o); s++) {
		if (obj_symbol(o, s)->st_shndx == comment) {
			obj_rela(o, rela, j)->r_info =
			    ELF64_R_INFO(s, R_RISCV_CALL_PLT);
			return true;
		}
	}
	return false;
}

static bool set_reloc_type(struct object *o, uint32_t type)
{
	RELA_OF_TYPE(rela, j, R_RISCV_PCREL_HI20);
	obj_rela(o, rela, j)->r_info =
	    ELF64_R_INFO(ELF64_R_SYM(obj_rela(o, rela, j)->r_info), type);
	return true;
}

PATCH(set_reloc_tls_gd, return set_reloc_type(o, R_RISCV_TLS_GD_HI20))
PATCH(set_reloc_relative, return set_reloc_type(o, R_RISCV_RELATIVE))
PATCH(set_reloc_gprel, return set_reloc_type(o, R_RISCV_GPREL_HI20))
PATCH(set_reloc_unknown, return set_reloc_type(o, 200))

/*
 * Turn the first two entries of .rela.rodata (R_RISCV_64 on the function
 * table) into a SET_ULEB128/SUB_ULEB128 pair (or a broken one) at `at`
 * bytes before the end of .rodata, whose bytes there become `bytes`.
 */
static bool set_uleb128(struct object *o, uint32_t first, uint32_t second,
			uint64_t at, const char *bytes, size_t length)
{
	SECTION(rela, ".rela.rodata");
	Elf64_Shdr *rodata = obj_section(o, obj_section(o, rela)->sh_info);
	Elf64_Rela *r = obj_rela(o, rela, 0);

	if (obj_nrela(o, rela) < 2 || rodata->sh_size < at)
		return false;
	r[0].r_info = ELF64_R_INFO(ELF64_R_SYM(r[0].r_info), first);
	r[1].r_info = ELF64_R_INFO(ELF64_R_SYM(r[1].r_info), second);
	r[0].r_offset = r[1].r_offset = rodata->sh_size - at;
	memcpy(o->bytes + rodata->sh_offset + rodata->sh_size - at, bytes,
	       length);
	return true;
}

PATCH(set_uleb128_good,
      return set_uleb128(o, R_RISCV_SET_ULEB128, R_RISCV_SUB_ULEB128, 3,
			 "\x80\x80\x00", 3))
PATCH(set_uleb128_unterminated,
      return set_uleb128(o, R_RISCV_SET_ULEB128, R_RISCV_SUB_ULEB128, 3,
			 "\x80\x80\x80", 3))
PATCH(set_uleb128_lone_set,
      return set_uleb128(o, R_RISCV_SET_ULEB128, R_RISCV_64, 16, "\x00", 1))
PATCH(set_uleb128_lone_sub,
      return set_uleb128(o, R_RISCV_64, R_RISCV_SUB_ULEB128, 16, "\x00", 1))

/* Groups. */
static bool set_group_member_past_end(struct object *o)
{
	unsigned group = obj_find_type(o, SHT_GROUP, 0);
	uint32_t member = obj_nsections(o);

	if (!group)
		return false;
	memcpy(o->bytes + obj_section(o, group)->sh_offset + 4, &member, 4);
	return true;
}

static bool set_group_flags(struct object *o)
{
	unsigned group = obj_find_type(o, SHT_GROUP, 0);
	uint32_t flags = GRP_COMDAT | 0x100;

	if (!group)
		return false;
	memcpy(o->bytes + obj_section(o, group)->sh_offset, &flags, 4);
	return true;
}

static bool set_group_signature_past_end(struct object *o)
{
	unsigned group = obj_find_type(o, SHT_GROUP, 0);

	if (!group)
		return false;
	obj_section(o, group)->sh_info = obj_nsymbols(o);
	return true;
}

#define REFUSE(fixture, patch, words, more)                                    \
	{                                                                      \
#patch, fixture, patch, -ENOEXEC, words, more                  \
	}

static const struct mutation mutations[] = {
    /* The file header. */
    REFUSE(FIX_GCC, set_magic, "not an ELF file", NULL),
    REFUSE(FIX_GCC, set_class_32, "not a 64-bit ELF file", NULL),
    REFUSE(FIX_GCC, set_big_endian, "big-endian", NULL),
    REFUSE(FIX_GCC, set_data_none, "data encoding 0", NULL),
    REFUSE(FIX_GCC, set_version, "ELF version", NULL),
    REFUSE(FIX_GCC, set_type_exec, "ELF type ET_EXEC", "(ET_REL)"),
    REFUSE(FIX_GCC, set_type_dyn,
	   "ELF type ET_DYN: modules are relocatable objects (ET_REL)", NULL),
    REFUSE(FIX_GCC, set_type_core, "ELF type ET_CORE", NULL),
    REFUSE(FIX_GCC, set_type_unknown, "ELF type 0xfe00", NULL),
    {"x86_64_object", FIX_X86, NULL, -ENOEXEC,
     "built for x86-64 (machine 62), not RISC-V", NULL},
    REFUSE(FIX_GCC, set_machine_aarch64, "built for AArch64 (machine 183)",
	   NULL),
    REFUSE(FIX_GCC, set_machine_unknown, "machine 4660, not RISC-V", NULL),
    {"lp64d_object", FIX_DOUBLE, NULL, -ENOEXEC, "double-float", "-mabi=lp64"},
    REFUSE(FIX_GCC, set_float_double, "double-float", "soft-float"),
    REFUSE(FIX_GCC, set_float_single, "single-float", NULL),
    REFUSE(FIX_GCC, set_float_quad, "quad-float", NULL),
    REFUSE(FIX_GCC, set_rve, "RVE", NULL),
    REFUSE(FIX_GCC, set_tso, "Ztso", "RVWMO"),
    REFUSE(FIX_GCC, set_unknown_flag, "unknown bits 0x100", NULL),
    REFUSE(FIX_GCC, set_ehsize, "ELF header size 52", NULL),
    REFUSE(FIX_GCC, set_shentsize, "section header size 40", NULL),
    REFUSE(FIX_GCC, set_shoff_past_end, "section header table",
	   "outside the file"),
    REFUSE(FIX_GCC, set_shoff_wraps, "section header table",
	   "outside the file"),
    REFUSE(FIX_GCC, set_shnum_past_end, "section header table",
	   "outside the file"),
    REFUSE(FIX_GCC, set_shnum_reserved, "are reserved", NULL),
    REFUSE(FIX_GCC, set_shoff_misaligned, "section header table",
	   "not 8-byte aligned"),
    REFUSE(FIX_GCC, set_shnum_zero, "extended section numbering", NULL),
    REFUSE(FIX_GCC, set_shstrndx_xindex, "extended section numbering", NULL),
    REFUSE(FIX_GCC, set_no_section_table, "no section header table", NULL),
    REFUSE(FIX_GCC, set_shstrndx_past_end, "section name table",
	   "does not exist"),
    REFUSE(FIX_GCC, set_shstrndx_zero, "section name table", "does not exist"),
    REFUSE(FIX_GCC, set_shstrndx_text, "section name table",
	   "not a string table"),
    REFUSE(FIX_GCC, set_section0_type, "section 0 is not the null section",
	   NULL),
    /* Sections. */
    REFUSE(FIX_GCC, set_name_past_table, "name offset",
	   "beyond the section name table"),
    REFUSE(FIX_GCC, set_shstrtab_unterminated, "section name table",
	   "does not end with a NUL byte"),
    REFUSE(FIX_CLANG, set_shstrtab_unterminated, "section name table",
	   "does not end with a NUL byte"),
    REFUSE(FIX_GCC, set_strtab_unterminated, "symbol string table",
	   "does not end with a NUL byte"),
    REFUSE(FIX_GCC, set_text_offset_past_end, "(.text)", "outside the file"),
    REFUSE(FIX_GCC, set_text_size_huge, "(.text)", "outside the file"),
    REFUSE(FIX_GCC, set_bss_huge, "more than 1024 MiB", NULL),
    REFUSE(FIX_GCC, set_bss_just_over_limit, "more than 1024 MiB", NULL),
    REFUSE(FIX_GCC, set_text_align_3, "(.text): alignment 3",
	   "not a power of two"),
    REFUSE(FIX_GCC, set_text_align_8192, "alignment 8192",
	   "more than a page (4096)"),
    {"writable_executable_section", FIX_WX, NULL, -ENOEXEC,
     "section .wx is both writable and executable", NULL},
    REFUSE(FIX_GCC, set_text_writable,
	   "section .text is both writable and executable", NULL),
    {"tls_object", FIX_TLS, NULL, -ENOEXEC, "thread-local storage",
     "modules cannot use"},
    REFUSE(FIX_TLS, set_tls_unmarked, "has type R_RISCV_TPREL_HI20",
	   "(thread-local storage), which modules cannot use"),
    REFUSE(FIX_GCC, set_rela_type_rel, "section .rela.text is SHT_REL", NULL),
    REFUSE(FIX_GCC, set_second_symtab, "two symbol tables", NULL),
    REFUSE(FIX_GCC, set_symtab_shndx_section, "extended symbol section", NULL),
    REFUSE(FIX_GCC, set_no_symtab, "no symbol table", NULL),
    /* The symbol table. */
    REFUSE(FIX_GCC, set_symtab_entsize, "symbol table entry size 16", NULL),
    REFUSE(FIX_GCC, set_symtab_size_odd, "not a multiple of 24", NULL),
    REFUSE(FIX_GCC, set_symtab_empty, "symbol table is empty", NULL),
    REFUSE(FIX_GCC, set_symtab_misaligned, "symbol table",
	   "not 8-byte aligned"),
    REFUSE(FIX_GCC, set_symtab_link_past_end, "symbol string table",
	   "does not exist"),
    REFUSE(FIX_GCC, set_symtab_link_text, "symbol string table",
	   "not a string table"),
    REFUSE(FIX_GCC, set_symtab_info_past_end, "globals start at", NULL),
    REFUSE(FIX_GCC, set_symtab_info_all_local, "is global", "globals start at"),
    REFUSE(FIX_GCC, set_symbol_name_past_table, "name offset",
	   "beyond the string table"),
    REFUSE(FIX_CLANG, set_symbol_name_past_table, "name offset",
	   "beyond the string table"),
    REFUSE(FIX_GCC, set_symbol_section_past_end,
	   "(counter_apply) is in "
	   "section",
	   "but there are only"),
    REFUSE(FIX_GCC, set_symbol_xindex, "(counter_apply)", "SHN_XINDEX"),
    REFUSE(FIX_GCC, set_symbol_reserved_index, "reserved section index", NULL),
    REFUSE(FIX_GCC, set_symbol_past_section, "(counter_init)",
	   "beyond the end of .text"),
    REFUSE(FIX_CLANG, set_symbol_past_section, "(counter_init)",
	   "beyond the end of .text"),
    {"set_symbol_at_section_end", FIX_GCC, set_symbol_at_section_end, 0, "",
     NULL},
    {"common_symbol", FIX_COMMON, NULL, -ENOEXEC,
     "uses a common symbol shared_counter: build with -fno-common", NULL},
    REFUSE(FIX_GCC, set_symbol_unique, "STB_GNU_UNIQUE", NULL),
    REFUSE(FIX_GCC, set_symbol_ifunc, "indirect function", NULL),
    REFUSE(FIX_GCC, set_symbol_type_unknown, "unknown type 13", NULL),
    REFUSE(FIX_GCC, set_local_undefined, "symbol",
	   "(counter_add) is local and undefined"),
    /* Relocation sections. */
    REFUSE(FIX_GCC, set_rela_entsize, "(.rela.text): entry size 16", NULL),
    REFUSE(FIX_GCC, set_rela_size_odd, "(.rela.text)", "not a multiple of 24"),
    REFUSE(FIX_GCC, set_rela_link_text, "(.rela.text) uses symbol table", NULL),
    REFUSE(FIX_GCC, set_rela_target_past_end, "(.rela.text) applies to",
	   "does not exist"),
    REFUSE(FIX_GCC, set_rela_target_bss, "SHT_NOBITS", NULL),
    /* Relocation entries. */
    REFUSE(FIX_GCC, set_reloc_offset_past_section,
	   "in .rela.text patches "
	   "4 bytes",
	   "beyond the end of .text"),
    REFUSE(FIX_GCC_NORELAX, set_reloc_offset_past_section, "patches 4 bytes",
	   "beyond the end of .text"),
    REFUSE(FIX_GCC, set_reloc_offset_wraps, "beyond the end of .text", NULL),
    REFUSE(FIX_GCC, set_reloc_symbol_past_end, "refers to symbol",
	   "but there are only"),
    REFUSE(FIX_GCC, set_reloc_symbol_zero,
	   "(R_RISCV_CALL_PLT) names no "
	   "symbol",
	   NULL),
    REFUSE(FIX_GCC, set_reloc_symbol_not_loaded, "section .comment",
	   "not loaded"),
    REFUSE(FIX_GCC, set_reloc_tls_gd,
	   "in .rela.text has type "
	   "R_RISCV_TLS_GD_HI20 (thread-local "
	   "storage), which modules cannot use",
	   NULL),
    REFUSE(FIX_GCC, set_reloc_relative,
	   "R_RISCV_RELATIVE (dynamic "
	   "linking)",
	   NULL),
    REFUSE(FIX_GCC, set_reloc_gprel, "R_RISCV_GPREL_HI20 (gp-relative", NULL),
    REFUSE(FIX_GCC, set_reloc_unknown, "unknown type 200", NULL),
    {"set_uleb128_good", FIX_GCC, set_uleb128_good, 0, "", NULL},
    REFUSE(FIX_GCC, set_uleb128_unterminated, "no complete ULEB128",
	   "in .rodata"),
    REFUSE(FIX_GCC, set_uleb128_lone_set,
	   "R_RISCV_SET_ULEB128 is not "
	   "followed",
	   NULL),
    REFUSE(FIX_GCC, set_uleb128_lone_sub,
	   "R_RISCV_SUB_ULEB128 does not "
	   "follow",
	   NULL),
    /* Groups. */
    REFUSE(FIX_GROUP, set_group_member_past_end, "group lists section",
	   "cannot be a member"),
    REFUSE(FIX_GROUP, set_group_flags, "unknown group flags 0x101", NULL),
    REFUSE(FIX_GROUP, set_group_signature_past_end, "group signature symbol",
	   NULL),
};

static void run_mutation(const struct mutation *mu)
{
	const struct object *base = need(mu->fixture);
	char reason[ELF_REASON_MAX];
	struct elf_module m;
	struct object o;
	int err;

	if (!base)
		return;
	/* Patches start from a valid object (tls.o is refused as built). */
	if (mu->patch && mu->fixture != FIX_TLS)
		CHECK_EQ(validate(base, &m, reason), 0);
	o = copy_of(base);
	if (mu->patch && !mu->patch(&o)) {
		printf("#   %s: the fixture lacks what the patch changes\n",
		       fixture_recipes[mu->fixture].name);
		tap_case_failed = 1;
		free(o.bytes);
		return;
	}
	err = validate(&o, &m, reason);
	CHECK_EQ(err, mu->expect);
	if (mu->expect) {
		CHECK(m.file == NULL && m.nsections == 0 && m.symbols == NULL);
		CHECK(strstr(reason, mu->words) != NULL);
		CHECK(!mu->more_words || strstr(reason, mu->more_words));
	} else {
		CHECK(reason[0] == '\0');
		walk_view(&m);
	}
	if (tap_case_failed || getenv("ELF_VALIDATE_VERBOSE"))
		printf("#   reason: %s\n", reason);
	free(o.bytes);
}

/* ---- robustness -------------------------------------------------------- */

/* Every proper prefix of fixture `id` is refused; none crashes. */
static void check_truncations(enum fixture_id id)
{
	const struct object *o = need(id);
	char reason[ELF_REASON_MAX];
	struct elf_module m;
	unsigned long refused = 0;

	if (!o)
		return;
	for (size_t length = 0; length < o->size; length++) {
		struct object prefix = {malloc(length ? length : 1), length};
		int err;

		if (!prefix.bytes)
			abort();
		memcpy(prefix.bytes, o->bytes, length);
		err = validate(&prefix, &m, reason);
		/* Compilers put the section table last: a cut loses part. */
		if (err != -ENOEXEC || !reason[0]) {
			printf("#   prefix of %zu bytes: %d \"%s\"\n", length,
			       err, reason);
			tap_case_failed = 1;
		}
		refused += err == -ENOEXEC;
		free(prefix.bytes);
	}
	CHECK_EQ(refused, o->size);
}

static void test_truncations_gcc(void)
{
	check_truncations(FIX_GCC);
}

static void test_truncations_clang(void)
{
	check_truncations(FIX_CLANG);
}

/* xorshift64*: a reproducible stream without libc's rand(). */
static uint64_t next_random(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 0x2545f4914f6cdd1dULL;
}

/*
 * `rounds` copies of fixture `id`, each with one byte changed: a third in
 * the ELF header, a third in the section header table, a third anywhere.
 * Each must be refused with a reason or accepted with a view that walks
 * cleanly.
 */
static void check_byte_flips(enum fixture_id id, unsigned rounds, uint64_t seed)
{
	static const uint8_t values[] = {0x00, 0xff, 0x80, 0x7f, 0x01, 0x40};
	const struct object *base = need(id);
	uint64_t state = seed;
	unsigned accepted = 0, refused = 0;
	char reason[ELF_REASON_MAX];
	struct elf_module m;
	uint64_t shoff, table;

	if (!base)
		return;
	shoff = obj_ehdr((struct object *)base)->e_shoff;
	table = (uint64_t)obj_ehdr((struct object *)base)->e_shnum *
		sizeof(Elf64_Shdr);
	for (unsigned round = 0; round < rounds; round++) {
		struct object o = copy_of(base);
		uint64_t r = next_random(&state);
		size_t at;
		uint8_t value;
		int err;

		switch (round % 3) {
		case 0:
			at = r % sizeof(Elf64_Ehdr);
			break;
		case 1:
			at = shoff + r % table;
			break;
		default:
			at = r % o.size;
			break;
		}
		r = next_random(&state);
		value = r & 1 ? values[(r >> 1) % sizeof(values)]
			      : (uint8_t)(r >> 8);
		if (value == o.bytes[at])
			value ^= 0x01;
		o.bytes[at] = value;
		err = validate(&o, &m, reason);
		if (err == 0) {
			accepted++;
			CHECK(reason[0] == '\0');
			walk_view(&m);
		} else {
			refused++;
			if (err != -ENOEXEC || !reason[0]) {
				printf("#   byte %zu = 0x%02x: %d \"%s\"\n", at,
				       value, err, reason);
				tap_case_failed = 1;
			}
		}
		free(o.bytes);
		if (tap_case_failed)
			break;
	}
	printf("#   %u corruptions: %u accepted, %u refused\n", rounds,
	       accepted, refused);
	/* Header and table corruptions are mostly caught. */
	CHECK(refused > rounds / 3);
}

static void test_byte_flips_gcc(void)
{
	check_byte_flips(FIX_GCC, 20000, 0x6b65656c2d656c66ULL);
}

static void test_byte_flips_clang(void)
{
	check_byte_flips(FIX_CLANG_MEDANY, 5000, 0x1234567890abcdefULL);
}

static void test_byte_flips_debug_info(void)
{
	check_byte_flips(FIX_GCC_DEBUG, 5000, 42);
}

/* ---- the table --------------------------------------------------------- */

static const struct tap_case cases[] = {
    TAP_CASE(test_caller_mistakes),
    TAP_CASE(test_too_short),
    TAP_CASE(test_not_elf),
    TAP_CASE(test_names_on_empty_view),
    TAP_CASE(test_gcc_module),
    TAP_CASE(test_gcc_module_no_relax),
    TAP_CASE(test_gcc_module_debug_info),
    TAP_CASE(test_clang_module),
    TAP_CASE(test_clang_module_medany),
    TAP_CASE(test_comdat_group),
    TAP_CASE(test_large_module_is_linear),
    TAP_CASE(test_truncations_gcc),
    TAP_CASE(test_truncations_clang),
    TAP_CASE(test_byte_flips_gcc),
    TAP_CASE(test_byte_flips_clang),
    TAP_CASE(test_byte_flips_debug_info),
};

static void report(size_t number, const char *name, const char *suffix)
{
	printf("%s %zu - %s%s", tap_case_failed ? "not ok" : "ok", number, name,
	       suffix ? suffix : "");
	if (skip_reason && !tap_case_failed)
		printf(" # SKIP %s", skip_reason);
	printf("\n");
	fflush(stdout);
}

/* tap_run() over both tables, plus "# SKIP reason" for skipped cases. */
int main(void)
{
	size_t ncases = TAP_COUNT(cases), nmutations = TAP_COUNT(mutations);
	char suffix[64];
	int failures = 0;

	printf("TAP version 13\n1..%zu\n", ncases + nmutations);
	for (size_t i = 0; i < ncases; i++) {
		tap_case_failed = 0;
		skip_reason = NULL;
		cases[i].run();
		report(i + 1, cases[i].name, NULL);
		failures += tap_case_failed;
	}
	for (size_t i = 0; i < nmutations; i++) {
		tap_case_failed = 0;
		skip_reason = NULL;
		run_mutation(&mutations[i]);
		snprintf(suffix, sizeof(suffix), " (%s)",
			 fixture_recipes[mutations[i].fixture].name);
		report(ncases + i + 1, mutations[i].name, suffix);
		failures += tap_case_failed;
	}
	return failures ? 1 : 0;
}
