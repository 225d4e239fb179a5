/*
 * module_reader.c - what modpost and depmod read from ELF files, through
 * libelf.
 *
 * open_elf() accepts only 64-bit little-endian RISC-V files of the type
 * asked for: relocatable objects (modules) or the linked kernel.  From a
 * module, read_module() takes what both tools need:
 *
 *   - the .keel.modinfo strings (KEEL_MODULE_INFO), copied whole, with
 *     name= required; depends= and abi= must be absent before modpost
 *     has run (the build stamps them) and present after;
 *   - the names of its global and weak undefined symbols;
 *   - the names it exports with KEEL_EXPORT_SYMBOL: each record of
 *     .keel.exports has its `name` field patched by an R_RISCV_64 whose
 *     symbol and addend point at the string, so the names are read
 *     through those relocations, without linking anything.
 *
 * From the kernel, image_bytes() reads bytes at a run-time address, which
 * modpost needs to walk the KEEL_EXPORT table.  Every problem is
 * reported with error() and makes the reader return -1 or NULL.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <keel/export.h>
#include <keel/module.h>

#include "modpost.h"

/* ---- errors, memory, names --------------------------------------------- */

int errors;

void error(const char *fmt, ...)
{
	va_list ap;

	fputs("modpost: ERROR: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	errors++;
}

void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size ? size : 1);
	if (!p) {
		fputs("modpost: out of memory\n", stderr);
		exit(1);
	}
	return p;
}

char *xstrdup(const char *s)
{
	return strcpy(xrealloc(NULL, strlen(s) + 1), s);
}

const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* ---- reading ELF files ------------------------------------------------- */

/*
 * Open `path` as a 64-bit RISC-V ELF file of type `type`.  Returns the Elf
 * handle (*fd set), or NULL after reporting why.
 */
Elf *open_elf(const char *path, int type, int *fd)
{
	GElf_Ehdr ehdr;
	Elf *elf;

	*fd = open(path, O_RDONLY);
	if (*fd < 0) {
		error("%s: %s", path, strerror(errno));
		return NULL;
	}
	elf = elf_begin(*fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &ehdr)) {
		error("%s: not an ELF file", path);
	} else if (ehdr.e_ident[EI_CLASS] != ELFCLASS64 ||
		   ehdr.e_ident[EI_DATA] != ELFDATA2LSB ||
		   ehdr.e_machine != EM_RISCV) {
		error("%s: not a 64-bit little-endian RISC-V file", path);
	} else if (ehdr.e_type != type) {
		error("%s: ELF type %u, expected %s", path, ehdr.e_type,
		      type == ET_REL ? "a relocatable object (ET_REL)"
				     : "an executable (ET_EXEC)");
	} else {
		return elf;
	}
	if (elf)
		elf_end(elf);
	close(*fd);
	return NULL;
}

void close_elf(Elf *elf, int fd)
{
	elf_end(elf);
	close(fd);
}

Elf_Scn *section_named(Elf *elf, const char *name)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr shdr;
		const char *sname;

		if (!gelf_getshdr(scn, &shdr))
			return NULL;
		sname = elf_strptr(elf, shstrndx, shdr.sh_name);
		if (sname && strcmp(sname, name) == 0)
			return scn;
	}
	return NULL;
}

/* The symbol table, its data and its string table's index; 0 or -1. */
int symbol_table(Elf *elf, Elf_Data **data, size_t *count, size_t *strtab)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr shdr;

		if (gelf_getshdr(scn, &shdr) && shdr.sh_type == SHT_SYMTAB &&
		    shdr.sh_entsize) {
			*data = elf_getdata(scn, NULL);
			*count = shdr.sh_size / shdr.sh_entsize;
			*strtab = shdr.sh_link;
			return *data ? 0 : -1;
		}
	}
	return -1;
}

/*
 * The string at offset `at` of section `index` of a relocatable object, or
 * NULL when it does not lie there NUL-terminated.
 */
const char *string_in_section(Elf *elf, size_t index, uint64_t at)
{
	Elf_Scn *scn = elf_getscn(elf, index);
	Elf_Data *data = scn ? elf_getdata(scn, NULL) : NULL;

	if (!data || !data->d_buf || at >= data->d_size ||
	    !memchr((char *)data->d_buf + at, '\0', data->d_size - at))
		return NULL;
	return (const char *)data->d_buf + at;
}

/*
 * In a linked image: the bytes at run-time address `address`, `length` of
 * them within one loaded PROGBITS section, or NULL.  When `length` is 0 the
 * bytes are a NUL-terminated string.
 */
const unsigned char *image_bytes(Elf *elf, uint64_t address, size_t length)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr shdr;
		Elf_Data *data;
		uint64_t at;

		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_PROGBITS ||
		    !(shdr.sh_flags & SHF_ALLOC) || address < shdr.sh_addr ||
		    address - shdr.sh_addr >= shdr.sh_size)
			continue;
		data = elf_getdata(scn, NULL);
		at = address - shdr.sh_addr;
		if (!data || !data->d_buf || data->d_size != shdr.sh_size)
			return NULL;
		if (length ? length > data->d_size - at
			   : !memchr((char *)data->d_buf + at, '\0',
				     data->d_size - at))
			return NULL;
		return (const unsigned char *)data->d_buf + at;
	}
	return NULL;
}

/* ---- a module object --------------------------------------------------- */

/* The value of the first "tag=value" string in a modinfo copy, or NULL. */
const char *modinfo_value(const struct module_object *mo, const char *tag)
{
	size_t length = strlen(tag);

	for (size_t at = 0; at < mo->modinfo_size;
	     at += strlen(mo->modinfo + at) + 1)
		if (!strncmp(mo->modinfo + at, tag, length) &&
		    mo->modinfo[at + length] == '=')
			return mo->modinfo + at + length + 1;
	return NULL;
}

