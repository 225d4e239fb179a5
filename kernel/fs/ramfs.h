/*
 * ramfs.h - the built-in RAM filesystem, as the rest of the kernel sees it.
 *
 * The filesystem itself is kernel/fs/ramfs_core/, one source compiled both
 * into the kernel and into memfs.ko (see ramfs_core.h); this is the
 * kernel's registration of it under the name "ramfs".  vfs_init registers
 * the type at boot and vfs_mount_root mounts one instance as the root,
 * which initramfs_unpack then fills, all before any module can load.
 */
#ifndef KEEL_FS_RAMFS_H
#define KEEL_FS_RAMFS_H

#include <keel/vfs.h>

#include "fs/ramfs_core/ramfs_core.h"

extern const struct keel_fs_type ramfs_fs_type;

#endif /* KEEL_FS_RAMFS_H */
