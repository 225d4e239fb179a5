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
 * Symbolic links.  When a name's lookup gives a symbolic link, and it is
 * not the last component (or the caller follows the last one), the walk
 * does not move onto it: it reads the link's target (readlink) and
 * splices it in front of the rest of the path, then goes on from where
 * it stands -- the directory holding the link -- or from the root when
 * the target begins with '/'.
 *
 *   walking "/a/ln/x/y", ln -> "../b"      standing on /a
 *   path left: "/x/y"  becomes  "../b/x/y"  still standing on /a
 *
 * So ".." after a link climbs from the link's target, not back over the
 * link (Unix's "physical" walk), and a walk never recurses: a loop of
 * links just splices for ever, so each walk counts the links it follows
 * and gives -ELOOP at the 41st.  The spliced path lives in one buffer
 * (KEEL_PATH_MAX, plus as much for readlink), allocated when the first
 * link is met, so walks without links allocate nothing.  A target and
 * the rest of the path longer together than KEEL_PATH_MAX give
 * -ENAMETOOLONG.
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
#include "mm/kmalloc.h"

/*
 * Deepest directory the climbing loops accept before deciding that a
 * filesystem's ".." entries form a cycle (a corrupt volume).
 */
#define VFS_DEPTH_LIMIT (KEEL_PATH_MAX / 2)

/* Symbolic links one resolution follows at most (Linux's MAXSYMLINKS). */
#define VFS_SYMLINK_LIMIT 40

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

/* Move *at (a referenced directory) to its parent, crossing mounts. */
static int step_up(struct vfs_node **at)
{
	struct vfs_node *next;
	int err;

	*at = leave_mounts(*at);
	err = node_parent(*at, &next);
	if (err)
		return err;
	node_put(*at);
	*at = enter_mounts(next);
	return 0;
}

/* Reference the entry `name` of directory `dir` (no mount crossing). */
static int child_of(struct vfs_node *dir, const char *name,
		    struct vfs_node **out)
{
	uint64_t ino;
	int err = fsop_lookup(dir, name, &ino);

	if (err)
		return err;
	return node_get(dir->mount, ino, out);
}

/*
 * A walk in progress.  What is left to walk is path[pos..length): the
 * caller's string until a symbolic link is followed, then `text`, a
 * buffer where each followed link's target is spliced in front of what
 * was left of the path after the link's name.
 */
struct walk {
	struct vfs_node *at; /* referenced: the directory the walk stands on */
	const char *path;
	size_t length, pos;
	unsigned links; /* followed so far */
	char *text;	/* KEEL_PATH_MAX, then the target's KEEL_PATH_MAX */
};

/* Start at the cwd or the root.  0, -ENOENT (no root), -ENAMETOOLONG. */
static int walk_begin(struct walk *w, const char *path,
		      const struct vfs_cwd *cwd)
{
	int err = path_length(path, &w->length);

	if (err)
		return err;
	w->path = path;
	w->pos = 0;
	w->links = 0;
	w->text = NULL;
	w->at = walk_start(path, cwd);
	return w->at ? 0 : -ENOENT;
}

/* Drop what the walk holds but `at` (which the caller keeps or puts). */
static void walk_end(struct walk *w)
{
	kfree(w->text);
	w->text = NULL;
}

/*
 * Follow the symbolic link `link`, met as the component just before
 * path[pos]: read its target and make "target + the rest" the path left
 * to walk, from the root for an absolute target, else from w->at, the
 * directory holding the link.  -ELOOP after VFS_SYMLINK_LIMIT links,
 * -ENAMETOOLONG when target and rest do not fit in KEEL_PATH_MAX.
 */
static int follow(struct walk *w, struct vfs_node *link)
{
	size_t rest = w->length - w->pos;
	char *target;
	int64_t n;

	if (w->links == VFS_SYMLINK_LIMIT)
		return -ELOOP;
	w->links++;
	if (!w->text) {
		w->text = kmalloc(2 * KEEL_PATH_MAX);
		if (!w->text)
			return -ENOMEM;
	}
	target = w->text + KEEL_PATH_MAX;
	n = fsop_readlink(link, target, KEEL_PATH_MAX);
	if (n < 0)
		return (int)n;
	if ((size_t)n + rest >= KEEL_PATH_MAX)
		return -ENAMETOOLONG;
	memmove(w->text + n, w->path + w->pos, rest);
	memcpy(w->text, target, (size_t)n);
	w->text[n + rest] = '\0';
	w->path = w->text;
	w->length = (size_t)n + rest;
	w->pos = 0;
	if (target[0] == '/') {
		struct vfs_node *root = vfs_root_mount->root;

		node_hold(root);
		node_put(w->at);
		w->at = root;
	}
	return 0;
}

/*
 * The next component of the path into name (KEEL_NAME_MAX + 1 bytes):
 * 1, with *last telling whether only slashes follow it and *slash
 * whether any do; 0 at the end; -ENAMETOOLONG.
 */
static int next_name(struct walk *w, char *name, bool *last, bool *slash)
{
	size_t start, after;

	while (w->pos < w->length && w->path[w->pos] == '/')
		w->pos++;
	if (w->pos == w->length)
		return 0;
	start = w->pos;
	while (w->pos < w->length && w->path[w->pos] != '/')
		w->pos++;
	if (w->pos - start > KEEL_NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(name, w->path + start, w->pos - start);
	name[w->pos - start] = '\0';
	after = w->pos;
	while (after < w->length && w->path[after] == '/')
		after++;
	*last = after == w->length;
	*slash = w->pos < w->length;
	return 1;
}

/*
 * Walk to the end of the path, following symbolic links met on the way:
 * always before the last component, and as the last one when
 * `follow_last` or when a slash follows it ("link/" means the directory
 * it names).  With `parent`, stop before the last component instead: it
 * goes to `last` ("" for a path without one, "." and ".." as they are),
 * and, when `follow_last`, a last component naming a symbolic link is
 * followed and the walk goes on to its target's last component (which
 * then need not exist).  On return w->at is where the walk stopped,
 * still referenced, error or not.
 */
static int walk_run(struct walk *w, bool parent, bool follow_last, char *last,
		    bool *trailing_slash)
{
	char name[KEEL_NAME_MAX + 1];
	struct vfs_node *next;
	bool is_last, slash;
	int err;

	for (;;) {
		err = next_name(w, name, &is_last, &slash);
		if (err <= 0) {
			if (!err && parent) {
				last[0] = '\0';
				*trailing_slash = false;
			}
			return err;
		}
		if (!node_is_dir(w->at))
			return -ENOTDIR;
		if (parent && is_last) {
			memcpy(last, name, KEEL_NAME_MAX + 1);
			*trailing_slash = slash;
			if (!follow_last || name_is_dot_or_dotdot(name))
				return 0;
			err = child_of(w->at, name, &next);
			if (err)
				return err == -ENOENT ? 0 : err;
			if (!node_is_symlink(next)) {
				node_put(next);
				return 0;
			}
		} else if (strcmp(name, ".") == 0) {
			continue;
		} else if (strcmp(name, "..") == 0) {
			err = step_up(&w->at);
			if (err)
				return err;
			continue;
		} else {
			err = child_of(w->at, name, &next);
			if (err)
				return err;
			if (!node_is_symlink(next) ||
			    (is_last && !follow_last && !slash)) {
				node_put(w->at);
				w->at = enter_mounts(next);
				continue;
			}
		}
		err = follow(w, next);
		node_put(next);
		if (err)
			return err;
	}
}

int path_lookup(const char *path, const struct vfs_cwd *cwd, bool follow_last,
		struct vfs_node **out)
{
	struct walk w;
	int err;

	require_namespace_lock("a path walk");
	err = walk_begin(&w, path, cwd);
	if (err)
		return err;
	err = walk_run(&w, false, follow_last, NULL, NULL);
	if (!err && w.path[w.length - 1] == '/' && !node_is_dir(w.at))
		err = -ENOTDIR;
	walk_end(&w);
	if (err) {
		node_put(w.at);
		return err;
	}
	*out = w.at;
	return 0;
}

int path_walk(const char *path, const struct vfs_cwd *cwd,
	      struct vfs_node **out)
{
	return path_lookup(path, cwd, true, out);
}

static int walk_parent(const char *path, const struct vfs_cwd *cwd,
		       bool follow_last, struct vfs_node **parent, char *name,
		       bool *trailing_slash)
{
	struct walk w;
	int err;

	require_namespace_lock("a path walk");
	err = walk_begin(&w, path, cwd);
	if (err)
		return err;
	err = walk_run(&w, true, follow_last, name, trailing_slash);
	if (!err && !node_is_dir(w.at))
		err = -ENOTDIR;
	walk_end(&w);
	if (err) {
		node_put(w.at);
		return err;
	}
	*parent = w.at;
	return 0;
}

int path_walk_parent(const char *path, const struct vfs_cwd *cwd,
		     struct vfs_node **parent, char *name, bool *trailing_slash)
{
	return walk_parent(path, cwd, false, parent, name, trailing_slash);
}

int path_parent_get_following(const char *path, const struct vfs_cwd *cwd,
			      struct path_parent *at)
{
	return walk_parent(path, cwd, true, &at->dir, at->name,
			   &at->trailing_slash);
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

int path_query(const char *path, const struct vfs_cwd *cwd, bool follow_last,
	       int (*query)(struct vfs_node *node, void *out), void *out)
{
	struct vfs_node *node;
	int err;

	mutex_lock(&vfs_namespace_lock);
	err = path_lookup(path, cwd, follow_last, &node);
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
