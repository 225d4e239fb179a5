/*
 * internal.h - what the VFS's own files share, and its locking rules.
 *
 * The VFS is split by noun:
 *
 *   fstype.c   the registry of filesystem types, and which module owns one
 *   fsops.c    the only place that calls into a filesystem: each call's
 *              future is run by block_on, or wrapped for an async caller
 *   node.c     the node cache: one vfs_node per (mount, ino), refcounted
 *   mount.c    the mount table, vfs_mount / vfs_umount
 *   path.c     path resolution (symbolic links followed there), the
 *              current directory, node -> path
 *   dir.c      operations on names: mkdir, unlink, rmdir, rename, stat
 *   file.c     open files: open, read (also asynchronously), write, seek,
 *              readdir, close
 *
 * Locks, outermost first:
 *
 *   vfs_namespace_lock (a mutex)  the registry, the mount table, every
 *       mount's node cache, every node's reference count and covered_by,
 *       every mount's mountpoint.  Held for the whole of every operation
 *       that resolves a path or changes a name, *including the filesystem
 *       calls it makes, until their futures are dropped*: that is how the
 *       VFS keeps the promise of <keel/vfs.h> that namespace operations
 *       (lookup, create, unlink, rmdir, rename, read_node, release, mount,
 *       unmount) run one at a time.  Whoever drops a node reference holds
 *       it too (vfs_close, vfs_cwd_release), since the last one calls
 *       release.
 *
 *   vfs_node.append_lock (a mutex per node)  an appending write's getattr
 *       and write, so two appends never land at the same offset.
 *
 * Data operations on open files (read, write, truncate, fstat, fsync,
 * readdir) take no other VFS lock: the file's node reference keeps the node
 * and its mount alive (vfs_umount refuses while any node of the mount other
 * than its root is referenced), and the filesystem serialises what it must.
 * So 32 reads of one file, from 32 threads or 32 futures of vfs_read_async,
 * are in the filesystem at once.
 */
#ifndef KEEL_FS_INTERNAL_H
#define KEEL_FS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <keel/vfs.h>

#include "fs/vfs.h"
#include "lib/list.h"
#include "sync/mutex.h"

struct module;

/* A registered filesystem type. */
struct vfs_fs_entry {
	const struct keel_fs_type *type;
	struct module *owner; /* the module holding the table; NULL: kernel */
	unsigned mount_count; /* mounts using it; unregistering needs 0 */
	struct list link;     /* in the registry */
};

/* One mounted filesystem instance. */
struct vfs_mount {
	struct keel_mount abi;        /* what the filesystem sees */
	struct vfs_fs_entry *fs;      /* its type; holds a mount_count */
	struct list nodes;            /* cached vfs_nodes, by cache_link */
	struct vfs_node *root;        /* referenced for the mount's life */
	struct vfs_node *mountpoint;  /* covered dir (referenced); NULL for / */
	struct vfs_mount *parent;     /* mount holding mountpoint; NULL for / */
	struct list link;             /* in vfs_mounts, parents first */
	char source[VFS_SOURCE_MAX + 1];
};

/* A cached node. */
struct vfs_node {
	struct keel_vnode abi;        /* what the filesystem sees */
	struct vfs_mount *mount;
	unsigned refs;                /* under the namespace lock */
	struct list cache_link;       /* in mount->nodes */
	struct vfs_mount *covered_by; /* mounted over this dir, or NULL */
	struct mutex append_lock;     /* see the top of this file */
};

/* An open file. */
struct vfs_file {
	struct vfs_node *node;  /* referenced while open */
	uint32_t flags;         /* VFS_O_* */
	uint64_t offset;        /* byte offset; readdir cookie for a dir */
	long reads_in_flight;   /* vfs_read_async futures not yet dropped */
};

/* ---- namespace state (mount.c) ----------------------------------------- */

extern struct mutex vfs_namespace_lock;

/* Panic unless this thread holds vfs_namespace_lock; `what` names the use. */
void require_namespace_lock(const char *what);
extern struct list vfs_mounts;           /* struct vfs_mount, parents first */
extern struct vfs_mount *vfs_root_mount; /* NULL until vfs_mount_root */

