/*
 * elf_validate.c - stage 1 of the module loader: is this a Keel module?
 *
 * The loader's later stages walk section headers, symbols and relocations
 * without checking a single offset.  That is safe only because this file
 * has already checked every one of them against the file's bounds, so a
 * truncated, corrupt or hostile .ko is refused here, with one line saying
 * what is wrong, before anything is allocated.  The checks run in the
 * order a reader needs them, each step trusting only what the steps
 * before it proved:
 *
 *   1. The file header (check_header).  The identification bytes: magic,
 *      64-bit class, little-endian, version 1.  Then ET_REL (a module is
 *      what `gcc -c` writes, not a linked program), EM_RISCV, and e_flags:
 *      the soft-float ABI (the kernel is built without floating point, and
 *      a hard-float module would pass arguments in registers it never
 *      reads), not RVE, not Ztso (see below), no unknown bits.
 *      Then the header and section-header sizes, and the section table:
 *      inside the file, 8-byte aligned, without extended numbering.
 *
 *   2. The section-name table (check_section_names): a string table
 *      ending in NUL, so every in-range name offset gives a terminated
 *      string and error messages can name sections from here on.
 *
 *   3. Every section (check_sections): name in range; data inside the file
 *      (SHT_NOBITS has none); alignment 0 or a power of two no larger than
 *      a page; not both writable and executable; not thread-local; not
 *      SHT_REL or SHT_SYMTAB_SHNDX; exactly one SHT_SYMTAB (Linux's rule).
 *      The sizes and alignments of the SHF_ALLOC sections must add up to
 *      at most ELF_MODULE_MAX_MEMORY.
 *
 *   4. The symbol table (check_symbols): entry size, a string table ending
 *      in NUL, locals before globals, and every symbol: name in range;
 *      binding local, global or weak; no common, TLS or IFUNC symbols;
 *      a section index that exists (or UNDEF, ABS); a value inside its
 *      section (equal to the size is allowed: an end marker).
 *
 *   5. Relocation and group sections (check_links).  Each SHT_RELA: entry
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
 * Policies, and why:
 *   - Ztso (EF_RISCV_TSO) is refused.  Code built for it leaves out the
 *     fences that RVWMO harts need; on Keel's harts (QEMU virt is RVWMO)
 *     it would race silently.
 *   - Section alignment above 4096 is refused: module memory comes in
 *     pages, so a page is the strictest alignment the layout can honour.
 *   - Groups (SHT_GROUP, COMDAT) are allowed.  A module is one object
 *     linked against the kernel, never beside another copy of the same
 *     group, so the loader keeps every member like any other section.
 *   - Notes, .riscv.attributes, .comment and other types Keel does not
 *     know are allowed; only SHF_ALLOC sections are ever loaded.
 *   - The view's structures are read in place, so the image must be
 *     8-byte aligned in memory, and the section table, the symbol table
 *     and relocation sections 8-byte aligned in the file (compilers
 *     always align them).
 *
 * Every check is O(1) per header, symbol or relocation entry: the whole
 * file is validated in linear time, however large.  Arithmetic on values
 * from the file goes through __builtin_*_overflow or is bounded first.
 * Nothing is allocated and nothing outside [file, file + size) is read.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <keel/errno.h>

#include "lib/printf.h"
#include "lib/string.h"

#include "elf_validate.h"
#include "reloc_riscv.h"

#define PAGE_ALIGNMENT	4096
#define ARRAY_LENGTH(a) (sizeof(a) / sizeof((a)[0]))

/* The flags Keel knows; any other e_flags bit is refused. */
#define EF_RISCV_KNOWN                                                         \
	(EF_RISCV_RVC | EF_RISCV_FLOAT_ABI | EF_RISCV_RVE | EF_RISCV_TSO)

/* Validation in progress: the view being built and where to explain. */
struct validation {
	struct elf_module m;
	char *reason;
	const char *rela_name; /* the SHT_RELA section being checked */
};

/* What a refusal's message starts with. */
enum subject {
	SECTION,    /* "section 3 (.text)" */
	SYMBOL,	    /* "symbol 7 (counter_init)" */
	RELOCATION, /* "relocation 12 in .rela.text" */
};

