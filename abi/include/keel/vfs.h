/*
 * keel/vfs.h - the contract between the VFS and a filesystem (version 2).
 *
 * A filesystem (the built-in ramfs, or a loadable module such as memfs or
 * ext2) fills in one `struct keel_fs_type` and one `struct keel_vnode_ops`
 * and hands the type to vfs_register_fs().  From then on the VFS calls it;
 * it never calls the VFS back except through what this header declares.
 *
 * Operations are futures
 *
 *   Every operation that may wait (for a disk block, for a lock another
 *   operation holds) returns a `struct keel_int_future *` (keel/future.h)
 *   instead of doing the work before it returns.  The VFS polls the future
 *   until it is READY, reads its `result`, and drops it:
 *
 *       result >= 0   success: 0, or a count (read, write), or 1 / 0
 *                     (readdir: an entry / the end)
 *       result < 0    a negative errno (keel/errno.h); the operation
 *                     changed nothing
 *
 *   NULL means only "no memory to make the future" (the VFS reports
 *   -ENOMEM); an operation that fails for any other reason returns a future
 *   whose result is the error.  A filesystem with nothing to wait for does
 *   the work in the call and returns keel_future_ready(result)
 *   (keel/future_ready.h), allocating it *before* it changes anything.
 *
 *   Calling an operation must not sleep: it may take spinlocks, allocate
 *   and start I/O, but it waits only by returning a future that is
 *   PENDING.  (Data operations may be called from inside another future's
 *   poll, e.g. by a task that reads a file.)  The future obeys the rules of
 *   keel/future.h; in particular dropping it before it is READY cancels the
 *   operation and must be safe at any point.  The VFS drops a pending future
 *   only of `read` (a caller of vfs_read_async gave up); every other
 *   operation it polls to completion.
 *
 * Who owns what
 *
 *   The VFS allocates and owns every `struct keel_mount` and every
 *   `struct keel_vnode`.  It caches vnodes and counts references to them: a
 *   path walk, an open file and a current directory each hold one.  When the
 *   last reference goes, the VFS calls `release`, runs its future, and frees
 *   the vnode; a filesystem never frees one.  The filesystem owns what its
 *   `private` pointers point at: the in-memory superblock
 *   (keel_mount.private) and the in-memory inode (keel_vnode.private).
 *
 *   Everything an operation receives by pointer (names, buffers, and the
 *   out-parameters *ino, *cookie, *out) is the caller's memory and stays
 *   valid until the future is dropped, so a PENDING operation may keep
 *   using it and fill the out-parameters when it completes.  The VFS reads
 *   out-parameters only after a READY result >= 0.  The future itself
 *   belongs to the VFS from the moment it is returned.
 *
 *   Nodes are named by inode numbers.  `lookup` and `create` answer with an
 *   inode number; if the VFS has no vnode for it yet it allocates one, sets
 *   `ino`, and calls `read_node` to fill in `type` and `private`.
 *
 * Who may call concurrently
 *
 *   The VFS holds no lock of a mount across a filesystem's operations: many
 *   operations of one mount, even of one vnode, may be in flight at once
 *   (32 concurrent reads of one file are normal).  What the VFS still
 *   guarantees, and all a filesystem may rely on, is this:
 *
 *   1. One vnode per (mount, ino): two paths to a node meet in the same
 *      vnode.  read_node runs at most once at a time per (mount, ino), and
 *      nothing is called on a vnode before its read_node succeeded.
 *   2. Namespace operations run one at a time per mount: mount, unmount,
 *      read_node, release, lookup, create, symlink, unlink, rmdir and
 *      rename (the VFS holds its namespace lock from the call until the
 *      future is dropped).  So no two of them ever race with each other.
 *   3. Data operations -- read, write, truncate, getattr, readdir,
 *      readlink, the node's and the mount's sync, statfs -- may be in
 *      flight in any number, on any vnodes, at the same time as each
 *      other and as one namespace operation.  In particular readdir may
 *      run while an entry of the same directory is created or removed,
 *      and write while the file is read.
 *   4. release is called only when no other operation on that vnode is in
 *      flight, and nothing is called on the vnode after it.  unmount is
 *      called only after every vnode of the mount has been released and no
 *      operation of the mount is in flight; nothing runs before mount's
 *      future is READY.
 *
 *   Everything else the filesystem serialises itself: an allocation bitmap,
 *   a file's block map while it grows, a directory while it changes.  Work
 *   done inside one call or one poll may be guarded by a spinlock
 *   (keel/spinlock.h); a spinlock is never held across an await (a PENDING
 *   return).  What must stay serialised across an await takes an
 *   asynchronous mutex, a future that waits for the lock.
 *
 * Versioning (how old modules keep working, and how they are refused)
 *
 *   Both tables start with `size` (sizeof the struct as the filesystem was
 *   compiled) and `abi_version`.  Fields are only ever appended; none is ever
 *   removed, reordered or retyped within an abi_version.  The VFS reads a
 *   field only if it lies inside `size` bytes; a field beyond a module's
 *   `size` counts as absent (NULL or 0).  Every table must be at least
 *   KEEL_FS_TYPE_SIZE_V2 / KEEL_VNODE_OPS_SIZE_V2 bytes.
 *
 *   `abi_version` names the calling convention, and changes only when the
 *   meaning of existing fields changes.  Version 1 had the same fields
 *   returning int (the work done before returning); version 2 (this header)
 *   returns futures.  The two cannot be told apart by size, so the VFS
 *   refuses every table whose abi_version is not 2: vfs_register_fs returns
 *   -EINVAL and logs one line,
 *
 *     vfs: cannot register filesystem type NAME: it uses VFS ABI version 1
 *     (operations return int); this kernel needs version 2 (operations
 *     return futures): rebuild it against this <keel/vfs.h>
 *
 *   keel_mount, keel_vnode, keel_stat, keel_dirent and keel_statfs are
 *   allocated by the VFS; fields may be appended to them too, and a module
 *   built against an older header simply does not see the new ones.  Their
 *   layout is fixed by the _Static_asserts at the bottom.
 *
 *   An optional operation left NULL makes the VFS answer -ENOSYS
 *   (symlink: -EPERM, see below).
 *
 * Since ABI 1.0; version 2 of the tables, vfs_register_fs and
 * vfs_unregister_fs since ABI 1.1, as are KEEL_NODE_SYMLINK and the
 * symlink and readlink operations appended to keel_vnode_ops (a module
 * built before them has a smaller table, and no symbolic links).
 */