static inline bool node_is_dir(const struct vfs_node *node)
{
	return node->abi.type == KEEL_NODE_DIR;
}

static inline bool node_is_symlink(const struct vfs_node *node)
{
	return node->abi.type == KEEL_NODE_SYMLINK;
}

static inline bool node_is_mount_root(const struct vfs_node *node)
{
	return node == node->mount->root;
}

static inline bool mount_is_read_only(const struct vfs_mount *mount)
{
	return mount->abi.flags & KEEL_MOUNT_READ_ONLY;
}

/* ---- the registry (fstype.c) ------------------------------------------- */

/* Namespace lock held.  The entry for `name`, or NULL. */
struct vfs_fs_entry *fs_entry_find(const char *name);

/* ---- the node cache (node.c) ------------------------------------------- */

/*
 * All three with the namespace lock held (checked).  node_get returns the
 * node for `ino` with a new reference, reading it through the filesystem
 * if it is not cached: 0, or -ENOMEM / the filesystem's read_node error
 * with *out untouched.  node_hold adds a reference; node_put drops one,
 * and the last one releases the node through the filesystem and frees it.
 */
int node_get(struct vfs_mount *mount, uint64_t ino, struct vfs_node **out);
void node_hold(struct vfs_node *node);
void node_put(struct vfs_node *node);

/* ---- calls into filesystems (fsops.c) ---------------------------------- */

/*
 * Each runs one operation to completion (block_on) and returns its result,
 * checked (see fsops.c), or -ENOSYS for an operation the filesystem does
 * not provide, -ENOMEM when it could not make the future.  The namespace
 * operations (mount, unmount, read_node, lookup, create, unlink, rmdir,
 * rename, release) need the namespace lock (checked); the data operations
 * need nothing but a referenced node.  Thread context: they sleep.
 */
int fsop_mount(struct vfs_mount *mount, const char *source,
	       const char *options);
int fsop_unmount(struct vfs_mount *mount);
int fsop_statfs(struct vfs_mount *mount, struct keel_statfs *out);
int fsop_sync_fs(struct vfs_mount *mount);
int fsop_read_node(struct vfs_mount *mount, struct vfs_node *node);
int fsop_lookup(struct vfs_node *dir, const char *name, uint64_t *ino);
int fsop_create(struct vfs_node *dir, const char *name, uint32_t type,
		uint32_t mode, uint64_t *ino);
/* -EPERM when the filesystem has no symbolic links (no symlink op). */
int fsop_symlink(struct vfs_node *dir, const char *name, const char *target,
		 uint64_t *ino);
/*
 * The target of a symbolic link into buffer (`size` bytes, not
 * terminated): its length, 1..size, or a negative errno.  A target with
 * a NUL in it is the filesystem's bug: -EIO.  Data operation.
 */
int64_t fsop_readlink(struct vfs_node *link, char *buffer, uint64_t size);
/* True when the filesystem's table reaches readlink (it may have links). */
bool fsops_has_symlinks(const struct vfs_mount *mount);
int64_t fsop_read(struct vfs_node *node, void *buffer, uint64_t length,
		  uint64_t offset);
int64_t fsop_write(struct vfs_node *node, const void *buffer, uint64_t length,
		   uint64_t offset);
int fsop_truncate(struct vfs_node *node, uint64_t size);
int fsop_readdir(struct vfs_node *dir, uint64_t *cookie,
		 struct keel_dirent *out);
int fsop_unlink(struct vfs_node *dir, const char *name);
int fsop_rmdir(struct vfs_node *dir, const char *name);
int fsop_rename(struct vfs_node *old_dir, const char *old_name,
		struct vfs_node *new_dir, const char *new_name);
int fsop_getattr(struct vfs_node *node, struct keel_stat *out);
int fsop_sync_node(struct vfs_node *node);
void fsop_release(struct vfs_node *node);

/*
 * The asynchronous read: the filesystem's read future, wrapped so that its
 * result is checked like fsop_read's and *in_flight (if not NULL) counts
 * it until it is dropped.  NULL only for lack of memory.  Never sleeps.
 */
struct keel_int_future *fsop_read_async(struct vfs_node *node, void *buffer,
					uint64_t length, uint64_t offset,
					long *in_flight);

