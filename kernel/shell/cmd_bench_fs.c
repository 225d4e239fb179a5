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
 * The files are made on the host by tools/bench_ext2_tree.py: every 4 KiB
 * block carries a header (magic, the file's name, its own index, the
 * file's length in blocks) and a checksum the host computed over the rest
 * (the first 4088 bytes as one little-endian number, modulo 2^61 - 1).
 * Every block a measurement reads is checked against both after the clock
 * has stopped, and the line says how many passed (`verified=`): a run that
 * read nothing, or the wrong blocks, cannot look fast.  `bench raw` finds
 * the blocks of NAME on the disk by their headers (one scan, untimed), so
 * it reads exactly the sectors ext2 reads for the same file, without
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
 * DEPTH of them in flight, driven by one `block_on` on the shell thread;
 * each future has a waker of its own, so a completion costs one poll of
 * the future that finished, not of all of them.  The same seed gives the
 * same blocks to ext2 in both of its modes and to the raw disk.
 *
 * Sequential reads.  ext2: one vfs_read_async of the whole file (the
 * module keeps its `depth` block reads in flight).  raw: the same blocks
 * in file order, as 4 KiB reads DEPTH at a time (default 32, the module's
 * default), and as reads of up to 1 MiB (runs of consecutive sectors) 4
 * at a time, the most the disk can be asked for.  A file larger than
 * ext2's cache, read start to end, evicts its own blocks before they come
 * round again (LRU), so runs after the first still miss.
 *
 * Memory.  READS random reads started together from one thread (futures,
 * as above, started with interrupts held off so none completes before
 * the mark), against READS kernel threads each blocked in the same read
 * (block_on of vfs_read_async, what vfs_read does), marked once all have
 * blocked and none has run again.  Their blocks come from the end of the
 * permutation, the random runs' from its start.  "In flight" is checked,
 * not assumed: the line gives how much the disks' live requests grew by
 * the mark.  The reads must miss ext2's cache below its limit (run this
 * first after mount), or every new buffer evicts an old one and the
 * cache's share disappears.
 *
 * The floor.  Before its random runs, `bench raw` counts what any read of
 * a 4 KiB block into memory of its own pays at least: a 4 KiB copy, and a
 * 4 KiB buffer allocated and freed.
 *
 * Clocks.  Each run line gives ns (the time CSR: QEMU's virtual clock,
 * which follows the host's without -icount), instructions (instret less
 * the time the hart idled, as `bench exec` counts; exact only under
 * -icount) and idle_ns.  Which of them means what under which QEMU
 * options is docs/bench/README.md's subject; tools/bench_ext2_report.py
 * turns the lines into docs/bench/ext2.md.  Output, one line per run:
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
#include <keel/block.h>
#include <keel/errno.h>
#include <stdarg.h>

#include "arch/riscv.h"
#include "arch/stack.h"
#include "drivers/block.h"
#include "drivers/virtio.h"
#include "exec/block_on.h"
#include "exec/exec.h"
#include "fs/vfs.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "log/printk.h"
#include "mm/kmalloc.h"
#include "mm/page.h"
#include "sched/hart.h"
#include "sched/thread.h"
#include "shell/shell.h"
#include "sync/spinlock.h"

#define BLOCK_SIZE	 4096u
#define BLOCK_SECTORS	 (BLOCK_SIZE / KEEL_BLOCK_SECTOR_SIZE)
#define NAME_SIZE	 16
#define HEADER_INDEX	 24
#define HEADER_COUNT	 32
#define SUM_OFFSET	 (BLOCK_SIZE - 8)
#define SUM_MODULUS	 ((1ull << 61) - 1)
#define DEPTH_MAX	 256
#define OPS_DEFAULT	 1024
#define RUNS_DEFAULT	 5
#define RUNS_MAX	 20
#define SEED		 0x4b45454c42454e43ull /* "KEELBENC" */
#define SCAN_SECTORS	 2048u		       /* 1 MiB per scan read */
#define SEQ_DEPTH	 32
#define BIG_REQUEST	 (1u << 20)
#define BIG_DEPTH	 4
#define MEMORY_READS_MAX 256

static const char magic[8] = {'K', 'E', 'E', 'L', 'B', 'N', 'C', 'H'};

/* ---- the blocks: header and checksum ------------------------------------- */

static uint64_t load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v; /* RISC-V is little-endian, as the files are */
}

