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
 * Futures.  Nothing in ramfs ever waits, so every operation of
 * <keel/vfs.h> does its work in the call and returns a ready future
 * (keel/future_ready.h) holding the result.  The future is allocated
 * first: when there is no memory for it the operation returns NULL having
 * changed nothing, so "a failing operation changes nothing" holds for that
 * failure too.  The work itself is the *_locked function of the same name,
 * which answers a plain int.
 *
 * Locking.  The VFS may call several operations of one instance at once
 * (reads next to writes, a readdir next to a create), so each operation
 * runs under the instance's spinlock, taken in op_begin and dropped in
 * op_end.  No operation waits, so the lock is never held across an await.
 *
 * Keel has no wall clock yet, so ramfs keeps no times (they read as 0).
 */
#include <keel/errno.h>
#include <keel/future_ready.h>

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

static int lookup_locked(struct keel_vnode *vdir, const char *name,
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

static int create_locked(struct keel_vnode *vdir, const char *name,
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

static int64_t read_locked(struct keel_vnode *vnode, void *buffer,
			  uint64_t length, uint64_t offset)
{
	if (vnode->type != KEEL_NODE_FILE)
		return -EISDIR;
	return ramfs_data_read(node_of(vnode), buffer, length, offset);
}

static int64_t write_locked(struct keel_vnode *vnode, const void *buffer,
			   uint64_t length, uint64_t offset)
{
	if (vnode->type != KEEL_NODE_FILE)
		return -EISDIR;
	return ramfs_data_write(node_of(vnode), buffer, length, offset);
}

static int truncate_locked(struct keel_vnode *vnode, uint64_t size)
{
	if (vnode->type != KEEL_NODE_FILE)
		return -EISDIR;
	return ramfs_data_truncate(node_of(vnode), size);
}

static int readdir_locked(struct keel_vnode *vdir, uint64_t *cookie,
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

static int unlink_locked(struct keel_vnode *vdir, const char *name)
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

static int rmdir_locked(struct keel_vnode *vdir, const char *name)
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

static int rename_locked(struct keel_vnode *vold_dir, const char *old_name,
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

static int getattr_locked(struct keel_vnode *vnode, struct keel_stat *out)
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

static void release_locked(struct keel_vnode *vnode)
{
	struct ramfs_node *node = node_of(vnode);

	node->has_vnode = false;
	node_maybe_free(node);
}

/* ---- the operations as futures ----------------------------------------- */

static struct ramfs_super *super_of(struct keel_vnode *vnode)
{
	return vnode->mount->private;
}

/*
 * Begin an operation: make its ready future, then lock the instance.
 * NULL (no memory, nothing locked) means the operation must return NULL
 * without doing anything.
 */
static struct keel_int_future *op_begin(struct ramfs_super *super)
{
	struct keel_int_future *f = keel_future_ready(0);

	if (f)
		spin_lock(&super->lock);
	return f;
}

/* End it: unlock, and record the work's result in the future. */
static struct keel_int_future *op_end(struct ramfs_super *super,
				      struct keel_int_future *f, int64_t result)
{
	spin_unlock(&super->lock);
	f->result = result;
	return f;
}

static struct keel_int_future *ramfs_lookup(struct keel_vnode *dir,
					    const char *name, uint64_t *ino)
{
	struct keel_int_future *f = op_begin(super_of(dir));

	return f ? op_end(super_of(dir), f, lookup_locked(dir, name, ino))
		 : NULL;
}

static struct keel_int_future *ramfs_create(struct keel_vnode *dir,
					    const char *name, uint32_t type,
					    uint32_t mode, uint64_t *ino)
{
	struct keel_int_future *f = op_begin(super_of(dir));

	return f ? op_end(super_of(dir), f,
			  create_locked(dir, name, type, mode, ino))
		 : NULL;
}

static struct keel_int_future *ramfs_read(struct keel_vnode *node,
					  void *buffer, uint64_t length,
					  uint64_t offset)
{
	struct keel_int_future *f = op_begin(super_of(node));

	return f ? op_end(super_of(node), f,
			  read_locked(node, buffer, length, offset))
		 : NULL;
}

static struct keel_int_future *ramfs_write(struct keel_vnode *node,
					   const void *buffer, uint64_t length,
					   uint64_t offset)
{
	struct keel_int_future *f = op_begin(super_of(node));

	return f ? op_end(super_of(node), f,
			  write_locked(node, buffer, length, offset))
		 : NULL;
}

static struct keel_int_future *ramfs_truncate(struct keel_vnode *node,
					      uint64_t size)
{
	struct keel_int_future *f = op_begin(super_of(node));

	return f ? op_end(super_of(node), f, truncate_locked(node, size))
		 : NULL;
}

static struct keel_int_future *ramfs_readdir(struct keel_vnode *dir,
					     uint64_t *cookie,
					     struct keel_dirent *out)
{
	struct keel_int_future *f = op_begin(super_of(dir));

	return f ? op_end(super_of(dir), f, readdir_locked(dir, cookie, out))
		 : NULL;
}

static struct keel_int_future *ramfs_unlink(struct keel_vnode *dir,
					    const char *name)
{
	struct keel_int_future *f = op_begin(super_of(dir));

	return f ? op_end(super_of(dir), f, unlink_locked(dir, name)) : NULL;
}

static struct keel_int_future *ramfs_rmdir(struct keel_vnode *dir,
					   const char *name)
{
	struct keel_int_future *f = op_begin(super_of(dir));

	return f ? op_end(super_of(dir), f, rmdir_locked(dir, name)) : NULL;
}

static struct keel_int_future *ramfs_rename(struct keel_vnode *old_dir,
					    const char *old_name,
					    struct keel_vnode *new_dir,
					    const char *new_name)
{
	struct keel_int_future *f = op_begin(super_of(old_dir));

	return f ? op_end(super_of(old_dir), f,
			  rename_locked(old_dir, old_name, new_dir, new_name))
		 : NULL;
}

static struct keel_int_future *ramfs_getattr(struct keel_vnode *node,
					     struct keel_stat *out)
{
	struct keel_int_future *f = op_begin(super_of(node));

	return f ? op_end(super_of(node), f, getattr_locked(node, out)) : NULL;
}

/* Release cannot be refused: its future must not need memory. */
static struct keel_int_future *ramfs_release(struct keel_vnode *node)
{
	struct ramfs_super *super = super_of(node);

	spin_lock(&super->lock);
	release_locked(node);
	spin_unlock(&super->lock);
	return keel_future_done();
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

/* Nobody else can see the instance yet: no lock needed. */
static int mount_unshared(struct keel_mount *mount, const char *options)
{
	struct ramfs_super *super;
	struct ramfs_node *root;
	uint64_t bytes_limit = 0;
	int err;

	err = parse_options(options, &bytes_limit);
	if (err)
		return err;
	super = kmalloc(sizeof(*super));
	if (!super)
		return -ENOMEM;
	spin_init(&super->lock, "ramfs");
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

static struct keel_int_future *ramfs_mount(struct keel_mount *mount,
					   const char *source,
					   const char *options)
{
	struct keel_int_future *f = keel_future_ready(0);

	(void)source;
	if (f)
		f->result = mount_unshared(mount, options);
	return f;
}

/*
 * The VFS guarantees nothing else runs on the instance any more.  Like
 * release, unmount cannot be refused, so its future needs no memory.
 */
static struct keel_int_future *ramfs_unmount(struct keel_mount *mount)
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
	return keel_future_done();
}

static struct keel_int_future *ramfs_statfs(struct keel_mount *mount,
					    struct keel_statfs *out)
{
	struct ramfs_super *super = mount->private;
	struct keel_int_future *f = op_begin(super);

	if (!f)
		return NULL;
	out->bytes_total = super->bytes_limit;
	out->bytes_used = super->bytes_used;
	if (super->bytes_limit)
		out->bytes_free = super->bytes_limit - super->bytes_used;
	out->nodes_used = super->node_count;
	out->block_size = RAMFS_CHUNK_SIZE;
	out->name_max = KEEL_NAME_MAX;
	return op_end(super, f, 0);
}

static int read_node_locked(struct keel_mount *mount, struct keel_vnode *vnode)
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

static struct keel_int_future *ramfs_read_node(struct keel_mount *mount,
					       struct keel_vnode *vnode)
{
	struct keel_int_future *f = op_begin(mount->private);

	return f ? op_end(mount->private, f, read_node_locked(mount, vnode))
		 : NULL;
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
