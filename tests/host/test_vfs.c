/*
 * test_vfs.c - files, directories, renames, mounts and filesystem types,
 * on the ramfs root.
 *
 * Every case starts from an empty root and ends by unmounting it, after
 * which no node, file or mount may be alive and every allocation must have
 * been freed (fs_fixture.h).  kmalloc is replaced here (the shim's is weak)
 * by the fixture's, which can be told to fail from the Nth allocation on:
 * the out-of-memory cases sweep N over every allocation an operation makes
 * and check that each failure leaves no trace.
 */
#include <string.h>

#include <keel/errno.h>

#include "fs/internal.h"
#include "fs/ramfs.h"
#include "fs/vfs.h"
#include "fs_fixture.h"
#include "tap.h"

/* ---- kmalloc that can fail on demand ----------------------------------- */

void *kmalloc(size_t size)
{
	return fs_fixture_kmalloc(size);
}

/* ---- helpers ----------------------------------------------------------- */

static struct vfs_file *open_or_null(const char *path, uint32_t flags)
{
	struct vfs_file *file = NULL;
	int err = vfs_open(path, flags, 0644, NULL, &file);

	if (err)
		printf("#   open %s: %d\n", path, err);
	return err ? NULL : file;
}

static void make_file(const char *path, const char *text)
{
	struct vfs_file *file =
		open_or_null(path, VFS_O_WRITE | VFS_O_CREATE | VFS_O_TRUNCATE);

	CHECK(file != NULL);
	if (!file)
		return;
	CHECK_EQ(vfs_write(file, text, strlen(text)), (long)strlen(text));
	vfs_close(file);
}

/* The whole content of a file as a string ("" on error). */
static const char *contents(const char *path)
{
	static char buffer[256];
	struct vfs_file *file = open_or_null(path, VFS_O_READ);
	long n;

	buffer[0] = '\0';
	if (!file)
		return buffer;
	n = vfs_read(file, buffer, sizeof(buffer) - 1);
	buffer[n > 0 ? n : 0] = '\0';
	vfs_close(file);
	return buffer;
}

static bool exists(const char *path)
{
	struct keel_stat stat;

	return vfs_stat(path, NULL, &stat) == 0;
}

static int entries_in(const char *path)
{
	struct vfs_file *dir = open_or_null(path, VFS_O_DIRECTORY);
	struct keel_dirent entry;
	int count = 0;

	if (!dir)
		return -1;
	while (vfs_readdir(dir, &entry) == 1)
		count++;
	vfs_close(dir);
	return count;
}

/* ---- files ------------------------------------------------------------- */

static void test_root_starts_empty(void)
{
	struct keel_stat stat;

	fs_setup();
	CHECK_EQ(vfs_stat("/", NULL, &stat), 0);
	CHECK_EQ(stat.type, KEEL_NODE_DIR);
	CHECK_EQ(stat.nlink, 2);
	CHECK_EQ(entries_in("/"), 0);
	fs_teardown();
}

static void test_create_write_read(void)
{
	struct vfs_file *file;
	char buffer[16] = { 0 };
	struct keel_stat stat;

	fs_setup();
	file = open_or_null("/f", VFS_O_READ | VFS_O_WRITE | VFS_O_CREATE);
	CHECK(file != NULL);
	CHECK_EQ(vfs_write(file, "hello", 5), 5);
	CHECK_EQ(vfs_read(file, buffer, sizeof(buffer)), 0); /* at the end */
	CHECK_EQ(vfs_seek(file, 0, VFS_SEEK_SET), 0);
	CHECK_EQ(vfs_read(file, buffer, 3), 3);
	CHECK(memcmp(buffer, "hel", 3) == 0);
	CHECK_EQ(vfs_read(file, buffer, sizeof(buffer)), 2);
	CHECK(memcmp(buffer, "lo", 2) == 0);
	CHECK_EQ(vfs_fstat(file, &stat), 0);
	CHECK_EQ(stat.size, 5);
	CHECK_EQ(stat.type, KEEL_NODE_FILE);
	CHECK_EQ(stat.mode, 0644);
	CHECK_EQ(stat.nlink, 1);
	CHECK_EQ(vfs_fsync(file), 0);
	vfs_close(file);
	CHECK(strcmp(contents("/f"), "hello") == 0);
	fs_teardown();
}

static void test_append_always_writes_at_end(void)
{
	struct vfs_file *file;

	fs_setup();
	make_file("/log", "one\n");
	file = open_or_null("/log", VFS_O_WRITE | VFS_O_APPEND);
	CHECK(file != NULL);
	CHECK_EQ(vfs_seek(file, 0, VFS_SEEK_SET), 0);
	CHECK_EQ(vfs_write(file, "two\n", 4), 4);
	make_file("/other", "x"); /* unrelated */
	CHECK_EQ(vfs_write(file, "three\n", 6), 6);
	vfs_close(file);
	CHECK(strcmp(contents("/log"), "one\ntwo\nthree\n") == 0);
	fs_teardown();
}

static void test_truncate_on_open_and_explicit(void)
{
	char pattern[10000], buffer[10000];
	struct vfs_file *file;
	struct keel_stat stat;

	fs_setup();
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (char)('a' + i % 26);
	file = open_or_null("/t", VFS_O_READ | VFS_O_WRITE | VFS_O_CREATE);
	CHECK_EQ(vfs_write(file, pattern, sizeof(pattern)), sizeof(pattern));
	CHECK_EQ(vfs_fstat(file, &stat), 0);
	CHECK_EQ(stat.bytes_allocated, 3 * RAMFS_CHUNK_SIZE);

	/* Shrink into the middle of a chunk, then grow again: zeros. */
	CHECK_EQ(vfs_truncate(file, 5000), 0);
	CHECK_EQ(vfs_fstat(file, &stat), 0);
	CHECK_EQ(stat.size, 5000);
	CHECK_EQ(stat.bytes_allocated, 2 * RAMFS_CHUNK_SIZE);
	CHECK_EQ(vfs_truncate(file, 9000), 0);
	CHECK_EQ(vfs_seek(file, 0, VFS_SEEK_SET), 0);
	CHECK_EQ(vfs_read(file, buffer, sizeof(buffer)), 9000);
	CHECK(memcmp(buffer, pattern, 5000) == 0);
	for (size_t i = 5000; i < 9000; i++)
		CHECK(buffer[i] == 0 || !printf("#   byte %zu\n", i));
	CHECK_EQ(vfs_truncate(file, RAMFS_MAX_FILE_SIZE + 1), -EFBIG);
	vfs_close(file);

	file = open_or_null("/t", VFS_O_WRITE | VFS_O_TRUNCATE);
	CHECK_EQ(vfs_fstat(file, &stat), 0);
	CHECK_EQ(stat.size, 0);
	CHECK_EQ(stat.bytes_allocated, 0);
	vfs_close(file);

	file = open_or_null("/t", VFS_O_READ);
	CHECK_EQ(vfs_truncate(file, 0), -EBADF);
	vfs_close(file);
	fs_teardown();
}

