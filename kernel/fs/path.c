/*
 * path.c - from a path to a node, and from a directory back to its path.
 *
 * A walk holds exactly one node reference at every moment: the node it
 * stands on.  Each step takes a reference on the next node before dropping
 * the current one, so nothing it stands on can vanish.  The steps:
 *
 *   ""  (between repeated slashes)  nothing
 *   "."                             nothing (the node must be a directory)
 *   name                            lookup in the filesystem; then, while
 *                                   the result is covered by a mount, move
 *                                   to that mount's root
 *   ".."                            first, while standing on the root of a
 *                                   mounted filesystem, move to the directory
 *                                   it covers; then ask the filesystem for
 *                                   "..", except at the root of the whole
 *                                   tree, where ".." stays put
 *
 * The reverse (a directory's absolute path, for `pwd` and the mount table)
 * climbs the same way: ".." to the parent, then a scan of the parent for the
 * entry with the child's inode number gives the child's name.  It is slower
 * than remembering the path string, but it stays right when a directory
 * above is renamed.
 *
 * Every function here runs with vfs_namespace_lock held, so mounts cannot
 * change under a walk, and every lookup it makes is one of the namespace
 * operations that lock serialises (keel/vfs.h).
 */
#include <keel/errno.h>

#include "fs/internal.h"
#include "lib/string.h"
#include "log/printk.h"

/*
 * Deepest directory the climbing loops accept before deciding that a
 * filesystem's ".." entries form a cycle (a corrupt volume).
 */
#define VFS_DEPTH_LIMIT (KEEL_PATH_MAX / 2)

