/*
 * ramfs.c - the RAM filesystem: nodes, directories, and the tables the VFS
 * calls.
 *
 * ramfs is written against <keel/vfs.h> only, the way a loadable
 * filesystem module is, so it doubles as the worked example of that ABI.
 *
 * Nodes.  Every file and directory is a `struct ramfs_node`, found by inode
 * number through a small hash table in the superblock (read_node needs
 * that).  A node dies when it has no names left (nlink 0) and the VFS holds
 * no vnode for it: unlink of an open file only removes the name, and
 * `release` frees the node after the last close.
 *
 * Directories.  A list of `struct ramfs_entry` (name -> node).  Each entry
 * gets the next value of a per-directory counter as its readdir cookie and
 * new entries go at the end, so the list is in cookie order and "the first
 * entry whose cookie is >= c" is a stable place to continue a listing even
 * while entries come and go.  Directories count links the Unix way: 2 (the
 * name and ".") plus one per subdirectory ("..").
 *
 * Files.  Page-sized chunks, see ramfs_data.c.
 *
 * Space.  `mount -t ramfs -o size=64K none /tmp` caps the bytes of file
 * data (whole chunks) the instance may hold; without it, only memory
 * limits it (-ENOMEM).  statfs reports the chunks in use.
 *
 * Keel has no wall clock yet, so ramfs keeps no times (they read as 0).
 * The VFS serializes all calls into one instance; ramfs takes no locks.
 */
#include <keel/errno.h>

#include "fs/ramfs.h"
#include "lib/string.h"
#include "log/printk.h"
#include "mm/kmalloc.h"

static struct ramfs_node *node_of(struct keel_vnode *vnode)
{
	return vnode->private;
}

static struct list *bucket_of(struct ramfs_super *super, uint64_t ino)
{
	return &super->buckets[ino & (RAMFS_HASH_BUCKETS - 1)];
}

static struct ramfs_node *node_find(struct ramfs_super *super, uint64_t ino)
{
	struct list *pos, *bucket = bucket_of(super, ino);

	list_for_each(pos, bucket) {
		struct ramfs_node *node =
			container_of(pos, struct ramfs_node, hash_link);

		if (node->ino == ino)
			return node;
	}
	return NULL;
}

/* A new node with no names yet (nlink 0), or NULL. */
static struct ramfs_node *node_new(struct ramfs_super *super, uint32_t type,
				   uint32_t mode)
{
	struct ramfs_node *node = kmalloc(sizeof(*node));

	if (!node)
		return NULL;
	node->super = super;
	node->ino = super->next_ino++;
	node->type = type;
	node->mode = mode & KEEL_MODE_PERMISSIONS;
	list_init(&node->entries);
	list_push_back(bucket_of(super, node->ino), &node->hash_link);
	super->node_count++;
	return node;
}

/* Free a node that has no names (or whose whole fs is going away). */
static void node_free(struct ramfs_node *node)
{
	struct list *pos;

	while ((pos = list_pop_front(&node->entries)))
		kfree(container_of(pos, struct ramfs_entry, link));
	if (node->type == KEEL_NODE_FILE)
		ramfs_data_free(node);
	list_remove(&node->hash_link);
	node->super->node_count--;
	kfree(node);
}

/* Free the node if nothing keeps it: no name and no vnode. */
static void node_maybe_free(struct ramfs_node *node)
{
	if (node->nlink == 0 && !node->has_vnode)
		node_free(node);
}

/* ---- directory entries ------------------------------------------------- */

static struct ramfs_entry *entry_find(struct ramfs_node *dir, const char *name)
{
	struct list *pos;

	list_for_each(pos, &dir->entries) {
		struct ramfs_entry *entry =
			container_of(pos, struct ramfs_entry, link);

		if (strcmp(entry->name, name) == 0)
			return entry;
	}
	return NULL;
}

/* A detached entry called `name`, or NULL when out of memory. */
static struct ramfs_entry *entry_new(const char *name)
{
	size_t length = strlen(name);
	struct ramfs_entry *entry = kmalloc(sizeof(*entry) + length + 1);

