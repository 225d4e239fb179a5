/*
 * modpost.h - what the files of the modpost program share: reporting
 * errors, the libelf reader (module_reader.c) and depmod (depmod.c).
 *
 * Errors are counted rather than passed up through every layer: error()
 * prints one "modpost: ERROR: ..." line on stderr and bumps `errors`; a
 * function that fails returns -1 (or NULL) after reporting why, and the
 * program exits 1 when `errors` is nonzero.  Running out of memory ends
 * the program at once (xrealloc).
 */
#ifndef KEEL_TOOLS_MODPOST_H
#define KEEL_TOOLS_MODPOST_H

#include <gelf.h>
#include <libelf.h>
#include <stddef.h>
#include <stdint.h>

#include <keel/module.h>

/* ---- errors and memory ------------------------------------------------- */

extern int errors;

void error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);

/* The file name at the end of `path`. */
const char *base_name(const char *path);

/* ---- reading ELF files (module_reader.c) ------------------------------- */

Elf *open_elf(const char *path, int type, int *fd);
void close_elf(Elf *elf, int fd);
Elf_Scn *section_named(Elf *elf, const char *name);
int symbol_table(Elf *elf, Elf_Data **data, size_t *count, size_t *strtab);
const char *string_in_section(Elf *elf, size_t index, uint64_t at);
const unsigned char *image_bytes(Elf *elf, uint64_t address, size_t length);

/* What modpost needs from a module object. */
struct module_object {
	const char *path;
	char name[KEEL_MODULE_NAME_MAX + 1];
	char *modinfo; /* copy of .keel.modinfo, NUL-terminated */
	size_t modinfo_size;
	char **undefined; /* global undefined symbols */
	int *undefined_weak;
	size_t nundefined;
	char **exports; /* names given to KEEL_EXPORT_SYMBOL */
	size_t nexports;
};

const char *modinfo_value(const struct module_object *mo, const char *tag);
int read_module(const char *path, int built, struct module_object *mo);

/* ---- modules.dep (depmod.c) -------------------------------------------- */

/*
 * Write `output` in modules.dep format for the `count` finished modules
 * at `paths`.  Returns the exit status: 0, or 1 after reporting.
 */
int depmod(const char *output, int count, char **paths);

#endif /* KEEL_TOOLS_MODPOST_H */
