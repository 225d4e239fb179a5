/*
 * test_path.c - path resolution and the current directory.
 *
 * One fixed tree, with a second ramfs mounted at /mnt:
 *
 *   /a/b/c/         /a/file ("data")        /mnt/sub/deep/   (other fs)
 *
 * The table gives each case a starting directory, a path and what it must
 * resolve to.  A resolved directory is checked twice: its inode number
 * matches the expected path's, and chdir there followed by getcwd gives the
 * expected path back (inode numbers alone repeat across mounts).
 */
#include <string.h>

#include <keel/errno.h>

#include "fs/vfs.h"
#include "fs_fixture.h"
#include "tap.h"

static void make_file(const char *path, const char *text)
{
	struct vfs_file *file;

	CHECK_EQ(vfs_open(path, VFS_O_WRITE | VFS_O_CREATE, 0644, NULL, &file),
		 0);
	CHECK_EQ(vfs_write(file, text, strlen(text)), (long)strlen(text));
	vfs_close(file);
}

static void build_tree(void)
{
	CHECK_EQ(vfs_mkdir("/a", 0755, NULL), 0);
	CHECK_EQ(vfs_mkdir("/a/b", 0755, NULL), 0);
	CHECK_EQ(vfs_mkdir("/a/b/c", 0755, NULL), 0);
	make_file("/a/file", "data");
	CHECK_EQ(vfs_mkdir("/mnt", 0755, NULL), 0);
	CHECK_EQ(vfs_mount("ramfs", "none", "/mnt", NULL), 0);
	CHECK_EQ(vfs_mkdir("/mnt/sub", 0755, NULL), 0);
	CHECK_EQ(vfs_mkdir("/mnt/sub/deep", 0755, NULL), 0);
}

static void unmount_tree(void)
{
	CHECK_EQ(vfs_umount("/mnt", NULL), 0);
}

static uint64_t ino_of(const char *path)
{
	struct keel_stat stat;

	return vfs_stat(path, NULL, &stat) == 0 ? stat.ino : 0;
}

struct resolve_case {
	const char *name;
	const char *start;    /* current directory, NULL for "/" */
	const char *path;
	int error;            /* expected vfs_stat result */
	const char *resolves; /* the canonical path it names */
	int is_dir;
};

static const struct resolve_case resolve_cases[] = {
	{ "absolute", NULL, "/a/b", 0, "/a/b", 1 },
	{ "relative to cwd", "/a", "b/c", 0, "/a/b/c", 1 },
	{ "relative at root", NULL, "a/b", 0, "/a/b", 1 },
	{ "dot components", "/a", "./b/./c/.", 0, "/a/b/c", 1 },
	{ "dot alone", "/a/b", ".", 0, "/a/b", 1 },
	{ "dotdot", "/a/b/c", "..", 0, "/a/b", 1 },
	{ "dotdot twice", "/a/b/c", "../..", 0, "/a", 1 },
	{ "dotdot inside a path", NULL, "/a/b/../b/c/..", 0, "/a/b", 1 },
	{ "dotdot at root stays", NULL, "/..", 0, "/", 1 },
	{ "dotdot dotdot at root", NULL, "../..", 0, "/", 1 },
	{ "too many dotdots", "/a/b/c", "../../../../../a", 0, "/a", 1 },
	{ "repeated slashes", NULL, "//a//b/", 0, "/a/b", 1 },
	{ "only slashes", NULL, "///", 0, "/", 1 },
	{ "trailing slash on dir", NULL, "/a/b/", 0, "/a/b", 1 },
	{ "file", "/a", "file", 0, "/a/file", 0 },
	{ "trailing slash on file", NULL, "/a/file/", -ENOTDIR, NULL, 0 },
	{ "file as directory", NULL, "/a/file/x", -ENOTDIR, NULL, 0 },
	{ "dot after file", NULL, "/a/file/.", -ENOTDIR, NULL, 0 },
	{ "dotdot after file", NULL, "/a/file/..", -ENOTDIR, NULL, 0 },
	{ "missing name", NULL, "/a/nope", -ENOENT, NULL, 0 },
	{ "missing directory", NULL, "/nope/b", -ENOENT, NULL, 0 },
	{ "missing then dotdot", NULL, "/nope/..", -ENOENT, NULL, 0 },
	{ "empty path", NULL, "", -ENOENT, NULL, 0 },
	{ "into a mount", NULL, "/mnt/sub", 0, "/mnt/sub", 1 },
	{ "mount root", "/a", "../mnt", 0, "/mnt", 1 },
	{ "dotdot from mount root", "/mnt", "..", 0, "/", 1 },
	{ "dotdot out of a mount", "/mnt/sub/deep", "../../../a", 0, "/a", 1 },
	{ "dotdot out and back in", "/mnt/sub", "../../mnt/sub/deep", 0,
	  "/mnt/sub/deep", 1 },
	{ "dot at mount root", "/mnt", ".", 0, "/mnt", 1 },
};