static void test_seek(void)
{
	struct vfs_file *file;
	char byte;

	fs_setup();
	make_file("/s", "0123456789");
	file = open_or_null("/s", VFS_O_READ);
	CHECK_EQ(vfs_seek(file, 4, VFS_SEEK_SET), 4);
	CHECK_EQ(vfs_seek(file, 2, VFS_SEEK_CUR), 6);
	CHECK_EQ(vfs_read(file, &byte, 1), 1);
	CHECK_EQ(byte, '6');
	CHECK_EQ(vfs_seek(file, -1, VFS_SEEK_END), 9);
	CHECK_EQ(vfs_read(file, &byte, 1), 1);
	CHECK_EQ(byte, '9');
	CHECK_EQ(vfs_seek(file, -11, VFS_SEEK_END), -EINVAL);
	CHECK_EQ(vfs_seek(file, 0, 7), -EINVAL);
	CHECK_EQ(vfs_seek(file, INT64_MAX, VFS_SEEK_SET), INT64_MAX);
	CHECK_EQ(vfs_seek(file, 1, VFS_SEEK_CUR), -EINVAL); /* overflow */
	CHECK_EQ(vfs_seek(file, 100, VFS_SEEK_SET), 100);
	CHECK_EQ(vfs_read(file, &byte, 1), 0);
	vfs_close(file);
	fs_teardown();
}

static void test_sparse_write_reads_zeros(void)
{
	const uint64_t far = (1u << 20) + 10;
	static char buffer[(1u << 20) + 16];
	struct vfs_file *file;
	struct keel_stat stat;

	fs_setup();
	file = open_or_null("/sparse", VFS_O_READ | VFS_O_WRITE | VFS_O_CREATE);
	CHECK_EQ(vfs_seek(file, (int64_t)far, VFS_SEEK_SET), (int64_t)far);
	CHECK_EQ(vfs_write(file, "end", 3), 3);
	CHECK_EQ(vfs_fstat(file, &stat), 0);
	CHECK_EQ(stat.size, far + 3);
	CHECK_EQ(stat.bytes_allocated, RAMFS_CHUNK_SIZE); /* one chunk only */
	memset(buffer, 0x55, sizeof(buffer));
	CHECK_EQ(vfs_seek(file, 0, VFS_SEEK_SET), 0);
	CHECK_EQ(vfs_read(file, buffer, sizeof(buffer)), (long)far + 3);
	for (size_t i = 0; i < far; i++) {
		if (buffer[i] != 0) {
			CHECK(buffer[i] == 0);
			break;
		}
	}
	CHECK(memcmp(buffer + far, "end", 3) == 0);
	/* A write past the end of a short file leaves zeros in between. */
	CHECK_EQ(vfs_truncate(file, 2), 0);
	CHECK_EQ(vfs_seek(file, 6, VFS_SEEK_SET), 6);
	CHECK_EQ(vfs_write(file, "x", 1), 1);
	CHECK_EQ(vfs_seek(file, 0, VFS_SEEK_SET), 0);
	CHECK_EQ(vfs_read(file, buffer, 16), 7);
	CHECK(memcmp(buffer, "\0\0\0\0\0\0x", 7) == 0);
	/* Beyond the largest ramfs file. */
	CHECK_EQ(vfs_seek(file, RAMFS_MAX_FILE_SIZE, VFS_SEEK_SET),
		 (int64_t)RAMFS_MAX_FILE_SIZE);
	CHECK_EQ(vfs_write(file, "x", 1), -EFBIG);
	vfs_close(file);
	fs_teardown();
}

static void test_open_flag_checks(void)
{
	struct vfs_file *file = NULL;
	char byte;

	fs_setup();
	make_file("/f", "x");
	CHECK_EQ(vfs_mkdir("/d", 0755, NULL), 0);
	CHECK_EQ(vfs_open("/f", 0, 0, NULL, &file), -EINVAL);
	CHECK_EQ(vfs_open("/f", VFS_O_READ | VFS_O_APPEND, 0, NULL, &file),
		 -EINVAL);
	CHECK_EQ(vfs_open("/f", VFS_O_READ | VFS_O_TRUNCATE, 0, NULL, &file),
		 -EINVAL);
	CHECK_EQ(vfs_open("/f", VFS_O_WRITE | VFS_O_EXCLUSIVE, 0, NULL, &file),
		 -EINVAL);
	CHECK_EQ(vfs_open("/f", VFS_O_READ | 0x1000, 0, NULL, &file), -EINVAL);
	CHECK_EQ(vfs_open("/f",
			  VFS_O_WRITE | VFS_O_CREATE | VFS_O_EXCLUSIVE, 0, NULL,
			  &file),
		 -EEXIST);
	CHECK_EQ(vfs_open("/d", VFS_O_WRITE, 0, NULL, &file), -EISDIR);
	CHECK_EQ(vfs_open("/f", VFS_O_DIRECTORY, 0, NULL, &file), -ENOTDIR);
	CHECK_EQ(vfs_open("/new/", VFS_O_WRITE | VFS_O_CREATE, 0, NULL, &file),
		 -EISDIR);
	CHECK_EQ(vfs_open("/nope/new", VFS_O_WRITE | VFS_O_CREATE, 0, NULL,
			  &file),
		 -ENOENT);
	CHECK_EQ(vfs_open("/f/new", VFS_O_WRITE | VFS_O_CREATE, 0, NULL,
			  &file),
		 -ENOTDIR);
	CHECK_EQ(vfs_open("/missing", VFS_O_READ, 0, NULL, &file), -ENOENT);
	CHECK(!exists("/new"));
	CHECK(file == NULL);

	file = open_or_null("/f", VFS_O_WRITE);
	CHECK_EQ(vfs_read(file, &byte, 1), -EBADF);
	vfs_close(file);
	file = open_or_null("/f", VFS_O_READ);
	CHECK_EQ(vfs_write(file, "y", 1), -EBADF);
	CHECK_EQ(vfs_readdir(file, &(struct keel_dirent){ 0 }), -ENOTDIR);
	vfs_close(file);
	file = open_or_null("/d", VFS_O_READ);
	CHECK_EQ(vfs_read(file, &byte, 1), -EISDIR);
	CHECK_EQ(vfs_seek(file, 3, VFS_SEEK_SET), -EINVAL);
	vfs_close(file);
	vfs_close(NULL);
	fs_teardown();
}

