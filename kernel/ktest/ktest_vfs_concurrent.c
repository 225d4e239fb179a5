/*
 * ktest_vfs_concurrent.c - a mounted filesystem under hundreds of readers
 * and a handful of writers at once, on every hart.
 *
 * Suite `vfs_concurrent` drives whatever filesystem is mounted at /mnt
 * through the kernel's VFS, as many callers at a time as the machine can
 * hold: hundreds of executor tasks reading with vfs_read_async (polled by
 * the executor threads of every hart, woken by the disk's interrupt on
 * whichever hart takes it) while kernel threads create, write, read back,
 * rename and unlink files with the synchronous calls (the VFS has no
 * asynchronous create or write), and one thread cuts a file to nothing
 * and writes it again, over and over, while tasks read it whole.  It
 * needs the volume tests/qemu/vfs_concurrent.t makes, whose directory
 * /mnt/vfsc holds:
 *
 *   p0 .. p5   VC_PATTERNS files of the sizes in pattern_sizes[], where
 *              64-bit little-endian word w of file f is pattern_word(f, w)
 *   churn      VC_CHURN_SIZE bytes of pattern CHURN_A
 *
 * With no /mnt/vfsc the case is skipped and nothing is touched (a plain
 * `ktest` runs every suite).
 *
 * The parties:
 *
 *   reader tasks  VC_READERS coroutines, VC_READS steps each, seeded per
 *                 task: a read of a pattern file at a random offset and
 *                 length (some across the end of the file), checked byte
 *                 for byte; sometimes the same under a 0 ms timeout (the
 *                 read is dropped, cancelled, at once: -ETIMEDOUT, or the
 *                 right bytes if it was already done); sometimes a read of
 *                 all of `churn`.
 *   writers       VC_WRITERS threads.  Writer t makes d<t>/, and for each
 *                 k < VC_WRITER_FILES writes d<t>/tmp<k> (pattern
 *                 writer_id(t, k), writer_size(t, k) bytes, in chunks of
 *                 odd sizes), reads it back, then renames it to d<t>/f<k>
 *                 (even k) or unlinks it while still open and reads it
 *                 again (odd k).  It also makes and removes e<t>/.
 *   churner       one thread: truncate `churn` to 0, write it whole with
 *                 CHURN_B, truncate, CHURN_A, ... until the readers are
 *                 done, ending on CHURN_A.  A reader of `churn` must see
 *                 all of A, all of B, or nothing (the file between the
 *                 truncate and the write): never a mixture, never the
 *                 bytes of a block the truncate freed and something else
 *                 took.
 *
 * The suite checks every byte read, every result, that many reads were in
 * flight at once and that tasks ran on several harts.  The script then
 * unmounts, and on the host e2fsck must find the volume clean and debugfs
 * must read d<t>/f<k> (even k) as the pattern, no tmp<k> or e<t> left,
 * and `churn` as CHURN_A.
 */
#include <stdarg.h>

#include <keel/async.h>
#include <keel/errno.h>
#include <keel/task.h>
#include <keel/time.h>

#include "boot/boot.h"
#include "exec/block_on.h"
#include "fs/vfs.h"
#include "ktest/ktest.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "sched/hart.h"
#include "sched/thread.h"
#include "sync/completion.h"

#define VC_DIR		"/mnt/vfsc"
#define VC_PATTERNS	6
#define VC_READERS	300
#define VC_READS	16
#define VC_MAX_READ	16384
#define VC_WRITERS	8
#define VC_WRITER_FILES 6
#define VC_CHURN_SIZE	VC_MAX_READ
#define VC_CHURN_MIN	20 /* rounds the churner makes at least */
#define VC_SEED		0x7f5c0c0a11e1f00dull
#define VC_WAIT_MS	180000

#define CHURN_A 200
#define CHURN_B 201

static const uint64_t pattern_sizes[VC_PATTERNS] = {
    5 * 1024 * 1024 + 17, 1024 * 1024, 300 * 1024 + 1, 70000, 4096, 13};

/* Word w of the pattern of file `id` (tests/qemu/vfs_concurrent.t too). */
static uint64_t pattern_word(uint32_t id, uint64_t w)
{
	return (((uint64_t)id << 40) + w + 1) * 0x9e3779b97f4a7c15ull;
}

