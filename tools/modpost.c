/*
 * modpost.c - the module build's last step, on the host: check a module's
 * symbols against the ABI, record what it imports, and write modules.dep.
 *
 *     modpost -k kernel.elf [-e other.o]... -o NAME.mod.c NAME.o
 *     modpost -D modules.dep NAME.ko...
 *
 * The first form runs after `ld -r` has combined a module's objects into
 * NAME.o.  Every undefined symbol of NAME.o must be either
 *
 *   - a kernel export: a record of the kernel's KEEL_EXPORT table, which
 *     modpost reads straight out of kernel.elf.  The table lies between the
 *     symbols __keel_exports_start and __keel_exports_end; each record is
 *     struct kernel_export (kernel/module/export.h) in the target's layout:
 *
 *         offset 0   const char *name    a pointer into the image
 *         offset 8   uintptr_t address
 *         offset 16  uint32_t abi_minor  the minor that added the symbol
 *         (24 bytes, little-endian)
 *
 *   - or exported by one of the other modules given with -e, with
 *     KEEL_EXPORT_SYMBOL (<keel/export.h>).  Their names are found through
 *     the relocations of .keel.exports: the `name` field of each record is
 *     patched by an R_RISCV_64 whose symbol and addend point at the string.
 *
 * A weak undefined symbol may be neither (it stays 0).  Anything else is an
 * error, one line per symbol, naming the nearest exported name by edit
 * distance when one is close (`printkk` -> "did you mean printk?").  When
 * every symbol is known, modpost writes NAME.mod.c, which the build compiles
 * and links into NAME.ko:
 *
 *     #include <keel/export.h>
 *     KEEL_MODULE_INFO(depends, "hello_dep");   modules it uses, sorted
 *     KEEL_MODULE_INFO(abi, "1.0");             highest minor it imports
 *     KEEL_MODULE_IMPORT(printk, 0, "");        one per undefined symbol
 *     KEEL_MODULE_IMPORT(hello_dep_greet, 0, "hello_dep");
 *
 * The second form is depmod: it reads the name= and depends= strings of
 * finished modules and writes, for each, a line in Linux's modules.dep
 * format, "name.ko: dep.ko deeper.ko", listing every module it needs,
 * directly or not, ordered so that loading the list from its end to its
 * start loads each module after everything it depends on.  A dependency
 * cycle or a dependency that is not among the files is an error.
 *
 * Both forms write their output under a temporary name and rename it, so
 * an interrupted build leaves no half-written file.  Exit status 0, or 1
 * after printing every problem on stderr ("modpost: ERROR: ...").
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <keel/abi.h>
#include <keel/export.h>
#include <keel/module.h>

#define KERNEL_EXPORT_SIZE 24 /* struct kernel_export on the target */

/* A name some side exports: the kernel (module NULL) or a module. */
struct export {
	char *name;
	uint32_t abi_minor;
	const char *module;
};

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

static int errors;

static void error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void error(const char *fmt, ...)
{
	va_list ap;

	fputs("modpost: ERROR: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	errors++;
}

static void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size ? size : 1);
	if (!p) {
		fputs("modpost: out of memory\n", stderr);
		exit(1);
	}
	return p;
}

static char *xstrdup(const char *s)
{
	return strcpy(xrealloc(NULL, strlen(s) + 1), s);
}

static uint64_t le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* ---- reading ELF files ------------------------------------------------- */

/*
 * Open `path` as a 64-bit RISC-V ELF file of type `type`.  Returns the Elf
 * handle (*fd set), or NULL after reporting why.
 */
static Elf *open_elf(const char *path, int type, int *fd)
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
		   ehdr.e_ident[EI_DATA] != ELFDATA2LSB || ehdr.e_machine != EM_RISCV) {
		error("%s: not a 64-bit little-endian RISC-V file", path);
	} else if (ehdr.e_type != type) {
		error("%s: ELF type %u, expected %s", path, ehdr.e_type,
		      type == ET_REL ? "a relocatable object (ET_REL)" :
				       "an executable (ET_EXEC)");
	} else {
		return elf;
	}
	if (elf)
		elf_end(elf);
	close(*fd);
	return NULL;
}

static void close_elf(Elf *elf, int fd)
{
	elf_end(elf);
	close(fd);
}

