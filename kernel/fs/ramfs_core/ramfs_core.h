/*
 * ramfs_core.h - the RAM filesystem, one source for two builds.
 *
 * The files of this folder are compiled twice, as Linux compiles lib/
 * into several places:
 *
 *   into the kernel    as the built-in `ramfs`, which holds the root and
 *                      is there before any module can load
 *                      (kernel/fs/ramfs.c registers it);
 *   into memfs.ko      as the loadable `memfs` (modules/memfs/sources
 *                      lists these files; modules/memfs/memfs.c registers
 *                      it from the module's init).
 *
 * So they are written against <keel/...> only, as every module must be,
 * and both builds enforce it: the Makefile compiles them with the ABI
 * headers and the compiler's freestanding ones on the include path and
 * nothing of kernel/.  The two registrations differ only in their name
 * (RAMFS_FS_TYPE below).  This folder holds no other header, so a module
 * that includes this one reaches nothing private.
 *
 *   ramfs_core.h  the instance, node and entry structs; the byte helpers
 *   node.c        nodes: found by inode number, freed when nothing uses them;
 *                 a symbolic link's target
 *   dir.c         directories: lookup, create, symlink, readdir, unlink,
 *                 rmdir, rename
 *   data.c        file contents, in page-sized chunks
 *   super.c       one instance: mount options, mount, unmount, statfs
 *   ops.c         every operation as the VFS calls it, returning a future
 *
 * Locking: everything reachable from a ramfs_super is guarded by its
 * spinlock, which ops.c holds for the whole of each operation (nothing
 * ever waits, so the lock is never held across an await).  The functions
 * declared below run with that lock held unless they say otherwise, check
 * everything before they change anything, and answer plain ints: 0, a
 * count, or a negative errno.
 */
#ifndef KEEL_RAMFS_CORE_H
#define KEEL_RAMFS_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <keel/spinlock.h>
#include <keel/string.h>
#include <keel/vfs.h>

/* File data lives in zeroed chunks of one page, allocated on first write. */
#define RAMFS_CHUNK_SIZE    4096ul
/* Largest file: keeps one file's chunk table at most 128 KiB. */
#define RAMFS_MAX_FILE_SIZE (64ul << 20)
#define RAMFS_MAX_CHUNKS    (RAMFS_MAX_FILE_SIZE / RAMFS_CHUNK_SIZE)
/* Chains of the inode-number hash (a power of two). */
#define RAMFS_HASH_BUCKETS  64

struct ramfs_node;

/* One mounted instance (keel_mount.private). */
struct ramfs_super {
	struct keel_spinlock lock; /* guards everything of this instance */
	struct ramfs_node *buckets[RAMFS_HASH_BUCKETS]; /* by node->hash_next */
	uint64_t next_ino;    /* inode numbers are never reused */
	uint64_t bytes_limit; /* from "size=", 0 for no limit */
	uint64_t bytes_used;  /* chunks held, in bytes */
	uint64_t node_count;
};

/* A name in a directory. */
struct ramfs_entry {
	struct ramfs_entry *next; /* the directory's entries, in cookie order */
	struct ramfs_node *node;  /* what the name refers to */
	uint64_t cookie;	  /* readdir position; grows along the list */
	uint32_t name_length;
	char name[]; /* NUL-terminated */
};

/*
 * A file, a directory or a symbolic link (keel_vnode.private while the VFS
 * caches it).
 */
struct ramfs_node {
	struct ramfs_super *super;
	struct ramfs_node *hash_next; /* the rest of its hash chain */
	uint64_t ino;
	uint32_t type;	/* KEEL_NODE_FILE, KEEL_NODE_DIR, KEEL_NODE_SYMLINK */
	uint32_t mode;	/* permission bits */
	uint32_t nlink; /* names; a directory has 2 + its subdirectories */
	bool has_vnode; /* the VFS holds a vnode: free only at release */

	/* Files: chunk i holds bytes [i * CHUNK, (i + 1) * CHUNK). */
	uint64_t size; /* a symbolic link's: its target's length */
	void **chunks; /* table of chunk_slots entries; NULL = hole */
	size_t chunk_slots;
	size_t chunk_count; /* non-NULL entries */

	/* Directories */
	struct ramfs_entry *entries;
	size_t entry_count;
	uint64_t next_cookie;	   /* readdir position of the next entry */
	struct ramfs_node *parent; /* the root's parent is itself */

	/* Symbolic links: the target, NUL-terminated, kmalloc'd. */
	char *target;
};

/* ---- node.c: nodes ------------------------------------------------------- */

/* A new node with no name yet (nlink 0), or NULL when out of memory. */
struct ramfs_node *ramfs_node_new(struct ramfs_super *super, uint32_t type,
				  uint32_t mode);