/*
 * Bytes 0..4087 of `block` as a little-endian number, modulo 2^61 - 1,
 * from the most significant word down: h * 2^64 + w, and 2^64 = 8 modulo
 * 2^61 - 1.  h stays below 2^62 between steps; the result is exact.
 */
static uint64_t block_sum(const uint8_t *block)
{
	uint64_t h = 0;

	for (int i = SUM_OFFSET / 8 - 1; i >= 0; i--) {
		uint64_t w = load64(block + 8 * i);

		h = ((h << 3) & SUM_MODULUS) + (h >> 58); /* h * 8 */
		h += (w & SUM_MODULUS) + (w >> 61);
		h = (h & SUM_MODULUS) + (h >> 61);
	}
	h = (h & SUM_MODULUS) + (h >> 61);
	return h >= SUM_MODULUS ? h - SUM_MODULUS : h;
}

/* Is this a block of some benchmark file named `name`? */
static bool block_is_of(const uint8_t *block, const char *name)
{
	return memcmp(block, magic, sizeof(magic)) == 0 &&
	       strncmp((const char *)block + 8, name, NAME_SIZE) == 0;
}

/* Block `index` of the `count`-block file `name`, intact? */
static bool block_ok(const uint8_t *block, const char *name, uint64_t index,
		     uint64_t count)
{
	return block_is_of(block, name) &&
	       load64(block + HEADER_INDEX) == index &&
	       load64(block + HEADER_COUNT) == count &&
	       load64(block + SUM_OFFSET) == block_sum(block);
}

/* ---- what was measured --------------------------------------------------- */

struct clock_mark {
	uint64_t time, instret, idle; /* time and idle in time CSR ticks */
};

static struct clock_mark clock_now(void)
{
	struct clock_mark m = {read_time(), read_instret(), 0};

	for (int i = 0; i < MAX_HARTS; i++)
		m.idle +=
		    __atomic_load_n(&harts[i].idle_time, __ATOMIC_RELAXED);
	return m;
}

struct disk_mark {
	uint64_t submitted; /* requests handed to any disk's driver */
	unsigned peak;	    /* the most one disk held at once */
	long live;	    /* requests alive, all disks */
};

static void disk_add(struct block_device *dev, void *arg)
{
	struct disk_mark *m = arg;
	struct virtio_blk_stats stats;

	m->live += __atomic_load_n(&dev->counters.live, __ATOMIC_RELAXED);
	if (virtio_blk_get_stats(dev, &stats))
		return;
	m->submitted += stats.submitted;
	if (stats.max_in_flight > m->peak)
		m->peak = stats.max_in_flight;
}

static struct disk_mark disk_now(void)
{
	struct disk_mark m = {0, 0, 0};

	block_for_each(disk_add, &m);
	return m;
}

static void reset_peak(struct block_device *dev, void *arg)
{
	virtio_blk_reset_peaks(dev);
}

struct run {
	struct clock_mark start, end;
	struct disk_mark disk_start, disk_end;
};

static void run_begin(struct run *run)
{
	block_for_each(reset_peak, NULL);
	run->disk_start = disk_now();
	run->start = clock_now();
}

static void run_end(struct run *run)
{
	run->end = clock_now();
	run->disk_end = disk_now();
}

/* "ns=T instructions=I idle_ns=J requests=Q peak=P verified=V" */
static void print_run(struct shell *sh, const struct run *run,
		      uint64_t verified)
{
	uint64_t ns = exec_ticks_to_ns(run->end.time - run->start.time);
	uint64_t idle = exec_ticks_to_ns(run->end.idle - run->start.idle);
	uint64_t retired = run->end.instret - run->start.instret;

	sh_printf(sh,
		  "ns=%lu instructions=%lu idle_ns=%lu requests=%lu peak=%u "
		  "verified=%lu\n",
		  (unsigned long)ns,
		  (unsigned long)(idle < retired ? retired - idle : 0),
		  (unsigned long)idle,
		  (unsigned long)(run->disk_end.submitted -
				  run->disk_start.submitted),
		  run->disk_end.peak, (unsigned long)verified);
}

struct memory_mark {
	size_t free_pages, kmalloc_bytes;
};

static struct memory_mark memory_now(void)
{
	struct page_stats ps;
	struct kmalloc_stats ks;

	page_get_stats(&ps);
	kmalloc_get_stats(&ks);
	return (struct memory_mark){ps.free, ks.bytes_in_use};
}

