/*
 * block.h - block devices as the rest of the kernel sees them.
 *
 * A driver registers each disk it finds as a `struct block_device` named
 * vda, vdb, ... in probe order.  Filesystems find a disk by name
 * (`mount -t ext2 /dev/vda /mnt` looks up "vda").  Requests are in 512-byte
 * sectors.  Submission and completion are separate: block_submit() queues a
 * request and returns at once; the driver's interrupt handler completes it and
 * calls req->done(req).  block_rw() is the blocking wrapper for threads: it
 * submits and sleeps until done.  The executor's futures build on submit/done
 * the same way.
 */
#ifndef KEEL_DRIVERS_BLOCK_H
#define KEEL_DRIVERS_BLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "lib/list.h"

#define SECTOR_SIZE 512

enum block_op {
	BLOCK_READ,
	BLOCK_WRITE,
	BLOCK_FLUSH,
};

struct block_request;
typedef void (*block_done_fn)(struct block_request *req);

struct block_request {
	enum block_op op;
	uint64_t sector;     /* first sector */
	void *buffer;        /* must stay valid until done() is called */
	size_t bytes;        /* multiple of SECTOR_SIZE; 0 for flush */
	int status;          /* set before done(): 0 or -EIO */
	block_done_fn done;  /* called once, from interrupt context */
	void *private;       /* for the submitter */
	/* Driver-owned from submit until done: */
	struct list link;
	int slot;
};

struct block_device;

struct block_ops {
	/*
	 * Queue req; returns 0, or a negative errno without calling done.
	 * Only block_submit calls this, and only with a request that passed
	 * its checks, so a driver may rely on them and checks just its own
	 * limits (its largest request, its buffer rules).
	 */
	int (*submit)(struct block_device *dev, struct block_request *req);
};

struct block_device {
	char name[8];          /* "vda" */
	uint64_t sectors;      /* capacity */
	int read_only;
	const struct block_ops *ops;
	void *driver;          /* driver private */
	struct list link;      /* in the device list */
};

int block_register(struct block_device *dev);
/* Find by name ("vda" or "/dev/vda"); NULL when absent. */
struct block_device *block_find(const char *name);
/* Call fn for each device in registration order. */
void block_for_each(void (*fn)(struct block_device *dev, void *arg), void *arg);

/*
 * Validate req, then hand it to the driver.  The checks, made here once for
 * every driver: op is BLOCK_READ, BLOCK_WRITE or BLOCK_FLUSH; a read or
 * write covers a nonzero whole number of sectors, all within dev->sectors;
 * a write is not to a read-only device.  Returns 0 (done() will be called
 * once), -EINVAL or -EROFS from those checks, or the driver's own refusal;
 * on an error done() is never called.
 */
int block_submit(struct block_device *dev, struct block_request *req);
/* Blocking read/write/flush for kernel threads; returns 0 or negative errno. */
int block_rw(struct block_device *dev, enum block_op op, uint64_t sector,
	     void *buffer, size_t bytes);

#endif /* KEEL_DRIVERS_BLOCK_H */
