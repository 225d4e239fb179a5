/*
 * test_loader_link_modules.c - every in-tree module, linked by the loader
 * and by GNU ld at the same addresses, must come out byte for byte the
 * same.
 *
 * test_loader_link.c does this for small fixtures written to exercise
 * the relocations; this file does it for the modules Keel ships, as the
 * build makes them and as other compilers would.  The list is not kept
 * here: every folder under modules/ is a module (as for the Makefile's
 * MODULES), so a module added later is covered with no change to this
 * file.  Each module is tried in four variants:
 *
 *   - gcc, as built: build/modules/NAME.ko, the very file insmod loads
 *     (compiled with the Makefile's MODULE_CFLAGS, relaxation on, joined
 *     with modpost's NAME.mod.o by ld -r);
 *   - gcc -mrelax with functions, loops and jumps aligned, so the object
 *     is full of R_RISCV_ALIGN padding for the loader to trim as ld does;
 *   - clang --target=riscv64-unknown-elf, -mno-relax;
 *   - clang with relaxation and aligned functions (run through its
 *     assembler as a step of its own: see CLANG_RELAXED).
 *
 * The compiled variants build the module folder's *.c, the files it shares
 * with the kernel (build/modules/NAME.sources lists them, as the Makefile
 * found them from modules/NAME/sources; their folders go on the
 * quote-include path, as in the Makefile) and the NAME.mod.c modpost
 * wrote, each with MODULE_CFLAGS exactly as the Makefile has them
 * (loader_link_modules.mk passes them in) plus the variant's flags, from
 * the repository's root, and join the objects with ld -r.
 *
 * Each variant is placed near the kernel (at Keel's VM_MODULE_NEAR) and
 * 8 GiB from it, and at each place linked twice with the regions in two
 * orders, then compared with ld by the harness (link_fixture.h): every
 * loaded section's address, size and bytes, every global symbol's
 * address.  The symbols a module imports (kernel functions, other
 * modules' exports) are given fixed addresses from a generated list
 * above the kernel's base, a few KiB apart; the loader resolves them from
 * the list and ld gets them as --defsym.
 *
 * What differs by design is checked apart, as link_fixture.h explains:
 * the PLT and GOT, which a static ld link has not, are decoded (each
 * entry jumps through its own slot, each slot holds the symbol's address);
 * and far from the kernel, where every call to an import must go through
 * the PLT, ld's copy of the module has those calls name the PLT entry
 * instead, so the call sites are still compared byte for byte.  Near the kernel
 * no call may use the PLT, far from it every module that calls an import must.
 *
 * The modules must have been built (make modules; make test and make
 * host-tests do it first).  Without the cross tools every case is
 * skipped, without clang the clang variants.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader.h"
#include "reloc_riscv.h"
#include "tap.h"
#include "link_fixture.h"

#ifndef KEEL_MODULE_CFLAGS
#error "loader_link_modules.mk passes the Makefile's MODULE_CFLAGS"
#endif
#ifndef KEEL_BUILD_DIR
#error "loader_link_modules.mk passes the Makefile's build folder"
#endif

#define MAX_MODULES 256
#define MAX_SOURCES 64
#define NAME_SIZE   64

#define ALIGNED_GCC "-falign-functions=16 -falign-loops=8 -falign-jumps=8"

struct module_variant {
	const char *label; /* in the TAP line */
	enum compiler compiler;
	const char *flags; /* after MODULE_CFLAGS; NULL: the .ko as built */
	bool aligned;	   /* built to carry R_RISCV_ALIGN padding */
};

static const struct module_variant variants[] = {
    {"gcc, the .ko make built", GCC, NULL, false},
    {"gcc -mrelax, aligned code", GCC, "-mrelax " ALIGNED_GCC, true},
    {"clang -mno-relax", CLANG, "--target=riscv64-unknown-elf -mno-relax",
     false},
    {"clang -mrelax, aligned code", CLANG,
     "--target=riscv64-unknown-elf " CLANG_RELAXED " -falign-functions=16",
     true},
};

static const struct {
	const char *label;
	uint64_t base;
} placements[] = {
    {"near the kernel", NEAR_BASE},
    {"8 GiB from the kernel", FAR_BASE},
};

#define NVARIANTS   TAP_COUNT(variants)
#define NPLACEMENTS TAP_COUNT(placements)

static char modules[MAX_MODULES][NAME_SIZE];
static unsigned nmodules;

/* One TAP case per module, variant and placement, in that order. */
struct planned {
	unsigned module, variant, placement;
	char name[160];
};

static struct planned *plan;
static unsigned nplanned, next_planned;