/* Write `whole.hundredths` of a / b into out (b may be 0: then "0.00"). */
static void format_quotient(char *out, size_t size, uint64_t a, uint64_t b)
{
	uint64_t hundredths = b ? a * 100 / b : 0;

	snprintf(out, size, "%lu.%02lu", (unsigned long)(hundredths / 100),
		 (unsigned long)(hundredths % 100));
}

/* ---- a batch: OPS futures, DEPTH in flight, one waker each --------------- */

struct batch;

struct batch_slot {
	struct batch *batch;
	struct keel_int_future *io; /* NULL while the slot is free */
	struct keel_waker waker;    /* {this slot, slot_waker_vtable} */
	uint32_t woken;		    /* atomic: woken since last polled */
};

/*
 * Runs `ops` futures made by start(arg, op), `depth` at a time, each
 * expected to end with `expect`.  Driven by block_on only: the waker of
 * its first poll is kept and woken by every slot (block_on's waker is the
 * same at every poll).  With note_full, the first poll starts `depth`
 * futures with interrupts held off, so no completion is taken, and notes
 * memory and the disks' live requests before letting them in.
 */
struct batch {
	struct keel_int_future base;
	struct keel_int_future *(*start)(void *arg, uint32_t op);
	void *arg;
	int64_t expect;
	uint32_t ops, depth;
	uint32_t started, inflight;
	int64_t error;
	struct keel_waker parent;
	struct batch_slot *slots;
	bool note_full, noted;
	struct memory_mark full_memory;
	long full_live;
};

static struct keel_waker slot_clone(const void *data)
{
	return ((const struct batch_slot *)data)->waker;
}

static void slot_wake(const void *data)
{
	struct batch_slot *slot = (struct batch_slot *)data;

	__atomic_store_n(&slot->woken, 1, __ATOMIC_RELEASE);
	keel_waker_wake_by_ref(&slot->batch->parent);
}

static void slot_drop(const void *data)
{
}

static const struct keel_waker_vtable slot_waker_vtable = {
    .size = sizeof(struct keel_waker_vtable),
    .clone = slot_clone,
    .wake = slot_wake,
    .wake_by_ref = slot_wake,
    .drop = slot_drop,
};

/* Poll one busy slot with its own waker; true when its future ended. */
static bool slot_poll(struct batch *b, struct batch_slot *slot)
{
	struct keel_context cx = {sizeof(cx), 0, &slot->waker};
	struct keel_int_future *io = slot->io;

	if (keel_future_poll(&io->future, &cx) == KEEL_PENDING)
		return false;
	if (io->result != b->expect && !b->error)
		b->error = io->result < 0 ? io->result : -EIO;
	keel_future_drop(&io->future);
	slot->io = NULL;
	b->inflight--;
	return true;
}

static enum keel_poll batch_poll(struct keel_future *future,
				 struct keel_context *cx)
{
	struct batch *b = (struct batch *)future;
	bool progress;

	if (!b->parent.vtable)
		b->parent = keel_waker_clone(cx->waker);
	if (b->note_full && !b->noted)
		irq_push(); /* no completion is taken before the note */
	do {
		progress = false;
		for (uint32_t i = 0; i < b->depth && b->started < b->ops &&
				     !b->error && b->inflight < b->depth;
		     i++) {
			struct batch_slot *slot = &b->slots[i];

			if (slot->io)
				continue;
			slot->io = b->start(b->arg, b->started);
			if (!slot->io) {
				b->error = -ENOMEM;
				break;
			}
			b->started++;
			b->inflight++;
			__atomic_store_n(&slot->woken, 0, __ATOMIC_RELAXED);
			progress |= slot_poll(b, slot); /* the disk has it */
		}
		if (b->note_full && !b->noted) {
			b->noted = true;
			b->full_memory = memory_now();
			b->full_live = disk_now().live;
			irq_pop();
		}
		for (uint32_t i = 0; i < b->depth; i++) {
			struct batch_slot *slot = &b->slots[i];

			if (slot->io &&
			    __atomic_exchange_n(&slot->woken, 0,
						__ATOMIC_ACQUIRE) &&
			    slot_poll(b, slot))
				progress = true;
		}
	} while (progress && (b->started < b->ops || b->inflight));
	if (b->inflight || (b->started < b->ops && !b->error))
		return KEEL_PENDING;
	b->base.result = b->error;
	return KEEL_READY;
}

