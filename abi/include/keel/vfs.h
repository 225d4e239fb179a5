/*
 * keel/vfs.h - the contract between the VFS and a filesystem.
 *
 * A filesystem (the built-in ramfs, or a loadable module such as ext2) fills
 * in one `struct keel_fs_type` and one `struct keel_vnode_ops` and hands the
 * type to vfs_register_fs().  From then on the VFS calls it; it never calls
 * the VFS back except through what this header declares.
 *
 * Who owns what
 *
 *   The VFS allocates and owns every `struct keel_mount` and every
 *   `struct keel_vnode`.  It caches vnodes and counts references to them: a
 *   path walk, an open file and a current directory each hold one.  When the
 *   last reference goes, the VFS calls `release` and frees the vnode; a
 *   filesystem never frees one.  The filesystem owns what its `private`
 *   pointers point at: the in-memory superblock (keel_mount.private) and the
 *   in-memory inode (keel_vnode.private).
 *
 *   Nodes are named by inode numbers.  `lookup` and `create` answer with an
 *   inode number; if the VFS has no vnode for it yet it allocates one, sets
 *   `ino`, and calls `read_node` to fill in `type` and `private`.  So for any
 *   (mount, ino) there is at most one vnode at a time, and two paths to the
 *   same node meet in the same vnode.
 *
 * Locking
 *
 *   The VFS serializes every call into one mounted filesystem with that
 *   mount's mutex, so a filesystem needs no locks of its own for calls that
 *   come from the VFS.  Calls may sleep (block I/O).
 *
 * Versioning (how old modules keep working)
 *
 *   Both tables start with `size` (sizeof the struct as the filesystem was
 *   compiled) and `abi_version`.  Fields are only ever appended; none is ever
 *   removed, reordered or retyped within an abi_version.  The VFS reads a
 *   field only if it lies inside `size` bytes; a field beyond a module's
 *   `size` counts as absent (NULL or 0).  `abi_version` names the calling
 *   convention: it changes only when the meaning of existing fields changes
 *   (for instance when operations start returning futures), and the VFS
 *   refuses a table whose abi_version it does not speak.  Every table must
 *   be at least KEEL_FS_TYPE_SIZE_V1 / KEEL_VNODE_OPS_SIZE_V1 bytes.
 *
 *   keel_mount, keel_vnode, keel_stat, keel_dirent and keel_statfs are
 *   allocated by the VFS (or on its stack); fields may be appended to them
 *   too, and a module built against an older header simply does not see the
 *   new ones.  Their layout is fixed by the _Static_asserts at the bottom.
 *
 * Return values
 *
 *   0 or a positive count on success, a negative errno (keel/errno.h) on
 *   failure.  An operation that fails leaves the filesystem as it was.
 *   An optional operation left NULL makes the VFS answer -ENOSYS.
 */
#ifndef KEEL_VFS_H
#define KEEL_VFS_H

#include <stddef.h>
#include <stdint.h>

/* The calling convention this header describes: synchronous operations. */
#define KEEL_VFS_ABI_VERSION 1

#define KEEL_NAME_MAX 255   /* bytes in one path component, without NUL */
#define KEEL_PATH_MAX 4096  /* bytes in a whole path, including the NUL */
#define KEEL_FS_NAME_MAX 31 /* bytes in a filesystem type name, without NUL */

/* Node types (keel_vnode.type, keel_stat.type, keel_dirent.type). */
#define KEEL_NODE_FILE 1 /* regular file */
#define KEEL_NODE_DIR 2  /* directory */

/* Permission bits as in Unix (keel_stat.mode, create's mode). */
#define KEEL_MODE_PERMISSIONS 07777u

/* keel_fs_type.flags */
#define KEEL_FS_NEEDS_DEVICE 0x1u /* `source` names a block device ("vda") */

/* keel_mount.flags */
#define KEEL_MOUNT_READ_ONLY 0x1u /* the VFS refuses writes with -EROFS */

struct keel_fs_type;

/*
 * One mounted instance of a filesystem.  The VFS allocates it, sets `type`,
 * then calls keel_fs_type.mount, which must set `root_ino` and may set
 * `private` and `flags`.
 */
struct keel_mount {
	uint32_t flags;     /* KEEL_MOUNT_*; mount() may add some */
	uint32_t reserved0; /* zero */
	uint64_t root_ino;  /* set by mount(): the root directory */
	void *private;      /* the filesystem's superblock */
	const struct keel_fs_type *type; /* set by the VFS */
};