/* ---- directories ------------------------------------------------------- */

static void test_readdir_lists_every_entry_once(void)
{
	const char *names[] = { "alpha", "beta", "gamma", "delta" };
	bool seen[4] = { false };
	struct keel_dirent entry;
	struct vfs_file *dir;
	int count = 0;

	fs_setup();
	make_file("/alpha", "a");
	CHECK_EQ(vfs_mkdir("/beta", 0755, NULL), 0);
	make_file("/gamma", "g");
	make_file("/delta", "d");
	dir = open_or_null("/", VFS_O_DIRECTORY);
	while (vfs_readdir(dir, &entry) == 1) {
		count++;
		for (int i = 0; i < 4; i++) {
			if (strcmp(entry.name, names[i]) != 0)
				continue;
			CHECK(!seen[i]);
			seen[i] = true;
			CHECK_EQ(entry.type,
				 i == 1 ? KEEL_NODE_DIR : KEEL_NODE_FILE);
			CHECK_EQ(entry.name_length, strlen(names[i]));
		}
	}
	CHECK_EQ(count, 4);
	CHECK(seen[0] && seen[1] && seen[2] && seen[3]);
	CHECK_EQ(vfs_readdir(dir, &entry), 0);

	/* Rewind; then entries removed during a listing are skipped. */
	CHECK_EQ(vfs_seek(dir, 0, VFS_SEEK_SET), 0);
	CHECK_EQ(vfs_readdir(dir, &entry), 1);
	CHECK(strcmp(entry.name, "alpha") == 0);
	CHECK_EQ(vfs_rmdir("/beta", NULL), 0);
	CHECK_EQ(vfs_readdir(dir, &entry), 1);
	CHECK(strcmp(entry.name, "gamma") == 0);
	vfs_close(dir);
	fs_teardown();
}

static void test_mkdir_and_rmdir(void)
{
	struct vfs_file *dir;
	struct vfs_cwd inside;
	struct keel_stat stat;

	fs_setup();
	CHECK_EQ(vfs_mkdir("/d", 0700, NULL), 0);
	CHECK_EQ(vfs_stat("/d", NULL, &stat), 0);
	CHECK_EQ(stat.mode, 0700);
	CHECK_EQ(vfs_mkdir("/d", 0755, NULL), -EEXIST);
	CHECK_EQ(vfs_mkdir("/", 0755, NULL), -EEXIST);
	CHECK_EQ(vfs_mkdir("/d/.", 0755, NULL), -EEXIST);
	CHECK_EQ(vfs_mkdir("/d/..", 0755, NULL), -EEXIST);
	CHECK_EQ(vfs_mkdir("/nope/x", 0755, NULL), -ENOENT);
	CHECK_EQ(vfs_mkdir("/d/sub/", 0755, NULL), 0); /* trailing slash ok */
	CHECK_EQ(vfs_stat("/", NULL, &stat), 0);
	CHECK_EQ(stat.nlink, 3); /* 2 + one subdirectory */
	make_file("/d/sub/f", "x");

	CHECK_EQ(vfs_rmdir("/d", NULL), -ENOTEMPTY);
	CHECK_EQ(vfs_rmdir("/d/sub/f", NULL), -ENOTDIR);
	CHECK_EQ(vfs_rmdir("/d/.", NULL), -EINVAL);
	CHECK_EQ(vfs_rmdir("/d/..", NULL), -EINVAL);
	CHECK_EQ(vfs_rmdir("/", NULL), -EBUSY);
	CHECK_EQ(vfs_rmdir("/d/missing", NULL), -ENOENT);
	CHECK_EQ(vfs_unlink("/d/sub/f", NULL), 0);

	/* In use: someone's current directory, or open. */
	CHECK_EQ(vfs_cwd_init(&inside), 0);
	CHECK_EQ(vfs_chdir(&inside, "/d/sub"), 0);
	CHECK_EQ(vfs_rmdir("/d/sub", NULL), -EBUSY);
	vfs_cwd_release(&inside);
	dir = open_or_null("/d/sub", VFS_O_DIRECTORY);
	CHECK_EQ(vfs_rmdir("/d/sub/", NULL), -EBUSY);
	vfs_close(dir);

	CHECK_EQ(vfs_rmdir("/d/sub/", NULL), 0);
	CHECK_EQ(vfs_rmdir("/d", NULL), 0);
	CHECK_EQ(vfs_stat("/", NULL, &stat), 0);
	CHECK_EQ(stat.nlink, 2);
	CHECK_EQ(entries_in("/"), 0);
	fs_teardown();
}

static void test_unlink(void)
{
	fs_setup();
	make_file("/f", "x");
	CHECK_EQ(vfs_mkdir("/d", 0755, NULL), 0);
	CHECK_EQ(vfs_unlink("/d", NULL), -EISDIR);
	CHECK_EQ(vfs_unlink("/", NULL), -EISDIR);
	CHECK_EQ(vfs_unlink("/d/..", NULL), -EISDIR);
	CHECK_EQ(vfs_unlink("/f/", NULL), -ENOTDIR);
	CHECK_EQ(vfs_unlink("/missing", NULL), -ENOENT);
	CHECK_EQ(vfs_unlink("/f", NULL), 0);
	CHECK(!exists("/f"));
	CHECK_EQ(vfs_unlink("/f", NULL), -ENOENT);
	CHECK_EQ(vfs_rmdir("/d", NULL), 0);
	fs_teardown();
}

static void test_unlinked_open_file_lives_until_close(void)
{
	struct vfs_file *file;
	struct keel_stat stat;
	struct keel_statfs usage;
	char buffer[8] = { 0 };
	long nodes;

	fs_setup();
	make_file("/f", "old");
	file = open_or_null("/f", VFS_O_READ | VFS_O_WRITE);
	CHECK_EQ(vfs_unlink("/f", NULL), 0);
	CHECK(!exists("/f"));
	CHECK_EQ(vfs_read(file, buffer, sizeof(buffer)), 3);
	CHECK(memcmp(buffer, "old", 3) == 0);
	CHECK_EQ(vfs_write(file, "er", 2), 2);
	CHECK_EQ(vfs_fstat(file, &stat), 0);
	CHECK_EQ(stat.nlink, 0);
	CHECK_EQ(stat.size, 5);

	/* The name is free for a new, unrelated file. */
	make_file("/f", "new");
	CHECK(strcmp(contents("/f"), "new") == 0);
	CHECK_EQ(vfs_statfs("/", NULL, &usage), 0);
	CHECK_EQ(usage.bytes_used, 2 * RAMFS_CHUNK_SIZE);
	CHECK_EQ(usage.nodes_used, 3); /* root, new, the unlinked one */

	nodes = vfs_live_nodes();
	vfs_close(file);
	CHECK_EQ(vfs_live_nodes(), nodes - 1);
	CHECK_EQ(vfs_statfs("/", NULL, &usage), 0);
	CHECK_EQ(usage.bytes_used, RAMFS_CHUNK_SIZE);
	CHECK_EQ(usage.nodes_used, 2);
	fs_teardown();
}

