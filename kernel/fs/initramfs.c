/*
 * initramfs.c - unpack the initrd into the root ramfs.
 *
 * QEMU's `-initrd file` puts a cpio "newc" archive in memory and the device
 * tree says where.  It carries /etc and /lib/modules.  Unpacking is two
 * passes over the archive, validate then act:
 *
 *   1. validate  read every entry to the trailer with the cpio reader and
 *                check every name (no "..", no component or path too long).
 *                A problem anywhere means nothing is unpacked: one warning
 *                names the problem and its offset, and the root stays empty.
 *   2. unpack    create each entry: directories (with any missing parents),
 *                regular files (the data is copied into ramfs), and skip
 *                symbolic links and device files with a warning (Keel's VFS
 *                has neither).
 *
 * Pass 2 can still fail, by running out of memory; then everything created
 * so far is removed again, so the outcome is always the whole archive or an
 * empty root.  That is why the root must be empty to begin with.
 *
 * Names are stored as the archiver saw them: "./etc/motd", "etc/motd" or
 * "/etc/motd" all mean /etc/motd; ".", "./" and "/" name the root itself,
 * whose entry is skipped.  A hard-linked file (nlink > 1) is stored by
 * newc with its data on the last of its names only; each name becomes a
 * separate copy of that data.
 */
#include <keel/errno.h>

#include "fs/cpio.h"
#include "fs/initramfs.h"
#include "fs/vfs.h"
#include "lib/string.h"
#include "log/printk.h"
#include "mm/kmalloc.h"

struct unpack_totals {
	unsigned directories;
	unsigned files;
	unsigned skipped;
	size_t bytes;
};

/*
 * Make the absolute path of an archive name in `path` (KEEL_PATH_MAX
 * bytes).  Returns 1, 0 when the name is the root itself, or -EBADMSG with
 * *problem saying why the name is unacceptable.
 */
static int archive_path(const char *name, char *path, const char **problem)
{
	size_t component = 0;

	while (name[0] == '/' || (name[0] == '.' && name[1] == '/') ||
	       (name[0] == '.' && name[1] == '\0'))
		name += name[0] == '.' && name[1] == '/' ? 2 : 1;
	if (!name[0])
		return 0;
	if (strlen(name) + 2 > KEEL_PATH_MAX) {
		*problem = "name too long";
		return -EBADMSG;
	}
	for (const char *c = name;; c++) {
		if (*c != '/' && *c != '\0') {
			component++;
			continue;
		}
		if (component > KEEL_NAME_MAX) {
			*problem = "name component too long";
			return -EBADMSG;
		}
		if (component == 2 && c[-1] == '.' && c[-2] == '.') {
			*problem = "name contains \"..\"";
			return -EBADMSG;
		}
		component = 0;
		if (!*c)
			break;
	}
	path[0] = '/';
	strlcpy(path + 1, name, KEEL_PATH_MAX - 1);
	return 1;
}

/* Pass 1.  Returns 0, or -EBADMSG with the problem in reader. */
static int validate(struct cpio_reader *reader, char *path)
{
	struct cpio_entry entry;
	const char *problem;
	int found;

	while ((found = cpio_next(reader, &entry)) == 1) {
		if (archive_path(entry.name, path, &problem) < 0) {
			reader->error = problem;
			reader->error_offset = entry.offset;
			return -EBADMSG;
		}
	}
	return found;
}

/* mkdir that accepts an existing directory; -ENOTDIR for a file. */
static int make_directory(const char *path, uint32_t mode)
{
	struct keel_stat stat;
	int err = vfs_mkdir(path, mode, NULL);

	if (err != -EEXIST)
		return err;
	err = vfs_stat(path, NULL, &stat);
	if (err)
		return err;
	return stat.type == KEEL_NODE_DIR ? 0 : -ENOTDIR;
}

/* Create every missing directory above `path` (which it restores). */
static int make_parents(char *path)
{
	for (char *slash = path + 1; *slash; slash++) {
		int err;

		if (*slash != '/')
			continue;
		*slash = '\0';
		err = make_directory(path, 0755);
		*slash = '/';
		if (err)
			return err;
	}
	return 0;
}

static int write_file(const char *path, uint32_t mode, const void *data,
		      size_t size)
{
	struct vfs_file *file;
	long written;
	int err;

	err = vfs_open(path, VFS_O_WRITE | VFS_O_CREATE | VFS_O_TRUNCATE, mode,
		       NULL, &file);
	if (err)
		return err;
	written = vfs_write(file, data, size);
	vfs_close(file);
	if (written < 0)
		return (int)written;
	return (size_t)written == size ? 0 : -ENOSPC;
}

/*
 * newc stores a hard-linked file's data with its last name only.  For an
 * earlier name (empty, nlink > 1), find that data further on.
 */
static void hard_link_data(const struct cpio_reader *after,
			   struct cpio_entry *entry)
{
	struct cpio_reader reader = *after;
	struct cpio_entry later;