/*
 * A node (file or directory) as the VFS caches it.  The VFS sets `ino` and
 * `mount` before calling read_node; read_node sets `type` and `private`.
 * Neither may change afterwards.
 */
struct keel_vnode {
	uint64_t ino;              /* inode number, unique within the mount */
	uint32_t type;             /* KEEL_NODE_* */
	uint32_t reserved0;        /* zero */
	struct keel_mount *mount;  /* the mount the node belongs to */
	void *private;             /* the filesystem's in-memory inode */
};

/* What getattr reports; the VFS zeroes it before the call. */
struct keel_stat {
	uint64_t ino;             /* inode number */
	uint64_t size;            /* bytes in a file; fs-defined for a dir */
	uint64_t bytes_allocated; /* storage really held (holes excluded) */
	int64_t mtime;            /* seconds since 1970; 0 when not known */
	int64_t ctime;            /* status change time, as mtime */
	int64_t atime;            /* access time, as mtime */
	uint32_t type;            /* KEEL_NODE_* */
	uint32_t mode;            /* permission bits, KEEL_MODE_PERMISSIONS */
	uint32_t nlink;           /* names that refer to the node */
	uint32_t uid;             /* owner; 0 when the fs has no owners */
	uint32_t gid;             /* group; 0 when the fs has no groups */
	uint32_t reserved0;       /* zero */
};

/* One directory entry as readdir reports it. */
struct keel_dirent {
	uint64_t ino;                   /* inode number of the entry */
	uint32_t type;                  /* KEEL_NODE_* */
	uint32_t name_length;           /* bytes in name, without the NUL */
	char name[KEEL_NAME_MAX + 1];   /* NUL-terminated */
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
 * Operations on nodes.  `dir` arguments are always directories (the VFS
 * checks); `name` arguments are NUL-terminated, 1..KEEL_NAME_MAX bytes, have
 * no '/', and are never "." (the VFS resolves "." itself).
 */
struct keel_vnode_ops {
	uint32_t size;        /* sizeof(struct keel_vnode_ops) as built */
	uint32_t abi_version; /* KEEL_VFS_ABI_VERSION */

	/*
	 * Required.  Find `name` in `dir`; store its inode number in *ino.
	 * "..": the parent directory (the root's ".." is the root itself).
	 * Returns 0 or -ENOENT (or -EIO...).
	 */
	int (*lookup)(struct keel_vnode *dir, const char *name, uint64_t *ino);

	/*
	 * Make a new empty node of `type` (KEEL_NODE_FILE or KEEL_NODE_DIR)
	 * with permission bits `mode` called `name` in `dir`; store its inode
	 * number in *ino.  Returns 0, -EEXIST if the name is taken, -ENOENT if
	 * `dir` has been removed, -ENOSPC, -ENOMEM.
	 */
	int (*create)(struct keel_vnode *dir, const char *name, uint32_t type,
		      uint32_t mode, uint64_t *ino);

	/*
	 * Copy up to `length` bytes from byte `offset` of a file into
	 * `buffer`.  Returns the bytes copied: fewer than asked only at end
	 * of file, 0 at or past it.  Holes read as zeros.
	 */
	int64_t (*read)(struct keel_vnode *node, void *buffer, uint64_t length,
			uint64_t offset);

	/*
	 * Copy `length` bytes into a file at byte `offset`, growing it if
	 * needed (a gap between the old end and `offset` becomes a hole).
	 * Returns `length`, a smaller count only when space ran out part-way,
	 * or -ENOSPC / -ENOMEM / -EFBIG with the file unchanged.
	 */
	int64_t (*write)(struct keel_vnode *node, const void *buffer,
			 uint64_t length, uint64_t offset);

	/* Set a file's size; growing adds a hole.  Returns 0 or -EFBIG... */
	int (*truncate)(struct keel_vnode *node, uint64_t size);

	/*
	 * Report one entry of `dir` in *out.  *cookie is 0 for the first
	 * call; the filesystem advances it to whatever value names the next
	 * entry.  Entries removed during a listing are skipped, entries added
	 * may or may not appear, none appears twice.  "." and ".." may be
	 * reported or not: the VFS hides them from its callers.  Returns 1
	 * with an entry, 0 at the end.
	 */
	int (*readdir)(struct keel_vnode *dir, uint64_t *cookie,
		       struct keel_dirent *out);