/* ---- rename ------------------------------------------------------------ */

static void test_rename_files(void)
{
	struct vfs_file *file;

	fs_setup();
	make_file("/a", "A");
	make_file("/b", "B");
	CHECK_EQ(vfs_mkdir("/d", 0755, NULL), 0);

	CHECK_EQ(vfs_rename("/a", "/c", NULL), 0); /* within a directory */
	CHECK(!exists("/a"));
	CHECK(strcmp(contents("/c"), "A") == 0);
	CHECK_EQ(vfs_rename("/c", "/d/c", NULL), 0); /* into a directory */
	CHECK(strcmp(contents("/d/c"), "A") == 0);

	/* Replacing a file that is open: the open file keeps the old data. */
	file = open_or_null("/b", VFS_O_READ);
	CHECK_EQ(vfs_rename("/d/c", "/b", NULL), 0);
	CHECK(strcmp(contents("/b"), "A") == 0);
	{
		char byte = 0;

		CHECK_EQ(vfs_read(file, &byte, 1), 1);
		CHECK_EQ(byte, 'B');
	}
	vfs_close(file);

	CHECK_EQ(vfs_rename("/b", "/b", NULL), 0); /* onto itself */
	CHECK(strcmp(contents("/b"), "A") == 0);
	CHECK_EQ(vfs_rename("/missing", "/x", NULL), -ENOENT);
	CHECK_EQ(vfs_rename("/b", "/d", NULL), -EISDIR);
	CHECK_EQ(vfs_rename("/b/", "/z", NULL), -ENOTDIR);
	CHECK_EQ(vfs_rename("/b", "/nope/b", NULL), -ENOENT);
	CHECK_EQ(vfs_rename("/", "/x", NULL), -EINVAL);
	CHECK_EQ(vfs_rename("/b", "/d/.", NULL), -EINVAL);
	CHECK(strcmp(contents("/b"), "A") == 0);
	fs_teardown();
}

static void test_rename_directories(void)
{
	struct vfs_cwd inside;
	struct keel_stat stat;

	fs_setup();
	CHECK_EQ(vfs_mkdir("/p", 0755, NULL), 0);
	CHECK_EQ(vfs_mkdir("/p/q", 0755, NULL), 0);
	CHECK_EQ(vfs_mkdir("/empty", 0755, NULL), 0);
	CHECK_EQ(vfs_mkdir("/full", 0755, NULL), 0);
	make_file("/full/f", "x");
	make_file("/file", "x");

	CHECK_EQ(vfs_rename("/p", "/p/q/p", NULL), -EINVAL); /* into itself */
	CHECK_EQ(vfs_rename("/p", "/p/p", NULL), -EINVAL);
	CHECK_EQ(vfs_rename("/p", "/file", NULL), -ENOTDIR);
	CHECK_EQ(vfs_rename("/p", "/full", NULL), -ENOTEMPTY);
	CHECK_EQ(vfs_rename("/p/q", "/p", NULL), -ENOTEMPTY);

	/* An empty directory in use is not replaced. */
	CHECK_EQ(vfs_cwd_init(&inside), 0);
	CHECK_EQ(vfs_chdir(&inside, "/empty"), 0);
	CHECK_EQ(vfs_rename("/p", "/empty", NULL), -EBUSY);
	vfs_cwd_release(&inside);

	CHECK_EQ(vfs_rename("/p", "/empty", NULL), 0);
	CHECK(!exists("/p"));
	CHECK(exists("/empty/q"));
	CHECK_EQ(vfs_rename("/empty/q", "/full/q", NULL), 0);
	CHECK_EQ(vfs_stat("/empty", NULL, &stat), 0);
	CHECK_EQ(stat.nlink, 2);
	CHECK_EQ(vfs_stat("/full", NULL, &stat), 0);
	CHECK_EQ(stat.nlink, 3);
	CHECK_EQ(vfs_stat("/", NULL, &stat), 0);
	CHECK_EQ(stat.nlink, 4); /* empty, full */
	CHECK_EQ(vfs_stat("/full/q/..", NULL, &stat), 0);
	CHECK_EQ(stat.nlink, 3); /* ".." of the moved directory is /full */
	fs_teardown();
}

/* ---- mounts ------------------------------------------------------------ */

struct mount_list {
	int count;
	char targets[4][32];
	char types[4][16];
};

static int collect_mount(const struct vfs_mount_info *info, void *arg)
{
	struct mount_list *list = arg;

	if (list->count < 4) {
		snprintf(list->targets[list->count], 32, "%s", info->target);
		snprintf(list->types[list->count], 16, "%s", info->fstype);
	}
	list->count++;
	return 0;
}

