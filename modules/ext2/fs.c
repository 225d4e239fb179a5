/*
 * fs.c - a mounted ext2 volume: mount, sync, statfs, unmount.
 *
 * Mounting reads and checks everything that later bounds are computed
 * from, before anything is trusted: the superblock (read straight from
 * the disk, since the block size is not known yet), then every group
 * descriptor, then the root inode.  A refusal names what is wrong in one
 * line of the log ("ext2: vda: incompatible features not supported:
 * extents") and leaves nothing allocated.  The descriptor blocks and the
 * block holding the superblock stay pinned in the cache for the life of
 * the mount: sync encodes the in-memory superblock and descriptors into
 * them and writes them back with the other dirty buffers.
 *
 * A volume mounted read-write is marked not clean (s_state loses
 * EXT2_VALID_FS) on the disk at once, and clean again by the unmount's
 * final write-back, as Linux does: e2fsck knows a crash from a clean stop.
 *
 * Time.  File times are the wall clock, keel_time_real_ns() (QEMU virt's
 * goldfish RTC, read at boot), as on Linux.  A machine without a
 * real-time clock (keel_time_real_ns() == 0) only knows the time since
 * boot; then "now" is the volume's last write or mount time plus the
 * seconds since this mount: monotonic, and never before anything already
 * on the volume.
 */
#include <keel/future_ready.h>
#include <keel/time.h>

#include "ext2.h"

uint32_t ext2_now(struct ext2_fs *fs)
{
	uint64_t real = keel_time_real_ns();

	if (real) /* ext2's 32-bit seconds: good until 2106, unsigned */
		return (uint32_t)(real / 1000000000u);
	return fs->time_base +
	       (uint32_t)((keel_now_ns() - fs->time_base_ns) / 1000000000u);
}

void ext2_report(struct ext2_fs *fs, const struct ext2_msg *m)
{
	pr_err("ext2: %s: %s", fs->device, m->text);
}

/* Encode the superblock and every descriptor into their buffers. */
static void encode_super_locked(struct ext2_fs *fs)
{
	for (uint32_t g = 0; g < fs->sb.group_count; g++) {
		uint32_t block, offset;
		struct ext2_buf *buf;

		ext2_group_desc_location(&fs->sb, g, &block, &offset);
		buf = fs->gdt[block - fs->sb.first_data_block - 1];
		ext2_group_encode(&fs->groups[g], buf->data + offset);
		ext2_buf_dirty_locked(fs, buf);
	}
	fs->sb.write_time = ext2_now(fs);
	ext2_super_encode(&fs->sb, fs->super_buf->data + fs->super_offset);
	ext2_buf_dirty_locked(fs, fs->super_buf);
	fs->super_dirty = false;
}

/* Unpin and free everything a mount holds (nothing may be in flight). */
static void free_fs(struct ext2_fs *fs)
{
	if (!fs)
		return;
	for (uint32_t i = 0; fs->gdt && i < fs->sb.gdt_blocks; i++)
		ext2_put(fs, fs->gdt[i]);
	ext2_put(fs, fs->super_buf);
	ext2_cache_destroy(fs);
	kfree(fs->gdt);
	kfree(fs->groups);
	kfree(fs->unmount_op);
	keel_block_close(fs->dev);
	kfree(fs);
}

/* ---- sync ------------------------------------------------------------------
 */

struct ext2_sync_op {
	struct keel_int_future base;
	struct keel_async co;
	struct ext2_fs *fs;
	bool locked;
	bool unmount;
	struct ext2_writeback wb;
};

static enum keel_poll sync_poll(struct keel_future *future,
				struct keel_context *cx)
{
	struct ext2_sync_op *op = (struct ext2_sync_op *)future;
	struct ext2_fs *fs = op->fs;
	int64_t r;