static Elf_Scn *section_named(Elf *elf, const char *name)
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
static int symbol_table(Elf *elf, Elf_Data **data, size_t *count, size_t *strtab)
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
static const char *string_in_section(Elf *elf, size_t index, uint64_t at)
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
static const unsigned char *image_bytes(Elf *elf, uint64_t address, size_t length)
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
		if (length ? length > data->d_size - at :
			     !memchr((char *)data->d_buf + at, '\0', data->d_size - at))
			return NULL;
		return (const unsigned char *)data->d_buf + at;
	}
	return NULL;
}

/* ---- the kernel's exports ---------------------------------------------- */

/* Append every KEEL_EXPORT record of kernel.elf to *list; 0 or -1. */
static int read_kernel_exports(const char *path, struct export **list, size_t *count)
{
	uint64_t start = 0, end = 0;
	int have_start = 0, have_end = 0, fd, status = -1;
	size_t nsymbols, strtab, before = *count;
	Elf_Data *symbols;
	Elf *elf = open_elf(path, ET_EXEC, &fd);

	if (!elf)
		return -1;
	if (symbol_table(elf, &symbols, &nsymbols, &strtab)) {
		error("%s: no symbol table", path);
		goto out;
	}
	for (size_t i = 1; i < nsymbols; i++) {
		GElf_Sym sym;
		const char *name;

		if (!gelf_getsym(symbols, (int)i, &sym))
			continue;
		name = elf_strptr(elf, strtab, sym.st_name);
		if (name && !strcmp(name, "__keel_exports_start")) {
			start = sym.st_value;
			have_start = 1;
		} else if (name && !strcmp(name, "__keel_exports_end")) {
			end = sym.st_value;
			have_end = 1;
		}
	}
	if (!have_start || !have_end || end < start ||
	    (end - start) % KERNEL_EXPORT_SIZE) {
		error("%s: no export table between __keel_exports_start and "
		      "__keel_exports_end (not a Keel kernel?)", path);
		goto out;
	}
	for (uint64_t at = start; at < end; at += KERNEL_EXPORT_SIZE) {
		const unsigned char *record = image_bytes(elf, at, KERNEL_EXPORT_SIZE);
		const char *name = record ? (const char *)image_bytes(elf, le64(record), 0) : NULL;

		if (!name || !name[0]) {
			error("%s: export record at %#llx has no readable name", path,
			      (unsigned long long)at);
			goto out;
		}
		*list = xrealloc(*list, (*count + 1) * sizeof(**list));
		(*list)[*count].name = xstrdup(name);
		(*list)[*count].abi_minor = le32(record + 16);
		(*list)[*count].module = NULL;
		(*count)++;
	}
	if (*count == before) {
		error("%s: the kernel exports nothing", path);
		goto out;
	}
	status = 0;
out:
	close_elf(elf, fd);
	return status;
}

/* ---- a module object --------------------------------------------------- */

