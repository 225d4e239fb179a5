/*
 * cmd_bench_fs.c - `bench ext2` and `bench raw`: what asynchronous file
 * reads buy, measured against the disk itself.
 *
 *   bench ext2 [-n OPS] [-r RUNS] FILE DEPTH...   random 4 KiB reads
 *   bench ext2 -s [-r RUNS] FILE                  the whole file, one read
 *   bench ext2 -m [-r RUNS] FILE READS            memory per read in flight
 *   bench raw [-n OPS] [-r RUNS] DEV NAME DEPTH...
 *   bench raw -s [-r RUNS] DEV NAME [DEPTH]
 *
 * This file holds the two commands: their arguments, their runs and the
 * lines they print.  The parts they are made of have files of their own,
 * which bench_fs.h lists.  The files read are made on the host by
 * tools/bench_ext2_tree.py: every 4 KiB block carries a header and a
 * checksum (bench_fs_blocks.c), and every block a measurement reads is
 * checked against both after the clock has stopped; the line says how
 * many passed (`verified=`): a run that read nothing, or the wrong
 * blocks, cannot look fast.  `bench raw` finds the blocks of NAME on the
 * disk by their headers (one scan, untimed: bench_fs_source.c), so it
 * reads exactly the sectors ext2 reads for the same file, without
 * knowing anything of ext2.
 *
 * Random reads.  A seeded permutation of the file's blocks is cut into
 * slices of OPS blocks: one slice warms up (untimed: it brings the
 * indirect blocks into ext2's cache), then each run at each depth takes
 * the next slice, the depths taking turns.  No block is read twice in one
 * command, so every timed read of ext2 misses its cache (the cache cannot
 * hold what it never saw) and goes to the disk; `requests=` (what the
 * disk was asked during the run, all disks) shows it: one per read.  The
 * next command on the same mount would meet the same blocks in the cache:
 * mount afresh between commands.  The reads are vfs_read_async futures of
 * one open file (or keel_block_read futures of one 4 KiB sector range),
 * DEPTH of them in flight, driven by one `block_on` on the shell thread
 * (a batch, bench_fs_batch.c); each future has a waker of its own, so a
 * completion costs one poll of the future that finished, not of all of
 * them.  The same seed gives the same blocks to ext2 in both of its modes
 * and to the raw disk.
 *
 * Sequential reads.  ext2: one vfs_read_async of the whole file (the
 * module keeps its `depth` block reads in flight).  raw: the same blocks
 * in file order, as 4 KiB reads DEPTH at a time (default 32, the module's
 * default), and as reads of up to 1 MiB (runs of consecutive sectors) 4
 * at a time, the most the disk can be asked for.  A file larger than
 * ext2's cache, read start to end, evicts its own blocks before they come
 * round again (LRU), so runs after the first still miss.
 *
 * Memory.  READS reads in flight, as futures from this thread and as
 * kernel threads each blocked in one read: what each holds, and how many
 * were seen in flight (bench_fs_memory.c says how).  Run it first after
 * mount.
 *
 * The floor.  Before its random runs, `bench raw` counts what any read of
 * a 4 KiB block into memory of its own pays at least: a 4 KiB copy, and a
 * 4 KiB buffer allocated and freed.
 *
 * Clocks.  Each run line gives ns (the time CSR: QEMU's virtual clock,
 * which follows the host's without -icount), instructions (instret less
 * the time the hart idled, as `bench exec` counts; exact only under
 * -icount) and idle_ns (bench_fs_marks.c).  Which of them means what
 * under which QEMU options is docs/bench/README.md's subject;
 * tools/bench_ext2_report.py turns the lines into docs/bench/ext2.md.
 * Output, one line per run:
 *
 *   bench: ext2 random FILE depth=D run=R ops=N size=4096 ns=T
 *          instructions=I idle_ns=J requests=Q peak=P verified=V
 *   bench: raw random DEV NAME depth=D run=R ... (the same fields)
 *   bench: ext2 seq FILE run=R bytes=B ns=T instructions=I idle_ns=J
 *          requests=Q peak=P verified=V
 *   bench: raw seq DEV NAME request=S depth=D run=R bytes=B ... (same)
 *   bench: raw floor copy_4k=I alloc_4k=I   (first, before raw random)
 *   bench: ext2 memory FILE reads=N in_flight=M kmalloc_per_read=Q
 *          bytes_per_read=Q
 *   bench: ext2 thread_memory FILE threads=N in_flight=M
 *          kmalloc_per_thread=Q bytes_per_thread=Q stack=B
 *
 * (each on one line; peak: the most requests the disk held at once;
 * Q: two decimals).  Every allocation is given back before the command
 * returns; bad arguments are refused with one line before anything is
 * allocated.
 */