	if (!entry)
		return NULL;
	entry->name_length = (uint32_t)length;
	memcpy(entry->name, name, length + 1);
	list_init(&entry->link);
	return entry;
}

/* Put `entry` (naming `node`) at the end of `dir`. */
static void entry_attach(struct ramfs_node *dir, struct ramfs_entry *entry,
			 struct ramfs_node *node)
{
	entry->node = node;
	entry->cookie = dir->next_cookie++;
	list_push_back(&dir->entries, &entry->link);
	dir->entry_count++;
}

static void entry_destroy(struct ramfs_node *dir, struct ramfs_entry *entry)
{
	list_remove(&entry->link);
	dir->entry_count--;
	kfree(entry);
}

/* Drop one name of `node`, which lived in `dir`. */
static void node_unlinked(struct ramfs_node *dir, struct ramfs_node *node)
{
	if (node->type == KEEL_NODE_DIR) {
		node->nlink = 0;
		dir->nlink--; /* its ".." */
	} else {
		node->nlink--;
	}
	node_maybe_free(node);
}

/* ---- node operations --------------------------------------------------- */

static int ramfs_lookup(struct keel_vnode *vdir, const char *name,
			uint64_t *ino)
{
	struct ramfs_node *dir = node_of(vdir);
	struct ramfs_entry *entry;

	if (strcmp(name, "..") == 0) {
		*ino = dir->parent->ino;
		return 0;
	}
	entry = entry_find(dir, name);
	if (!entry)
		return -ENOENT;
	*ino = entry->node->ino;
	return 0;
}

static int ramfs_create(struct keel_vnode *vdir, const char *name,
			uint32_t type, uint32_t mode, uint64_t *ino)
{
	struct ramfs_node *dir = node_of(vdir), *node;
	struct ramfs_entry *entry;

	if (type != KEEL_NODE_FILE && type != KEEL_NODE_DIR)
		return -EINVAL;
	if (dir->nlink == 0)
		return -ENOENT;
	if (entry_find(dir, name))
		return -EEXIST;
	entry = entry_new(name);
	if (!entry)
		return -ENOMEM;
	node = node_new(dir->super, type, mode);
	if (!node) {
		kfree(entry);
		return -ENOMEM;
	}
	if (type == KEEL_NODE_DIR) {
		node->nlink = 2;
		node->parent = dir;
		dir->nlink++;
	} else {
		node->nlink = 1;
	}
	entry_attach(dir, entry, node);
	*ino = node->ino;
	return 0;
}

static int64_t ramfs_read(struct keel_vnode *vnode, void *buffer,
			  uint64_t length, uint64_t offset)
{
	if (vnode->type != KEEL_NODE_FILE)
		return -EISDIR;
	return ramfs_data_read(node_of(vnode), buffer, length, offset);
}

static int64_t ramfs_write(struct keel_vnode *vnode, const void *buffer,
			   uint64_t length, uint64_t offset)
{
	if (vnode->type != KEEL_NODE_FILE)
		return -EISDIR;
	return ramfs_data_write(node_of(vnode), buffer, length, offset);
}

static int ramfs_truncate(struct keel_vnode *vnode, uint64_t size)
{
	if (vnode->type != KEEL_NODE_FILE)
		return -EISDIR;
	return ramfs_data_truncate(node_of(vnode), size);
}

static int ramfs_readdir(struct keel_vnode *vdir, uint64_t *cookie,
			 struct keel_dirent *out)
{
	struct ramfs_node *dir = node_of(vdir);
	struct list *pos;

	list_for_each(pos, &dir->entries) {
		struct ramfs_entry *entry =
			container_of(pos, struct ramfs_entry, link);

		if (entry->cookie < *cookie)
			continue;
		out->ino = entry->node->ino;
		out->type = entry->node->type;
		out->name_length = entry->name_length;
		memcpy(out->name, entry->name, entry->name_length + 1);
		*cookie = entry->cookie + 1;
		return 1;
	}
	return 0;
}

