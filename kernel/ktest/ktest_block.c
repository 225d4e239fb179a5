/*
 * ktest_block.c - disk I/O as futures, on a real virtio disk.
 *
 * The cases need the pattern disk that tests/qemu/block_async.t attaches
 * as vda: BLOCK_TEST_SECTORS sectors, where 64-bit word w of sector s holds
 * pattern_word(s, w) (the script computes the same function in Python).
 * A disk of another size makes every case SKIP, so `ktest` with no disk,
 * or with another disk, touches nothing.
 *
 * The one case that writes fills BLOCK_TEST_WRITE_COUNT sectors from
 * BLOCK_TEST_WRITE_BASE with the complement of the pattern, which the
 * script checks in the image file afterwards; every read avoids them.
 *
 * Some cases run many futures from one thread with a small poll loop of
 * their own (struct local_loop): each future gets a waker that marks it
 * woken and wakes the thread, and the thread polls only woken futures.
 * The loop records the order in which wakers fired, which is the order
 * the disk completed the requests in.
 *
 * Two cases need the disk to be unable to complete anything for a moment:
 * cancelling requests the device certainly has, and filling the ring so
 * that later requests must wait.  QEMU's disk is fast enough to finish a
 * request between two polls, so those cases hold every hart (struct hold):
 * one spinning kernel thread with interrupts off on each other hart, and
 * interrupts off on the test's own.  The device may finish its work, but
 * no interrupt handler runs, so no descriptor is freed and no request
 * completes until the harts are let go.
 */
#include <keel/block.h>
#include <keel/errno.h>

#include "boot/boot.h"
#include "drivers/block.h"
#include "drivers/virtio.h"
#include "exec/block_on.h"
#include "ktest/ktest.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "sched/thread.h"
#include "sync/completion.h"

#define BLOCK_TEST_SECTORS     6000 /* the size that marks the pattern disk */
#define BLOCK_TEST_READ_LIMIT  4096 /* reads stay below this sector */
#define BLOCK_TEST_WRITE_BASE  5000
#define BLOCK_TEST_WRITE_COUNT 64
#define WAIT_MS		       5000 /* generous bound for any one wait */

static uint64_t pattern_word(uint64_t sector, unsigned word)
{
	return (sector * 64 + word + 1) * 0x9e3779b97f4a7c15ull;
}

/* Number of 64-bit words of `count` sectors at `sector` that are wrong. */
static unsigned pattern_mismatches(const void *buf, uint64_t sector,
				   uint32_t count, uint64_t flip)
{
	const uint64_t *words = buf;
	unsigned bad = 0;

	for (uint32_t s = 0; s < count; s++)
		for (unsigned w = 0; w < 64; w++)
			if (words[s * 64 + w] !=
			    (pattern_word(sector + s, w) ^ flip))
				bad++;
	return bad;
}

/* The pattern disk, or NULL after marking the case skipped. */
static struct block_device *pattern_disk(struct ktest *t)
{
	struct block_device *dev = block_find("vda");

	if (!dev || dev->sectors != BLOCK_TEST_SECTORS) {
		ktest_skip(t, "needs the pattern disk of block_async.t as vda");
		return NULL;
	}
	return dev;
}

static size_t kmalloc_bytes(void)
{
	struct kmalloc_stats ks;

	kmalloc_get_stats(&ks);
	return ks.bytes_in_use;
}

