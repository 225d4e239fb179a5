/*
 * cmd_blk.c - the `blk` shell command: look at disks and exercise them.
 *
 *   blk                                 list disks with their counters
 *   blk read DEV SECTOR [COUNT]         CRC-32 and hexdump of COUNT sectors
 *   blk write DEV SECTOR COUNT BYTE     fill sectors with BYTE, then flush
 *   blk verify DEV SECTOR COUNT         CRC-32 of COUNT sectors
 *   blk stress DEV THREADS REQUESTS     concurrent random single-sector reads
 *
 * The CRC is zlib's (lib/crc32.h), so a test on the host checks the printed
 * value against `python3 -c 'import zlib; ...'` on the image file.  Large
 * ranges are moved in CHUNK_SECTORS pieces through one buffer, so COUNT may
 * be anything up to the size of the disk.
 *
 * `blk stress` is the driver's concurrency test.  It first reads a window
 * of the disk (the first STRESS_WINDOW sectors) as the reference, then
 * starts THREADS kernel threads; each reads REQUESTS random sectors of the
 * window with block_rw() and compares every one with the reference.  With
 * many threads sleeping in block_rw() at once the driver sees many requests
 * in its ring at once; the peak it observed (virtio_blk_reset_peaks before,
 * virtio_blk_get_stats after) is printed, and must be above 1.
 */
#include <keel/errno.h>
#include <stdbool.h>

#include "drivers/block.h"
#include "drivers/virtio.h"
#include "lib/crc32.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "sched/thread.h"
#include "shell/shell.h"
#include "sync/spinlock.h"
#include "sync/waitq.h"
#include "trap/timer.h"

#define CHUNK_SECTORS	    128 /* 64 KiB per request */
#define HEXDUMP_BYTES	    64
#define STRESS_WINDOW	    1024 /* sectors of reference data (512 KiB) */
#define STRESS_MAX_THREADS  64
#define STRESS_MAX_REQUESTS 100000

/* ---- argument checking (every error: one line, nothing done) ------------ */

static struct block_device *disk_arg(struct shell *sh, const char *name)
{
	struct block_device *dev = block_find(name);

	if (!dev)
		sh_error(sh, "blk", "no such device: %s", name);
	return dev;
}

/* Parse argv as a number in [min, max]; prints the error for `what`. */
static bool number_arg(struct shell *sh, const char *arg, const char *what,
		       unsigned long min, unsigned long max, unsigned long *out)
{
	if (parse_u64(arg, out) || *out < min || *out > max) {
		sh_error(sh, "blk", "%s must be a number from %lu to %lu: %s",
			 what, min, max, arg);
		return false;
	}
	return true;
}

/* Is [sector, sector + count) inside dev?  Prints the error when not. */
static bool range_arg(struct shell *sh, struct block_device *dev,
		      unsigned long sector, unsigned long count)
{
	if (sector >= dev->sectors || count > dev->sectors - sector) {
		sh_error(sh, "blk",
			 "sectors %lu+%lu are beyond the end of %s "
			 "(%lu sectors)",
			 sector, count, dev->name, (unsigned long)dev->sectors);
		return false;
	}
	return true;
}

/*
 * Parse "DEV SECTOR COUNT" from argv[2..4] (COUNT optional when
 * default_count is nonzero).  Returns the disk, or NULL after one error line.
 */
static struct block_device *range_args(struct shell *sh, int argc, char **argv,
				       unsigned long default_count,
				       unsigned long *sector,
				       unsigned long *count)
{
	struct block_device *dev = disk_arg(sh, argv[2]);

	if (!dev)
		return NULL;
	if (!number_arg(sh, argv[3], "SECTOR", 0, ~0ul, sector))
		return NULL;
	*count = default_count;
	if (argc > 4 && !number_arg(sh, argv[4], "COUNT", 1, ~0ul, count))
		return NULL;
	return range_arg(sh, dev, *sector, *count) ? dev : NULL;
}

