/*
 * test_ext2_dir.c - directory blocks, bitmaps and inodes as pure
 * functions over synthetic buffers: one small fixture per edge case.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "test_ext2_volume.h"

static struct ext2_super sb_1k = {
    .block_size = 1024,
    .block_shift = 10,
    .inodes_count = 2048,
    .has_filetype = true,
    .inode_size = 256,
    .first_ino = 11,
    .inodes_per_group = 1024,
    .max_file_size = 1ull << 40,
};

static uint8_t block[1024];

static int count_entries(void)
{
	struct ext2_dirent e;
	uint32_t at = 0;
	int n = 0, r;

	while ((r = ext2_dir_next(&sb_1k, block, at, &e, NULL)) == 1) {
		n++;
		at = e.offset + e.rec_len;
	}
	return r < 0 ? r : n;
}

static void test_dots(void)
{
	struct ext2_dirent e;
	uint32_t prev;

	ext2_dir_init_dots(&sb_1k, block, 12, 2);
	CHECK_EQ(ext2_dir_check(&sb_1k, block, NULL), 0);
	CHECK_EQ(ext2_dir_find(&sb_1k, block, ".", 1, &e, &prev, NULL), 1);
	CHECK_EQ(e.inode, 12);
	CHECK_EQ(e.rec_len, 12);
	CHECK_EQ(prev, UINT32_MAX);
	CHECK_EQ(ext2_dir_find(&sb_1k, block, "..", 2, &e, &prev, NULL), 1);
	CHECK_EQ(e.inode, 2);
	CHECK_EQ(e.rec_len, 1024 - 12);
	CHECK_EQ(e.file_type, EXT2_FT_DIR);
	CHECK_EQ(prev, 0);
	CHECK_EQ(ext2_dir_block_empty(&sb_1k, block, NULL), 1);
}

static void test_insert_splits_slack(void)
{
	struct ext2_dirent e;
	uint32_t prev;

	ext2_dir_init_dots(&sb_1k, block, 12, 2);
	CHECK_EQ(ext2_dir_insert(&sb_1k, block, "abc", 3, 20, EXT2_FT_REG_FILE,
				 NULL),
		 1);
	CHECK_EQ(ext2_dir_find(&sb_1k, block, "..", 2, &e, &prev, NULL), 1);
	CHECK_EQ(e.rec_len, 12); /* ".." shrank to its own size */
	CHECK_EQ(ext2_dir_find(&sb_1k, block, "abc", 3, &e, &prev, NULL), 1);
	CHECK_EQ(e.offset, 24);
	CHECK_EQ(e.rec_len, 1024 - 24);
	CHECK_EQ(e.inode, 20);
	CHECK_EQ(prev, 12);
	CHECK_EQ(ext2_dir_block_empty(&sb_1k, block, NULL), 0);
	CHECK_EQ(ext2_dir_check(&sb_1k, block, NULL), 0);
}

static void test_insert_until_full(void)
{
	char name[16];
	int n = 0;

	ext2_dir_init_dots(&sb_1k, block, 12, 2);
	/* Names of 8 bytes take 16 bytes: (1024 - 24) / 16 = 62 fit. */
	for (;; n++) {
		int r;

		snprintf(name, sizeof(name), "name%04d", n);
		r = ext2_dir_insert(&sb_1k, block, name, 8, 100 + (uint32_t)n,
				    EXT2_FT_REG_FILE, NULL);
		CHECK(r >= 0);
		if (r != 1)
			break;
	}
	CHECK_EQ(n, 62);
	CHECK_EQ(count_entries(), 64);
	CHECK_EQ(ext2_dir_check(&sb_1k, block, NULL), 0);
}

static void test_remove_merges_and_reuses(void)
{
	struct ext2_dirent e;
	uint32_t prev;
	uint8_t before[1024];

	ext2_dir_init_dots(&sb_1k, block, 12, 2);
	ext2_dir_insert(&sb_1k, block, "first", 5, 30, 1, NULL);
	ext2_dir_insert(&sb_1k, block, "second", 6, 31, 1, NULL);
	ext2_dir_insert(&sb_1k, block, "third", 5, 32, 1, NULL);

	/* Middle entry: merged into "first". */
	CHECK_EQ(ext2_dir_find(&sb_1k, block, "second", 6, &e, &prev, NULL), 1);
	ext2_dir_remove(&sb_1k, block, &e, prev);
	CHECK_EQ(ext2_dir_find(&sb_1k, block, "second", 6, &e, &prev, NULL), 0);
	CHECK_EQ(ext2_dir_find(&sb_1k, block, "first", 5, &e, &prev, NULL), 1);
	CHECK_EQ(e.rec_len, 16 + 16);
	CHECK_EQ(count_entries(), 4);

	/* The hole is used again by a name that fits it. */
	memcpy(before, block, sizeof(block));
	CHECK_EQ(ext2_dir_insert(&sb_1k, block, "again", 5, 33, 1, NULL), 1);
	CHECK_EQ(ext2_dir_find(&sb_1k, block, "again", 5, &e, &prev, NULL), 1);
	CHECK_EQ(e.offset, 24 + 16);

	/* The last entry: merged into the one before, up to the end. */
	CHECK_EQ(ext2_dir_find(&sb_1k, block, "third", 5, &e, &prev, NULL), 1);
	ext2_dir_remove(&sb_1k, block, &e, prev);
	CHECK_EQ(ext2_dir_find(&sb_1k, block, "again", 5, &e, &prev, NULL), 1);
	CHECK_EQ(e.offset + e.rec_len, 1024);
	CHECK_EQ(ext2_dir_check(&sb_1k, block, NULL), 0);
}