	/*
	 * Remove the name of a file (never a directory: the VFS checks).  The
	 * node itself must live on while the VFS holds a vnode for it (an
	 * open file stays readable); free it in `release` once its link count
	 * is zero.
	 */
	int (*unlink)(struct keel_vnode *dir, const char *name);

	/*
	 * Remove an empty directory.  Returns 0 or -ENOTEMPTY.  The VFS has
	 * checked that it is a directory, not a mount point, not in use.
	 */
	int (*rmdir)(struct keel_vnode *dir, const char *name);

	/*
	 * Move `old_name` in `old_dir` to `new_name` in `new_dir`, both in
	 * this mount, atomically.  An existing `new_name` is replaced: a file
	 * by a file, an empty directory by a directory (-ENOTEMPTY if not
	 * empty).  The VFS has checked: the source exists; directories are
	 * not moved into themselves; the types of source and target match;
	 * neither is a mount point; and a same-node rename never arrives.
	 */
	int (*rename)(struct keel_vnode *old_dir, const char *old_name,
		      struct keel_vnode *new_dir, const char *new_name);

	/* Required.  Fill *out (zeroed by the VFS).  Returns 0 or -EIO. */
	int (*getattr)(struct keel_vnode *node, struct keel_stat *out);

	/* Write the node's dirty data and metadata to the device. */
	int (*sync)(struct keel_vnode *node);

	/*
	 * The VFS drops its vnode: free node->private's in-memory state, and
	 * the node itself if it has no names left.  Cannot fail.
	 */
	void (*release)(struct keel_vnode *node);
};

/* A filesystem type: what vfs_register_fs() takes. */
struct keel_fs_type {
	uint32_t size;        /* sizeof(struct keel_fs_type) as built */
	uint32_t abi_version; /* KEEL_VFS_ABI_VERSION */
	const char *name;     /* "ramfs", "ext2": 1..KEEL_FS_NAME_MAX bytes */
	uint32_t flags;       /* KEEL_FS_* */
	uint32_t reserved0;   /* zero */
	const struct keel_vnode_ops *node_ops; /* required */

	/*
	 * Required.  Bring up one instance: set mount->root_ino, usually
	 * mount->private, maybe KEEL_MOUNT_READ_ONLY.  `source` is the device
	 * name for KEEL_FS_NEEDS_DEVICE types (never empty then), otherwise
	 * free text ("none"); `options` is the comma-separated text after
	 * `mount -o`, or "" (never NULL).  Returns 0, -EINVAL for options
	 * it does not know, -ENODEV, -EUCLEAN for a corrupt volume...  On
	 * failure nothing may be left allocated.
	 */
	int (*mount)(struct keel_mount *mount, const char *source,
		     const char *options);

	/*
	 * Tear down the instance: write back and free everything.  By then
	 * every vnode of the mount has been released.  The mount is gone
	 * whatever this returns; an error (-EIO) says data may have been
	 * lost.
	 */
	int (*unmount)(struct keel_mount *mount);

	/* Fill *out (zeroed by the VFS).  Returns 0 or -EIO. */
	int (*statfs)(struct keel_mount *mount, struct keel_statfs *out);

	/* Write every dirty buffer of the instance to the device. */
	int (*sync)(struct keel_mount *mount);

	/*
	 * Required.  Fill in node->type and node->private for node->ino
	 * (node->mount is set).  Returns 0, -ENOENT for an inode number that
	 * names nothing, -ENOMEM, -EIO.
	 */
	int (*read_node)(struct keel_mount *mount, struct keel_vnode *node);
};

/* The smallest tables the VFS accepts: what version 1 defined. */
#define KEEL_VNODE_OPS_SIZE_V1 (offsetof(struct keel_vnode_ops, release) + 8)
#define KEEL_FS_TYPE_SIZE_V1 (offsetof(struct keel_fs_type, read_node) + 8)

/*
 * True when `table` (a keel_vnode_ops or keel_fs_type) was built with
 * `field` inside it, so the field may be read.
 */
#define KEEL_HAS_FIELD(table, type, field)                                     \
	((table)->size >= offsetof(type, field) + sizeof(((type *)0)->field))

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

_Static_assert(sizeof(struct keel_vnode_ops) == 104, "keel_vnode_ops size");
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
_Static_assert(KEEL_VNODE_OPS_SIZE_V1 == 104, "keel_vnode_ops v1");

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
_Static_assert(KEEL_FS_TYPE_SIZE_V1 == 72, "keel_fs_type v1");

#endif /* KEEL_VFS_H */
