/*
 * elf_validate.h - stage 1 of the module loader: check a .ko completely
 * before anything is allocated or changed.
 *
 * A Keel module is an ELF64 little-endian RISC-V relocatable object (ET_REL)
 * built for the soft-float LP64 ABI (no RVE).  elf_validate() reads the
 * whole file once, checks every header, offset, size, index, string and
 * relocation against the file's bounds without integer overflow, and
 * records where things are in a `struct elf_module` view that points into
 * the caller's buffer.  Later stages (layout, symbols, relocate) trust this
 * view and need no bounds checks of their own.  On refusal it returns a
 * negative errno and writes one line naming the first problem found, e.g.
 *
 *     "section 7 (.rela.text): relocation 12 offset 0x1f4 is beyond the
 *      section's 0x1f0 bytes"
 *
 * which insmod prints as "insmod: ERROR: could not insert module X.ko:
 * <reason>".  The stage allocates nothing, so a refusal leaves no trace.
 * It is pure code, built for the kernel and for the host (tests, fuzzing).
 */
#ifndef KEEL_LOADER_ELF_VALIDATE_H
#define KEEL_LOADER_ELF_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "elf.h"

#define ELF_REASON_MAX 160

/*
 * The most memory a module's SHF_ALLOC sections may need, counting each
 * section's size plus its alignment's worst-case padding.  Far above any
 * real module, it keeps the layout's sums from overflowing and every
 * PC-relative reference inside a module within auipc's +-2 GiB.
 */
#define ELF_MODULE_MAX_MEMORY (1u << 30)

struct elf_module {
	const uint8_t *file;        /* the whole .ko */
	size_t size;
	const Elf64_Ehdr *ehdr;
	const Elf64_Shdr *sections; /* ehdr->e_shnum entries */
	unsigned nsections;
	const char *section_names;  /* .shstrtab data */
	size_t section_names_size;
	unsigned symtab_index;      /* the one SHT_SYMTAB section */
	const Elf64_Sym *symbols;
	unsigned nsymbols;
	const char *strings;        /* the symbol string table */
	size_t strings_size;
	unsigned nrela;             /* SHT_RELA sections applying to SHF_ALLOC sections */
	unsigned long total_relocations; /* entries in those nrela sections */
	unsigned nrela_skipped;     /* SHT_RELA sections applying to sections
				       without SHF_ALLOC (debug information):
				       checked as sections, entries not
				       examined; the loader skips them */
	unsigned long skipped_relocations; /* entries in those sections */
};

/*
 * Validate `file` of `size` bytes and fill *out.  Returns 0, or -ENOEXEC
 * (not a valid Keel module: wrong class, data, machine, type, flags, or a
 * malformed structure) with `reason` (ELF_REASON_MAX bytes) set.
 * Returns -EINVAL, also with `reason` set, when the caller breaks the
 * contract: `file` or `out` is NULL, or `file` is not 8-byte aligned in
 * memory (the view reads headers in place; kmalloc memory always is).
 * On success `reason` is the empty string; on any error *out is zeroed.
 * `reason` may be NULL when the caller does not want the explanation.
 * Linear in the size of the file; allocates nothing; reads nothing
 * outside [file, file + size).
 */
int elf_validate(const void *file, size_t size, struct elf_module *out,
		 char reason[ELF_REASON_MAX]);

/* Name of section `index`; "?" if out of range (never after validation). */
const char *elf_section_name(const struct elf_module *m, unsigned index);
/* Name of symbol `index` ("" for unnamed; "?" if out of range). */
const char *elf_symbol_name(const struct elf_module *m, unsigned index);

#endif /* KEEL_LOADER_ELF_VALIDATE_H */
