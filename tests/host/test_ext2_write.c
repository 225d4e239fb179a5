/*
 * test_ext2_write.c - change images with the on-disk layer's allocation,
 * mapping, truncation and directory code, and let e2fsprogs judge.
 *
 * Every change made to the image is made to a model too: a plain
 * directory on the host, changed with the same POSIX calls.  Afterwards
 * the image is saved, `e2fsck -fn` must find nothing at all to say, and
 * `debugfs -R "rdump / dir"` must give back exactly the model (diff -r).
 * The same runs with 1 KiB and 4 KiB blocks and several groups; a seeded
 * random workload covers the orders nobody would write by hand.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "test_ext2_volume.h"

static struct vol vol;
static char model[300], image[300];

static char *model_path(const char *path);

/* ---- fixture
 * ----------------------------------------------------------------- */

static bool start(const char *options, const char *size)
{
	int err;

	if (!fx_have_e2fsprogs()) {
		tap_skip_reason = "e2fsprogs not installed";
		return false;
	}
	snprintf(model, sizeof(model), "%s/model", fx_dir());
	snprintf(image, sizeof(image), "%s/write.img", fx_dir());
	fx_run("rm -rf '%s'", model);
	mkdir(model, 0755);
	fx_run("mkdir -p '%s/docs/old' '%s/empty' && seq 1 2000 > "
	       "'%s/docs/numbers' && head -c 200000 /dev/zero | tr '\\0' x > "
	       "'%s/docs/old/xs' && echo hello > '%s/hello'",
	       model, model, model, model, model);
	remove(image);
	if (fx_run("mke2fs -q -F -t ext2 %s -d '%s' '%s' %s", options, model,
		   image, size))
		return false;
	mkdir(model_path("/lost+found"), 0700);
	err = vol_open_file(&vol, image);
	if (err) {
		printf("#   %s\n", vol.msg.text);
		vol_close(&vol);
	}
	return err == 0;
}

/* Save, then e2fsck must be silent and debugfs must dump the model. */
static void finish(void)
{
	char dump[320], command[1200], line[512];
	bool clean = true;
	FILE *p;
	int status;

	CHECK_EQ(vol_save(&vol, image), 0);
	vol_close(&vol);
	snprintf(command, sizeof(command), "e2fsck -fn '%s' 2>&1", image);
	p = popen(command, "r");
	while (p && fgets(line, sizeof(line), p)) {
		if (!strncmp(line, "e2fsck ", 7) ||
		    !strncmp(line, "Pass ", 5) || strstr(line, " files ("))
			continue;
		printf("#   e2fsck: %s", line);
		clean = false;
	}
	status = p ? pclose(p) : -1;
	CHECK_EQ(status, 0);
	CHECK(clean);

	snprintf(dump, sizeof(dump), "%s/dump", fx_dir());
	fx_run("rm -rf '%s' && mkdir '%s'", dump, dump);
	CHECK_EQ(fx_run("debugfs -R 'rdump / %s' '%s'", dump, image), 0);
	snprintf(command, sizeof(command),
		 "diff -r --no-dereference '%s' '%s' 2>&1 | head -20", model,
		 dump);
	p = popen(command, "r");
	while (p && fgets(line, sizeof(line), p)) {
		printf("#   diff: %s", line);
		clean = false;
	}
	if (p)
		pclose(p);
	CHECK(clean);
}

/* ---- operations on both
 * ------------------------------------------------------ */

static int parent_of(const char *path, uint32_t *dir, const char **name)
{
	char parent[1024];
	const char *slash = strrchr(path, '/');

	*name = slash ? slash + 1 : path;
	snprintf(parent, sizeof(parent), "%.*s",
		 slash ? (int)(slash - path) : 0, path);
	return vol_resolve(&vol, parent, dir);
}

static char *model_path(const char *path)
{
	static char buf[2][1200];
	static int which;

	which ^= 1;
	snprintf(buf[which], sizeof(buf[which]), "%s%s", model, path);
	return buf[which];
}