#ifndef KEEL_VFS_H
#define KEEL_VFS_H

#include <stddef.h>
#include <stdint.h>

#include <keel/future.h>
#include <keel/future_ready.h>

/* The calling convention this header describes: operations return futures. */
#define KEEL_VFS_ABI_VERSION 2

#define KEEL_NAME_MAX	 255  /* bytes in one path component, without NUL */
#define KEEL_PATH_MAX	 4096 /* bytes in a whole path, including the NUL */
#define KEEL_FS_NAME_MAX 31   /* bytes in a filesystem type name, without NUL */

/*
 * Node types (keel_vnode.type, keel_stat.type, keel_dirent.type).
 * KEEL_NODE_SYMLINK since ABI 1.1: only a filesystem whose keel_vnode_ops
 * reach `readlink` may have symbolic links (see symlink and readlink).
 */
#define KEEL_NODE_FILE	  1 /* regular file */
#define KEEL_NODE_DIR	  2 /* directory */
#define KEEL_NODE_SYMLINK 3 /* symbolic link: a path, kept as text */

/* Permission bits as in Unix (keel_stat.mode, create's mode). */
#define KEEL_MODE_PERMISSIONS 07777u

/* keel_fs_type.flags */
#define KEEL_FS_NEEDS_DEVICE 0x1u /* `source` names a block device ("vda") */

/* keel_mount.flags */
#define KEEL_MOUNT_READ_ONLY 0x1u /* the VFS refuses writes with -EROFS */

struct keel_fs_type;

/*
 * One mounted instance of a filesystem.  The VFS allocates it, sets `type`,
 * then calls keel_fs_type.mount, whose future must have set `root_ino` (and
 * may have set `private` and `flags`) by the time it is READY with 0.
 */
struct keel_mount {
	uint32_t flags;	    /* KEEL_MOUNT_*; mount() may add some */
	uint32_t reserved0; /* zero */
	uint64_t root_ino;  /* set by mount(): the root directory */
	void *private;	    /* the filesystem's superblock */
	const struct keel_fs_type *type; /* set by the VFS */
};