static int ramfs_unlink(struct keel_vnode *vdir, const char *name)
{
	struct ramfs_node *dir = node_of(vdir), *node;
	struct ramfs_entry *entry = entry_find(dir, name);

	if (!entry)
		return -ENOENT;
	node = entry->node;
	if (node->type == KEEL_NODE_DIR)
		return -EISDIR;
	entry_destroy(dir, entry);
	node_unlinked(dir, node);
	return 0;
}

static int ramfs_rmdir(struct keel_vnode *vdir, const char *name)
{
	struct ramfs_node *dir = node_of(vdir), *node;
	struct ramfs_entry *entry = entry_find(dir, name);

	if (!entry)
		return -ENOENT;
	node = entry->node;
	if (node->type != KEEL_NODE_DIR)
		return -ENOTDIR;
	if (node->entry_count)
		return -ENOTEMPTY;
	entry_destroy(dir, entry);
	node_unlinked(dir, node);
	return 0;
}

/* True if `dir` is `node` or lies below it. */
static bool is_within(struct ramfs_node *dir, struct ramfs_node *node)
{
	for (;;) {
		if (dir == node)
			return true;
		if (dir->parent == dir)
			return false;
		dir = dir->parent;
	}
}

static int ramfs_rename(struct keel_vnode *vold_dir, const char *old_name,
			struct keel_vnode *vnew_dir, const char *new_name)
{
	struct ramfs_node *old_dir = node_of(vold_dir);
	struct ramfs_node *new_dir = node_of(vnew_dir);
	struct ramfs_entry *source = entry_find(old_dir, old_name);
	struct ramfs_entry *target = entry_find(new_dir, new_name);
	struct ramfs_node *node, *victim = NULL;
	struct ramfs_entry *fresh = NULL;

	/* Validate. */
	if (!source)
		return -ENOENT;
	node = source->node;
	if (new_dir->nlink == 0)
		return -ENOENT;
	if (node->type == KEEL_NODE_DIR && is_within(new_dir, node))
		return -EINVAL;
	if (target) {
		victim = target->node;
		if (victim == node)
			return 0;
		if (node->type == KEEL_NODE_DIR &&
		    victim->type != KEEL_NODE_DIR)
			return -ENOTDIR;
		if (node->type != KEEL_NODE_DIR &&
		    victim->type == KEEL_NODE_DIR)
			return -EISDIR;
		if (victim->type == KEEL_NODE_DIR && victim->entry_count)
			return -ENOTEMPTY;
	} else {
		fresh = entry_new(new_name);
		if (!fresh)
			return -ENOMEM;
	}

	/* Act: re-point the target entry, or attach the new one. */
	if (target)
		target->node = node;
	else
		entry_attach(new_dir, fresh, node);
	entry_destroy(old_dir, source);
	if (node->type == KEEL_NODE_DIR && old_dir != new_dir) {
		old_dir->nlink--;
		new_dir->nlink++;
		node->parent = new_dir;
	}
	if (victim)
		node_unlinked(new_dir, victim);
	return 0;
}

static int ramfs_getattr(struct keel_vnode *vnode, struct keel_stat *out)
{
	struct ramfs_node *node = node_of(vnode);

	out->ino = node->ino;
	out->type = node->type;
	out->mode = node->mode;
	out->nlink = node->nlink;
	if (node->type == KEEL_NODE_FILE) {
		out->size = node->size;
		out->bytes_allocated = node->chunk_count * RAMFS_CHUNK_SIZE;
	} else {
		out->size = node->entry_count;
	}
	return 0;
}

static void ramfs_release(struct keel_vnode *vnode)
{
	struct ramfs_node *node = node_of(vnode);

	node->has_vnode = false;
	node_maybe_free(node);
}

static const struct keel_vnode_ops ramfs_node_ops = {
	.size = sizeof(struct keel_vnode_ops),
	.abi_version = KEEL_VFS_ABI_VERSION,
	.lookup = ramfs_lookup,
	.create = ramfs_create,
	.read = ramfs_read,
	.write = ramfs_write,
	.truncate = ramfs_truncate,
	.readdir = ramfs_readdir,
	.unlink = ramfs_unlink,
	.rmdir = ramfs_rmdir,
	.rename = ramfs_rename,
	.getattr = ramfs_getattr,
	.release = ramfs_release,
};