/* Ends what is still in flight (an error stopped the batch early). */
static void batch_drop(struct keel_future *future)
{
	struct batch *b = (struct batch *)future;

	for (uint32_t i = 0; i < b->depth; i++)
		if (b->slots[i].io) {
			keel_future_drop(&b->slots[i].io->future);
			b->slots[i].io = NULL;
		}
	keel_waker_drop(&b->parent);
}

static const struct keel_future_vtable batch_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "bench-batch",
    .poll = batch_poll,
    .drop = batch_drop,
};

/*
 * Run a batch to its end on this thread.  `slots` holds `depth` entries.
 * Returns 0, or the first error (a future that failed or ended with
 * another result than `expect`).
 */
static int batch_run(struct batch *b, struct batch_slot *slots,
		     struct keel_int_future *(*start)(void *, uint32_t),
		     void *arg, int64_t expect, uint32_t ops, uint32_t depth)
{
	bool note_full = b->note_full;

	*b = (struct batch){.base.future.vtable = &batch_vtable,
			    .start = start,
			    .arg = arg,
			    .expect = expect,
			    .ops = ops,
			    .depth = depth,
			    .slots = slots,
			    .note_full = note_full};
	for (uint32_t i = 0; i < depth; i++)
		slots[i] = (struct batch_slot){
		    .batch = b, .waker = {&slots[i], &slot_waker_vtable}};
	return (int)block_on(&b->base);
}

/* ---- the reads ----------------------------------------------------------- */

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

static struct keel_int_future *start_file_read(void *arg, uint32_t op)
{
	struct source *s = arg;

	return vfs_read_async(s->file, s->dest + (uint64_t)op * BLOCK_SIZE,
			      BLOCK_SIZE, (uint64_t)s->order[op] * BLOCK_SIZE);
}

static struct keel_int_future *start_disk_read(void *arg, uint32_t op)
{
	struct source *s = arg;

	return keel_block_read(s->disk, s->sectors[s->order[op]],
			       s->dest + (uint64_t)op * BLOCK_SIZE,
			       BLOCK_SECTORS);
}

/* Sequential: block op of the file, in place. */
static struct keel_int_future *start_disk_block(void *arg, uint32_t op)
{
	struct source *s = arg;

	return keel_block_read(s->disk, s->sectors[op],
			       s->dest + (uint64_t)op * BLOCK_SIZE,
			       BLOCK_SECTORS);
}

static struct keel_int_future *start_disk_extent(void *arg, uint32_t op)
{
	struct source *s = arg;
	uint64_t first = s->extent_first[op];

	return keel_block_read(s->disk, s->sectors[first],
			       s->dest + first * BLOCK_SIZE,
			       s->extent_blocks[op] * BLOCK_SECTORS);
}

/* Blocks of dest that are order[0..ops) (or 0..ops with order NULL). */
static uint64_t verify(const struct source *s, const uint32_t *order,
		       uint32_t ops)
{
	uint64_t good = 0;

	for (uint32_t i = 0; i < ops; i++)
		good += block_ok(s->dest + (uint64_t)i * BLOCK_SIZE, s->name,
				 order ? order[i] : i, s->blocks);
	return good;
}

/* ---- the permutation ----------------------------------------------------- */

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* order[0..n): a permutation of 0..n-1, the same for the same n. */
static void shuffle(uint32_t *order, uint32_t n)
{
	uint64_t state = SEED;

	for (uint32_t i = 0; i < n; i++)
		order[i] = i;
	for (uint32_t i = n - 1; i > 0; i--) {
		uint32_t j =
		    (uint32_t)(((splitmix64(&state) >> 32) * (i + 1)) >> 32);
		uint32_t t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
}

/* ---- arguments ----------------------------------------------------------- */

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
static int bad(struct shell *sh, const struct args *a, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int bad(struct shell *sh, const struct args *a, const char *fmt, ...)
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
		bad(sh, a, "%s must be a number from 1 to %lu: %s", what, max,
		    arg);
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
			return bad(sh, a, "unknown option %s", argv[i]);
		}
	}
	if (a->sequential && a->memory)
		return bad(sh, a, "-s and -m do not go together");
	a->first = i;
	if (argc - i < names)
		return bad(sh, a,
			   names == 1 ? "expects FILE" : "expects DEV NAME");
	for (i += names; i < argc; i++) {
		if (a->ndepths ==
		    (int)(sizeof(a->depths) / sizeof(a->depths[0])))
			return bad(sh, a, "at most 16 depths");
		if (!number(sh, a, argv[i], a->memory ? "READS" : "DEPTH",
			    a->memory ? MEMORY_READS_MAX : DEPTH_MAX,
			    &a->depths[a->ndepths++]))
			return 1;
	}
	if (a->memory && a->ndepths != 1)
		return bad(sh, a, "-m expects FILE READS");
	if (a->sequential && a->ndepths > (names == 1 ? 0 : 1))
		return bad(sh, a,
			   names == 1 ? "-s expects FILE alone"
				      : "-s expects DEV NAME [DEPTH]");
	if (!a->sequential && !a->memory && !a->ndepths)
		return bad(sh, a, "expects at least one DEPTH");
	return 0;
}