/* Each returns the image's result and checks the model agrees. */
static int do_create(const char *path, bool dir)
{
	const char *name;
	uint32_t parent, ino;
	int err = parent_of(path, &parent, &name);
	int host;

	if (!err)
		err = vol_create(
		    &vol, parent, name,
		    dir ? EXT2_S_IFDIR | 0755 : EXT2_S_IFREG | 0644, &ino);
	host = dir ? mkdir(model_path(path), 0755)
		   : open(model_path(path), O_CREAT | O_EXCL | O_WRONLY, 0644);
	if (!dir && host >= 0)
		host = close(host);
	CHECK_EQ(err == 0, host == 0);
	return err;
}

static int64_t do_write(const char *path, uint64_t offset, const void *data,
			uint64_t length)
{
	uint32_t ino;
	int64_t n;
	int fd;

	if (vol_resolve(&vol, path, &ino))
		return -ENOENT;
	n = vol_write(&vol, ino, offset, data, length);
	if (n > 0) {
		fd = open(model_path(path), O_WRONLY);
		CHECK(fd >= 0);
		CHECK_EQ(pwrite(fd, data, (size_t)n, (off_t)offset), n);
		close(fd);
	}
	return n;
}

static int do_truncate(const char *path, uint64_t size)
{
	uint32_t ino;
	int err = vol_resolve(&vol, path, &ino);

	if (!err)
		err = vol_truncate(&vol, ino, size);
	if (!err)
		CHECK_EQ(truncate(model_path(path), (off_t)size), 0);
	return err;
}

static int do_unlink(const char *path)
{
	const char *name;
	uint32_t parent;
	int err = parent_of(path, &parent, &name);

	if (!err)
		err = vol_unlink(&vol, parent, name);
	CHECK_EQ(err == 0, unlink(model_path(path)) == 0);
	return err;
}

static int do_rmdir(const char *path)
{
	const char *name;
	uint32_t parent;
	int err = parent_of(path, &parent, &name);

	if (!err)
		err = vol_rmdir(&vol, parent, name);
	CHECK_EQ(err == 0, rmdir(model_path(path)) == 0);
	return err;
}

static int do_rename(const char *from, const char *to)
{
	const char *old_name, *new_name;
	uint32_t old_dir, new_dir;
	int err = parent_of(from, &old_dir, &old_name);

	if (!err)
		err = parent_of(to, &new_dir, &new_name);
	if (!err)
		err = vol_rename(&vol, old_dir, old_name, new_dir, new_name);
	CHECK_EQ(err == 0, rename(model_path(from), model_path(to)) == 0);
	return err;
}

static int do_symlink(const char *target, const char *path)
{
	const char *name;
	uint32_t parent, ino;
	int err = parent_of(path, &parent, &name);

	if (!err)
		err = vol_symlink(&vol, parent, name, target, &ino);
	CHECK_EQ(err == 0, symlink(target, model_path(path)) == 0);
	return err;
}

static uint8_t *pattern(uint64_t length, unsigned seed)
{
	uint8_t *p = malloc(length ? length : 1);

	for (uint64_t i = 0; i < length; i++)
		p[i] = (uint8_t)(seed * 31 + i * 7 + (i >> 10));
	return p;
}

/* ---- cases -----------------------------------------------------------------
 */