/* ---- the filesystem ---------------------------------------------------- */

/* The multiplier a size suffix stands for; 1 for none. */
static unsigned long size_suffix_scale(char suffix)
{
	if (suffix == 'K' || suffix == 'k')
		return 1ul << 10;
	if (suffix == 'M' || suffix == 'm')
		return 1ul << 20;
	if (suffix == 'G' || suffix == 'g')
		return 1ul << 30;
	return 1;
}

/* Parse "size=N[K|M|G]" options; other options give -EINVAL. */
static int parse_options(const char *options, uint64_t *bytes_limit)
{
	while (*options) {
		const char *end = strchr(options, ',');
		size_t length = end ? (size_t)(end - options) : strlen(options);
		char option[32];
		unsigned long value, scale;

		if (length >= sizeof(option))
			return -EINVAL;
		memcpy(option, options, length);
		option[length] = '\0';
		options += end ? length + 1 : length;
		if (length == 0)
			continue;
		if (strncmp(option, "size=", 5) != 0)
			return -EINVAL;
		scale = size_suffix_scale(option[length - 1]);
		if (scale != 1)
			option[length - 1] = '\0';
		if (parse_u64(option + 5, &value) || value == 0 ||
		    value > ~0ul / scale)
			return -EINVAL;
		*bytes_limit = value * scale;
	}
	return 0;
}

static int ramfs_mount(struct keel_mount *mount, const char *source,
		       const char *options)
{
	struct ramfs_super *super;
	struct ramfs_node *root;
	uint64_t bytes_limit = 0;
	int err;

	(void)source;
	err = parse_options(options, &bytes_limit);
	if (err)
		return err;
	super = kmalloc(sizeof(*super));
	if (!super)
		return -ENOMEM;
	for (int i = 0; i < RAMFS_HASH_BUCKETS; i++)
		list_init(&super->buckets[i]);
	super->next_ino = 1;
	super->bytes_limit = bytes_limit;
	root = node_new(super, KEEL_NODE_DIR, 0755);
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

static int ramfs_unmount(struct keel_mount *mount)
{
	struct ramfs_super *super = mount->private;

	for (int i = 0; i < RAMFS_HASH_BUCKETS; i++) {
		struct list *pos;

		while ((pos = list_pop_front(&super->buckets[i])))
			node_free(container_of(pos, struct ramfs_node,
					       hash_link));
	}
	if (super->node_count || super->bytes_used)
		panic("ramfs: unmount left %lu nodes, %lu bytes",
		      (unsigned long)super->node_count,
		      (unsigned long)super->bytes_used);
	kfree(super);
	return 0;
}

static int ramfs_statfs(struct keel_mount *mount, struct keel_statfs *out)
{
	struct ramfs_super *super = mount->private;

	out->bytes_total = super->bytes_limit;
	out->bytes_used = super->bytes_used;
	if (super->bytes_limit)
		out->bytes_free = super->bytes_limit - super->bytes_used;
	out->nodes_used = super->node_count;
	out->block_size = RAMFS_CHUNK_SIZE;
	out->name_max = KEEL_NAME_MAX;
	return 0;
}

static int ramfs_read_node(struct keel_mount *mount, struct keel_vnode *vnode)
{
	struct ramfs_node *node = node_find(mount->private, vnode->ino);

	if (!node)
		return -ENOENT;
	if (node->has_vnode)
		panic("ramfs: two vnodes for inode %lu",
		      (unsigned long)node->ino);
	node->has_vnode = true;
	vnode->type = node->type;
	vnode->private = node;
	return 0;
}

const struct keel_fs_type ramfs_fs_type = {
	.size = sizeof(struct keel_fs_type),
	.abi_version = KEEL_VFS_ABI_VERSION,
	.name = "ramfs",
	.flags = 0,
	.node_ops = &ramfs_node_ops,
	.mount = ramfs_mount,
	.unmount = ramfs_unmount,
	.statfs = ramfs_statfs,
	.read_node = ramfs_read_node,
};