bool name_is_dot_or_dotdot(const char *name)
{
	return name[0] == '.' &&
	       (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

/* Check a path's length: -ENOENT for "", -ENAMETOOLONG for too long. */
static int path_length(const char *path, size_t *length)
{
	size_t n;

	if (!path)
		return -EINVAL;
	n = strnlen(path, KEEL_PATH_MAX);
	if (n == KEEL_PATH_MAX)
		return -ENAMETOOLONG;
	if (n == 0)
		return -ENOENT;
	*length = n;
	return 0;
}

/* Where a walk of `path` begins, referenced; NULL when there is no root. */
static struct vfs_node *walk_start(const char *path,
				   const struct vfs_cwd *cwd)
{
	struct vfs_node *start;

	if (path[0] != '/' && cwd && cwd->node)
		start = cwd->node;
	else if (vfs_root_mount)
		start = vfs_root_mount->root;
	else
		return NULL;
	node_hold(start);
	return start;
}

/* Trade a reference on a covered directory for the covering root. */
static struct vfs_node *enter_mounts(struct vfs_node *node)
{
	while (node->covered_by) {
		struct vfs_node *root = node->covered_by->root;

		node_hold(root);
		node_put(node);
		node = root;
	}
	return node;
}

/* Trade a reference on a mounted root for the directory it covers. */
static struct vfs_node *leave_mounts(struct vfs_node *node)
{
	while (node_is_mount_root(node) && node->mount->parent) {
		struct vfs_node *covered = node->mount->mountpoint;

		node_hold(covered);
		node_put(node);
		node = covered;
	}
	return node;
}

int node_parent(struct vfs_node *dir, struct vfs_node **out)
{
	uint64_t ino;
	int err;

	if (node_is_mount_root(dir)) {
		node_hold(dir);
		*out = dir;
		return 0;
	}
	err = fsop_lookup(dir, "..", &ino);
	if (err)
		return err;
	return node_get(dir->mount, ino, out);
}

/* Move *at (a referenced directory) to its entry `name` (may be ".."). */
static int step(struct vfs_node **at, const char *name)
{
	bool dotdot = strcmp(name, "..") == 0;
	struct vfs_node *next;
	uint64_t ino;
	int err;

	if (dotdot)
		*at = leave_mounts(*at);
	if (dotdot) {
		err = node_parent(*at, &next);
	} else {
		err = fsop_lookup(*at, name, &ino);
		if (!err)
			err = node_get((*at)->mount, ino, &next);
	}
	if (!err)
		node_put(*at);
	if (err)
		return err;
	*at = enter_mounts(next);
	return 0;
}

/*
 * Walk the first `length` bytes of `path` from *at (referenced).  On
 * return *at is where the walk stopped, still referenced, error or not.
 */
static int walk(struct vfs_node **at, const char *path, size_t length)
{
	char name[KEEL_NAME_MAX + 1];
	size_t pos = 0;

	while (pos < length) {
		size_t start, name_length;
		int err;

		while (pos < length && path[pos] == '/')
			pos++;
		if (pos == length)
			break;
		start = pos;
		while (pos < length && path[pos] != '/')
			pos++;
		name_length = pos - start;
		if (name_length > KEEL_NAME_MAX)
			return -ENAMETOOLONG;
		if (!node_is_dir(*at))
			return -ENOTDIR;
		memcpy(name, path + start, name_length);
		name[name_length] = '\0';
		if (strcmp(name, ".") == 0)
			continue;
		err = step(at, name);
		if (err)
			return err;
	}
	return 0;
}

int path_walk(const char *path, const struct vfs_cwd *cwd,
	      struct vfs_node **out)
{
	struct vfs_node *node;
	size_t length;
	int err;

	require_namespace_lock("a path walk");
	err = path_length(path, &length);
	if (err)
		return err;
	node = walk_start(path, cwd);
	if (!node)
		return -ENOENT;
	err = walk(&node, path, length);
	if (!err && path[length - 1] == '/' && !node_is_dir(node))
		err = -ENOTDIR;
	if (err) {
		node_put(node);
		return err;
	}
	*out = node;
	return 0;
}

int path_walk_parent(const char *path, const struct vfs_cwd *cwd,
		     struct vfs_node **parent, char *name,
		     bool *trailing_slash)
{
	struct vfs_node *node;
	size_t length, start, end;
	int err;

	require_namespace_lock("a path walk");
	err = path_length(path, &length);
	if (err)
		return err;
	end = length;
	while (end > 0 && path[end - 1] == '/')
		end--;
	start = end;
	while (start > 0 && path[start - 1] != '/')
		start--;
	if (end - start > KEEL_NAME_MAX)
		return -ENAMETOOLONG;

	node = walk_start(path, cwd);
	if (!node)
		return -ENOENT;
	err = walk(&node, path, start);
	if (!err && !node_is_dir(node))
		err = -ENOTDIR;
	if (err) {
		node_put(node);
		return err;
	}
	memcpy(name, path + start, end - start);
	name[end - start] = '\0';
	*trailing_slash = end > 0 && end < length;
	*parent = node;
	return 0;
}

int path_parent_get(const char *path, const struct vfs_cwd *cwd,
		    struct path_parent *at)
{
	return path_walk_parent(path, cwd, &at->dir, at->name,
				&at->trailing_slash);
}

void path_parent_put(struct path_parent *at)
{
	node_put(at->dir);
}

int path_query(const char *path, const struct vfs_cwd *cwd,
	       int (*query)(struct vfs_node *node, void *out), void *out)
{
	struct vfs_node *node;
	int err;

	mutex_lock(&vfs_namespace_lock);
	err = path_walk(path, cwd, &node);
	if (!err) {
		err = query(node, out);
		node_put(node);
	}
	mutex_unlock(&vfs_namespace_lock);
	return err;
}

/* Namespace lock held.  Find the name under which `dir` lists `ino`. */
static int find_name(struct vfs_node *dir, uint64_t ino,
			    struct keel_dirent *entry)
{
	uint64_t cookie = 0;

	for (;;) {
		int found = fsop_readdir(dir, &cookie, entry);

		if (found < 0)
			return found;
		if (found == 0)
			return -ENOENT;
		if (entry->ino == ino && !name_is_dot_or_dotdot(entry->name))
			return 0;
	}
}

int path_of_node(struct vfs_node *node, char *buffer, size_t size)
{
	struct keel_dirent entry;
	size_t pos, length;
	int depth = 0, err = 0;

	require_namespace_lock("a path walk");
	if (size < 2)
		return -ERANGE;
	pos = size - 1;
	buffer[pos] = '\0';
	node_hold(node);
	for (;;) {
		struct vfs_node *parent;

		node = leave_mounts(node);
		if (node_is_mount_root(node))
			break; /* the root of the whole tree */
		if (++depth > VFS_DEPTH_LIMIT) {
			err = -ELOOP;
			break;
		}
		err = node_parent(node, &parent);
		if (!err) {
			err = find_name(parent, node->abi.ino, &entry);
			if (err)
				node_put(parent);
			else
				node_put(node);
		}
		if (err)
			break;
		node = parent;
		if (entry.name_length + 1 > pos) {
			err = -ERANGE;
			break;
		}
		pos -= entry.name_length;
		memcpy(buffer + pos, entry.name, entry.name_length);
		buffer[--pos] = '/';
	}
	node_put(node);
	if (err)
		return err;
	if (pos == size - 1)
		buffer[--pos] = '/';
	length = size - 1 - pos;
	memmove(buffer, buffer + pos, length + 1);
	return (int)length;
}

/* ---- the current directory --------------------------------------------- */

int vfs_cwd_init(struct vfs_cwd *cwd)
{
	mutex_lock(&vfs_namespace_lock);
	cwd->node = NULL;
	if (vfs_root_mount) {
		cwd->node = vfs_root_mount->root;
		node_hold(cwd->node);
	}
	mutex_unlock(&vfs_namespace_lock);
	return cwd->node ? 0 : -ENOENT;
}

int vfs_chdir(struct vfs_cwd *cwd, const char *path)
{
	struct vfs_node *node, *old;
	int err;

	mutex_lock(&vfs_namespace_lock);
	err = path_walk(path, cwd, &node);
	if (!err && !node_is_dir(node)) {
		node_put(node);
		err = -ENOTDIR;
	}
	if (!err) {
		old = cwd->node;
		cwd->node = node;
		if (old)
			node_put(old);
	}
	mutex_unlock(&vfs_namespace_lock);
	return err;
}

int vfs_getcwd(const struct vfs_cwd *cwd, char *buffer, size_t size)
{
	struct vfs_node *node = NULL;
	int err;

	mutex_lock(&vfs_namespace_lock);
	if (cwd && cwd->node)
		node = cwd->node;
	else if (vfs_root_mount)
		node = vfs_root_mount->root;
	if (node)
		err = path_of_node(node, buffer, size);
	else if (size >= 2)
		err = (int)strlcpy(buffer, "/", size);
	else
		err = -ERANGE;
	mutex_unlock(&vfs_namespace_lock);
	return err < 0 ? err : 0;
}

void vfs_cwd_release(struct vfs_cwd *cwd)
{
	if (!cwd->node)
		return;
	mutex_lock(&vfs_namespace_lock);
	node_put(cwd->node);
	mutex_unlock(&vfs_namespace_lock);
	cwd->node = NULL;
}
