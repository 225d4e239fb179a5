/*
 * cmd_fs.c - shell commands on files and mounts: ls, cd, pwd, cat, mkdir,
 * rm, rmdir, mv, ln, readlink, mount, umount, df.
 *
 * Commands that take several names check all of them before changing any
 * (validate, then act): `rm a b` with no b removes nothing.
 *
 * Symbolic links are followed by everything that opens or enters a path
 * (cat, cd, ls of a directory) and not by what acts on a name: `rm`,
 * `mv`, `ls -l` (which shows `l` and "name -> target"), `readlink`.
 */
#include <stdarg.h>

#include <keel/errno.h>

#include "fs/vfs.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "shell/shell.h"

#define IO_CHUNK 512

static void mode_string(const struct keel_stat *st, char out[11])
{
	static const char rwx[] = "rwxrwxrwx";

	out[0] = '-';
	if (st->type == KEEL_NODE_DIR)
		out[0] = 'd';
	else if (st->type == KEEL_NODE_SYMLINK)
		out[0] = 'l';
	for (int i = 0; i < 9; i++)
		out[i + 1] = (st->mode & (0400u >> i)) ? rwx[i] : '-';
	out[10] = '\0';
}

/*
 * One line of `ls`: `name` as shown, `path` to read a link's target from.
 * Long format: "lrwxrwxrwx ... name -> target" for a symbolic link.
 */
static void print_entry(struct shell *sh, const char *name, const char *path,
			const struct keel_stat *st, int long_format)
{
	char mode[11], *target = NULL;

	if (!long_format) {
		sh_printf(sh, "%s%s\n", name, st->type == KEEL_NODE_DIR ? "/" : "");
		return;
	}
	mode_string(st, mode);
	if (st->type == KEEL_NODE_SYMLINK) {
		target = kmalloc(KEEL_PATH_MAX);
		if (target &&
		    vfs_readlink(path, sh->cwd, target, KEEL_PATH_MAX) < 0)
			strlcpy(target, "?", KEEL_PATH_MAX);
	}
	sh_printf(sh, "%s %3u %4u %4u %9lu %s%s%s\n", mode, st->nlink, st->uid,
		  st->gid, (unsigned long)st->size, name, target ? " -> " : "",
		  target ? target : "");
	kfree(target);
}

/* Names of a directory, sorted, in one kmalloc'd block. */
struct listing {
	int count;
	struct keel_dirent *entries;
};

static int read_listing(struct vfs_file *dir, struct listing *out)
{
	int cap = 16, err;

	out->count = 0;
	out->entries = kmalloc(sizeof(struct keel_dirent) * (size_t)cap);
	if (!out->entries)
		return -ENOMEM;
	for (;;) {
		if (out->count == cap) {
			struct keel_dirent *bigger =
				kmalloc(sizeof(struct keel_dirent) * (size_t)cap * 2);
			if (!bigger) {
				kfree(out->entries);
				return -ENOMEM;
			}
			memcpy(bigger, out->entries, sizeof(struct keel_dirent) * (size_t)cap);
			kfree(out->entries);
			out->entries = bigger;
			cap *= 2;
		}
		err = vfs_readdir(dir, &out->entries[out->count]);
		if (err <= 0)
			break;
		out->count++;
	}
	if (err < 0) {
		kfree(out->entries);
		return err;
	}
	/* Insertion sort: directories are small, and the result is stable. */
	for (int i = 1; i < out->count; i++) {
		struct keel_dirent key = out->entries[i];
		int j = i - 1;

		while (j >= 0 && strcmp(out->entries[j].name, key.name) > 0) {
			out->entries[j + 1] = out->entries[j];
			j--;
		}
		out->entries[j + 1] = key;
	}
	return 0;
}