/* The value of the first "tag=value" string in a modinfo copy, or NULL. */
static const char *modinfo_value(const struct module_object *mo, const char *tag)
{
	size_t length = strlen(tag);

	for (size_t at = 0; at < mo->modinfo_size; at += strlen(mo->modinfo + at) + 1)
		if (!strncmp(mo->modinfo + at, tag, length) && mo->modinfo[at + length] == '=')
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
		error("%s: .keel.exports is not a whole number of records", mo->path);
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
		for (size_t i = 0; relocations && i < shdr.sh_size / shdr.sh_entsize; i++) {
			GElf_Rela rela;
			GElf_Sym sym;
			const char *name;

			if (!gelf_getrela(relocations, (int)i, &rela) ||
			    rela.r_offset % sizeof(struct keel_module_export) !=
				    offsetof(struct keel_module_export, name))
				continue;
			if (GELF_R_TYPE(rela.r_info) != R_RISCV_64 ||
			    !gelf_getsym(symbols, (int)GELF_R_SYM(rela.r_info), &sym) ||
			    !(name = string_in_section(elf, sym.st_shndx,
						       sym.st_value + (uint64_t)rela.r_addend))) {
				error("%s: the name of export record %llu is unreadable",
				      mo->path, (unsigned long long)(rela.r_offset /
						sizeof(struct keel_module_export)));
				return -1;
			}
			if (!name[0] || strlen(name) > KEEL_SYMBOL_NAME_MAX) {
				error("%s: exported name '%s' is empty or longer than %d bytes",
				      mo->path, name, KEEL_SYMBOL_NAME_MAX);
				return -1;
			}
			if (found < nrecords)
				mo->exports[found++] = xstrdup(name);
		}
	}
	if (found != nrecords) {
		error("%s: %zu of %zu export records have a name", mo->path, found, nrecords);
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
static int read_module(const char *path, int built, struct module_object *mo)
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
		error("%s: no .keel.modinfo section: declare the module with KEEL_MODULE()",
		      path);
		goto out;
	}
	mo->modinfo = xrealloc(NULL, data->d_size + 1);
	memcpy(mo->modinfo, data->d_buf, data->d_size);
	mo->modinfo[data->d_size] = '\0';
	mo->modinfo_size = data->d_size;
	name = modinfo_value(mo, "name");
	if (!name || !name[0] || strlen(name) > KEEL_MODULE_NAME_MAX) {
		error("%s: no module name: declare the module with KEEL_MODULE()", path);
		goto out;
	}
	strcpy(mo->name, name);
	for (int i = 0; i < 2; i++) {
		const char *tag = i ? "abi" : "depends";

		if (!built && modinfo_value(mo, tag))
			error("%s: declares %s= itself; the module build stamps it", path, tag);
		if (built && !modinfo_value(mo, tag))
			error("%s: no %s= (modpost has not been run on it)", path, tag);
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

		if (!gelf_getsym(symbols, (int)i, &sym) || sym.st_shndx != SHN_UNDEF)
			continue;
		bind = GELF_ST_BIND(sym.st_info);
		name = elf_strptr(elf, strtab, sym.st_name);
		if (!name || !name[0] || (bind != STB_GLOBAL && bind != STB_WEAK))
			continue;
		mo->undefined = xrealloc(mo->undefined, (mo->nundefined + 1) * sizeof(char *));
		mo->undefined_weak = xrealloc(mo->undefined_weak,
					      (mo->nundefined + 1) * sizeof(int));
		mo->undefined[mo->nundefined] = xstrdup(name);
		mo->undefined_weak[mo->nundefined++] = bind == STB_WEAK;
	}
	status = read_module_exports(elf, mo);
out:
	close_elf(elf, fd);
	return status;
}

/* ---- checking a module ------------------------------------------------- */

/* Levenshtein distance: insertions, deletions and substitutions. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t *row = xrealloc(NULL, (lb + 1) * sizeof(size_t)), result;

	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diagonal = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t above = row[j];
			size_t best = diagonal + (a[i - 1] != b[j - 1]);

			if (above + 1 < best)
				best = above + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diagonal = above;
		}
	}
	result = row[lb];
	free(row);
	return result;
}

/* The exported name nearest to `name`, if near enough to be a typo; or NULL. */
static const char *nearest(const char *name, const struct export *list, size_t count)
{
	size_t limit = strlen(name) / 3 > 1 ? strlen(name) / 3 : 1, best = limit + 1;
	const char *found = NULL;

	for (size_t i = 0; i < count; i++) {
		size_t d = edit_distance(name, list[i].name);

		if (d < best) {
			best = d;
			found = list[i].name;
		}
	}
	return found;
}

