/*
 * memfs.c - a filesystem kept in memory, as a loadable module.
 *
 *     keel:/$ insmod /lib/modules/memfs.ko
 *     keel:/$ mkdir /m
 *     keel:/$ mount -t memfs none /m
 *     keel:/$ echo hello > /m/greeting
 *     keel:/$ rmmod memfs
 *     rmmod: ERROR: Module memfs is in use by mounts
 *     keel:/$ umount /m
 *     keel:/$ rmmod memfs
 *
 * The module's whole job is to implement <keel/vfs.h>: it fills in one
 * struct keel_fs_type and one struct keel_vnode_ops, registers the type in
 * its init and unregisters it in its exit.  Each mount of the type holds a
 * reference on the module, which is why rmmod refuses it while mounted.
 *
 * Futures.  Every operation returns a future (keel/future.h).  memfs never
 * has to wait -- everything is in memory -- so each operation does its
 * work at once and returns a future that is already READY, made with
 * keel_future_ready (keel/future_ready.h).  It makes the future *first*:
 * if there is no memory even for that, it returns NULL having changed
 * nothing.  A filesystem on a disk would instead return a future that is
 * PENDING until its block reads complete; the VFS drives both the same
 * way.
 *
 * Concurrency.  The VFS may run many operations of one instance at once
 * (reads beside writes, a readdir beside a create: see keel/vfs.h), so
 * every operation runs under the instance's spinlock, taken in op_begin
 * and dropped in op_end.  Since no operation ever waits, no lock is ever
 * held across an await.
 *
 * Nodes live on their instance's list, found by inode number.  A node with
 * no names left (nlink 0) lives on while the VFS holds a vnode for it (an
 * open file stays readable after rm) and is freed at release.
 */
#include <keel/errno.h>
#include <keel/log.h>
#include <keel/memory.h>
#include <keel/module.h>

#include "memfs.h"

static _Bool forget_unregister;
KEEL_MODULE_PARAM(forget_unregister, bool,
		  "leave the type registered at exit, to see rmmod clean up");

/* ---- nodes --------------------------------------------------------------- */

struct memfs_node *memfs_node_new(struct memfs_super *super, uint32_t type,
				  uint32_t mode)
{
	struct memfs_node *node = kmalloc(sizeof(*node)); /* zeroed */

	if (!node)
		return NULL;
	node->super = super;
	node->ino = super->next_ino++;
	node->type = type;
	node->mode = mode & KEEL_MODE_PERMISSIONS;
	node->next = super->nodes;
	if (super->nodes)
		super->nodes->prev = node;
	super->nodes = node;
	super->node_count++;
	return node;
}

static struct memfs_node *node_find(struct memfs_super *super, uint64_t ino)
{
	for (struct memfs_node *node = super->nodes; node; node = node->next)
		if (node->ino == ino)
			return node;
	return NULL;
}

/* Free a node with nothing left that refers to it. */
static void node_free(struct memfs_node *node)
{
	struct memfs_super *super = node->super;

	if (node->type == KEEL_NODE_DIR)
		memfs_dir_free(node);
	else
		memfs_file_free(node);
	if (node->prev)
		node->prev->next = node->next;
	else
		super->nodes = node->next;
	if (node->next)
		node->next->prev = node->prev;
	super->node_count--;
	kfree(node);
}

void memfs_node_unlinked(struct memfs_node *dir, struct memfs_node *node)
{
	if (node->type == KEEL_NODE_DIR) {
		node->nlink = 0;
		dir->nlink--; /* its ".." pointed at dir */
	} else {
		node->nlink--;
	}
	if (node->nlink == 0 && !node->has_vnode)
		node_free(node);
}

/* ---- the shape of every operation ---------------------------------------- */

static struct memfs_super *super_of(struct keel_mount *mount)
{
	return mount->private;
}

/*
 * Begin an operation: make its (ready) future, then take the lock.  NULL
 * means no memory: the operation returns NULL and does nothing.
 */
static struct keel_int_future *op_begin(struct memfs_super *super)
{
	struct keel_int_future *f = keel_future_ready(0);

	if (f)
		keel_spin_lock(&super->lock);
	return f;
}

/* End it: drop the lock and put the work's result in the future. */
static void op_end(struct memfs_super *super, struct keel_int_future *f,
		   int64_t result)
{
	keel_spin_unlock(&super->lock);
	f->result = result;
}

/* ---- node operations ----------------------------------------------------- */