static long counter(long *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

static struct virtio_blk_stats disk_stats(struct block_device *dev)
{
	struct virtio_blk_stats stats;

	memset(&stats, 0, sizeof(stats));
	virtio_blk_get_stats(dev, &stats);
	return stats;
}

/*
 * Wait until no request of dev is left and every cancelled one has been
 * freed by its completion.  Returns 0 or -ETIMEDOUT.
 */
static int wait_requests_gone(struct block_device *dev, long live_before)
{
	for (int waited = 0; waited < WAIT_MS; waited++) {
		if (counter(&dev->counters.live) == live_before &&
		    counter(&dev->counters.cancelled) ==
			counter(&dev->counters.freed_by_completion))
			return 0;
		thread_sleep_ms(1);
	}
	return -ETIMEDOUT;
}

/* ---- a poll loop for many futures on one thread ------------------------- */

struct local_loop;

struct local_task {
	struct keel_int_future *future; /* NULL once READY and dropped */
	struct local_loop *loop;
	int index;
	int woken; /* set by the waker, cleared by the loop (atomics) */
	int wakes; /* times its waker fired */
};

struct local_loop {
	struct spinlock lock; /* guards the fields below */
	struct completion wakeup;
	int *order; /* indices in the order their wakers fired */
	int nwoken;
	int refs; /* waker references alive: clones - wakes - drops */
	int capacity;
};

static struct keel_waker task_clone(const void *data);
static void task_wake(const void *data);
static void task_wake_by_ref(const void *data);
static void task_drop(const void *data);

static const struct keel_waker_vtable task_waker_vtable = {
    .size = sizeof(struct keel_waker_vtable),
    .clone = task_clone,
    .wake = task_wake,
    .wake_by_ref = task_wake_by_ref,
    .drop = task_drop,
};

static struct keel_waker task_clone(const void *data)
{
	struct local_task *task = (struct local_task *)data;

	spin_lock(&task->loop->lock);
	task->loop->refs++;
	spin_unlock(&task->loop->lock);
	return (struct keel_waker){data, &task_waker_vtable};
}

static void task_wake_by_ref(const void *data)
{
	struct local_task *task = (struct local_task *)data;
	struct local_loop *loop = task->loop;

	spin_lock(&loop->lock);
	task->wakes++;
	if (loop->nwoken < loop->capacity)
		loop->order[loop->nwoken++] = task->index;
	__atomic_store_n(&task->woken, 1, __ATOMIC_RELEASE);
	spin_unlock(&loop->lock);
	complete(&loop->wakeup);
}

static void task_wake(const void *data)
{
	task_wake_by_ref(data);
	task_drop(data);
}

static void task_drop(const void *data)
{
	struct local_task *task = (struct local_task *)data;

	spin_lock(&task->loop->lock);
	task->loop->refs--;
	spin_unlock(&task->loop->lock);
}

/* Poll one task's future with its own waker. */
static enum keel_poll task_poll(struct local_task *task)
{
	struct keel_waker waker = {task, &task_waker_vtable};
	struct keel_context cx = {sizeof(cx), 0, &waker};

	return keel_future_poll(&task->future->future, &cx);
}

/*
 * Set up `loop` and `n` tasks for it, with no futures yet, each marked
 * woken so that loop_run polls it once to start.  NULL without memory.
 */
static struct local_task *loop_tasks(struct local_loop *loop, int n)
{
	struct local_task *tasks = kmalloc(n * sizeof(*tasks));

	loop->order = kmalloc(n * sizeof(int));
	if (!tasks || !loop->order) {
		kfree(tasks);
		kfree(loop->order);
		return NULL;
	}
	spin_init(&loop->lock, "ktest_loop");
	completion_init(&loop->wakeup, "ktest_loop");
	loop->nwoken = 0;
	loop->refs = 0;
	loop->capacity = n;
	for (int i = 0; i < n; i++) {
		tasks[i].loop = loop;
		tasks[i].index = i;
		tasks[i].woken = 1; /* poll each once to start */
		tasks[i].wakes = 0;
		tasks[i].future = NULL;
	}
	return tasks;
}

/*
 * Poll every woken task until all are READY; store each result and drop
 * the future.  Returns 0, or -ETIMEDOUT when nothing woke for WAIT_MS.
 */
static int loop_run(struct local_loop *loop, struct local_task *tasks, int n,
		    int64_t *results)
{
	int left = 0;

	for (int i = 0; i < n; i++)
		left += tasks[i].future != NULL;
	while (left > 0) {
		bool polled = false;

		for (int i = 0; i < n; i++) {
			struct local_task *task = &tasks[i];

			if (!task->future ||
			    !__atomic_exchange_n(&task->woken, 0,
						 __ATOMIC_ACQUIRE))
				continue;
			polled = true;
			if (task_poll(task) == KEEL_READY) {
				results[i] = task->future->result;
				keel_future_drop(&task->future->future);
				task->future = NULL;
				left--;
			}
		}
		if (left > 0 && !polled &&
		    completion_wait_ms(&loop->wakeup, WAIT_MS))
			return -ETIMEDOUT;
	}
	return 0;
}

/* Wakes still in complete(&loop->wakeup) have returned; free the loop. */
static void loop_end(struct local_loop *loop, struct local_task *tasks)
{
	spin_lock(&loop->wakeup.lock);
	spin_unlock(&loop->wakeup.lock);
	kfree(loop->order);
	kfree(tasks);
}

/* Pairs (i, j), i < j, whose wakers fired in the opposite order. */
static int inversions(const struct local_loop *loop)
{
	int count = 0;

	for (int i = 0; i < loop->nwoken; i++)
		for (int j = i + 1; j < loop->nwoken; j++)
			count += loop->order[i] > loop->order[j];
	return count;
}

/* ---- holding every hart -------------------------------------------------- */

struct hold {
	int holding;  /* spinners spinning with interrupts off */
	int release;  /* set to let them go */
	int spinners; /* spinners started */
	struct completion gone;
};

static void hold_spinner(void *arg)
{
	struct hold *h = arg;

	irq_push();
	__atomic_add_fetch(&h->holding, 1, __ATOMIC_ACQ_REL);
	while (!__atomic_load_n(&h->release, __ATOMIC_ACQUIRE))
		__asm__ volatile("nop");
	irq_pop();
	complete(&h->gone);
}

/*
 * Occupy every other hart with a spinner, then turn interrupts off here:
 * no interrupt handler runs anywhere until hold_end().  Returns 0, or
 * -ETIMEDOUT / -ENOMEM when the spinners could not all start (then nothing
 * is held).  Between the two calls: no sleeping, no thread creation.
 */
static int hold_begin(struct hold *h)
{
	int others = harts_online() - 1;

	h->holding = 0;
	h->release = 0;
	h->spinners = 0;
	completion_init(&h->gone, "ktest_hold");
	for (int i = 0; i < others; i++)
		if (thread_create("kt-hold", hold_spinner, h) > 0)
			h->spinners++;
	for (int waited = 0;
	     h->spinners == others &&
	     __atomic_load_n(&h->holding, __ATOMIC_ACQUIRE) < others &&
	     waited < WAIT_MS;
	     waited++)
		thread_sleep_ms(1);
	if (h->spinners < others ||
	    __atomic_load_n(&h->holding, __ATOMIC_ACQUIRE) < others) {
		__atomic_store_n(&h->release, 1, __ATOMIC_RELEASE);
		for (int i = 0; i < h->spinners; i++)
			completion_wait(&h->gone);
		return h->spinners < others ? -ENOMEM : -ETIMEDOUT;
	}
	irq_push();
	return 0;
}

/*
 * Let every hart go; interrupts that waited are taken now.  Returns once
 * the spinners have exited and been freed.
 */
static void hold_end(struct hold *h)
{
	irq_pop();
	__atomic_store_n(&h->release, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < h->spinners; i++)
		completion_wait(&h->gone);
	ktest_settle(); /* the spinners' memory is back */
}

/* ---- cases -------------------------------------------------------------- */

static void open_finds_the_disk_and_close_frees_the_handle(struct ktest *t)
{
	struct block_device *dev = pattern_disk(t);
	struct keel_block_device *handle;
	size_t before = kmalloc_bytes();
	long opens;

	if (!dev)
		return;
	opens = dev->opens;
	handle = keel_block_open("vda");
	KT_EXPECT(t, handle != NULL);
	KT_EXPECT_EQ(t, dev->opens, opens + 1);
	KT_EXPECT_EQ(t, keel_block_sectors(handle), BLOCK_TEST_SECTORS);
	KT_EXPECT_EQ(t, keel_block_sector_size(handle), 512);
	keel_block_close(handle);
	KT_EXPECT_EQ(t, dev->opens, opens);
	handle = keel_block_open("/dev/vda");
	KT_EXPECT(t, handle != NULL);
	keel_block_close(handle);
	KT_EXPECT(t, keel_block_open("vdz") == NULL);
	KT_EXPECT(t, keel_block_open(NULL) == NULL);
	KT_EXPECT_EQ(t, keel_block_sectors(NULL), 0);
	keel_block_close(NULL);
	KT_EXPECT_EQ(t, kmalloc_bytes(), before);
}

static void block_on_reads_what_the_host_wrote(struct ktest *t)
{
	static const struct {
		uint64_t sector;
		uint32_t count;
	} reads[] = {
	    {0, 1},
	    {7, 3},
	    {1000, 128},
	    {BLOCK_TEST_SECTORS - 1, 1},
	    {0, KEEL_BLOCK_MAX_SECTORS},
	};
	struct block_device *dev = pattern_disk(t);
	struct keel_block_device *handle;
	uint8_t on_stack[2 * 512];
	size_t before = kmalloc_bytes();
	void *buf;

	if (!dev)
		return;
	handle = keel_block_open("vda");
	buf = kmalloc(KEEL_BLOCK_MAX_SECTORS * 512);
	KT_EXPECT(t, handle && buf);
	if (!handle || !buf) {
		keel_block_close(handle);
		kfree(buf);
		return;
	}
	for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
		memset(buf, 0, reads[i].count * 512);
		KT_EXPECT_EQ(t,
			     block_on(keel_block_read(handle, reads[i].sector,
						      buf, reads[i].count)),
			     0);
		KT_EXPECT_EQ(
		    t,
		    pattern_mismatches(buf, reads[i].sector, reads[i].count, 0),
		    0);
	}
	/* A buffer on the thread's stack is as good as any: only the request's
	 * own buffer meets the device. */
	KT_EXPECT_EQ(t, block_on(keel_block_read(handle, 42, on_stack, 2)), 0);
	KT_EXPECT_EQ(t, pattern_mismatches(on_stack, 42, 2, 0), 0);
	/* The kernel's synchronous path is the same future under block_on. */
	KT_EXPECT_EQ(t, block_rw(dev, BLOCK_READ, 3, buf, 4 * 512), 0);
	KT_EXPECT_EQ(t, pattern_mismatches(buf, 3, 4, 0), 0);
	kfree(buf);
	keel_block_close(handle);
	KT_EXPECT_EQ(t, kmalloc_bytes(), before);
}