#include <keel/errno.h>
#include <stdarg.h>

#include "exec/block_on.h"
#include "fs/vfs.h"
#include "lib/printf.h"
#include "log/printk.h"
#include "mm/kmalloc.h"
#include "shell/bench_fs.h"
#include "shell/shell.h"

#define DEPTH_MAX	 256
#define OPS_DEFAULT	 1024
#define RUNS_DEFAULT	 5
#define RUNS_MAX	 20
#define SEQ_DEPTH	 32
#define BIG_DEPTH	 4
#define MEMORY_READS_MAX 256

/* ---- arguments ----------------------------------------------------------- */

/* "bench ext2: WHAT (usage: ...)" on the console; returns 1. */
int bench_refuse(struct shell *sh, const struct args *a, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	kprintf("%s: %s (usage: %s)\n", a->cmd, what, a->usage);
	return 1;
}

static bool number(struct shell *sh, const struct args *a, const char *arg,
		   const char *what, unsigned long max, uint32_t *out)
{
	unsigned long v;

	if (parse_u64(arg, &v) || v < 1 || v > max) {
		bench_refuse(sh, a, "%s must be a number from 1 to %lu: %s",
			     what, max, arg);
		return false;
	}
	*out = (uint32_t)v;
	return true;
}

/*
 * Options, then `names` words (FILE, or DEV NAME), then numbers.  Returns
 * 0, or 1 after printing the one line that says what is wrong.
 */
static int parse_args(struct shell *sh, int argc, char **argv, int names,
		      struct args *a)
{
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-s") == 0)
			a->sequential = true;
		else if (strcmp(argv[i], "-m") == 0 && names == 1)
			a->memory = true;
		else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
			if (!number(sh, a, argv[++i], "OPS", 1u << 20, &a->ops))
				return 1;
		} else if (strcmp(argv[i], "-r") == 0 && i + 1 < argc) {
			if (!number(sh, a, argv[++i], "RUNS", RUNS_MAX,
				    &a->runs))
				return 1;
		} else {
			return bench_refuse(sh, a, "unknown option %s",
					    argv[i]);
		}
	}
	if (a->sequential && a->memory)
		return bench_refuse(sh, a, "-s and -m do not go together");
	a->first = i;
	if (argc - i < names)
		return bench_refuse(
		    sh, a, names == 1 ? "expects FILE" : "expects DEV NAME");
	for (i += names; i < argc; i++) {
		if (a->ndepths ==
		    (int)(sizeof(a->depths) / sizeof(a->depths[0])))
			return bench_refuse(sh, a, "at most 16 depths");
		if (!number(sh, a, argv[i], a->memory ? "READS" : "DEPTH",
			    a->memory ? MEMORY_READS_MAX : DEPTH_MAX,
			    &a->depths[a->ndepths++]))
			return 1;
	}
	if (a->memory && a->ndepths != 1)
		return bench_refuse(sh, a, "-m expects FILE READS");
	if (a->sequential && a->ndepths > (names == 1 ? 0 : 1))
		return bench_refuse(sh, a,
				    names == 1 ? "-s expects FILE alone"
					       : "-s expects DEV NAME [DEPTH]");
	if (!a->sequential && !a->memory && !a->ndepths)
		return bench_refuse(sh, a, "expects at least one DEPTH");
	return 0;
}

/*
 * The random runs read distinct blocks, a warm-up slice and then each
 * run's: 0 when the file's `blocks` suffice, else 1 after the line that
 * says so, naming the file `name` between two `quote`s.
 */