/* Distinct blocks the random runs read: a warm-up slice, then each run's. */
static uint64_t random_blocks_needed(const struct args *a)
{
	return (uint64_t)a->ops * (1 + (uint64_t)a->ndepths * a->runs);
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
		       struct keel_int_future *(*start)(void *, uint32_t))
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
	err = batch_run(&b, slots, start, s, expect, a->ops, depth_max);
	if (!err && verify(s, order, a->ops) != a->ops)
		err = -EIO;
	for (uint32_t r = 0; r < a->runs && !err; r++) {
		for (int d = 0; d < a->ndepths && !err; d++) {
			const uint32_t *slice =
			    order + (uint64_t)a->ops *
					(1 + (uint64_t)r * a->ndepths + d);
			uint64_t good;

			s->order = slice;
			memset(s->dest, 0, (uint64_t)a->ops * BLOCK_SIZE);
			run_begin(&run);
			err = batch_run(&b, slots, start, s, expect, a->ops,
					a->depths[d]);
			run_end(&run);
			if (err)
				break;
			good = verify(s, slice, a->ops);
			status |= good != a->ops;
			sh_printf(
			    sh, "bench: %s depth=%u run=%u ops=%u size=%u ",
			    label, a->depths[d], r + 1, a->ops, BLOCK_SIZE);
			print_run(sh, &run, good);
		}
	}
	kfree(slots);
	if (err)
		return sh_errno(sh, a->cmd, label, err);
	return status;
}

/* ---- ext2 (or any file) -------------------------------------------------- */

/* Read block 0 of the open file: its name and length in blocks. */
static int file_header(struct shell *sh, const struct args *a, const char *path,
		       struct source *s)
{
	uint8_t *block;
	struct keel_stat st;
	int64_t got;
	int err = vfs_fstat(s->file, &st);

	if (err)
		return sh_errno(sh, a->cmd, path, err);
	block = kmalloc(BLOCK_SIZE);
	if (!block)
		return sh_errno(sh, a->cmd, path, -ENOMEM);
	got = block_on(vfs_read_async(s->file, block, BLOCK_SIZE, 0));
	if (got == BLOCK_SIZE && memcmp(block, magic, sizeof(magic)) == 0) {
		memcpy(s->name, block + 8, NAME_SIZE);
		s->name[NAME_SIZE] = '\0';
		s->blocks = load64(block + HEADER_COUNT);
	}
	kfree(block);
	if (got < 0)
		return sh_errno(sh, a->cmd, path, (int)got);
	if (!s->blocks || s->blocks > UINT32_MAX ||
	    st.size != s->blocks * BLOCK_SIZE)
		return bad(sh, a,
			   "%s is not a file tools/bench_ext2_tree.py "
			   "made",
			   path);
	return 0;
}

static int ext2_sequential(struct shell *sh, struct source *s,
			   const struct args *a, const char *path)
{
	uint64_t bytes = s->blocks * BLOCK_SIZE, good;
	struct run run;
	int status = 0;

	for (uint32_t r = 0; r < a->runs; r++) {
		int64_t got;

		memset(s->dest, 0, bytes);
		run_begin(&run);
		got = block_on(vfs_read_async(s->file, s->dest, bytes, 0));
		run_end(&run);
		if (got != (int64_t)bytes)
			return sh_errno(sh, a->cmd, path,
					got < 0 ? (int)got : -EIO);
		good = verify(s, NULL, (uint32_t)s->blocks);
		status |= good != s->blocks;
		sh_printf(sh, "bench: ext2 seq %s run=%u bytes=%lu ", path,
			  r + 1, (unsigned long)bytes);
		print_run(sh, &run, good);
	}
	return status;
}