/* What the cases saw, for the summary. */
static struct {
	unsigned run, matched;
	unsigned long aligns;	 /* R_RISCV_ALIGN entries, aligned variants */
	unsigned long cuts;	 /* paddings the loader trimmed */
	unsigned long plt_calls; /* calls sent through the PLT, far */
	unsigned long imports;	 /* names added to the generated list */
} seen;

/* ---- the tree ---------------------------------------------------------- */

static int by_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Why list_folder() last failed. */
static const char *list_problem;

/*
 * The names in folder `path` that are folders (want_folders) or end in
 * `suffix`, sorted, into names[max]; how many, or -1 (list_problem says
 * why) when the folder cannot be read, holds more than max or a name of
 * NAME_SIZE bytes or more.
 */
static int list_folder(const char *path, bool want_folders, const char *suffix,
		       char names[][NAME_SIZE], int max)
{
	DIR *dir = opendir(path);
	struct dirent *entry;
	int count = 0;

	list_problem = "cannot be read";
	if (!dir)
		return -1;
	while ((entry = readdir(dir))) {
		char full[PATH_MAX];
		size_t length = strlen(entry->d_name);
		struct stat st;

		if (entry->d_name[0] == '.')
			continue;
		snprintf(full, sizeof(full), "%s/%s", path, entry->d_name);
		if (stat(full, &st) != 0 || S_ISDIR(st.st_mode) != want_folders)
			continue;
		if (suffix && (length < strlen(suffix) ||
			       strcmp(entry->d_name + length - strlen(suffix),
				      suffix) != 0))
			continue;
		if (count == max || length >= NAME_SIZE) {
			list_problem = count == max ? "holds too many entries"
						    : "has too long a name";
			count = -1;
			break;
		}
		memcpy(names[count++], entry->d_name, length + 1);
	}
	closedir(dir);
	if (count > 0)
		qsort(names, (size_t)count, NAME_SIZE, by_name);
	return count;
}

/* Every folder under modules/; false when they cannot be listed. */
static bool find_modules(void)
{
	char path[PATH_MAX + 16];
	int count;

	list_problem = "is not found (run from the repository root)";
	if (!fixture_locate())
		return false;
	snprintf(path, sizeof(path), "%s/modules", fixture_root);
	count = list_folder(path, true, NULL, modules, MAX_MODULES);
	nmodules = count > 0 ? (unsigned)count : 0;
	return count >= 0;
}

/* ---- one module, one variant ------------------------------------------- */

/* fixture_dir/<object>: build/modules/NAME.ko, copied. */
static bool copy_built(const char *module, const char *object)
{
	char from[PATH_MAX + 2 * NAME_SIZE], to[PATH_MAX + 2 * NAME_SIZE];
	struct object file;
	bool ok;

	snprintf(from, sizeof(from), "%s/%s/modules/%s.ko", fixture_root,
		 KEEL_BUILD_DIR, module);
	if (!read_object(from, &file)) {
		printf("#   %s/modules/%s.ko is missing: make modules builds "
		       "it\n",
		       KEEL_BUILD_DIR, module);
		return false;
	}
	snprintf(to, sizeof(to), "%s/%s", fixture_dir, object);
	ok = write_file(to, file.bytes, file.size);
	free(file.bytes);
	return ok;
}

/*
 * The files module `module` shares with the kernel, from the top of the
 * tree, into shared[max] (build/modules/NAME.sources, which the build
 * writes only for a module that has a modules/NAME/sources), and
 * " -iquote FOLDER" for each of their folders appended to flags[size].
 * How many, or -1 when the list cannot be used.
 */
static int list_shared(const char *module, char shared[][PATH_MAX], int max,
		       char *flags, size_t size)
{
	char path[PATH_MAX + NAME_SIZE + 32], line[PATH_MAX];
	FILE *list;
	int count = 0;

	snprintf(path, sizeof(path), "%s/%s/modules/%s.sources", fixture_root,
		 KEEL_BUILD_DIR, module);
	list = fopen(path, "r");
	if (!list)
		return 0;
	while (fgets(line, sizeof(line), list)) {
		char include[2 * PATH_MAX + 16], *slash = strrchr(line, '/');

		line[strcspn(line, "\n")] = '\0';
		if (count == max || !slash) {
			printf("#   %s: more than %d files, or not a path: "
			       "%s\n",
			       path, max, line);
			count = -1;
			break;
		}
		snprintf(shared[count++], PATH_MAX, "%s", line);
		*slash = '\0'; /* its folder, on the include path once */
		snprintf(include, sizeof(include), " -iquote '%s/%s'",
			 fixture_root, line);
		if (strstr(flags, include))
			continue;
		if (strlen(flags) + strlen(include) >= size) {
			printf("#   %s: too many folders\n", path);
			count = -1;
			break;
		}
		strcat(flags, include);
	}
	fclose(list);
	return count;
}