/* ---- read, verify, write ------------------------------------------------ */

static void hexdump(struct shell *sh, const uint8_t *data, size_t len)
{
	for (size_t row = 0; row < len; row += 16) {
		char ascii[17];

		sh_printf(sh, "%08lx ", (unsigned long)row);
		for (size_t i = 0; i < 16; i++) {
			uint8_t b = data[row + i];

			sh_printf(sh, "%s%02x", i == 8 ? "  " : " ", b);
			ascii[i] = b >= 0x20 && b < 0x7f ? (char)b : '.';
		}
		ascii[16] = '\0';
		sh_printf(sh, "  |%s|\n", ascii);
	}
}

/* Sectors to move next when `left` remain: at most one chunk. */
static unsigned long chunk(unsigned long left)
{
	return left < CHUNK_SECTORS ? left : CHUNK_SECTORS;
}

/*
 * Read `count` sectors from `sector` in chunks; CRC them into *crc and keep
 * the first HEXDUMP_BYTES in `head`.  Returns 0 or the block layer's errno.
 */
static int read_range(struct block_device *dev, unsigned long sector,
		      unsigned long count, uint8_t *buffer, uint32_t *crc,
		      uint8_t *head)
{
	*crc = 0;
	for (unsigned long done = 0; done < count;) {
		unsigned long n = chunk(count - done);
		int err = block_rw(dev, BLOCK_READ, sector + done, buffer,
				   n * SECTOR_SIZE);

		if (err)
			return err;
		if (done == 0 && head)
			memcpy(head, buffer, HEXDUMP_BYTES);
		*crc = crc32_update(*crc, buffer, n * SECTOR_SIZE);
		done += n;
	}
	return 0;
}

static int blk_read_or_verify(struct shell *sh, int argc, char **argv,
			      bool dump)
{
	unsigned long sector, count;
	struct block_device *dev;
	uint8_t head[HEXDUMP_BYTES];
	uint8_t *buffer;
	uint32_t crc;
	int err;

	if (dump ? argc < 4 || argc > 5 : argc != 5)
		return sh_error(sh, "blk",
				dump ? "read expects DEV SECTOR [COUNT]"
				     : "verify expects DEV SECTOR COUNT");
	dev = range_args(sh, argc, argv, 1, &sector, &count);
	if (!dev)
		return 1;
	buffer = kmalloc(CHUNK_SECTORS * SECTOR_SIZE);
	if (!buffer)
		return sh_errno(sh, "blk", "buffer", -ENOMEM);
	err = read_range(dev, sector, count, buffer, &crc, head);
	kfree(buffer);
	if (err)
		return sh_errno(sh, "blk", dev->name, err);
	sh_printf(sh, "%s: sectors %lu..%lu (%lu bytes) crc32 0x%08x\n",
		  dev->name, sector, sector + count - 1, count * SECTOR_SIZE,
		  crc);
	if (dump)
		hexdump(sh, head, HEXDUMP_BYTES);
	return 0;
}

static int blk_write(struct shell *sh, int argc, char **argv)
{
	unsigned long sector, count, byte;
	struct block_device *dev;
	uint8_t *buffer;
	int err = 0;

	if (argc != 6)
		return sh_error(sh, "blk",
				"write expects DEV SECTOR COUNT BYTE");
	dev = range_args(sh, argc, argv, 0, &sector, &count);
	if (!dev)
		return 1;
	if (!number_arg(sh, argv[5], "BYTE", 0, 255, &byte))
		return 1;
	if (dev->read_only)
		return sh_error(sh, "blk", "%s is read-only", dev->name);
	buffer = kmalloc(CHUNK_SECTORS * SECTOR_SIZE);
	if (!buffer)
		return sh_errno(sh, "blk", "buffer", -ENOMEM);
	memset(buffer, (int)byte, CHUNK_SECTORS * SECTOR_SIZE);
	for (unsigned long done = 0; done < count && !err;) {
		unsigned long n = chunk(count - done);

		err = block_rw(dev, BLOCK_WRITE, sector + done, buffer,
			       n * SECTOR_SIZE);
		done += n;
	}
	kfree(buffer);
	if (!err)
		err = block_rw(dev, BLOCK_FLUSH, 0, NULL, 0);
	if (err)
		return sh_errno(sh, "blk", dev->name, err);
	sh_printf(sh, "%s: wrote 0x%02lx to sectors %lu..%lu, flushed\n",
		  dev->name, byte, sector, sector + count - 1);
	return 0;
}

