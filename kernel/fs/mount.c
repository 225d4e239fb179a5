/*
 * mount.c - the mount table: which filesystem is grafted where.
 *
 * A mount is one running instance of a filesystem type.  The root mount
 * has no parent; every other mount covers a directory (its mountpoint) of
 * a parent mount.  Covering is a pair of pointers, both guarded by the
 * namespace lock:
 *
 *      parent fs:  /  --  mnt  (vfs_node, covered_by = M)
 *                                 ^
 *      M:          mountpoint ----+      root: the mounted fs's "/"
 *
 * A walk that reaches a covered directory continues at the covering
 * mount's root; ".." from a mount's root continues at its mountpoint.
 * Both directions need the mountpoint to stay in memory, so the mount
 * holds a reference on it, and one on its own root.
 *
 * Unmounting is refused while the mount is busy.  Every user of a mount
 * holds a node reference in that mount's cache (open files, current
 * directories, and child mounts through their mountpoints), so "busy" is
 * simply: the cache holds anything besides the root's own reference.
 * The check and the teardown both happen under the namespace lock, so no
 * walk can slip in between (walks need that lock to enter a mount).
 *
 * A mount of a filesystem type that a module registered holds a
 * reference on that module (module_mount_get), taken before the
 * filesystem's mount runs and dropped after its unmount has finished, so
 * the module's code stays loaded exactly as long as an instance may call
 * into it.  A module in its init or exit cannot be held: mounting its type
 * then gives -ENODEV.
 */
#include <keel/errno.h>

#include "fs/internal.h"
#include "fs/ramfs.h"
#include "lib/string.h"
#include "log/printk.h"
#include "mm/kmalloc.h"
#include "module/module.h"

struct mutex vfs_namespace_lock;
struct list vfs_mounts = LIST_INIT(vfs_mounts);
struct vfs_mount *vfs_root_mount;

static long live_mounts;

long vfs_live_mounts(void)
{
	return __atomic_load_n(&live_mounts, __ATOMIC_RELAXED);
}

void require_namespace_lock(const char *what)
{
	if (!mutex_held(&vfs_namespace_lock))
		panic("vfs: %s used without the namespace lock", what);
}

void vfs_init(void)
{
	int err;

	mutex_init(&vfs_namespace_lock, "vfs namespace");
	err = vfs_register_fs(&ramfs_fs_type);
	if (err)
		panic("vfs: cannot register ramfs: %d", err);
}

/*
 * Namespace lock held.  Start an instance of `fs` and read its root.
 * On failure nothing is left behind.
 */
static int mount_create(struct vfs_fs_entry *fs, const char *source,
			const char *options, struct vfs_mount **out)
{
	struct vfs_mount *mount;
	int err;

	mount = kmalloc(sizeof(*mount));
	if (!mount)
		return -ENOMEM;
	mount->abi.type = fs->type;
	mount->fs = fs;
	list_init(&mount->nodes);
	strlcpy(mount->source, source, sizeof(mount->source));

	/* The module's code must stay while the instance may call it. */
	err = -ENODEV;
	if (fs->owner && module_mount_get(fs->owner))
		goto out_free;
	err = fsop_mount(mount, source, options);
	if (err)
		goto out_module;
	err = node_get(mount, mount->abi.root_ino, &mount->root);
	if (err)
		goto out_unmount;
	if (!node_is_dir(mount->root)) {
		pr_err("vfs: %s root is not a directory", fs->type->name);
		err = -EIO;
		goto out_put_root;
	}

	fs->mount_count++;
	__atomic_add_fetch(&live_mounts, 1, __ATOMIC_RELAXED);
	*out = mount;
	return 0;

out_put_root:
	node_put(mount->root);
out_unmount:
	fsop_unmount(mount);
out_module:
	if (fs->owner)
		module_mount_put(fs->owner);
out_free:
	kfree(mount);
	return err;
}

/* Namespace lock held.  True if anything but the mount itself uses it. */
static bool mount_busy(struct vfs_mount *mount)
{
	struct list *pos;

	list_for_each(pos, &mount->nodes) {
		struct vfs_node *node =
			container_of(pos, struct vfs_node, cache_link);

		if (node != mount->root || node->refs > 1)
			return true;
	}
	return false;
}

/*
 * Namespace lock held; the mount is unlinked from the tree and not busy.
 * Release its root, stop the filesystem, free the mount.
 */
static int mount_destroy(struct vfs_mount *mount)
{
	int err;

	node_put(mount->root);
	if (!list_empty(&mount->nodes))
		panic("vfs: nodes left in an unmounted %s",
		      mount->abi.type->name);
	err = fsop_unmount(mount);
	if (mount->fs->owner)
		module_mount_put(mount->fs->owner);
	mount->fs->mount_count--;
	__atomic_sub_fetch(&live_mounts, 1, __ATOMIC_RELAXED);
	kfree(mount);
	return err;
}

int vfs_mount_root(void)
{
	struct vfs_fs_entry *fs;
	struct vfs_mount *mount;
	int err = 0;

	mutex_lock(&vfs_namespace_lock);
	fs = fs_entry_find(ramfs_fs_type.name);
	if (vfs_root_mount)
		err = -EBUSY;
	else if (!fs)
		err = -ENODEV;
	else
		err = mount_create(fs, "none", "", &mount);
	if (!err) {
		mount->mountpoint = NULL;
		mount->parent = NULL;
		list_push_back(&vfs_mounts, &mount->link);
		vfs_root_mount = mount;
	}
	mutex_unlock(&vfs_namespace_lock);
	return err;
}