static void test_mount_a_second_ramfs(void)
{
	struct mount_list list = { 0 };
	struct keel_statfs usage;
	struct keel_stat stat;

	fs_setup();
	CHECK_EQ(vfs_mkdir("/mnt", 0755, NULL), 0);
	make_file("/mnt/hidden", "under");
	CHECK_EQ(vfs_mount("ramfs", "none", "/mnt", NULL), 0);
	CHECK_EQ(vfs_fs_type_mount_count("ramfs"), 2);
	CHECK(!exists("/mnt/hidden"));
	CHECK_EQ(entries_in("/mnt"), 0);
	make_file("/mnt/f", "on top");
	CHECK_EQ(vfs_mkdir("/mnt/sub", 0755, NULL), 0);
	CHECK_EQ(vfs_stat("/mnt/sub/../..", NULL, &stat), 0);
	CHECK_EQ(stat.nlink, 3); /* "/" again: 2 + mnt */

	CHECK_EQ(vfs_statfs("/mnt/f", NULL, &usage), 0);
	CHECK_EQ(usage.bytes_used, RAMFS_CHUNK_SIZE);
	CHECK_EQ(usage.nodes_used, 3);
	CHECK_EQ(vfs_statfs("/", NULL, &usage), 0);
	CHECK_EQ(usage.nodes_used, 3); /* root, mnt, hidden */

	CHECK_EQ(vfs_mount_for_each(collect_mount, &list), 0);
	CHECK_EQ(list.count, 2);
	CHECK(strcmp(list.targets[0], "/") == 0);
	CHECK(strcmp(list.targets[1], "/mnt") == 0);
	CHECK(strcmp(list.types[1], "ramfs") == 0);
	CHECK_EQ(vfs_rename("/mnt/f", "/f", NULL), -EXDEV);
	CHECK_EQ(vfs_rmdir("/mnt", NULL), -EBUSY);
	CHECK_EQ(vfs_rename("/mnt", "/elsewhere", NULL), -EBUSY);
	CHECK_EQ(vfs_sync_all(), 0);

	CHECK_EQ(vfs_umount("/mnt/", NULL), 0);
	CHECK_EQ(vfs_fs_type_mount_count("ramfs"), 1);
	CHECK(!exists("/mnt/f"));
	CHECK(strcmp(contents("/mnt/hidden"), "under") == 0);
	fs_teardown();
}

static void test_umount_refused_while_busy(void)
{
	struct vfs_file *file;

	fs_setup();
	CHECK_EQ(vfs_mkdir("/mnt", 0755, NULL), 0);
	CHECK_EQ(vfs_mount_options("ramfs", NULL, "/mnt", "", NULL), 0);
	make_file("/mnt/f", "x");
	CHECK_EQ(vfs_mkdir("/mnt/inner", 0755, NULL), 0);

	file = open_or_null("/mnt/f", VFS_O_READ);
	CHECK_EQ(vfs_umount("/mnt", NULL), -EBUSY);
	vfs_close(file);
	file = open_or_null("/mnt", VFS_O_DIRECTORY); /* its root, open */
	CHECK_EQ(vfs_umount("/mnt", NULL), -EBUSY);
	vfs_close(file);

	CHECK_EQ(vfs_mount("ramfs", "none", "/mnt/inner", NULL), 0);
	CHECK_EQ(vfs_umount("/mnt", NULL), -EBUSY); /* a mount inside */
	CHECK_EQ(vfs_umount("/mnt/inner", NULL), 0);

	CHECK_EQ(vfs_umount("/mnt/f", NULL), -EINVAL); /* not a mount */
	CHECK_EQ(vfs_umount("/mnt/inner", NULL), -EINVAL);
	CHECK_EQ(vfs_umount("/nope", NULL), -ENOENT);
	CHECK_EQ(vfs_umount("/", NULL), -EBUSY); /* /mnt is inside */
	CHECK_EQ(vfs_umount("/mnt", NULL), 0);
	CHECK(!exists("/mnt/f"));
	fs_teardown();
}

static void test_mount_errors(void)
{
	char long_source[VFS_SOURCE_MAX + 2];

	fs_setup();
	make_file("/file", "x");
	CHECK_EQ(vfs_mkdir("/mnt", 0755, NULL), 0);
	CHECK_EQ(vfs_mount("ramfs", "none", "/file", NULL), -ENOTDIR);
	CHECK_EQ(vfs_mount("nosuchfs", "none", "/mnt", NULL), -ENODEV);
	CHECK_EQ(vfs_mount("ramfs", "none", "/missing", NULL), -ENOENT);
	CHECK_EQ(vfs_mount("ramfs", "none", "/", NULL), -EBUSY);
	CHECK_EQ(vfs_mount_options("ramfs", "none", "/mnt", "bogus", NULL),
		 -EINVAL);
	CHECK_EQ(vfs_mount_options("ramfs", "none", "/mnt", "size=", NULL),
		 -EINVAL);
	CHECK_EQ(vfs_mount_options("ramfs", "none", "/mnt", "size=12Q", NULL),
		 -EINVAL);
	memset(long_source, 's', sizeof(long_source) - 1);
	long_source[sizeof(long_source) - 1] = '\0';
	CHECK_EQ(vfs_mount("ramfs", long_source, "/mnt", NULL), -ENAMETOOLONG);
	CHECK_EQ(vfs_mount(NULL, "none", "/mnt", NULL), -EINVAL);
	CHECK_EQ(vfs_live_mounts(), 1);

	CHECK_EQ(vfs_mount("ramfs", "none", "/mnt", NULL), 0);
	CHECK_EQ(vfs_mount("ramfs", "none", "/mnt", NULL), -EBUSY);
	CHECK_EQ(vfs_mount_root(), -EBUSY);
	CHECK_EQ(vfs_umount("/mnt", NULL), 0);
	fs_teardown();
}

static void test_size_limit_gives_enospc(void)
{
	static char data[3 * RAMFS_CHUNK_SIZE];
	struct keel_statfs usage;
	struct vfs_file *file;

	fs_setup();
	memset(data, 'z', sizeof(data));
	CHECK_EQ(vfs_mkdir("/small", 0755, NULL), 0);
	CHECK_EQ(vfs_mount_options("ramfs", "none", "/small", "size=8K", NULL),
		 0);
	file = open_or_null("/small/f",
			    VFS_O_READ | VFS_O_WRITE | VFS_O_CREATE);
	CHECK_EQ(vfs_write(file, "abc", 3), 3);
	/* Needs chunks 0..2: two new ones, only one fits: nothing changes. */
	CHECK_EQ(vfs_seek(file, 0, VFS_SEEK_SET), 0);
	CHECK_EQ(vfs_write(file, data, sizeof(data)), -ENOSPC);
	CHECK(strcmp(contents("/small/f"), "abc") == 0);
	CHECK_EQ(vfs_statfs("/small", NULL, &usage), 0);
	CHECK_EQ(usage.bytes_total, 8192);
	CHECK_EQ(usage.bytes_used, RAMFS_CHUNK_SIZE);
	CHECK_EQ(usage.bytes_free, 8192 - RAMFS_CHUNK_SIZE);
	/* Exactly filling it works. */
	CHECK_EQ(vfs_write(file, data, 2 * RAMFS_CHUNK_SIZE),
		 (long)(2 * RAMFS_CHUNK_SIZE));
	CHECK_EQ(vfs_statfs("/small", NULL, &usage), 0);
	CHECK_EQ(usage.bytes_free, 0);
	/* Rewriting held chunks needs no space. */
	CHECK_EQ(vfs_seek(file, 0, VFS_SEEK_SET), 0);
	CHECK_EQ(vfs_write(file, "ABC", 3), 3);
	vfs_close(file);
	CHECK_EQ(vfs_unlink("/small/f", NULL), 0);
	CHECK_EQ(vfs_statfs("/small", NULL, &usage), 0);
	CHECK_EQ(usage.bytes_used, 0);
	CHECK_EQ(vfs_umount("/small", NULL), 0);
	fs_teardown();
}