static void test_first_entry_of_block_marked_unused(void)
{
	struct ext2_dirent e;
	uint32_t prev;

	ext2_dir_init_empty(&sb_1k, block);
	CHECK_EQ(count_entries(), 0);
	CHECK_EQ(ext2_dir_insert(&sb_1k, block, "only", 4, 40, 1, NULL), 1);
	CHECK_EQ(ext2_dir_find(&sb_1k, block, "only", 4, &e, &prev, NULL), 1);
	CHECK_EQ(e.offset, 0);
	CHECK_EQ(e.rec_len, 1024);
	CHECK_EQ(prev, UINT32_MAX);
	ext2_dir_remove(&sb_1k, block, &e, prev);
	CHECK_EQ(count_entries(), 0);
	CHECK_EQ(ext2_dir_check(&sb_1k, block, NULL), 0);
	CHECK_EQ(ext2_get16(block, 4), 1024); /* still spans the block */
}

static void test_longest_name(void)
{
	char name[256];
	struct ext2_dirent e;
	uint32_t prev;

	memset(name, 'z', 255);
	name[255] = '\0';
	ext2_dir_init_dots(&sb_1k, block, 12, 2);
	CHECK_EQ(ext2_dir_insert(&sb_1k, block, name, 255, 50, 1, NULL), 1);
	CHECK_EQ(ext2_dir_find(&sb_1k, block, name, 255, &e, &prev, NULL), 1);
	CHECK_EQ(e.name_len, 255);
	CHECK_EQ(ext2_dirent_size(255), 264);
	CHECK_EQ(ext2_dir_insert(&sb_1k, block, name, 256, 51, 1, NULL),
		 -ENAMETOOLONG);
	/* A name differing in its last byte is another name. */
	name[254] = 'y';
	CHECK_EQ(ext2_dir_find(&sb_1k, block, name, 255, &e, &prev, NULL), 0);
}

static void test_insert_refuses_corrupt_block(void)
{
	struct ext2_msg m;

	ext2_dir_init_dots(&sb_1k, block, 12, 2);
	ext2_put16(block, 12 + 4, 14); /* ".." rec_len not a multiple of 4 */
	CHECK_EQ(ext2_dir_insert(&sb_1k, block, "x", 1, 60, 1, &m), -EUCLEAN);
	CHECK(strstr(m.text, "rec_len 14") != NULL);
	CHECK_EQ(ext2_get32(block, 24), 0); /* nothing written */
	ext2_dir_init_dots(&sb_1k, block, 12, 2);
	block[6] = 9; /* "."'s name_len past its rec_len of 12 */
	CHECK_EQ(ext2_dir_check(&sb_1k, block, &m), -EUCLEAN);
	CHECK(strstr(m.text, "does not fit") != NULL);
	ext2_dir_init_dots(&sb_1k, block, 12, 2);
	block[12 + 7] = 9; /* file type */
	CHECK_EQ(ext2_dir_check(&sb_1k, block, &m), -EUCLEAN);
	CHECK(strstr(m.text, "file type 9") != NULL);
}

static void test_bitmaps(void)
{
	uint8_t map[16];

	memset(map, 0xFF, sizeof(map));
	CHECK_EQ(ext2_bitmap_find_free(map, 128, 0), -1);
	ext2_bit_clear(map, 77);
	CHECK_EQ(ext2_bitmap_find_free(map, 128, 0), 77);
	CHECK_EQ(ext2_bitmap_find_free(map, 128, 78), 77); /* wraps */
	CHECK_EQ(ext2_bitmap_find_free(map, 77, 0), -1);   /* past `bits` */
	CHECK_EQ(ext2_bitmap_count_free(map, 128), 1);
	ext2_bit_set(map, 77);
	CHECK(ext2_bit_test(map, 77));
	memset(map, 0, sizeof(map));
	CHECK_EQ(ext2_bitmap_find_free(map, 128, 200), 0);
	CHECK_EQ(ext2_bitmap_count_free(map, 100), 100);
}