/* ---- stress ------------------------------------------------------------- */

struct stress_run {
	struct block_device *dev;
	const uint8_t *reference; /* window sectors as read before the run */
	unsigned long window;	  /* sectors the reads choose from */
	unsigned long requests;	  /* per thread */
	struct spinlock lock;	  /* protects the two fields below */
	struct waitq finished;
	int running;	      /* threads not yet finished */
	unsigned long errors; /* failed reads + mismatches, all threads */
};

struct stress_worker {
	struct stress_run *run;
	uint64_t seed;
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

/* Thread body: `requests` random reads, each checked; then report. */
static void stress_thread(void *arg)
{
	struct stress_worker *worker = arg;
	struct stress_run *run = worker->run;
	uint8_t *buffer = kmalloc(SECTOR_SIZE);
	uint64_t state = worker->seed;
	unsigned long errors = 0;

	for (unsigned long i = 0; i < run->requests; i++) {
		const uint8_t *expected;
		unsigned long sector;

		if (!buffer) {
			errors = run->requests;
			break;
		}
		sector = xorshift64(&state) % run->window;
		expected = run->reference + sector * SECTOR_SIZE;
		if (block_rw(run->dev, BLOCK_READ, sector, buffer,
			     SECTOR_SIZE) != 0 ||
		    memcmp(buffer, expected, SECTOR_SIZE) != 0)
			errors++;
	}
	kfree(buffer);

	/* The last touch of *run: the shell returns after this unlock. */
	spin_lock(&run->lock);
	run->errors += errors;
	if (--run->running == 0)
		waitq_wake_all(&run->finished);
	spin_unlock(&run->lock);
}

static int blk_stress(struct shell *sh, int argc, char **argv)
{
	unsigned long threads, requests;
	struct virtio_blk_stats stats;
	struct stress_worker *workers;
	struct block_device *dev;
	struct stress_run run;
	uint8_t *reference;
	uint64_t started, elapsed_us;
	int err;

	if (argc != 5)
		return sh_error(sh, "blk",
				"stress expects DEV THREADS REQUESTS");
	dev = disk_arg(sh, argv[2]);
	if (!dev)
		return 1;
	if (!number_arg(sh, argv[3], "THREADS", 1, STRESS_MAX_THREADS,
			&threads) ||
	    !number_arg(sh, argv[4], "REQUESTS", 1, STRESS_MAX_REQUESTS,
			&requests))
		return 1;
	if (dev->sectors == 0)
		return sh_error(sh, "blk", "%s is empty", dev->name);

	memset(&run, 0, sizeof(run));
	run.dev = dev;
	run.window = STRESS_WINDOW;
	if (dev->sectors < run.window)
		run.window = dev->sectors;
	run.requests = requests;
	spin_init(&run.lock, "blk_stress");
	waitq_init(&run.finished, "blk_stress");

	reference = kmalloc(run.window * SECTOR_SIZE);
	workers = kmalloc(threads * sizeof(*workers));
	if (!reference || !workers) {
		kfree(reference);
		kfree(workers);
		return sh_errno(sh, "blk", "stress buffers", -ENOMEM);
	}
	/* One request: at most 512 KiB, within VIRTIO_BLK_MAX_REQUEST. */
	err = block_rw(dev, BLOCK_READ, 0, reference, run.window * SECTOR_SIZE);
	if (err) {
		kfree(reference);
		kfree(workers);
		return sh_errno(sh, "blk", dev->name, err);
	}
	run.reference = reference;

	virtio_blk_reset_peaks(dev);
	started = timer_uptime_us();
	run.running = (int)threads;
	for (unsigned long t = 0; t < threads; t++) {
		workers[t].run = &run;
		workers[t].seed = 0x9e3779b97f4a7c15ull * (t + 1);
		err = thread_create("blk_stress", stress_thread, &workers[t]);
		if (err < 0) {
			/* This thread's reads count as failed. */
			spin_lock(&run.lock);
			run.errors += requests;
			run.running--;
			spin_unlock(&run.lock);
		}
	}
	spin_lock(&run.lock);
	while (run.running > 0)
		waitq_sleep(&run.finished, &run.lock);
	spin_unlock(&run.lock);
	elapsed_us = timer_uptime_us() - started;
	kfree(workers);
	kfree(reference);

	sh_printf(sh,
		  "%s: stress %lu threads x %lu reads of sectors 0..%lu: "
		  "%lu requests, %lu errors, %lu ms\n",
		  dev->name, threads, requests, run.window - 1,
		  threads * requests, run.errors,
		  (unsigned long)(elapsed_us / 1000));
	if (virtio_blk_get_stats(dev, &stats) == 0)
		sh_printf(sh,
			  "%s: max in flight %u (queue %u), pending peak %u\n",
			  dev->name, stats.max_in_flight, stats.queue_size,
			  stats.pending_peak);
	return run.errors ? 1 : 0;
}

/* ---- list --------------------------------------------------------------- */

static void list_one(struct block_device *dev, void *arg)
{
	struct shell *sh = arg;
	struct virtio_blk_stats stats;

	sh_printf(sh, "%-5s %10lu %7lu %-3s", dev->name,
		  (unsigned long)dev->sectors,
		  (unsigned long)(dev->sectors / 2048),
		  dev->read_only ? "ro" : "rw");
	if (virtio_blk_get_stats(dev, &stats) == 0)
		sh_printf(sh, " %5u %10lu %10lu %6lu %9u %8u\n",
			  stats.queue_size, (unsigned long)stats.submitted,
			  (unsigned long)stats.completed,
			  (unsigned long)stats.errors, stats.max_in_flight,
			  stats.pending_peak);
	else
		sh_printf(sh, " %5s %10s %10s %6s %9s %8s\n", "-", "-", "-",
			  "-", "-", "-");
}

static int blk_list(struct shell *sh)
{
	sh_printf(sh, "%-5s %10s %7s %-3s %5s %10s %10s %6s %9s %8s\n", "NAME",
		  "SECTORS", "MiB", "RW", "QUEUE", "SUBMITTED", "COMPLETED",
		  "ERRORS", "MAXFLIGHT", "PENDPEAK");
	block_for_each(list_one, sh);
	return 0;
}

static int cmd_blk(struct shell *sh, int argc, char **argv)
{
	if (argc == 1)
		return blk_list(sh);
	if (strcmp(argv[1], "read") == 0)
		return blk_read_or_verify(sh, argc, argv, true);
	if (strcmp(argv[1], "verify") == 0)
		return blk_read_or_verify(sh, argc, argv, false);
	if (strcmp(argv[1], "write") == 0)
		return blk_write(sh, argc, argv);
	if (strcmp(argv[1], "stress") == 0)
		return blk_stress(sh, argc, argv);
	return sh_error(sh, "blk", "unknown subcommand: %s", argv[1]);
}
SHELL_COMMAND(blk, "blk [read|write|verify|stress DEV ...]",
	      "list disks, or: read DEV SECTOR [COUNT] (crc32 + hexdump), "
	      "write DEV SECTOR COUNT BYTE, verify DEV SECTOR COUNT (crc32), "
	      "stress DEV THREADS REQUESTS",
	      cmd_blk);
