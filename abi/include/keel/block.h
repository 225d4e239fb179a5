/*
 * keel/block.h - disks, and reading and writing them with futures.
 *
 * A module opens a disk by name, then asks for sectors.  Every transfer is
 * a future (keel/future.h): creating it does nothing yet; the first poll
 * hands the request to the disk and returns KEEL_PENDING; the disk's
 * interrupt completes it, in whatever order the disk finishes requests, and
 * wakes the waker of that request's most recent poll; the next poll copies
 * the data out and returns KEEL_READY.  Inside the kernel block_on() drives
 * such a future to the end on a kernel thread; an executor task awaits it.
 *
 *     struct keel_block_device *disk = keel_block_open("vda");
 *     struct keel_int_future *f = keel_block_read(disk, 0, buf, 1);
 *     ...poll f until KEEL_READY (or drop it to cancel)...
 *     if (f->result < 0) ...;        // -EIO, -EINVAL, ...
 *     keel_future_drop(&f->future);  // frees f
 *     keel_block_close(disk);
 *
 * Buffers and cancellation
 *
 *   The disk never transfers into or out of the caller's memory.  Each
 *   request owns a buffer of its own, allocated with it; the disk reads and
 *   writes only that.  keel_block_write copies the caller's data in before
 *   it returns, so `buf` may be reused at once.  keel_block_read copies into
 *   `buf` during the poll that returns KEEL_READY, so `buf` must stay valid
 *   until the future is READY or dropped, and is never touched after.
 *
 *   Dropping a future that is not READY cancels it, and is always safe: a
 *   request still waiting for room in the disk's queue is freed at once; a
 *   request the disk already has is marked cancelled and freed by its own
 *   completion, so the disk never writes into memory that was given back.
 *   The caller's buffer is not written after the drop.
 *
 * Futures
 *
 *   Functions returning `struct keel_int_future *` return NULL only when
 *   memory ran out.  Anything else that is wrong (a NULL disk or buffer, a
 *   count of 0 or above KEEL_BLOCK_MAX_SECTORS, sectors past the end of the
 *   disk, a write to a read-only disk) gives a future that is READY on its
 *   first poll with result -EINVAL (-EROFS for the read-only write), and
 *   no request reaches the disk.  The caller always drops the future once,
 *   READY or not (keel_future_drop), which frees it.  Result: 0 when the
 *   transfer is complete, -EIO when the disk reported an error, -EINVAL
 *   when the disk refused the request as unsupported.
 *
 *   When more requests are outstanding than the disk's queue holds, the
 *   others wait in submission order and enter the queue as earlier ones
 *   complete: a request never fails for lack of room.
 *
 * Every function may be called from thread or task context; the futures
 * may be polled and dropped from any of them, never from an interrupt.
 *
 * Since ABI 1.1.
 */
#ifndef KEEL_BLOCK_H
#define KEEL_BLOCK_H

#include <stdint.h>

#include <keel/future.h>

/* Bytes per sector: every sector number and count below is in these. */
#define KEEL_BLOCK_SECTOR_SIZE 512u

/* Most sectors one read or write may move (1 MiB). */
#define KEEL_BLOCK_MAX_SECTORS 2048u

/*
 * An open disk (opaque).  Each keel_block_open gives a new handle, which
 * keel_block_close frees; the disk itself lives as long as the kernel, so a
 * future made through a handle stays valid after the handle is closed.
 */
struct keel_block_device;

/*
 * Open the disk `name` ("vda", "vdb", ...; "/dev/vda" works too).  Returns
 * a handle, or NULL when there is no such disk, `name` is NULL, or memory
 * ran out.
 */
struct keel_block_device *keel_block_open(const char *name);

/* Release a handle from keel_block_open; NULL does nothing. */
void keel_block_close(struct keel_block_device *dev);

/* The disk's capacity in sectors (0 for a NULL handle). */
uint64_t keel_block_sectors(struct keel_block_device *dev);

/* Bytes per sector: KEEL_BLOCK_SECTOR_SIZE, for every disk. */
uint32_t keel_block_sector_size(struct keel_block_device *dev);

/*
 * Read `count` sectors starting at `sector` into `buf` (count * 512 bytes).
 * `buf` is written only by the poll that returns KEEL_READY with result 0.
 */
struct keel_int_future *keel_block_read(struct keel_block_device *dev,
					uint64_t sector, void *buf,
					uint32_t count);

/*
 * Write `count` sectors from `buf` starting at `sector`.  The data is
 * copied before this returns; the write happens when the future is polled.
 * Written sectors may sit in the disk's write cache until a flush.
 */
struct keel_int_future *keel_block_write(struct keel_block_device *dev,
					 uint64_t sector, const void *buf,
					 uint32_t count);

/*
 * Make every write that completed before this future was first polled
 * durable.  On a disk without a write cache it is READY at once with 0.
 */
struct keel_int_future *keel_block_flush(struct keel_block_device *dev);

/*
 * No struct crosses this interface by value: the disk is opaque and the
 * futures are struct keel_int_future (laid out in keel/future.h).  What is
 * pinned here are the constants a module compiles in.
 */
_Static_assert(KEEL_BLOCK_SECTOR_SIZE == 512, "sectors are 512 bytes");
_Static_assert((uint64_t)KEEL_BLOCK_MAX_SECTORS *KEEL_BLOCK_SECTOR_SIZE ==
		   1024 * 1024,
	       "one request moves at most 1 MiB");

#endif /* KEEL_BLOCK_H */
