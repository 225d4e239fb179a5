/*
 * test_symlink.c - symbolic links in the VFS: following them in path
 * walks, the calls that do not, loops, dangling links, and filesystems
 * without links.
 *
 * One tree on the ramfs root, a second ramfs at /mnt, and links of every
 * kind between them:
 *
 *   /a/b/c/                 /a/file ("data")       /mnt/sub/deep/
 *   /abs_dir   -> /a/b      absolute, to a directory
 *   /a/rel_dir -> b/c       relative: from /a, the link's directory
 *   /a/b/up    -> ..        a link with a dotdot
 *   /a/to_file -> file
 *   /a/b/c/far -> ../../file
 *   /dangling  -> /nope     names nothing
 *   /loop1 -> loop2, /loop2 -> loop1, /self -> self
 *   /to_mnt    -> mnt/sub   into the other mount
 *   /mnt/out   -> ../a      from a mount's root, out of it
 *   /mnt/sub/abs -> /a/b/c  absolute, from inside the mount
 *
 * The table gives each case a starting directory, a path, whether the
 * last link is followed (stat) or not (lstat), and what it must resolve
 * to; every case ends with the root unmounted and nothing left allocated
 * (fs_fixture.h).
 */
#include <string.h>

#include <keel/errno.h>

#include "fs/internal.h"
#include "fs/ramfs.h"
#include "fs/vfs.h"
#include "fs_fixture.h"
#include "tap.h"

void *kmalloc(size_t size)
{
	return fs_fixture_kmalloc(size);
}

static void make_file(const char *path, const char *text)
{
	struct vfs_file *file;

	CHECK_EQ(vfs_open(path, VFS_O_WRITE | VFS_O_CREATE, 0644, NULL, &file),
		 0);
	CHECK_EQ(vfs_write(file, text, strlen(text)), (long)strlen(text));
	vfs_close(file);
}

/* The whole content of a file as a string ("" on error). */
static const char *contents(const char *path)
{
	static char buffer[64];
	struct vfs_file *file;
	long n;

	buffer[0] = '\0';
	if (vfs_open(path, VFS_O_READ, 0, NULL, &file))
		return buffer;
	n = vfs_read(file, buffer, sizeof(buffer) - 1);
	buffer[n > 0 ? n : 0] = '\0';
	vfs_close(file);
	return buffer;
}

static void build_tree(void)
{
	static const char *const links[][2] = {
	    {"/a/b", "/abs_dir"},
	    {"b/c", "/a/rel_dir"},
	    {"..", "/a/b/up"},
	    {"file", "/a/to_file"},
	    {"../../file", "/a/b/c/far"},
	    {"/nope", "/dangling"},
	    {"loop2", "/loop1"},
	    {"loop1", "/loop2"},
	    {"self", "/self"},
	    {"mnt/sub", "/to_mnt"},
	    {"../a", "/mnt/out"},
	    {"/a/b/c", "/mnt/sub/abs"},
	};

	CHECK_EQ(vfs_mkdir("/a", 0755, NULL), 0);
	CHECK_EQ(vfs_mkdir("/a/b", 0755, NULL), 0);
	CHECK_EQ(vfs_mkdir("/a/b/c", 0755, NULL), 0);
	make_file("/a/file", "data");
	CHECK_EQ(vfs_mkdir("/mnt", 0755, NULL), 0);
	CHECK_EQ(vfs_mount("ramfs", "none", "/mnt", NULL), 0);
	CHECK_EQ(vfs_mkdir("/mnt/sub", 0755, NULL), 0);
	CHECK_EQ(vfs_mkdir("/mnt/sub/deep", 0755, NULL), 0);
	for (size_t i = 0; i < TAP_COUNT(links); i++)
		CHECK_EQ(vfs_symlink(links[i][0], links[i][1], NULL), 0);
}

static void unmount_tree(void)
{
	CHECK_EQ(vfs_umount("/mnt", NULL), 0);
}

static uint64_t ino_of(const char *path)
{
	struct keel_stat stat;

	return vfs_lstat(path, NULL, &stat) == 0 ? stat.ino : 0;
}