/*
 * The names of the module's KEEL_EXPORT_SYMBOL records: the string each
 * record's `name` field is relocated to.  0 or -1.
 */
static int read_module_exports(Elf *elf, struct module_object *mo)
{
	Elf_Scn *exports = section_named(elf, ".keel.exports"), *scn = NULL;
	size_t index, nsymbols, strtab, nrecords, found = 0;
	Elf_Data *symbols;
	GElf_Shdr shdr;

	if (!exports)
		return 0;
	index = elf_ndxscn(exports);
	if (!gelf_getshdr(exports, &shdr) ||
	    shdr.sh_size % sizeof(struct keel_module_export)) {
		error("%s: .keel.exports is not a whole number of records",
		      mo->path);
		return -1;
	}
	nrecords = shdr.sh_size / sizeof(struct keel_module_export);
	mo->exports = xrealloc(NULL, nrecords * sizeof(char *));
	if (symbol_table(elf, &symbols, &nsymbols, &strtab))
		return -1;
	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *relocations;

		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_RELA ||
		    shdr.sh_info != index || !shdr.sh_entsize)
			continue;
		relocations = elf_getdata(scn, NULL);
		for (size_t i = 0;
		     relocations && i < shdr.sh_size / shdr.sh_entsize; i++) {
			GElf_Rela rela;
			GElf_Sym sym;
			const char *name;

			if (!gelf_getrela(relocations, (int)i, &rela) ||
			    rela.r_offset % sizeof(struct keel_module_export) !=
				offsetof(struct keel_module_export, name))
				continue;
			if (GELF_R_TYPE(rela.r_info) != R_RISCV_64 ||
			    !gelf_getsym(symbols, (int)GELF_R_SYM(rela.r_info),
					 &sym) ||
			    !(name = string_in_section(
				  elf, sym.st_shndx,
				  sym.st_value + (uint64_t)rela.r_addend))) {
				error(
				    "%s: the name of export record %llu is "
				    "unreadable",
				    mo->path,
				    (unsigned long long)(rela.r_offset /
							 sizeof(
							     struct
							     keel_module_export)));
				return -1;
			}
			if (!name[0] || strlen(name) > KEEL_SYMBOL_NAME_MAX) {
				error("%s: exported name '%s' is empty or "
				      "longer than %d bytes",
				      mo->path, name, KEEL_SYMBOL_NAME_MAX);
				return -1;
			}
			if (found < nrecords)
				mo->exports[found++] = xstrdup(name);
		}
	}
	if (found != nrecords) {
		error("%s: %zu of %zu export records have a name", mo->path,
		      found, nrecords);
		return -1;
	}
	mo->nexports = found;
	return 0;
}

/*
 * Read what modpost needs from the relocatable object at `path`.  `built`
 * tells whether it is a finished .ko (depends= and abi= present) or a
 * module before modpost (they must be absent).  0 or -1.
 */
int read_module(const char *path, int built, struct module_object *mo)
{
	size_t nsymbols, strtab;
	Elf_Data *symbols, *data;
	const char *name;
	Elf_Scn *scn;
	int fd, status = -1, before = errors;
	Elf *elf;

	memset(mo, 0, sizeof(*mo));
	mo->path = path;
	elf = open_elf(path, ET_REL, &fd);
	if (!elf)
		return -1;
	scn = section_named(elf, ".keel.modinfo");
	data = scn ? elf_getdata(scn, NULL) : NULL;
	if (!data || !data->d_buf) {
		error("%s: no .keel.modinfo section: declare the module with "
		      "KEEL_MODULE()",
		      path);
		goto out;
	}
	mo->modinfo = xrealloc(NULL, data->d_size + 1);
	memcpy(mo->modinfo, data->d_buf, data->d_size);
	mo->modinfo[data->d_size] = '\0';
	mo->modinfo_size = data->d_size;
	name = modinfo_value(mo, "name");
	if (!name || !name[0] || strlen(name) > KEEL_MODULE_NAME_MAX) {
		error(
		    "%s: no module name: declare the module with KEEL_MODULE()",
		    path);
		goto out;
	}
	strcpy(mo->name, name);
	for (int i = 0; i < 2; i++) {
		const char *tag = i ? "abi" : "depends";

		if (!built && modinfo_value(mo, tag))
			error("%s: declares %s= itself; the module build "
			      "stamps it",
			      path, tag);
		if (built && !modinfo_value(mo, tag))
			error("%s: no %s= (modpost has not been run on it)",
			      path, tag);
	}
	if (errors > before)
		goto out;
	if (symbol_table(elf, &symbols, &nsymbols, &strtab)) {
		error("%s: no symbol table", path);
		goto out;
	}
	for (size_t i = 1; i < nsymbols; i++) {
		GElf_Sym sym;
		int bind;

		if (!gelf_getsym(symbols, (int)i, &sym) ||
		    sym.st_shndx != SHN_UNDEF)
			continue;
		bind = GELF_ST_BIND(sym.st_info);
		name = elf_strptr(elf, strtab, sym.st_name);
		if (!name || !name[0] ||
		    (bind != STB_GLOBAL && bind != STB_WEAK))
			continue;
		mo->undefined = xrealloc(mo->undefined,
					 (mo->nundefined + 1) * sizeof(char *));
		mo->undefined_weak = xrealloc(
		    mo->undefined_weak, (mo->nundefined + 1) * sizeof(int));
		mo->undefined[mo->nundefined] = xstrdup(name);
		mo->undefined_weak[mo->nundefined++] = bind == STB_WEAK;
	}
	status = read_module_exports(elf, mo);
out:
	close_elf(elf, fd);
	return status;
}
