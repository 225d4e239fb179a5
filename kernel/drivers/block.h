/*
 * block.h - block devices and block requests as the rest of the kernel
 * sees them.
 *
 * A driver registers each disk it finds as a `struct block_device` named
 * vda, vdb, ... in probe order; the kernel finds one by name with
 * block_find(), a module with keel_block_open() (keel/block.h).  Sectors
 * are 512 bytes.
 *
 * There is one way to move data: a request, which is a future.
 * block_read(), block_write() and block_flush() make one; polling it the
 * first time submits it to the driver; the driver completes it from its
 * interrupt handler with block_request_complete(), which wakes the waker of
 * the last poll; the next poll finishes it.  block_rw() is that same path
 * for kernel threads: block_on() of one of those futures.  The request's
 * life and its states are described in block_request.c.
 */
#ifndef KEEL_DRIVERS_BLOCK_H
#define KEEL_DRIVERS_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <keel/block.h>
#include <keel/future.h>

#include "lib/list.h"
#include "sync/spinlock.h"

#define SECTOR_SIZE KEEL_BLOCK_SECTOR_SIZE

enum block_op {
	BLOCK_READ,
	BLOCK_WRITE,
	BLOCK_FLUSH,
};

/* Where a request is in its life; block_request.c draws the diagram. */
enum block_request_state {
	BLOCK_REQUEST_NEW,	 /* never polled: the driver has not seen it */
	BLOCK_REQUEST_SUBMITTED, /* the driver's: waiting or in the device */
	BLOCK_REQUEST_COMPLETED, /* the driver finished it; status is final */
	BLOCK_REQUEST_CANCELLED, /* dropped while the device had it */
	BLOCK_REQUEST_FINISHED,	 /* poll returned READY */
};

struct block_device;

/*
 * One read, write or flush.  The future comes first so a
 * `struct keel_int_future *` is the request.  Allocated with its data
 * buffer by block_read/block_write/block_flush, freed exactly once: by the
 * drop, or, when the drop cancelled it while the device had it, by its
 * completion.
 */
struct block_request {
	struct keel_int_future future; /* result: 0 or -errno, once READY */
	struct block_device *dev;      /* NULL for a request refused at once */
	enum block_op op;
	uint64_t sector;   /* first sector; 0 for a flush */
	uint32_t bytes;	   /* count * SECTOR_SIZE; 0 for a flush */
	void *destination; /* a read's caller buffer, filled when READY */

	struct spinlock lock; /* guards the three fields below */
	enum block_request_state state;
	int status;		 /* from the driver: 0, -EIO or -EINVAL */
	struct keel_waker waker; /* of the most recent PENDING poll */

	/* The driver's, from submit until it completes or withdraws it: */
	struct list link;  /* in the driver's waiting or finished list */
	int slot;	   /* head descriptor in the device, -1 while waiting */
	int device_status; /* kept from the interrupt to the completion */

	uint8_t data[]; /* `bytes` long: the only memory the device touches */
};

struct block_ops {
	/*
	 * Start `req`: put it into the device, or at the end of the driver's
	 * list of requests waiting for room.  Called from a poll (thread or
	 * task context, no lock held), exactly once per request.  Cannot
	 * fail: the request was checked against the device's limits when it
	 * was made.  From then on the driver calls block_request_complete()
	 * exactly once, unless withdraw() takes the request back first.
	 */
	void (*submit)(struct block_device *dev, struct block_request *req);
	/*
	 * Take back a submitted request the device has not seen.  Returns
	 * true when `req` was still waiting for room (the driver forgets
	 * it and will not complete it), false when the device has it (its
	 * completion will come).  Called with no lock held.
	 */
	bool (*withdraw)(struct block_device *dev, struct block_request *req);
};

/*
 * Request accounting of one disk, updated with atomics by block_request.c.
 * `live` returns to where it was once every request made has been dropped
 * and every cancelled one has completed.
 */
struct block_counters {
	long live;		  /* requests allocated and not yet freed */
	long withdrawn;		  /* dropped while waiting: freed by the drop */
	long cancelled;		  /* dropped while in the device ... */
	long freed_by_completion; /* ... and freed since by their completion */
};

struct block_device {
	char name[8];	  /* "vda" */
	uint64_t sectors; /* capacity */
	int read_only;
	bool write_cache;     /* a flush must reach the device */
	uint32_t max_sectors; /* per request, <= KEEL_BLOCK_MAX_SECTORS */
	const struct block_ops *ops;
	void *driver;	  /* driver private */
	struct list link; /* in the device list */
	struct block_counters counters;
	long opens; /* keel_block_open handles not yet closed */
};

int block_register(struct block_device *dev);
/* Find by name ("vda" or "/dev/vda"); NULL when absent. */
struct block_device *block_find(const char *name);
/* Call fn for each device in registration order. */
void block_for_each(void (*fn)(struct block_device *dev, void *arg), void *arg);

/*
 * Make a request future (block_request.c).  `count` is in sectors.  They
 * return NULL only when memory ran out; a request that breaks a rule (NULL
 * dev or buffer, count 0 or above dev->max_sectors, past the end of the
 * disk, a write to a read-only disk) is a future READY at once with
 * -EINVAL or -EROFS, that never reaches the driver.  A write copies `buf`
 * before returning; a read fills `buf` in the poll that returns READY, so
 * it must stay valid until then or until the drop.  A flush on a disk
 * without write cache is READY at once with 0.
 */
struct keel_int_future *block_read(struct block_device *dev, uint64_t sector,
				   void *buf, uint32_t count);
struct keel_int_future *block_write(struct block_device *dev, uint64_t sector,
				    const void *buf, uint32_t count);
struct keel_int_future *block_flush(struct block_device *dev);

/*
 * The driver reports that `req` is done: status 0, -EIO or -EINVAL.  Any
 * context, interrupt handlers included, with no driver lock held; the
 * driver must not touch `req` afterwards (it may be freed by the time this
 * returns).  Wakes the request's waker under the request's lock (rule 6 of
 * keel/future.h); frees the request when a drop cancelled it.
 */
void block_request_complete(struct block_request *req, int status);

/*
 * Blocking read/write/flush for kernel threads: block_on() of
 * block_read/block_write/block_flush.  `bytes` must be a multiple of
 * SECTOR_SIZE (0 for a flush).  Returns 0 or a negative errno (-ENOMEM
 * when the request could not be allocated).
 */
int block_rw(struct block_device *dev, enum block_op op, uint64_t sector,
	     void *buffer, size_t bytes);

#endif /* KEEL_DRIVERS_BLOCK_H */
