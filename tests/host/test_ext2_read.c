/*
 * test_ext2_read.c - read every file of images that mke2fs -d made from
 * generated trees, with the module's on-disk layer, and compare with the
 * host's own files byte for byte.
 *
 * The tree covers what the format has corners for: empty files, files
 * ending exactly on block boundaries, the step from direct to indirect to
 * double- and triple-indirect blocks, sparse files (holes at the start,
 * in the middle, at the end), deep directories, directories of many
 * blocks, 255-byte names, fast and slow symlinks (59 and 60 bytes), hard
 * links.  Each image is made with 1, 2 and 4 KiB blocks and small groups
 * so that files and directories spread over several groups.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "test_ext2_volume.h"

static char tree[256];

static uint64_t rng_state;

static uint8_t rng_byte(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint8_t)(rng_state >> 24);
}

/* Write `length` pseudo-random bytes (seeded) at `offset` of a file. */
static void put_data(const char *rel, uint64_t offset, uint64_t length,
		     uint64_t seed)
{
	char path[1024];
	uint8_t chunk[65536];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tree, rel);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	if (fd < 0) {
		perror(path);
		abort();
	}
	rng_state = seed * 2654435761u + 1;
	while (length) {
		size_t n = length < sizeof(chunk) ? length : sizeof(chunk);

		for (size_t i = 0; i < n; i++)
			chunk[i] = rng_byte();
		if (pwrite(fd, chunk, n, (off_t)offset) != (ssize_t)n)
			abort();
		offset += n;
		length -= n;
	}
	close(fd);
}

static void set_size(const char *rel, uint64_t size)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", tree, rel);
	if (truncate(path, (off_t)size))
		abort();
}

static void make_dir(const char *rel)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", tree, rel);
	if (mkdir(path, 0755))
		abort();
}

static void make_link(const char *target, const char *rel)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", tree, rel);
	if (symlink(target, path))
		abort();
}

static void make_tree(void)
{
	char name[300], rel[1024], target[600];
	uint64_t mib = 1 << 20;

	snprintf(tree, sizeof(tree), "%s/tree", fx_dir());
	mkdir(tree, 0755);
	put_data("empty", 0, 0, 1);
	put_data("small.txt", 0, 100, 2);
	put_data("exact_1k", 0, 1024, 3);
	put_data("exact_4k", 0, 4096, 4);
	put_data("one_more", 0, 4097, 5);
	put_data("twelve_1k", 0, 12 * 1024, 6);
	put_data("twelve_1k_plus", 0, 12 * 1024 + 1, 7);
	put_data("medium", 0, 300 * 1024, 8);
	put_data("large", 0, 5 * mib, 9);
	/* 1 KiB blocks: triple indirect from 12+256+65536 KiB (~64.3 MiB). */
	put_data("sparse", 0, 10 * 1024, 10);
	put_data("sparse", 30 * mib, 5000, 11);
	put_data("sparse", 70 * mib + 123, 3000, 12);
	/* 4 KiB blocks: triple indirect from (12+1024+1024^2) * 4 KiB. */
	put_data("sparse_huge", 4096 * mib + 8 * mib + 5, 2000, 18);
	put_data("hole_first", 100 * 1024, 1, 13);
	put_data("hole_last", 0, 2000, 14);
	set_size("hole_last", 9 * mib + 7);
	chmod(strcat(strcpy(rel, tree), "/small.txt"), 0600);

	/* Deep directories. */
	rel[0] = '\0';
	for (int d = 0; d < 30; d++) {
		snprintf(name, sizeof(name), "%sd%d", d ? "/" : "", d);
		strcat(rel, name);
		make_dir(rel);
	}
	strcat(rel, "/leaf.txt");
	put_data(rel, 0, 777, 15);

	/* A directory of many blocks, names of every length class. */
	make_dir("many");
	for (int i = 0; i < 700; i++) {
		snprintf(rel, sizeof(rel), "many/%.*s%d", i % 40 + 1,
			 "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
			 i);
		put_data(rel, 0, (uint64_t)(i % 5) * 300, 100 + i);
	}

	/* 255-byte names, for a file and a directory. */
	memset(name, 'n', 255);
	name[255] = '\0';
	snprintf(rel, sizeof(rel), "%s", name);
	put_data(rel, 0, 50, 16);
	name[0] = 'D';
	make_dir(name);
	snprintf(rel, sizeof(rel), "%s/inside", name);
	put_data(rel, 0, 60, 17);

	/* Symlinks: fast (< 60 bytes) and slow. */
	make_link("small.txt", "fast_link");
	memset(target, 't', 59);
	target[59] = '\0';
	make_link(target, "fast_59");
	memset(target, 'u', 60);
	target[60] = '\0';
	make_link(target, "slow_60");
	memset(target, 'v', 500);
	target[500] = '\0';
	make_link(target, "slow_500");
	make_link("d0/d1", "dir_link");

	/* A hard link: one inode, two names. */
	snprintf(rel, sizeof(rel), "%s/medium", tree);
	snprintf(target, sizeof(target), "%s/medium_again", tree);
	if (link(rel, target))
		abort();
}

