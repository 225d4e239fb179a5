/*
 * bench_fs.h - the parts of `bench ext2` and `bench raw`, and what they
 * share.
 *
 * The two commands measure what asynchronous file reads buy against the
 * disk itself (cmd_bench_fs.c's comment says what they print and why).
 * They are made of these parts, each in a file of its own:
 *
 *   cmd_bench_fs.c     the commands: arguments, random and sequential
 *                      runs, the floor of a read
 *   bench_fs_blocks.c  the benchmark files' blocks: header and checksum;
 *                      the seeded permutation the random reads follow
 *   bench_fs_marks.c   what a run measured: clocks and disks
 *   bench_fs_batch.c   a future that runs OPS reads, DEPTH in flight,
 *                      with a waker per slot
 *   bench_fs_source.c  where the blocks come from: a file read through
 *                      the VFS, or the same file's sectors on the disk
 *   bench_fs_memory.c  memory per read in flight: futures against
 *                      kernel threads
 *
 * Errors: the functions that take the shell and can fail print their
 * one line themselves (sh_errno() or bench_refuse()) and return 1; the
 * others return a negative errno for their caller to print.  Every part
 * gives back what it allocated before it returns, except where a
 * contract says who frees.
 */
#ifndef KEEL_SHELL_BENCH_FS_H
#define KEEL_SHELL_BENCH_FS_H

#include <keel/block.h>
#include <keel/future.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/string.h"
#include "shell/bench.h"

struct shell;
struct vfs_file;

/*
 * A benchmark file is made of 4 KiB blocks that describe themselves
 * (tools/bench_ext2_tree.py writes them; all numbers little-endian):
 *
 *   offset  bytes  what
 *        0      8  the magic "KEELBNCH"
 *        8     16  HEADER_NAME: the file's name, NUL-padded
 *       24      8  HEADER_INDEX: this block's index in the file
 *       32      8  HEADER_COUNT: the file's length in blocks
 *       40   4048  pseudo-random bytes
 *     4088      8  SUM_OFFSET: bytes 0..4087 as one number, mod 2^61 - 1
 */
#define BLOCK_SIZE    4096u
#define BLOCK_SECTORS (BLOCK_SIZE / KEEL_BLOCK_SECTOR_SIZE)
#define NAME_SIZE     16
#define HEADER_NAME   8
#define HEADER_INDEX  24
#define HEADER_COUNT  32
#define SUM_OFFSET    (BLOCK_SIZE - 8)
#define BIG_REQUEST   (1u << 20) /* the largest raw read: 1 MiB */

/* The 8 bytes at p, little-endian (RISC-V is, as the files are). */
static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* ---- cmd_bench_fs.c: the arguments ---- */

/* What the command line asked for (parse_args() fills it in). */
struct args {
	const char *cmd;   /* "bench ext2" or "bench raw": errors start so */
	const char *usage; /* appended to errors about the arguments */
	bool sequential, memory;
	uint32_t ops, runs;
	int first; /* argv index of FILE or DEV */
	uint32_t depths[16];
	int ndepths;
};