static void test_inode_round_trip(void)
{
	uint8_t raw[256];
	struct ext2_inode in, out;
	char target[60];

	memset(raw, 0xA5, sizeof(raw)); /* bytes not described must survive */
	memset(&in, 0, sizeof(in));
	in.mode = EXT2_S_IFREG | 0640;
	in.links = 3;
	in.uid = 0x12345;
	in.gid = 0x23456;
	in.size = (5ull << 32) + 7;
	in.atime = 1, in.ctime = 2, in.mtime = 3;
	in.blocks = 88;
	for (int i = 0; i < EXT2_N_BLOCKS; i++)
		in.block[i] = 1000 + (uint32_t)i;
	in.file_acl = 0;
	ext2_inode_encode(&sb_1k, &in, raw);
	CHECK_EQ(ext2_inode_decode(&sb_1k, 12, raw, &out, NULL), 0);
	CHECK_EQ(out.mode, in.mode);
	CHECK_EQ(out.links, 3);
	CHECK_EQ(out.uid, 0x12345);
	CHECK_EQ(out.gid, 0x23456);
	CHECK(out.size == in.size);
	CHECK_EQ(out.block[14], 1014);
	CHECK_EQ(raw[36], 0xA5);  /* osd1 */
	CHECK_EQ(raw[112], 0xA5); /* faddr */
	CHECK_EQ(raw[200], 0xA5); /* extra space */

	/* A directory's size_high is i_dir_acl: not part of the size. */
	in.mode = EXT2_S_IFDIR | 0755;
	in.size = 2048;
	ext2_inode_encode(&sb_1k, &in, raw);
	ext2_put32(raw, 108, 9);
	CHECK_EQ(ext2_inode_decode(&sb_1k, 12, raw, &out, NULL), 0);
	CHECK(out.size == 2048);

	/* Fast symlinks keep their target in the pointers. */
	memset(&in, 0, sizeof(in));
	in.mode = EXT2_S_IFLNK | 0777;
	in.links = 1;
	ext2_fast_symlink_set(&in, "../some/where", 13);
	ext2_inode_init_raw(&sb_1k, raw);
	CHECK_EQ(ext2_get16(raw, 128), 32);
	ext2_inode_encode(&sb_1k, &in, raw);
	CHECK_EQ(ext2_inode_decode(&sb_1k, 13, raw, &out, NULL), 0);
	CHECK(ext2_is_fast_symlink(&sb_1k, &out));
	ext2_fast_symlink_target(&out, target);
	CHECK(!memcmp(target, "../some/where", 13));
	CHECK(!memcmp(raw + 40, "../some/where", 13)); /* as Linux lays it */

	/* No links: not in use. */
	ext2_put16(raw, 26, 0);
	CHECK_EQ(ext2_inode_decode(&sb_1k, 13, raw, &out, NULL), -ENOENT);
	CHECK_EQ(ext2_inode_check_unused(&sb_1k, 13, raw, NULL), 0);
}

static void test_xattr_block_release(void)
{
	uint8_t raw[1024] = {0};
	struct ext2_msg m;

	ext2_put32(raw, 0, 0xEA020000u);
	ext2_put32(raw, 4, 2);
	ext2_put32(raw, 8, 1);
	CHECK_EQ(ext2_xattr_block_release(&sb_1k, raw, &m), 0);
	CHECK_EQ(ext2_get32(raw, 4), 1);
	CHECK_EQ(ext2_xattr_block_release(&sb_1k, raw, &m), 1);
	ext2_put32(raw, 0, 0xEA010000u);
	CHECK_EQ(ext2_xattr_block_release(&sb_1k, raw, &m), -EUCLEAN);
	CHECK(strstr(m.text, "bad magic") != NULL);
}

static const struct tap_case cases[] = {
    TAP_CASE(test_dots),
    TAP_CASE(test_insert_splits_slack),
    TAP_CASE(test_insert_until_full),
    TAP_CASE(test_remove_merges_and_reuses),
    TAP_CASE(test_first_entry_of_block_marked_unused),
    TAP_CASE(test_longest_name),
    TAP_CASE(test_insert_refuses_corrupt_block),
    TAP_CASE(test_bitmaps),
    TAP_CASE(test_inode_round_trip),
    TAP_CASE(test_xattr_block_release),
};

int main(void)
{
	return tap_run(cases, TAP_COUNT(cases));
}