	KEEL_ASYNC_BEGIN(&op->co);
	KEEL_AWAIT(&op->co, cx, keel_async_mutex_lock(&fs->sync_lock), r);
	if (r < 0)
		KEEL_ASYNC_RETURN(&op->co, &op->base, r);
	op->locked = true;
	if (!fs->read_only) {
		keel_spin_lock(&fs->lock);
		if (op->unmount)
			fs->sb.state |= EXT2_VALID_FS;
		encode_super_locked(fs);
		keel_spin_unlock(&fs->lock);
	}
	KEEL_AWAIT(&op->co, cx, ext2_writeback(&op->wb, fs), r);
	op->locked = false;
	keel_async_mutex_unlock(&fs->sync_lock);
	KEEL_ASYNC_END(&op->co, &op->base, r == -EUCLEAN ? -EIO : r);
}

static void sync_drop(struct keel_future *future)
{
	struct ext2_sync_op *op = (struct ext2_sync_op *)future;

	keel_async_drop(&op->co);
	if (op->locked)
		keel_async_mutex_unlock(&op->fs->sync_lock);
	if (op->unmount)
		free_fs(op->fs);
	kfree(op);
}

static const struct keel_future_vtable sync_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "ext2-sync",
    .poll = sync_poll,
    .drop = sync_drop,
};

static struct ext2_sync_op *sync_op_new(struct ext2_fs *fs, bool unmount)
{
	struct ext2_sync_op *op = kmalloc(sizeof(*op));

	if (!op)
		return NULL;
	op->base.future.vtable = &sync_vtable;
	op->fs = fs;
	op->unmount = unmount;
	return op;
}

struct keel_int_future *ext2_fs_sync(struct keel_mount *mount)
{
	struct ext2_sync_op *op = sync_op_new(ext2_fs_of(mount), false);

	return op ? &op->base : NULL;
}

/*
 * Unmount: the last write-back (marking the volume clean), then free
 * everything when the VFS drops the future.  Its memory was set aside at
 * mount, so unmount cannot fail for lack of it.
 */
struct keel_int_future *ext2_unmount(struct keel_mount *mount)
{
	struct ext2_fs *fs = ext2_fs_of(mount);
	struct ext2_sync_op *op = fs->unmount_op;

	fs->unmount_op = NULL;
	mount->private = NULL;
	return &op->base;
}

struct keel_int_future *ext2_statfs(struct keel_mount *mount,
				    struct keel_statfs *out)
{
	struct ext2_fs *fs = ext2_fs_of(mount);
	struct keel_int_future *f = keel_future_ready(0);
	uint64_t bs = fs->sb.block_size;

	if (!f)
		return NULL;
	keel_spin_lock(&fs->lock);
	out->bytes_total = fs->sb.blocks_count * bs;
	out->bytes_free = fs->sb.free_blocks * bs;
	out->bytes_used = out->bytes_total - out->bytes_free;
	out->nodes_used = fs->sb.inodes_count - fs->sb.free_inodes;
	out->nodes_free = fs->sb.free_inodes;
	keel_spin_unlock(&fs->lock);
	out->block_size = (uint32_t)bs;
	out->name_max = EXT2_NAME_LEN;
	return f;
}

/* ---- mount ------------------------------------------------------------------
 */

struct mount_op {
	struct keel_int_future base;
	struct keel_async co;
	struct keel_mount *mount;
	struct ext2_fs *fs; /* owned until the mount succeeds */
	uint8_t raw[EXT2_SUPER_SIZE];
	uint32_t i;
	struct ext2_get get;
	struct ext2_inode_io io;
	struct ext2_inode root;
	struct ext2_writeback wb;
	struct ext2_msg msg;
};

static int64_t refuse(struct ext2_fs *fs, struct ext2_msg *m, int64_t err)
{
	ext2_report(fs, m);
	return err;
}

static enum keel_poll mount_poll(struct keel_future *future,
				 struct keel_context *cx)
{
	struct mount_op *op = (struct mount_op *)future;
	struct ext2_fs *fs = op->fs;
	int64_t r;

