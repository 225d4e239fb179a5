/*
 * test_ext2_super.c - the ext2 superblock and group descriptors against
 * images made by mke2fs: geometry as dumpe2fs reports it, backup groups,
 * features refused or mounted read-only by name, and corrupt superblocks
 * and descriptors refused with a message, never a crash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "test_ext2_volume.h"

/* Make an image with mke2fs; returns its path (static) or NULL. */
static const char *make_image(const char *name, const char *options,
			      const char *size)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/%s.img", fx_dir(), name);
	remove(path);
	if (fx_run("mke2fs -q -F -t ext2 %s '%s' %s", options, path, size))
		return NULL;
	return path;
}

static long dumpe2fs_value(const char *path, const char *key)
{
	return strtol(fx_query(key, "dumpe2fs -h '%s' 2>/dev/null", path), NULL,
		      10);
}

/* Decode the superblock of an image file into *sb; returns the error. */
static int decode_file(const char *path, struct ext2_super *sb,
		       struct ext2_msg *m)
{
	uint64_t size;
	uint8_t *image = fx_slurp(path, &size);
	int err;

	if (!image)
		return -EIO;
	err = ext2_super_decode(image + EXT2_SUPER_OFFSET, size, sb, m);
	free(image);
	return err;
}

static bool need_tools(void)
{
	if (fx_have_e2fsprogs())
		return true;
	tap_skip_reason = "e2fsprogs (mke2fs, e2fsck, debugfs) not installed";
	return false;
}

/* ---- geometry ------------------------------------------------------------ */

static void check_geometry_against_dumpe2fs(const char *options,
					    const char *size)
{
	const char *path = make_image("geometry", options, size);
	struct ext2_msg m;
	struct vol v;
	int err;

	CHECK(path != NULL);
	if (!path)
		return;
	err = vol_open_file(&v, path);
	CHECK_EQ(err, 0);
	if (err) {
		printf("#   %s\n", v.msg.text);
		vol_close(&v);
		return;
	}
	CHECK_EQ(v.sb.blocks_count, dumpe2fs_value(path, "Block count:"));
	CHECK_EQ(v.sb.inodes_count, dumpe2fs_value(path, "Inode count:"));
	CHECK_EQ(v.sb.block_size, dumpe2fs_value(path, "Block size:"));
	CHECK_EQ(v.sb.first_data_block, dumpe2fs_value(path, "First block:"));
	CHECK_EQ(v.sb.blocks_per_group,
		 dumpe2fs_value(path, "Blocks per group:"));
	CHECK_EQ(v.sb.inodes_per_group,
		 dumpe2fs_value(path, "Inodes per group:"));
	CHECK_EQ(v.sb.inode_size, dumpe2fs_value(path, "Inode size:"));
	CHECK_EQ(v.sb.first_ino, dumpe2fs_value(path, "First inode:"));
	CHECK_EQ(v.sb.inode_table_blocks,
		 dumpe2fs_value(path, "Inode blocks per group:"));
	CHECK_EQ(v.sb.reserved_gdt_blocks,
		 dumpe2fs_value(path, "Reserved GDT blocks:"));
	CHECK_EQ(v.sb.free_blocks, dumpe2fs_value(path, "Free blocks:"));
	CHECK_EQ(v.sb.free_inodes, dumpe2fs_value(path, "Free inodes:"));
	CHECK(!v.sb.read_only);
	CHECK(v.sb.has_filetype);

	/* Every group's descriptor, as dumpe2fs lists it. */
	for (uint32_t g = 0; g < v.sb.group_count; g++) {
		char key[64];
		const char *line;
		unsigned long bb, ib, it;

		snprintf(key, sizeof(key), "  Block bitmap at ");
		line = fx_query(key,
				"dumpe2fs '%s' 2>/dev/null | "
				"sed -n '/^Group %u:/,/^Group/p'",
				path, g);
		bb = strtoul(line, NULL, 10);
		line = fx_query("  Inode bitmap at ",
				"dumpe2fs '%s' 2>/dev/null | "
				"sed -n '/^Group %u:/,/^Group/p'",
				path, g);
		ib = strtoul(line, NULL, 10);
		line = fx_query("  Inode table at ",
				"dumpe2fs '%s' 2>/dev/null | "
				"sed -n '/^Group %u:/,/^Group/p'",
				path, g);
		it = strtoul(line, NULL, 10);
		CHECK_EQ(v.groups[g].block_bitmap, bb);
		CHECK_EQ(v.groups[g].inode_bitmap, ib);
		CHECK_EQ(v.groups[g].inode_table, it);
	}
	vol_close(&v);
	(void)m;
}