static void pattern_fill(uint8_t *buf, uint32_t id, uint64_t offset,
			 uint64_t length)
{
	for (uint64_t i = 0; i < length; i++) {
		uint64_t at = offset + i;

		buf[i] = (uint8_t)(pattern_word(id, at / 8) >> (at % 8 * 8));
	}
}

static bool pattern_holds(const uint8_t *buf, uint32_t id, uint64_t offset,
			  uint64_t length)
{
	uint64_t word = pattern_word(id, offset / 8);

	for (uint64_t i = 0; i < length; i++) {
		uint64_t at = offset + i;

		if (at % 8 == 0)
			word = pattern_word(id, at / 8);
		if (buf[i] != (uint8_t)(word >> (at % 8 * 8)))
			return false;
	}
	return true;
}

/* What writer t leaves in d<t>/f<k> (the script computes the same). */
static uint32_t writer_id(uint32_t t, uint32_t k)
{
	return 100 + t * 16 + k;
}

static uint64_t writer_size(uint32_t t, uint32_t k)
{
	return 1000 + (t * 7919 + k * 104729) % 150000 +
	       (k == 0 ? 300 * 1024 : 0);
}

static uint64_t xorshift64(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

/* ---- what everyone shares ----------------------------------------------- */

struct vc_run {
	struct vfs_file *patterns[VC_PATTERNS];
	struct vfs_file *churn; /* read-only, for the reader tasks */
	long reads, timed_out, churn_reads, churn_seen[3];
	long failures;
	int first_claimed;
	char first[120]; /* the first failure, in words */
	uint32_t inflight, max_inflight, harts_seen;
	int readers_done;
	struct completion threads_done;
};

static void add(long *counter)
{
	__atomic_add_fetch(counter, 1, __ATOMIC_RELAXED);
}

static void fail(struct vc_run *run, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void fail(struct vc_run *run, const char *fmt, ...)
{
	int expected = 0;
	va_list ap;

	add(&run->failures);
	if (!__atomic_compare_exchange_n(&run->first_claimed, &expected, 1,
					 false, __ATOMIC_ACQ_REL,
					 __ATOMIC_RELAXED))
		return;
	va_start(ap, fmt);
	vsnprintf(run->first, sizeof(run->first), fmt, ap);
	va_end(ap);
}

/* ---- the reader tasks --------------------------------------------------- */

struct vc_reader {
	struct keel_int_future base;
	struct keel_async co;
	struct vc_run *run;
	uint32_t index, step, op, file;
	uint64_t rng, offset, length, want;
	int64_t r;
	uint8_t buf[VC_MAX_READ];
};

static uint64_t next(struct vc_reader *w, uint64_t bound)
{
	return xorshift64(&w->rng) % bound;
}

/* A random read of a pattern file, some across its end. */
static void pick_read(struct vc_reader *w)
{
	uint64_t size;

	w->file = (uint32_t)next(w, VC_PATTERNS);
	size = pattern_sizes[w->file];
	w->length = 1 + next(w, VC_MAX_READ);
	w->offset = next(w, 8) == 0 && size > VC_MAX_READ
			? size - next(w, VC_MAX_READ)
			: next(w, size);
	w->want = w->offset < size ? size - w->offset : 0;
	if (w->want > w->length)
		w->want = w->length;
}

static void check_read(struct vc_reader *w)
{
	add(&w->run->reads);
	if (w->r != (int64_t)w->want)
		fail(w->run, "task %u: p%u: %llu bytes at %llu gave %lld",
		     w->index, w->file, (unsigned long long)w->length,
		     (unsigned long long)w->offset, (long long)w->r);
	else if (!pattern_holds(w->buf, w->file, w->offset, w->want))
		fail(w->run, "task %u: p%u: wrong bytes in %llu at %llu",
		     w->index, w->file, (unsigned long long)w->want,
		     (unsigned long long)w->offset);
}

static void check_churn(struct vc_reader *w)
{
	struct vc_run *run = w->run;

	add(&run->churn_reads);
	if (w->r == 0)
		add(&run->churn_seen[0]);
	else if (w->r == VC_CHURN_SIZE &&
		 pattern_holds(w->buf, CHURN_A, 0, VC_CHURN_SIZE))
		add(&run->churn_seen[1]);
	else if (w->r == VC_CHURN_SIZE &&
		 pattern_holds(w->buf, CHURN_B, 0, VC_CHURN_SIZE))
		add(&run->churn_seen[2]);
	else
		fail(run,
		     "task %u: churn read gave %lld bytes, neither A nor "
		     "B nor nothing",
		     w->index, (long long)w->r);
}

/* Count a read in flight (and the most there were at once). */
static void inflight_add(struct vc_run *run)
{
	uint32_t now = __atomic_add_fetch(&run->inflight, 1, __ATOMIC_RELAXED);
	uint32_t max = __atomic_load_n(&run->max_inflight, __ATOMIC_RELAXED);

	while (now > max &&
	       !__atomic_compare_exchange_n(&run->max_inflight, &max, now, true,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

static void inflight_sub(struct vc_run *run)
{
	__atomic_sub_fetch(&run->inflight, 1, __ATOMIC_RELAXED);
}

static enum keel_poll reader_poll(struct keel_future *f,
				  struct keel_context *cx)
{
	struct vc_reader *w = (struct vc_reader *)f;
	struct vc_run *run = w->run;

	__atomic_or_fetch(&run->harts_seen, 1u << hart_id(), __ATOMIC_RELAXED);
	KEEL_ASYNC_BEGIN(&w->co);
	for (w->step = 0; w->step < VC_READS; w->step++) {
		w->op = (uint32_t)next(w, 10);
		if (w->op >= 8) {
			/* All of `churn`, as the churner rewrites it. */
			inflight_add(run);
			KEEL_AWAIT(&w->co, cx,
				   vfs_read_async(run->churn, w->buf,
						  VC_CHURN_SIZE, 0),
				   w->r);
			inflight_sub(run);
			check_churn(w);
			continue;
		}
		pick_read(w);
		inflight_add(run);
		if (w->op == 7) {
			/* Dropped (cancelled) at its first poll, most often. */
			KEEL_AWAIT(
			    &w->co, cx,
			    keel_timeout(vfs_read_async(run->patterns[w->file],
							w->buf, w->length,
							w->offset),
					 0),
			    w->r);
		} else {
			KEEL_AWAIT(&w->co, cx,
				   vfs_read_async(run->patterns[w->file],
						  w->buf, w->length, w->offset),
				   w->r);
		}
		inflight_sub(run);
		if (w->r == -ETIMEDOUT && w->op == 7)
			add(&run->timed_out);
		else
			check_read(w);
	}
	KEEL_ASYNC_END(&w->co, &w->base, w->index);
}

static void reader_drop(struct keel_future *f)
{
	keel_async_drop(&((struct vc_reader *)f)->co);
	kfree(f);
}

static const struct keel_future_vtable reader_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "kt-vfs-read",
    .poll = reader_poll,
    .drop = reader_drop,
};

static struct keel_int_future *reader_new(struct vc_run *run, uint32_t index)
{
	struct vc_reader *w = kmalloc(sizeof(*w));

	if (!w)
		return NULL;
	w->base.future.vtable = &reader_vtable;
	w->run = run;
	w->index = index;
	w->rng = VC_SEED ^ ((uint64_t)index * 0x9e3779b97f4a7c15ull);
	if (!w->rng)
		w->rng = 1;
	return &w->base;
}

/* ---- the writer threads ------------------------------------------------- */

struct vc_writer {
	struct vc_run *run;
	uint32_t t;
	uint8_t data[VC_CHURN_SIZE];
	uint8_t back[8192];
	char path[64], other[64];
};

/* Write `size` bytes of pattern `id` to f at its offset, in odd chunks. */
static int write_pattern(struct vc_writer *w, struct vfs_file *f, uint32_t id,
			 uint64_t size, uint32_t salt)
{
	uint64_t at = 0;

	for (uint32_t i = 0; at < size; i++) {
		uint64_t n = 1 + (salt * 131 + i * 2909) % sizeof(w->data);
		long done;

		if (n > size - at)
			n = size - at;
		pattern_fill(w->data, id, at, n);
		done = vfs_write(f, w->data, n);
		if (done != (long)n)
			return done < 0 ? (int)done : -EIO;
		at += n;
	}
	return 0;
}

/* Read f from its start: `size` bytes of pattern `id`, then the end. */
static int read_back(struct vc_writer *w, struct vfs_file *f, uint32_t id,
		     uint64_t size)
{
	uint64_t at = 0;
	long n;

	if (vfs_seek(f, 0, VFS_SEEK_SET) != 0)
		return -EIO;
	while ((n = vfs_read(f, w->back, sizeof(w->back))) > 0) {
		if (at + (uint64_t)n > size ||
		    !pattern_holds(w->back, id, at, (uint64_t)n))
			return -EIO;
		at += (uint64_t)n;
	}
	return n < 0 ? (int)n : at == size ? 0 : -EIO;
}

static void writer_file(struct vc_writer *w, uint32_t k)
{
	uint32_t id = writer_id(w->t, k);
	uint64_t size = writer_size(w->t, k);
	struct vfs_file *f;
	int err;

	snprintf(w->path, sizeof(w->path), VC_DIR "/d%u/tmp%u", w->t, k);
	err = vfs_open(
	    w->path, VFS_O_CREATE | VFS_O_EXCLUSIVE | VFS_O_READ | VFS_O_WRITE,
	    0644, NULL, &f);
	if (err) {
		fail(w->run, "writer %u: open %s: %d", w->t, w->path, err);
		return;
	}
	err = write_pattern(w, f, id, size, w->t * 7 + k);
	if (!err)
		err = read_back(w, f, id, size);
	if (!err && k % 2) {
		/* Unlinked while open: still readable until closed. */
		err = vfs_unlink(w->path, NULL);
		if (!err)
			err = read_back(w, f, id, size);
	}
	vfs_close(f);
	if (!err && k % 2 == 0) {
		snprintf(w->other, sizeof(w->other), VC_DIR "/d%u/f%u", w->t,
			 k);
		err = vfs_rename(w->path, w->other, NULL);
	}
	if (err)
		fail(w->run, "writer %u: %s: %d", w->t, w->path, err);
}

static void writer_main(void *arg)
{
	struct vc_writer *w = arg;
	int err;

	snprintf(w->path, sizeof(w->path), VC_DIR "/d%u", w->t);
	err = vfs_mkdir(w->path, 0755, NULL);
	if (err)
		fail(w->run, "writer %u: mkdir %s: %d", w->t, w->path, err);
	for (uint32_t k = 0; !err && k < VC_WRITER_FILES; k++) {
		writer_file(w, k);
		if (k == VC_WRITER_FILES / 2) {
			snprintf(w->other, sizeof(w->other), VC_DIR "/e%u",
				 w->t);
			if (vfs_mkdir(w->other, 0755, NULL) ||
			    vfs_rmdir(w->other, NULL))
				fail(w->run, "writer %u: mkdir/rmdir %s", w->t,
				     w->other);
		}
	}
	complete(&w->run->threads_done);
}

/* Rewrite `churn` until the readers are done, ending on CHURN_A. */
static void churner_main(void *arg)
{
	struct vc_writer *w = arg;
	struct vfs_file *f;
	uint32_t round = 0;
	int err;

	err = vfs_open(VC_DIR "/churn", VFS_O_READ | VFS_O_WRITE, 0, NULL, &f);
	if (err) {
		fail(w->run, "churner: open: %d", err);
		complete(&w->run->threads_done);
		return;
	}
	while (!err &&
	       (round < VC_CHURN_MIN || round % 2 ||
		!__atomic_load_n(&w->run->readers_done, __ATOMIC_ACQUIRE))) {
		uint32_t id = round % 2 ? CHURN_A : CHURN_B;
		long done;

		/* Two operations: the truncate, then one write of it all. */
		err = vfs_truncate(f, 0);
		if (!err && vfs_seek(f, 0, VFS_SEEK_SET) != 0)
			err = -EIO;
		if (!err) {
			pattern_fill(w->data, id, 0, VC_CHURN_SIZE);
			done = vfs_write(f, w->data, VC_CHURN_SIZE);
			if (done != VC_CHURN_SIZE)
				err = done < 0 ? (int)done : -EIO;
		}
		/* Let the readers see this version for a while too. */
		thread_sleep_ms(1);
		round++;
	}
	if (err)
		fail(w->run, "churner: round %u: %d", round, err);
	vfs_close(f);
	complete(&w->run->threads_done);
}

/* ---- the case ----------------------------------------------------------- */

static int open_all(struct ktest *t, struct vc_run *run)
{
	char path[40];
	struct keel_stat st;

	for (int f = 0; f < VC_PATTERNS; f++) {
		snprintf(path, sizeof(path), VC_DIR "/p%d", f);
		if (vfs_open(path, VFS_O_READ, 0, NULL, &run->patterns[f]) ||
		    vfs_fstat(run->patterns[f], &st) ||
		    st.size != pattern_sizes[f]) {
			ktest_note(t,
				   "%s is not the pattern file the suite "
				   "needs",
				   path);
			return -ENOENT;
		}
	}
	if (vfs_open(VC_DIR "/churn", VFS_O_READ, 0, NULL, &run->churn) ||
	    vfs_fstat(run->churn, &st) || st.size != VC_CHURN_SIZE) {
		ktest_note(t, VC_DIR "/churn is missing or of the wrong size");
		return -ENOENT;
	}
	return 0;
}

static void close_all(struct vc_run *run)
{
	for (int f = 0; f < VC_PATTERNS; f++)
		vfs_close(run->patterns[f]);
	vfs_close(run->churn);
}

static void readers_and_writers_at_once(struct ktest *t)
{
	struct keel_int_future **joins = NULL;
	struct vc_writer *writers = NULL;
	struct vc_run *run = NULL;
	struct keel_stat st;
	int spawn_failures = 0, wrong_results = 0, started = 0;

	if (vfs_stat(VC_DIR, NULL, &st) != 0) {
		ktest_skip(t, "no " VC_DIR ": tests/qemu/vfs_concurrent.t "
			      "mounts a volume made for this suite");
		return;
	}
	run = kmalloc(sizeof(*run));
	joins = kmalloc(VC_READERS * sizeof(*joins));
	writers = kmalloc((VC_WRITERS + 1) * sizeof(*writers));
	KT_EXPECT(t, run && joins && writers);
	if (!run || !joins || !writers)
		goto out;
	memset(run, 0, sizeof(*run));
	completion_init(&run->threads_done, "kt-vfs");
	KT_EXPECT_EQ(t, open_all(t, run), 0);
	if (t->failures)
		goto out_close;

	for (uint32_t i = 0; i < VC_READERS; i++)
		if (keel_spawn(NULL, reader_new(run, i), &joins[i]) != 0)
			spawn_failures++;
	KT_EXPECT_EQ(t, spawn_failures, 0);
	for (uint32_t i = 0; i <= VC_WRITERS; i++) {
		writers[i].run = run;
		writers[i].t = i;
		if (thread_create(i < VC_WRITERS ? "kt-vfs-write" : "kt-churn",
				  i < VC_WRITERS ? writer_main : churner_main,
				  &writers[i]) > 0)
			started++;
	}
	KT_EXPECT_EQ(t, started, VC_WRITERS + 1);

	for (uint32_t i = 0; i < VC_READERS; i++)
		if (joins[i])
			wrong_results += block_on(joins[i]) != (int64_t)i;
	__atomic_store_n(&run->readers_done, 1, __ATOMIC_RELEASE);
	KT_EXPECT_EQ(t, wrong_results, 0);
	for (int i = 0; i < started; i++) {
		if (completion_wait_ms(&run->threads_done, VC_WAIT_MS)) {
			/* They still use run and writers: leave them be. */
			ktest_fail(t, __FILE__, __LINE__,
				   "a writer thread never finished");
			return;
		}
	}

	KT_EXPECT_EQ(t, run->failures, 0);
	if (run->failures)
		ktest_note(t, "%ld failures; the first: %s", run->failures,
			   run->first);
	KT_EXPECT(t, run->reads > VC_READERS * VC_READS / 2);
	KT_EXPECT(t, run->churn_reads > 0);
	KT_EXPECT(t, run->max_inflight >= 32);
	if (harts_online() > 1)
		KT_EXPECT(t, __builtin_popcount(run->harts_seen) > 1);
	ktest_note(t,
		   "%d tasks: %ld reads checked, %ld dropped by a 0 ms "
		   "timeout; up to %u in flight, on harts 0x%x",
		   VC_READERS, run->reads, run->timed_out, run->max_inflight,
		   run->harts_seen);
	ktest_note(t,
		   "churn: %ld reads: %ld empty, %ld all A, %ld all B; "
		   "%d writer threads",
		   run->churn_reads, run->churn_seen[0], run->churn_seen[1],
		   run->churn_seen[2], VC_WRITERS);
out_close:
	close_all(run);
out:
	kfree(run);
	kfree(joins);
	kfree(writers);
}

static const struct ktest_case cases[] = {
    KTEST_CASE(readers_and_writers_at_once),
};
KTEST_SUITE(vfs_concurrent, cases);