	KEEL_ASYNC_BEGIN(&op->co);
	KEEL_AWAIT(&op->co, cx,
		   keel_block_read(fs->dev, EXT2_SUPER_OFFSET / 512, op->raw,
				   EXT2_SUPER_SIZE / 512),
		   r);
	if (r < 0) {
		ext2_msg_set(&op->msg, "cannot read the superblock (%lld)",
			     (long long)r);
		KEEL_ASYNC_RETURN(&op->co, &op->base,
				  refuse(fs, &op->msg, -EIO));
	}
	r = ext2_super_decode(op->raw, keel_block_sectors(fs->dev) * 512,
			      &fs->sb, &op->msg);
	if (r < 0)
		KEEL_ASYNC_RETURN(&op->co, &op->base, refuse(fs, &op->msg, r));
	if (fs->sb.read_only && !fs->read_only) {
		pr_warn("ext2: %s: %s", fs->device, op->msg.text);
		fs->read_only = true;
	}
	if (fs->sb.state & EXT2_ERROR_FS)
		pr_warn("ext2: %s: errors were recorded on this volume: run "
			"e2fsck",
			fs->device);
	else if (!(fs->sb.state & EXT2_VALID_FS))
		pr_warn("ext2: %s: not cleanly unmounted: run e2fsck",
			fs->device);

	fs->groups = kmalloc(fs->sb.group_count * sizeof(*fs->groups));
	fs->gdt = kmalloc(fs->sb.gdt_blocks * sizeof(*fs->gdt));
	if (!fs->groups || !fs->gdt)
		KEEL_ASYNC_RETURN(&op->co, &op->base, -ENOMEM);
	for (op->i = 0; op->i < fs->sb.gdt_blocks; op->i++) {
		KEEL_AWAIT(&op->co, cx,
			   ext2_get(&op->get, fs,
				    fs->sb.first_data_block + 1 + op->i,
				    EXT2_GET_READ, &fs->gdt[op->i]),
			   r);
		if (r < 0)
			KEEL_ASYNC_RETURN(&op->co, &op->base, r);
	}
	for (uint32_t g = 0; g < fs->sb.group_count; g++) {
		uint32_t block, offset;

		ext2_group_desc_location(&fs->sb, g, &block, &offset);
		r = ext2_group_decode(
		    &fs->sb, g,
		    fs->gdt[block - fs->sb.first_data_block - 1]->data + offset,
		    &fs->groups[g], &op->msg);
		if (r < 0)
			KEEL_ASYNC_RETURN(&op->co, &op->base,
					  refuse(fs, &op->msg, r));
	}
	ext2_super_count_free(&fs->sb, fs->groups);
	fs->super_offset = EXT2_SUPER_OFFSET % fs->sb.block_size;
	KEEL_AWAIT(&op->co, cx,
		   ext2_get(&op->get, fs, EXT2_SUPER_OFFSET / fs->sb.block_size,
			    EXT2_GET_READ, &fs->super_buf),
		   r);
	if (r < 0)
		KEEL_ASYNC_RETURN(&op->co, &op->base, r);

	KEEL_AWAIT(&op->co, cx,
		   ext2_inode_read(&op->io, fs, EXT2_ROOT_INO, &op->root), r);
	if (r == 0 && !ext2_is_dir(&op->root)) {
		ext2_msg_set(&op->msg, "the root inode is not a directory");
		r = -EUCLEAN;
	} else if (r == -ENOENT) {
		ext2_msg_set(&op->msg, "the root inode is not in use");
	} else if (r < 0) {
		ext2_msg_set(&op->msg, "cannot read the root directory: %s",
			     op->io.msg.text);
	}
	if (r < 0)
		KEEL_ASYNC_RETURN(
		    &op->co, &op->base,
		    refuse(fs, &op->msg, r == -ENOENT ? -EUCLEAN : r));