struct link_case {
	const char *name;
	const char *start; /* current directory, NULL for "/" */
	const char *path;
	bool follow;	      /* vfs_stat, else vfs_lstat */
	int error;	      /* expected result */
	const char *resolves; /* the canonical path of what it names */
	uint32_t type;
};

#define IS_DIR	KEEL_NODE_DIR
#define IS_FILE KEEL_NODE_FILE
#define IS_LINK KEEL_NODE_SYMLINK

static const struct link_case link_cases[] = {
    {"absolute link to a directory", NULL, "/abs_dir", true, 0, "/a/b", IS_DIR},
    {"through an absolute link", NULL, "/abs_dir/c", true, 0, "/a/b/c", IS_DIR},
    {"relative: from the link's directory", NULL, "/a/rel_dir", true, 0,
     "/a/b/c", IS_DIR},
    {"relative, whatever the cwd", "/mnt/sub", "/a/rel_dir", true, 0, "/a/b/c",
     IS_DIR},
    {"relative path through a link", "/a", "rel_dir/..", true, 0, "/a/b",
     IS_DIR},
    {"dotdot after a link leaves its target", NULL, "/a/rel_dir/..", true, 0,
     "/a/b", IS_DIR},
    {"a link of dotdot", NULL, "/a/b/up", true, 0, "/a", IS_DIR},
    {"links in a row", NULL, "/a/b/up/b/up/b/up/file", true, 0, "/a/file",
     IS_FILE},
    {"link to a file", NULL, "/a/to_file", true, 0, "/a/file", IS_FILE},
    {"link to a file, trailing slash", NULL, "/a/to_file/", true, -ENOTDIR,
     NULL, 0},
    {"link to a file used as a directory", NULL, "/a/to_file/x", true, -ENOTDIR,
     NULL, 0},
    {"relative with dotdots", NULL, "/a/b/c/far", true, 0, "/a/file", IS_FILE},
    {"dangling", NULL, "/dangling", true, -ENOENT, NULL, 0},
    {"dangling in the middle", NULL, "/dangling/x", false, -ENOENT, NULL, 0},
    {"a loop of two", NULL, "/loop1", true, -ELOOP, NULL, 0},
    {"a loop in the middle", NULL, "/loop2/x", false, -ELOOP, NULL, 0},
    {"a link to itself", NULL, "/self", true, -ELOOP, NULL, 0},
    {"into a mount", NULL, "/to_mnt/deep", true, 0, "/mnt/sub/deep", IS_DIR},
    {"out of a mount", NULL, "/mnt/out/b", true, 0, "/a/b", IS_DIR},
    {"absolute from inside a mount", "/mnt", "sub/abs", true, 0, "/a/b/c",
     IS_DIR},
    {"lstat: the link itself", NULL, "/abs_dir", false, 0, "/abs_dir", IS_LINK},
    {"lstat: a dangling link", NULL, "/dangling", false, 0, "/dangling",
     IS_LINK},
    {"lstat: a loop", NULL, "/loop1", false, 0, "/loop1", IS_LINK},
    {"lstat: links before the last", NULL, "/abs_dir/up", false, 0, "/a/b/up",
     IS_LINK},
    {"lstat: a trailing slash follows", NULL, "/abs_dir/", false, 0, "/a/b",
     IS_DIR},
    {"lstat: a trailing dot follows", NULL, "/abs_dir/.", false, 0, "/a/b",
     IS_DIR},
};