/* Every form "size=" takes, and the limit each one sets (0: refused). */
static void test_size_option_forms(void)
{
	static const struct {
		const char *options;
		uint64_t bytes_total;
	} forms[] = {
	    {"", 0}, /* no option: no limit */
	    {"size=4096", 4096},
	    {"size=8k", 8192},
	    {"size=2M", 2ul << 20},
	    {"size=1G", 1ul << 30},
	    {"size=0x10K", 16 << 10},
	    {"size=4K,,size=12K", 12 << 10}, /* empty skipped, last wins */
	    {",size=1K,", 1024},
	    {"size=0", 0},
	    {"size=K", 0},
	    {"size=0x", 0},
	    {"size=-1", 0},
	    {"size=1T", 0},
	    {"size=18446744073709551616", 0}, /* 2^64 */
	    {"size=17179869184G", 0},	      /* 2^64 after scaling */
	    {"size=4K,bogus", 0},
	    {"Size=4K", 0},
	    {"size=4K4K4K4K4K4K4K4K4K4K4K4K4K4K", 0}, /* over 31 bytes */
	};
	struct keel_statfs usage;

	fs_setup();
	CHECK_EQ(vfs_mkdir("/m", 0755, NULL), 0);
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		bool valid = forms[i].bytes_total || !forms[i].options[0];
		int err = vfs_mount_options("ramfs", "none", "/m",
					    forms[i].options, NULL);

		if (err != (valid ? 0 : -EINVAL))
			printf("#   options \"%s\": %d\n", forms[i].options,
			       err);
		CHECK_EQ(err, valid ? 0 : -EINVAL);
		if (err)
			continue;
		CHECK_EQ(vfs_statfs("/m", NULL, &usage), 0);
		CHECK_EQ(usage.bytes_total, forms[i].bytes_total);
		CHECK_EQ(vfs_umount("/m", NULL), 0);
	}
	CHECK_EQ(vfs_live_mounts(), 1);
	fs_teardown();
}

/*
 * memfs.ko registers the very ramfs code under another name: the same
 * table with a new name is a filesystem of its own, side by side with the
 * built-in one, and leaves nothing behind.
 */
static void test_the_core_under_another_name(void)
{
	static const struct keel_fs_type memfs_type = RAMFS_FS_TYPE("memfs");
	struct mount_list list = {0};
	struct keel_statfs usage;

	fs_setup();
	CHECK(memfs_type.node_ops == ramfs_fs_type.node_ops);
	CHECK(memfs_type.mount == ramfs_fs_type.mount);
	CHECK_EQ(vfs_register_fs(&memfs_type), 0);
	CHECK_EQ(vfs_mkdir("/m", 0755, NULL), 0);
	CHECK_EQ(vfs_mount_options("memfs", "none", "/m", "size=8K", NULL), 0);
	make_file("/m/f", "in memfs");
	make_file("/f", "in ramfs");
	CHECK(strcmp(contents("/m/f"), "in memfs") == 0);
	CHECK(strcmp(contents("/f"), "in ramfs") == 0);
	CHECK_EQ(vfs_statfs("/m", NULL, &usage), 0);
	CHECK_EQ(usage.bytes_total, 8192);
	CHECK_EQ(usage.bytes_used, RAMFS_CHUNK_SIZE);
	CHECK_EQ(usage.nodes_used, 2);
	CHECK_EQ(vfs_mount_for_each(collect_mount, &list), 0);
	CHECK_EQ(list.count, 2);
	CHECK(strcmp(list.types[1], "memfs") == 0);
	CHECK_EQ(vfs_fs_type_mount_count("memfs"), 1);
	CHECK_EQ(vfs_fs_type_mount_count("ramfs"), 1);
	CHECK_EQ(vfs_unregister_fs(&memfs_type), -EBUSY);
	CHECK_EQ(vfs_umount("/m", NULL), 0);
	CHECK_EQ(vfs_unregister_fs(&memfs_type), 0);
	CHECK(strcmp(contents("/f"), "in ramfs") == 0);
	fs_teardown();
}

/* ---- out of memory: every failure point leaves no trace ---------------- */

static void test_failed_writes_leave_the_file_unchanged(void)
{
	static char data[2 * RAMFS_CHUNK_SIZE + 100];
	struct keel_stat stat;
	int failures = 0;

	fs_setup();
	memset(data, 'q', sizeof(data));
	make_file("/f", "keep");
	for (long allowed = 0;; allowed++) {
		struct vfs_file *file =
			open_or_null("/f", VFS_O_WRITE | VFS_O_READ);
		long before = shim_live_allocations, written;

		CHECK_EQ(vfs_seek(file, RAMFS_CHUNK_SIZE - 2, VFS_SEEK_SET),
			 (int64_t)RAMFS_CHUNK_SIZE - 2);
		fail_allocations_after(allowed, FAIL_FROM_THEN_ON);
		written = vfs_write(file, data, sizeof(data));
		allocations_never_fail();
		if (written > 0) {
			CHECK_EQ(written, sizeof(data));
			vfs_close(file);
			break;
		}
		failures++;
		CHECK_EQ(written, -ENOMEM);
		CHECK_EQ(shim_live_allocations, before);
		CHECK_EQ(vfs_fstat(file, &stat), 0);
		CHECK_EQ(stat.size, 4);
		CHECK_EQ(stat.bytes_allocated, RAMFS_CHUNK_SIZE);
		vfs_close(file);
		CHECK(strcmp(contents("/f"), "keep") == 0);
	}
	CHECK(failures >= 3); /* the table and two chunks */
	CHECK_EQ(vfs_stat("/f", NULL, &stat), 0);
	CHECK_EQ(stat.size, RAMFS_CHUNK_SIZE - 2 + sizeof(data));
	fs_teardown();
}

/*
 * Run op with 0, 1, 2... allocations allowed, failing them as `how` says,
 * until it succeeds.
 */