	fs->time_base = fs->sb.write_time > fs->sb.mount_time
			    ? fs->sb.write_time
			    : fs->sb.mount_time;
	fs->time_base_ns = keel_now_ns();
	if (!fs->read_only) {
		/* Not clean until the unmount says so. */
		keel_spin_lock(&fs->lock);
		fs->sb.state &= (uint16_t)~EXT2_VALID_FS;
		fs->sb.mount_count++;
		fs->sb.mount_time = ext2_now(fs);
		encode_super_locked(fs);
		keel_spin_unlock(&fs->lock);
		KEEL_AWAIT(&op->co, cx, ext2_writeback(&op->wb, fs), r);
		if (r < 0)
			KEEL_ASYNC_RETURN(&op->co, &op->base, r);
	}
	op->mount->root_ino = EXT2_ROOT_INO;
	op->mount->private = fs;
	if (fs->read_only)
		op->mount->flags |= KEEL_MOUNT_READ_ONLY;
	pr_info("ext2: %s: mounted%s%s, %u KiB blocks, %u groups, %u free "
		"blocks, %u free inodes%s",
		fs->device, fs->sb.volume_name[0] ? " " : "",
		fs->sb.volume_name, fs->sb.block_size / 1024,
		fs->sb.group_count, fs->sb.free_blocks, fs->sb.free_inodes,
		fs->read_only ? ", read-only" : "");
	op->fs = NULL; /* the mount's now */
	KEEL_ASYNC_END(&op->co, &op->base, 0);
}

static void mount_drop(struct keel_future *future)
{
	struct mount_op *op = (struct mount_op *)future;

	keel_async_drop(&op->co);
	free_fs(op->fs); /* a mount that failed or was cancelled */
	kfree(op);
}

static const struct keel_future_vtable mount_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "ext2-mount",
    .poll = mount_poll,
    .drop = mount_drop,
};

/* Options: "" or a comma-separated list of "ro" and "rw". */
static int parse_options(const char *options, bool *read_only)
{
	while (*options) {
		size_t n = 0;

		while (options[n] && options[n] != ',')
			n++;
		if (n == 2 && options[0] == 'r' && options[1] == 'o')
			*read_only = true;
		else if (n == 2 && options[0] == 'r' && options[1] == 'w')
			*read_only = false;
		else if (n)
			return -EINVAL;
		options += n;
		if (*options == ',')
			options++;
	}
	return 0;
}

struct keel_int_future *ext2_mount(struct keel_mount *mount, const char *source,
				   const char *options)
{
	struct mount_op *op = kmalloc(sizeof(*op));
	struct ext2_fs *fs = kmalloc(sizeof(*fs));
	const char *name = source;
	struct keel_int_future *failed = NULL;
	bool read_only = (mount->flags & KEEL_MOUNT_READ_ONLY) != 0;
	size_t i;

	if (!op || !fs) {
		kfree(op);
		kfree(fs);
		return NULL;
	}
	if (parse_options(options, &read_only)) {
		pr_err("ext2: unknown mount option in '%s' (ro, rw)", options);
		failed = keel_future_ready(-EINVAL);
		goto fail;
	}
	for (const char *p = source; *p; p++)
		if (*p == '/')
			name = p + 1;
	for (i = 0; name[i] && i + 1 < sizeof(fs->device); i++)
		fs->device[i] = name[i];
	fs->device[i] = '\0';
	fs->dev = keel_block_open(source);
	if (!fs->dev) {
		pr_err("ext2: no disk named '%s'", source);
		failed = keel_future_ready(-ENODEV);
		goto fail;
	}
	keel_spin_init(&fs->lock, "ext2");
	ext2_cache_init(fs);
	fs->read_only = read_only;
	fs->unmount_op = sync_op_new(fs, true);
	if (!fs->unmount_op) {
		keel_block_close(fs->dev);
		goto fail;
	}
	op->base.future.vtable = &mount_vtable;
	op->mount = mount;
	op->fs = fs;
	return &op->base;
fail:
	kfree(op);
	kfree(fs);
	return failed;
}