/*
 * Why vfs_register_fs cannot use the table (one phrase, for the log line
 * "vfs: cannot register filesystem type NAME: <phrase>"), or NULL when it
 * passes every check.
 */
const char *fsops_table_problem(const struct keel_fs_type *type);

/* ---- paths (path.c) ---------------------------------------------------- */

/*
 * Namespace lock held for all of these.  Resolve `path` to a node (with a
 * reference the caller puts).  Mount points are crossed into the mounted
 * root.  Symbolic links met before the last component are followed (40
 * at most: -ELOOP); the last one too when `follow_last` (or when a slash
 * follows it), else the link itself is the answer (lstat, unlink).
 * Returns 0 or a negative errno (see vfs.h).  path_walk follows.
 */
int path_lookup(const char *path, const struct vfs_cwd *cwd, bool follow_last,
		struct vfs_node **out);
int path_walk(const char *path, const struct vfs_cwd *cwd,
	      struct vfs_node **out);

/*
 * Resolve everything but the last component: *parent gets the directory
 * (referenced), `name` its last component (KEEL_NAME_MAX + 1 bytes).  The
 * name is "" for a path with no component ("/"), and may be "." or "..";
 * callers decide what those mean.  *trailing_slash reports a '/' after it.
 * The last component is not looked up (so not followed if it is a link).
 */
int path_walk_parent(const char *path, const struct vfs_cwd *cwd,
		     struct vfs_node **parent, char *name,
		     bool *trailing_slash);

/*
 * Write the absolute path of directory `node` into buffer.  Returns the
 * length, -ERANGE if it does not fit, -ENOENT if the directory no longer
 * has a name.
 */
int path_of_node(struct vfs_node *node, char *buffer, size_t size);

/*
 * Namespace lock held.  Reference the parent directory of `dir` within its
 * own mount (the mount root's parent is itself) into *out.
 */
int node_parent(struct vfs_node *dir, struct vfs_node **out);

/*
 * The directory a name operation (mkdir, unlink, rmdir, creating a file)
 * acts in, and the name it acts on, as path_walk_parent gives them.
 */
struct path_parent {
	struct vfs_node *dir;          /* referenced */
	char name[KEEL_NAME_MAX + 1];  /* last component; "" for "/" */
	bool trailing_slash;           /* a '/' followed the name */
};

/*
 * Namespace lock held.  path_walk_parent into *at.  Returns 0, and the
 * caller ends with path_parent_put(at); or the walk's error, with nothing
 * referenced.
 */
int path_parent_get(const char *path, const struct vfs_cwd *cwd,
		    struct path_parent *at);
/*
 * The same, but a last component naming a symbolic link is followed, to
 * the last component of its target (which need not exist): where open
 * creates a file through a dangling link, as on Linux.
 */
int path_parent_get_following(const char *path, const struct vfs_cwd *cwd,
			      struct path_parent *at);
/* Drop the reference path_parent_get took. */
void path_parent_put(struct path_parent *at);

/*
 * Take the namespace lock, resolve `path` (path_lookup), and return
 * query(node, out) (vfs_stat, vfs_lstat, vfs_readlink, vfs_statfs), or
 * the walk's error.  Nothing stays held or referenced.
 */
int path_query(const char *path, const struct vfs_cwd *cwd, bool follow_last,
	       int (*query)(struct vfs_node *node, void *out), void *out);

/* True for "." and "..". */
bool name_is_dot_or_dotdot(const char *name);

/* ---- names (dir.c) ----------------------------------------------------- */

/*
 * Namespace lock held.  Create a node of `type` (KEEL_NODE_*) named
 * at->name in at->dir, with the permission bits of `mode`, after the checks
 * mkdir and open share: "/", "." and ".." give `dot_error` (they exist
 * already; mkdir says -EEXIST, open -EISDIR), a read-only mount -EROFS.
 * Returns 0 with the new inode number in *ino, or a negative errno.
 */
int name_create(const struct path_parent *at, uint32_t type, uint32_t mode,
		int dot_error, uint64_t *ino);

#endif /* KEEL_FS_INTERNAL_H */
