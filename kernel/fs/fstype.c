/*
 * fstype.c - the registry of filesystem types, and who owns each one.
 *
 * `mount -t NAME` finds its filesystem here.  Each registered type gets a
 * small entry that counts the mounts using it: that count is the reference
 * a mounted filesystem holds on its type, so a type cannot be unregistered
 * (vfs_unregister_fs answers -EBUSY) while one of its filesystems is
 * mounted.  The tables themselves belong to whoever registered them and are
 * never copied.
 *
 * Owners.  A type registered by a loadable module lives in that module's
 * memory, and so does the code its tables point to.  At registration the
 * entry records the module whose image holds the keel_fs_type (or, failing
 * that, its node_ops or its mount function): module_owning() answers from
 * the addresses the loader gave the module.  Each mount then holds a
 * reference on that module (mount.c), which is what makes `rmmod` refuse
 * it while mounted and `lsmod` count the mount under "Used by".  Types
 * registered by the kernel itself (ramfs) have no owner.
 *
 * A module is expected to unregister its types in its exit.  One that
 * forgets would leave the registry pointing into freed memory, so after
 * every exit (and after a failed init) the module loader calls
 * vfs_unregister_module_types(), which removes what is left and says so.
 *
 * Everything here runs under vfs_namespace_lock.  Lock order: the module
 * loader's lock, then the namespace lock, then the module reference
 * spinlock inside module_owning / module_mount_get (which never sleep), so
 * registering from a module's init, with the loader's lock held, is safe.
 */
#include <keel/errno.h>

#include "fs/internal.h"
#include "lib/string.h"
#include "log/printk.h"
#include "mm/kmalloc.h"
#include "module/export.h"
#include "module/module.h"

static struct list registry = LIST_INIT(registry);

struct vfs_fs_entry *fs_entry_find(const char *name)
{
	struct list *pos;

	list_for_each (pos, &registry) {
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

	list_for_each (pos, &registry) {
		struct vfs_fs_entry *entry =
		    container_of(pos, struct vfs_fs_entry, link);

		if (entry->type == type)
			return entry;
	}
	return NULL;
}

/* The module whose image holds the table, its operations or its code. */
static struct module *owner_of(const struct keel_fs_type *type)
{
	struct module *owner = module_owning(type);

	if (!owner)
		owner = module_owning(type->node_ops);
	if (!owner)
		owner = module_owning((const void *)type->mount);
	return owner;
}

/* A type's name for a log line, even when the name is what is wrong. */
static const char *printable_name(const struct keel_fs_type *type)
{
	if (!type || !type->name ||
	    strnlen(type->name, KEEL_FS_NAME_MAX + 1) > KEEL_FS_NAME_MAX)
		return "?";
	return type->name;
}

int vfs_register_fs(const struct keel_fs_type *type)
{
	const char *problem = fsops_table_problem(type);
	struct vfs_fs_entry *entry;
	int err = 0;

	if (problem) {
		pr_err("vfs: cannot register filesystem type %s: %s",
		       printable_name(type), problem);
		return -EINVAL;
	}
	entry = kmalloc(sizeof(*entry));
	if (!entry)
		return -ENOMEM;
	entry->type = type;
	entry->owner = owner_of(type);
	entry->mount_count = 0;

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
	if (entry->owner)
		pr_info("vfs: filesystem type %s registered by module %s",
			type->name, module_name(entry->owner));
	else
		pr_info("vfs: filesystem type %s registered", type->name);
	return 0;
}
KEEL_EXPORT(vfs_register_fs, 1);

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
KEEL_EXPORT(vfs_unregister_fs, 1);

int vfs_unregister_module_types(const struct module *owner,
				const char *module_name)
{
	struct list *pos, *next;
	int removed = 0;

	mutex_lock(&vfs_namespace_lock);
	list_for_each_safe (pos, next, &registry) {
		struct vfs_fs_entry *entry =
		    container_of(pos, struct vfs_fs_entry, link);

		if (entry->owner != owner)
			continue;
		if (entry->mount_count)
			panic("vfs: module %s is going with %s mounted",
			      module_name, entry->type->name);
		pr_warn("vfs: module %s left filesystem type %s registered; "
			"unregistering it",
			module_name, entry->type->name);
		list_remove(&entry->link);
		kfree(entry);
		removed++;
	}
	mutex_unlock(&vfs_namespace_lock);
	return removed;
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