/*
 * A node (file or directory) as the VFS caches it.  The VFS sets `ino` and
 * `mount` before calling read_node; read_node sets `type` and `private`
 * before its future is READY.  Neither may change afterwards.
 */
struct keel_vnode {
	uint64_t ino;		  /* inode number, unique within the mount */
	uint32_t type;		  /* KEEL_NODE_* */
	uint32_t reserved0;	  /* zero */
	struct keel_mount *mount; /* the mount the node belongs to */
	void *private;		  /* the filesystem's in-memory inode */
};

/* What getattr reports; the VFS zeroes it before the call. */
struct keel_stat {
	uint64_t ino;		  /* inode number */
	uint64_t size;		  /* bytes in a file; fs-defined for a dir */
	uint64_t bytes_allocated; /* storage really held (holes excluded) */
	int64_t mtime;		  /* seconds since 1970; 0 when not known */
	int64_t ctime;		  /* status change time, as mtime */
	int64_t atime;		  /* access time, as mtime */
	uint32_t type;		  /* KEEL_NODE_* */
	uint32_t mode;		  /* permission bits, KEEL_MODE_PERMISSIONS */
	uint32_t nlink;		  /* names that refer to the node */
	uint32_t uid;		  /* owner; 0 when the fs has no owners */
	uint32_t gid;		  /* group; 0 when the fs has no groups */
	uint32_t reserved0;	  /* zero */
};

/* One directory entry as readdir reports it; the VFS zeroes it first. */
struct keel_dirent {
	uint64_t ino;		      /* inode number of the entry */
	uint32_t type;		      /* KEEL_NODE_* */
	uint32_t name_length;	      /* bytes in name, without the NUL */
	char name[KEEL_NAME_MAX + 1]; /* NUL-terminated */
};

/* What statfs reports (for `df`); the VFS zeroes it before the call. */
struct keel_statfs {
	uint64_t bytes_total; /* capacity; 0 when the fs has no fixed size */
	uint64_t bytes_used;  /* bytes of file data and metadata held */
	uint64_t bytes_free;  /* bytes available; 0 when bytes_total is 0 */
	uint64_t nodes_used;  /* files and directories in existence */
	uint64_t nodes_free;  /* nodes still available; 0 when unlimited */
	uint32_t block_size;  /* allocation unit in bytes */
	uint32_t name_max;    /* longest component name, <= KEEL_NAME_MAX */
};

/*
 * Operations on nodes.  Each returns a future whose result is described
 * (NULL: no memory).  `dir` arguments are always directories (the VFS
 * checks); `name` arguments are NUL-terminated, 1..KEEL_NAME_MAX bytes, have
 * no '/', and are never "." (the VFS resolves "." itself).  "Namespace" and
 * "data" say which rule of "Who may call concurrently" applies.
 */
struct keel_vnode_ops {
	uint32_t size;	      /* sizeof(struct keel_vnode_ops) as built */
	uint32_t abi_version; /* KEEL_VFS_ABI_VERSION (2) */

	/*
	 * Required; namespace.  Find `name` in `dir`; store its inode number
	 * in *ino.  "..": the parent directory (the root's ".." is the root
	 * itself).  Result 0, -ENOENT, -EIO...
	 */
	struct keel_int_future *(*lookup)(struct keel_vnode *dir,
					  const char *name, uint64_t *ino);

	/*
	 * Namespace.  Make a new empty node of `type` (KEEL_NODE_FILE or
	 * KEEL_NODE_DIR) with permission bits `mode` called `name` in `dir`;
	 * store its inode number in *ino.  Result 0, -EEXIST if the name is
	 * taken, -ENOENT if `dir` has been removed, -ENOSPC, -ENOMEM.  (A
	 * symbolic link is made by `symlink`, with its target: -EINVAL for
	 * KEEL_NODE_SYMLINK here.)
	 */
	struct keel_int_future *(*create)(struct keel_vnode *dir,
					  const char *name, uint32_t type,
					  uint32_t mode, uint64_t *ino);

	/*
	 * Data.  Copy up to `length` bytes from byte `offset` of a file into
	 * `buffer` (never called on a directory or a symbolic link).
	 * Result: the bytes copied, fewer than asked only at end of file, 0
	 * at or past it.  Holes read as zeros.
	 */
	struct keel_int_future *(*read)(struct keel_vnode *node, void *buffer,
					uint64_t length, uint64_t offset);

