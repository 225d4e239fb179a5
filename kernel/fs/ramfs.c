/*
 * ramfs.c - the built-in RAM filesystem: kernel/fs/ramfs_core/ under the
 * name "ramfs".
 *
 * The root filesystem must exist before any module can be loaded (the
 * modules themselves are files in it), so the kernel compiles the RAM
 * filesystem core in and registers it here; modules/memfs/ compiles the
 * very same files into memfs.ko and registers them as "memfs".  Nothing
 * else differs between the two.
 */
#include "fs/ramfs.h"

const struct keel_fs_type ramfs_fs_type = RAMFS_FS_TYPE("ramfs");
