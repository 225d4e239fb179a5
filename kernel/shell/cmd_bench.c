/*
 * cmd_bench.c - `bench insmod FILE...`: what a module load costs.
 *
 * For each file, counted in instructions retired (the instret counter,
 * which OpenSBI lets S-mode read; under QEMU `-icount shift=0` QEMU's
 * instret is its instruction count, exact and the same on every run):
 *
 *   floor     a memcpy of the whole file: no loader can do less than touch
 *             every byte once;
 *   validate  elf_validate() alone, stage 1 of the loader;
 *   load      module_load(): validate, layout, allocate and map, link,
 *             protect, fence.i, init, and listing the module;
 *
 * after each load the module is unloaded again.  Every count is the
 * smallest of three runs: the first run of a load warms the kmalloc and
 * page caches, and the minimum is what the code itself costs.  One line
 * per file, fields in a fixed order:
 *
 *   bench: FILE bytes=B relocations=R load=L per_relocation=L/R
 *          floor=F ratio=L/F validate=V
 *
 * (on one line; the quotients with two decimals).  Relocations are the
 * entries of the relocation sections the loader applies, as elf_validate()
 * counts them (debug-information relocations are not applied).
 *
 * Without -icount, QEMU's instret follows host time, so the numbers are
 * only meaningful in `make bench`, which writes docs/bench/loader.md from
 * them.  Tests check only that the line is well formed.
 */
#include <keel/errno.h>

#include "arch/riscv.h"
#include "fs/vfs.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "log/printk.h"
#include "mm/kmalloc.h"
#include "module/module.h"
#include "shell/bench.h"
#include "shell/shell.h"

#define BENCH_RUNS     3
#define BENCH_FILE_MAX (128u << 20)

struct bench_counts {
	uint64_t floor, validate, load; /* smallest of the runs */
};

/* Write `whole.hundredths` of a / b into out (b may be 0: then "0.00"). */
void format_quotient(char *out, size_t size, uint64_t a, uint64_t b)
{
	uint64_t hundredths = b ? a * 100 / b : 0;

	snprintf(out, size, "%lu.%02lu", (unsigned long)(hundredths / 100),
		 (unsigned long)(hundredths % 100));
}

static void keep_smallest(uint64_t *smallest, uint64_t start)
{
	uint64_t spent = read_instret() - start;

	if (spent < *smallest)
		*smallest = spent;
}

/*
 * Measure one module file already read into `file`.  `copy` is a buffer of
 * `size` bytes for the floor.  Returns 0 with *counts filled, or a negative
 * errno with `reason` set; the module is not loaded afterwards either way.
 */
static int measure(const void *file, size_t size, void *copy,
		   struct bench_counts *counts, char reason[ELF_REASON_MAX])
{
	struct elf_module m;
	uint64_t start;
	int err;

	counts->floor = counts->validate = counts->load = UINT64_MAX;
	for (int run = 0; run < BENCH_RUNS; run++) {
		struct module_summary newest;
		char users[MODULE_USERS_MAX];

		start = read_instret();
		memcpy(copy, file, size);
		keep_smallest(&counts->floor, start);

		start = read_instret();
		err = elf_validate(file, size, &m, reason);
		keep_smallest(&counts->validate, start);
		if (err)
			return err;

		start = read_instret();
		err = module_load(file, size, "", reason);
		keep_smallest(&counts->load, start);
		if (err)
			return err;

		/* The module just loaded is the first on the list. */
		if (module_list(&newest, 1) != 1)
			return -ENOENT;
		err = module_unload(newest.name, users, sizeof(users), NULL);
		if (err) {
			snprintf(reason, ELF_REASON_MAX,
				 "cannot unload %s again", newest.name);
			return err;
		}
	}
	return 0;
}

/* Measure and print one module file; 0, or 1 after printing the error. */
static int bench_insmod(struct shell *sh, const char *path)
{
	char per_relocation[24], ratio[24], reason[ELF_REASON_MAX] = "";
	struct bench_counts counts;
	struct elf_module m;
	char *file, *copy;
	size_t size;
	int err = vfs_read_file(path, sh->cwd, BENCH_FILE_MAX, &file, &size);

	if (err)
		return sh_errno(sh, "bench", path, err);
	err = elf_validate(file, size, &m, reason);
	if (err) {
		kfree(file);
		return sh_error(sh, "bench", "%s: %s", path, reason);
	}
	copy = kmalloc(size);
	if (!copy) {
		kfree(file);
		return sh_errno(sh, "bench", path, -ENOMEM);
	}
	err = measure(file, size, copy, &counts, reason);
	kfree(copy);
	kfree(file);
	if (err)
		return sh_error(sh, "bench", "%s: %s", path,
				reason[0] ? reason
					  : "the module did not stay loaded");

	format_quotient(per_relocation, sizeof(per_relocation), counts.load,
			m.total_relocations);
	format_quotient(ratio, sizeof(ratio), counts.load, counts.floor);
	sh_printf(
	    sh,
	    "bench: %s bytes=%lu relocations=%lu load=%lu per_relocation=%s "
	    "floor=%lu ratio=%s validate=%lu\n",
	    path, (unsigned long)size, m.total_relocations,
	    (unsigned long)counts.load, per_relocation,
	    (unsigned long)counts.floor, ratio, (unsigned long)counts.validate);
	return 0;
}

/* `bench exec` (cmd_bench_exec.c); argv[0] is "exec". */
int bench_exec(struct shell *sh, int argc, char **argv);

static int cmd_bench(struct shell *sh, int argc, char **argv)
{
	int status = 0;

	if (argc >= 2 && strcmp(argv[1], "exec") == 0)
		return bench_exec(sh, argc - 1, argv + 1);
	if (argc >= 2 &&
	    (strcmp(argv[1], "ext2") == 0 || strcmp(argv[1], "raw") == 0))
		return bench_fs(sh, argc - 1, argv + 1);
	if (argc < 3 || strcmp(argv[1], "insmod") != 0)
		return sh_error(sh, "bench",
				"expects insmod and module files, or "
				"exec, ext2, raw");
	for (int i = 2; i < argc; i++)
		status |= bench_insmod(sh, argv[i]);
	return status;
}
SHELL_COMMAND(bench, "bench insmod FILE.ko... | bench exec",
	      "count the instructions a module load or a task takes; bench "
	      "ext2 / bench raw: file and disk reads (see make bench)",
	      cmd_bench);
