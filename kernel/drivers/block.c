/*
 * block.c - the block device list, the blocking wrapper, and the disks as
 * modules see them (keel/block.h).
 *
 * Disks are registered once by their driver and live as long as the
 * kernel.  A module reaches one through a handle, `struct keel_block_device`,
 * which only this file defines: keel_block_open allocates it and
 * keel_block_close frees it, so a module that forgets to close shows up in
 * `meminfo` like any other leak, and the disk counts its open handles.
 *
 * block_rw() is how kernel threads (the shell's `blk` command) do I/O: it
 * makes the same request future a module gets and runs it with block_on().
 * There is no other path to the driver.
 */
#include <keel/errno.h>

#include "drivers/block.h"
#include "exec/block_on.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "module/export.h"
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
	list_for_each (pos, &devices) {
		struct block_device *dev =
		    container_of(pos, struct block_device, link);
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

int block_rw(struct block_device *dev, enum block_op op, uint64_t sector,
	     void *buffer, size_t bytes)
{
	size_t count = bytes / SECTOR_SIZE;

	if (bytes % SECTOR_SIZE || count > UINT32_MAX)
		return -EINVAL;
	switch (op) {
	case BLOCK_READ:
		return (int)block_on(
		    block_read(dev, sector, buffer, (uint32_t)count));
	case BLOCK_WRITE:
		return (int)block_on(
		    block_write(dev, sector, buffer, (uint32_t)count));
	case BLOCK_FLUSH:
		return bytes ? -EINVAL : (int)block_on(block_flush(dev));
	}
	return -EINVAL;
}

/* ---- keel/block.h ------------------------------------------------------- */

/* An open disk: what keel_block_open hands a module. */
struct keel_block_device {
	struct block_device *dev;
};

struct keel_block_device *keel_block_open(const char *name)
{
	struct block_device *dev = name ? block_find(name) : NULL;
	struct keel_block_device *handle;

	if (!dev)
		return NULL;
	handle = kmalloc(sizeof(*handle));
	if (!handle)
		return NULL;
	handle->dev = dev;
	__atomic_fetch_add(&dev->opens, 1, __ATOMIC_RELAXED);
	return handle;
}
KEEL_EXPORT(keel_block_open, 1);

void keel_block_close(struct keel_block_device *handle)
{
	if (!handle)
		return;
	__atomic_fetch_sub(&handle->dev->opens, 1, __ATOMIC_RELAXED);
	kfree(handle);
}
KEEL_EXPORT(keel_block_close, 1);

uint64_t keel_block_sectors(struct keel_block_device *handle)
{
	return handle ? handle->dev->sectors : 0;
}
KEEL_EXPORT(keel_block_sectors, 1);

uint32_t keel_block_sector_size(struct keel_block_device *handle)
{
	return KEEL_BLOCK_SECTOR_SIZE;
}
KEEL_EXPORT(keel_block_sector_size, 1);

struct keel_int_future *keel_block_read(struct keel_block_device *handle,
					uint64_t sector, void *buf,
					uint32_t count)
{
	return block_read(handle ? handle->dev : NULL, sector, buf, count);
}
KEEL_EXPORT(keel_block_read, 1);

struct keel_int_future *keel_block_write(struct keel_block_device *handle,
					 uint64_t sector, const void *buf,
					 uint32_t count)
{
	return block_write(handle ? handle->dev : NULL, sector, buf, count);
}
KEEL_EXPORT(keel_block_write, 1);

struct keel_int_future *keel_block_flush(struct keel_block_device *handle)
{
	return block_flush(handle ? handle->dev : NULL);
}
KEEL_EXPORT(keel_block_flush, 1);
