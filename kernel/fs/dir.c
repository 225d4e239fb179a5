/*
 * dir.c - operations on names: stat, lstat, readlink, mkdir, symlink,
 * unlink, rmdir, rename.
 *
 * Each one resolves the parent directory and the last component
 * (path_walk_parent: a symbolic link as the last component is the name
 * acted on, never followed), looks the component up, and checks
 * everything the VFS can check for every filesystem alike before it asks
 * the filesystem to act:
 *
 *   - "/", "." and ".." are never created, removed or renamed;
 *   - a read-only mount refuses with -EROFS;
 *   - a directory covered by a mount, or one that is open or someone's
 *     current directory, is not removed or replaced (-EBUSY);
 *   - unlink takes files only, rmdir directories only, and rename keeps a
 *     file a file and a directory a directory;
 *   - rename stays within one mount (-EXDEV) and never moves a directory
 *     into its own subtree (-EINVAL).
 *
 * The filesystem then only has to check what only it knows (is the
 * directory empty? is there space?).  The namespace lock is held
 * throughout, across every lookup and the filesystem's own operation, so
 * nothing checked can change before the filesystem acts.
 */
#include <keel/errno.h>

#include "fs/internal.h"
#include "lib/string.h"

/* The climbing limit of rename's subtree check; see path.c. */
#define VFS_DEPTH_LIMIT (KEEL_PATH_MAX / 2)

/* Namespace lock held.  Reference the entry `name` of dir, no crossing. */
static int child_locked(struct vfs_node *dir, const char *name,
			struct vfs_node **out)
{
	uint64_t ino;
	int err;

	err = fsop_lookup(dir, name, &ino);
	if (err)
		return err;
	return node_get(dir->mount, ino, out);
}

/*
 * A directory someone else is using: mounted over, open, or a current
 * directory.  `own` is how many of its references the caller holds.
 */
static bool dir_in_use(const struct vfs_node *dir, unsigned own)
{
	return dir->covered_by || dir->refs > own;
}

static int query_stat(struct vfs_node *node, void *out)
{
	return fsop_getattr(node, out);
}

int vfs_stat(const char *path, const struct vfs_cwd *cwd,
	     struct keel_stat *out)
{
	return path_query(path, cwd, true, query_stat, out);
}

int vfs_lstat(const char *path, const struct vfs_cwd *cwd,
	      struct keel_stat *out)
{
	return path_query(path, cwd, false, query_stat, out);
}

/* vfs_readlink's buffer, and the length it got. */
struct link_text {
	char *buffer;
	size_t size;
	int64_t length;
};

static int query_link(struct vfs_node *node, void *out)
{
	struct link_text *text = out;

	if (!node_is_symlink(node))
		return -EINVAL;
	text->length = fsop_readlink(node, text->buffer, text->size - 1);
	if (text->length == -ENAMETOOLONG)
		return -ERANGE;
	if (text->length < 0)
		return (int)text->length;
	text->buffer[text->length] = '\0';
	return 0;
}

int vfs_readlink(const char *path, const struct vfs_cwd *cwd, char *buffer,
		 size_t size)
{
	struct link_text text = {buffer, size, 0};
	int err;

	if (size < 2)
		return -ERANGE;
	err = path_query(path, cwd, false, query_link, &text);
	return err ? err : (int)text.length;
}

int vfs_symlink(const char *target, const char *path,
		const struct vfs_cwd *cwd)
{
	struct path_parent at;
	size_t length;
	uint64_t ino;
	int err;

	if (!target)
		return -EINVAL;
	length = strnlen(target, KEEL_PATH_MAX);
	if (length == 0)
		return -ENOENT; /* as Linux: an empty target names nothing */
	if (length == KEEL_PATH_MAX)
		return -ENAMETOOLONG;
	mutex_lock(&vfs_namespace_lock);
	err = path_parent_get(path, cwd, &at);
	if (err)
		goto out;
	if (!at.name[0] || name_is_dot_or_dotdot(at.name))
		err = -EEXIST;
	else if (at.trailing_slash)
		err = -ENOENT; /* "name/" would have to be a directory */
	else if (mount_is_read_only(at.dir->mount))
		err = -EROFS;
	else
		err = fsop_symlink(at.dir, at.name, target, &ino);
	path_parent_put(&at);
out:
	mutex_unlock(&vfs_namespace_lock);
	return err;
}

int name_create(const struct path_parent *at, uint32_t type,
		       uint32_t mode, int dot_error, uint64_t *ino)
{
	if (!at->name[0] || name_is_dot_or_dotdot(at->name))
		return dot_error;
	if (mount_is_read_only(at->dir->mount))
		return -EROFS;
	return fsop_create(at->dir, at->name, type,
			   mode & KEEL_MODE_PERMISSIONS, ino);
}

int vfs_mkdir(const char *path, uint32_t mode, const struct vfs_cwd *cwd)
{
	struct path_parent at;
	uint64_t ino;
	int err;

	mutex_lock(&vfs_namespace_lock);
	err = path_parent_get(path, cwd, &at);
	if (err)
		goto out;
	err = name_create(&at, KEEL_NODE_DIR, mode, -EEXIST, &ino);
	path_parent_put(&at);
out:
	mutex_unlock(&vfs_namespace_lock);
	return err;
}

/*
 * Whether `name` may be removed at all, before it is looked up: "/" (the
 * empty name), "." and ".." never are.  unlink calls them all directories;
 * rmdir reports "/" as busy and the dots as invalid.
 */
