/*
 * elf_validate_internal.h - what the two files of stage 1 share:
 * elf_validate.c (the file header and the sections, and elf_validate()
 * itself) and elf_validate_symbols.c (the symbol table, relocations and
 * groups).  The loader's other stages see only elf_validate.h.
 */
#ifndef KEEL_LOADER_ELF_VALIDATE_INTERNAL_H
#define KEEL_LOADER_ELF_VALIDATE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elf_validate.h"

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

/* Write one line of explanation into v->reason and return -ENOEXEC. */
int elf_refuse(struct validation *v, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* elf_refuse(), the line starting with the subject numbered `index`. */
int elf_refuse_at(struct validation *v, enum subject subject,
		  unsigned long index, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

/* True when [offset, offset + length) lies inside a file of `size` bytes. */
static inline bool in_file(size_t size, uint64_t offset, uint64_t length)
{
	return offset <= size && length <= size - offset;
}

/*
 * Check that section `index` is a string table inside the file whose last
 * byte is NUL; 0 or elf_refuse()'s error.  `what` names its role in the
 * message.  Needs steps 1 to 3 done.
 */
int elf_check_string_table(struct validation *v, unsigned index,
			   const char *what);

/*
 * Step 4: the symbol table, and every symbol in it; fills v->m's symbols
 * and strings.  Needs steps 1 to 3 done (symtab_index found).
 */
int elf_check_symbols(struct validation *v);

/*
 * Step 5: every SHT_RELA section and its entries (those patching loaded
 * sections), and every SHT_GROUP; counts the relocations into v->m.
 * Needs step 4 done.
 */
int elf_check_links(struct validation *v);

#endif /* KEEL_LOADER_ELF_VALIDATE_INTERNAL_H */