static int list_one(struct shell *sh, const char *path, int long_format,
		    int show_header)
{
	struct vfs_file *dir;
	struct listing listing;
	struct keel_stat st, target;
	char *child;
	int err;

	/* A link to a directory is listed, except by ls -l. */
	err = vfs_lstat(path, sh->cwd, &st);
	if (!err && st.type == KEEL_NODE_SYMLINK && !long_format &&
	    vfs_stat(path, sh->cwd, &target) == 0)
		st = target;
	if (err)
		return sh_errno(sh, "ls", path, err);
	if (st.type != KEEL_NODE_DIR) {
		print_entry(sh, path, path, &st, long_format);
		return 0;
	}
	err = vfs_open(path, VFS_O_DIRECTORY, 0, sh->cwd, &dir);
	if (err)
		return sh_errno(sh, "ls", path, err);
	err = read_listing(dir, &listing);
	vfs_close(dir);
	if (err)
		return sh_errno(sh, "ls", path, err);
	if (show_header)
		sh_printf(sh, "%s:\n", path);
	child = kmalloc(KEEL_PATH_MAX);
	for (int i = 0; child && i < listing.count; i++) {
		const char *name = listing.entries[i].name;

		if (!long_format) {
			sh_printf(sh, "%s%s\n", name,
				  listing.entries[i].type == KEEL_NODE_DIR ? "/" : "");
			continue;
		}
		snprintf(child, KEEL_PATH_MAX, "%s/%s", path, name);
		if (vfs_lstat(child, sh->cwd, &st) == 0)
			print_entry(sh, name, child, &st, 1);
	}
	if (!child)
		err = -ENOMEM;
	kfree(child);
	kfree(listing.entries);
	return err ? sh_errno(sh, "ls", path, err) : 0;
}

static int cmd_ls(struct shell *sh, int argc, char **argv)
{
	int long_format = 0, first = 1, status = 0;

	if (argc > 1 && argv[1][0] == '-') {
		if (strcmp(argv[1], "-l") != 0)
			return sh_error(sh, "ls", "unknown option %s", argv[1]);
		long_format = 1;
		first = 2;
	}
	if (first == argc)
		return list_one(sh, ".", long_format, 0);
	for (int i = first; i < argc; i++)
		status |= list_one(sh, argv[i], long_format, argc - first > 1);
	return status;
}
SHELL_COMMAND(ls, "ls [-l] [PATH...]", "list directory contents", cmd_ls);

static int cmd_cd(struct shell *sh, int argc, char **argv)
{
	int err;

	if (argc > 2)
		return sh_error(sh, "cd", "too many arguments");
	err = vfs_chdir(sh->cwd, argc == 2 ? argv[1] : "/");
	return err ? sh_errno(sh, "cd", argc == 2 ? argv[1] : "/", err) : 0;
}
SHELL_COMMAND(cd, "cd [DIR]", "change the current directory (default /)", cmd_cd);

static int cmd_pwd(struct shell *sh, int argc, char **argv)
{
	char *path;
	int err;

	if (argc != 1)
		return sh_error(sh, "pwd", "takes no arguments");
	path = kmalloc(KEEL_PATH_MAX);
	if (!path)
		return sh_errno(sh, "pwd", "buffer", -ENOMEM);
	err = vfs_getcwd(sh->cwd, path, KEEL_PATH_MAX);
	if (err >= 0)
		sh_printf(sh, "%s\n", path);
	kfree(path);
	return err < 0 ? sh_errno(sh, "pwd", ".", err) : 0;
}
SHELL_COMMAND(pwd, "pwd", "print the current directory", cmd_pwd);

static int cmd_cat(struct shell *sh, int argc, char **argv)
{
	char *buf;
	int status = 0;

	if (argc < 2)
		return sh_error(sh, "cat", "missing file operand");
	buf = kmalloc(IO_CHUNK);
	if (!buf)
		return sh_errno(sh, "cat", "buffer", -ENOMEM);
	for (int i = 1; i < argc; i++) {
		struct vfs_file *file;
		long n;
		int err = vfs_open(argv[i], VFS_O_READ, 0, sh->cwd, &file);

		if (err) {
			status = sh_errno(sh, "cat", argv[i], err);
			continue;
		}
		while ((n = vfs_read(file, buf, IO_CHUNK)) > 0)
			sh_write(sh, buf, (size_t)n);
		if (n < 0)
			status = sh_errno(sh, "cat", argv[i], (int)n);
		vfs_close(file);
	}
	kfree(buf);
	return status;
}
SHELL_COMMAND(cat, "cat FILE...", "print files", cmd_cat);

/*
 * Every path must name nothing yet (mkdir) or an existing node (rm,
 * rmdir).  A symbolic link is a name like any other here (lstat): rm
 * removes the link, rmdir refuses it, mkdir finds the name taken.
 */