static void test_resolution_table(void)
{
	char where[KEEL_PATH_MAX];

	fs_setup();
	build_tree();
	for (size_t i = 0; i < TAP_COUNT(resolve_cases); i++) {
		const struct resolve_case *c = &resolve_cases[i];
		struct vfs_cwd start;
		struct keel_stat stat;
		int err;

		CHECK_EQ(vfs_cwd_init(&start), 0);
		if (c->start)
			CHECK_EQ(vfs_chdir(&start, c->start), 0);
		err = vfs_stat(c->path, &start, &stat);
		if (err != c->error)
			printf("#   case \"%s\": %d, expected %d\n", c->name,
			       err, c->error);
		CHECK_EQ(err, c->error);
		if (!err && c->resolves) {
			CHECK_EQ(stat.ino, ino_of(c->resolves));
			CHECK_EQ(stat.type,
				 c->is_dir ? KEEL_NODE_DIR : KEEL_NODE_FILE);
		}
		if (!err && c->is_dir) {
			CHECK_EQ(vfs_chdir(&start, c->path), 0);
			CHECK_EQ(vfs_getcwd(&start, where, sizeof(where)), 0);
			if (strcmp(where, c->resolves) != 0)
				printf("#   case \"%s\": at %s, expected %s\n",
				       c->name, where, c->resolves);
			CHECK(strcmp(where, c->resolves) == 0);
		}
		vfs_cwd_release(&start);
	}
	unmount_tree();
	fs_teardown();
}

static void test_component_length_limit(void)
{
	char path[KEEL_NAME_MAX + 8];
	struct vfs_file *dir;
	struct keel_dirent entry;

	fs_setup();
	path[0] = '/';
	memset(path + 1, 'n', KEEL_NAME_MAX);
	path[KEEL_NAME_MAX + 1] = '\0';
	CHECK_EQ(vfs_stat(path, NULL, &(struct keel_stat){ 0 }), -ENOENT);
	CHECK_EQ(vfs_mkdir(path, 0755, NULL), 0);
	CHECK_EQ(vfs_open("/", VFS_O_DIRECTORY, 0, NULL, &dir), 0);
	CHECK_EQ(vfs_readdir(dir, &entry), 1);
	CHECK_EQ(entry.name_length, KEEL_NAME_MAX);
	vfs_close(dir);
	CHECK_EQ(vfs_rmdir(path, NULL), 0);

	path[KEEL_NAME_MAX + 1] = 'n';
	path[KEEL_NAME_MAX + 2] = '\0';
	CHECK_EQ(vfs_stat(path, NULL, &(struct keel_stat){ 0 }), -ENAMETOOLONG);
	CHECK_EQ(vfs_mkdir(path, 0755, NULL), -ENAMETOOLONG);
	CHECK_EQ(vfs_open(path, VFS_O_WRITE | VFS_O_CREATE, 0644, NULL, &dir),
		 -ENAMETOOLONG);
	fs_teardown();
}

static void test_path_length_limit(void)
{
	static char path[KEEL_PATH_MAX + 1];
	struct keel_stat stat;

	fs_setup();
	/* "/" then "./" repeated: 4095 bytes naming the root. */
	path[0] = '/';
	for (size_t i = 1; i + 1 < KEEL_PATH_MAX; i += 2)
		memcpy(path + i, "./", 2);
	path[KEEL_PATH_MAX - 1] = '\0';
	CHECK_EQ(strlen(path), KEEL_PATH_MAX - 1);
	CHECK_EQ(vfs_stat(path, NULL, &stat), 0);
	CHECK_EQ(stat.type, KEEL_NODE_DIR);

	path[KEEL_PATH_MAX - 1] = '/';
	path[KEEL_PATH_MAX] = '\0';
	CHECK_EQ(vfs_stat(path, NULL, &stat), -ENAMETOOLONG);
	CHECK_EQ(vfs_mkdir(path, 0755, NULL), -ENAMETOOLONG);
	CHECK_EQ(vfs_chdir(&cwd, path), -ENAMETOOLONG);
	fs_teardown();
}