static void test_geometry_1k(void)
{
	if (need_tools())
		check_geometry_against_dumpe2fs("-b 1024", "8M");
}

static void test_geometry_2k_groups(void)
{
	if (need_tools())
		check_geometry_against_dumpe2fs("-b 2048 -g 2048", "24M");
}

static void test_geometry_4k_groups(void)
{
	if (need_tools())
		check_geometry_against_dumpe2fs("-b 4096 -g 4096", "70M");
}

static void test_geometry_128_byte_inodes(void)
{
	if (need_tools())
		check_geometry_against_dumpe2fs("-b 1024 -I 128 -g 1024", "9M");
}

/* Superblock backups: exactly the groups dumpe2fs lists. */
static void check_backups(const char *options, const char *size)
{
	const char *path = make_image("backups", options, size);
	struct ext2_super sb;
	struct ext2_msg m;
	uint32_t listed = 0, ours = 0;

	CHECK(path != NULL);
	if (!path || decode_file(path, &sb, &m)) {
		printf("#   %s\n", m.text);
		CHECK(!"decodes");
		return;
	}
	CHECK(sb.group_count > 20);
	for (uint32_t g = 0; g < sb.group_count; g++) {
		const char *line = fx_query(
		    "  ",
		    "dumpe2fs '%s' 2>/dev/null | sed -n '/^Group %u:/{n;p}'",
		    path, g);
		bool has = strstr(line, "superblock at") != NULL;

		CHECK_EQ(ext2_group_has_super(&sb, g), has);
		listed += has;
		ours += ext2_group_has_super(&sb, g);
	}
	printf("#   %s: %u groups, %u with backups\n", options, sb.group_count,
	       ours);
	CHECK_EQ(listed, ours);
}

static void test_sparse_super_backups(void)
{
	if (need_tools())
		check_backups("-b 1024 -g 1024", "40M");
}

static void test_sparse_super2_backups(void)
{
	if (need_tools())
		check_backups("-b 1024 -g 1024 -O sparse_super2", "40M");
}

static void test_no_sparse_super_backups(void)
{
	if (need_tools())
		check_backups("-b 1024 -g 256 -O ^sparse_super,^resize_inode",
			      "12M");
}

/* ---- features ------------------------------------------------------------ */

struct feature_case {
	const char *options;
	int err;	   /* expected from decode */
	bool read_only;	   /* expected when err is 0 */
	const char *names; /* must appear in the message */
};

static const struct feature_case feature_cases[] = {
    {"-O extents", -EINVAL, false, "extents"},
    {"-O 64bit,extents", -EINVAL, false, "extents 64bit"},
    {"-O meta_bg,^resize_inode", -EINVAL, false, "meta_bg"},
    {"-O flex_bg", -EINVAL, false, "flex_bg"},
    {"-O journal_dev", -EINVAL, false, "journal_dev"},
    {"-O huge_file,dir_nlink,extra_isize", 0, true,
     "huge_file dir_nlink extra_isize"},
    {"-O metadata_csum", 0, true, "metadata_csum"},
    {"-O uninit_bg", 0, true, "uninit_bg"},
    {"-O quota", 0, true, "quota"},
    {"-r 0", -EINVAL, false, "revision 0"},
    {"-O ^filetype", 0, false, ""},
};

static void test_features_named(void)
{
	if (!need_tools())
		return;
	for (size_t i = 0; i < TAP_COUNT(feature_cases); i++) {
		const struct feature_case *c = &feature_cases[i];
		const char *path = make_image("features", c->options, "8M");
		struct ext2_super sb;
		struct ext2_msg m;
		int err;

		CHECK(path != NULL);
		if (!path)
			continue;
		err = decode_file(path, &sb, &m);
		printf("#   mke2fs %s: %d, %s\n", c->options, err, m.text);
		CHECK_EQ(err, c->err);
		CHECK(strstr(m.text, c->names) != NULL);
		if (!err) {
			CHECK_EQ(sb.read_only, c->read_only);
			if (!strcmp(c->options, "-O ^filetype"))
				CHECK(!sb.has_filetype);
		}
	}
}