static struct keel_int_future *memfs_lookup(struct keel_vnode *dir,
					    const char *name, uint64_t *ino)
{
	struct memfs_super *super = super_of(dir->mount);
	struct keel_int_future *f = op_begin(super);

	if (f)
		op_end(super, f, memfs_dir_lookup(dir->private, name, ino));
	return f;
}

static struct keel_int_future *memfs_create(struct keel_vnode *dir,
					    const char *name, uint32_t type,
					    uint32_t mode, uint64_t *ino)
{
	struct memfs_super *super = super_of(dir->mount);
	struct keel_int_future *f = op_begin(super);

	if (f)
		op_end(super, f,
		       memfs_dir_create(dir->private, name, type, mode, ino));
	return f;
}

static struct keel_int_future *memfs_read(struct keel_vnode *node, void *buffer,
					  uint64_t length, uint64_t offset)
{
	struct memfs_super *super = super_of(node->mount);
	struct keel_int_future *f = op_begin(super);

	if (f)
		op_end(super, f,
		       memfs_file_read(node->private, buffer, length, offset));
	return f;
}

static struct keel_int_future *memfs_write(struct keel_vnode *node,
					   const void *buffer, uint64_t length,
					   uint64_t offset)
{
	struct memfs_super *super = super_of(node->mount);
	struct keel_int_future *f = op_begin(super);

	if (f)
		op_end(super, f,
		       memfs_file_write(node->private, buffer, length, offset));
	return f;
}

static struct keel_int_future *memfs_truncate(struct keel_vnode *node,
					      uint64_t size)
{
	struct memfs_super *super = super_of(node->mount);
	struct keel_int_future *f = op_begin(super);

	if (f)
		op_end(super, f, memfs_file_truncate(node->private, size));
	return f;
}

static struct keel_int_future *
memfs_readdir(struct keel_vnode *dir, uint64_t *cookie, struct keel_dirent *out)
{
	struct memfs_super *super = super_of(dir->mount);
	struct keel_int_future *f = op_begin(super);

	if (f)
		op_end(super, f, memfs_dir_readdir(dir->private, cookie, out));
	return f;
}

static struct keel_int_future *memfs_unlink(struct keel_vnode *dir,
					    const char *name)
{
	struct memfs_super *super = super_of(dir->mount);
	struct keel_int_future *f = op_begin(super);

	if (f)
		op_end(super, f, memfs_dir_unlink(dir->private, name));
	return f;
}

static struct keel_int_future *memfs_rmdir(struct keel_vnode *dir,
					   const char *name)
{
	struct memfs_super *super = super_of(dir->mount);
	struct keel_int_future *f = op_begin(super);

	if (f)
		op_end(super, f, memfs_dir_rmdir(dir->private, name));
	return f;
}

static struct keel_int_future *memfs_rename(struct keel_vnode *old_dir,
					    const char *old_name,
					    struct keel_vnode *new_dir,
					    const char *new_name)
{
	struct memfs_super *super = super_of(old_dir->mount);
	struct keel_int_future *f = op_begin(super);

	if (f)
		op_end(super, f,
		       memfs_dir_rename(old_dir->private, old_name,
					new_dir->private, new_name));
	return f;
}

static struct keel_int_future *memfs_getattr(struct keel_vnode *vnode,
					     struct keel_stat *out)
{
	struct memfs_super *super = super_of(vnode->mount);
	struct memfs_node *node = vnode->private;
	struct keel_int_future *f = op_begin(super);

	if (!f)
		return NULL;
	out->ino = node->ino;
	out->type = node->type;
	out->mode = node->mode;
	out->nlink = node->nlink;
	if (node->type == KEEL_NODE_FILE) {
		out->size = node->size;
		out->bytes_allocated = node->capacity;
	} else {
		out->size = node->entry_count;
	}
	op_end(super, f, 0);
	return f;
}

/* Everything is in memory already: syncing has nothing to write. */
static struct keel_int_future *memfs_sync_node(struct keel_vnode *node)
{
	(void)node;
	return keel_future_ready(0);
}

/*
 * The VFS is done with the vnode.  Release cannot be refused, so its
 * future must not need memory: keel_future_done() allocates nothing.
 */
static struct keel_int_future *memfs_release(struct keel_vnode *vnode)
{
	struct memfs_super *super = super_of(vnode->mount);
	struct memfs_node *node = vnode->private;

	keel_spin_lock(&super->lock);
	node->has_vnode = 0;
	if (node->nlink == 0)
		node_free(node);
	keel_spin_unlock(&super->lock);
	return keel_future_done();
}