static void test_resolution_table(void)
{
	char where[KEEL_PATH_MAX];

	fs_setup();
	build_tree();
	for (size_t i = 0; i < TAP_COUNT(link_cases); i++) {
		const struct link_case *c = &link_cases[i];
		struct vfs_cwd start;
		struct keel_stat stat;
		int err;

		CHECK_EQ(vfs_cwd_init(&start), 0);
		if (c->start)
			CHECK_EQ(vfs_chdir(&start, c->start), 0);
		err = c->follow ? vfs_stat(c->path, &start, &stat)
				: vfs_lstat(c->path, &start, &stat);
		if (err != c->error)
			printf("#   case \"%s\": %d, expected %d\n", c->name,
			       err, c->error);
		CHECK_EQ(err, c->error);
		if (!err && c->resolves) {
			CHECK_EQ(stat.ino, ino_of(c->resolves));
			CHECK_EQ(stat.type, c->type);
		}
		/* A directory reached through links has its real path. */
		if (!err && c->type == IS_DIR) {
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

/* 40 links in a chain resolve; 41 are too many (Linux's limit). */
static void test_link_limit(void)
{
	char name[32], target[32];
	struct keel_stat stat;

	fs_setup();
	make_file("/end", "end");
	CHECK_EQ(vfs_symlink("/end", "/l0", NULL), 0);
	for (int i = 1; i <= 40; i++) {
		snprintf(name, sizeof(name), "/l%d", i);
		snprintf(target, sizeof(target), "l%d", i - 1);
		CHECK_EQ(vfs_symlink(target, name, NULL), 0);
	}
	CHECK_EQ(vfs_stat("/l39", NULL, &stat), 0);
	CHECK_EQ(stat.ino, ino_of("/end"));
	CHECK_EQ(vfs_stat("/l40", NULL, &stat), -ELOOP);
	CHECK_EQ(vfs_lstat("/l40", NULL, &stat), 0);
	CHECK_EQ(stat.type, IS_LINK);
	CHECK(strcmp(contents("/l39"), "end") == 0);
	fs_teardown();
}

static void test_readlink_and_lstat(void)
{
	char text[16];
	struct keel_stat stat;

	fs_setup();
	build_tree();
	CHECK_EQ(vfs_readlink("/a/rel_dir", NULL, text, sizeof(text)), 3);
	CHECK(strcmp(text, "b/c") == 0);
	CHECK_EQ(vfs_readlink("/mnt/sub/abs", NULL, text, sizeof(text)), 6);
	CHECK(strcmp(text, "/a/b/c") == 0);
	/* Through links to the directory holding one. */
	CHECK_EQ(vfs_readlink("/abs_dir/c/far", NULL, text, sizeof(text)), 10);
	CHECK(strcmp(text, "../../file") == 0);
	/* Room for the target and its NUL, exactly; then one byte short. */
	CHECK_EQ(vfs_readlink("/a/rel_dir", NULL, text, 4), 3);
	CHECK_EQ(vfs_readlink("/a/rel_dir", NULL, text, 3), -ERANGE);
	CHECK_EQ(vfs_readlink("/a/file", NULL, text, sizeof(text)), -EINVAL);
	CHECK_EQ(vfs_readlink("/abs_dir/", NULL, text, sizeof(text)), -EINVAL);
	CHECK_EQ(vfs_readlink("/nope", NULL, text, sizeof(text)), -ENOENT);
	CHECK_EQ(vfs_lstat("/a/to_file", NULL, &stat), 0);
	CHECK_EQ(stat.size, 4);
	CHECK_EQ(stat.nlink, 1);
	CHECK_EQ(stat.mode, 0777);
	unmount_tree();
	fs_teardown();
}

/* What acts on a name acts on the link, what opens follows it. */
static void test_operations_on_links(void)
{
	struct vfs_file *file;
	struct keel_stat stat;
	char text[16];

	fs_setup();
	build_tree();
	/* Reading and writing through a link reach the file. */
	CHECK(strcmp(contents("/a/to_file"), "data") == 0);
	CHECK(strcmp(contents("/abs_dir/c/far"), "data") == 0);
	CHECK_EQ(vfs_open("/abs_dir", VFS_O_DIRECTORY, 0, NULL, &file), 0);
	vfs_close(file);
	CHECK_EQ(vfs_open("/loop1", VFS_O_READ, 0, NULL, &file), -ELOOP);
	/* Creating through a dangling link makes its target... */
	CHECK_EQ(vfs_symlink("made", "/a/later", NULL), 0);
	make_file("/a/later", "new");
	CHECK(strcmp(contents("/a/made"), "new") == 0);
	CHECK_EQ(vfs_lstat("/a/later", NULL, &stat), 0);
	CHECK_EQ(stat.type, IS_LINK);
	/* ...except an exclusive create: the name is taken. */
	CHECK_EQ(vfs_open("/dangling",
			  VFS_O_WRITE | VFS_O_CREATE | VFS_O_EXCLUSIVE, 0644,
			  NULL, &file),
		 -EEXIST);
	CHECK_EQ(vfs_open("/dangling", VFS_O_WRITE | VFS_O_CREATE, 0644, NULL,
			  &file),
		 0); /* /nope */
	vfs_close(file);
	CHECK_EQ(vfs_unlink("/nope", NULL), 0);
	/* Names: the link is taken, never its target. */
	CHECK_EQ(vfs_mkdir("/abs_dir", 0755, NULL), -EEXIST);
	CHECK_EQ(vfs_symlink("x", "/abs_dir", NULL), -EEXIST);
	CHECK_EQ(vfs_rmdir("/abs_dir", NULL), -ENOTDIR);
	CHECK_EQ(vfs_unlink("/abs_dir/", NULL), -ENOTDIR);
	CHECK_EQ(vfs_rename("/a/to_file", "/a/b/moved", NULL), 0);
	CHECK_EQ(vfs_readlink("/a/b/moved", NULL, text, sizeof(text)), 4);
	/* Its relative target now resolves from its new directory. */
	CHECK_EQ(vfs_stat("/a/b/moved", NULL, &stat), -ENOENT);
	CHECK_EQ(vfs_rename("/a/b/moved", "/a/to_file", NULL), 0);
	CHECK_EQ(vfs_unlink("/a/to_file", NULL), 0);
	CHECK_EQ(vfs_lstat("/a/to_file", NULL, &stat), -ENOENT);
	CHECK(strcmp(contents("/a/file"), "data") == 0);
	CHECK_EQ(vfs_unlink("/dangling", NULL), 0);
	CHECK_EQ(vfs_unlink("/abs_dir", NULL), 0);
	CHECK_EQ(vfs_stat("/a/b", NULL, &stat), 0);
	/* cd through a link: pwd names the directory itself. */
	CHECK_EQ(vfs_chdir(&cwd, "/to_mnt"), 0);
	CHECK_EQ(vfs_getcwd(&cwd, text, sizeof(text)), 0);
	CHECK(strcmp(text, "/mnt/sub") == 0);
	CHECK_EQ(vfs_chdir(&cwd, "/"), 0);
	unmount_tree();
	fs_teardown();
}

static void test_refusals(void)
{
	static char long_target[KEEL_PATH_MAX + 1];
	struct keel_stat stat;

	fs_setup();
	CHECK_EQ(vfs_mkdir("/d", 0755, NULL), 0);
	CHECK_EQ(vfs_symlink("", "/empty", NULL), -ENOENT);
	CHECK_EQ(vfs_symlink(NULL, "/null", NULL), -EINVAL);
	memset(long_target, 'x', KEEL_PATH_MAX);
	CHECK_EQ(vfs_symlink(long_target, "/long", NULL), -ENAMETOOLONG);
	CHECK_EQ(vfs_symlink("d", "/", NULL), -EEXIST);
	CHECK_EQ(vfs_symlink("d", "/d/..", NULL), -EEXIST);
	CHECK_EQ(vfs_symlink("d", "/new/", NULL), -ENOENT);
	CHECK_EQ(vfs_symlink("d", "/nope/new", NULL), -ENOENT);
	/* A target and the rest of the path too long together. */
	long_target[0] = '/'; /* "/./././...": 4085 bytes naming the root */
	for (size_t i = 1; i + 1 < KEEL_PATH_MAX - 11; i += 2)
		memcpy(long_target + i, "./", 2);
	long_target[KEEL_PATH_MAX - 11] = '\0';
	CHECK_EQ(vfs_symlink(long_target, "/d/long", NULL), 0);
	CHECK_EQ(vfs_stat("/d/long/d", NULL, &stat), 0);
	CHECK_EQ(stat.type, IS_DIR);
	CHECK_EQ(vfs_stat("/d/long/d/d/d/d/d/d", NULL, &stat), -ENAMETOOLONG);
	CHECK_EQ(vfs_unlink("/d/long", NULL), 0);
	CHECK_EQ(vfs_rmdir("/d", NULL), 0);
	fs_teardown();
}

/* Every allocation of a walk through links failing in turn: no trace. */
static void test_out_of_memory(void)
{
	struct keel_stat stat;
	int err, failed = 0;

	fs_setup();
	build_tree();
	for (long n = 0;; n++) {
		fail_allocations_after(n, FAIL_ONCE);
		err = vfs_stat("/abs_dir/c/far", NULL, &stat);
		allocations_never_fail();
		if (err == 0)
			break;
		CHECK_EQ(err, -ENOMEM);
		failed++;
	}
	CHECK(failed > 0);
	CHECK_EQ(stat.ino, ino_of("/a/file"));
	for (long n = 0;; n++) {
		fail_allocations_after(n, FAIL_FROM_THEN_ON);
		err = vfs_symlink("target", "/oom", NULL);
		allocations_never_fail();
		if (err == 0)
			break;
		CHECK_EQ(err, -ENOMEM);
		CHECK_EQ(vfs_lstat("/oom", NULL, &stat), -ENOENT);
	}
	unmount_tree();
	fs_teardown();
}

/* ---- filesystems without symbolic links -------------------------------- */

static struct keel_vnode_ops old_ops;
static struct keel_fs_type old_fs, liar_fs;

/* Says its files are symbolic links, without a readlink to read them. */
static struct keel_int_future *liar_read_node(struct keel_mount *mount,
					      struct keel_vnode *vnode)
{
	struct keel_int_future *f = ramfs_fs_type.read_node(mount, vnode);

	if (vnode->type == KEEL_NODE_FILE)
		vnode->type = KEEL_NODE_SYMLINK;
	return f;
}

static void test_filesystem_without_links(void)
{
	struct vfs_file *file;

	fs_setup();
	/* A table built before symlink and readlink were appended. */
	old_ops = *ramfs_fs_type.node_ops;
	old_ops.size = KEEL_VNODE_OPS_SIZE_V2;
	old_fs = ramfs_fs_type;
	old_fs.name = "oldfs";
	old_fs.node_ops = &old_ops;
	liar_fs = old_fs;
	liar_fs.name = "liarfs";
	liar_fs.read_node = liar_read_node;
	CHECK_EQ(vfs_register_fs(&old_fs), 0);
	CHECK_EQ(vfs_register_fs(&liar_fs), 0);
	CHECK_EQ(vfs_mkdir("/old", 0755, NULL), 0);
	CHECK_EQ(vfs_mkdir("/liar", 0755, NULL), 0);
	CHECK_EQ(vfs_mount("oldfs", "none", "/old", NULL), 0);
	CHECK_EQ(vfs_mount("liarfs", "none", "/liar", NULL), 0);

	CHECK_EQ(vfs_symlink("x", "/old/link", NULL), -EPERM);
	make_file("/old/file", "still a filesystem");
	CHECK(strcmp(contents("/old/file"), "still a filesystem") == 0);
	/* A link node from a filesystem that cannot read it is refused. */
	CHECK_EQ(
	    vfs_open("/liar/f", VFS_O_WRITE | VFS_O_CREATE, 0644, NULL, &file),
	    -EIO);

	CHECK_EQ(vfs_umount("/old", NULL), 0);
	CHECK_EQ(vfs_umount("/liar", NULL), 0);
	CHECK_EQ(vfs_unregister_fs(&old_fs), 0);
	CHECK_EQ(vfs_unregister_fs(&liar_fs), 0);
	fs_teardown();
}

static const struct tap_case cases[] = {
    TAP_CASE(test_resolution_table),
    TAP_CASE(test_link_limit),
    TAP_CASE(test_readlink_and_lstat),
    TAP_CASE(test_operations_on_links),
    TAP_CASE(test_refusals),
    TAP_CASE(test_out_of_memory),
    TAP_CASE(test_filesystem_without_links),
};

int main(void)
{
	vfs_init();
	return tap_run(cases, TAP_COUNT(cases));
}
