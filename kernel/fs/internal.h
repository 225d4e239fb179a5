/*
 * internal.h - what the VFS's own files share, and its locking rules.
 *
 * The VFS is split by noun:
 *
 *   fstype.c   the registry of filesystem types
 *   fsops.c    the only place that calls into a filesystem
 *   node.c     the node cache: one vfs_node per (mount, ino), refcounted
 *   mount.c    the mount table, vfs_mount / vfs_umount
 *   path.c     path resolution, the current directory, node -> path
 *   dir.c      operations on names: mkdir, unlink, rmdir, rename, stat
 *   file.c     open files: open, read, write, seek, readdir, close
 *
 * Locks, outermost first:
 *
 *   vfs_namespace_lock (a mutex)  the mount table and the registry, every
 *       vfs_node's covered_by and every mount's mountpoint.  Held for the
 *       whole of every operation that resolves a path, so the tree cannot
 *       be re-shaped (mounted over, unmounted) under a walk.
 *
 *   vfs_mount.lock (a mutex per mount)  the mount's node cache (the list
 *       and every refcount in it) and every call into the filesystem for
 *       that mount.  Taken after the namespace lock, never two at a time:
 *       a walk that crosses into another mount drops one before taking the
 *       next.  Operations on open files take only this lock, so I/O on
 *       different filesystems runs in parallel.
 *
 * A node reference keeps its mount alive (vfs_umount refuses while any node
 * of the mount other than its root is referenced), so a thread holding a
 * node may use node->mount without the namespace lock.
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

/* A registered filesystem type. */
struct vfs_fs_entry {
	const struct keel_fs_type *type;
	unsigned mount_count; /* mounts using it; unregistering needs 0 */
	struct list link;     /* in the registry */
};

/* One mounted filesystem instance. */
struct vfs_mount {
	struct keel_mount abi;        /* what the filesystem sees */
	struct vfs_fs_entry *fs;      /* its type; holds a mount_count */
	struct mutex lock;            /* see the top of this file */
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
	unsigned refs;                /* under mount->lock */
	struct list cache_link;       /* in mount->nodes */
	struct vfs_mount *covered_by; /* mounted over this dir, or NULL */
};

/* An open file. */
struct vfs_file {
	struct vfs_node *node; /* referenced while open */
	uint32_t flags;        /* VFS_O_* */
	uint64_t offset;       /* byte offset; readdir cookie for a dir */
};

/* ---- namespace state (mount.c) ----------------------------------------- */

extern struct mutex vfs_namespace_lock;
extern struct list vfs_mounts;           /* struct vfs_mount, parents first */
extern struct vfs_mount *vfs_root_mount; /* NULL until vfs_mount_root */

static inline bool node_is_dir(const struct vfs_node *node)
{
	return node->abi.type == KEEL_NODE_DIR;
}

static inline bool node_is_mount_root(const struct vfs_node *node)
{
	return node == node->mount->root;
}

static inline bool mount_is_read_only(const struct vfs_mount *mount)
{
	return mount->abi.flags & KEEL_MOUNT_READ_ONLY;
}

/* Lock a mount; panics if this thread already holds it (a VFS bug). */
void mount_lock(struct vfs_mount *mount);
void mount_unlock(struct vfs_mount *mount);

/* ---- the registry (fstype.c) ------------------------------------------- */

/* Namespace lock held.  The entry for `name`, or NULL. */
struct vfs_fs_entry *fs_entry_find(const char *name);

/* ---- the node cache (node.c) ------------------------------------------- */

/*
 * mount->lock held.  Return the node for `ino` with a new reference,
 * reading it through the filesystem if it is not cached.  Returns 0, or
 * -ENOMEM / the filesystem's read_node error with *out untouched.
 */
int node_get_locked(struct vfs_mount *mount, uint64_t ino,
		    struct vfs_node **out);
/* node->mount->lock held.  Add a reference. */
void node_hold_locked(struct vfs_node *node);
/* node->mount->lock held.  Drop a reference; the last one frees the node. */
void node_put_locked(struct vfs_node *node);
/* The same, taking and releasing node->mount->lock themselves. */
void node_hold(struct vfs_node *node);
void node_put(struct vfs_node *node);

/* ---- calls into filesystems (fsops.c) ---------------------------------- */

/*
 * Every function here is called with the node's (or mount's) lock held
 * and returns what the filesystem returned, or -ENOSYS for an operation
 * the filesystem does not provide.
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

/* True when the table passes the checks vfs_register_fs makes. */
bool fsops_table_valid(const struct keel_fs_type *type);

/* ---- paths (path.c) ---------------------------------------------------- */

/*
 * Namespace lock held for all three.  Resolve `path` to a node (with a
 * reference the caller puts).  Mount points are crossed into the mounted
 * root.  Returns 0 or a negative errno (see vfs.h).
 */
int path_walk(const char *path, const struct vfs_cwd *cwd,
	      struct vfs_node **out);

/*
 * Resolve everything but the last component: *parent gets the directory
 * (referenced), `name` its last component (KEEL_NAME_MAX + 1 bytes).  The
 * name is "" for a path with no component ("/"), and may be "." or "..";
 * callers decide what those mean.  *trailing_slash reports a '/' after it.
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
 * node->mount->lock held.  Reference the parent directory of `dir` within
 * its own mount (the mount root's parent is itself) into *out.
 */
int node_parent_locked(struct vfs_node *dir, struct vfs_node **out);

/*
 * The directory a name operation (mkdir, unlink, rmdir, creating a file)
 * acts in, and the name it acts on, as path_walk_parent gives them.
 */
struct path_parent {
	struct vfs_node *dir;          /* referenced; dir->mount->lock held */
	char name[KEEL_NAME_MAX + 1];  /* last component; "" for "/" */
	bool trailing_slash;           /* a '/' followed the name */
};

/*
 * Namespace lock held.  path_walk_parent into *at, then lock at->dir's
 * mount.  Returns 0, and the caller ends with path_parent_unlock(at); or
 * the walk's error, with nothing held.
 */
int path_parent_lock(const char *path, const struct vfs_cwd *cwd,
		     struct path_parent *at);
/* Drop the reference and the mount lock path_parent_lock took. */
void path_parent_unlock(struct path_parent *at);

/*
 * Take the namespace lock, resolve `path`, and return query(node, out)
 * called with node->mount->lock held (vfs_stat, vfs_statfs), or the walk's
 * error.  Nothing stays held or referenced.
 */
int path_query(const char *path, const struct vfs_cwd *cwd,
	       int (*query)(struct vfs_node *node, void *out), void *out);

/* True for "." and "..". */
bool name_is_dot_or_dotdot(const char *name);

/* ---- names (dir.c) ----------------------------------------------------- */

/*
 * at->dir->mount->lock held.  Create a node of `type` (KEEL_NODE_*) named
 * at->name in at->dir, with the permission bits of `mode`, after the checks
 * mkdir and open share: "/", "." and ".." give `dot_error` (they exist
 * already; mkdir says -EEXIST, open -EISDIR), a read-only mount -EROFS.
 * Returns 0 with the new inode number in *ino, or a negative errno.
 */
int name_create_locked(const struct path_parent *at, uint32_t type,
		       uint32_t mode, int dot_error, uint64_t *ino);

#endif /* KEEL_FS_INTERNAL_H */
