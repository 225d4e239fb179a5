/*
 * initramfs.h - fill the root filesystem from the boot loader's initrd.
 */
#ifndef KEEL_FS_INITRAMFS_H
#define KEEL_FS_INITRAMFS_H

#include <stddef.h>

/*
 * Unpack the cpio "newc" archive [data, data + size) into the (empty) root
 * filesystem.  Always logs one line saying what happened.  Returns 0, or:
 *   -ENOENT     no initrd (data NULL or size 0): the root stays empty
 *   -EBADMSG    corrupt archive: nothing unpacked, the root stays empty
 *   -ENOTEMPTY  the root already has entries: nothing unpacked
 *   other       the VFS failed part-way (-ENOMEM...): the root is emptied
 * It never panics and never hangs, whatever the bytes are.
 */
int initramfs_unpack(const void *data, size_t size);

#endif /* KEEL_FS_INITRAMFS_H */