static int check_all(struct shell *sh, const char *cmd, int argc, char **argv,
		     int must_exist, uint32_t want_type)
{
	for (int i = 1; i < argc; i++) {
		struct keel_stat st;
		int err = vfs_lstat(argv[i], sh->cwd, &st);

		if (!must_exist && err == 0)
			return sh_errno(sh, cmd, argv[i], -EEXIST);
		if (must_exist && err)
			return sh_errno(sh, cmd, argv[i], err);
		if (must_exist && want_type == KEEL_NODE_DIR && st.type != KEEL_NODE_DIR)
			return sh_errno(sh, cmd, argv[i], -ENOTDIR);
		if (must_exist && want_type == KEEL_NODE_FILE && st.type == KEEL_NODE_DIR)
			return sh_errno(sh, cmd, argv[i], -EISDIR);
	}
	return 0;
}

static int cmd_mkdir(struct shell *sh, int argc, char **argv)
{
	if (argc < 2)
		return sh_error(sh, "mkdir", "missing operand");
	if (check_all(sh, "mkdir", argc, argv, 0, 0))
		return 1;
	for (int i = 1; i < argc; i++) {
		int err = vfs_mkdir(argv[i], 0755, sh->cwd);
		if (err)
			return sh_errno(sh, "mkdir", argv[i], err);
	}
	return 0;
}
SHELL_COMMAND(mkdir, "mkdir DIR...", "make directories", cmd_mkdir);

static int cmd_rm(struct shell *sh, int argc, char **argv)
{
	if (argc < 2)
		return sh_error(sh, "rm", "missing operand");
	if (check_all(sh, "rm", argc, argv, 1, KEEL_NODE_FILE))
		return 1;
	for (int i = 1; i < argc; i++) {
		int err = vfs_unlink(argv[i], sh->cwd);
		if (err)
			return sh_errno(sh, "rm", argv[i], err);
	}
	return 0;
}
SHELL_COMMAND(rm, "rm FILE...", "remove files", cmd_rm);

static int cmd_rmdir(struct shell *sh, int argc, char **argv)
{
	if (argc < 2)
		return sh_error(sh, "rmdir", "missing operand");
	if (check_all(sh, "rmdir", argc, argv, 1, KEEL_NODE_DIR))
		return 1;
	for (int i = 1; i < argc; i++) {
		int err = vfs_rmdir(argv[i], sh->cwd);
		if (err)
			return sh_errno(sh, "rmdir", argv[i], err);
	}
	return 0;
}
SHELL_COMMAND(rmdir, "rmdir DIR...", "remove empty directories", cmd_rmdir);

static int cmd_mv(struct shell *sh, int argc, char **argv)
{
	int err;

	if (argc != 3)
		return sh_error(sh, "mv", "expects a source and a destination");
	err = vfs_rename(argv[1], argv[2], sh->cwd);
	return err ? sh_errno(sh, "mv", argv[1], err) : 0;
}
SHELL_COMMAND(mv, "mv OLD NEW", "rename or move a file or directory", cmd_mv);

static int cmd_ln(struct shell *sh, int argc, char **argv)
{
	int err;

	if (argc == 3 && strcmp(argv[1], "-s") != 0)
		return sh_error(sh, "ln",
				"hard links are not supported: use ln -s");
	if (argc != 4 || strcmp(argv[1], "-s") != 0)
		return sh_error(sh, "ln", "expects -s, a target and a name");
	err = vfs_symlink(argv[2], argv[3], sh->cwd);
	return err ? sh_errno(sh, "ln", argv[3], err) : 0;
}
SHELL_COMMAND(ln, "ln -s TARGET NAME",
	      "make NAME a symbolic link to TARGET (kept as text)", cmd_ln);

static int cmd_readlink(struct shell *sh, int argc, char **argv)
{
	char *target;
	int err;

	if (argc != 2)
		return sh_error(sh, "readlink", "expects one name");
	target = kmalloc(KEEL_PATH_MAX);
	if (!target)
		return sh_errno(sh, "readlink", "buffer", -ENOMEM);
	err = vfs_readlink(argv[1], sh->cwd, target, KEEL_PATH_MAX);
	if (err >= 0)
		sh_printf(sh, "%s\n", target);
	kfree(target);
	return err < 0 ? sh_errno(sh, "readlink", argv[1], err) : 0;
}
SHELL_COMMAND(readlink, "readlink NAME", "print a symbolic link's target",
	      cmd_readlink);

