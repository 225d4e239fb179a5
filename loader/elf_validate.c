/*
 * elf_validate.c - stage 1 of the module loader: is this a Keel module?
 *
 * The loader's later stages walk section headers, symbols and relocations
 * without checking a single offset.  That is safe only because stage 1
 * has already checked every one of them against the file's bounds, so a
 * truncated, corrupt or hostile .ko is refused here, with one line saying
 * what is wrong, before anything is allocated.  The checks run in the
 * order a reader needs them, each step trusting only what the steps
 * before it proved.  This file holds the three steps on the file's
 * structure, and elf_validate() running all five; elf_validate_symbols.c
 * the two on what the sections hold:
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
 *   4. The symbol table (elf_check_symbols) and
 *   5. relocation and group sections (elf_check_links): every symbol and
 *      every relocation of a loaded section, in elf_validate_symbols.c.
 *
 * Policies, and why:
 *   - Ztso (EF_RISCV_TSO) is refused.  Code built for it leaves out the
 *     fences that RVWMO harts need; on Keel's harts (QEMU virt is RVWMO)
 *     it would race silently.
 *   - Section alignment above 4096 is refused: module memory comes in
 *     pages, so a page is the strictest alignment the layout can honour.
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
 * A refusal is one line, written by elf_refuse() or elf_refuse_at().
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <keel/errno.h>

#include "lib/printf.h"
#include "lib/string.h"

#include "elf_validate.h"
#include "elf_validate_internal.h"

#define PAGE_ALIGNMENT	4096
#define ARRAY_LENGTH(a) (sizeof(a) / sizeof((a)[0]))

/* The flags Keel knows; any other e_flags bit is refused. */
#define EF_RISCV_KNOWN                                                         \
	(EF_RISCV_RVC | EF_RISCV_FLOAT_ABI | EF_RISCV_RVE | EF_RISCV_TSO)

/* Write one line of explanation and return -ENOEXEC. */
int elf_refuse(struct validation *v, const char *format, ...)
{
	va_list args;

	va_start(args, format);
	vsnprintf(v->reason, ELF_REASON_MAX, format, args);
	va_end(args);
	return -ENOEXEC;
}

/* elf_refuse(), the line starting with the subject numbered `index`. */
int elf_refuse_at(struct validation *v, enum subject subject,
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
			return elf_refuse(
			    v, "built for %s (machine %u), not RISC-V",
			    machine_names[i].name, machine);
	}
	return elf_refuse(v, "built for machine %u, not RISC-V (machine %u)",
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
		return elf_refuse(
		    v,
		    "built for the %s ABI (e_flags 0x%x): modules "
		    "use soft-float (-mabi=lp64)",
		    float_abi_names[float_abi >> 1], flags);
	if (flags & EF_RISCV_RVE)
		return elf_refuse(v,
				  "built for RVE (EF_RISCV_RVE): modules need "
				  "all 32 integer registers");
	if (flags & EF_RISCV_TSO)
		return elf_refuse(v, "built for the Ztso memory model "
				     "(EF_RISCV_TSO): Keel's harts are RVWMO");
	if (unknown)
		return elf_refuse(v, "e_flags 0x%x has unknown bits 0x%x",
				  flags, unknown);
	return 0;
}

