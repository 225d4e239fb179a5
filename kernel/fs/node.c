/*
 * node.c - the node cache: one vfs_node per live (mount, inode number).
 *
 * Filesystems name nodes by inode number.  The cache turns a number into a
 * `struct vfs_node`, reading it through the filesystem (read_node) the first
 * time, so two paths to the same node meet in one object: that is what lets
 * the VFS compare nodes by pointer (rename's "is the target inside the
 * source?"), and lets a filesystem keep exactly one in-memory inode per node.
 *
 * A node lives while it is referenced.  References are counted per node:
 * a path walk holds one on the node it stands at, an open file and a current
 * directory hold one each, a mount holds one on its root and one on the
 * directory it covers.  When the count reaches zero the filesystem's
 * release operation runs and the node is freed; nothing is cached beyond
 * that, which keeps the accounting exact (vfs_live_nodes() is what the
 * tests compare).  A list per mount is enough for a teaching kernel; a hash
 * table or a cache of unreferenced nodes would change only this file.
 *
 * Locking: the namespace lock protects every mount's list and every count
 * in it, and is held across read_node and release, so two threads never
 * read the same inode into two vnodes, and a node is never found in the
 * cache while its release is still running.
 */
#include <keel/errno.h>

#include "fs/internal.h"
#include "log/printk.h"
#include "mm/kmalloc.h"

static long live_nodes;

long vfs_live_nodes(void)
{
	return __atomic_load_n(&live_nodes, __ATOMIC_RELAXED);
}

int node_get(struct vfs_mount *mount, uint64_t ino, struct vfs_node **out)
{
	struct vfs_node *node;
	struct list *pos;
	int err;

	require_namespace_lock("the node cache");
	list_for_each(pos, &mount->nodes) {
		node = container_of(pos, struct vfs_node, cache_link);
		if (node->abi.ino == ino) {
			node->refs++;
			*out = node;
			return 0;
		}
	}

	node = kmalloc(sizeof(*node));
	if (!node)
		return -ENOMEM;
	node->abi.ino = ino;
	node->abi.mount = &mount->abi;
	node->mount = mount;
	mutex_init(&node->append_lock, "vfs append");
	err = fsop_read_node(mount, node);
	if (err) {
		kfree(node);
		return err;
	}
	if (node->abi.type != KEEL_NODE_FILE &&
	    node->abi.type != KEEL_NODE_DIR &&
	    (node->abi.type != KEEL_NODE_SYMLINK ||
	     !fsops_has_symlinks(mount))) {
		if (node->abi.type == KEEL_NODE_SYMLINK)
			pr_err("vfs: %s gave inode %lu as a symbolic link, "
			       "but has no readlink",
			       mount->abi.type->name, (unsigned long)ino);
		else
			pr_err("vfs: %s gave inode %lu unknown type %u",
			       mount->abi.type->name, (unsigned long)ino,
			       node->abi.type);
		fsop_release(node);
		kfree(node);
		return -EIO;
	}
	node->refs = 1;
	list_push_front(&mount->nodes, &node->cache_link);
	__atomic_add_fetch(&live_nodes, 1, __ATOMIC_RELAXED);
	*out = node;
	return 0;
}

void node_hold(struct vfs_node *node)
{
	require_namespace_lock("the node cache");
	if (node->refs == 0)
		panic("vfs: holding a node nobody references");
	node->refs++;
}

void node_put(struct vfs_node *node)
{
	require_namespace_lock("the node cache");
	if (node->refs == 0)
		panic("vfs: node reference count underflow");
	if (--node->refs)
		return;
	if (node->covered_by)
		panic("vfs: last reference to a mount point dropped");
	list_remove(&node->cache_link);
	fsop_release(node);
	kfree(node);
	__atomic_sub_fetch(&live_nodes, 1, __ATOMIC_RELAXED);
}