	/*
	 * Data.  Copy `length` bytes into a file at byte `offset`, growing it
	 * if needed (a gap between the old end and `offset` becomes a hole).
	 * Result `length`, a smaller count only when space ran out part-way,
	 * or -ENOSPC / -ENOMEM / -EFBIG with the file unchanged.
	 */
	struct keel_int_future *(*write)(struct keel_vnode *node,
					 const void *buffer, uint64_t length,
					 uint64_t offset);

	/* Data.  Set a file's size; growing adds a hole.  0, -EFBIG... */
	struct keel_int_future *(*truncate)(struct keel_vnode *node,
					    uint64_t size);

	/*
	 * Data.  Report one entry of `dir` in *out.  *cookie is 0 for the
	 * first call; the filesystem advances it to whatever value names the
	 * next entry.  Entries removed during a listing are skipped, entries
	 * added may or may not appear, none appears twice.  "." and ".." may
	 * be reported or not: the VFS hides them from its callers.  Result 1
	 * with an entry, 0 at the end.
	 */
	struct keel_int_future *(*readdir)(struct keel_vnode *dir,
					   uint64_t *cookie,
					   struct keel_dirent *out);

	/*
	 * Namespace.  Remove the name of a file (never a directory: the VFS
	 * checks).  The node itself must live on while the VFS holds a vnode
	 * for it (an open file stays readable); free it in `release` once
	 * its link count is zero.
	 */
	struct keel_int_future *(*unlink)(struct keel_vnode *dir,
					  const char *name);

	/*
	 * Namespace.  Remove an empty directory.  Result 0 or -ENOTEMPTY.
	 * The VFS has checked that it is a directory, not a mount point, not
	 * in use.
	 */
	struct keel_int_future *(*rmdir)(struct keel_vnode *dir,
					 const char *name);

	/*
	 * Namespace.  Move `old_name` in `old_dir` to `new_name` in
	 * `new_dir`, both in this mount, atomically.  An existing `new_name`
	 * is replaced: a file by a file, an empty directory by a directory
	 * (-ENOTEMPTY if not empty).  The VFS has checked: the source exists;
	 * directories are not moved into themselves; the types of source and
	 * target match; neither is a mount point; and a same-node rename
	 * never arrives.
	 */
	struct keel_int_future *(*rename)(struct keel_vnode *old_dir,
					  const char *old_name,
					  struct keel_vnode *new_dir,
					  const char *new_name);

	/* Required; data.  Fill *out (zeroed by the VFS).  0 or -EIO. */
	struct keel_int_future *(*getattr)(struct keel_vnode *node,
					   struct keel_stat *out);

	/* Data.  Write the node's dirty data and metadata to the device. */
	struct keel_int_future *(*sync)(struct keel_vnode *node);

	/*
	 * Namespace.  The VFS drops its vnode: free node->private's
	 * in-memory state, and the node itself if it has no names left (which
	 * may take I/O: freeing an unlinked inode's blocks).  The vnode goes
	 * whatever the result; a negative one is logged (data may be lost).
	 * Release cannot be refused, so it should not fail for lack of
	 * memory: one with no I/O does its work and returns
	 * keel_future_done() (no allocation); one with I/O allocates what it
	 * needs beforehand (in read_node).  NULL is logged as lost work.
	 */
	struct keel_int_future *(*release)(struct keel_vnode *node);

	/*
	 * ---- Appended in ABI 1.1: symbolic links.
	 *
	 * A symbolic link is a node whose content is a path, its *target*:
	 * text the VFS reads with readlink and resolves itself (relative to
	 * the directory holding the link, or from the root when it starts
	 * with '/'; keel/vfs.h's filesystems never resolve paths).  A
	 * filesystem with symbolic links sets `size` to at least
	 * KEEL_VNODE_OPS_SIZE_SYMLINK and provides both operations.  One
	 * whose table is smaller, or whose symlink is NULL, has none: `ln -s`
	 * on it gives -EPERM, as Linux answers for filesystems without links.
	 * The VFS refuses (-EIO, logged) a node of type KEEL_NODE_SYMLINK
	 * from a filesystem without readlink.  The VFS never calls read,
	 * write, truncate or readdir on a symbolic link; lookup, unlink and
	 * rename treat it as a name like a file's.
	 */