static int random_blocks_check(struct shell *sh, const struct args *a,
			       const char *quote, const char *name,
			       uint64_t blocks)
{
	uint64_t needed =
	    (uint64_t)a->ops * (1 + (uint64_t)a->ndepths * a->runs);

	if (needed <= blocks)
		return 0;
	return bench_refuse(sh, a,
			    "%s%s%s has %lu blocks; %u depths x %u runs of %u "
			    "distinct reads, and a warm-up, need %lu",
			    quote, name, quote, (unsigned long)blocks,
			    a->ndepths, a->runs, a->ops, (unsigned long)needed);
}

/* ---- random reads -------------------------------------------------------- */

/*
 * The warm-up slice, then one slice per run and depth, each checked after
 * its clock stopped.  The depths take turns (run 1 at every depth, then
 * run 2...), so a slow spell of the host falls on all of them alike.
 * `label` starts each line ("ext2 random /mnt/big", "raw random vda
 * big").  Returns 0; or 1 after an error line, or after a run whose line
 * shows blocks that did not verify.
 */
static int random_runs(struct shell *sh, struct source *s, const struct args *a,
		       const uint32_t *order, const char *label,
		       batch_start_fn start)
{
	int64_t expect = s->file ? BLOCK_SIZE : 0;
	uint32_t depth_max = 1;
	struct batch_slot *slots;
	struct batch b = {.note_full = false};
	struct run run;
	int err, status = 0;

	for (int d = 0; d < a->ndepths; d++)
		if (a->depths[d] > depth_max)
			depth_max = a->depths[d];
	slots = kmalloc(depth_max * sizeof(*slots));
	if (!slots)
		return sh_errno(sh, a->cmd, label, -ENOMEM);
	s->order = order;
	err = bench_batch_run(&b, slots, start, s, expect, a->ops, depth_max);
	if (!err && bench_verify(s, order, a->ops) != a->ops)
		err = -EIO;
	for (uint32_t r = 0; r < a->runs && !err; r++) {
		for (int d = 0; d < a->ndepths && !err; d++) {
			const uint32_t *slice =
			    order + (uint64_t)a->ops *
					(1 + (uint64_t)r * a->ndepths + d);
			uint64_t good;

			s->order = slice;
			memset(s->dest, 0, (uint64_t)a->ops * BLOCK_SIZE);
			bench_run_begin(&run);
			err = bench_batch_run(&b, slots, start, s, expect,
					      a->ops, a->depths[d]);
			bench_run_end(&run);
			if (err)
				break;
			good = bench_verify(s, slice, a->ops);
			status |= good != a->ops;
			sh_printf(
			    sh, "bench: %s depth=%u run=%u ops=%u size=%u ",
			    label, a->depths[d], r + 1, a->ops, BLOCK_SIZE);
			bench_run_print(sh, &run, good);
		}
	}
	kfree(slots);
	if (err)
		return sh_errno(sh, a->cmd, label, err);
	return status;
}

/* ---- ext2 (or any file) -------------------------------------------------- */

/* The whole file, one vfs_read_async a run, into dest. */
static int ext2_sequential(struct shell *sh, struct source *s,
			   const struct args *a, const char *path)
{
	uint64_t bytes = s->blocks * BLOCK_SIZE, good;
	struct run run;
	int status = 0;

	for (uint32_t r = 0; r < a->runs; r++) {
		int64_t got;

		memset(s->dest, 0, bytes);
		bench_run_begin(&run);
		got = block_on(vfs_read_async(s->file, s->dest, bytes, 0));
		bench_run_end(&run);
		if (got != (int64_t)bytes)
			return sh_errno(sh, a->cmd, path,
					got < 0 ? (int)got : -EIO);
		good = bench_verify(s, NULL, (uint32_t)s->blocks);
		status |= good != s->blocks;
		sh_printf(sh, "bench: ext2 seq %s run=%u bytes=%lu ", path,
			  r + 1, (unsigned long)bytes);
		bench_run_print(sh, &run, good);
	}
	return status;
}

