/*
 * fsops.c - the one place where the VFS calls into a filesystem.
 *
 * Every call through a struct keel_fs_type or struct keel_vnode_ops goes
 * through a wrapper here, one per operation, for four reasons:
 *
 *   - Futures.  A filesystem's operation returns a future (keel/vfs.h,
 *     version 2).  The wrapper runs it to completion with block_on
 *     (exec/block_on.h): the calling thread sleeps until the future's waker
 *     is woken, polls again, and finally drops the future and returns its
 *     result.  Nothing above this file sees a future, except the callers of
 *     vfs_read_async, which get the read future wrapped (fsop_read_async).
 *
 *   - Versioned tables.  A module built against an older <keel/vfs.h> has
 *     a shorter table; FS_OP / NODE_OP read a field only when it lies
 *     inside the table's `size`, and treat a missing or NULL one as "not
 *     supported" (-ENOSYS).
 *
 *   - A trust boundary.  A filesystem module's answers are checked before
 *     the rest of the VFS sees them: a read that claims more bytes than
 *     asked, an operation answering a positive number where only 0 or an
 *     error makes sense, a directory entry without its NUL, a readdir that
 *     does not advance its cookie, a link target that is empty or holds a
 *     NUL become -EIO (with one log line naming the filesystem) instead of
 *     memory corruption or an endless loop.
 *
 *   - The concurrency contract.  The namespace operations check that the
 *     caller holds vfs_namespace_lock, which keeps keel/vfs.h's promise
 *     that they run one at a time; the data operations need no lock.
 *
 * Out-parameters (*ino, *cookie, the stat and dirent buffers) are the
 * callers' stack or heap memory; block_on drops the future before it
 * returns, so they stay valid for the future's whole life, as the contract
 * requires.
 */
#include <keel/errno.h>
#include <keel/future_ready.h>

#include "exec/block_on.h"
#include "fs/internal.h"
#include "lib/string.h"
#include "log/printk.h"
#include "mm/kmalloc.h"

#define FS_OP(type, field)                                                     \
	(KEEL_HAS_FIELD((type), struct keel_fs_type, field) ? (type)->field    \
							    : NULL)
#define NODE_OP(ops, field)                                                    \
	(KEEL_HAS_FIELD((ops), struct keel_vnode_ops, field) ? (ops)->field    \
							     : NULL)

/* Largest magnitude of an errno a filesystem may answer. */
#define ERRNO_MAX 4095

static const struct keel_vnode_ops *ops_of(struct vfs_node *node)
{
	return node->mount->abi.type->node_ops;
}

static const char *fs_name(struct vfs_mount *mount)
{
	return mount->abi.type->name;
}

/*
 * The result of an operation that answers 0 or a negative errno: anything
 * else is the filesystem's bug, reported once and turned into -EIO.
 */
static int status_of(struct vfs_mount *mount, const char *op, int64_t result)
{
	if (result == 0 || (result < 0 && result >= -ERRNO_MAX))
		return (int)result;
	pr_err("vfs: %s %s answered %ld, not 0 or an errno", fs_name(mount), op,
	       (long)result);
	return -EIO;
}

/* The same for a count that may not exceed `limit`. */
static int64_t count_of(struct vfs_mount *mount, const char *op, int64_t result,
			uint64_t limit)
{
	if (result < -ERRNO_MAX || (result > 0 && (uint64_t)result > limit)) {
		pr_err("vfs: %s %s answered %ld for at most %lu bytes",
		       fs_name(mount), op, (long)result, (unsigned long)limit);
		return -EIO;
	}
	return result;
}