/*
 * fixture_dir/<object>: the module folder's sources, the files it shares
 * with the kernel and its NAME.mod.c, compiled with MODULE_CFLAGS and the
 * variant's flags, joined by ld -r.
 */
static bool compile_variant(const char *module, unsigned variant,
			    const char *object)
{
	static char sources[MAX_SOURCES][NAME_SIZE];
	static char shared[MAX_SOURCES][PATH_MAX];
	const struct module_variant *v = &variants[variant];
	char folder[PATH_MAX + NAME_SIZE + 16], source[PATH_MAX * 2];
	char part[NAME_SIZE + 32];
	char flags[4096], command[8192];
	size_t used;
	int count, nshared;

	snprintf(folder, sizeof(folder), "%s/modules/%s", fixture_root, module);
	count = list_folder(folder, false, ".c", sources, MAX_SOURCES);
	if (count <= 0) {
		printf("#   modules/%s %s\n", module,
		       count ? list_problem : "has no .c files to build");
		return false;
	}
	snprintf(flags, sizeof(flags), "%s %s", KEEL_MODULE_CFLAGS, v->flags);
	nshared =
	    list_shared(module, shared, MAX_SOURCES, flags, sizeof(flags));
	if (nshared < 0)
		return false;
	used = (size_t)snprintf(command, sizeof(command),
				"cd '%s' && %sld -r -o '%s'", fixture_dir,
				fixture_cross, object);
	for (int k = 0; k <= count + nshared; k++) {
		if (k < count)
			snprintf(source, sizeof(source), "%s/%s", folder,
				 sources[k]);
		else if (k < count + nshared)
			snprintf(source, sizeof(source), "%s/%s", fixture_root,
				 shared[k - count]);
		else /* what modpost wrote for it */
			snprintf(source, sizeof(source),
				 "%s/%s/modules/%s.mod.c", fixture_root,
				 KEEL_BUILD_DIR, module);
		if (access(source, R_OK) != 0) {
			printf("#   %s is missing: make modules writes it\n",
			       source);
			return false;
		}
		snprintf(part, sizeof(part), "%s-%d.o", object, k);
		if (!compile(v->compiler, flags, source, part))
			return false;
		if (used < sizeof(command))
			used += (size_t)snprintf(command + used,
						 sizeof(command) - used,
						 " '%s'", part);
	}
	if (used >= sizeof(command))
		return false;
	snprintf(command + used, sizeof(command) - used, " 2>ld.err");
	if (shell(command))
		return true;
	printf("#   ld -r cannot join %s's objects:\n", module);
	show_file("ld.err");
	return false;
}

/* Build the variant once (the second placement reuses it). */
static bool build_variant(const char *module, unsigned variant,
			  const char *object)
{
	char path[PATH_MAX + NAME_SIZE + 16];

	snprintf(path, sizeof(path), "%s/%s", fixture_dir, object);
	if (access(path, R_OK) == 0)
		return true;
	if (!variants[variant].flags)
		return copy_built(module, object);
	return compile_variant(module, variant, object);
}

/*
 * Give every symbol s imports an address from the generated list: the
 * next free one above the kernel's base, 0x10ee bytes on (even, so calls
 * may target it, and with low 12 bits that vary, so HI20/LO12 carries
 * happen).
 */
static bool give_imports_addresses(const struct subject *s)
{
	for (unsigned i = 1; i < s->m.nsymbols; i++) {
		const char *name = elf_symbol_name(&s->m, i);
		uint64_t address = KERNEL_BASE + 0x1000 + 0x10ee * seen.imports;

		if (s->m.symbols[i].st_shndx != SHN_UNDEF || !*name ||
		    find_export(name))
			continue;
		if (!export_add(name, address)) {
			printf("#   %s: no room in the list for %s\n",
			       s->object, name);
			return false;
		}
		seen.imports++;
	}
	return true;
}

/* Does the module call something it imports (a PLT slot for it)? */
static bool calls_an_import(const struct subject *s)
{
	for (unsigned i = 1; i < s->m.nsymbols; i++) {
		int32_t slot = s->layout.slot_of_symbol[i];

		if (s->m.symbols[i].st_shndx == SHN_UNDEF && slot >= 0 &&
		    (unsigned)slot < s->layout.plt_slots)
			return true;
	}
	return false;
}