	if (entry->nlink < 2 || entry->size)
		return;
	while (cpio_next(&reader, &later) == 1) {
		if (later.ino == entry->ino &&
		    later.dev_major == entry->dev_major &&
		    later.dev_minor == entry->dev_minor && later.size &&
		    (later.mode & CPIO_MODE_TYPE) == CPIO_MODE_FILE) {
			entry->data = later.data;
			entry->size = later.size;
			return;
		}
	}
}

static int unpack_entry(struct cpio_entry *entry, char *path,
			const struct cpio_reader *after,
			struct unpack_totals *totals)
{
	uint32_t type = entry->mode & CPIO_MODE_TYPE;
	uint32_t mode = entry->mode & CPIO_MODE_PERMISSIONS;
	int err;

	if (type != CPIO_MODE_DIR && type != CPIO_MODE_FILE) {
		pr_warn("initramfs: skipping %s: %s not supported", path,
			type == CPIO_MODE_SYMLINK ? "symbolic links"
						  : "special files");
		totals->skipped++;
		return 0;
	}
	err = make_parents(path);
	if (err)
		return err;
	if (type == CPIO_MODE_DIR) {
		totals->directories++;
		return make_directory(path, mode);
	}
	hard_link_data(after, entry);
	totals->files++;
	totals->bytes += entry->size;
	return write_file(path, mode, entry->data, entry->size);
}

/* Pass 2.  On error, *failed_path holds the entry that failed. */
static int unpack(const void *data, size_t size, char *path,
		  struct unpack_totals *totals)
{
	struct cpio_reader reader;
	struct cpio_entry entry;
	const char *problem;

	cpio_reader_init(&reader, data, size);
	while (cpio_next(&reader, &entry) == 1) {
		int err;

		if (archive_path(entry.name, path, &problem) == 0)
			continue; /* the root itself */
		err = unpack_entry(&entry, path, &reader, totals);
		if (err)
			return err;
	}
	return 0;
}

/* Read the first entry of directory `path`: 1, 0 when empty, or -errno. */
static int first_entry(const char *path, struct keel_dirent *entry)
{
	struct vfs_file *dir;
	int found;

	found = vfs_open(path, VFS_O_DIRECTORY, 0, NULL, &dir);
	if (found)
		return found;
	found = vfs_readdir(dir, entry);
	vfs_close(dir);
	return found;
}

/*
 * Remove everything below "/", depth first, without recursion (kernel
 * stacks are small): descend into the first entry until a directory is
 * empty, remove it, go back up one level, repeat.
 */
static int empty_root(char *path)
{
	struct keel_dirent entry;
	size_t length = 1;

	strlcpy(path, "/", KEEL_PATH_MAX);
	for (;;) {
		int found = first_entry(path, &entry);
		int err;

		if (found < 0)
			return found;
		if (found == 0) {
			if (length == 1)
				return 0;
			err = vfs_rmdir(path, NULL);
		} else {
			size_t extra = (length > 1) + entry.name_length;

			if (length + extra >= KEEL_PATH_MAX)
				return -ENAMETOOLONG;
			if (length > 1)
				path[length++] = '/';
			memcpy(path + length, entry.name,
			       entry.name_length + 1);
			length += entry.name_length;
			if (entry.type == KEEL_NODE_DIR)
				continue;
			err = vfs_unlink(path, NULL);
		}
		if (err)
			return err;
		while (length > 1 && path[length - 1] != '/')
			length--;
		if (length > 1)
			length--;
		path[length] = '\0';
	}
}

int initramfs_unpack(const void *data, size_t size)
{
	struct unpack_totals totals = { 0 };
	struct cpio_reader reader;
	struct keel_dirent entry;
	char *path;
	int err;

	if (!data || !size) {
		pr_warn("initramfs: no initrd; root is empty");
		return -ENOENT;
	}
	path = kmalloc(KEEL_PATH_MAX);
	if (!path) {
		pr_warn("initramfs: out of memory; root is empty");
		return -ENOMEM;
	}
	err = first_entry("/", &entry);
	if (err) {
		pr_warn("initramfs: root is %s; archive not unpacked",
			err > 0 ? "not empty" : "missing");
		err = err > 0 ? -ENOTEMPTY : err;
		goto out;
	}

	cpio_reader_init(&reader, data, size);
	err = validate(&reader, path);
	if (err) {
		pr_warn("initramfs: corrupt cpio archive at offset 0x%zx: %s",
			reader.error_offset, reader.error);
		goto out;
	}
	err = unpack(data, size, path, &totals);
	if (err) {
		pr_warn("initramfs: cannot create %s: error %d; "
			"root left empty",
			path, err);
		if (empty_root(path))
			pr_warn("initramfs: could not empty the root again");
		goto out;
	}
	pr_info("initramfs: %u directories, %u files (%zu bytes) unpacked%s",
		totals.directories, totals.files, totals.bytes,
		totals.skipped ? ", some entries skipped" : "");
out:
	kfree(path);
	return err;
}