/* ---- memory: READS in flight, as futures and as threads ------------------ */

struct memory_use {
	uint64_t kmalloc_bytes, page_bytes;
	long in_flight; /* requests seen alive at the mark */
};

static void memory_taken(struct memory_use *use, struct memory_mark before,
			 struct memory_mark held, long in_flight)
{
	use->kmalloc_bytes = held.kmalloc_bytes - before.kmalloc_bytes;
	use->page_bytes =
	    (uint64_t)(before.free_pages - held.free_pages) * PAGE_SIZE;
	use->in_flight = in_flight;
}

/* READS reads from this thread, all started before the first is awaited. */
static int memory_futures(struct source *s, uint32_t reads,
			  struct memory_use *use)
{
	struct memory_mark before = memory_now();
	long live = disk_now().live;
	struct batch_slot *slots = kmalloc(reads * sizeof(*slots));
	struct batch b = {.note_full = true};
	int err;

	if (!slots)
		return -ENOMEM;
	err =
	    batch_run(&b, slots, start_file_read, s, BLOCK_SIZE, reads, reads);
	kfree(slots);
	if (err)
		return err;
	memory_taken(use, before, b.full_memory, b.full_live - live);
	return 0;
}

/* The readers' meeting point; lives on the measuring thread's stack. */
struct readers {
	struct spinlock lock;
	uint32_t arrived, returned;
	int64_t failed; /* a result other than BLOCK_SIZE */
};

struct reader {
	struct readers *all;
	struct source *s;
	uint32_t op;
};

static uint32_t readers_count(struct readers *all, const uint32_t *field)
{
	uint32_t n;

	spin_lock(&all->lock);
	n = *field;
	spin_unlock(&all->lock);
	return n;
}

/* One kernel thread, one blocking read (what vfs_read does: block_on). */
static void reader_main(void *arg)
{
	struct reader *r = arg;
	struct readers *all = r->all;
	int64_t got;

	spin_lock(&all->lock);
	all->arrived++;
	spin_unlock(&all->lock);
	got = block_on(start_file_read(r->s, r->op));
	spin_lock(&all->lock);
	if (got != BLOCK_SIZE)
		all->failed = got < 0 ? got : -EIO;
	all->returned++; /* the last touch of *all and *r */
	spin_unlock(&all->lock);
}

static void settle_threads(int count)
{
	for (int waited = 0; thread_count() > count && waited < 5000; waited++)
		thread_sleep_ms(1);
}

/*
 * READS threads, each blocked in one read.  The measuring thread yields
 * until every one has arrived (on one hart they run in creation order and
 * it comes after them); the mark counts only if none has returned yet.
 */
static int memory_threads(struct source *s, uint32_t reads,
			  struct memory_use *use)
{
	struct readers all = {.arrived = 0};
	int threads_before = thread_count();
	struct memory_mark before = memory_now(), held = before;
	long live = disk_now().live, live_held = live;
	struct reader *readers = kmalloc(reads * sizeof(*readers));
	uint32_t created = 0;
	int err = 0;

	if (!readers)
		return -ENOMEM;
	spin_init(&all.lock, "bench-readers");
	for (; created < reads; created++) {
		readers[created] = (struct reader){&all, s, created};
		err =
		    thread_create("bench-read", reader_main, &readers[created]);
		if (err < 0)
			break;
		err = 0;
	}
	for (int spins = 0;
	     readers_count(&all, &all.arrived) < created && spins < 100000;
	     spins++)
		thread_yield();
	spin_lock(&all.lock);
	if (all.returned == 0) {
		held = memory_now();
		live_held = disk_now().live;
	}
	spin_unlock(&all.lock);
	while (readers_count(&all, &all.returned) < created)
		thread_sleep_ms(1);
	kfree(readers);
	settle_threads(threads_before);
	if (err)
		return err;
	if (all.failed)
		return (int)all.failed;
	memory_taken(use, before, held, live_held - live);
	return 0;
}

/*
 * Each try takes fresh blocks from the end of the permutation (the random
 * runs take theirs from the start), so every read misses the cache.  The
 * try kept is the one with most reads seen in flight, then least memory.
 */