	/*
	 * Namespace.  Make a symbolic link called `name` in `dir` whose
	 * target is `target` (NUL-terminated, 1..KEEL_PATH_MAX - 1 bytes,
	 * any text but NUL: it is stored, not resolved or checked); store
	 * its inode number in *ino.  The new node has type
	 * KEEL_NODE_SYMLINK, one link, and getattr reports the target's
	 * length as its size.  Result 0, -EEXIST if the name is taken,
	 * -ENOENT if `dir` has been removed, -ENAMETOOLONG for a target
	 * longer than the filesystem can hold, -ENOSPC, -ENOMEM.
	 */
	struct keel_int_future *(*symlink)(struct keel_vnode *dir,
					   const char *name, const char *target,
					   uint64_t *ino);

	/*
	 * Data.  Copy the target of the symbolic link `node` into `buffer`,
	 * which holds `size` bytes (the VFS passes KEEL_PATH_MAX).  Result:
	 * the target's length in bytes, 1..size, with that many bytes
	 * copied and no NUL added; -ENAMETOOLONG when the target does not
	 * fit in `size`; -EINVAL when `node` is not a symbolic link; -EIO.
	 * A link's target never changes, so any number of readlinks of it
	 * may run at once, beside anything.
	 */
	struct keel_int_future *(*readlink)(struct keel_vnode *node,
					    char *buffer, uint64_t size);
};

/* A filesystem type: what vfs_register_fs() takes. */
struct keel_fs_type {
	uint32_t size;	      /* sizeof(struct keel_fs_type) as built */
	uint32_t abi_version; /* KEEL_VFS_ABI_VERSION (2) */
	const char *name;     /* "ramfs", "ext2": 1..KEEL_FS_NAME_MAX bytes */
	uint32_t flags;	      /* KEEL_FS_* */
	uint32_t reserved0;   /* zero */
	const struct keel_vnode_ops *node_ops; /* required */

	/*
	 * Required; namespace.  Bring up one instance: set mount->root_ino,
	 * usually mount->private, maybe KEEL_MOUNT_READ_ONLY.  `source` is
	 * the device name for KEEL_FS_NEEDS_DEVICE types (never empty then),
	 * otherwise free text ("none"); `options` is the comma-separated
	 * text after `mount -o`, or "" (never NULL).  Result 0, -EINVAL for
	 * options it does not know, -ENODEV, -EUCLEAN for a corrupt
	 * volume...  On failure nothing may be left allocated.
	 */
	struct keel_int_future *(*mount)(struct keel_mount *mount,
					 const char *source,
					 const char *options);

	/*
	 * Namespace.  Tear down the instance: write back and free
	 * everything.  By then every vnode of the mount has been released.
	 * The mount is gone whatever the result; an error (-EIO) says data
	 * may have been lost.  As with release, an unmount with no I/O does
	 * its work and returns keel_future_done(); NULL is logged as lost
	 * work.
	 */
	struct keel_int_future *(*unmount)(struct keel_mount *mount);

	/* Data.  Fill *out (zeroed by the VFS).  Result 0 or -EIO. */
	struct keel_int_future *(*statfs)(struct keel_mount *mount,
					  struct keel_statfs *out);

	/* Data.  Write every dirty buffer of the instance to the device. */
	struct keel_int_future *(*sync)(struct keel_mount *mount);

	/*
	 * Required; namespace.  Fill in node->type and node->private for
	 * node->ino (node->mount is set).  Result 0, -ENOENT for an inode
	 * number that names nothing, -ENOMEM, -EIO.
	 */
	struct keel_int_future *(*read_node)(struct keel_mount *mount,
					     struct keel_vnode *node);
};

/* The smallest tables the VFS accepts: all that version 2 defines. */
#define KEEL_VNODE_OPS_SIZE_V2 (offsetof(struct keel_vnode_ops, release) + 8)
#define KEEL_FS_TYPE_SIZE_V2   (offsetof(struct keel_fs_type, read_node) + 8)

/* A node table with symbolic links (since ABI 1.1): up to readlink. */
#define KEEL_VNODE_OPS_SIZE_SYMLINK                                            \
	(offsetof(struct keel_vnode_ops, readlink) + 8)

/*
 * True when `table` (a keel_vnode_ops or keel_fs_type) was built with
 * `field` inside it, so the field may be read.
 */
