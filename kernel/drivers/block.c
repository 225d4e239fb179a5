/*
 * block.c - the block device list and the blocking request wrapper.
 *
 * block_rw() shows the split the executor will reuse: the request is
 * submitted, the caller sleeps on a wait queue, and the driver's completion
 * callback (in interrupt context) records the status and wakes it.
 */
#include <keel/errno.h>

#include "drivers/block.h"
#include "lib/string.h"
#include "sync/completion.h"
#include "sync/spinlock.h"

static struct list devices = LIST_INIT(devices);
static struct spinlock devices_lock = SPINLOCK_INIT("block_devices");

int block_register(struct block_device *dev)
{
	if (block_find(dev->name))
		return -EEXIST;
	spin_lock(&devices_lock);
	list_push_back(&devices, &dev->link);
	spin_unlock(&devices_lock);
	return 0;
}

struct block_device *block_find(const char *name)
{
	struct block_device *found = NULL;
	struct list *pos;

	if (strncmp(name, "/dev/", 5) == 0)
		name += 5;
	spin_lock(&devices_lock);
	list_for_each(pos, &devices) {
		struct block_device *dev = container_of(pos, struct block_device, link);
		if (strcmp(dev->name, name) == 0) {
			found = dev;
			break;
		}
	}
	spin_unlock(&devices_lock);
	return found;
}

void block_for_each(void (*fn)(struct block_device *dev, void *arg), void *arg)
{
	struct list *pos;

	/* Devices are only ever added, so walking without the lock after
	 * reading each next pointer under it is safe. */
	for (pos = devices.next; pos != &devices;) {
		struct list *next;

		fn(container_of(pos, struct block_device, link), arg);
		spin_lock(&devices_lock);
		next = pos->next;
		spin_unlock(&devices_lock);
		pos = next;
	}
}

/*
 * The checks every driver would otherwise repeat: a known op, and for a
 * read or write a whole number of sectors, inside the disk, not written
 * to a read-only disk.  Returns 0, -EINVAL or -EROFS.
 */
static int request_check(const struct block_device *dev,
			 const struct block_request *req)
{
	switch (req->op) {
	case BLOCK_READ:
	case BLOCK_WRITE:
		if (req->bytes == 0 || req->bytes % SECTOR_SIZE)
			return -EINVAL;
		if (req->sector > dev->sectors ||
		    req->bytes / SECTOR_SIZE > dev->sectors - req->sector)
			return -EINVAL;
		if (req->op == BLOCK_WRITE && dev->read_only)
			return -EROFS;
		return 0;
	case BLOCK_FLUSH:
		return 0;
	default:
		return -EINVAL;
	}
}

int block_submit(struct block_device *dev, struct block_request *req)
{
	int err = request_check(dev, req);

	if (err)
		return err;
	return dev->ops->submit(dev, req);
}

static void rw_done(struct block_request *req)
{
	complete(req->private);
}

int block_rw(struct block_device *dev, enum block_op op, uint64_t sector,
	     void *buffer, size_t bytes)
{
	struct completion c;
	struct block_request req = {
		.op = op,
		.sector = sector,
		.buffer = buffer,
		.bytes = bytes,
		.done = rw_done,
		.private = &c,
	};
	int err;

	completion_init(&c, "block_rw");
	err = block_submit(dev, &req);
	if (err)
		return err;
	completion_wait(&c);
	return req.status;
}