static int ext2_memory(struct shell *sh, struct source *s, const struct args *a,
		       uint32_t *order, const char *path)
{
	uint32_t reads = a->depths[0];
	uint64_t next = s->blocks;
	char kmalloc_per[24], bytes_per[24];

	if ((uint64_t)reads * a->runs * 2 > s->blocks)
		return bad(sh, a,
			   "%s has %lu blocks, too few for 2 x %u runs "
			   "of %u reads",
			   path, (unsigned long)s->blocks, a->runs, reads);
	for (int threads = 0; threads < 2; threads++) {
		struct memory_use best = {0, 0, -1}, use = {0, 0, 0};

		for (uint32_t r = 0; r < a->runs; r++) {
			int err;

			next -= reads;
			s->order = order + next;
			memset(s->dest, 0, (uint64_t)reads * BLOCK_SIZE);
			err = threads ? memory_threads(s, reads, &use)
				      : memory_futures(s, reads, &use);
			if (!err && verify(s, s->order, reads) != reads)
				err = -EIO;
			if (err)
				return sh_errno(sh, a->cmd, path, err);
			if (use.in_flight > best.in_flight ||
			    (use.in_flight == best.in_flight &&
			     use.page_bytes < best.page_bytes))
				best = use;
		}
		format_quotient(kmalloc_per, sizeof(kmalloc_per),
				best.kmalloc_bytes, reads);
		format_quotient(bytes_per, sizeof(bytes_per), best.page_bytes,
				reads);
		if (threads)
			sh_printf(sh,
				  "bench: ext2 thread_memory %s threads=%u "
				  "in_flight=%ld kmalloc_per_thread=%s "
				  "bytes_per_thread=%s stack=%u\n",
				  path, reads, best.in_flight, kmalloc_per,
				  bytes_per, KSTACK_SIZE);
		else
			sh_printf(
			    sh,
			    "bench: ext2 memory %s reads=%u in_flight=%ld "
			    "kmalloc_per_read=%s bytes_per_read=%s\n",
			    path, reads, best.in_flight, kmalloc_per,
			    bytes_per);
	}
	return 0;
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
	err = file_header(sh, &a, path, &s);
	if (err)
		goto out;
	if (!a.sequential && !a.memory && random_blocks_needed(&a) > s.blocks) {
		err = bad(sh, &a,
			  "%s has %lu blocks; %u depths x %u runs of %u "
			  "distinct reads, and a warm-up, need %lu",
			  path, (unsigned long)s.blocks, a.ndepths, a.runs,
			  a.ops, (unsigned long)random_blocks_needed(&a));
		goto out;
	}
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
		shuffle(order, (uint32_t)s.blocks);
		err = a.memory ? ext2_memory(sh, &s, &a, order, path)
			       : random_runs(sh, &s, &a, order, label,
					     start_file_read);
	}
out:
	kfree(order);
	kfree(s.dest);
	vfs_close(s.file);
	return err ? 1 : 0;
}

/* ---- raw ----------------------------------------------------------------- */

/*
 * Find every block of the file s->name on the disk: read it all, 1 MiB at
 * a time, and note where each header is.  Each block must be found exactly
 * once.  Fills s->blocks and s->sectors (kmalloc'd; the caller frees).
 */
static int scan(struct shell *sh, const struct args *a, struct source *s,
		const char *dev)
{
	uint64_t total = keel_block_sectors(s->disk), found = 0;
	uint8_t *chunk = kmalloc(SCAN_SECTORS * KEEL_BLOCK_SECTOR_SIZE);
	bool twice = false;
	int err = 0;

	if (!chunk)
		return sh_errno(sh, a->cmd, dev, -ENOMEM);
	for (uint64_t at = 0; at + BLOCK_SECTORS <= total && !err && !twice;
	     at += SCAN_SECTORS) {
		uint32_t count = total - at < SCAN_SECTORS
				     ? (uint32_t)(total - at)
				     : SCAN_SECTORS;

		count -= count % BLOCK_SECTORS;
		err = (int)block_on(keel_block_read(s->disk, at, chunk, count));
		for (uint32_t i = 0; i < count && !err && !twice;
		     i += BLOCK_SECTORS) {
			const uint8_t *b = chunk + i * KEEL_BLOCK_SECTOR_SIZE;
			uint64_t index = load64(b + HEADER_INDEX);

			if (!block_is_of(b, s->name))
				continue;
			if (!s->sectors) {
				s->blocks = load64(b + HEADER_COUNT);
				if (s->blocks > UINT32_MAX)
					s->blocks = 0;
				s->sectors = s->blocks
						 ? kmalloc(s->blocks *
							   sizeof(*s->sectors))
						 : NULL;
				if (!s->sectors)
					err = -ENOMEM;
			}
			if (err)
				break;
			twice = index >= s->blocks || s->sectors[index];
			if (!twice) {
				s->sectors[index] = at + i;
				found++;
			}
		}
	}
	kfree(chunk);
	if (err)
		return sh_errno(sh, a->cmd, dev, err);
	if (!found)
		return bad(sh, a, "%s holds no block of a file '%s'", dev,
			   s->name);
	if (twice || found != s->blocks)
		return bad(sh, a,
			   "%s does not hold each of the %lu blocks of '%s' "
			   "once (%lu found%s)",
			   dev, (unsigned long)s->blocks, s->name,
			   (unsigned long)found, twice ? ", one twice" : "");
	return 0;
}