static void test_ext3_journal_read_only(void)
{
	char path[256];
	struct ext2_super sb;
	struct ext2_msg m;
	uint64_t size;
	uint8_t *image;

	if (!need_tools())
		return;
	snprintf(path, sizeof(path), "%s/ext3.img", fx_dir());
	CHECK_EQ(fx_run("mke2fs -q -F -t ext3 '%s' 8M", path), 0);
	CHECK_EQ(decode_file(path, &sb, &m), 0);
	CHECK(sb.read_only);
	CHECK(strstr(m.text, "has_journal") != NULL);
	CHECK(strstr(m.text, "read-only") != NULL);

	/* A journal that still needs replaying is refused outright. */
	image = fx_slurp(path, &size);
	CHECK(image != NULL);
	if (!image)
		return;
	ext2_put32(image + EXT2_SUPER_OFFSET, 96,
		   ext2_get32(image + EXT2_SUPER_OFFSET, 96) |
		       EXT2_FEATURE_INCOMPAT_RECOVER);
	CHECK_EQ(ext2_super_decode(image + EXT2_SUPER_OFFSET, size, &sb, &m),
		 -EINVAL);
	CHECK(strstr(m.text, "needs_recovery") != NULL);
	free(image);
}

static void test_unknown_feature_bits(void)
{
	char names[96];

	ext2_feature_names(2, 0x80000000u | 0x8u, names, sizeof(names));
	CHECK(!strcmp(names, "huge_file FEATURE_R0x80000000"));
	ext2_feature_names(1, 0x40u | 0x200u, names, sizeof(names));
	CHECK(!strcmp(names, "extents flex_bg"));
	ext2_feature_names(0, 0x4u, names, 8);
	CHECK(!strcmp(names, "has_jou"));
}

/* ---- corrupt superblocks ---------------------------------------------------
 */

/* A valid 1 KiB-block superblock to break, from a real image. */
static uint8_t *base_image(uint64_t *size)
{
	const char *path = make_image("base", "-b 1024 -g 1024", "4M");

	return path ? fx_slurp(path, size) : NULL;
}

struct super_patch {
	const char *what;
	uint32_t offset;
	uint8_t width; /* 2 or 4 */
	uint32_t value;
	int err;
	const char *message; /* a piece of it */
};

static const struct super_patch super_patches[] = {
    {"magic", 56, 2, 0x1234, -EINVAL, "bad magic 0x1234"},
    {"revision 2", 76, 4, 2, -EINVAL, "revision 2"},
    {"block size 8 KiB", 24, 4, 3, -EINVAL, "block size 2^3"},
    {"fragment size", 28, 4, 1, -EINVAL, "fragment"},
    {"first data block", 20, 4, 0, -EUCLEAN, "first data block 0"},
    {"blocks > device", 4, 4, 1u << 30, -EUCLEAN, "larger than the device"},
    {"blocks per group 0", 32, 4, 0, -EINVAL, "fragments per group"},
    {"inode size 100", 88, 2, 100, -EUCLEAN, "inode size 100"},
    {"inode size 8192", 88, 2, 8192, -EUCLEAN, "inode size 8192"},
    {"inodes per group 3", 40, 4, 3, -EUCLEAN, "inodes per group 3"},
    {"inode count", 0, 4, 12345, -EUCLEAN, "inode count 12345"},
    {"first inode 5", 84, 4, 5, -EUCLEAN, "first inode 5"},
    {"free blocks", 12, 4, 0xFFFFFFF0u, -EUCLEAN, "free"},
    {"free inodes", 16, 4, 0xFFFFFFF0u, -EUCLEAN, "free inodes"},
    {"reserved GDT", 206, 2, 5000, -EUCLEAN, "reserved GDT blocks 5000"},
    {"unknown incompat", 96, 4, 0x80000002u, -EINVAL, "FEATURE_I0x80000000"},
    {"compression", 96, 4, 0x3, -EINVAL, "compression"},
};

