/*
 * test_ext2_harness.h - the ext2 module on the host: a disk and a small
 * executor around the module's real code.
 *
 * The disk (keel/block.h over an image in memory) queues every request
 * and completes them only when the executor has nothing else to do, in a
 * seeded random order, waking each request's waker as an interrupt
 * would.  The executor runs several operation futures at once: it polls
 * whichever has been woken, and when none has, completes one disk
 * request.  If nothing is woken and nothing is in flight while an
 * operation is still PENDING, a wakeup was lost: the harness reports it
 * as a failure instead of hanging.  After every poll it checks that no
 * spinlock is still held (never across an await).
 *
 * The VFS's part is played by hand: a test makes the vnodes (one per
 * inode), calls the operation tables, and runs namespace operations one
 * at a time as the VFS would.
 */
#ifndef KEEL_TESTS_EXT2_HARNESS_H
#define KEEL_TESTS_EXT2_HARNESS_H

#include <stdbool.h>
#include <stdint.h>

#include <keel/block.h>
#include <keel/vfs.h>

/* ---- the disk ------------------------------------------------------------ */

struct hdisk {
	uint8_t *image;
	uint64_t bytes;
	bool eager;	      /* complete at the first poll (for block_on) */
	uint64_t seed;	      /* completion order */
	uint64_t fail_sector; /* a read or write touching it fails (-EIO); 0 */
	/* Counters since the last hdisk_reset_counts. */
	unsigned reads, writes, flushes, cancelled;
	unsigned inflight, max_inflight;
	unsigned *reads_of_block; /* per 512-byte sector's first read... */
	uint32_t block_size;	  /* ...counted per block of this size */
	uint64_t blocks_counted;
};

extern struct hdisk hdisk;

/* Put an image (taken over) on "vda". */
void hdisk_attach(uint8_t *image, uint64_t bytes);
/* Forget the image; returns it (the caller frees it). */
uint8_t *hdisk_detach(void);
/* Count reads per block of `block_size` bytes from now on. */
void hdisk_count_blocks(uint32_t block_size);
void hdisk_reset_counts(void);
/* Requests queued and not completed. */
unsigned hdisk_queued(void);
/* Complete one queued request (chosen by the seed); false if none. */
bool hdisk_complete_one(void);

/* ---- the executor ----------------------------------------------------------
 */

#define HX_TASKS_MAX 128

struct hx_task {
	struct keel_int_future *future; /* NULL once READY and dropped */
	int64_t result;
	bool woken;
	bool done;
	unsigned polls;
};

/*
 * Run every task until READY.  Returns 0, or -1 after reporting a lost
 * wakeup or a spinlock held across a PENDING return.  `cancel_after`
 * (if not 0) drops task `cancel_index` while PENDING after that many
 * polls of it, to test cancellation.
 */
int hx_run(struct hx_task *tasks, unsigned n);
int hx_run_cancelling(struct hx_task *tasks, unsigned n, unsigned index,
		      unsigned after_polls);

/*
 * Run two tasks, one of them favoured: tasks[first] while it has been
 * polled fewer than `turns` times, then the other.  The favoured task is
 * polled whenever it is woken, the other only while the favoured one
 * waits, and the disk completes a request only when neither is woken.  So
 * `turns` = 1, 2, ... makes each await point of tasks[first] in turn the
 * one where the other task runs as far as it can.  Returns as hx_run.
 */
int hx_run_pair(struct hx_task tasks[2], unsigned first, unsigned turns);

/* keel_time_real_ns() is the host's clock, or 0 (no RTC) when set. */
extern bool hx_no_wall_clock;

/* One future, run alone: its result (-ENOMEM for NULL). */
int64_t hx_block_on(struct keel_int_future *f);

/* ---- the VFS's part
 * ---------------------------------------------------------- */

extern const struct keel_fs_type *hx_fs_type; /* what the module registered */

struct hx_mount {
	struct keel_mount mount;
	struct keel_vnode *vnodes[4096]; /* by ino, while held */
};

/* The module's parameters, as `insmod ext2.ko depth=.. sync_io=..` sets. */
void hx_params(int depth, bool sync_io, int cache_blocks);

/* insmod: the module's init (registers the type). */
int hx_load_module(void);
void hx_unload_module(void);

int hx_mount(struct hx_mount *m, const char *source, const char *options);
int hx_unmount(struct hx_mount *m);

/* The vnode of `ino`, read_node'd on first use (held until unmount). */
struct keel_vnode *hx_vnode(struct hx_mount *m, uint64_t ino);
/* Drop the vnode of `ino` (release), as the VFS does at its last ref. */
int hx_release(struct hx_mount *m, uint64_t ino);
/* Resolve an absolute path with lookup; 0 and *ino, or an error. */
int hx_resolve(struct hx_mount *m, const char *path, uint64_t *ino);

#endif /* KEEL_TESTS_EXT2_HARNESS_H */
