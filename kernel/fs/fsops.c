/*
 * fsops.c - the one place where the VFS calls into a filesystem.
 *
 * Every call through a struct keel_fs_type or struct keel_vnode_ops goes
 * through a wrapper here, for three reasons:
 *
 *   - Versioned tables.  A module built against an older <keel/vfs.h> has a
 *     shorter table; FS_OP / NODE_OP read a field only when it lies inside
 *     the table's `size`, and treat a missing or NULL one as "not
 *     supported" (-ENOSYS).
 *
 *   - A trust boundary.  A filesystem module's answers are checked before
 *     the rest of the VFS sees them: a read that claims more bytes than
 *     asked, a directory entry without its NUL, a readdir that does not
 *     advance its cookie become -EIO instead of memory corruption or an
 *     endless loop.
 *
 *   - The coming switch to asynchronous operations.  When filesystem
 *     operations start returning futures, these wrappers become the points
 *     where the calling thread submits and waits; nothing above this file
 *     changes.
 *
 * Every wrapper requires the mount's lock (checked), which is what
 * serializes calls into one filesystem instance.
 */
#include <keel/errno.h>

#include "fs/internal.h"
#include "lib/string.h"
#include "log/printk.h"

#define FS_OP(type, field)                                                     \
	(KEEL_HAS_FIELD((type), struct keel_fs_type, field) ? (type)->field    \
							    : NULL)
#define NODE_OP(ops, field)                                                    \
	(KEEL_HAS_FIELD((ops), struct keel_vnode_ops, field) ? (ops)->field    \
							     : NULL)

static const struct keel_fs_type *type_of(struct vfs_mount *mount)
{
	if (!mutex_held(&mount->lock))
		panic("vfs: filesystem called without the lock of its mount");
	return mount->abi.type;
}

static const struct keel_vnode_ops *ops_of(struct vfs_node *node)
{
	return type_of(node->mount)->node_ops;
}

bool fsops_table_valid(const struct keel_fs_type *type)
{
	const struct keel_vnode_ops *ops = type->node_ops;
	size_t name_length;

	if (type->size < KEEL_FS_TYPE_SIZE_V1 ||
	    type->abi_version != KEEL_VFS_ABI_VERSION)
		return false;
	if (!type->name)
		return false;
	name_length = strnlen(type->name, KEEL_FS_NAME_MAX + 1);
	if (name_length == 0 || name_length > KEEL_FS_NAME_MAX)
		return false;
	if (!type->mount || !type->read_node || !ops)
		return false;
	if (ops->size < KEEL_VNODE_OPS_SIZE_V1 ||
	    ops->abi_version != KEEL_VFS_ABI_VERSION)
		return false;
	return ops->lookup && ops->getattr;
}

/* ---- the filesystem as a whole ----------------------------------------- */

int fsop_mount(struct vfs_mount *mount, const char *source,
	       const char *options)
{
	return type_of(mount)->mount(&mount->abi, source, options);
}

int fsop_unmount(struct vfs_mount *mount)
{
	int (*op)(struct keel_mount *) = FS_OP(type_of(mount), unmount);

	return op ? op(&mount->abi) : 0;
}

int fsop_statfs(struct vfs_mount *mount, struct keel_statfs *out)
{
	int (*op)(struct keel_mount *, struct keel_statfs *) =
		FS_OP(type_of(mount), statfs);

	memset(out, 0, sizeof(*out));
	return op ? op(&mount->abi, out) : -ENOSYS;
}

int fsop_sync_fs(struct vfs_mount *mount)
{
	int (*op)(struct keel_mount *) = FS_OP(type_of(mount), sync);

	return op ? op(&mount->abi) : -ENOSYS;
}

int fsop_read_node(struct vfs_mount *mount, struct vfs_node *node)
{
	return type_of(mount)->read_node(&mount->abi, &node->abi);
}

/* ---- nodes ------------------------------------------------------------- */

int fsop_lookup(struct vfs_node *dir, const char *name, uint64_t *ino)
{
	return ops_of(dir)->lookup(&dir->abi, name, ino);
}