static void test_corrupt_superblock_fields(void)
{
	uint64_t size;
	uint8_t *image;

	if (!need_tools())
		return;
	image = base_image(&size);
	CHECK(image != NULL);
	if (!image)
		return;
	for (size_t i = 0; i < TAP_COUNT(super_patches); i++) {
		const struct super_patch *p = &super_patches[i];
		uint8_t raw[EXT2_SUPER_SIZE];
		struct ext2_super sb;
		struct ext2_msg m;
		int err;

		memcpy(raw, image + EXT2_SUPER_OFFSET, sizeof(raw));
		if (p->width == 2)
			ext2_put16(raw, p->offset, (uint16_t)p->value);
		else
			ext2_put32(raw, p->offset, p->value);
		err = ext2_super_decode(raw, size, &sb, &m);
		printf("#   %s: %d, %s\n", p->what, err, m.text);
		CHECK_EQ(err, p->err);
		CHECK(strstr(m.text, p->message) != NULL);
	}
	free(image);
}

/* Every byte of the superblock flipped in turn: refused or consistent. */
static void test_superblock_byte_flips(void)
{
	uint64_t size;
	uint8_t *image;
	unsigned accepted = 0, refused = 0;

	if (!need_tools())
		return;
	image = base_image(&size);
	CHECK(image != NULL);
	if (!image)
		return;
	for (uint32_t at = 0; at < 1024; at++) {
		static const uint8_t flips[] = {0x01, 0x80, 0xFF};

		for (size_t f = 0; f < sizeof(flips); f++) {
			uint8_t *copy = malloc(size);
			struct vol v;
			int err;

			memcpy(copy, image, size);
			copy[EXT2_SUPER_OFFSET + at] ^= flips[f];
			err = vol_open(&v, copy, size);
			if (err) {
				refused++;
				CHECK(err == -EINVAL || err == -EUCLEAN);
				CHECK(v.msg.text[0] != '\0');
			} else {
				accepted++;
				/* Whatever was accepted is self-consistent. */
				CHECK((uint64_t)v.sb.blocks_count *
					  v.sb.block_size <=
				      size);
				CHECK_EQ((uint64_t)v.sb.group_count *
					     v.sb.inodes_per_group,
					 v.sb.inodes_count);
			}
			vol_close(&v);
		}
	}
	printf("#   %u flips accepted (fields not checked), %u refused\n",
	       accepted, refused);
	CHECK(refused > 50);
	free(image);
}

static void test_encode_keeps_other_bytes(void)
{
	uint64_t size;
	uint8_t *image;
	uint8_t raw[EXT2_SUPER_SIZE];
	struct ext2_super sb, again;

	if (!need_tools())
		return;
	image = base_image(&size);
	CHECK(image != NULL);
	if (!image)
		return;
	memcpy(raw, image + EXT2_SUPER_OFFSET, sizeof(raw));
	CHECK_EQ(ext2_super_decode(raw, size, &sb, NULL), 0);
	sb.free_blocks -= 3;
	sb.free_inodes -= 2;
	sb.state = 0;
	sb.mount_count++;
	sb.write_time = 1234567;
	ext2_super_encode(&sb, raw);
	CHECK_EQ(ext2_super_decode(raw, size, &again, NULL), 0);
	CHECK_EQ(again.free_blocks, sb.free_blocks);
	CHECK_EQ(again.free_inodes, sb.free_inodes);
	CHECK_EQ(again.state, 0);
	CHECK_EQ(again.mount_count, sb.mount_count);
	CHECK_EQ(again.write_time, 1234567);
	for (uint32_t at = 0; at < sizeof(raw); at++) {
		bool ours = (at >= 12 && at < 20) || (at >= 44 && at < 54) ||
			    (at >= 58 && at < 60);

		if (!ours && raw[at] != image[EXT2_SUPER_OFFSET + at]) {
			printf("#   byte %u changed\n", at);
			CHECK(!"only encoded fields change");
		}
	}
	free(image);
}

/* ---- group descriptors -----------------------------------------------------
 */

struct group_patch {
	const char *what;
	uint32_t offset;
	uint8_t width;
	int64_t delta; /* added to the field */
	const char *message;
};