const char *fsops_table_problem(const struct keel_fs_type *type)
{
	const struct keel_vnode_ops *ops;
	size_t name_length;

	if (!type)
		return "no table";
	if (type->abi_version == 1)
		return "it uses VFS ABI version 1 (operations return int); "
		       "this kernel needs version 2 (operations return "
		       "futures): rebuild it against this <keel/vfs.h>";
	if (type->abi_version != KEEL_VFS_ABI_VERSION)
		return "its abi_version is unknown; this kernel needs VFS ABI "
		       "version 2";
	if (type->size < KEEL_FS_TYPE_SIZE_V2)
		return "its keel_fs_type is smaller than version 2 defines";
	name_length =
	    type->name ? strnlen(type->name, KEEL_FS_NAME_MAX + 1) : 0;
	if (name_length == 0 || name_length > KEEL_FS_NAME_MAX)
		return "its name is missing or longer than 31 bytes";
	if (!type->mount || !type->read_node)
		return "it has no mount or no read_node operation";
	ops = type->node_ops;
	if (!ops)
		return "it has no node_ops table";
	if (ops->abi_version == 1)
		return "its node_ops use VFS ABI version 1 (operations return "
		       "int); this kernel needs version 2 (operations return "
		       "futures): rebuild it against this <keel/vfs.h>";
	if (ops->abi_version != KEEL_VFS_ABI_VERSION)
		return "its node_ops abi_version is unknown; this kernel needs "
		       "VFS ABI version 2";
	if (ops->size < KEEL_VNODE_OPS_SIZE_V2)
		return "its keel_vnode_ops is smaller than version 2 defines";
	if (!ops->lookup || !ops->getattr)
		return "it has no lookup or no getattr operation";
	return NULL;
}

/* ---- the filesystem as a whole ----------------------------------------- */

int fsop_mount(struct vfs_mount *mount, const char *source, const char *options)
{
	require_namespace_lock("mount");
	return status_of(
	    mount, "mount",
	    block_on(mount->abi.type->mount(&mount->abi, source, options)));
}

int fsop_unmount(struct vfs_mount *mount)
{
	struct keel_int_future *(*op)(struct keel_mount *) =
	    FS_OP(mount->abi.type, unmount);
	struct keel_int_future *f;

	require_namespace_lock("unmount");
	if (!op)
		return 0;
	f = op(&mount->abi);
	if (!f) {
		pr_warn("vfs: %s unmount found no memory for its future; "
			"its work may be lost",
			fs_name(mount));
		return 0;
	}
	return status_of(mount, "unmount", block_on(f));
}

int fsop_statfs(struct vfs_mount *mount, struct keel_statfs *out)
{
	struct keel_int_future *(*op)(struct keel_mount *,
				      struct keel_statfs *) =
	    FS_OP(mount->abi.type, statfs);

	memset(out, 0, sizeof(*out));
	if (!op)
		return -ENOSYS;
	return status_of(mount, "statfs", block_on(op(&mount->abi, out)));
}

int fsop_sync_fs(struct vfs_mount *mount)
{
	struct keel_int_future *(*op)(struct keel_mount *) =
	    FS_OP(mount->abi.type, sync);

	if (!op)
		return -ENOSYS;
	return status_of(mount, "sync", block_on(op(&mount->abi)));
}

int fsop_read_node(struct vfs_mount *mount, struct vfs_node *node)
{
	require_namespace_lock("read_node");
	return status_of(
	    mount, "read_node",
	    block_on(mount->abi.type->read_node(&mount->abi, &node->abi)));
}

/* ---- names (namespace operations) -------------------------------------- */

int fsop_lookup(struct vfs_node *dir, const char *name, uint64_t *ino)
{
	require_namespace_lock("lookup");
	return status_of(dir->mount, "lookup",
			 block_on(ops_of(dir)->lookup(&dir->abi, name, ino)));
}

int fsop_create(struct vfs_node *dir, const char *name, uint32_t type,
		uint32_t mode, uint64_t *ino)
{
	struct keel_int_future *(*op)(struct keel_vnode *, const char *,
				      uint32_t, uint32_t, uint64_t *) =
	    NODE_OP(ops_of(dir), create);

	require_namespace_lock("create");
	if (!op)
		return -ENOSYS;
	return status_of(dir->mount, "create",
			 block_on(op(&dir->abi, name, type, mode, ino)));
}