static void sweep_allocation_failures(const char *what, int (*op)(void),
				      bool (*unchanged)(void),
				      enum allocation_failure how)
{
	for (long allowed = 0; allowed < 64; allowed++) {
		long before = shim_live_allocations;
		int err;

		fail_allocations_after(allowed, how);
		err = op();
		allocations_never_fail();
		if (err == 0)
			return;
		if (err != -ENOMEM || shim_live_allocations != before ||
		    !unchanged())
			printf("#   %s, %ld allocations allowed: %d\n", what,
			       allowed, err);
		CHECK_EQ(err, -ENOMEM);
		CHECK_EQ(shim_live_allocations, before);
		CHECK(unchanged());
	}
	CHECK(!"the operation never succeeded");
}

static int op_mkdir(void)
{
	return vfs_mkdir("/d/new", 0755, NULL);
}

static bool no_new(void)
{
	return !exists("/d/new") && entries_in("/d") == 1;
}

static int op_create(void)
{
	struct vfs_file *file;
	int err = vfs_open("/d/new", VFS_O_WRITE | VFS_O_CREATE, 0644, NULL,
			   &file);

	if (!err)
		vfs_close(file);
	return err;
}

static int op_rename(void)
{
	return vfs_rename("/d/old", "/d/renamed", NULL);
}

static bool old_name_kept(void)
{
	return exists("/d/old") && !exists("/d/renamed");
}

static int op_mount(void)
{
	return vfs_mount("ramfs", "none", "/d/old", NULL);
}

static bool not_mounted(void)
{
	return vfs_live_mounts() == 1;
}

static void test_failed_allocations_leave_no_trace(void)
{
	fs_setup();
	CHECK_EQ(vfs_mkdir("/d", 0755, NULL), 0);
	CHECK_EQ(vfs_mkdir("/d/old", 0755, NULL), 0);
	sweep_allocation_failures("mkdir", op_mkdir, no_new, FAIL_FROM_THEN_ON);
	CHECK_EQ(vfs_rmdir("/d/new", NULL), 0);
	/*
	 * Creating a file and then reading its vnode are two operations; when
	 * the second fails, the VFS undoes the first with an unlink, whose
	 * future needs memory too.  So here each allocation fails once and
	 * the ones after it succeed.
	 */
	sweep_allocation_failures("create", op_create, no_new, FAIL_ONCE);
	CHECK_EQ(vfs_unlink("/d/new", NULL), 0);
	sweep_allocation_failures("mount", op_mount, not_mounted,
				  FAIL_FROM_THEN_ON);
	CHECK_EQ(vfs_umount("/d/old", NULL), 0);
	sweep_allocation_failures("rename", op_rename, old_name_kept,
				  FAIL_FROM_THEN_ON);
	fs_teardown();
}

/* ---- filesystem types -------------------------------------------------- */

/* ramfs's tables under other names, to register and mount. */
static struct keel_vnode_ops limited_ops;
static struct keel_fs_type device_fs, limited_fs, read_only_fs;

static struct keel_int_future *read_only_mount(struct keel_mount *mount,
						const char *source,
						const char *options)
{
	mount->flags |= KEEL_MOUNT_READ_ONLY;
	return ramfs_fs_type.mount(mount, source, options);
}

static void make_test_types(void)
{
	device_fs = ramfs_fs_type;
	device_fs.name = "devfs";
	device_fs.flags = KEEL_FS_NEEDS_DEVICE;
	limited_ops = *ramfs_fs_type.node_ops;
	limited_ops.create = NULL;
	limited_ops.rename = NULL;
	limited_fs = ramfs_fs_type;
	limited_fs.name = "limited";
	limited_fs.node_ops = &limited_ops;
	read_only_fs = ramfs_fs_type;
	read_only_fs.name = "rofs";
	read_only_fs.mount = read_only_mount;
}

static void test_register_checks_the_table(void)
{
	struct keel_vnode_ops bad_ops = *ramfs_fs_type.node_ops;
	struct keel_fs_type bad = ramfs_fs_type;

	bad.name = "bad";
	bad.abi_version = KEEL_VFS_ABI_VERSION + 1;
	CHECK_EQ(vfs_register_fs(&bad), -EINVAL);
	bad.abi_version = KEEL_VFS_ABI_VERSION;
	bad.size = KEEL_FS_TYPE_SIZE_V2 - 8;
	CHECK_EQ(vfs_register_fs(&bad), -EINVAL);
	bad.size = sizeof(bad);
	bad.name = "";
	CHECK_EQ(vfs_register_fs(&bad), -EINVAL);
	bad.name = "a-name-longer-than-thirty-one-bytes";
	CHECK_EQ(vfs_register_fs(&bad), -EINVAL);
	bad.name = "bad";
	bad.read_node = NULL;
	CHECK_EQ(vfs_register_fs(&bad), -EINVAL);
	bad.read_node = ramfs_fs_type.read_node;
	bad_ops.lookup = NULL;
	bad.node_ops = &bad_ops;
	CHECK_EQ(vfs_register_fs(&bad), -EINVAL);
	bad_ops = *ramfs_fs_type.node_ops;
	bad_ops.size = KEEL_VNODE_OPS_SIZE_V2 - 8;
	CHECK_EQ(vfs_register_fs(&bad), -EINVAL);
	CHECK_EQ(vfs_register_fs(NULL), -EINVAL);
	CHECK_EQ(vfs_register_fs(&ramfs_fs_type), -EEXIST);
	CHECK_EQ(vfs_unregister_fs(&bad), -ENOENT);

	/* A larger table from a newer module is fine. */
	bad_ops.size = KEEL_VNODE_OPS_SIZE_V2;
	bad.size = sizeof(bad) + 64;
	CHECK_EQ(vfs_register_fs(&bad), 0);
	CHECK_EQ(vfs_fs_type_mount_count("bad"), 0);
	CHECK_EQ(vfs_unregister_fs(&bad), 0);
	CHECK_EQ(vfs_fs_type_mount_count("bad"), -ENODEV);
}

/*
 * A module built against version 1 of <keel/vfs.h> has tables of the same
 * size whose operations return int: refused, saying so, keeping nothing.
 */