static void scripted(const char *options)
{
	uint8_t *big = pattern(900 * 1024, 1), *small = pattern(5000, 2);
	char name[300];
	uint32_t free_blocks, free_inodes;

	if (!start(options, "40M"))
		return;
	free_blocks = vol.sb.free_blocks;
	free_inodes = vol.sb.free_inodes;

	/* Create and write through each pointer level. */
	CHECK_EQ(do_create("/new.txt", false), 0);
	CHECK_EQ(do_write("/new.txt", 0, small, 5000), 5000);
	CHECK_EQ(do_create("/newdir", true), 0);
	CHECK_EQ(do_create("/newdir/inner", false), 0);
	CHECK_EQ(do_write("/newdir/inner", 0, big, 900 * 1024), 900 * 1024);
	CHECK_EQ(do_write("/newdir/inner", 70u << 20, small, 5000), 5000);
	CHECK_EQ(do_create("/newdir/sub", true), 0);
	CHECK_EQ(do_create("/newdir/sub/deeper", true), 0);

	/* Append, overwrite in the middle, write past the end. */
	CHECK_EQ(do_write("/hello", 6, small, 3000), 3000);
	CHECK_EQ(do_write("/docs/old/xs", 100000, small, 5000), 5000);
	CHECK_EQ(do_write("/docs/numbers", 40000, small, 10), 10);

	/* Truncate across each level boundary, and grow with a hole. */
	CHECK_EQ(do_truncate("/newdir/inner", 400 * 1024), 0);
	CHECK_EQ(do_truncate("/newdir/inner", 13 * 1024 + 17), 0);
	CHECK_EQ(do_truncate("/newdir/inner", 5000), 0);
	CHECK_EQ(do_truncate("/newdir/inner", 3 << 20), 0);
	CHECK_EQ(do_write("/newdir/inner", 2 << 20, small, 100), 100);
	CHECK_EQ(do_truncate("/docs/old/xs", 0), 0);
	CHECK_EQ(do_write("/docs/old/xs", 0, small, 20), 20);

	/* Symlinks, fast and slow. */
	CHECK_EQ(do_symlink("hello", "/fast"), 0);
	memset(name, 's', 200);
	name[200] = '\0';
	CHECK_EQ(do_symlink(name, "/slow"), 0);
	CHECK_EQ(do_symlink(name, "/slow_gone"), 0);
	CHECK_EQ(do_unlink("/slow_gone"), 0);

	/* A directory of many blocks, thinned and refilled. */
	CHECK_EQ(do_create("/many", true), 0);
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "/many/entry_%d", i);
		CHECK_EQ(do_create(name, false), 0);
	}
	for (int i = 0; i < 300; i += 2) {
		snprintf(name, sizeof(name), "/many/entry_%d", i);
		CHECK_EQ(do_unlink(name), 0);
	}
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "/many/%0*d", 200 + i % 55, i);
		CHECK_EQ(do_create(name, false), 0);
	}
	memset(name, 'L', 256);
	name[0] = '/';
	name[256] = '\0';
	CHECK_EQ(do_create(name, false), 0);

	/* Renames: within a directory, across, over a file, directories. */
	CHECK_EQ(do_rename("/new.txt", "/renamed.txt"), 0);
	CHECK_EQ(do_rename("/renamed.txt", "/newdir/sub/moved.txt"), 0);
	CHECK_EQ(do_rename("/hello", "/docs/numbers"), 0);
	CHECK_EQ(do_rename("/newdir/sub", "/docs/sub"), 0);
	CHECK_EQ(do_rename("/docs/sub/deeper", "/empty"), 0);
	CHECK_EQ(do_rename("/docs/old", "/docs/older"), 0);

	/* Removing. */
	CHECK_EQ(do_rmdir("/docs"), -ENOTEMPTY);
	CHECK_EQ(do_create("/gone", true), 0);
	CHECK_EQ(do_rmdir("/gone"), 0);
	CHECK_EQ(do_unlink("/docs/sub/moved.txt"), 0);

	finish();

	/* Everything made here and removed again gives the space back. */
	if (start(options, "40M")) {
		for (int i = 0; i < 50; i++) {
			snprintf(name, sizeof(name), "/tmp%d", i);
			CHECK_EQ(do_create(name, i % 3 == 0), 0);
			if (i % 3)
				CHECK_EQ(do_write(name, (uint64_t)i << 16, big,
						  30000),
					 30000);
		}
		for (int i = 0; i < 50; i++) {
			snprintf(name, sizeof(name), "/tmp%d", i);
			CHECK_EQ(i % 3 == 0 ? do_rmdir(name) : do_unlink(name),
				 0);
		}
		CHECK_EQ(vol.sb.free_blocks, free_blocks);
		CHECK_EQ(vol.sb.free_inodes, free_inodes);
		finish();
	}
	free(big);
	free(small);
}