/* ---- the walk --------------------------------------------------------------
 */

static struct vol vol;
static unsigned files_compared, bytes_compared;

static void compare_file(const char *path, const struct stat *st,
			 struct ext2_inode *in)
{
	uint8_t *host, *ours;
	uint64_t chunk = 1 << 20;
	int fd = open(path, O_RDONLY);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	host = malloc(chunk);
	ours = malloc(chunk);
	CHECK_EQ(in->size, st->st_size);
	for (uint64_t at = 0; at < (uint64_t)st->st_size; at += chunk) {
		off_t data = lseek(fd, (off_t)at, SEEK_DATA);
		uint64_t n = (uint64_t)st->st_size - at;
		int64_t got;

		if (n > chunk)
			n = chunk;
		if (data < 0 || (uint64_t)data >= at + n) {
			/* A hole on the host: no blocks behind it here. */
			uint32_t bs = vol.sb.block_size;

			for (uint64_t b = (at + bs - 1) / bs; b < (at + n) / bs;
			     b += 61) {
				int64_t phys =
				    vol_bmap(&vol, 0, in, b, false, NULL);

				if (phys != 0) {
					printf("#   %s: block %llu is %lld\n",
					       path, (unsigned long long)b,
					       (long long)phys);
					CHECK(!"hole on the host");
					break;
				}
			}
			continue;
		}
		CHECK_EQ(pread(fd, host, n, (off_t)at), (ssize_t)n);
		got = vol_read(&vol, in, at, ours, n);
		CHECK_EQ(got, (int64_t)n);
		if (got != (int64_t)n || memcmp(host, ours, n)) {
			printf("#   %s differs in [%llu, +%llu): %s\n", path,
			       (unsigned long long)at, (unsigned long long)n,
			       vol.msg.text);
			CHECK(!"same bytes");
			break;
		}
		bytes_compared += (unsigned)n;
	}
	files_compared++;
	free(host);
	free(ours);
	close(fd);
}

struct listing {
	unsigned entries;
	bool dot, dotdot;
	const char *dir;
};

static int count_entry(void *arg, const char *name, uint32_t length,
		       uint32_t ino, uint8_t file_type)
{
	struct listing *l = arg;
	char path[2048];
	struct stat st;

	(void)ino;
	if (length == 1 && name[0] == '.') {
		l->dot = true;
		CHECK_EQ(file_type, vol.sb.has_filetype ? EXT2_FT_DIR : 0);
		return 0;
	}
	if (length == 2 && name[0] == '.' && name[1] == '.') {
		l->dotdot = true;
		return 0;
	}
	if (length == 10 && !memcmp(name, "lost+found", 10))
		return 0;
	l->entries++;
	snprintf(path, sizeof(path), "%s/%.*s", l->dir, (int)length, name);
	if (lstat(path, &st)) {
		printf("#   %s is in the image, not on the host\n", path);
		CHECK(!"entry exists on the host");
		return 0;
	}
	if (vol.sb.has_filetype)
		CHECK_EQ(file_type, S_ISDIR(st.st_mode)	  ? EXT2_FT_DIR
				    : S_ISLNK(st.st_mode) ? EXT2_FT_SYMLINK
							  : EXT2_FT_REG_FILE);
	else
		CHECK_EQ(file_type, EXT2_FT_UNKNOWN);
	return 0;
}

static void compare_dir(const char *path, uint32_t ino)
{
	struct listing l = {.dir = path};
	unsigned host_entries = 0;
	char command[1200];
	FILE *p;

	CHECK_EQ(vol_readdir(&vol, ino, count_entry, &l), 0);
	CHECK(l.dot && l.dotdot);
	snprintf(command, sizeof(command), "ls -A '%s' | wc -l", path);
	p = popen(command, "r");
	if (p) {
		if (fscanf(p, "%u", &host_entries) != 1)
			host_entries = 0;
		pclose(p);
	}
	CHECK_EQ(l.entries, host_entries);
}

static int visit(const char *path, const struct stat *st, int flag,
		 struct FTW *ftw)
{
	const char *rel = path + strlen(tree);
	struct ext2_inode in;
	uint32_t ino;
	int err;