static void test_getcwd_and_chdir(void)
{
	char where[64];

	fs_setup();
	build_tree();
	CHECK_EQ(vfs_getcwd(&cwd, where, sizeof(where)), 0);
	CHECK(strcmp(where, "/") == 0);
	CHECK_EQ(vfs_chdir(&cwd, "a/b"), 0);
	CHECK_EQ(vfs_getcwd(&cwd, where, sizeof(where)), 0);
	CHECK(strcmp(where, "/a/b") == 0);

	/* A failed chdir leaves the directory where it was. */
	CHECK_EQ(vfs_chdir(&cwd, "../file"), -ENOTDIR);
	CHECK_EQ(vfs_chdir(&cwd, "nope"), -ENOENT);
	CHECK_EQ(vfs_getcwd(&cwd, where, sizeof(where)), 0);
	CHECK(strcmp(where, "/a/b") == 0);

	/* Exactly enough room, then one byte short. */
	CHECK_EQ(vfs_getcwd(&cwd, where, 5), 0);
	CHECK_EQ(vfs_getcwd(&cwd, where, 4), -ERANGE);
	CHECK_EQ(vfs_getcwd(&cwd, where, 1), -ERANGE);

	/* Relative operations use the cwd. */
	CHECK_EQ(vfs_mkdir("new", 0755, &cwd), 0);
	CHECK(ino_of("/a/b/new") != 0);

	/* Renaming a directory above the cwd changes what pwd says. */
	CHECK_EQ(vfs_rename("/a", "/renamed", NULL), 0);
	CHECK_EQ(vfs_getcwd(&cwd, where, sizeof(where)), 0);
	CHECK(strcmp(where, "/renamed/b") == 0);

	CHECK_EQ(vfs_chdir(&cwd, "/mnt/sub/deep"), 0);
	CHECK_EQ(vfs_getcwd(&cwd, where, sizeof(where)), 0);
	CHECK(strcmp(where, "/mnt/sub/deep") == 0);
	CHECK_EQ(vfs_chdir(&cwd, "../../.."), 0);
	CHECK_EQ(vfs_getcwd(&cwd, where, sizeof(where)), 0);
	CHECK(strcmp(where, "/") == 0);
	unmount_tree();
	fs_teardown();
}

static void test_cwd_without_root(void)
{
	struct vfs_cwd none;
	char where[8];

	CHECK_EQ(vfs_live_mounts(), 0);
	CHECK_EQ(vfs_cwd_init(&none), -ENOENT);
	CHECK(none.node == NULL);
	CHECK_EQ(vfs_stat("/", &none, &(struct keel_stat){ 0 }), -ENOENT);
	CHECK_EQ(vfs_getcwd(&none, where, sizeof(where)), 0);
	CHECK(strcmp(where, "/") == 0);
	vfs_cwd_release(&none);
}

static void test_cwd_pins_its_mount(void)
{
	struct vfs_cwd inside;

	fs_setup();
	build_tree();
	CHECK_EQ(vfs_cwd_init(&inside), 0);
	CHECK_EQ(vfs_chdir(&inside, "/mnt/sub"), 0);
	CHECK_EQ(vfs_umount("/mnt", NULL), -EBUSY);
	CHECK_EQ(vfs_chdir(&inside, "/mnt"), 0);
	CHECK_EQ(vfs_umount("/mnt", NULL), -EBUSY);
	CHECK_EQ(vfs_chdir(&inside, ".."), 0);
	CHECK_EQ(vfs_umount("/mnt", NULL), 0);
	/* The covered directory is back, and it is empty. */
	CHECK_EQ(vfs_stat("/mnt/sub", NULL, &(struct keel_stat){ 0 }), -ENOENT);
	/* A cwd on "/" keeps the root mounted. */
	CHECK_EQ(vfs_umount("/", NULL), -EBUSY);
	vfs_cwd_release(&inside);
	fs_teardown();
}

static const struct tap_case cases[] = {
	TAP_CASE(test_resolution_table),
	TAP_CASE(test_component_length_limit),
	TAP_CASE(test_path_length_limit),
	TAP_CASE(test_getcwd_and_chdir),
	TAP_CASE(test_cwd_without_root),
	TAP_CASE(test_cwd_pins_its_mount),
};

int main(void)
{
	vfs_init();
	return tap_run(cases, TAP_COUNT(cases));
}
