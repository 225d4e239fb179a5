/*
 * file.c - open files: a node reference, an offset, and what is allowed.
 *
 * vfs_open resolves the path once; after that a `struct vfs_file` reaches
 * its node directly, so reads and writes take no VFS lock at all (an
 * appending write takes its node's append lock): any number of them are in
 * the filesystem at once.  The reference the file holds keeps the node
 * (and its mount) alive, which is also what makes an unlinked open file
 * stay readable until vfs_close.
 *
 * Reads come in two forms.  vfs_read is the synchronous one, at the file's
 * offset.  vfs_read_async starts a read at an explicit offset and returns
 * its future, so a caller can keep many reads of one file in flight and
 * await them together (the ext2 benchmark does, at depth 32).  The file
 * counts those futures until they are dropped, and vfs_close refuses to
 * run (it panics) while any is alive: the file's node reference is what
 * keeps the filesystem from releasing the node under them.
 *
 * For a directory the offset is the filesystem's readdir cookie, so a
 * listing can continue across calls and only "rewind" makes sense as a
 * seek.
 *
 * Open follows validate-then-act: the flags are checked and the file
 * object allocated before anything is created.  The one step that can
 * fail after creating a file, reading its new node into the cache, removes
 * the file again, so a failing open never leaves a new file behind.
 */
#include <keel/errno.h>

#include "fs/internal.h"
#include "lib/string.h"
#include "log/printk.h"
#include "mm/kmalloc.h"

#define OPEN_FLAGS_KNOWN                                                       \
	(VFS_O_READ | VFS_O_WRITE | VFS_O_APPEND | VFS_O_CREATE |              \
	 VFS_O_EXCLUSIVE | VFS_O_TRUNCATE | VFS_O_DIRECTORY)

/* Largest byte count handed to a filesystem in one call. */
#define IO_MAX ((uint64_t)INT64_MAX)

static long live_files;

long vfs_live_files(void)
{
	return __atomic_load_n(&live_files, __ATOMIC_RELAXED);
}

static int check_open_flags(uint32_t flags)
{
	if (flags & ~OPEN_FLAGS_KNOWN)
		return -EINVAL;
	if (!(flags & (VFS_O_READ | VFS_O_WRITE | VFS_O_DIRECTORY)))
		return -EINVAL;
	if ((flags & (VFS_O_APPEND | VFS_O_TRUNCATE)) && !(flags & VFS_O_WRITE))
		return -EINVAL;
	if ((flags & VFS_O_EXCLUSIVE) && !(flags & VFS_O_CREATE))
		return -EINVAL;
	if ((flags & VFS_O_DIRECTORY) &&
	    (flags & (VFS_O_WRITE | VFS_O_CREATE)))
		return -EINVAL;
	return 0;
}

/*
 * Namespace lock held.  Create the file `path` names; reference it.  A
 * dangling symbolic link there is followed, and its target created, as
 * on Linux; but not for an exclusive create, which the link's name
 * itself refuses (-EEXIST).
 */
static int create_file(const char *path, uint32_t mode, bool exclusive,
		       const struct vfs_cwd *cwd, struct vfs_node **out)
{
	struct path_parent at;
	uint64_t ino;
	int err;

	if (exclusive)
		err = path_parent_get(path, cwd, &at);
	else
		err = path_parent_get_following(path, cwd, &at);
	if (err)
		return err;
	if (at.trailing_slash)
		err = -EISDIR; /* "name/" can only be a directory */
	else
		err = name_create(&at, KEEL_NODE_FILE, mode, -EISDIR,
					 &ino);
	if (!err) {
		err = node_get(at.dir->mount, ino, out);
		/* Out of memory for its vnode: remove the file again. */
		if (err && fsop_unlink(at.dir, at.name))
			pr_warn("vfs: could not remove the half-created %s",
				at.name);
	}
	path_parent_put(&at);
	return err;
}

/* Namespace lock held.  Find or create the node and check it fits flags. */
static int open_node(const char *path, uint32_t flags, uint32_t mode,
		     const struct vfs_cwd *cwd, struct vfs_node **out)
{
	struct vfs_node *node;
	bool created = false;
	int err;

	err = path_walk(path, cwd, &node);
	if (err == -ENOENT && (flags & VFS_O_CREATE)) {
		err = create_file(path, mode, flags & VFS_O_EXCLUSIVE, cwd,
				  &node);
		created = !err;
	} else if (!err && (flags & VFS_O_EXCLUSIVE)) {
		node_put(node);
		err = -EEXIST;
	}
	if (err)
		return err;

	if ((flags & VFS_O_DIRECTORY) && !node_is_dir(node))
		err = -ENOTDIR;
	else if (node_is_dir(node) && (flags & VFS_O_WRITE))
		err = -EISDIR;
	else if ((flags & VFS_O_WRITE) && mount_is_read_only(node->mount))
		err = -EROFS;
	else if ((flags & VFS_O_TRUNCATE) && !created)
		err = fsop_truncate(node, 0);
	if (err) {
		node_put(node);
		return err;
	}
	*out = node;
	return 0;
}

int vfs_open(const char *path, uint32_t flags, uint32_t mode,
	     const struct vfs_cwd *cwd, struct vfs_file **out)
{
	struct vfs_file *file;
	int err;

	err = check_open_flags(flags);
	if (err)
		return err;
	file = kmalloc(sizeof(*file));
	if (!file)
		return -ENOMEM;

	mutex_lock(&vfs_namespace_lock);
	err = open_node(path, flags, mode, cwd, &file->node);
	mutex_unlock(&vfs_namespace_lock);
	if (err) {
		kfree(file);
		return err;
	}
	file->flags = flags;
	file->offset = 0;
	file->reads_in_flight = 0;
	__atomic_add_fetch(&live_files, 1, __ATOMIC_RELAXED);
	*out = file;
	return 0;
}

