/*
 * vfs.h - the virtual filesystem as the rest of the kernel uses it.
 *
 * One tree of names, starting at "/", stitched together from mounted
 * filesystems.  The root is a ramfs filled from the initramfs at boot;
 * `mount -t ext2 vda /mnt` grafts another filesystem's root over /mnt.
 * Filesystems themselves plug in below through <keel/vfs.h>.
 *
 * Paths.  Absolute ("/etc/motd") or relative to a current directory
 * (`struct vfs_cwd`, which the shell owns; NULL means the root).  "." and
 * ".." work everywhere, ".." leads from a mounted root back to the directory
 * it covers, and ".." at "/" stays at "/".  Repeated slashes count as one.
 * A trailing slash demands a directory (-ENOTDIR otherwise).  A component
 * longer than KEEL_NAME_MAX or a path of KEEL_PATH_MAX bytes or more gives
 * -ENAMETOOLONG; a file used as a directory gives -ENOTDIR; an empty path
 * gives -ENOENT.
 *
 * Symbolic links.  A link met in the middle of a path is followed: its
 * target is resolved from the directory holding the link (from the root
 * when it starts with '/') and the rest of the path goes on from there.
 * A link as the last component is followed too, except by the calls that
 * act on the name itself: vfs_lstat, vfs_readlink, vfs_unlink, vfs_rename,
 * vfs_mkdir and vfs_symlink (a trailing slash, "link/", always follows).
 * A resolution follows 40 links at most, then -ELOOP ("Too many levels of
 * symbolic links"); a link to nothing gives -ENOENT where followed.
 *
 * Errors.  Every function returns 0 (or a byte count) or a negative errno,
 * and a failing call changes nothing.  Common ones: -ENOENT no such name,
 * -EEXIST name taken, -EISDIR / -ENOTDIR wrong node type, -EBUSY something
 * still uses it, -EROFS read-only mount, -EXDEV rename across mounts,
 * -ENODEV unknown filesystem type, -EBADF file not open for that.
 *
 * Removing names in use.  Unlinking an open file removes the name at once;
 * the open file stays readable and writable until its last close, then the
 * data is freed (Unix semantics).  A directory that is open or is someone's
 * current directory cannot be removed (-EBUSY), so a current directory
 * always has a path and `pwd` always works.
 *
 * Threads.  Any kernel thread may call these functions (they may sleep:
 * each filesystem operation they make is a future run by block_on).  A
 * `struct vfs_file` or `struct vfs_cwd` belongs to one thread at a time.
 * Nothing here may be called from an interrupt handler, and only
 * vfs_read_async from inside a future's poll.
 *
 * Concurrency.  Operations that resolve paths or change names run one at a
 * time (the namespace lock); reads, writes, truncates, fstat, fsync and
 * readdir on open files run alongside them and each other, any number on
 * one file.  <keel/vfs.h> says what filesystems are promised.
 */
#ifndef KEEL_FS_VFS_H
#define KEEL_FS_VFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <keel/vfs.h>

struct vfs_node;
struct vfs_file;
struct module;

/* Longest mount source ("vda", "none") kept by the mount table. */
#define VFS_SOURCE_MAX 63

/* vfs_open flags.  At least one of READ, WRITE or DIRECTORY is required. */
#define VFS_O_READ 0x01u      /* vfs_read allowed */
#define VFS_O_WRITE 0x02u     /* vfs_write / vfs_truncate allowed */
#define VFS_O_APPEND 0x04u    /* every write goes to the end (needs WRITE) */
#define VFS_O_CREATE 0x08u    /* create the file if the name is free */
#define VFS_O_EXCLUSIVE 0x10u /* with CREATE: -EEXIST if it exists */
#define VFS_O_TRUNCATE 0x20u  /* cut to 0 bytes on open (needs WRITE) */
#define VFS_O_DIRECTORY 0x40u /* must be a directory; for vfs_readdir */

/* vfs_seek whence */
#define VFS_SEEK_SET 0
#define VFS_SEEK_CUR 1
#define VFS_SEEK_END 2

/*
 * A current directory.  Treat as opaque: it holds a reference that keeps
 * the directory (and its mount) in place.  node == NULL means "the root".
 */
struct vfs_cwd {
	struct vfs_node *node;
};

/* ---- setup and filesystem types --------------------------------------- */

/* Once at boot: the namespace lock, and the built-in ramfs type. */
void vfs_init(void);

/*
 * vfs_register_fs and vfs_unregister_fs are part of the module ABI and are
 * declared, with their contracts, in <keel/vfs.h>.
 */