static int bench_ext2(struct shell *sh, int argc, char **argv)
{
	struct args a = {.cmd = "bench ext2",
			 .usage = "bench ext2 [-n OPS] [-r RUNS] FILE DEPTH... "
				  "| -s [-r RUNS] FILE | -m [-r RUNS] FILE "
				  "READS",
			 .ops = OPS_DEFAULT,
			 .runs = RUNS_DEFAULT};
	struct source s = {.file = NULL};
	uint32_t *order = NULL;
	uint64_t dest_blocks;
	const char *path;
	char label[96];
	int err;

	if (parse_args(sh, argc, argv, 1, &a))
		return 1;
	path = argv[a.first];
	err = vfs_open(path, VFS_O_READ, 0, sh->cwd, &s.file);
	if (err)
		return sh_errno(sh, a.cmd, path, err);
	err = bench_file_header(sh, &a, path, &s);
	if (!err && !a.sequential && !a.memory)
		err = random_blocks_check(sh, &a, "", path, s.blocks);
	if (err)
		goto out;
	dest_blocks = a.sequential ? s.blocks : a.memory ? a.depths[0] : a.ops;
	s.dest = kmalloc(dest_blocks * BLOCK_SIZE);
	order = a.sequential ? NULL : kmalloc(s.blocks * sizeof(*order));
	if (!s.dest || (!a.sequential && !order)) {
		err = sh_errno(sh, a.cmd, path, -ENOMEM);
		goto out;
	}
	snprintf(label, sizeof(label), "ext2 random %s", path);
	if (a.sequential) {
		err = ext2_sequential(sh, &s, &a, path);
	} else {
		bench_shuffle(order, (uint32_t)s.blocks);
		err = a.memory ? bench_ext2_memory(sh, &s, &a, order, path)
			       : random_runs(sh, &s, &a, order, label,
					     bench_start_file_read);
	}
out:
	kfree(order);
	kfree(s.dest);
	vfs_close(s.file);
	return err ? 1 : 0;
}

/* ---- raw ----------------------------------------------------------------- */

/* The file in order: 4 KiB reads `depth` at a time, then big ones. */
static int raw_sequential(struct shell *sh, struct source *s,
			  const struct args *a, const char *dev)
{
	uint64_t bytes = s->blocks * BLOCK_SIZE, good;
	uint32_t depth = a->ndepths ? a->depths[0] : SEQ_DEPTH;
	uint64_t *first = kmalloc(s->blocks * sizeof(*first));
	uint32_t *length = kmalloc(s->blocks * sizeof(*length));
	struct batch_slot *slots =
	    kmalloc((depth > BIG_DEPTH ? depth : BIG_DEPTH) * sizeof(*slots));
	uint32_t extents;
	struct batch b = {.note_full = false};
	struct run run;
	int err = 0, status = 0;

	if (!first || !length || !slots) {
		err = -ENOMEM;
		goto out;
	}
	extents = bench_extents(s, first, length);
	for (int big = 0; big < 2 && !err; big++) {
		for (uint32_t r = 0; r < a->runs && !err; r++) {
			memset(s->dest, 0, bytes);
			bench_run_begin(&run);
			if (big)
				err = bench_batch_run(&b, slots,
						      bench_start_disk_extent,
						      s, 0, extents, BIG_DEPTH);
			else
				err = bench_batch_run(
				    &b, slots, bench_start_disk_block, s, 0,
				    (uint32_t)s->blocks, depth);
			bench_run_end(&run);
			if (err)
				break;
			good = bench_verify(s, NULL, (uint32_t)s->blocks);
			status |= good != s->blocks;
			sh_printf(sh,
				  "bench: raw seq %s %s request=%u depth=%u "
				  "run=%u bytes=%lu ",
				  dev, s->name, big ? BIG_REQUEST : BLOCK_SIZE,
				  big ? BIG_DEPTH : depth, r + 1,
				  (unsigned long)bytes);
			bench_run_print(sh, &run, good);
		}
	}
out:
	kfree(slots);
	kfree(first);
	kfree(length);
	if (err)
		return sh_errno(sh, a->cmd, dev, err);
	return status;
}