static void test_scripted_1k(void)
{
	scripted("-b 1024 -g 2048");
}

static void test_scripted_4k(void)
{
	scripted("-b 4096 -g 1024");
}

static void test_scripted_no_filetype(void)
{
	scripted("-b 1024 -g 4096 -I 128 -O ^filetype");
}

static void test_refusals(void)
{
	uint32_t root = EXT2_ROOT_INO, ino;
	char name[300];

	if (!start("-b 1024", "8M"))
		return;
	CHECK_EQ(vol_create(&vol, root, "hello", EXT2_S_IFREG | 0644, &ino),
		 -EEXIST);
	CHECK_EQ(vol_rmdir(&vol, root, "hello"), -ENOTDIR);
	CHECK_EQ(vol_unlink(&vol, root, "docs"), -EISDIR);
	CHECK_EQ(vol_unlink(&vol, root, "nothing"), -ENOENT);
	CHECK_EQ(vol_rename(&vol, root, "hello", root, "docs"), -EISDIR);
	CHECK_EQ(vol_rename(&vol, root, "empty", root, "hello"), -ENOTDIR);
	CHECK_EQ(vol_rename(&vol, root, "empty", root, "docs"), -ENOTEMPTY);
	memset(name, 'x', 256);
	name[256] = '\0';
	CHECK_EQ(vol_create(&vol, root, name, EXT2_S_IFREG | 0644, &ino),
		 -ENAMETOOLONG);
	CHECK_EQ(vol_truncate(&vol, EXT2_ROOT_INO, 0), -EINVAL);
	CHECK_EQ(vol_resolve(&vol, "/hello", &ino), 0);
	CHECK_EQ(vol_write(&vol, ino, vol.sb.max_file_size, "x", 1), -EFBIG);
	finish();
}

/* Fill the volume: -ENOSPC part-way, nothing leaked, all given back. */
static void test_fill_the_volume(void)
{
	uint8_t *chunk = pattern(64 * 1024, 3);
	uint32_t free_blocks, free_inodes;
	int64_t n = 0;
	uint64_t at = 0;

	if (!start("-b 1024 -g 1024", "3M"))
		return;
	free_blocks = vol.sb.free_blocks;
	free_inodes = vol.sb.free_inodes;
	CHECK_EQ(do_create("/fill", false), 0);
	while ((n = do_write("/fill", at, chunk, 64 * 1024)) == 64 * 1024)
		at += (uint64_t)n;
	CHECK(n > 0 && n < 64 * 1024); /* the last write stopped part-way */
	at += (uint64_t)n;
	CHECK_EQ(do_write("/fill", at, chunk, 1), -ENOSPC);
	/* A path needs up to 4 blocks; directories take the last ones. */
	CHECK(vol.sb.free_blocks < 4);
	for (int i = 0;; i++) {
		char name[32];
		int err;

		snprintf(name, sizeof(name), "d%d", i);
		err = vol_create(&vol, EXT2_ROOT_INO, name, EXT2_S_IFDIR | 0755,
				 &(uint32_t){0});
		if (err) {
			CHECK_EQ(err, -ENOSPC);
			break;
		}
		snprintf(name, sizeof(name), "/d%d", i);
		CHECK_EQ(mkdir(model_path(name), 0755), 0);
	}
	CHECK_EQ(vol.sb.free_blocks, 0);
	finish();

	if (start("-b 1024 -g 1024", "3M")) {
		CHECK_EQ(do_create("/fill", false), 0);
		for (at = 0; do_write("/fill", at, chunk, 64 * 1024) > 0;)
			at += 64 * 1024;
		CHECK_EQ(do_unlink("/fill"), 0);
		CHECK_EQ(vol.sb.free_blocks, free_blocks);
		CHECK_EQ(vol.sb.free_inodes, free_inodes);
		finish();
	}
	free(chunk);
}