int fsop_create(struct vfs_node *dir, const char *name, uint32_t type,
		uint32_t mode, uint64_t *ino)
{
	int (*op)(struct keel_vnode *, const char *, uint32_t, uint32_t,
		  uint64_t *) = NODE_OP(ops_of(dir), create);

	return op ? op(&dir->abi, name, type, mode, ino) : -ENOSYS;
}

int64_t fsop_read(struct vfs_node *node, void *buffer, uint64_t length,
		  uint64_t offset)
{
	int64_t (*op)(struct keel_vnode *, void *, uint64_t, uint64_t) =
		NODE_OP(ops_of(node), read);
	int64_t done;

	if (!op)
		return -ENOSYS;
	done = op(&node->abi, buffer, length, offset);
	if (done > 0 && (uint64_t)done > length) {
		pr_err("vfs: %s read returned more than asked",
		       node->mount->abi.type->name);
		return -EIO;
	}
	return done;
}

int64_t fsop_write(struct vfs_node *node, const void *buffer, uint64_t length,
		   uint64_t offset)
{
	int64_t (*op)(struct keel_vnode *, const void *, uint64_t, uint64_t) =
		NODE_OP(ops_of(node), write);
	int64_t done;

	if (!op)
		return -ENOSYS;
	done = op(&node->abi, buffer, length, offset);
	if (done > 0 && (uint64_t)done > length) {
		pr_err("vfs: %s write returned more than asked",
		       node->mount->abi.type->name);
		return -EIO;
	}
	return done;
}

int fsop_truncate(struct vfs_node *node, uint64_t size)
{
	int (*op)(struct keel_vnode *, uint64_t) =
		NODE_OP(ops_of(node), truncate);

	return op ? op(&node->abi, size) : -ENOSYS;
}

int fsop_readdir(struct vfs_node *dir, uint64_t *cookie,
		 struct keel_dirent *out)
{
	int (*op)(struct keel_vnode *, uint64_t *, struct keel_dirent *) =
		NODE_OP(ops_of(dir), readdir);
	uint64_t before = *cookie;
	int found;

	if (!op)
		return -ENOSYS;
	memset(out, 0, sizeof(*out));
	found = op(&dir->abi, cookie, out);
	if (found <= 0)
		return found;
	if (*cookie == before) {
		pr_err("vfs: %s readdir did not advance its cookie",
		       dir->mount->abi.type->name);
		return -EIO;
	}
	out->name[KEEL_NAME_MAX] = '\0';
	out->name_length = (uint32_t)strlen(out->name);
	if (out->name_length == 0)
		return -EIO;
	return 1;
}

int fsop_unlink(struct vfs_node *dir, const char *name)
{
	int (*op)(struct keel_vnode *, const char *) =
		NODE_OP(ops_of(dir), unlink);

	return op ? op(&dir->abi, name) : -ENOSYS;
}

int fsop_rmdir(struct vfs_node *dir, const char *name)
{
	int (*op)(struct keel_vnode *, const char *) =
		NODE_OP(ops_of(dir), rmdir);

	return op ? op(&dir->abi, name) : -ENOSYS;
}

int fsop_rename(struct vfs_node *old_dir, const char *old_name,
		struct vfs_node *new_dir, const char *new_name)
{
	int (*op)(struct keel_vnode *, const char *, struct keel_vnode *,
		  const char *) = NODE_OP(ops_of(old_dir), rename);

	return op ? op(&old_dir->abi, old_name, &new_dir->abi, new_name)
		  : -ENOSYS;
}

int fsop_getattr(struct vfs_node *node, struct keel_stat *out)
{
	memset(out, 0, sizeof(*out));
	return ops_of(node)->getattr(&node->abi, out);
}

int fsop_sync_node(struct vfs_node *node)
{
	int (*op)(struct keel_vnode *) = NODE_OP(ops_of(node), sync);

	return op ? op(&node->abi) : -ENOSYS;
}

void fsop_release(struct vfs_node *node)
{
	void (*op)(struct keel_vnode *) = NODE_OP(ops_of(node), release);

	if (op)
		op(&node->abi);
}