static int check_removable_name(const char *name, bool directory)
{
	if (!name[0])
		return directory ? -EBUSY : -EISDIR;
	if (name_is_dot_or_dotdot(name))
		return directory ? -EINVAL : -EISDIR;
	return 0;
}

/*
 * Namespace lock held.  Whether the node `victim` may be removed:
 * unlink takes files only (and no trailing slash after a file's name),
 * rmdir directories only, and none that someone else uses.  The one
 * reference the caller holds on victim does not count as a use.
 */
static int check_removable_node(const struct vfs_node *victim, bool directory,
				bool trailing_slash)
{
	if (directory) {
		if (!node_is_dir(victim))
			return -ENOTDIR;
		return dir_in_use(victim, 1) ? -EBUSY : 0;
	}
	if (node_is_dir(victim))
		return -EISDIR;
	return trailing_slash ? -ENOTDIR : 0;
}

/* vfs_unlink when `directory` is false, vfs_rmdir when it is true. */
static int remove_name(const char *path, const struct vfs_cwd *cwd,
		       bool directory)
{
	struct path_parent at;
	struct vfs_node *victim;
	int err;

	mutex_lock(&vfs_namespace_lock);
	err = path_parent_get(path, cwd, &at);
	if (err)
		goto out;
	err = check_removable_name(at.name, directory);
	if (!err && mount_is_read_only(at.dir->mount))
		err = -EROFS;
	if (!err)
		err = child_locked(at.dir, at.name, &victim);
	if (!err) {
		err = check_removable_node(victim, directory,
					   at.trailing_slash);
		if (!err)
			err = directory ? fsop_rmdir(at.dir, at.name)
					: fsop_unlink(at.dir, at.name);
		/* An open file's data lives on until its close. */
		node_put(victim);
	}
	path_parent_put(&at);
out:
	mutex_unlock(&vfs_namespace_lock);
	return err;
}

int vfs_unlink(const char *path, const struct vfs_cwd *cwd)
{
	return remove_name(path, cwd, false);
}

int vfs_rmdir(const char *path, const struct vfs_cwd *cwd)
{
	return remove_name(path, cwd, true);
}

/*
 * Namespace lock held.  -EINVAL if `dir` is `ancestor` or lies below it
 * (within their mount), else 0.
 */
static int check_not_below(struct vfs_node *dir, struct vfs_node *ancestor)
{
	struct vfs_node *node = dir, *parent;
	int depth = 0, err = 0;

	node_hold(node);
	for (;;) {
		if (node == ancestor) {
			err = -EINVAL;
			break;
		}
		if (node_is_mount_root(node))
			break;
		if (++depth > VFS_DEPTH_LIMIT) {
			err = -ELOOP;
			break;
		}
		err = node_parent(node, &parent);
		if (err)
			break;
		node_put(node);
		node = parent;
	}
	node_put(node);
	return err;
}

/*
 * Namespace lock held; both parents are directories of this mount.  All the
 * checks of a rename, then the filesystem's rename.
 */
static int rename_checked(struct vfs_node *old_parent, const char *old_name,
			 struct vfs_node *new_parent, const char *new_name,
			 bool trailing_slash)
{
	struct vfs_node *source, *target = NULL;
	int err;

	err = child_locked(old_parent, old_name, &source);
	if (err)
		return err;
	err = child_locked(new_parent, new_name, &target);
	if (err == -ENOENT) {
		target = NULL;
		err = 0;
	}
	if (err)
		goto out_source;

	if (trailing_slash && !node_is_dir(source))
		err = -ENOTDIR;
	else if (source->covered_by)
		err = -EBUSY;
	else if (target == source)
		err = 0; /* the same node under both names: nothing to do */
	else if (target && target->covered_by)
		err = -EBUSY;
	else if (target && node_is_dir(source) && !node_is_dir(target))
		err = -ENOTDIR;
	else if (target && !node_is_dir(source) && node_is_dir(target))
		err = -EISDIR;
	else if (target && node_is_dir(target) &&
		 dir_in_use(target, 1 + (target == old_parent)))
		err = -EBUSY;
	else if (node_is_dir(source))
		err = check_not_below(new_parent, source);
	if (!err && target != source)
		err = fsop_rename(old_parent, old_name, new_parent, new_name);

	if (target)
		node_put(target);
out_source:
	node_put(source);
	return err;
}

int vfs_rename(const char *old_path, const char *new_path,
	       const struct vfs_cwd *cwd)
{
	char old_name[KEEL_NAME_MAX + 1], new_name[KEEL_NAME_MAX + 1];
	struct vfs_node *old_parent, *new_parent;
	bool old_slash, new_slash;
	struct vfs_mount *mount;
	int err;

	mutex_lock(&vfs_namespace_lock);
	err = path_walk_parent(old_path, cwd, &old_parent, old_name,
			       &old_slash);
	if (err)
		goto out;
	err = path_walk_parent(new_path, cwd, &new_parent, new_name,
			       &new_slash);
	if (err)
		goto out_old;

	mount = old_parent->mount;
	if (!old_name[0] || !new_name[0] || name_is_dot_or_dotdot(old_name) ||
	    name_is_dot_or_dotdot(new_name))
		err = -EINVAL;
	else if (new_parent->mount != mount)
		err = -EXDEV;
	else if (mount_is_read_only(mount))
		err = -EROFS;
	if (!err)
		err = rename_checked(old_parent, old_name, new_parent, new_name,
				     old_slash || new_slash);
	node_put(new_parent);
out_old:
	node_put(old_parent);
out:
	mutex_unlock(&vfs_namespace_lock);
	return err;
}