void vfs_close(struct vfs_file *file)
{
	long in_flight;

	if (!file)
		return;
	in_flight = __atomic_load_n(&file->reads_in_flight, __ATOMIC_ACQUIRE);
	if (in_flight)
		panic("vfs: file closed with %ld reads in flight", in_flight);
	mutex_lock(&vfs_namespace_lock);
	node_put(file->node);
	mutex_unlock(&vfs_namespace_lock);
	kfree(file);
	__atomic_sub_fetch(&live_files, 1, __ATOMIC_RELAXED);
}

/* Whether `file` may be read: 0, -EBADF or -EISDIR. */
static int check_readable(const struct vfs_file *file)
{
	if (!(file->flags & VFS_O_READ))
		return -EBADF;
	if (node_is_dir(file->node))
		return -EISDIR;
	return 0;
}

struct keel_int_future *vfs_read_async(struct vfs_file *file, void *buffer,
				       uint64_t length, uint64_t offset)
{
	int err = check_readable(file);

	if (err)
		return keel_future_ready(err);
	if (length > IO_MAX)
		length = IO_MAX;
	return fsop_read_async(file->node, buffer, length, offset,
			       &file->reads_in_flight);
}

long vfs_read(struct vfs_file *file, void *buffer, size_t length)
{
	int64_t done;
	int err = check_readable(file);

	if (err)
		return err;
	if (length > IO_MAX)
		length = IO_MAX;
	done = fsop_read(file->node, buffer, length, file->offset);
	if (done > 0)
		file->offset += (uint64_t)done;
	return (long)done;
}

long vfs_write(struct vfs_file *file, const void *buffer, size_t length)
{
	struct vfs_node *node = file->node;
	struct keel_stat stat;
	int64_t done = 0;

	if (!(file->flags & VFS_O_WRITE))
		return -EBADF;
	if (length > IO_MAX)
		length = IO_MAX;
	if (file->flags & VFS_O_APPEND) {
		/* Under the lock, so appends from two files never overlap. */
		mutex_lock(&node->append_lock);
		done = fsop_getattr(node, &stat);
		if (!done)
			file->offset = stat.size;
	}
	if (!done && (file->offset > IO_MAX || length > IO_MAX - file->offset))
		done = -EFBIG;
	if (!done && length)
		done = fsop_write(node, buffer, length, file->offset);
	if (file->flags & VFS_O_APPEND)
		mutex_unlock(&node->append_lock);
	if (done > 0)
		file->offset += (uint64_t)done;
	return (long)done;
}

int64_t vfs_seek(struct vfs_file *file, int64_t offset, int whence)
{
	struct vfs_node *node = file->node;
	struct keel_stat stat;
	int64_t base, result;
	int err;

	if (node_is_dir(node)) {
		if (whence != VFS_SEEK_SET || offset != 0)
			return -EINVAL;
		file->offset = 0;
		return 0;
	}
	switch (whence) {
	case VFS_SEEK_SET:
		base = 0;
		break;
	case VFS_SEEK_CUR:
		base = (int64_t)file->offset;
		break;
	case VFS_SEEK_END:
		err = fsop_getattr(node, &stat);
		if (err)
			return err;
		if (stat.size > IO_MAX)
			return -EOVERFLOW;
		base = (int64_t)stat.size;
		break;
	default:
		return -EINVAL;
	}
	if (__builtin_add_overflow(base, offset, &result) || result < 0)
		return -EINVAL;
	file->offset = (uint64_t)result;
	return result;
}

int vfs_truncate(struct vfs_file *file, uint64_t size)
{
	if (!(file->flags & VFS_O_WRITE))
		return -EBADF;
	if (size > IO_MAX)
		return -EFBIG;
	return fsop_truncate(file->node, size);
}

int vfs_fstat(struct vfs_file *file, struct keel_stat *out)
{
	return fsop_getattr(file->node, out);
}

int vfs_fsync(struct vfs_file *file)
{
	int err = fsop_sync_node(file->node);

	return err == -ENOSYS ? 0 : err;
}

int vfs_readdir(struct vfs_file *file, struct keel_dirent *out)
{
	struct vfs_node *node = file->node;
	int found;

	if (!node_is_dir(node))
		return -ENOTDIR;
	do {
		found = fsop_readdir(node, &file->offset, out);
	} while (found == 1 && name_is_dot_or_dotdot(out->name));
	return found;
}

int vfs_read_file(const char *path, const struct vfs_cwd *cwd, size_t max,
		  char **out, size_t *size)
{
	struct vfs_file *file = NULL;
	struct keel_stat st;
	size_t done = 0;
	char *buf;
	int err = vfs_stat(path, cwd, &st);

	if (err)
		return err;
	if (st.type != KEEL_NODE_FILE)
		return -EISDIR;
	if (st.size > max)
		return -EFBIG;
	buf = kmalloc(st.size + 1);
	if (!buf)
		return -ENOMEM;
	err = vfs_open(path, VFS_O_READ, 0, cwd, &file);
	while (!err && done < st.size) {
		long n = vfs_read(file, buf + done, st.size - done);

		if (n <= 0)
			err = n < 0 ? (int)n : -EIO;
		else
			done += (size_t)n;
	}
	vfs_close(file);
	if (err) {
		kfree(buf);
		return err;
	}
	buf[done] = '\0';
	*out = buf;
	*size = done;
	return 0;
}
