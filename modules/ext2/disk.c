/*
 * disk.c - one block read or written, as a disk future.
 *
 * Normally that is simply keel_block_read / keel_block_write of the
 * block's sectors (keel/block.h): the disk takes as many as it likes at
 * once.  In synchronous mode (`sync_io=1`), the baseline the benchmark
 * measures asynchrony against, every request first takes fs->io_lock, an
 * asynchronous mutex: one request of the mount at the disk at a time,
 * whoever asks.  The wrapper copies a write's data when it is made, as
 * keel_block_write does, so the caller's buffer may change at once.
 *
 * Only the cache (cache.c) reads and only writeback.c writes: every
 * block goes through a cached buffer, which is what keeps a block's
 * reads and writes in order (see writeback.c).
 */
#include "ext2.h"

struct disk_io {
	struct keel_int_future base;
	struct keel_async co;
	struct ext2_fs *fs;
	uint32_t block;
	void *data;    /* read: the caller's buffer */
	uint8_t *copy; /* write: the data, copied when made */
	bool locked;
};

static enum keel_poll disk_io_poll(struct keel_future *future,
				   struct keel_context *cx)
{
	struct disk_io *io = (struct disk_io *)future;
	struct ext2_fs *fs = io->fs;
	int64_t r;

	KEEL_ASYNC_BEGIN(&io->co);
	KEEL_AWAIT(&io->co, cx, keel_async_mutex_lock(&fs->io_lock), r);
	if (r < 0)
		KEEL_ASYNC_RETURN(&io->co, &io->base, r);
	io->locked = true;
	if (io->copy)
		KEEL_AWAIT(&io->co, cx,
			   keel_block_write(fs->dev, ext2_sector(fs, io->block),
					    io->copy, fs->sb.block_size / 512),
			   r);
	else
		KEEL_AWAIT(&io->co, cx,
			   keel_block_read(fs->dev, ext2_sector(fs, io->block),
					   io->data, fs->sb.block_size / 512),
			   r);
	io->locked = false;
	keel_async_mutex_unlock(&fs->io_lock);
	KEEL_ASYNC_END(&io->co, &io->base, r);
}

static void disk_io_drop(struct keel_future *future)
{
	struct disk_io *io = (struct disk_io *)future;

	keel_async_drop(&io->co);
	if (io->locked)
		keel_async_mutex_unlock(&io->fs->io_lock);
	kfree(io->copy);
	kfree(io);
}

static const struct keel_future_vtable disk_io_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "ext2-disk-io",
    .poll = disk_io_poll,
    .drop = disk_io_drop,
};

static struct keel_int_future *disk_io(struct ext2_fs *fs, uint32_t block,
				       void *data, const void *write)
{
	struct disk_io *io = kmalloc(sizeof(*io));

	if (!io)
		return NULL;
	io->base.future.vtable = &disk_io_vtable;
	io->fs = fs;
	io->block = block;
	io->data = data;
	if (write) {
		io->copy = kmalloc(fs->sb.block_size);
		if (!io->copy) {
			kfree(io);
			return NULL;
		}
		memcpy(io->copy, write, fs->sb.block_size);
	}
	return &io->base;
}

struct keel_int_future *ext2_disk_read(struct ext2_fs *fs, uint32_t block,
				       void *data)
{
	if (ext2_sync_mode())
		return disk_io(fs, block, data, NULL);
	return keel_block_read(fs->dev, ext2_sector(fs, block), data,
			       fs->sb.block_size / 512);
}

struct keel_int_future *ext2_disk_write(struct ext2_fs *fs, uint32_t block,
					const void *data)
{
	if (ext2_sync_mode())
		return disk_io(fs, block, NULL, data);
	return keel_block_write(fs->dev, ext2_sector(fs, block), data,
				fs->sb.block_size / 512);
}