static const struct group_patch group_patches[] = {
    {"block bitmap past the group", 0, 4, 5000, "block bitmap"},
    {"block bitmap in the superblock", 0, 4, -1000000, "block bitmap"},
    {"inode bitmap past the group", 4, 4, 100000, "inode bitmap"},
    {"inode table past the group", 8, 4, 1000, "inode table"},
    {"inode table over the bitmaps", 8, 4, -1, "overlap"},
    {"free blocks", 12, 2, 2000, "free blocks"},
    {"free inodes", 14, 2, 2000, "free inodes"},
    {"directories", 16, 2, 0x7000, "directories"},
};

static void test_corrupt_group_descriptors(void)
{
	uint64_t size;
	uint8_t *image;

	if (!need_tools())
		return;
	image = base_image(&size);
	CHECK(image != NULL);
	if (!image)
		return;
	for (size_t i = 0; i < TAP_COUNT(group_patches); i++) {
		const struct group_patch *p = &group_patches[i];
		uint8_t *copy = malloc(size);
		/* Group 1's descriptor, in the table at block 2. */
		uint8_t *raw = copy + 2 * 1024 + EXT2_GROUP_DESC_SIZE;
		struct vol v;
		int err;

		memcpy(copy, image, size);
		if (p->width == 2)
			ext2_put16(
			    raw, p->offset,
			    (uint16_t)(ext2_get16(raw, p->offset) + p->delta));
		else
			ext2_put32(
			    raw, p->offset,
			    (uint32_t)(ext2_get32(raw, p->offset) + p->delta));
		err = vol_open(&v, copy, size);
		printf("#   %s: %d, %s\n", p->what, err, v.msg.text);
		CHECK_EQ(err, -EUCLEAN);
		CHECK(strstr(v.msg.text, "group 1") != NULL);
		CHECK(strstr(v.msg.text, p->message) != NULL);
		vol_close(&v);
	}
	free(image);
}

static void test_group_locations(void)
{
	struct ext2_super sb = {
	    .first_data_block = 1, .block_size = 1024, .block_shift = 10};
	uint32_t block, offset;

	ext2_group_desc_location(&sb, 0, &block, &offset);
	CHECK_EQ(block, 2);
	CHECK_EQ(offset, 0);
	ext2_group_desc_location(&sb, 33, &block, &offset);
	CHECK_EQ(block, 3);
	CHECK_EQ(offset, 32);
	sb.first_data_block = 0;
	sb.block_size = 4096;
	sb.block_shift = 12;
	ext2_group_desc_location(&sb, 130, &block, &offset);
	CHECK_EQ(block, 2);
	CHECK_EQ(offset, 2 * 32);
}

static void test_messages(void)
{
	struct ext2_msg m;
	char longer[400];

	ext2_msg_set(&m, "%s %u %d %x %llu %c %zu %%", "a", 7u, -12, 0xbeefu,
		     18446744073709551615ull, 'z', (size_t)5);
	CHECK(!strcmp(m.text, "a 7 -12 beef 18446744073709551615 z 5 %%"));
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	ext2_msg_set(&m, "%s", longer);
	CHECK_EQ(strlen(m.text), sizeof(m.text) - 1);
	CHECK_EQ(ext2_corrupt(&m, "inode %u", 5u), -EUCLEAN);
	CHECK(!strcmp(m.text, "inode 5"));
	ext2_msg_set(NULL, "nothing %s", "happens");
}

static const struct tap_case cases[] = {
    TAP_CASE(test_geometry_1k),
    TAP_CASE(test_geometry_2k_groups),
    TAP_CASE(test_geometry_4k_groups),
    TAP_CASE(test_geometry_128_byte_inodes),
    TAP_CASE(test_sparse_super_backups),
    TAP_CASE(test_sparse_super2_backups),
    TAP_CASE(test_no_sparse_super_backups),
    TAP_CASE(test_features_named),
    TAP_CASE(test_ext3_journal_read_only),
    TAP_CASE(test_unknown_feature_bits),
    TAP_CASE(test_corrupt_superblock_fields),
    TAP_CASE(test_superblock_byte_flips),
    TAP_CASE(test_encode_keeps_other_bytes),
    TAP_CASE(test_corrupt_group_descriptors),
    TAP_CASE(test_group_locations),
    TAP_CASE(test_messages),
};

int main(void)
{
	return tap_run(cases, TAP_COUNT(cases));
}