int fsop_symlink(struct vfs_node *dir, const char *name, const char *target,
		 uint64_t *ino)
{
	struct keel_int_future *(*op)(struct keel_vnode *, const char *,
				      const char *, uint64_t *) =
	    NODE_OP(ops_of(dir), symlink);

	require_namespace_lock("symlink");
	if (!op || !fsops_has_symlinks(dir->mount))
		return -EPERM; /* as Linux says for a filesystem without */
	return status_of(dir->mount, "symlink",
			 block_on(op(&dir->abi, name, target, ino)));
}

int fsop_unlink(struct vfs_node *dir, const char *name)
{
	struct keel_int_future *(*op)(struct keel_vnode *, const char *) =
	    NODE_OP(ops_of(dir), unlink);

	require_namespace_lock("unlink");
	if (!op)
		return -ENOSYS;
	return status_of(dir->mount, "unlink", block_on(op(&dir->abi, name)));
}

int fsop_rmdir(struct vfs_node *dir, const char *name)
{
	struct keel_int_future *(*op)(struct keel_vnode *, const char *) =
	    NODE_OP(ops_of(dir), rmdir);

	require_namespace_lock("rmdir");
	if (!op)
		return -ENOSYS;
	return status_of(dir->mount, "rmdir", block_on(op(&dir->abi, name)));
}

int fsop_rename(struct vfs_node *old_dir, const char *old_name,
		struct vfs_node *new_dir, const char *new_name)
{
	struct keel_int_future *(*op)(struct keel_vnode *, const char *,
				      struct keel_vnode *, const char *) =
	    NODE_OP(ops_of(old_dir), rename);

	require_namespace_lock("rename");
	if (!op)
		return -ENOSYS;
	return status_of(
	    old_dir->mount, "rename",
	    block_on(op(&old_dir->abi, old_name, &new_dir->abi, new_name)));
}

void fsop_release(struct vfs_node *node)
{
	struct keel_int_future *(*op)(struct keel_vnode *) =
	    NODE_OP(ops_of(node), release);
	struct keel_int_future *f;
	int err;

	require_namespace_lock("release");
	if (!op)
		return;
	f = op(&node->abi);
	if (!f) {
		pr_warn("vfs: %s release of inode %lu found no memory for its "
			"future; its work may be lost",
			fs_name(node->mount), (unsigned long)node->abi.ino);
		return;
	}
	err = status_of(node->mount, "release", block_on(f));
	if (err)
		pr_warn("vfs: %s release of inode %lu failed (%d): data may be "
			"lost",
			fs_name(node->mount), (unsigned long)node->abi.ino,
			err);
}

/* ---- data operations --------------------------------------------------- */

/*
 * A read future as an asynchronous caller of the VFS sees it: the
 * filesystem's future inside, polled through; its result checked when it
 * is READY; the open file's count of reads in flight held until the drop.
 */
struct read_future {
	struct keel_int_future base;   /* what the caller polls */
	struct keel_int_future *inner; /* the filesystem's; NULL once dropped */
	struct vfs_mount *mount;       /* for the log line of a bad answer */
	uint64_t length;	       /* the most the read may answer */
	long *in_flight;	       /* the file's count, or NULL */
};

static enum keel_poll read_future_poll(struct keel_future *future,
				       struct keel_context *cx)
{
	struct read_future *r = (struct read_future *)future;
	int64_t result;

	if (keel_future_poll(&r->inner->future, cx) == KEEL_PENDING)
		return KEEL_PENDING;
	result = r->inner->result;
	keel_future_drop(&r->inner->future);
	r->inner = NULL;
	r->base.result = count_of(r->mount, "read", result, r->length);
	return KEEL_READY;
}

static void read_future_drop(struct keel_future *future)
{
	struct read_future *r = (struct read_future *)future;

	if (r->inner) /* dropped while PENDING: cancel the filesystem's read */
		keel_future_drop(&r->inner->future);
	if (r->in_flight)
		__atomic_sub_fetch(r->in_flight, 1, __ATOMIC_RELEASE);
	kfree(r);
}

static const struct keel_future_vtable read_future_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "vfs read",
    .poll = read_future_poll,
    .drop = read_future_drop,
};