/*
 * What any read of a 4 KiB block into memory of its own pays at least, in
 * instructions (smallest of 5 rounds of 64, per item): copying 4 KiB, and
 * allocating and freeing a 4 KiB buffer (kmalloc zeroes it).  The request
 * of a raw read pays each once; a read through a block cache pays each
 * twice.  `dest` holds at least 4 KiB.
 */
static int print_floor(struct shell *sh, const struct args *a, uint8_t *dest,
		       const char *dev)
{
	uint8_t *source = kmalloc(BLOCK_SIZE);
	uint64_t copy = UINT64_MAX, alloc = UINT64_MAX;

	if (!source)
		return sh_errno(sh, a->cmd, dev, -ENOMEM);
	for (int round = 0; round < 5; round++) {
		struct clock_mark start = bench_clock_now(), end;

		for (int i = 0; i < 64; i++)
			memcpy(dest, source, BLOCK_SIZE);
		end = bench_clock_now();
		if (end.instret - start.instret < copy)
			copy = end.instret - start.instret;
		start = bench_clock_now();
		for (int i = 0; i < 64; i++)
			kfree(kmalloc(BLOCK_SIZE));
		end = bench_clock_now();
		if (end.instret - start.instret < alloc)
			alloc = end.instret - start.instret;
	}
	kfree(source);
	sh_printf(sh, "bench: raw floor copy_4k=%lu alloc_4k=%lu\n",
		  (unsigned long)(copy / 64), (unsigned long)(alloc / 64));
	return 0;
}

static int bench_raw(struct shell *sh, int argc, char **argv)
{
	struct args a = {.cmd = "bench raw",
			 .usage = "bench raw [-n OPS] [-r RUNS] DEV NAME "
				  "DEPTH... | -s [-r RUNS] DEV NAME [DEPTH]",
			 .ops = OPS_DEFAULT,
			 .runs = RUNS_DEFAULT};
	struct source s = {.file = NULL};
	uint32_t *order = NULL;
	const char *dev, *name;
	char label[96];
	int err;

	if (parse_args(sh, argc, argv, 2, &a))
		return 1;
	dev = argv[a.first];
	name = argv[a.first + 1];
	if (strlen(name) >= NAME_SIZE)
		return bench_refuse(sh, &a, "NAME is at most %d bytes: %s",
				    NAME_SIZE - 1, name);
	memcpy(s.name, name, strlen(name) + 1);
	s.disk = keel_block_open(dev);
	if (!s.disk)
		return bench_refuse(sh, &a, "no such disk: %s", dev);
	err = bench_scan(sh, &a, &s, dev);
	if (!err && !a.sequential)
		err = random_blocks_check(sh, &a, "'", name, s.blocks);
	if (err)
		goto out;
	s.dest = kmalloc((a.sequential ? s.blocks : a.ops) * BLOCK_SIZE);
	order = a.sequential ? NULL : kmalloc(s.blocks * sizeof(*order));
	if (!s.dest || (!a.sequential && !order)) {
		err = sh_errno(sh, a.cmd, dev, -ENOMEM);
		goto out;
	}
	snprintf(label, sizeof(label), "raw random %s %s", dev, s.name);
	if (a.sequential) {
		err = raw_sequential(sh, &s, &a, dev);
	} else {
		bench_shuffle(order, (uint32_t)s.blocks);
		err = print_floor(sh, &a, s.dest, dev);
		if (!err)
			err = random_runs(sh, &s, &a, order, label,
					  bench_start_disk_read);
	}
out:
	kfree(order);
	kfree(s.dest);
	kfree(s.sectors);
	keel_block_close(s.disk);
	return err ? 1 : 0;
}

/* bench.h: cmd_bench.c dispatches `bench ext2` and `bench raw` here. */
int bench_fs(struct shell *sh, int argc, char **argv)
{
	if (strcmp(argv[0], "raw") == 0)
		return bench_raw(sh, argc, argv);
	return bench_ext2(sh, argc, argv);
}