static int refuse(struct validation *v, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
static int refuse_at(struct validation *v, enum subject subject,
		     unsigned long index, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

/* Write one line of explanation and return -ENOEXEC. */
static int refuse(struct validation *v, const char *format, ...)
{
	va_list args;

	va_start(args, format);
	vsnprintf(v->reason, ELF_REASON_MAX, format, args);
	va_end(args);
	return -ENOEXEC;
}

/* refuse(), the line starting with the subject numbered `index`. */
static int refuse_at(struct validation *v, enum subject subject,
		     unsigned long index, const char *format, ...)
{
	const struct elf_module *m = &v->m;
	va_list args;
	int used;

	if (subject == SECTION)
		used =
		    snprintf(v->reason, ELF_REASON_MAX, "section %lu (%.40s)",
			     index, elf_section_name(m, (unsigned)index));
	else if (subject == SYMBOL)
		used = snprintf(v->reason, ELF_REASON_MAX, "symbol %lu (%.48s)",
				index, elf_symbol_name(m, (unsigned)index));
	else
		used = snprintf(v->reason, ELF_REASON_MAX,
				"relocation %lu in %.40s", index, v->rela_name);
	if (used < 0 || used >= ELF_REASON_MAX - 1)
		return -ENOEXEC;
	va_start(args, format);
	vsnprintf(v->reason + used, ELF_REASON_MAX - (size_t)used, format,
		  args);
	va_end(args);
	return -ENOEXEC;
}

/* True when [offset, offset + length) lies inside a file of `size` bytes. */
static bool in_file(size_t size, uint64_t offset, uint64_t length)
{
	return offset <= size && length <= size - offset;
}

static bool is_power_of_two_or_zero(uint64_t value)
{
	return (value & (value - 1)) == 0;
}

/* Section `index`'s name for messages; "?" while it cannot be trusted. */
const char *elf_section_name(const struct elf_module *m, unsigned index)
{
	uint32_t offset;

	if (!m->sections || index >= m->nsections || !m->section_names)
		return "?";
	offset = m->sections[index].sh_name;
	return offset < m->section_names_size ? m->section_names + offset : "?";
}

const char *elf_symbol_name(const struct elf_module *m, unsigned index)
{
	uint32_t offset;

	if (!m->symbols || index >= m->nsymbols || !m->strings)
		return "?";
	offset = m->symbols[index].st_name;
	return offset < m->strings_size ? m->strings + offset : "?";
}

/* ---- 1. the file header ------------------------------------------------ */

struct machine_name {
	uint16_t machine;
	const char *name;
};

static const struct machine_name machine_names[] = {
    {EM_NONE, "no machine"},
    {EM_SPARC, "SPARC"},
    {EM_386, "i386"},
    {EM_68K, "Motorola 68000"},
    {EM_MIPS, "MIPS"},
    {EM_PPC, "PowerPC"},
    {EM_PPC64, "64-bit PowerPC"},
    {EM_S390, "IBM S/390"},
    {EM_ARM, "32-bit Arm"},
    {EM_SH, "SuperH"},
    {EM_SPARCV9, "SPARC V9"},
    {EM_IA_64, "IA-64"},
    {EM_X86_64, "x86-64"},
    {EM_AARCH64, "AArch64"},
    {EM_BPF, "eBPF"},
    {EM_LOONGARCH, "LoongArch"},
};

static int refuse_machine(struct validation *v, uint16_t machine)
{
	for (size_t i = 0; i < ARRAY_LENGTH(machine_names); i++) {
		if (machine_names[i].machine == machine)
			return refuse(v,
				      "built for %s (machine %u), not RISC-V",
				      machine_names[i].name, machine);
	}
	return refuse(v, "built for machine %u, not RISC-V (machine %u)",
		      machine, EM_RISCV);
}

static const char *const type_names[] = {
    [ET_NONE] = "ET_NONE", [ET_REL] = "ET_REL",	  [ET_EXEC] = "ET_EXEC",
    [ET_DYN] = "ET_DYN",   [ET_CORE] = "ET_CORE",
};

static const char *const float_abi_names[] = {
    [EF_RISCV_FLOAT_ABI_SINGLE >> 1] = "single-float",
    [EF_RISCV_FLOAT_ABI_DOUBLE >> 1] = "double-float",
    [EF_RISCV_FLOAT_ABI_QUAD >> 1] = "quad-float",
};

static int check_flags(struct validation *v, uint32_t flags)
{
	uint32_t float_abi = flags & EF_RISCV_FLOAT_ABI;
	uint32_t unknown = flags & ~(uint32_t)EF_RISCV_KNOWN;

	if (float_abi != EF_RISCV_FLOAT_ABI_SOFT)
		return refuse(v,
			      "built for the %s ABI (e_flags 0x%x): modules "
			      "use soft-float (-mabi=lp64)",
			      float_abi_names[float_abi >> 1], flags);
	if (flags & EF_RISCV_RVE)
		return refuse(v, "built for RVE (EF_RISCV_RVE): modules need "
				 "all 32 integer registers");
	if (flags & EF_RISCV_TSO)
		return refuse(v, "built for the Ztso memory model "
				 "(EF_RISCV_TSO): Keel's harts are RVWMO");
	if (unknown)
		return refuse(v, "e_flags 0x%x has unknown bits 0x%x", flags,
			      unknown);
	return 0;
}

static int check_identity(struct validation *v, const Elf64_Ehdr *ehdr)
{
	const unsigned char *ident = ehdr->e_ident;

	if (memcmp(ident, ELFMAG, SELFMAG) != 0)
		return refuse(v, "not an ELF file (no \\177ELF magic)");
	if (ident[EI_CLASS] != ELFCLASS64)
		return refuse(v, "not a 64-bit ELF file (class %u)",
			      ident[EI_CLASS]);
	if (ident[EI_DATA] == ELFDATA2MSB)
		return refuse(
		    v, "big-endian ELF file: RISC-V modules are little-endian");
	if (ident[EI_DATA] != ELFDATA2LSB)
		return refuse(v, "unknown ELF data encoding %u",
			      ident[EI_DATA]);
	if (ident[EI_VERSION] != EV_CURRENT || ehdr->e_version != EV_CURRENT)
		return refuse(v,
			      "unknown ELF version (e_ident %u, e_version %u)",
			      ident[EI_VERSION], ehdr->e_version);
	if (ehdr->e_type != ET_REL && ehdr->e_type < ARRAY_LENGTH(type_names))
		return refuse(
		    v, "ELF type %s: modules are relocatable objects (ET_REL)",
		    type_names[ehdr->e_type]);
	if (ehdr->e_type != ET_REL)
		return refuse(
		    v,
		    "ELF type 0x%x: modules are relocatable objects (ET_REL)",
		    ehdr->e_type);
	if (ehdr->e_machine != EM_RISCV)
		return refuse_machine(v, ehdr->e_machine);
	return check_flags(v, ehdr->e_flags);
}

static int check_header(struct validation *v)
{
	const Elf64_Ehdr *ehdr = (const Elf64_Ehdr *)v->m.file;
	uint64_t table_size;
	int err;

	err = check_identity(v, ehdr);
	if (err)
		return err;
	if (ehdr->e_ehsize != sizeof(Elf64_Ehdr))
		return refuse(v, "ELF header size %u is not %u", ehdr->e_ehsize,
			      (unsigned)sizeof(Elf64_Ehdr));
	if (ehdr->e_shnum == 0 && ehdr->e_shoff == 0)
		return refuse(v, "no section header table");
	if (ehdr->e_shnum == 0 || ehdr->e_shstrndx == SHN_XINDEX)
		return refuse(v,
			      "extended section numbering (more than %u "
			      "sections) is not supported",
			      SHN_LORESERVE - 1);
	if (ehdr->e_shnum >= SHN_LORESERVE)
		return refuse(v, "%u sections: indices from 0x%x are reserved",
			      ehdr->e_shnum, SHN_LORESERVE);
	if (ehdr->e_shentsize != sizeof(Elf64_Shdr))
		return refuse(v, "section header size %u is not %u",
			      ehdr->e_shentsize, (unsigned)sizeof(Elf64_Shdr));
	if (__builtin_mul_overflow((uint64_t)ehdr->e_shnum,
				   (uint64_t)ehdr->e_shentsize, &table_size) ||
	    !in_file(v->m.size, ehdr->e_shoff, table_size))
		return refuse(v,
			      "section header table (%u entries at 0x%llx) "
			      "lies outside the file (0x%llx bytes)",
			      ehdr->e_shnum, (unsigned long long)ehdr->e_shoff,
			      (unsigned long long)v->m.size);
	if (ehdr->e_shoff % 8)
		return refuse(
		    v, "section header table at 0x%llx is not 8-byte aligned",
		    (unsigned long long)ehdr->e_shoff);

	v->m.ehdr = ehdr;
	v->m.sections = (const Elf64_Shdr *)(v->m.file + ehdr->e_shoff);
	v->m.nsections = ehdr->e_shnum;
	if (v->m.sections[0].sh_type != SHT_NULL)
		return refuse(v, "section 0 is not the null section (type %u)",
			      v->m.sections[0].sh_type);
	return 0;
}

/* ---- 2. the section-name table ----------------------------------------- */

/*
 * Check that section `index` is a string table inside the file whose last
 * byte is NUL.  `what` names its role in the message.
 */
static int check_string_table(struct validation *v, unsigned index,
			      const char *what)
{
	const struct elf_module *m = &v->m;
	const Elf64_Shdr *sh;

	if (index == SHN_UNDEF || index >= m->nsections)
		return refuse(
		    v, "%s is section %u, which does not exist (%u sections)",
		    what, index, m->nsections);
	sh = &m->sections[index];
	if (sh->sh_type != SHT_STRTAB)
		return refuse(v,
			      "%s (section %u) is not a string table (type %u)",
			      what, index, sh->sh_type);
	if (!in_file(m->size, sh->sh_offset, sh->sh_size))
		return refuse(v, "%s (section %u) lies outside the file", what,
			      index);
	if (sh->sh_size == 0 || m->file[sh->sh_offset + sh->sh_size - 1] != 0)
		return refuse(v, "%s (section %u) does not end with a NUL byte",
			      what, index);
	return 0;
}

static int check_section_names(struct validation *v)
{
	unsigned index = v->m.ehdr->e_shstrndx;
	int err;

	err = check_string_table(v, index, "the section name table");
	if (err)
		return err;
	v->m.section_names =
	    (const char *)v->m.file + v->m.sections[index].sh_offset;
	v->m.section_names_size = v->m.sections[index].sh_size;
	return 0;
}

/* ---- 3. every section -------------------------------------------------- */

/* Add section `sh`'s size and worst-case padding to *total; false if over. */
static bool add_to_memory(uint64_t *total, const Elf64_Shdr *sh)
{
	uint64_t padding = sh->sh_addralign ? sh->sh_addralign - 1 : 0;

	return !__builtin_add_overflow(*total, padding, total) &&
	       !__builtin_add_overflow(*total, sh->sh_size, total) &&
	       *total <= ELF_MODULE_MAX_MEMORY;
}

static int check_section(struct validation *v, unsigned i, uint64_t *memory)
{
	const struct elf_module *m = &v->m;
	const Elf64_Shdr *sh = &m->sections[i];
	const char *name = elf_section_name(m, i);

	if (sh->sh_name >= m->section_names_size)
		return refuse(v,
			      "section %u: name offset 0x%x is beyond the "
			      "section name table (0x%llx bytes)",
			      i, sh->sh_name,
			      (unsigned long long)m->section_names_size);
	if (sh->sh_type != SHT_NOBITS && sh->sh_type != SHT_NULL &&
	    !in_file(m->size, sh->sh_offset, sh->sh_size))
		return refuse_at(v, SECTION, i,
				 ": 0x%llx bytes at 0x%llx lie outside the "
				 "file (0x%llx bytes)",
				 (unsigned long long)sh->sh_size,
				 (unsigned long long)sh->sh_offset,
				 (unsigned long long)m->size);
	if (!is_power_of_two_or_zero(sh->sh_addralign))
		return refuse_at(v, SECTION, i,
				 ": alignment %llu is not a power of two",
				 (unsigned long long)sh->sh_addralign);
	if (sh->sh_addralign > PAGE_ALIGNMENT)
		return refuse_at(v, SECTION, i,
				 ": alignment %llu is more than a page (%u), "
				 "the most module memory guarantees",
				 (unsigned long long)sh->sh_addralign,
				 PAGE_ALIGNMENT);
	if ((sh->sh_flags & SHF_WRITE) && (sh->sh_flags & SHF_EXECINSTR))
		return refuse(
		    v, "section %.40s is both writable and executable", name);
	if (sh->sh_flags & SHF_TLS)
		return refuse(v,
			      "section %.40s holds thread-local storage, which "
			      "modules cannot use",
			      name);
	if (sh->sh_type == SHT_REL)
		return refuse(v,
			      "section %.40s is SHT_REL: RISC-V modules use "
			      "SHT_RELA relocations (with addends)",
			      name);
	if (sh->sh_type == SHT_SYMTAB_SHNDX)
		return refuse(v,
			      "section %.40s: extended symbol section indices "
			      "are not supported",
			      name);
	if (sh->sh_type == SHT_SYMTAB && m->symtab_index)
		return refuse(v,
			      "two symbol tables (sections %u and %u): a "
			      "module has exactly one",
			      m->symtab_index, i);
	if (sh->sh_type == SHT_SYMTAB)
		v->m.symtab_index = i;
	if ((sh->sh_flags & SHF_ALLOC) && !add_to_memory(memory, sh))
		return refuse_at(
		    v, SECTION, i,
		    ": the module's sections need more than %u MiB of memory",
		    ELF_MODULE_MAX_MEMORY >> 20);
	return 0;
}

static int check_sections(struct validation *v)
{
	uint64_t memory = 0;
	int err;

	for (unsigned i = 1; i < v->m.nsections; i++) {
		err = check_section(v, i, &memory);
		if (err)
			return err;
	}
	if (!v->m.symtab_index)
		return refuse(
		    v,
		    "no symbol table (SHT_SYMTAB): was the module stripped?");
	return 0;
}

/* ---- 4. the symbol table ----------------------------------------------- */

static int check_symbol(struct validation *v, unsigned i, unsigned first_global)
{
	const struct elf_module *m = &v->m;
	const Elf64_Sym *sym = &m->symbols[i];
	unsigned bind = ELF64_ST_BIND(sym->st_info);
	unsigned type = ELF64_ST_TYPE(sym->st_info);
	const Elf64_Shdr *section;

	if (sym->st_name >= m->strings_size)
		return refuse(v,
			      "symbol %u: name offset 0x%x is beyond the "
			      "string table (0x%llx bytes)",
			      i, sym->st_name,
			      (unsigned long long)m->strings_size);
	if (bind != STB_LOCAL && bind != STB_GLOBAL && bind != STB_WEAK)
		return refuse_at(
		    v, SYMBOL, i,
		    " has binding %u%s: only local, global and weak exist here",
		    bind, bind == STB_GNU_UNIQUE ? " (STB_GNU_UNIQUE)" : "");
	if ((bind == STB_LOCAL) != (i < first_global))
		return refuse_at(
		    v, SYMBOL, i,
		    " is %s, but the symbol table says globals start at %u",
		    bind == STB_LOCAL ? "local" : "global", first_global);
	if (sym->st_shndx == SHN_COMMON || type == STT_COMMON)
		return refuse(
		    v, "uses a common symbol %.48s: build with -fno-common",
		    elf_symbol_name(m, i));
	if (type == STT_TLS)
		return refuse_at(
		    v, SYMBOL, i,
		    " is thread-local storage, which modules cannot use");
	if (type == STT_GNU_IFUNC)
		return refuse_at(v, SYMBOL, i,
				 " is an indirect function (STT_GNU_IFUNC), "
				 "which needs a dynamic linker");
	if (type > STT_FILE)
		return refuse_at(v, SYMBOL, i, " has unknown type %u", type);

	if (sym->st_shndx == SHN_UNDEF && bind == STB_LOCAL && i != STN_UNDEF)
		return refuse_at(v, SYMBOL, i, " is local and undefined");
	if (sym->st_shndx == SHN_UNDEF || sym->st_shndx == SHN_ABS)
		return 0;
	if (sym->st_shndx == SHN_XINDEX)
		return refuse_at(v, SYMBOL, i,
				 " uses an extended section index "
				 "(SHN_XINDEX): not supported");
	if (sym->st_shndx >= SHN_LORESERVE)
		return refuse_at(v, SYMBOL, i,
				 " has reserved section index 0x%x",
				 sym->st_shndx);
	if (sym->st_shndx >= m->nsections)
		return refuse_at(
		    v, SYMBOL, i,
		    " is in section %u, but there are only %u sections",
		    sym->st_shndx, m->nsections);
	section = &m->sections[sym->st_shndx];
	if (sym->st_value > section->sh_size)
		return refuse_at(
		    v, SYMBOL, i,
		    " at 0x%llx is beyond the end of %.40s (0x%llx bytes)",
		    (unsigned long long)sym->st_value,
		    elf_section_name(m, sym->st_shndx),
		    (unsigned long long)section->sh_size);
	return 0;
}

static int check_symbols(struct validation *v)
{
	struct elf_module *m = &v->m;
	const Elf64_Shdr *sh = &m->sections[m->symtab_index];
	uint64_t count = sh->sh_size / sizeof(Elf64_Sym);
	int err;

	if (sh->sh_entsize != sizeof(Elf64_Sym))
		return refuse(v, "symbol table entry size %llu is not %u",
			      (unsigned long long)sh->sh_entsize,
			      (unsigned)sizeof(Elf64_Sym));
	if (sh->sh_size % sizeof(Elf64_Sym))
		return refuse(
		    v, "symbol table size 0x%llx is not a multiple of %u",
		    (unsigned long long)sh->sh_size,
		    (unsigned)sizeof(Elf64_Sym));
	if (count == 0)
		return refuse(
		    v, "symbol table is empty (not even the null symbol)");
	if (count > UINT32_MAX)
		return refuse(v, "symbol table has 2^32 symbols or more");
	if (sh->sh_offset % 8)
		return refuse(v, "symbol table at 0x%llx is not 8-byte aligned",
			      (unsigned long long)sh->sh_offset);
	if (sh->sh_info > count)
		return refuse(v,
			      "symbol table says globals start at %u, but it "
			      "has %llu symbols",
			      sh->sh_info, (unsigned long long)count);
	err = check_string_table(v, sh->sh_link, "the symbol string table");
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
		return refuse_at(
		    v, RELOCATION, j,
		    " refers to symbol %u, but there are only %u symbols",
		    symbol, m->nsymbols);
	sym = &m->symbols[symbol];
	/* check_symbols() left only UNDEF, ABS and real section indices. */
	if (sym->st_shndx == SHN_UNDEF || sym->st_shndx == SHN_ABS ||
	    (m->sections[sym->st_shndx].sh_flags & SHF_ALLOC))
		return 0;
	if (ELF64_ST_TYPE(sym->st_info) == STT_SECTION)
		return refuse_at(
		    v, RELOCATION, j,
		    " refers to section %.40s, which is not loaded",
		    elf_section_name(m, sym->st_shndx));
	return refuse_at(
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
		return refuse_at(v, RELOCATION, j, " has unknown type %u",
				 type);
	if (kind == RISCV_RELOC_REFUSED)
		return refuse_at(v, RELOCATION, j,
				 " has type %s (%s), which modules cannot use",
				 type_name, refused_because(type));
	if (symbol == STN_UNDEF && kind != RISCV_RELOC_MARKER)
		return refuse_at(v, RELOCATION, j, " (%s) names no symbol",
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
			return refuse_at(
			    v, RELOCATION, j,
			    ": no complete ULEB128 at 0x%llx in %.40s",
			    (unsigned long long)r->r_offset, target_name);
		width = (unsigned)length;
	}
	if (__builtin_add_overflow(r->r_offset, width, &end) ||
	    end > target_sh->sh_size)
		return refuse_at(v, RELOCATION, j,
				 " patches %u bytes at 0x%llx, beyond the end "
				 "of %.40s (0x%llx bytes)",
				 (unsigned)width,
				 (unsigned long long)r->r_offset, target_name,
				 (unsigned long long)target_sh->sh_size);

	/* The psABI pairs every SET_ULEB128 with a SUB_ULEB128 right after. */
	if (type == R_RISCV_SET_ULEB128 &&
	    (j + 1 >= count ||
	     ELF64_R_TYPE(r[1].r_info) != R_RISCV_SUB_ULEB128 ||
	     r[1].r_offset != r->r_offset))
		return refuse_at(v, RELOCATION, j,
				 ": R_RISCV_SET_ULEB128 is not followed by its "
				 "R_RISCV_SUB_ULEB128");
	if (type == R_RISCV_SUB_ULEB128 &&
	    (j == 0 || ELF64_R_TYPE(r[-1].r_info) != R_RISCV_SET_ULEB128 ||
	     r[-1].r_offset != r->r_offset))
		return refuse_at(v, RELOCATION, j,
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
		return refuse_at(v, SECTION, i, ": entry size %llu is not %u",
				 (unsigned long long)sh->sh_entsize,
				 (unsigned)sizeof(Elf64_Rela));
	if (sh->sh_size % sizeof(Elf64_Rela))
		return refuse_at(v, SECTION, i,
				 ": size 0x%llx is not a multiple of %u",
				 (unsigned long long)sh->sh_size,
				 (unsigned)sizeof(Elf64_Rela));
	if (sh->sh_offset % 8)
		return refuse_at(v, SECTION, i,
				 " at 0x%llx is not 8-byte aligned",
				 (unsigned long long)sh->sh_offset);
	if (sh->sh_link != m->symtab_index)
		return refuse_at(
		    v, SECTION, i,
		    " uses symbol table %u, but the module's is section %u",
		    sh->sh_link, m->symtab_index);
	if (target == SHN_UNDEF || target >= m->nsections)
		return refuse_at(v, SECTION, i,
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
		return refuse_at(v, SECTION, i,
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
		return refuse_at(
		    v, SECTION, i,
		    ": entry size %llu and size 0x%llx do not make a group",
		    (unsigned long long)sh->sh_entsize,
		    (unsigned long long)sh->sh_size);
	if (sh->sh_link != m->symtab_index || sh->sh_info >= m->nsymbols)
		return refuse_at(v, SECTION, i,
				 ": group signature symbol %u of symbol table "
				 "%u does not exist",
				 sh->sh_info, sh->sh_link);
	if (word_at(data, 0) & ~(uint32_t)GRP_COMDAT)
		return refuse_at(v, SECTION, i, ": unknown group flags 0x%x",
				 word_at(data, 0));
	for (uint64_t n = 1; n < words; n++) {
		uint32_t member = word_at(data, n);

		if (member == SHN_UNDEF || member >= m->nsections ||
		    member == i)
			return refuse_at(v, SECTION, i,
					 ": group lists section %u, which "
					 "cannot be a member",
					 member);
	}
	return 0;
}

static int check_links(struct validation *v)
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

/* ---- the whole file ---------------------------------------------------- */

int elf_validate(const void *file, size_t size, struct elf_module *out,
		 char reason[ELF_REASON_MAX])
{
	char scratch[ELF_REASON_MAX];
	struct validation v;
	int err;

	memset(&v, 0, sizeof(v));
	v.reason = reason ? reason : scratch;
	v.reason[0] = '\0';
	if (out)
		memset(out, 0, sizeof(*out));
	if (!file || !out) {
		refuse(&v, "no module image");
		return -EINVAL;
	}
	if ((uintptr_t)file % 8) {
		refuse(&v, "module image is not 8-byte aligned in memory");
		return -EINVAL;
	}
	v.m.file = file;
	v.m.size = size;
	if (size < sizeof(Elf64_Ehdr))
		return refuse(
		    &v, "file is %llu bytes, too short for an ELF header (%u)",
		    (unsigned long long)size, (unsigned)sizeof(Elf64_Ehdr));

	err = check_header(&v);
	if (!err)
		err = check_section_names(&v);
	if (!err)
		err = check_sections(&v);
	if (!err)
		err = check_symbols(&v);
	if (!err)
		err = check_links(&v);
	if (err)
		return err;
	*out = v.m;
	return 0;
}