/*
 * Mount listings are formatted into a buffer under the namespace lock and
 * printed after it is dropped: printing may write to a file (`mount > f`),
 * which needs the VFS.
 */
struct text {
	char *buf;
	size_t len, cap;
};

static int text_add(struct text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= t->cap - t->len)
		return -ENOSPC; /* stop listing: the buffer is full */
	t->len += (size_t)n;
	return 0;
}

static int list_mounts(struct shell *sh,
		       int (*fn)(const struct vfs_mount_info *info, void *arg),
		       const char *header)
{
	struct text t = { kmalloc(8192), 0, 8192 };
	int err;

	if (!t.buf)
		return sh_errno(sh, "mount", "buffer", -ENOMEM);
	if (header)
		text_add(&t, "%s", header);
	err = vfs_mount_for_each(fn, &t);
	sh_write(sh, t.buf, t.len);
	kfree(t.buf);
	return err && err != -ENOSPC ? 1 : 0;
}

static int print_mount(const struct vfs_mount_info *info, void *arg)
{
	return text_add(arg, "%s on %s type %s (%s)\n", info->source, info->target,
			info->fstype,
			(info->flags & KEEL_MOUNT_READ_ONLY) ? "ro" : "rw");
}

static int cmd_mount(struct shell *sh, int argc, char **argv)
{
	const char *type = NULL, *options = NULL, *source = NULL, *target = NULL;
	int err;

	if (argc == 1)
		return list_mounts(sh, print_mount, NULL);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-t") == 0 && i + 1 < argc) {
			type = argv[++i];
		} else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
			options = argv[++i];
		} else if (argv[i][0] == '-') {
			return sh_error(sh, "mount", "unknown option %s", argv[i]);
		} else if (!source) {
			source = argv[i];
		} else if (!target) {
			target = argv[i];
		} else {
			return sh_error(sh, "mount", "too many arguments");
		}
	}
	if (!type || !source || !target)
		return sh_error(sh, "mount", "needs -t TYPE, a source and a target");
	err = vfs_mount_options(type, source, target, options, sh->cwd);
	if (err == -ENODEV)
		return sh_error(sh, "mount", "unknown filesystem type '%s'", type);
	return err ? sh_errno(sh, "mount", target, err) : 0;
}
SHELL_COMMAND(mount, "mount [-t TYPE [-o OPTIONS] SOURCE DIR]",
	      "list mounts, or mount a filesystem on DIR", cmd_mount);

static int cmd_umount(struct shell *sh, int argc, char **argv)
{
	int err;

	if (argc != 2)
		return sh_error(sh, "umount", "expects one mount point");
	err = vfs_umount(argv[1], sh->cwd);
	return err ? sh_errno(sh, "umount", argv[1], err) : 0;
}
SHELL_COMMAND(umount, "umount DIR", "unmount the filesystem mounted on DIR", cmd_umount);

static int print_usage(const struct vfs_mount_info *info, void *arg)
{
	const struct keel_statfs *s = &info->statfs;

	if (info->statfs_result)
		return text_add(arg, "%-12s %10s %10s %10s %4s %s\n", info->source,
				"?", "?", "?", "-", info->target);
	return text_add(arg, "%-12s %10lu %10lu %10lu %3lu%% %s\n", info->source,
			(unsigned long)(s->bytes_total / 1024),
			(unsigned long)(s->bytes_used / 1024),
			(unsigned long)(s->bytes_free / 1024),
			(unsigned long)(s->bytes_total ? s->bytes_used * 100 / s->bytes_total : 0),
			info->target);
}

static int cmd_df(struct shell *sh, int argc, char **argv)
{
	if (argc != 1)
		return sh_error(sh, "df", "takes no arguments");
	return list_mounts(sh, print_usage,
			   "Filesystem    1K-blocks       Used  Available Use% Mounted on\n");
}
SHELL_COMMAND(df, "df", "space used and free on each mounted filesystem", cmd_df);