/* ---- a seeded random workload
 * ------------------------------------------------ */

static uint64_t seed_state;

static uint32_t rnd(uint32_t n)
{
	seed_state =
	    seed_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(seed_state >> 33) % n;
}

static void random_workload(const char *options, uint64_t seed, int steps)
{
	static const char *const dirs[] = {"", "/a", "/a/b", "/c", "/a/b/d"};
	uint8_t *data = pattern(300 * 1024, (unsigned)seed);
	int done[8] = {0};

	if (!start(options, "24M"))
		return;
	seed_state = seed;
	for (int step = 0; step < steps; step++) {
		char path[300], other[300];
		const char *dir = dirs[rnd(5)];
		int op = rnd(8);
		int err;

		snprintf(path, sizeof(path), "%s/f%u", dir, rnd(12));
		snprintf(other, sizeof(other), "%s/f%u", dirs[rnd(5)], rnd(12));
		switch (op) {
		case 0:
		case 1:
			err = do_create(path, false);
			break;
		case 2: {
			uint64_t length = rnd(4) ? rnd(20000) : rnd(300 * 1024);
			uint64_t at = rnd(4)   ? rnd(50000)
				      : rnd(3) ? rnd(1 << 22)
					       : (uint64_t)rnd(80) << 20;

			err = (int)do_write(path, at, data, length);
			break;
		}
		case 3:
			err = do_truncate(path,
					  rnd(2) ? rnd(30000) : rnd(1 << 21));
			break;
		case 4:
			err = do_unlink(path);
			break;
		case 5:
			err = do_rename(path, other);
			break;
		case 6:
			snprintf(path, sizeof(path), "%s", dirs[1 + rnd(4)]);
			err = rnd(2) ? do_create(path, true) : do_rmdir(path);
			break;
		default:
			snprintf(
			    other, sizeof(other), "%.*s", (int)rnd(120) + 1,
			    "target/of/a/symlink/that/goes/on/and/on/and/"
			    "on/past/sixty/bytes/so/that/some/are/slow/and/"
			    "some/are/fast/and/all/are/different");
			err = do_symlink(other, path);
			break;
		}
		done[op] += err >= 0;
		if (err < -1 && err != -ENOENT && err != -EEXIST &&
		    err != -ENOTEMPTY && err != -ENOTDIR && err != -EISDIR &&
		    err != -EINVAL) {
			printf("#   step %d op %d %s: %d %s\n", step, op, path,
			       err, vol.msg.text);
			CHECK(!"only expected errors");
		}
	}
	printf(
	    "#   seed %llu: %d creates, %d writes, %d truncates, %d unlinks, "
	    "%d renames, %d mkdir/rmdirs, %d symlinks\n",
	    (unsigned long long)seed, done[0] + done[1], done[2], done[3],
	    done[4], done[5], done[6], done[7]);
	finish();
	free(data);
}

static void test_random_1k(void)
{
	random_workload("-b 1024 -g 2048", 1, 600);
	random_workload("-b 1024 -g 2048", 2, 600);
}

static void test_random_4k(void)
{
	random_workload("-b 4096 -g 1024", 3, 600);
}

static const struct tap_case cases[] = {
    TAP_CASE(test_scripted_1k),
    TAP_CASE(test_scripted_4k),
    TAP_CASE(test_scripted_no_filetype),
    TAP_CASE(test_refusals),
    TAP_CASE(test_fill_the_volume),
    TAP_CASE(test_random_1k),
    TAP_CASE(test_random_4k),
};

int main(void)
{
	return tap_run(cases, TAP_COUNT(cases));
}