static const struct keel_vnode_ops memfs_node_ops = {
    .size = sizeof(struct keel_vnode_ops),
    .abi_version = KEEL_VFS_ABI_VERSION,
    .lookup = memfs_lookup,
    .create = memfs_create,
    .read = memfs_read,
    .write = memfs_write,
    .truncate = memfs_truncate,
    .readdir = memfs_readdir,
    .unlink = memfs_unlink,
    .rmdir = memfs_rmdir,
    .rename = memfs_rename,
    .getattr = memfs_getattr,
    .sync = memfs_sync_node,
    .release = memfs_release,
};

/* ---- the filesystem as a whole ------------------------------------------- */

/* A new instance: a superblock and an empty root directory. */
static int mount_new(struct keel_mount *mount, const char *options)
{
	struct memfs_super *super;
	struct memfs_node *root;

	if (options[0]) {
		pr_err("memfs: no mount options are known, not '%s'", options);
		return -EINVAL;
	}
	super = kmalloc(sizeof(*super));
	if (!super)
		return -ENOMEM;
	keel_spin_init(&super->lock, "memfs");
	super->next_ino = 1;
	root = memfs_node_new(super, KEEL_NODE_DIR, 0755);
	if (!root) {
		kfree(super);
		return -ENOMEM;
	}
	root->nlink = 2;
	root->parent = root;
	mount->root_ino = root->ino;
	mount->private = super;
	return 0;
}

static struct keel_int_future *
memfs_mount(struct keel_mount *mount, const char *source, const char *options)
{
	struct keel_int_future *f = keel_future_ready(0);

	(void)source; /* "none": memfs needs no device */
	if (f)
		f->result = mount_new(mount, options); /* nobody sees it yet */
	return f;
}

/* Every vnode is released by now; free every node, then the instance. */
static struct keel_int_future *memfs_unmount(struct keel_mount *mount)
{
	struct memfs_super *super = super_of(mount);

	while (super->nodes)
		node_free(super->nodes);
	if (super->bytes_used)
		pr_err("memfs: %lu bytes unaccounted for at unmount",
		       (unsigned long)super->bytes_used);
	kfree(super);
	return keel_future_done();
}

static struct keel_int_future *memfs_statfs(struct keel_mount *mount,
					    struct keel_statfs *out)
{
	struct memfs_super *super = super_of(mount);
	struct keel_int_future *f = op_begin(super);

	if (!f)
		return NULL;
	out->bytes_used = super->bytes_used;
	out->nodes_used = super->node_count;
	out->block_size = 1;
	out->name_max = KEEL_NAME_MAX;
	op_end(super, f, 0);
	return f;
}

static struct keel_int_future *memfs_sync_fs(struct keel_mount *mount)
{
	(void)mount;
	return keel_future_ready(0);
}

static int read_node(struct memfs_super *super, struct keel_vnode *vnode)
{
	struct memfs_node *node = node_find(super, vnode->ino);

	if (!node)
		return -ENOENT;
	node->has_vnode = 1;
	vnode->type = node->type;
	vnode->private = node;
	return 0;
}

static struct keel_int_future *memfs_read_node(struct keel_mount *mount,
					       struct keel_vnode *vnode)
{
	struct memfs_super *super = super_of(mount);
	struct keel_int_future *f = op_begin(super);

	if (f)
		op_end(super, f, read_node(super, vnode));
	return f;
}

static const struct keel_fs_type memfs_type = {
    .size = sizeof(struct keel_fs_type),
    .abi_version = KEEL_VFS_ABI_VERSION,
    .name = "memfs",
    .flags = 0,
    .node_ops = &memfs_node_ops,
    .mount = memfs_mount,
    .unmount = memfs_unmount,
    .statfs = memfs_statfs,
    .sync = memfs_sync_fs,
    .read_node = memfs_read_node,
};

/* ---- the module ---------------------------------------------------------- */

static int memfs_init(void)
{
	return vfs_register_fs(&memfs_type);
}

static void memfs_exit(void)
{
	int err;

	if (forget_unregister)
		return; /* the kernel unregisters it for us, and warns */
	err = vfs_unregister_fs(&memfs_type);
	if (err) /* cannot happen: a mount would have held the module */
		pr_err("memfs: unregistering failed: %d", err);
}

KEEL_MODULE(memfs, memfs_init, memfs_exit);
KEEL_MODULE_LICENSE("GPL");
KEEL_MODULE_AUTHOR("Keel developers");
KEEL_MODULE_DESCRIPTION("a filesystem in memory: the example of <keel/vfs.h>");
KEEL_MODULE_VERSION("1.0");
