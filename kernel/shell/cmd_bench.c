/*
 * cmd_bench.c - `bench insmod FILE...`: what a module load costs.
 *
 * For each file, in instructions retired (the instret counter; under QEMU
 * `-icount shift=0` it is exact and the same on every run):
 *
 *   floor   a memcpy of the whole file: no loader can do less than touch
 *           every byte once;
 *   load    module_load(): validate, layout, allocate, link, protect, init;
 *
 * then the module is unloaded again.  Each is measured three times and the
 * smallest count kept.  One line per file:
 *
 *   bench: FILE bytes=B relocations=R load=L per_relocation=P floor=F ratio=L/F
 *
 * `make bench` runs it on a generated module with over 200,000 relocations
 * and on hello.ko, and writes the table in docs/bench/loader.md.  Tests
 * only check that the line is well formed: counts are for benchmarks.
 */
#include <keel/errno.h>

#include "arch/riscv.h"
#include "fs/vfs.h"
#include "lib/string.h"
#include "log/printk.h"
#include "mm/kmalloc.h"
#include "module/module.h"
#include "shell/shell.h"

#define RUNS 3

static int bench_one(struct shell *sh, const char *path)
{
	uint64_t floor = ~0ull, load = ~0ull;
	char reason[ELF_REASON_MAX], *file, *copy;
	struct elf_module m;
	size_t size;
	int err = vfs_read_file(path, sh->cwd, 64u << 20, &file, &size);

	if (err)
		return sh_errno(sh, "bench", path, err);
	err = elf_validate(file, size, &m, reason);
	copy = kmalloc(size);
	if (err || !copy) {
		kfree(file);
		kfree(copy);
		return sh_error(sh, "bench", "%s: %s", path, err ? reason : "out of memory");
	}
	for (int run = 0; run < RUNS && !err; run++) {
		char users[64];
		uint64_t start = read_instret();

		memcpy(copy, file, size);
		start = read_instret() - start;
		if (start < floor)
			floor = start;
		start = read_instret();
		err = module_load(file, size, "", reason);
		start = read_instret() - start;
		if (!err) {
			struct module_summary newest;

			if (start < load)
				load = start;
			/* The module just loaded is the first on the list. */
			if (module_list(&newest, 1) == 1)
				err = module_unload(newest.name, users, sizeof(users), NULL);
			if (err)
				strlcpy(reason, "cannot unload it again", sizeof(reason));
		}
	}
	kfree(copy);
	kfree(file);
	if (err)
		return sh_error(sh, "bench", "%s: %s", path, reason);
	sh_printf(sh,
		  "bench: %s bytes=%lu relocations=%lu load=%lu per_relocation=%lu.%02lu "
		  "floor=%lu ratio=%lu.%02lu\n",
		  path, (unsigned long)size, m.total_relocations, (unsigned long)load,
		  (unsigned long)(load / (m.total_relocations ? m.total_relocations : 1)),
		  (unsigned long)(load * 100 / (m.total_relocations ? m.total_relocations : 1) % 100),
		  (unsigned long)floor, (unsigned long)(load / (floor ? floor : 1)),
		  (unsigned long)(load * 100 / (floor ? floor : 1) % 100));
	return 0;
}

static int cmd_bench(struct shell *sh, int argc, char **argv)
{
	int status = 0;

	if (argc < 3 || strcmp(argv[1], "insmod") != 0)
		return sh_error(sh, "bench", "expects insmod and module files");
	for (int i = 2; i < argc; i++)
		status |= bench_one(sh, argv[i]);
	return status;
}
SHELL_COMMAND(bench, "bench insmod FILE.ko...",
	      "count the instructions a module load takes (see make bench)", cmd_bench);