static void test_version_1_tables_are_refused(void)
{
	struct keel_vnode_ops old_ops = *ramfs_fs_type.node_ops;
	struct keel_fs_type old = ramfs_fs_type;
	long allocations = shim_live_allocations;
	const char *problem;

	old.name = "oldfs";
	old.abi_version = 1;
	problem = fsops_table_problem(&old);
	CHECK(problem && strstr(problem, "VFS ABI version 1"));
	CHECK(problem && strstr(problem, "needs version 2"));
	CHECK(problem && strstr(problem, "rebuild it"));
	CHECK_EQ(vfs_register_fs(&old), -EINVAL);
	CHECK_EQ(vfs_fs_type_mount_count("oldfs"), -ENODEV);

	/* The type is new but its node table is old. */
	old.abi_version = KEEL_VFS_ABI_VERSION;
	old_ops.abi_version = 1;
	old.node_ops = &old_ops;
	problem = fsops_table_problem(&old);
	CHECK(problem && strstr(problem, "node_ops use VFS ABI version 1"));
	CHECK_EQ(vfs_register_fs(&old), -EINVAL);

	/* An unknown version is named as such. */
	old_ops.abi_version = 7;
	problem = fsops_table_problem(&old);
	CHECK(problem && strstr(problem, "unknown"));
	CHECK_EQ(vfs_register_fs(&old), -EINVAL);
	CHECK_EQ(vfs_fs_type_mount_count("oldfs"), -ENODEV);
	CHECK_EQ(shim_live_allocations, allocations);

	old_ops.abi_version = KEEL_VFS_ABI_VERSION;
	CHECK(fsops_table_problem(&old) == NULL);
}

static void test_mounted_type_cannot_be_unregistered(void)
{
	fs_setup();
	make_test_types();
	CHECK_EQ(vfs_register_fs(&device_fs), 0);
	CHECK_EQ(vfs_mkdir("/m1", 0755, NULL), 0);
	CHECK_EQ(vfs_mkdir("/m2", 0755, NULL), 0);
	CHECK_EQ(vfs_mount("devfs", "", "/m1", NULL), -EINVAL);
	CHECK_EQ(vfs_mount("devfs", "vda", "/m1", NULL), 0);
	CHECK_EQ(vfs_mount("devfs", "vda", "/m2", NULL), -EBUSY);
	CHECK(vfs_fs_type_in_use(&device_fs));
	CHECK_EQ(vfs_unregister_fs(&device_fs), -EBUSY);
	CHECK_EQ(vfs_umount("/m1", NULL), 0);
	CHECK(!vfs_fs_type_in_use(&device_fs));
	CHECK_EQ(vfs_unregister_fs(&device_fs), 0);
	CHECK_EQ(vfs_mount("devfs", "vda", "/m1", NULL), -ENODEV);
	fs_teardown();
}

static void test_missing_operations_and_read_only(void)
{
	struct vfs_file *file = NULL;

	fs_setup();
	make_test_types();
	CHECK_EQ(vfs_register_fs(&limited_fs), 0);
	CHECK_EQ(vfs_register_fs(&read_only_fs), 0);
	CHECK_EQ(vfs_mkdir("/lim", 0755, NULL), 0);
	CHECK_EQ(vfs_mkdir("/ro", 0755, NULL), 0);
	CHECK_EQ(vfs_mount("limited", "none", "/lim", NULL), 0);
	CHECK_EQ(vfs_mount("rofs", "none", "/ro", NULL), 0);

	CHECK_EQ(vfs_mkdir("/lim/d", 0755, NULL), -ENOSYS);
	CHECK_EQ(vfs_open("/lim/f", VFS_O_WRITE | VFS_O_CREATE, 0644, NULL,
			  &file),
		 -ENOSYS);
	CHECK_EQ(entries_in("/lim"), 0);

	CHECK_EQ(vfs_mkdir("/ro/d", 0755, NULL), -EROFS);
	CHECK_EQ(vfs_open("/ro/f", VFS_O_WRITE | VFS_O_CREATE, 0644, NULL,
			  &file),
		 -EROFS);
	CHECK_EQ(vfs_open("/ro", VFS_O_DIRECTORY, 0, NULL, &file), 0);
	vfs_close(file);
	CHECK_EQ(vfs_rmdir("/ro/x", NULL), -EROFS);
	CHECK_EQ(vfs_unlink("/ro/x", NULL), -EROFS);

	CHECK_EQ(vfs_umount("/lim", NULL), 0);
	CHECK_EQ(vfs_umount("/ro", NULL), 0);
	CHECK_EQ(vfs_unregister_fs(&limited_fs), 0);
	CHECK_EQ(vfs_unregister_fs(&read_only_fs), 0);
	fs_teardown();
}

static void test_unmounting_the_root(void)
{
	struct vfs_file *file;

	fs_setup();
	make_file("/f", "x");
	file = open_or_null("/f", VFS_O_READ);
	vfs_cwd_release(&cwd);
	CHECK_EQ(vfs_umount("/", NULL), -EBUSY);
	vfs_close(file);
	CHECK_EQ(vfs_umount("/", NULL), 0);
	CHECK_EQ(vfs_live_nodes(), 0);
	CHECK_EQ(vfs_stat("/", NULL, &(struct keel_stat){ 0 }), -ENOENT);
	CHECK_EQ(vfs_mkdir("/x", 0755, NULL), -ENOENT);
	CHECK_EQ(shim_live_allocations, allocations_at_setup);
	/* A fresh root is empty. */
	CHECK_EQ(vfs_mount_root(), 0);
	CHECK(!exists("/f"));
	CHECK_EQ(vfs_cwd_init(&cwd), 0);
	fs_teardown();
}

static const struct tap_case cases[] = {
	TAP_CASE(test_root_starts_empty),
	TAP_CASE(test_create_write_read),
	TAP_CASE(test_append_always_writes_at_end),
	TAP_CASE(test_truncate_on_open_and_explicit),
	TAP_CASE(test_seek),
	TAP_CASE(test_sparse_write_reads_zeros),
	TAP_CASE(test_open_flag_checks),
	TAP_CASE(test_readdir_lists_every_entry_once),
	TAP_CASE(test_mkdir_and_rmdir),
	TAP_CASE(test_unlink),
	TAP_CASE(test_unlinked_open_file_lives_until_close),
	TAP_CASE(test_rename_files),
	TAP_CASE(test_rename_directories),
	TAP_CASE(test_mount_a_second_ramfs),
	TAP_CASE(test_umount_refused_while_busy),
	TAP_CASE(test_mount_errors),
	TAP_CASE(test_size_limit_gives_enospc),
	TAP_CASE(test_size_option_forms),
	TAP_CASE(test_the_core_under_another_name),
	TAP_CASE(test_failed_writes_leave_the_file_unchanged),
	TAP_CASE(test_failed_allocations_leave_no_trace),
	TAP_CASE(test_register_checks_the_table),
	TAP_CASE(test_version_1_tables_are_refused),
	TAP_CASE(test_mounted_type_cannot_be_unregistered),
	TAP_CASE(test_missing_operations_and_read_only),
	TAP_CASE(test_unmounting_the_root),
};

int main(void)
{
	vfs_init();
	return tap_run(cases, TAP_COUNT(cases));
}