/*
 * `rmmod` calls this after `owner`'s exit (or after its init failed):
 * every type the module registered and did not unregister is removed, with
 * one warning line each ("vfs: module NAME left filesystem type T
 * registered; unregistering it").  None can be mounted: mounts hold the
 * module.  Returns how many were removed.
 */
int vfs_unregister_module_types(const struct module *owner,
				const char *module_name);

/* True while some mount uses the type (`rmmod` asks before unloading). */
bool vfs_fs_type_in_use(const struct keel_fs_type *type);

/* Number of mounts of the named type; -ENODEV when there is no such type. */
int vfs_fs_type_mount_count(const char *name);

/* ---- mounts ------------------------------------------------------------ */

/*
 * Mount a ramfs at "/".  Returns 0, -EBUSY if a root is mounted, -ENOMEM.
 * Until this runs every path gives -ENOENT.
 */
int vfs_mount_root(void);

/*
 * Mount a new instance of `fstype` over the directory `target_path`.
 * `source` is the device ("vda") for types that need one, else free text.
 * `options` is the text of `mount -o` (NULL for none): ramfs knows
 * "size=N[K|M|G]".  Returns 0, -ENODEV (unknown type), -ENOTDIR (target is
 * not a directory), -EBUSY (target is already a mount point or the root of
 * one, or the device is already mounted), -EINVAL (source missing for a
 * device filesystem), -ENAMETOOLONG, or what the filesystem says.
 */
int vfs_mount(const char *fstype, const char *source, const char *target_path,
	      const struct vfs_cwd *cwd);
int vfs_mount_options(const char *fstype, const char *source,
		      const char *target_path, const char *options,
		      const struct vfs_cwd *cwd);

/*
 * Unmount the filesystem whose root `target_path` names.  Refused with
 * -EBUSY while any file in it is open, any current directory is inside it,
 * or another filesystem is mounted inside it; -EINVAL if the path is not a
 * mount point.  "/" can be unmounted only when nothing at all is in use.
 * On success the mount is gone even if the filesystem reports a write-back
 * error, which is then returned.
 */
int vfs_umount(const char *target_path, const struct vfs_cwd *cwd);

/* One mount, as vfs_mount_for_each shows it (for `mount` and `df`). */
struct vfs_mount_info {
	const char *fstype;        /* "ramfs" */
	const char *source;        /* "none", "vda" */
	const char *target;        /* absolute path of the mount point */
	uint32_t flags;            /* KEEL_MOUNT_* */
	int statfs_result;         /* 0, or the filesystem's error */
	struct keel_statfs statfs; /* valid when statfs_result is 0 */
};

/*
 * Call fn for every mount, parents before children, until fn returns
 * nonzero (which is then returned).  The info and its strings live only
 * during the call.  fn runs with the namespace lock held, so it must not
 * call any vfs_ function; copy or print what it needs.
 */
int vfs_mount_for_each(int (*fn)(const struct vfs_mount_info *info, void *arg),
		       void *arg);

/* Filesystem usage of the mount holding `path`. */
int vfs_statfs(const char *path, const struct vfs_cwd *cwd,
	       struct keel_statfs *out);

/* Write back every mounted filesystem; returns the first error. */
int vfs_sync_all(void);

/* ---- current directory ------------------------------------------------- */

/* Start at the root.  Returns 0, or -ENOENT (no root; cwd means "/"). */
int vfs_cwd_init(struct vfs_cwd *cwd);
/* Move to the directory `path` names (relative to the old one). */
int vfs_chdir(struct vfs_cwd *cwd, const char *path);
/*
 * Write the absolute path of the directory into buffer.  Returns 0, or
 * -ERANGE if it does not fit in `size` bytes with the NUL.
 */
int vfs_getcwd(const struct vfs_cwd *cwd, char *buffer, size_t size);
/* Drop the reference; the cwd means "/" afterwards. */
void vfs_cwd_release(struct vfs_cwd *cwd);

/* ---- names ------------------------------------------------------------- */

int vfs_stat(const char *path, const struct vfs_cwd *cwd,
	     struct keel_stat *out);
/* vfs_stat of a symbolic link itself (KEEL_NODE_SYMLINK), not its target. */
int vfs_lstat(const char *path, const struct vfs_cwd *cwd,
	      struct keel_stat *out);
/*
 * Make a symbolic link at `path` whose target is the text `target`
 * (stored as it is: it need not exist).  -EEXIST if the name is taken,
 * -ENOENT for an empty target, -ENAMETOOLONG for one of KEEL_PATH_MAX
 * bytes or more (or longer than the filesystem holds), -EPERM on a
 * filesystem without symbolic links, -EROFS.
 */