#define KEEL_HAS_FIELD(table, type, field)                                     \
	((table)->size >= offsetof(type, field) + sizeof(((type *)0)->field))

/* ---- registering a filesystem type (since ABI 1.1) --------------------- */

/*
 * Add a filesystem type, so `mount -t NAME` finds it.  `type` and the
 * tables and strings it points to must stay valid until it is
 * unregistered; the VFS never copies them.  Call it from the module's init.
 *
 * The kernel notes which module the table lives in.  Every mount of the
 * type then holds a reference on that module, so `rmmod` refuses it
 * ("Module memfs is in use by mounts") until the last umount.  Call
 * vfs_unregister_fs from the module's exit; a module that forgets is
 * unregistered for it at rmmod, with a warning.  Mounting a type whose
 * module is still in its init or already in its exit gives -ENODEV.
 *
 * Returns 0; -EINVAL for a table the VFS cannot use (too small, another
 * abi_version, a bad name, a required operation missing), with one line
 * in the log saying which; -EEXIST when a type of that name is registered;
 * -ENOMEM.  Thread context only (it may sleep).
 */
int vfs_register_fs(const struct keel_fs_type *type);

/*
 * Remove a type registered with exactly this table.  Returns 0, -ENOENT
 * (not registered), or -EBUSY while an instance is mounted (which cannot
 * happen from a module's exit: the mounts hold the module).  Thread
 * context only.
 */
int vfs_unregister_fs(const struct keel_fs_type *type);

/* The layout is the ABI: check it.  Keel is LP64 on every target. */
_Static_assert(sizeof(void *) == 8, "the Keel ABI is LP64");

_Static_assert(sizeof(struct keel_mount) == 32, "keel_mount size");
_Static_assert(offsetof(struct keel_mount, flags) == 0, "keel_mount");
_Static_assert(offsetof(struct keel_mount, reserved0) == 4, "keel_mount");
_Static_assert(offsetof(struct keel_mount, root_ino) == 8, "keel_mount");
_Static_assert(offsetof(struct keel_mount, private) == 16, "keel_mount");
_Static_assert(offsetof(struct keel_mount, type) == 24, "keel_mount");

_Static_assert(sizeof(struct keel_vnode) == 32, "keel_vnode size");
_Static_assert(offsetof(struct keel_vnode, ino) == 0, "keel_vnode");
_Static_assert(offsetof(struct keel_vnode, type) == 8, "keel_vnode");
_Static_assert(offsetof(struct keel_vnode, reserved0) == 12, "keel_vnode");
_Static_assert(offsetof(struct keel_vnode, mount) == 16, "keel_vnode");
_Static_assert(offsetof(struct keel_vnode, private) == 24, "keel_vnode");

_Static_assert(sizeof(struct keel_stat) == 72, "keel_stat size");
_Static_assert(offsetof(struct keel_stat, ino) == 0, "keel_stat");
_Static_assert(offsetof(struct keel_stat, size) == 8, "keel_stat");
_Static_assert(offsetof(struct keel_stat, bytes_allocated) == 16, "keel_stat");
_Static_assert(offsetof(struct keel_stat, mtime) == 24, "keel_stat");
_Static_assert(offsetof(struct keel_stat, ctime) == 32, "keel_stat");
_Static_assert(offsetof(struct keel_stat, atime) == 40, "keel_stat");
_Static_assert(offsetof(struct keel_stat, type) == 48, "keel_stat");
_Static_assert(offsetof(struct keel_stat, mode) == 52, "keel_stat");
_Static_assert(offsetof(struct keel_stat, nlink) == 56, "keel_stat");
_Static_assert(offsetof(struct keel_stat, uid) == 60, "keel_stat");
_Static_assert(offsetof(struct keel_stat, gid) == 64, "keel_stat");
_Static_assert(offsetof(struct keel_stat, reserved0) == 68, "keel_stat");

_Static_assert(sizeof(struct keel_dirent) == 272, "keel_dirent size");
_Static_assert(offsetof(struct keel_dirent, ino) == 0, "keel_dirent");
_Static_assert(offsetof(struct keel_dirent, type) == 8, "keel_dirent");
_Static_assert(offsetof(struct keel_dirent, name_length) == 12, "keel_dirent");
_Static_assert(offsetof(struct keel_dirent, name) == 16, "keel_dirent");