static void bad_requests_are_refused_without_io_or_memory(struct ktest *t)
{
	struct block_device *dev = pattern_disk(t);
	struct keel_block_device *handle;
	uint64_t submitted;
	size_t before;
	uint8_t buf[512];

	if (!dev)
		return;
	handle = keel_block_open("vda");
	KT_EXPECT(t, handle != NULL);
	if (!handle)
		return;
	before = kmalloc_bytes();
	submitted = disk_stats(dev).submitted;
	KT_EXPECT_EQ(
	    t, block_on(keel_block_read(handle, BLOCK_TEST_SECTORS, buf, 1)),
	    -EINVAL);
	KT_EXPECT_EQ(t, block_on(keel_block_read(handle, 0, buf, 0)), -EINVAL);
	KT_EXPECT_EQ(t,
		     block_on(keel_block_read(handle, 0, buf,
					      KEEL_BLOCK_MAX_SECTORS + 1)),
		     -EINVAL);
	KT_EXPECT_EQ(t, block_on(keel_block_read(handle, 0, NULL, 1)), -EINVAL);
	KT_EXPECT_EQ(t, block_on(keel_block_write(NULL, 0, buf, 1)), -EINVAL);
	KT_EXPECT_EQ(t, block_on(keel_block_flush(NULL)), -EINVAL);
	KT_EXPECT_EQ(t, block_rw(dev, BLOCK_READ, 0, buf, 100), -EINVAL);
	KT_EXPECT_EQ(t, disk_stats(dev).submitted, submitted);
	KT_EXPECT_EQ(t, kmalloc_bytes(), before);
	keel_block_close(handle);
}