/* "bench ext2: WHAT (usage: ...)" on the console; returns 1. */
int bench_refuse(struct shell *sh, const struct args *a, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- bench_fs_blocks.c ---- */

/* Does `block` start with the magic of a benchmark file's block? */
bool bench_block_has_magic(const uint8_t *block);
/* Is this a block of some benchmark file named `name`? */
bool bench_block_is_of(const uint8_t *block, const char *name);
/* Block `index` of the `count`-block file `name`, intact? */
bool bench_block_ok(const uint8_t *block, const char *name, uint64_t index,
		    uint64_t count);
/* order[0..n): a permutation of 0..n-1, the same for the same n. */
void bench_shuffle(uint32_t *order, uint32_t n);

/* ---- bench_fs_marks.c ---- */

struct clock_mark {
	uint64_t time, instret, idle; /* time and idle in time CSR ticks */
};

struct disk_mark {
	uint64_t submitted; /* requests handed to any disk's driver */
	unsigned peak;	    /* the most one disk held at once */
	long live;	    /* requests alive, all disks */
};

/* One timed run: the marks at its start and at its end. */
struct run {
	struct clock_mark start, end;
	struct disk_mark disk_start, disk_end;
};

struct clock_mark bench_clock_now(void);
struct disk_mark bench_disk_now(void);
/* Reset the disks' peaks, then mark the disks and the clocks. */
void bench_run_begin(struct run *run);
/* Mark the clocks, then the disks. */
void bench_run_end(struct run *run);
/*
 * Print "ns=T instructions=I idle_ns=J requests=Q peak=P verified=V" and
 * a newline: the end of a run's line.
 */
void bench_run_print(struct shell *sh, const struct run *run,
		     uint64_t verified);

/* ---- bench_fs_batch.c ---- */

struct batch;

/* One read in flight, with its own waker (bench_fs_batch.c). */
struct batch_slot {
	struct batch *batch;
	struct keel_int_future *io; /* NULL while the slot is free */
	struct keel_waker waker;    /* {this slot, the slots' vtable} */
	uint32_t woken;		    /* atomic: woken since last polled */
};

/* Starts read `op` of a batch; NULL when out of memory. */
typedef struct keel_int_future *(*batch_start_fn)(void *arg, uint32_t op);

/*
 * Runs `ops` futures made by start(arg, op), `depth` at a time, each
 * expected to end with `expect`.  The caller sets only note_full (with
 * it, the batch notes full_memory and full_live once `depth` reads are
 * in flight); bench_batch_run() fills in the rest.
 */
struct batch {
	struct keel_int_future base;
	batch_start_fn start;
	void *arg;
	int64_t expect;
	uint32_t ops, depth;
	uint32_t started, inflight;
	int64_t error;
	struct keel_waker parent;
	struct batch_slot *slots;
	bool note_full, noted;
	struct memory_mark full_memory;
	long full_live; /* the disks' live requests at that moment */
};

/*
 * Run a batch to its end on this thread.  `slots` holds `depth` entries.
 * Returns 0, or the first error (a future that failed or ended with
 * another result than `expect`).
 */
int bench_batch_run(struct batch *b, struct batch_slot *slots,
		    batch_start_fn start, void *arg, int64_t expect,
		    uint32_t ops, uint32_t depth);

/* ---- bench_fs_source.c ---- */

/* What one command reads: a file through ext2, or its blocks on a disk. */
struct source {
	struct vfs_file *file;		/* ext2 */
	struct keel_block_device *disk; /* raw */
	uint64_t *sectors;		/* raw: the sector of each block */
	char name[NAME_SIZE + 1];	/* the file's name in its headers */
	uint64_t blocks;		/* in the file */
	const uint32_t *order;		/* blocks to read, op by op */
	uint8_t *dest;			/* op i lands at dest + i * 4096 */
	const uint64_t *extent_first;	/* seq raw, big requests: block */
	const uint32_t *extent_blocks;	/* ... and length */
};

/*
 * The batch_start_fn of each way to read (arg: the struct source).
 * Random reads put block order[op] at dest + op * 4 KiB: through the
 * open file, or from the disk.  Sequential raw reads put block op, or
 * extent op, in place: at dest + (its first block) * 4 KiB.
 */
struct keel_int_future *bench_start_file_read(void *arg, uint32_t op);
struct keel_int_future *bench_start_disk_read(void *arg, uint32_t op);
struct keel_int_future *bench_start_disk_block(void *arg, uint32_t op);
struct keel_int_future *bench_start_disk_extent(void *arg, uint32_t op);

/* Blocks of dest that are order[0..ops) (or 0..ops with order NULL). */
uint64_t bench_verify(const struct source *s, const uint32_t *order,
		      uint32_t ops);

/*
 * ext2: read block 0 of the open file s->file, and fill s->name and
 * s->blocks from its header.  Returns 0, or 1 after the error line.
 */
int bench_file_header(struct shell *sh, const struct args *a, const char *path,
		      struct source *s);
/*
 * raw: find every block of the file s->name on the disk s->disk (the
 * whole disk is read, untimed).  Fills s->blocks and s->sectors
 * (kmalloc'd; the caller frees, also on error).  Returns 0, or 1 after
 * the error line.
 */
int bench_scan(struct shell *sh, const struct args *a, struct source *s,
	       const char *dev);
/*
 * raw: cut the file into runs of consecutive sectors in file order, each
 * at most BIG_REQUEST.  first and length hold s->blocks entries each;
 * s->extent_first and s->extent_blocks point to them afterwards.
 * Returns the number of extents.
 */
uint32_t bench_extents(struct source *s, uint64_t *first, uint32_t *length);

/* ---- bench_fs_memory.c ---- */

/*
 * `bench ext2 -m`: a->depths[0] reads in flight, as futures and then as
 * kernel threads; prints one line for each.  `order` is the file's
 * permutation (the reads take blocks from its end).  Returns 0, or 1
 * after the error line.
 */
int bench_ext2_memory(struct shell *sh, struct source *s, const struct args *a,
		      uint32_t *order, const char *path);

#endif /* KEEL_SHELL_BENCH_FS_H */