static unsigned long align_entries(const struct subject *s)
{
	unsigned long count = 0;

	for (unsigned i = 1; i < s->m.nsections; i++) {
		const Elf64_Shdr *sh = &s->m.sections[i];
		const Elf64_Rela *r =
		    (const Elf64_Rela *)(s->m.file + sh->sh_offset);

		if (sh->sh_type != SHT_RELA ||
		    !(s->m.sections[sh->sh_info].sh_flags & SHF_EXECINSTR))
			continue;
		for (size_t j = 0; j < sh->sh_size / sizeof(*r); j++)
			count += ELF64_R_TYPE(r[j].r_info) == R_RISCV_ALIGN;
	}
	return count;
}

static void run_planned(const struct planned *p)
{
	const char *module = modules[p->module];
	const struct module_variant *v = &variants[p->variant];
	uint64_t base = placements[p->placement].base;
	char object[NAME_SIZE + 16];
	struct subject s;
	int err;

	if (!fixture_tools_ready()) {
		tap_skip_reason = fixture_skip;
		return;
	}
	if (v->compiler == CLANG && !fixture_have_clang) {
		tap_skip_reason = "clang not on PATH";
		return;
	}
	seen.run++;
	snprintf(object, sizeof(object), "%s-%u.ko", module, p->variant);
	if (!build_variant(module, p->variant, object)) {
		CHECK(!"the module variant builds");
		return;
	}
	err = subject_open(&s, object);
	if (err) {
		printf("#   %s: %d: %s\n", object, err, s.reason);
		CHECK(!"the loader validates and lays out the module");
		subject_free(&s);
		return;
	}
	CHECK(give_imports_addresses(&s));
	if (compare_with_ld(&s, base, p->name))
		seen.matched++;
	else
		CHECK(!"the loader's link is GNU ld's");
	if (base == NEAR_BASE)
		CHECK_EQ(s.stats.plt_calls, 0);
	else if (calls_an_import(&s))
		CHECK(s.stats.plt_calls > 0);
	seen.plt_calls += s.stats.plt_calls;
	if (v->aligned) {
		unsigned long aligns = align_entries(&s);

		CHECK(aligns > 0);
		seen.aligns += aligns;
		seen.cuts += s.layout.cuts;
	}
	subject_free(&s);
}

/* Every planned case runs this; tap_run() calls them in order. */
static void run_next_planned(void)
{
	run_planned(&plan[next_planned++]);
}

static void test_every_module_compared(void)
{
	if (!fixture_tools_ready()) {
		tap_skip_reason = fixture_skip;
		return;
	}
	printf("# %u modules, %u variants linked: %u the same as GNU ld in "
	       "%u links (%u sections, %lu bytes, %lu symbols; %lu GOT "
	       "slots and %lu PLT entries decoded); %lu imports given "
	       "addresses, %lu called through the PLT in ld's link too; %lu "
	       "R_RISCV_ALIGN paddings, %lu trimmed\n",
	       nmodules, seen.run, seen.matched, differential.links,
	       differential.sections, differential.bytes, differential.symbols,
	       differential.got_slots, differential.plt_entries, seen.imports,
	       differential.plt_redirects, seen.aligns, seen.cuts);
	CHECK(nmodules > 0);
	CHECK(seen.run > 0);
	CHECK_EQ(seen.matched, seen.run);
	/* the far placements went through the PLT, and ld was told so */
	CHECK(seen.plt_calls > 0);
	CHECK(differential.plt_redirects > 0);
	/* the aligned variants had padding, and some of it was too much */
	CHECK(seen.cuts > 0);
}

int main(void)
{
	struct tap_case *cases;
	unsigned n = 0;

	if (!find_modules()) {
		printf("1..1\nnot ok 1 - the modules are listed\n"
		       "#   modules/ %s\n",
		       list_problem);
		return 1;
	}
	nplanned = nmodules * NVARIANTS * NPLACEMENTS;
	plan = calloc(nplanned + 1, sizeof(*plan));
	cases = calloc(nplanned + 1, sizeof(*cases));
	if (!plan || !cases)
		return 1;
	for (unsigned m = 0; m < nmodules; m++)
		for (unsigned v = 0; v < NVARIANTS; v++)
			for (unsigned p = 0; p < NPLACEMENTS; p++, n++) {
				plan[n] = (struct planned){m, v, p, ""};
				snprintf(plan[n].name, sizeof(plan[n].name),
					 "%s: %s; %s, same as GNU ld",
					 modules[m], variants[v].label,
					 placements[p].label);
				cases[n] = (struct tap_case){plan[n].name,
							     run_next_planned};
			}
	cases[n++] = (struct tap_case)TAP_CASE(test_every_module_compared);
	n = (unsigned)tap_run(cases, n);
	free(plan);
	free(cases);
	return (int)n;
}