struct reader {
	struct block_device *dev;
	struct completion *done;
	uint64_t seed;
	int reads;
	int errors; /* failed reads and wrong data */
};

static uint64_t xorshift64(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

/* Thread body: random reads of 1..8 sectors, each with block_on. */
static void reader_thread(void *arg)
{
	struct reader *r = arg;
	uint8_t *buf = kmalloc(8 * 512);

	for (int i = 0; i < r->reads; i++) {
		uint32_t count = 1 + xorshift64(&r->seed) % 8;
		uint64_t sector =
		    xorshift64(&r->seed) % (BLOCK_TEST_READ_LIMIT - count);

		if (!buf ||
		    block_rw(r->dev, BLOCK_READ, sector, buf, count * 512) !=
			0 ||
		    pattern_mismatches(buf, sector, count, 0))
			r->errors++;
	}
	kfree(buf);
	complete(r->done);
}

#define READERS		 8
#define READS_PER_THREAD 100

static void threads_block_on_reads_concurrently(struct ktest *t)
{
	struct block_device *dev = pattern_disk(t);
	struct reader readers[READERS];
	struct completion done;
	struct virtio_blk_stats stats;
	size_t before = kmalloc_bytes();
	uint64_t reordered;
	int started = 0, errors = 0;

	if (!dev)
		return;
	completion_init(&done, "ktest_block");
	virtio_blk_reset_peaks(dev);
	reordered = disk_stats(dev).reordered;
	for (int i = 0; i < READERS; i++) {
		readers[i] =
		    (struct reader){dev, &done, 0x9e3779b97f4a7c15ull * (i + 1),
				    READS_PER_THREAD, 0};
		if (thread_create("kt-blk-read", reader_thread, &readers[i]) >
		    0)
			started++;
	}
	KT_EXPECT_EQ(t, started, READERS);
	for (int i = 0; i < started; i++)
		KT_EXPECT_EQ(t, completion_wait_ms(&done, 4 * WAIT_MS), 0);
	for (int i = 0; i < started; i++)
		errors += readers[i].errors;
	KT_EXPECT_EQ(t, errors, 0);
	stats = disk_stats(dev);
	ktest_note(t,
		   "%d reads, up to %u in flight, %lu completed out of order",
		   started * READS_PER_THREAD, stats.max_in_flight,
		   (unsigned long)(stats.reordered - reordered));
	KT_EXPECT(t, stats.max_in_flight > 1);
	ktest_settle();
	KT_EXPECT_EQ(t, kmalloc_bytes(), before);
}

#define SPREAD 32
#define ROUNDS 5

static uint32_t spread_count(int i)
{
	return i % 4 == 0 ? 64 : 1 + i % 3;
}

/*
 * One round: SPREAD reads of mixed sizes, far apart, submitted in index
 * order while nothing can complete, then run to the end.  Returns the
 * number of reads that went wrong (result, data, or not exactly one wake),
 * or -1 when the round could not run; *inverted is the number of pairs
 * whose wakes came in the opposite order to their submissions.
 */
static int spread_round(struct ktest *t, struct block_device *dev, uint8_t *buf,
			int *inverted)
{
	struct local_loop loop_storage, *loop = &loop_storage;
	struct local_task *tasks = loop_tasks(loop, SPREAD);
	int64_t results[SPREAD];
	struct hold hold;
	int bad = 0;

	if (!tasks)
		return -1;
	if (hold_begin(&hold)) {
		loop_end(loop, tasks);
		return -1;
	}
	for (int i = 0; i < SPREAD; i++) {
		tasks[i].future =
		    block_read(dev, (uint64_t)i * 100, buf + i * 64 * 512,
			       spread_count(i));
		results[i] = 1;
		tasks[i].woken = 0;
		if (!tasks[i].future || task_poll(&tasks[i]) != KEEL_PENDING)
			bad++;
	}
	hold_end(&hold);
	KT_EXPECT_EQ(t, loop_run(loop, tasks, SPREAD, results), 0);
	for (int i = 0; i < SPREAD; i++)
		bad += results[i] != 0 ||
		       pattern_mismatches(buf + i * 64 * 512, (uint64_t)i * 100,
					  spread_count(i), 0) != 0 ||
		       tasks[i].wakes != 1;
	KT_EXPECT_EQ(t, loop->nwoken, SPREAD); /* one wake per request */
	KT_EXPECT_EQ(t, loop->refs, 0);	       /* no waker reference leaked */
	*inverted = inversions(loop);
	loop_end(loop, tasks);
	return bad;
}

/*
 * The device finishes requests in its own order (QEMU runs them on a pool
 * of host threads): each request's own waker fires, once, and each gets its
 * own data.  A round in which the device happened to keep the submission
 * order proves nothing, so up to ROUNDS rounds run until one did not.
 */
static void futures_complete_in_the_order_the_disk_chooses(struct ktest *t)
{
	struct block_device *dev = pattern_disk(t);
	size_t before = kmalloc_bytes();
	int round, inverted = 0;
	uint8_t *buf;

	if (!dev)
		return;
	buf = kmalloc(SPREAD * 64 * 512);
	KT_EXPECT(t, buf != NULL);
	if (!buf)
		return;
	for (round = 1; round <= ROUNDS && inverted == 0; round++) {
		KT_EXPECT_EQ(t, spread_round(t, dev, buf, &inverted), 0);
	}
	ktest_note(t,
		   "round %d: wakes came in another order than the "
		   "submissions (%d pairs inverted)",
		   round - 1, inverted);
	KT_EXPECT(t, inverted > 0);
	kfree(buf);
	KT_EXPECT_EQ(t, kmalloc_bytes(), before);
}

#define CANCELS 32

static void cancel_in_flight_is_freed_by_its_completion(struct ktest *t)
{
	struct block_device *dev = pattern_disk(t);
	struct local_loop loop;
	struct local_task *tasks;
	struct hold hold;
	long live, cancelled, freed;
	size_t before;
	uint8_t *buf;
	int bytes_changed = 0, made = 0, pending = 0;

	if (!dev)
		return;
	buf = kmalloc(64 * 512);
	tasks = loop_tasks(&loop, CANCELS);
	KT_EXPECT(t, tasks && buf);
	if (!tasks || !buf) {
		if (tasks)
			loop_end(&loop, tasks);
		kfree(buf);
		return;
	}
	memset(buf, 0xee, 64 * 512);
	before = kmalloc_bytes();
	live = counter(&dev->counters.live);
	cancelled = counter(&dev->counters.cancelled);
	freed = counter(&dev->counters.freed_by_completion);
	/* 32 chains of 3 descriptors: all fit in the ring at once. */
	KT_EXPECT_EQ(t, hold_begin(&hold), 0);
	for (int i = 0; i < CANCELS; i++) {
		tasks[i].future = block_read(dev, (uint64_t)i * 64, buf, 64);
		if (!tasks[i].future)
			continue;
		made++;
		pending += task_poll(&tasks[i]) == KEEL_PENDING;
		keel_future_drop(&tasks[i].future->future); /* in the device */
		tasks[i].future = NULL;
	}
	hold_end(&hold);
	KT_EXPECT_EQ(t, made, CANCELS);
	KT_EXPECT_EQ(t, pending, CANCELS);
	KT_EXPECT_EQ(t, counter(&dev->counters.cancelled) - cancelled, CANCELS);
	KT_EXPECT_EQ(t, wait_requests_gone(dev, live), 0);
	KT_EXPECT_EQ(t, counter(&dev->counters.freed_by_completion) - freed,
		     CANCELS);
	KT_EXPECT_EQ(t, loop.refs, 0);	 /* drops released every waker */
	KT_EXPECT_EQ(t, loop.nwoken, 0); /* and the completions woke none */
	for (int i = 0; i < 64 * 512; i++)
		bytes_changed += buf[i] != 0xee;
	KT_EXPECT_EQ(t, bytes_changed, 0); /* nothing reached our buffer */
	KT_EXPECT_EQ(t, kmalloc_bytes(), before);
	loop_end(&loop, tasks);
	kfree(buf);
}

#define CROWD 200 /* one-sector reads: far more chains than the ring holds */

static void queue_full_requests_wait_their_turn(struct ktest *t)
{
	struct block_device *dev = pattern_disk(t);
	struct local_loop loop;
	struct local_task *tasks;
	struct virtio_blk_stats stats;
	struct hold hold;
	int64_t *results;
	long live, withdrawn, cancelled;
	size_t before;
	uint8_t *buf;
	unsigned fit;
	int bad = 0, kept = 0, made = 0, pending = 0;

	if (!dev)
		return;
	before = kmalloc_bytes();
	buf = kmalloc(CROWD * 512);
	results = kmalloc(CROWD * sizeof(*results));
	tasks = loop_tasks(&loop, CROWD);
	KT_EXPECT(t, tasks && buf && results);
	if (!tasks || !buf || !results) {
		if (tasks)
			loop_end(&loop, tasks);
		kfree(buf);
		kfree(results);
		return;
	}
	live = counter(&dev->counters.live);
	withdrawn = counter(&dev->counters.withdrawn);
	cancelled = counter(&dev->counters.cancelled);
	virtio_blk_reset_peaks(dev);
	/*
	 * Submit all while nothing can complete: the first `fit` fill the
	 * ring, the rest wait.  Every fifth is dropped right after its first
	 * poll: in the ring it is cancelled, waiting it is withdrawn.
	 */
	KT_EXPECT_EQ(t, hold_begin(&hold), 0);
	for (int i = 0; i < CROWD; i++) {
		tasks[i].future =
		    block_read(dev, (uint64_t)i * 7, buf + i * 512, 1);
		results[i] = 1;
		tasks[i].woken = 0;
		if (!tasks[i].future)
			continue;
		made++;
		pending += task_poll(&tasks[i]) == KEEL_PENDING;
		if (i % 5 == 4) {
			keel_future_drop(&tasks[i].future->future);
			tasks[i].future = NULL;
		}
	}
	stats = disk_stats(dev);
	hold_end(&hold);
	KT_EXPECT_EQ(t, made, CROWD);
	KT_EXPECT_EQ(t, pending, CROWD);
	KT_EXPECT_EQ(t, loop_run(&loop, tasks, CROWD, results), 0);
	for (int i = 0; i < CROWD; i++) {
		if (i % 5 == 4)
			continue;
		kept++;
		bad += results[i] != 0 ||
		       pattern_mismatches(buf + i * 512, (uint64_t)i * 7, 1, 0);
	}
	KT_EXPECT_EQ(t, bad, 0);
	KT_EXPECT_EQ(t, wait_requests_gone(dev, live), 0);
	withdrawn = counter(&dev->counters.withdrawn) - withdrawn;
	cancelled = counter(&dev->counters.cancelled) - cancelled;
	ktest_note(t,
		   "%d reads, ring of %u: %u in flight, %u waiting; "
		   "dropped %d: %ld in the ring, %ld waiting",
		   kept, stats.queue_size, stats.max_in_flight, stats.pending,
		   CROWD - kept, cancelled, withdrawn);
	/* A single-sector chain takes 3 descriptors. */
	fit = stats.queue_size / 3;
	KT_EXPECT_EQ(t, stats.max_in_flight, fit);
	KT_EXPECT_EQ(t, stats.in_flight, fit);
	KT_EXPECT_EQ(t, cancelled, fit / 5);
	KT_EXPECT_EQ(t, withdrawn, CROWD / 5 - fit / 5);
	KT_EXPECT_EQ(t, stats.pending, CROWD - fit - withdrawn);
	/* At rest, the driver has given back everything it was handed. */
	stats = disk_stats(dev);
	KT_EXPECT_EQ(t, stats.in_flight, 0);
	KT_EXPECT_EQ(t, stats.pending, 0);
	KT_EXPECT_EQ(t, stats.submitted, stats.completed + stats.withdrawn);
	KT_EXPECT_EQ(t, loop.refs, 0);
	loop_end(&loop, tasks);
	kfree(buf);
	kfree(results);
	KT_EXPECT_EQ(t, kmalloc_bytes(), before);
}

#define WRITERS 8

static void writes_land_and_read_back(struct ktest *t)
{
	struct block_device *dev = pattern_disk(t);
	struct keel_block_device *handle;
	struct local_loop loop;
	struct local_task *tasks;
	int64_t results[WRITERS];
	uint64_t *data;
	const uint32_t each = BLOCK_TEST_WRITE_COUNT / WRITERS;
	size_t before = kmalloc_bytes();
	int failed = 0;

	if (!dev)
		return;
	handle = keel_block_open("vda");
	data = kmalloc(BLOCK_TEST_WRITE_COUNT * 512);
	tasks = loop_tasks(&loop, WRITERS);
	KT_EXPECT(t, handle && data && tasks);
	if (!handle || !data || !tasks) {
		if (tasks)
			loop_end(&loop, tasks);
		kfree(data);
		keel_block_close(handle);
		return;
	}
	for (uint32_t s = 0; s < BLOCK_TEST_WRITE_COUNT; s++)
		for (unsigned w = 0; w < 64; w++)
			data[s * 64 + w] =
			    ~pattern_word(BLOCK_TEST_WRITE_BASE + s, w);
	/* Eight writes in flight at once, each copied in when made. */
	for (int i = 0; i < WRITERS; i++) {
		tasks[i].future =
		    keel_block_write(handle, BLOCK_TEST_WRITE_BASE + i * each,
				     data + i * each * 64, each);
		results[i] = 1;
	}
	memset(data, 0, BLOCK_TEST_WRITE_COUNT * 512);
	KT_EXPECT_EQ(t, loop_run(&loop, tasks, WRITERS, results), 0);
	for (int i = 0; i < WRITERS; i++)
		failed += results[i] != 0;
	KT_EXPECT_EQ(t, failed, 0);
	KT_EXPECT_EQ(t, block_on(keel_block_flush(handle)), 0);
	KT_EXPECT_EQ(t,
		     block_on(keel_block_read(handle, BLOCK_TEST_WRITE_BASE,
					      data, BLOCK_TEST_WRITE_COUNT)),
		     0);
	KT_EXPECT_EQ(t,
		     pattern_mismatches(data, BLOCK_TEST_WRITE_BASE,
					BLOCK_TEST_WRITE_COUNT, ~0ull),
		     0);
	loop_end(&loop, tasks);
	kfree(data);
	keel_block_close(handle);
	KT_EXPECT_EQ(t, kmalloc_bytes(), before);
}

static const struct ktest_case block_cases[] = {
    KTEST_CASE(open_finds_the_disk_and_close_frees_the_handle),
    KTEST_CASE(block_on_reads_what_the_host_wrote),
    KTEST_CASE(bad_requests_are_refused_without_io_or_memory),
    KTEST_CASE(threads_block_on_reads_concurrently),
    KTEST_CASE(futures_complete_in_the_order_the_disk_chooses),
    KTEST_CASE(cancel_in_flight_is_freed_by_its_completion),
    KTEST_CASE(queue_full_requests_wait_their_turn),
    KTEST_CASE(writes_land_and_read_back),
};
KTEST_SUITE(block, block_cases);