/* Namespace lock held.  True if `source` is mounted by a device fs. */
static bool device_mounted(const char *source)
{
	struct list *pos;

	list_for_each(pos, &vfs_mounts) {
		struct vfs_mount *mount =
			container_of(pos, struct vfs_mount, link);

		if ((mount->abi.type->flags & KEEL_FS_NEEDS_DEVICE) &&
		    strcmp(mount->source, source) == 0)
			return true;
	}
	return false;
}

int vfs_mount(const char *fstype, const char *source, const char *target_path,
	      const struct vfs_cwd *cwd)
{
	return vfs_mount_options(fstype, source, target_path, NULL, cwd);
}

int vfs_mount_options(const char *fstype, const char *source,
		      const char *target_path, const char *options,
		      const struct vfs_cwd *cwd)
{
	struct vfs_fs_entry *fs;
	struct vfs_mount *mount;
	struct vfs_node *target;
	int err;

	if (!fstype || !target_path)
		return -EINVAL;
	if (!source)
		source = "";
	if (!options)
		options = "";
	if (strnlen(source, VFS_SOURCE_MAX + 1) > VFS_SOURCE_MAX)
		return -ENAMETOOLONG;

	mutex_lock(&vfs_namespace_lock);
	fs = fs_entry_find(fstype);
	err = -ENODEV;
	if (!fs)
		goto out;
	if (fs->type->flags & KEEL_FS_NEEDS_DEVICE) {
		err = -EINVAL;
		if (!source[0])
			goto out;
		err = -EBUSY;
		if (device_mounted(source))
			goto out;
	} else if (!source[0]) {
		source = "none";
	}

	err = path_walk(target_path, cwd, &target);
	if (err)
		goto out;
	err = -ENOTDIR;
	if (!node_is_dir(target))
		goto out_put;
	/* A walk ends on the topmost mount: target is covered only if root. */
	err = -EBUSY;
	if (node_is_mount_root(target))
		goto out_put;
	err = mount_create(fs, source, options, &mount);
	if (err)
		goto out_put;

	mount->mountpoint = target; /* keeps the walk's reference */
	mount->parent = target->mount;
	target->covered_by = mount;
	list_push_back(&vfs_mounts, &mount->link);
	mutex_unlock(&vfs_namespace_lock);
	return 0;

out_put:
	node_put(target);
out:
	mutex_unlock(&vfs_namespace_lock);
	return err;
}

int vfs_umount(const char *target_path, const struct vfs_cwd *cwd)
{
	struct vfs_node *target, *mountpoint;
	struct vfs_mount *mount;
	int err;

	if (!target_path)
		return -EINVAL;
	mutex_lock(&vfs_namespace_lock);
	err = path_walk(target_path, cwd, &target);
	if (err)
		goto out;
	mount = target->mount;
	err = node_is_mount_root(target) ? 0 : -EINVAL;
	/* The mount's own reference keeps the root; drop the walk's. */
	node_put(target);
	if (err)
		goto out;

	err = -EBUSY;
	if (mount_busy(mount))
		goto out;

	list_remove(&mount->link);
	mountpoint = mount->mountpoint;
	if (mountpoint)
		mountpoint->covered_by = NULL;
	if (mount == vfs_root_mount)
		vfs_root_mount = NULL;
	err = mount_destroy(mount);
	if (mountpoint)
		node_put(mountpoint);
out:
	mutex_unlock(&vfs_namespace_lock);
	return err;
}

int vfs_mount_for_each(int (*fn)(const struct vfs_mount_info *info, void *arg),
		       void *arg)
{
	struct vfs_mount_info info;
	char *target;
	struct list *pos;
	int stop = 0;

	target = kmalloc(KEEL_PATH_MAX);
	if (!target)
		return -ENOMEM;
	mutex_lock(&vfs_namespace_lock);
	list_for_each(pos, &vfs_mounts) {
		struct vfs_mount *mount =
			container_of(pos, struct vfs_mount, link);

		memset(&info, 0, sizeof(info));
		info.fstype = mount->abi.type->name;
		info.source = mount->source;
		info.target = target;
		if (!mount->mountpoint)
			strlcpy(target, "/", KEEL_PATH_MAX);
		else if (path_of_node(mount->mountpoint, target,
				      KEEL_PATH_MAX) < 0)
			strlcpy(target, "?", KEEL_PATH_MAX);
		info.flags = mount->abi.flags;
		info.statfs_result = fsop_statfs(mount, &info.statfs);
		stop = fn(&info, arg);
		if (stop)
			break;
	}
	mutex_unlock(&vfs_namespace_lock);
	kfree(target);
	return stop;
}

static int query_statfs(struct vfs_node *node, void *out)
{
	return fsop_statfs(node->mount, out);
}

int vfs_statfs(const char *path, const struct vfs_cwd *cwd,
	       struct keel_statfs *out)
{
	return path_query(path, cwd, true, query_statfs, out);
}

int vfs_sync_all(void)
{
	struct list *pos;
	int first_error = 0;

	mutex_lock(&vfs_namespace_lock);
	list_for_each(pos, &vfs_mounts) {
		struct vfs_mount *mount =
			container_of(pos, struct vfs_mount, link);
		int err = fsop_sync_fs(mount);

		if (err && err != -ENOSYS && !first_error)
			first_error = err;
	}
	mutex_unlock(&vfs_namespace_lock);
	return first_error;
}