	(void)flag;
	(void)ftw;
	err = vol_resolve(&vol, *rel ? rel : "/", &ino);
	if (err) {
		printf("#   %s: %d %s\n", rel, err, vol.msg.text);
		CHECK(!"path resolves");
		return 0;
	}
	err = vol_iget(&vol, ino, &in);
	CHECK_EQ(err, 0);
	if (err)
		return 0;
	CHECK_EQ(in.mode & 07777, st->st_mode & 07777);
	CHECK_EQ(in.uid, st->st_uid);
	if (*rel) {
		CHECK_EQ(in.links, st->st_nlink);
		CHECK_EQ(in.mtime, st->st_mtime);
	} else { /* mke2fs adds lost+found to the root */
		CHECK_EQ(in.links, st->st_nlink + 1);
	}
	if (S_ISREG(st->st_mode)) {
		CHECK(ext2_is_reg(&in));
		compare_file(path, st, &in);
	} else if (S_ISDIR(st->st_mode)) {
		CHECK(ext2_is_dir(&in));
		compare_dir(path, ino);
	} else if (S_ISLNK(st->st_mode)) {
		char host[1024], ours[1024];
		ssize_t n = readlink(path, host, sizeof(host));
		int64_t got = vol_readlink(&vol, ino, ours, sizeof(ours));

		CHECK(ext2_is_symlink(&in));
		CHECK_EQ(got, n);
		CHECK(got == n && !memcmp(host, ours, (size_t)n));
		CHECK_EQ(ext2_is_fast_symlink(&vol.sb, &in), n < 60);
	}
	return 0;
}

static void check_image(const char *options)
{
	char image[300];
	int err;

	if (!fx_have_e2fsprogs()) {
		tap_skip_reason = "e2fsprogs not installed";
		return;
	}
	if (!tree[0])
		make_tree();
	snprintf(image, sizeof(image), "%s/read.img", fx_dir());
	remove(image);
	CHECK_EQ(fx_run("mke2fs -q -F -t ext2 %s -d '%s' '%s' 48M", options,
			tree, image),
		 0);
	CHECK_EQ(fx_run("e2fsck -fn '%s'", image), 0);
	err = vol_open_file(&vol, image);
	CHECK_EQ(err, 0);
	if (!err) {
		files_compared = bytes_compared = 0;
		CHECK(vol.sb.group_count >= 4);
		CHECK_EQ(nftw(tree, visit, 16, FTW_PHYS), 0);
		printf("#   %s: %u groups, %u files, %u bytes compared\n",
		       options, vol.sb.group_count, files_compared,
		       bytes_compared);
		CHECK(files_compared > 700);
	} else {
		printf("#   %s\n", vol.msg.text);
	}
	vol_close(&vol);
}

static void test_read_1k_blocks(void)
{
	check_image("-b 1024 -g 4096");
}

static void test_read_2k_blocks(void)
{
	check_image("-b 2048 -g 4096");
}

static void test_read_4k_blocks(void)
{
	check_image("-b 4096 -g 2048");
}

static void test_read_1k_128_byte_inodes_no_filetype(void)
{
	check_image("-b 1024 -g 2048 -I 128 -O ^filetype");
}

/* The step between pointer levels, for each block size. */
static void test_block_paths(void)
{
	static const struct {
		uint32_t per_block;
		uint64_t logical;
		int depth;
		uint32_t offsets[4];
	} cases[] = {
	    {256, 0, 1, {0}},
	    {256, 11, 1, {11}},
	    {256, 12, 2, {12, 0}},
	    {256, 267, 2, {12, 255}},
	    {256, 268, 3, {13, 0, 0}},
	    {256, 268 + 256, 3, {13, 1, 0}},
	    {256, 268 + 65535, 3, {13, 255, 255}},
	    {256, 268 + 65536, 4, {14, 0, 0, 0}},
	    {256, 268 + 65536 + 65536 + 257, 4, {14, 1, 1, 1}},
	    {256, 268 + 65536 + 16777216 - 1, 4, {14, 255, 255, 255}},
	    {256, 268 + 65536 + 16777216, -EFBIG, {0}},
	    {1024, 12 + 1024, 3, {13, 0, 0}},
	    {1024, 12 + 1024 + 1048576, 4, {14, 0, 0, 0}},
	};

	for (size_t i = 0; i < TAP_COUNT(cases); i++) {
		uint32_t offsets[4] = {0};
		int depth = ext2_block_path(cases[i].per_block,
					    cases[i].logical, offsets);

		CHECK_EQ(depth, cases[i].depth);
		for (int l = 0; l < depth; l++)
			CHECK_EQ(offsets[l], cases[i].offsets[l]);
	}
}

static const struct tap_case cases[] = {
    TAP_CASE(test_block_paths),
    TAP_CASE(test_read_1k_blocks),
    TAP_CASE(test_read_2k_blocks),
    TAP_CASE(test_read_4k_blocks),
    TAP_CASE(test_read_1k_128_byte_inodes_no_filetype),
};

int main(void)
{
	return tap_run(cases, TAP_COUNT(cases));
}