static const struct export *find_export(const char *name, const struct export *list,
					size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (!strcmp(list[i].name, name))
			return &list[i];
	return NULL;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Check `mo` against the exports in `list` and write its .mod.c to
 * `output`.  0 or -1 (nothing written).
 */
static int write_mod_c(const struct module_object *mo, const struct export *list,
		       size_t count, const char *output)
{
	const struct export **used = xrealloc(NULL, (mo->nundefined + 1) * sizeof(*used));
	const char **depends = xrealloc(NULL, (mo->nundefined + 1) * sizeof(*depends));
	size_t ndepends = 0;
	uint32_t minor = 0;
	char *temporary;
	FILE *f;

	for (size_t i = 0; i < mo->nexports; i++) {
		const struct export *e = find_export(mo->exports[i], list, count);

		if (e)
			error("%s: exports %s, which %s%s exports already", mo->name,
			      e->name, e->module ? "module " : "the kernel",
			      e->module ? e->module : "");
	}
	for (size_t i = 0; i < mo->nundefined; i++) {
		const char *name = mo->undefined[i];
		const char *guess;

		used[i] = find_export(name, list, count);
		if (used[i] || mo->undefined_weak[i])
			continue;
		if (strlen(name) > KEEL_SYMBOL_NAME_MAX)
			error("%s: undefined symbol %s is longer than %d bytes", mo->name,
			      name, KEEL_SYMBOL_NAME_MAX);
		else if ((guess = nearest(name, list, count)))
			error("%s: undefined symbol %s is not in the Keel ABI (did you mean %s?)",
			      mo->name, name, guess);
		else
			error("%s: undefined symbol %s is not in the Keel ABI (modules may "
			      "use what abi/include/keel/ declares and what other modules "
			      "export)", mo->name, name);
	}
	if (errors)
		goto fail;

	for (size_t i = 0; i < mo->nundefined; i++) {
		int seen = 0;

		if (!used[i])
			continue;
		if (!used[i]->module) {
			if (used[i]->abi_minor > minor)
				minor = used[i]->abi_minor;
			continue;
		}
		for (size_t j = 0; j < ndepends; j++)
			seen |= !strcmp(depends[j], used[i]->module);
		if (!seen)
			depends[ndepends++] = used[i]->module;
	}
	qsort(depends, ndepends, sizeof(*depends), by_name);

	temporary = xrealloc(NULL, strlen(output) + 5);
	sprintf(temporary, "%s.tmp", output);
	f = fopen(temporary, "w");
	if (!f) {
		error("%s: %s", temporary, strerror(errno));
		free(temporary);
		goto fail;
	}
	fprintf(f, "/*\n * %s.mod.c - written by modpost from %s; do not edit.\n"
		   " * What the module imports, the modules it depends on, and the\n"
		   " * oldest ABI it runs on (see <keel/export.h>).\n */\n",
		mo->name, mo->path);
	fprintf(f, "#include <keel/export.h>\n\nKEEL_MODULE_INFO(depends, \"");
	for (size_t j = 0; j < ndepends; j++)
		fprintf(f, "%s%s", j ? "," : "", depends[j]);
	fprintf(f, "\");\nKEEL_MODULE_INFO(abi, \"%u.%u\");\n\n", KEEL_ABI_MAJOR,
		(unsigned)minor);
	for (size_t i = 0; i < mo->nundefined; i++)
		if (used[i])
			fprintf(f, "KEEL_MODULE_IMPORT(%s, %u, \"%s\");\n", used[i]->name,
				(unsigned)(used[i]->module ? 0 : used[i]->abi_minor),
				used[i]->module ? used[i]->module : "");
	if (fclose(f) != 0 || rename(temporary, output) != 0) {
		error("%s: %s", output, strerror(errno));
		unlink(temporary);
	}
	free(temporary);
fail:
	free(used);
	free(depends);
	return errors ? -1 : 0;
}

/* ---- depmod ------------------------------------------------------------ */

struct depmod {
	struct module_object *modules;
	int count;
	int **needs; /* needs[i]: indices of module i's depends=, -1 ended */
	int *state;  /* 0 unseen, 1 on the current path, 2 done */
	int *path;   /* the current path, for naming a cycle */
	int *order;  /* post-order of one walk: dependencies first */
	int ordered;
};

/* Walk module i's dependencies depth first; -1 on a cycle. */
static int walk(struct depmod *d, int i, int depth)
{
	d->path[depth] = i;
	if (d->state[i] == 2)
		return 0;
	if (d->state[i] == 1) {
		char cycle[1024] = "";
		int from = depth - 1;

		while (from > 0 && d->path[from] != i)
			from--;
		for (int k = from; k <= depth; k++)
			snprintf(cycle + strlen(cycle), sizeof(cycle) - strlen(cycle), "%s%s",
				 k > from ? " -> " : "", d->modules[d->path[k]].name);
		error("dependency cycle: %s", cycle);
		return -1;
	}
	d->state[i] = 1;
	for (int *n = d->needs[i]; *n >= 0; n++)
		if (walk(d, *n, depth + 1))
			return -1;
	d->state[i] = 2;
	d->order[d->ordered++] = i;
	return 0;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static int depmod(const char *output, int count, char **paths)
{
	struct depmod d = { .count = count };
	char *temporary;
	FILE *f = NULL;

	d.modules = xrealloc(NULL, count * sizeof(*d.modules));
	d.needs = xrealloc(NULL, count * sizeof(*d.needs));
	d.state = xrealloc(NULL, count * sizeof(int));
	d.path = xrealloc(NULL, (count + 1) * sizeof(int));
	d.order = xrealloc(NULL, count * sizeof(int));
	for (int i = 0; i < count; i++) {
		char expected[KEEL_MODULE_NAME_MAX + 4];

		if (read_module(paths[i], 1, &d.modules[i]))
			return 1;
		snprintf(expected, sizeof(expected), "%s.ko", d.modules[i].name);
		if (strcmp(base_name(paths[i]), expected))
			error("%s: declares module %s; modprobe finds it by name, so the "
			      "file must be %s", paths[i], d.modules[i].name, expected);
		for (int j = 0; j < i; j++)
			if (!strcmp(d.modules[j].name, d.modules[i].name))
				error("%s and %s both declare module %s", paths[j], paths[i],
				      d.modules[i].name);
	}
	for (int i = 0; i < count && !errors; i++) {
		const char *p = modinfo_value(&d.modules[i], "depends");
		int n = 0;

		d.needs[i] = xrealloc(NULL, (strlen(p) / 2 + 2) * sizeof(int));
		while (*p) {
			size_t length = strcspn(p, ",");
			int found = -1;

			for (int j = 0; j < count; j++)
				if (strlen(d.modules[j].name) == length &&
				    !strncmp(d.modules[j].name, p, length))
					found = j;
			if (found < 0)
				error("%s depends on %.*s, which is not among the modules given",
				      d.modules[i].name, (int)length, p);
			else
				d.needs[i][n++] = found;
			p += length + (p[length] == ',');
		}
		d.needs[i][n] = -1;
	}
	if (errors)
		return 1;

	temporary = xrealloc(NULL, strlen(output) + 5);
	sprintf(temporary, "%s.tmp", output);
	f = fopen(temporary, "w");
	if (!f) {
		error("%s: %s", temporary, strerror(errno));
		return 1;
	}
	for (int i = 0; i < count; i++) {
		memset(d.state, 0, count * sizeof(int));
		d.ordered = 0;
		if (walk(&d, i, 0))
			break;
		/* order[] ends with i itself; print the rest from the end. */
		fprintf(f, "%s.ko:", d.modules[i].name);
		for (int k = d.ordered - 2; k >= 0; k--)
			fprintf(f, " %s.ko", d.modules[d.order[k]].name);
		fputc('\n', f);
	}
	if (fclose(f) != 0 && !errors)
		error("%s: %s", temporary, strerror(errno));
	if (!errors && rename(temporary, output) != 0)
		error("%s: %s", output, strerror(errno));
	if (errors)
		unlink(temporary);
	free(temporary);
	return errors ? 1 : 0;
}

/* ---- main -------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr, "usage: modpost -k kernel.elf [-e other.o]... -o NAME.mod.c NAME.o\n"
			"       modpost -D modules.dep NAME.ko...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *kernel = NULL, *output = NULL, *depfile = NULL;
	struct export *list = NULL;
	size_t count = 0;
	char **others = NULL;
	int nothers = 0, opt;
	struct module_object mo;

	while ((opt = getopt(argc, argv, "k:e:o:D:")) != -1) {
		if (opt == 'k')
			kernel = optarg;
		else if (opt == 'e') {
			others = xrealloc(others, (nothers + 1) * sizeof(char *));
			others[nothers++] = optarg;
		}
		else if (opt == 'o')
			output = optarg;
		else if (opt == 'D')
			depfile = optarg;
		else
			usage();
	}
	if (elf_version(EV_CURRENT) == EV_NONE) {
		fprintf(stderr, "modpost: libelf is too old\n");
		return 1;
	}
	if (depfile) {
		if (kernel || output || nothers || optind == argc)
			usage();
		return depmod(depfile, argc - optind, argv + optind);
	}
	if (!kernel || !output || optind != argc - 1)
		usage();
	for (int i = 0; i < nothers; i++)
		if (!strcmp(base_name(others[i]), base_name(argv[optind])))
			error("%s is given both as the module and with -e", argv[optind]);
	if (errors || read_kernel_exports(kernel, &list, &count))
		return 1;
	for (int i = 0; i < nothers; i++) {
		struct module_object other;

		if (read_module(others[i], 0, &other))
			return 1;
		for (size_t j = 0; j < other.nexports; j++) {
			const struct export *e = find_export(other.exports[j], list, count);

			if (e) {
				error("%s exports %s, which %s%s exports already", other.name,
				      e->name, e->module ? "module " : "the kernel",
				      e->module ? e->module : "");
				continue;
			}
			list = xrealloc(list, (count + 1) * sizeof(*list));
			list[count].name = other.exports[j];
			list[count].abi_minor = 0;
			list[count].module = xstrdup(other.name);
			count++;
		}
	}
	if (errors || read_module(argv[optind], 0, &mo))
		return 1;
	return write_mod_c(&mo, list, count, output) ? 1 : 0;
}
