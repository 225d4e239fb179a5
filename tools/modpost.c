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
 * The second form is depmod (depmod.c), which writes modules.dep from the
 * depends= strings of finished modules.  Both read modules through one
 * libelf reader, module_reader.c.
 *
 * Both forms write their output under a temporary name and rename it, so
 * an interrupted build leaves no half-written file.  Exit status 0, or 1
 * after printing every problem on stderr ("modpost: ERROR: ...").
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <keel/abi.h>
#include <keel/export.h>
#include <keel/module.h>

#include "modpost.h"

#define KERNEL_EXPORT_SIZE 24 /* struct kernel_export on the target */

/* A name some side exports: the kernel (module NULL) or a module. */
struct export
{
	char *name;
	uint32_t abi_minor;
	const char *module;
};

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

/* ---- the kernel's exports ---------------------------------------------- */

/* Append every KEEL_EXPORT record of kernel.elf to *list; 0 or -1. */
static int read_kernel_exports(const char *path, struct export **list,
			       size_t *count)
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
		      "__keel_exports_end (not a Keel kernel?)",
		      path);
		goto out;
	}
	for (uint64_t at = start; at < end; at += KERNEL_EXPORT_SIZE) {
		const unsigned char *record =
		    image_bytes(elf, at, KERNEL_EXPORT_SIZE);
		const char *name =
		    record ? (const char *)image_bytes(elf, le64(record), 0)
			   : NULL;

		if (!name || !name[0]) {
			error("%s: export record at %#llx has no readable name",
			      path, (unsigned long long)at);
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
static const char *nearest(const char *name, const struct export *list,
			   size_t count)
{
	size_t limit = strlen(name) / 3 > 1 ? strlen(name) / 3 : 1,
	       best = limit + 1;
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

static const struct export *find_export(const char *name,
					const struct export *list, size_t count)
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
static int write_mod_c(const struct module_object *mo,
		       const struct export *list, size_t count,
		       const char *output)
{
	const struct export **used =
	    xrealloc(NULL, (mo->nundefined + 1) * sizeof(*used));
	const char **depends =
	    xrealloc(NULL, (mo->nundefined + 1) * sizeof(*depends));
	size_t ndepends = 0;
	uint32_t minor = 0;
	char *temporary;
	FILE *f;

	for (size_t i = 0; i < mo->nexports; i++) {
		const struct export *e =
		    find_export(mo->exports[i], list, count);

		if (e)
			error("%s: exports %s, which %s%s exports already",
			      mo->name, e->name,
			      e->module ? "module " : "the kernel",
			      e->module ? e->module : "");
	}
	for (size_t i = 0; i < mo->nundefined; i++) {
		const char *name = mo->undefined[i];
		const char *guess;

		used[i] = find_export(name, list, count);
		if (used[i] || mo->undefined_weak[i])
			continue;
		if (strlen(name) > KEEL_SYMBOL_NAME_MAX)
			error("%s: undefined symbol %s is longer than %d bytes",
			      mo->name, name, KEEL_SYMBOL_NAME_MAX);
		else if ((guess = nearest(name, list, count)))
			error("%s: undefined symbol %s is not in the Keel ABI "
			      "(did you mean %s?)",
			      mo->name, name, guess);
		else
			error("%s: undefined symbol %s is not in the Keel ABI "
			      "(modules may "
			      "use what abi/include/keel/ declares and what "
			      "other modules "
			      "export)",
			      mo->name, name);
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
	fprintf(
	    f,
	    "/*\n * %s.mod.c - written by modpost from %s; do not edit.\n"
	    " * What the module imports, the modules it depends on, and the\n"
	    " * oldest ABI it runs on (see <keel/export.h>).\n */\n",
	    mo->name, mo->path);
	fprintf(f, "#include <keel/export.h>\n\nKEEL_MODULE_INFO(depends, \"");
	for (size_t j = 0; j < ndepends; j++)
		fprintf(f, "%s%s", j ? "," : "", depends[j]);
	fprintf(f, "\");\nKEEL_MODULE_INFO(abi, \"%u.%u\");\n\n",
		KEEL_ABI_MAJOR, (unsigned)minor);
	for (size_t i = 0; i < mo->nundefined; i++)
		if (used[i])
			fprintf(f, "KEEL_MODULE_IMPORT(%s, %u, \"%s\");\n",
				used[i]->name,
				(unsigned)(used[i]->module
					       ? 0
					       : used[i]->abi_minor),
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

/* ---- main -------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr, "usage: modpost -k kernel.elf [-e other.o]... -o "
			"NAME.mod.c NAME.o\n"
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
			others =
			    xrealloc(others, (nothers + 1) * sizeof(char *));
			others[nothers++] = optarg;
		} else if (opt == 'o')
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
			error("%s is given both as the module and with -e",
			      argv[optind]);
	if (errors || read_kernel_exports(kernel, &list, &count))
		return 1;
	for (int i = 0; i < nothers; i++) {
		struct module_object other;

		if (read_module(others[i], 0, &other))
			return 1;
		for (size_t j = 0; j < other.nexports; j++) {
			const struct export *e =
			    find_export(other.exports[j], list, count);

			if (e) {
				error(
				    "%s exports %s, which %s%s exports already",
				    other.name, e->name,
				    e->module ? "module " : "the kernel",
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