_Static_assert(sizeof(struct keel_statfs) == 48, "keel_statfs size");
_Static_assert(offsetof(struct keel_statfs, bytes_total) == 0, "keel_statfs");
_Static_assert(offsetof(struct keel_statfs, bytes_used) == 8, "keel_statfs");
_Static_assert(offsetof(struct keel_statfs, bytes_free) == 16, "keel_statfs");
_Static_assert(offsetof(struct keel_statfs, nodes_used) == 24, "keel_statfs");
_Static_assert(offsetof(struct keel_statfs, nodes_free) == 32, "keel_statfs");
_Static_assert(offsetof(struct keel_statfs, block_size) == 40, "keel_statfs");
_Static_assert(offsetof(struct keel_statfs, name_max) == 44, "keel_statfs");

_Static_assert(sizeof(struct keel_vnode_ops) == 120, "keel_vnode_ops size");
_Static_assert(offsetof(struct keel_vnode_ops, size) == 0, "keel_vnode_ops");
_Static_assert(offsetof(struct keel_vnode_ops, abi_version) == 4,
	       "keel_vnode_ops");
_Static_assert(offsetof(struct keel_vnode_ops, lookup) == 8, "keel_vnode_ops");
_Static_assert(offsetof(struct keel_vnode_ops, create) == 16, "keel_vnode_ops");
_Static_assert(offsetof(struct keel_vnode_ops, read) == 24, "keel_vnode_ops");
_Static_assert(offsetof(struct keel_vnode_ops, write) == 32, "keel_vnode_ops");
_Static_assert(offsetof(struct keel_vnode_ops, truncate) == 40,
	       "keel_vnode_ops");
_Static_assert(offsetof(struct keel_vnode_ops, readdir) == 48,
	       "keel_vnode_ops");
_Static_assert(offsetof(struct keel_vnode_ops, unlink) == 56, "keel_vnode_ops");
_Static_assert(offsetof(struct keel_vnode_ops, rmdir) == 64, "keel_vnode_ops");
_Static_assert(offsetof(struct keel_vnode_ops, rename) == 72, "keel_vnode_ops");
_Static_assert(offsetof(struct keel_vnode_ops, getattr) == 80,
	       "keel_vnode_ops");
_Static_assert(offsetof(struct keel_vnode_ops, sync) == 88, "keel_vnode_ops");
_Static_assert(offsetof(struct keel_vnode_ops, release) == 96,
	       "keel_vnode_ops");
_Static_assert(offsetof(struct keel_vnode_ops, symlink) == 104,
	       "keel_vnode_ops");
_Static_assert(offsetof(struct keel_vnode_ops, readlink) == 112,
	       "keel_vnode_ops");
_Static_assert(KEEL_VNODE_OPS_SIZE_V2 == 104, "keel_vnode_ops v2");
_Static_assert(KEEL_VNODE_OPS_SIZE_SYMLINK == 120, "keel_vnode_ops symlink");

_Static_assert(sizeof(struct keel_fs_type) == 72, "keel_fs_type size");
_Static_assert(offsetof(struct keel_fs_type, size) == 0, "keel_fs_type");
_Static_assert(offsetof(struct keel_fs_type, abi_version) == 4, "keel_fs_type");
_Static_assert(offsetof(struct keel_fs_type, name) == 8, "keel_fs_type");
_Static_assert(offsetof(struct keel_fs_type, flags) == 16, "keel_fs_type");
_Static_assert(offsetof(struct keel_fs_type, reserved0) == 20, "keel_fs_type");
_Static_assert(offsetof(struct keel_fs_type, node_ops) == 24, "keel_fs_type");
_Static_assert(offsetof(struct keel_fs_type, mount) == 32, "keel_fs_type");
_Static_assert(offsetof(struct keel_fs_type, unmount) == 40, "keel_fs_type");
_Static_assert(offsetof(struct keel_fs_type, statfs) == 48, "keel_fs_type");
_Static_assert(offsetof(struct keel_fs_type, sync) == 56, "keel_fs_type");
_Static_assert(offsetof(struct keel_fs_type, read_node) == 64, "keel_fs_type");
_Static_assert(KEEL_FS_TYPE_SIZE_V2 == 72, "keel_fs_type v2");

#endif /* KEEL_VFS_H */