static int check_identity(struct validation *v, const Elf64_Ehdr *ehdr)
{
	const unsigned char *ident = ehdr->e_ident;

	if (memcmp(ident, ELFMAG, SELFMAG) != 0)
		return elf_refuse(v, "not an ELF file (no \\177ELF magic)");
	if (ident[EI_CLASS] != ELFCLASS64)
		return elf_refuse(v, "not a 64-bit ELF file (class %u)",
				  ident[EI_CLASS]);
	if (ident[EI_DATA] == ELFDATA2MSB)
		return elf_refuse(
		    v, "big-endian ELF file: RISC-V modules are little-endian");
	if (ident[EI_DATA] != ELFDATA2LSB)
		return elf_refuse(v, "unknown ELF data encoding %u",
				  ident[EI_DATA]);
	if (ident[EI_VERSION] != EV_CURRENT || ehdr->e_version != EV_CURRENT)
		return elf_refuse(
		    v, "unknown ELF version (e_ident %u, e_version %u)",
		    ident[EI_VERSION], ehdr->e_version);
	if (ehdr->e_type != ET_REL && ehdr->e_type < ARRAY_LENGTH(type_names))
		return elf_refuse(
		    v, "ELF type %s: modules are relocatable objects (ET_REL)",
		    type_names[ehdr->e_type]);
	if (ehdr->e_type != ET_REL)
		return elf_refuse(
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
		return elf_refuse(v, "ELF header size %u is not %u",
				  ehdr->e_ehsize, (unsigned)sizeof(Elf64_Ehdr));
	if (ehdr->e_shnum == 0 && ehdr->e_shoff == 0)
		return elf_refuse(v, "no section header table");
	if (ehdr->e_shnum == 0 || ehdr->e_shstrndx == SHN_XINDEX)
		return elf_refuse(v,
				  "extended section numbering (more than %u "
				  "sections) is not supported",
				  SHN_LORESERVE - 1);
	if (ehdr->e_shnum >= SHN_LORESERVE)
		return elf_refuse(v,
				  "%u sections: indices from 0x%x are reserved",
				  ehdr->e_shnum, SHN_LORESERVE);
	if (ehdr->e_shentsize != sizeof(Elf64_Shdr))
		return elf_refuse(v, "section header size %u is not %u",
				  ehdr->e_shentsize,
				  (unsigned)sizeof(Elf64_Shdr));
	if (__builtin_mul_overflow((uint64_t)ehdr->e_shnum,
				   (uint64_t)ehdr->e_shentsize, &table_size) ||
	    !in_file(v->m.size, ehdr->e_shoff, table_size))
		return elf_refuse(v,
				  "section header table (%u entries at 0x%llx) "
				  "lies outside the file (0x%llx bytes)",
				  ehdr->e_shnum,
				  (unsigned long long)ehdr->e_shoff,
				  (unsigned long long)v->m.size);
	if (ehdr->e_shoff % 8)
		return elf_refuse(
		    v, "section header table at 0x%llx is not 8-byte aligned",
		    (unsigned long long)ehdr->e_shoff);

	v->m.ehdr = ehdr;
	v->m.sections = (const Elf64_Shdr *)(v->m.file + ehdr->e_shoff);
	v->m.nsections = ehdr->e_shnum;
	if (v->m.sections[0].sh_type != SHT_NULL)
		return elf_refuse(v,
				  "section 0 is not the null section (type %u)",
				  v->m.sections[0].sh_type);
	return 0;
}

/* ---- 2. the section-name table ----------------------------------------- */

/*
 * Check that section `index` is a string table inside the file whose last
 * byte is NUL.  `what` names its role in the message.
 */
int elf_check_string_table(struct validation *v, unsigned index,
			   const char *what)
{
	const struct elf_module *m = &v->m;
	const Elf64_Shdr *sh;

	if (index == SHN_UNDEF || index >= m->nsections)
		return elf_refuse(
		    v, "%s is section %u, which does not exist (%u sections)",
		    what, index, m->nsections);
	sh = &m->sections[index];
	if (sh->sh_type != SHT_STRTAB)
		return elf_refuse(
		    v, "%s (section %u) is not a string table (type %u)", what,
		    index, sh->sh_type);
	if (!in_file(m->size, sh->sh_offset, sh->sh_size))
		return elf_refuse(v, "%s (section %u) lies outside the file",
				  what, index);
	if (sh->sh_size == 0 || m->file[sh->sh_offset + sh->sh_size - 1] != 0)
		return elf_refuse(
		    v, "%s (section %u) does not end with a NUL byte", what,
		    index);
	return 0;
}

static int check_section_names(struct validation *v)
{
	unsigned index = v->m.ehdr->e_shstrndx;
	int err;

	err = elf_check_string_table(v, index, "the section name table");
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
		return elf_refuse(v,
				  "section %u: name offset 0x%x is beyond the "
				  "section name table (0x%llx bytes)",
				  i, sh->sh_name,
				  (unsigned long long)m->section_names_size);
	if (sh->sh_type != SHT_NOBITS && sh->sh_type != SHT_NULL &&
	    !in_file(m->size, sh->sh_offset, sh->sh_size))
		return elf_refuse_at(v, SECTION, i,
				     ": 0x%llx bytes at 0x%llx lie outside the "
				     "file (0x%llx bytes)",
				     (unsigned long long)sh->sh_size,
				     (unsigned long long)sh->sh_offset,
				     (unsigned long long)m->size);
	if (!is_power_of_two_or_zero(sh->sh_addralign))
		return elf_refuse_at(v, SECTION, i,
				     ": alignment %llu is not a power of two",
				     (unsigned long long)sh->sh_addralign);
	if (sh->sh_addralign > PAGE_ALIGNMENT)
		return elf_refuse_at(
		    v, SECTION, i,
		    ": alignment %llu is more than a page (%u), "
		    "the most module memory guarantees",
		    (unsigned long long)sh->sh_addralign, PAGE_ALIGNMENT);
	if ((sh->sh_flags & SHF_WRITE) && (sh->sh_flags & SHF_EXECINSTR))
		return elf_refuse(
		    v, "section %.40s is both writable and executable", name);
	if (sh->sh_flags & SHF_TLS)
		return elf_refuse(
		    v,
		    "section %.40s holds thread-local storage, which "
		    "modules cannot use",
		    name);
	if (sh->sh_type == SHT_REL)
		return elf_refuse(
		    v,
		    "section %.40s is SHT_REL: RISC-V modules use "
		    "SHT_RELA relocations (with addends)",
		    name);
	if (sh->sh_type == SHT_SYMTAB_SHNDX)
		return elf_refuse(
		    v,
		    "section %.40s: extended symbol section indices "
		    "are not supported",
		    name);
	if (sh->sh_type == SHT_SYMTAB && m->symtab_index)
		return elf_refuse(v,
				  "two symbol tables (sections %u and %u): a "
				  "module has exactly one",
				  m->symtab_index, i);
	if (sh->sh_type == SHT_SYMTAB)
		v->m.symtab_index = i;
	if ((sh->sh_flags & SHF_ALLOC) && !add_to_memory(memory, sh))
		return elf_refuse_at(
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
		return elf_refuse(
		    v,
		    "no symbol table (SHT_SYMTAB): was the module stripped?");
	return 0;
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
		elf_refuse(&v, "no module image");
		return -EINVAL;
	}
	if ((uintptr_t)file % 8) {
		elf_refuse(&v, "module image is not 8-byte aligned in memory");
		return -EINVAL;
	}
	v.m.file = file;
	v.m.size = size;
	if (size < sizeof(Elf64_Ehdr))
		return elf_refuse(
		    &v, "file is %llu bytes, too short for an ELF header (%u)",
		    (unsigned long long)size, (unsigned)sizeof(Elf64_Ehdr));

	err = check_header(&v);
	if (!err)
		err = check_section_names(&v);
	if (!err)
		err = check_sections(&v);
	if (!err)
		err = elf_check_symbols(&v);
	if (!err)
		err = elf_check_links(&v);
	if (err)
		return err;
	*out = v.m;
	return 0;
}
