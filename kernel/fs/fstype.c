/*
 * fstype.c - the registry of filesystem types.
 *
 * `mount -t NAME` finds its filesystem here.  Each registered type gets a
 * small entry that counts the mounts using it: that count is the reference
 * a mounted filesystem holds on its type, so a module cannot be unloaded
 * (vfs_unregister_fs answers -EBUSY) while one of its filesystems is
 * mounted.  The tables themselves belong to whoever registered them and are
 * never copied.  Everything here runs under vfs_namespace_lock.
 */
#include <keel/errno.h>

#include "fs/internal.h"
#include "lib/string.h"
#include "log/printk.h"
#include "mm/kmalloc.h"

static struct list registry = LIST_INIT(registry);

struct vfs_fs_entry *fs_entry_find(const char *name)
{
	struct list *pos;

	list_for_each(pos, &registry) {
		struct vfs_fs_entry *entry =
			container_of(pos, struct vfs_fs_entry, link);

		if (strcmp(entry->type->name, name) == 0)
			return entry;
	}
	return NULL;
}

/* Namespace lock held.  The entry registered for exactly this table. */
static struct vfs_fs_entry *fs_entry_of(const struct keel_fs_type *type)
{
	struct list *pos;

	list_for_each(pos, &registry) {
		struct vfs_fs_entry *entry =
			container_of(pos, struct vfs_fs_entry, link);

		if (entry->type == type)
			return entry;
	}
	return NULL;
}

int vfs_register_fs(const struct keel_fs_type *type)
{
	struct vfs_fs_entry *entry;
	int err = 0;

	if (!type || !fsops_table_valid(type))
		return -EINVAL;
	entry = kmalloc(sizeof(*entry));
	if (!entry)
		return -ENOMEM;
	entry->type = type;

	mutex_lock(&vfs_namespace_lock);
	if (fs_entry_find(type->name))
		err = -EEXIST;
	else
		list_push_back(&registry, &entry->link);
	mutex_unlock(&vfs_namespace_lock);

	if (err) {
		kfree(entry);
		return err;
	}
	pr_info("vfs: filesystem type %s registered", type->name);
	return 0;
}

int vfs_unregister_fs(const struct keel_fs_type *type)
{
	struct vfs_fs_entry *entry;
	int err = 0;

	mutex_lock(&vfs_namespace_lock);
	entry = fs_entry_of(type);
	if (!entry)
		err = -ENOENT;
	else if (entry->mount_count)
		err = -EBUSY;
	else
		list_remove(&entry->link);
	mutex_unlock(&vfs_namespace_lock);

	if (err)
		return err;
	kfree(entry);
	return 0;
}

bool vfs_fs_type_in_use(const struct keel_fs_type *type)
{
	struct vfs_fs_entry *entry;
	bool in_use;

	mutex_lock(&vfs_namespace_lock);
	entry = fs_entry_of(type);
	in_use = entry && entry->mount_count > 0;
	mutex_unlock(&vfs_namespace_lock);
	return in_use;
}

int vfs_fs_type_mount_count(const char *name)
{
	struct vfs_fs_entry *entry;
	int count;

	mutex_lock(&vfs_namespace_lock);
	entry = fs_entry_find(name);
	count = entry ? (int)entry->mount_count : -ENODEV;
	mutex_unlock(&vfs_namespace_lock);
	return count;
}
