/*
 * bench_fs_memory.c - `bench ext2 -m`: the memory one read in flight
 * holds, as a future and as a kernel thread.
 *
 * A thread that reads a file blocks in vfs_read, which is block_on of
 * vfs_read_async: to keep READS reads in flight takes READS threads, each
 * with its stack.  A future keeps its read in flight with only its own
 * state, so READS of them can be driven by one thread.  This file
 * measures both, on the same file and in the same boot:
 *
 *   futures  READS random reads started together from this thread by a
 *            batch (bench_fs_batch.c) with note_full: all READS are
 *            started with interrupts held off, so none completes before
 *            the mark, and the mark is taken then;
 *   threads  READS kernel threads each blocked in the same read
 *            (block_on of vfs_read_async, what vfs_read does), marked
 *            once all of them have blocked and none has run again.
 *
 * A mark counts all that kmalloc and the page allocator gave out since
 * just before the reads began: the read futures and the batch's slots, or
 * the threads (struct and stack) and their arguments, and in both what
 * the reads hold below them (ext2's buffers, the disks' requests).  "In
 * flight" is checked, not assumed: the line gives how much the disks'
 * live requests grew by the mark.  Each mode makes RUNS tries and keeps
 * the one with most reads seen in flight, then least memory.
 *
 * The reads must miss ext2's cache, or they would not reach the disk: the
 * blocks come from the end of the permutation (the random runs take
 * theirs from its start), fresh ones for every try.  And the cache must
 * be below its limit (run this first after mount), or every new buffer
 * evicts an old one and the cache's share disappears.  Output:
 *
 *   bench: ext2 memory FILE reads=N in_flight=M kmalloc_per_read=Q
 *          bytes_per_read=Q
 *   bench: ext2 thread_memory FILE threads=N in_flight=M
 *          kmalloc_per_thread=Q bytes_per_thread=Q stack=B
 *
 * (each on one line; Q: two decimals, B: KSTACK_SIZE).
 */
#include <keel/errno.h>

#include "arch/stack.h"
#include "exec/block_on.h"
#include "mm/kmalloc.h"
#include "shell/bench_fs.h"
#include "shell/shell.h"
#include "sync/spinlock.h"

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
	long live = bench_disk_now().live;
	struct batch_slot *slots = kmalloc(reads * sizeof(*slots));
	struct batch b = {.note_full = true};
	int err;

	if (!slots)
		return -ENOMEM;
	err = bench_batch_run(&b, slots, bench_start_file_read, s, BLOCK_SIZE,
			      reads, reads);
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
	got = block_on(bench_start_file_read(r->s, r->op));
	spin_lock(&all->lock);
	if (got != BLOCK_SIZE)
		all->failed = got < 0 ? got : -EIO;
	all->returned++; /* the last touch of *all and *r */
	spin_unlock(&all->lock);
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
	long live = bench_disk_now().live, live_held = live;
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
		live_held = bench_disk_now().live;
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
int bench_ext2_memory(struct shell *sh, struct source *s, const struct args *a,
		      uint32_t *order, const char *path)
{
	uint32_t reads = a->depths[0];
	uint64_t next = s->blocks;
	char kmalloc_per[24], bytes_per[24];

	if ((uint64_t)reads * a->runs * 2 > s->blocks)
		return bench_refuse(
		    sh, a,
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
			if (!err && bench_verify(s, s->order, reads) != reads)
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