struct keel_int_future *fsop_read_async(struct vfs_node *node, void *buffer,
					uint64_t length, uint64_t offset,
					long *in_flight)
{
	struct keel_int_future *(*op)(struct keel_vnode *, void *, uint64_t,
				      uint64_t) = NODE_OP(ops_of(node), read);
	struct read_future *r;

	if (!op)
		return keel_future_ready(-ENOSYS);
	r = kmalloc(sizeof(*r));
	if (!r)
		return NULL;
	r->inner = op(&node->abi, buffer, length, offset);
	if (!r->inner) {
		kfree(r);
		return NULL;
	}
	r->base.future.vtable = &read_future_vtable;
	r->mount = node->mount;
	r->length = length;
	r->in_flight = in_flight;
	if (in_flight)
		__atomic_add_fetch(in_flight, 1, __ATOMIC_RELAXED);
	return &r->base;
}

int64_t fsop_read(struct vfs_node *node, void *buffer, uint64_t length,
		  uint64_t offset)
{
	return block_on(fsop_read_async(node, buffer, length, offset, NULL));
}

int64_t fsop_write(struct vfs_node *node, const void *buffer, uint64_t length,
		   uint64_t offset)
{
	struct keel_int_future *(*op)(struct keel_vnode *, const void *,
				      uint64_t, uint64_t) =
	    NODE_OP(ops_of(node), write);

	if (!op)
		return -ENOSYS;
	return count_of(node->mount, "write",
			block_on(op(&node->abi, buffer, length, offset)),
			length);
}

int fsop_truncate(struct vfs_node *node, uint64_t size)
{
	struct keel_int_future *(*op)(struct keel_vnode *, uint64_t) =
	    NODE_OP(ops_of(node), truncate);

	if (!op)
		return -ENOSYS;
	return status_of(node->mount, "truncate",
			 block_on(op(&node->abi, size)));
}

int fsop_readdir(struct vfs_node *dir, uint64_t *cookie,
		 struct keel_dirent *out)
{
	struct keel_int_future *(*op)(struct keel_vnode *, uint64_t *,
				      struct keel_dirent *) =
	    NODE_OP(ops_of(dir), readdir);
	uint64_t before = *cookie, next = before;
	int64_t found;

	if (!op)
		return -ENOSYS;
	memset(out, 0, sizeof(*out));
	found = count_of(dir->mount, "readdir",
			 block_on(op(&dir->abi, &next, out)), 1);
	if (found <= 0)
		return (int)found;
	if (next == before) {
		pr_err("vfs: %s readdir did not advance its cookie",
		       fs_name(dir->mount));
		return -EIO;
	}
	out->name[KEEL_NAME_MAX] = '\0';
	out->name_length = (uint32_t)strlen(out->name);
	if (out->name_length == 0)
		return -EIO;
	*cookie = next;
	return 1;
}

bool fsops_has_symlinks(const struct vfs_mount *mount)
{
	return NODE_OP(mount->abi.type->node_ops, readlink) != NULL;
}

int64_t fsop_readlink(struct vfs_node *link, char *buffer, uint64_t size)
{
	struct keel_int_future *(*op)(struct keel_vnode *, char *, uint64_t) =
	    NODE_OP(ops_of(link), readlink);
	int64_t length;

	if (!op)
		return -EINVAL;
	length = count_of(link->mount, "readlink",
			  block_on(op(&link->abi, buffer, size)), size);
	if (length == 0 || (length > 0 && memchr(buffer, '\0', length))) {
		pr_err("vfs: %s readlink of inode %lu gave an empty target or "
		       "one with a NUL in it",
		       fs_name(link->mount), (unsigned long)link->abi.ino);
		return -EIO;
	}
	return length;
}

int fsop_getattr(struct vfs_node *node, struct keel_stat *out)
{
	memset(out, 0, sizeof(*out));
	return status_of(node->mount, "getattr",
			 block_on(ops_of(node)->getattr(&node->abi, out)));
}

int fsop_sync_node(struct vfs_node *node)
{
	struct keel_int_future *(*op)(struct keel_vnode *) =
	    NODE_OP(ops_of(node), sync);

	if (!op)
		return -ENOSYS;
	return status_of(node->mount, "sync", block_on(op(&node->abi)));
}
