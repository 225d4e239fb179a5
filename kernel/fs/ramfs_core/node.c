/*
 * node.c - ramfs nodes: every file, directory and symbolic link of an
 * instance.
 *
 * A node is found by inode number through a small hash table in the
 * superblock, because read_node is handed nothing else: inode n sits on
 * chain n % RAMFS_HASH_BUCKETS.  Inode numbers count up from 1 and are
 * never reused, so the chains stay evenly short.
 *
 *   buckets[0] -> ino 64 -> ino 128
 *   buckets[1] -> ino 1 (the root) -> ino 65
 *   ...
 *
 * A symbolic link keeps its target in the node itself (a kmalloc'd
 * string, `size` its length); it holds no chunks, and its bytes do not
 * count against "size=".
 *
 * A node lives while something uses it: a name (nlink > 0) or the VFS's
 * vnode (has_vnode).  Unlinking an open file only removes the name; the
 * file stays readable and writable through the open file, and release
 * frees it after the last close.
 *
 * Every function here runs with the instance's lock held (ops.c), except
 * during mount and unmount, when nobody else can see the instance.
 */
#include <keel/errno.h>
#include <keel/log.h>
#include <keel/memory.h>

#include "ramfs_core.h"

static struct ramfs_node **chain_of(struct ramfs_super *super, uint64_t ino)
{
	return &super->buckets[ino & (RAMFS_HASH_BUCKETS - 1)];
}

static struct ramfs_node *node_find(struct ramfs_super *super, uint64_t ino)
{
	struct ramfs_node *node = *chain_of(super, ino);

	while (node && node->ino != ino)
		node = node->hash_next;
	return node;
}

struct ramfs_node *ramfs_node_new(struct ramfs_super *super, uint32_t type,
				  uint32_t mode)
{
	struct ramfs_node *node = kmalloc(sizeof(*node)); /* zeroed */
	struct ramfs_node **chain;

	if (!node)
		return NULL;
	node->super = super;
	node->ino = super->next_ino++;
	node->type = type;
	node->mode = mode & KEEL_MODE_PERMISSIONS;
	chain = chain_of(super, node->ino);
	node->hash_next = *chain;
	*chain = node;
	super->node_count++;
	return node;
}

void ramfs_node_free(struct ramfs_node *node)
{
	struct ramfs_node **at = chain_of(node->super, node->ino);

	if (node->type == KEEL_NODE_DIR)
		ramfs_dir_free(node);
	else if (node->type == KEEL_NODE_SYMLINK)
		kfree(node->target);
	else
		ramfs_file_free(node);
	while (*at != node)
		at = &(*at)->hash_next;
	*at = node->hash_next;
	node->super->node_count--;
	kfree(node);
}

/* Free the node if nothing uses it any more: no name and no vnode. */
static void node_maybe_free(struct ramfs_node *node)
{
	if (node->nlink == 0 && !node->has_vnode)
		ramfs_node_free(node);
}

void ramfs_node_unlinked(struct ramfs_node *dir, struct ramfs_node *node)
{
	if (node->type == KEEL_NODE_DIR) {
		node->nlink = 0;
		dir->nlink--; /* its ".." pointed at dir */
	} else {
		node->nlink--;
	}
	node_maybe_free(node);
}

int ramfs_node_attach(struct ramfs_super *super, struct keel_vnode *vnode)
{
	struct ramfs_node *node = node_find(super, vnode->ino);

	if (!node)
		return -ENOENT;
	if (node->has_vnode) { /* the VFS promises one vnode per inode */
		pr_err("%s: a second vnode for inode %lu",
		       vnode->mount->type->name, (unsigned long)node->ino);
		return -EIO;
	}
	node->has_vnode = true;
	vnode->type = node->type;
	vnode->private = node;
	return 0;
}

void ramfs_node_detach(struct ramfs_node *node)
{
	node->has_vnode = false;
	node_maybe_free(node);
}

int ramfs_node_getattr(struct ramfs_node *node, struct keel_stat *out)
{
	out->ino = node->ino;
	out->type = node->type;
	out->mode = node->mode;
	out->nlink = node->nlink;
	if (node->type == KEEL_NODE_FILE) {
		out->size = node->size;
		out->bytes_allocated = node->chunk_count * RAMFS_CHUNK_SIZE;
	} else if (node->type == KEEL_NODE_SYMLINK) {
		out->size = node->size; /* the target, kept in the node */
	} else {
		out->size = node->entry_count;
	}
	return 0; /* no times: Keel has no wall clock yet */
}

int64_t ramfs_node_readlink(struct ramfs_node *node, char *buffer,
			    uint64_t size)
{
	if (node->type != KEEL_NODE_SYMLINK)
		return -EINVAL;
	if (node->size > size)
		return -ENAMETOOLONG;
	memcpy(buffer, node->target, node->size);
	return (int64_t)node->size;
}