int vfs_symlink(const char *target, const char *path,
		const struct vfs_cwd *cwd);
/*
 * The target of the symbolic link `path`, NUL-terminated, into buffer:
 * its length, -EINVAL when path is not a link, -ERANGE when the target
 * and its NUL do not fit in `size` bytes.
 */
int vfs_readlink(const char *path, const struct vfs_cwd *cwd, char *buffer,
		 size_t size);
/* Make a directory; -EEXIST if the name is taken (also for "/", ".", ".."). */
int vfs_mkdir(const char *path, uint32_t mode, const struct vfs_cwd *cwd);
/* Remove a file's name; -EISDIR for a directory. */
int vfs_unlink(const char *path, const struct vfs_cwd *cwd);
/* Remove an empty directory: -ENOTEMPTY, -EBUSY (in use, mount point). */
int vfs_rmdir(const char *path, const struct vfs_cwd *cwd);
/*
 * Move a file or directory, replacing a file by a file or an empty
 * directory by a directory.  -EXDEV across mounts, -EINVAL for moving a
 * directory into itself or renaming "/", ".", "..".
 */
int vfs_rename(const char *old_path, const char *new_path,
	       const struct vfs_cwd *cwd);

/* ---- open files -------------------------------------------------------- */

/*
 * Open `path` with VFS_O_* flags; `mode` is the permission bits of a file
 * VFS_O_CREATE makes.  On success *out is a new open file at offset 0.
 * -EISDIR (a directory opened for writing, or a created name ending in
 * '/'), -ENOTDIR (VFS_O_DIRECTORY on a file), -EINVAL (bad flags).
 */
int vfs_open(const char *path, uint32_t flags, uint32_t mode,
	     const struct vfs_cwd *cwd, struct vfs_file **out);
/* Release the file.  NULL is allowed. */
void vfs_close(struct vfs_file *file);

/* Read at the offset and advance it; 0 at end of file.  -EISDIR, -EBADF. */
long vfs_read(struct vfs_file *file, void *buffer, size_t length);

/*
 * Start reading up to `length` bytes at byte `offset` into `buffer` and
 * return the read's future; its result is the byte count (0 at end of
 * file) or a negative errno (-EBADF, -EISDIR come back as a ready future).
 * The file's offset is neither used nor moved (a pread), so many reads of
 * one file may be in flight at once; await them with block_on, or as a
 * task's sub-futures.  Dropping a future before it is READY cancels its
 * read.  The file must stay open, and `buffer` valid, until the future is
 * dropped: vfs_close panics while any is alive.  Returns NULL only when
 * there is no memory.  Never sleeps.
 */
struct keel_int_future *vfs_read_async(struct vfs_file *file, void *buffer,
				       uint64_t length, uint64_t offset);
/* Write at the offset (at the end with APPEND) and advance it. */
long vfs_write(struct vfs_file *file, const void *buffer, size_t length);
/*
 * Move the offset; returns the new offset or -EINVAL (negative result).
 * Past the end is allowed: a later write leaves a hole.  A directory can
 * only be rewound (offset 0, VFS_SEEK_SET).
 */
int64_t vfs_seek(struct vfs_file *file, int64_t offset, int whence);
/* Set the file's size (needs VFS_O_WRITE).  The offset is not moved. */
int vfs_truncate(struct vfs_file *file, uint64_t size);
int vfs_fstat(struct vfs_file *file, struct keel_stat *out);
/* Write the file's data back to its device. */
int vfs_fsync(struct vfs_file *file);
/*
 * Next entry of an open directory ("." and ".." are never reported).
 * Returns 1 with *out filled, 0 at the end, -ENOTDIR.
 */
int vfs_readdir(struct vfs_file *file, struct keel_dirent *out);

/*
 * Read the whole regular file at `path` into one kmalloc'd buffer, with a
 * NUL after the last byte (so text can be used as a string).  Files larger
 * than `max` bytes give -EFBIG, directories -EISDIR.  On success *out and
 * *size are set and the caller kfrees *out; on failure nothing is kept.
 */
int vfs_read_file(const char *path, const struct vfs_cwd *cwd, size_t max,
		  char **out, size_t *size);

/* ---- debugging --------------------------------------------------------- */

/* Objects alive right now: tests compare them before and after. */
long vfs_live_nodes(void);
long vfs_live_files(void);
long vfs_live_mounts(void);

#endif /* KEEL_FS_VFS_H */
