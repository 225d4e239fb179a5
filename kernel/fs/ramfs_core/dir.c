/*
 * dir.c - ramfs directories: a list of names.
 *
 * A directory is a singly linked list of `struct ramfs_entry`, each a name
 * and the node it refers to.  A new entry goes at the end and gets the next
 * value of the directory's cookie counter, so the list is in cookie order
 * and readdir can continue at "the first entry whose cookie is at least
 * c", which stays right while entries are added and removed between calls
 * (the VFS may list a directory while it changes).
 *
 *   entries -> "etc" (cookie 0) -> "lib" (cookie 2) -> "tmp" (cookie 3)
 *              next_cookie = 4; the entry that had cookie 1 was removed
 *
 * Links are counted the Unix way: a file has one per name, a directory 2
 * (its name and its ".") plus one per subdirectory (their "..").  ".." is
 * answered from `parent`, not stored as an entry.
 *
 * Every function runs with the instance's lock held and checks everything
 * before it changes anything, so an error leaves the directory as it was.
 */
#include <keel/errno.h>
#include <keel/memory.h>

#include "ramfs_core.h"

static struct ramfs_entry *entry_find(struct ramfs_node *dir, const char *name)
{
	for (struct ramfs_entry *e = dir->entries; e; e = e->next)
		if (strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

/* A detached entry called `name`, or NULL when out of memory. */
static struct ramfs_entry *entry_new(const char *name)
{
	size_t length = strlen(name);
	struct ramfs_entry *e = kmalloc(sizeof(*e) + length + 1);

	if (!e)
		return NULL;
	e->name_length = (uint32_t)length;
	memcpy(e->name, name, length + 1);
	return e;
}

/* Put `e`, naming `node`, at the end of `dir`. */
static void entry_attach(struct ramfs_node *dir, struct ramfs_entry *e,
			 struct ramfs_node *node)
{
	struct ramfs_entry **at = &dir->entries;

	while (*at)
		at = &(*at)->next;
	e->next = NULL;
	e->node = node;
	e->cookie = dir->next_cookie++;
	*at = e;
	dir->entry_count++;
}

/* Unlink `e` from `dir` and free it. */
static void entry_destroy(struct ramfs_node *dir, struct ramfs_entry *e)
{
	struct ramfs_entry **at = &dir->entries;

	while (*at != e)
		at = &(*at)->next;
	*at = e->next;
	dir->entry_count--;
	kfree(e);
}

int ramfs_dir_lookup(struct ramfs_node *dir, const char *name, uint64_t *ino)
{
	struct ramfs_entry *e;

	if (strcmp(name, "..") == 0) {
		*ino = dir->parent->ino;
		return 0;
	}
	e = entry_find(dir, name);
	if (!e)
		return -ENOENT;
	*ino = e->node->ino;
	return 0;
}

int ramfs_dir_create(struct ramfs_node *dir, const char *name, uint32_t type,
		     uint32_t mode, uint64_t *ino)
{
	struct ramfs_entry *e;
	struct ramfs_node *node;

	if (type != KEEL_NODE_FILE && type != KEEL_NODE_DIR)
		return -EINVAL;
	if (dir->nlink == 0)
		return -ENOENT; /* removed while someone still stands in it */
	if (entry_find(dir, name))
		return -EEXIST;
	e = entry_new(name);
	if (!e)
		return -ENOMEM;
	node = ramfs_node_new(dir->super, type, mode);
	if (!node) {
		kfree(e);
		return -ENOMEM;
	}
	if (type == KEEL_NODE_DIR) {
		node->nlink = 2;
		node->parent = dir;
		dir->nlink++;
	} else {
		node->nlink = 1;
	}
	entry_attach(dir, e, node);
	*ino = node->ino;
	return 0;
}

int ramfs_dir_symlink(struct ramfs_node *dir, const char *name,
		      const char *target, uint64_t *ino)
{
	size_t length = strnlen(target, KEEL_PATH_MAX);
	struct ramfs_entry *e;
	struct ramfs_node *node;
	char *copy;

	if (length == 0 || length == KEEL_PATH_MAX)
		return length ? -ENAMETOOLONG : -ENOENT;
	if (dir->nlink == 0)
		return -ENOENT;
	if (entry_find(dir, name))
		return -EEXIST;
	e = entry_new(name);
	copy = kmalloc(length + 1);
	node = e && copy ? ramfs_node_new(dir->super, KEEL_NODE_SYMLINK, 0777)
			 : NULL;
	if (!node) {
		kfree(e);
		kfree(copy);
		return -ENOMEM;
	}
	memcpy(copy, target, length + 1);
	node->target = copy;
	node->size = length;
	node->nlink = 1;
	entry_attach(dir, e, node);
	*ino = node->ino;
	return 0;
}

int ramfs_dir_readdir(struct ramfs_node *dir, uint64_t *cookie,
		      struct keel_dirent *out)
{
	for (struct ramfs_entry *e = dir->entries; e; e = e->next) {
		if (e->cookie < *cookie)
			continue;
		out->ino = e->node->ino;
		out->type = e->node->type;
		out->name_length = e->name_length;
		memcpy(out->name, e->name, e->name_length + 1);
		*cookie = e->cookie + 1;
		return 1;
	}
	return 0;
}

/*
 * Remove `name` from `dir`: unlink wants anything but a directory there
 * (a file or a symbolic link), rmdir an empty directory.
 */
static int remove_name(struct ramfs_node *dir, const char *name, bool directory)
{
	struct ramfs_entry *e = entry_find(dir, name);
	struct ramfs_node *node;

	if (!e)
		return -ENOENT;
	node = e->node;
	if ((node->type == KEEL_NODE_DIR) != directory)
		return directory ? -ENOTDIR : -EISDIR;
	if (node->entry_count)
		return -ENOTEMPTY;
	entry_destroy(dir, e);
	ramfs_node_unlinked(dir, node);
	return 0;
}

int ramfs_dir_unlink(struct ramfs_node *dir, const char *name)
{
	return remove_name(dir, name, false);
}

int ramfs_dir_rmdir(struct ramfs_node *dir, const char *name)
{
	return remove_name(dir, name, true);
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

int ramfs_dir_rename(struct ramfs_node *old_dir, const char *old_name,
		     struct ramfs_node *new_dir, const char *new_name)
{
	struct ramfs_entry *source = entry_find(old_dir, old_name);
	struct ramfs_entry *target = entry_find(new_dir, new_name);
	struct ramfs_entry *fresh = NULL;
	struct ramfs_node *node, *victim = NULL;

	/* Check everything first. */
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
		if (victim->entry_count)
			return -ENOTEMPTY;
	} else {
		fresh = entry_new(new_name);
		if (!fresh)
			return -ENOMEM;
	}

	/* Then act: re-point the target entry, or attach the new one. */
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
		ramfs_node_unlinked(new_dir, victim);
	return 0;
}

void ramfs_dir_free(struct ramfs_node *dir)
{
	while (dir->entries) {
		struct ramfs_entry *e = dir->entries;

		dir->entries = e->next;
		kfree(e);
	}
	dir->entry_count = 0;
}
