/*
 * memfs.c - the RAM filesystem as a loadable module.
 *
 *     keel:/$ insmod /lib/modules/memfs.ko
 *     keel:/$ mkdir /m
 *     keel:/$ mount -t memfs -o size=1M none /m
 *     keel:/$ echo hello > /m/greeting
 *     keel:/$ rmmod memfs
 *     rmmod: ERROR: Module memfs is in use by mounts
 *     keel:/$ umount /m
 *     keel:/$ rmmod memfs
 *
 * memfs is the kernel's own ramfs compiled a second time: the Makefile
 * builds the files that modules/memfs/sources lists
 * (kernel/fs/ramfs_core/, written against <keel/...> only) into this
 * module, and this file registers them under the name "memfs".  So the
 * filesystem the root lives on is also the example of a filesystem module
 * to read: start at kernel/fs/ramfs_core/ramfs_core.h.
 *
 * A module's whole job towards the VFS is what this file does: fill in a
 * struct keel_fs_type (RAMFS_FS_TYPE gives the same one the kernel uses,
 * renamed), register it in init and unregister it in exit.  Each mount of
 * the type holds a reference on the module, which is why rmmod refuses it
 * while mounted.
 */
#include <keel/errno.h>
#include <keel/log.h>
#include <keel/module.h>

#include "ramfs_core.h"

static _Bool forget_unregister;
KEEL_MODULE_PARAM(forget_unregister, bool,
		  "leave the type registered at exit, to see rmmod clean up");

static const struct keel_fs_type memfs_type = RAMFS_FS_TYPE("memfs");

static int memfs_init(void)
{
	return vfs_register_fs(&memfs_type);
}

static void memfs_exit(void)
{
	int err;

	if (forget_unregister)
		return; /* the kernel unregisters it for us, and warns */
	err = vfs_unregister_fs(&memfs_type);
	if (err) /* cannot happen: a mount would have held the module */
		pr_err("memfs: unregistering failed: %d", err);
}

KEEL_MODULE(memfs, memfs_init, memfs_exit);
KEEL_MODULE_LICENSE("GPL");
KEEL_MODULE_AUTHOR("Keel developers");
KEEL_MODULE_DESCRIPTION(
    "the RAM filesystem as a module: the example of <keel/vfs.h>");
KEEL_MODULE_VERSION("1.1");
