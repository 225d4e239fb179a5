/*
 * module.c - the ext2 module: its parameters and its filesystem type.
 *
 *     keel:/$ insmod /lib/modules/ext2.ko depth=32
 *     keel:/$ mount -t ext2 /dev/vda /mnt
 *     keel:/$ ls -l /mnt
 *     keel:/$ umount /mnt
 *     keel:/$ rmmod ext2
 *
 * Parameters (read at insmod):
 *   depth=N        block reads one file read keeps in flight (1..64)
 *   sync_io=1      synchronous mode: one disk request at a time for the
 *                  whole mount, and depth 1; the same code, to measure what
 *                  asynchrony buys
 *   cache_blocks=N buffers the cache keeps when nothing uses them
 *
 * While a volume is mounted the VFS holds this module, so `rmmod ext2` is
 * refused until the last umount.
 */
#include <keel/module.h>

#include "ext2.h"

static int depth = 32;
KEEL_MODULE_PARAM(depth, int, "block reads in flight per file read (1..64)");

static bool sync_io;
KEEL_MODULE_PARAM(sync_io, bool, "one disk request at a time (the baseline)");

static int cache_blocks = 1024;
KEEL_MODULE_PARAM(cache_blocks, int,
		  "blocks the cache keeps when unused (16..65536)");

uint32_t ext2_read_depth(void)
{
	return sync_io ? 1 : (uint32_t)depth;
}

bool ext2_sync_mode(void)
{
	return sync_io;
}

uint32_t ext2_cache_limit(void)
{
	return (uint32_t)cache_blocks;
}

static const struct keel_vnode_ops ext2_node_ops = {
    .size = sizeof(struct keel_vnode_ops),
    .abi_version = KEEL_VFS_ABI_VERSION,
    .lookup = ext2_lookup,
    .create = ext2_create,
    .read = ext2_read,
    .write = ext2_write,
    .truncate = ext2_truncate,
    .readdir = ext2_readdir,
    .unlink = ext2_unlink,
    .rmdir = ext2_rmdir,
    .rename = ext2_rename,
    .getattr = ext2_getattr,
    .sync = ext2_node_sync,
    .release = ext2_release,
    .symlink = ext2_symlink,
    .readlink = ext2_readlink,
};

static const struct keel_fs_type ext2_type = {
    .size = sizeof(struct keel_fs_type),
    .abi_version = KEEL_VFS_ABI_VERSION,
    .name = "ext2",
    .flags = KEEL_FS_NEEDS_DEVICE,
    .node_ops = &ext2_node_ops,
    .mount = ext2_mount,
    .unmount = ext2_unmount,
    .statfs = ext2_statfs,
    .sync = ext2_fs_sync,
    .read_node = ext2_read_node,
};

static int ext2_init(void)
{
	if (depth < 1 || depth > EXT2_DEPTH_MAX) {
		pr_err("ext2: depth must be 1..%d, not %d", EXT2_DEPTH_MAX,
		       depth);
		return -EINVAL;
	}
	if (cache_blocks < 16 || cache_blocks > 65536) {
		pr_err("ext2: cache_blocks must be 16..65536, not %d",
		       cache_blocks);
		return -EINVAL;
	}
	return vfs_register_fs(&ext2_type);
}

static void ext2_exit(void)
{
	vfs_unregister_fs(&ext2_type);
}

KEEL_MODULE(ext2, ext2_init, ext2_exit);
KEEL_MODULE_LICENSE("GPL");
KEEL_MODULE_AUTHOR("Keel developers");
KEEL_MODULE_DESCRIPTION(
    "ext2, read and written through futures: every block I/O async");
KEEL_MODULE_VERSION("1.0");