/* Free a node and what it holds, whatever still names it (unmount). */
void ramfs_node_free(struct ramfs_node *node);
/* One name fewer for `node` (which was in `dir`); free it if unused. */
void ramfs_node_unlinked(struct ramfs_node *dir, struct ramfs_node *node);
/* read_node: attach `vnode` to its node.  0, -ENOENT, -EIO. */
int ramfs_node_attach(struct ramfs_super *super, struct keel_vnode *vnode);
/* release: the VFS dropped the node's vnode; free the node if unnamed. */
void ramfs_node_detach(struct ramfs_node *node);
/* getattr.  Always 0. */
int ramfs_node_getattr(struct ramfs_node *node, struct keel_stat *out);
/* readlink: the target's length, -ENAMETOOLONG, -EINVAL (not a link). */
int64_t ramfs_node_readlink(struct ramfs_node *node, char *buffer,
			    uint64_t size);

/* ---- dir.c: directories -------------------------------------------------- */

int ramfs_dir_lookup(struct ramfs_node *dir, const char *name, uint64_t *ino);
int ramfs_dir_create(struct ramfs_node *dir, const char *name, uint32_t type,
		     uint32_t mode, uint64_t *ino);
/* A symbolic link `name` -> target (1..KEEL_PATH_MAX - 1 bytes). */
int ramfs_dir_symlink(struct ramfs_node *dir, const char *name,
		      const char *target, uint64_t *ino);
int ramfs_dir_readdir(struct ramfs_node *dir, uint64_t *cookie,
		      struct keel_dirent *out);
int ramfs_dir_unlink(struct ramfs_node *dir, const char *name);
int ramfs_dir_rmdir(struct ramfs_node *dir, const char *name);
int ramfs_dir_rename(struct ramfs_node *old_dir, const char *old_name,
		     struct ramfs_node *new_dir, const char *new_name);
/* Free every entry of a directory that is going away. */
void ramfs_dir_free(struct ramfs_node *dir);

/* ---- data.c: file contents ----------------------------------------------- */

int64_t ramfs_file_read(struct ramfs_node *file, void *buffer, uint64_t length,
			uint64_t offset);
int64_t ramfs_file_write(struct ramfs_node *file, const void *buffer,
			 uint64_t length, uint64_t offset);
int ramfs_file_truncate(struct ramfs_node *file, uint64_t size);
/* Free every chunk and the table of a file that is going away. */
void ramfs_file_free(struct ramfs_node *file);

/* ---- super.c: the instance ----------------------------------------------- */

/*
 * mount's work, before anyone else can see the instance (no lock): parse
 * `options`, make the superblock and the root.  0, -EINVAL (one log line
 * naming the option), -ENOMEM; on failure nothing is left allocated.
 */
int ramfs_super_mount(struct keel_mount *mount, const char *options);
/* unmount's work: every vnode is released; free everything (no lock). */
void ramfs_super_unmount(struct keel_mount *mount);
/* statfs.  Always 0. */
int ramfs_super_statfs(struct ramfs_super *super, struct keel_statfs *out);

/* ---- ops.c: what a registration names ------------------------------------ */

extern const struct keel_vnode_ops ramfs_node_ops;
struct keel_int_future *ramfs_mount(struct keel_mount *mount,
				    const char *source, const char *options);
struct keel_int_future *ramfs_unmount(struct keel_mount *mount);
struct keel_int_future *ramfs_statfs(struct keel_mount *mount,
				     struct keel_statfs *out);
struct keel_int_future *ramfs_read_node(struct keel_mount *mount,
					struct keel_vnode *vnode);

/*
 * The filesystem type under the name `type_name`, as an initializer: the
 * kernel registers it as "ramfs", memfs.ko as "memfs".
 *
 *     const struct keel_fs_type ramfs_fs_type = RAMFS_FS_TYPE("ramfs");
 *
 * No sync: everything is in memory, and the VFS takes a missing sync as
 * "nothing to write".  (clang-format would pack the fields; one a line
 * reads better.)
 */
/* clang-format off */
#define RAMFS_FS_TYPE(type_name)                                               \
	{                                                                      \
		.size = sizeof(struct keel_fs_type),                           \
		.abi_version = KEEL_VFS_ABI_VERSION,                           \
		.name = (type_name),                                           \
		.flags = 0,                                                    \
		.node_ops = &ramfs_node_ops,                                   \
		.mount = ramfs_mount,                                          \
		.unmount = ramfs_unmount,                                      \
		.statfs = ramfs_statfs,                                        \
		.read_node = ramfs_read_node,                                  \
	}
/* clang-format on */

#endif /* KEEL_RAMFS_CORE_H */