/* Runs of consecutive sectors in file order, each at most BIG_REQUEST. */
static uint32_t extents_of(struct source *s, uint64_t *first, uint32_t *length)
{
	uint32_t extents = 0;

	for (uint64_t i = 0; i < s->blocks; i++) {
		if (extents &&
		    s->sectors[i] == s->sectors[i - 1] + BLOCK_SECTORS &&
		    length[extents - 1] < BIG_REQUEST / BLOCK_SIZE) {
			length[extents - 1]++;
			continue;
		}
		first[extents] = i;
		length[extents++] = 1;
	}
	s->extent_first = first;
	s->extent_blocks = length;
	return extents;
}

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
	extents = extents_of(s, first, length);
	for (int big = 0; big < 2 && !err; big++) {
		for (uint32_t r = 0; r < a->runs && !err; r++) {
			memset(s->dest, 0, bytes);
			run_begin(&run);
			if (big)
				err = batch_run(&b, slots, start_disk_extent, s,
						0, extents, BIG_DEPTH);
			else
				err = batch_run(&b, slots, start_disk_block, s,
						0, (uint32_t)s->blocks, depth);
			run_end(&run);
			if (err)
				break;
			good = verify(s, NULL, (uint32_t)s->blocks);
			status |= good != s->blocks;
			sh_printf(sh,
				  "bench: raw seq %s %s request=%u depth=%u "
				  "run=%u bytes=%lu ",
				  dev, s->name, big ? BIG_REQUEST : BLOCK_SIZE,
				  big ? BIG_DEPTH : depth, r + 1,
				  (unsigned long)bytes);
			print_run(sh, &run, good);
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
		struct clock_mark start = clock_now(), end;

		for (int i = 0; i < 64; i++)
			memcpy(dest, source, BLOCK_SIZE);
		end = clock_now();
		if (end.instret - start.instret < copy)
			copy = end.instret - start.instret;
		start = clock_now();
		for (int i = 0; i < 64; i++)
			kfree(kmalloc(BLOCK_SIZE));
		end = clock_now();
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
		return bad(sh, &a, "NAME is at most %d bytes: %s",
			   NAME_SIZE - 1, name);
	memcpy(s.name, name, strlen(name) + 1);
	s.disk = keel_block_open(dev);
	if (!s.disk)
		return bad(sh, &a, "no such disk: %s", dev);
	err = scan(sh, &a, &s, dev);
	if (err)
		goto out;
	if (!a.sequential && random_blocks_needed(&a) > s.blocks) {
		err = bad(sh, &a,
			  "'%s' has %lu blocks; %u depths x %u runs of %u "
			  "distinct reads, and a warm-up, need %lu",
			  name, (unsigned long)s.blocks, a.ndepths, a.runs,
			  a.ops, (unsigned long)random_blocks_needed(&a));
		goto out;
	}
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
		shuffle(order, (uint32_t)s.blocks);
		err = print_floor(sh, &a, s.dest, dev);
		if (!err)
			err = random_runs(sh, &s, &a, order, label,
					  start_disk_read);
	}
out:
	kfree(order);
	kfree(s.dest);
	kfree(s.sectors);
	keel_block_close(s.disk);
	return err ? 1 : 0;
}

/*
 * `bench ext2 ...` and `bench raw ...` (cmd_bench.c dispatches); argv[0]
 * is "ext2" or "raw".
 */
int bench_fs(struct shell *sh, int argc, char **argv)
{
	if (strcmp(argv[0], "raw") == 0)
		return bench_raw(sh, argc, argv);
	return bench_ext2(sh, argc, argv);
}
