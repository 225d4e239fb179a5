/*
 * test_ext2_corrupt.c - corrupt images: a clear refusal or an error for
 * the operation that meets the damage, never a crash.
 *
 * Two kinds of cases.  Named ones break one field the way a bad disk or a
 * bad tool would (a rec_len of 0, a pointer past the volume, a pointer
 * into the inode table, an unknown file type...) and check the exact
 * errno and message.  Random ones flip bytes, seeded, in each kind of
 * metadata block in turn (superblock, descriptors, bitmaps, inode table,
 * directory blocks, indirect blocks), then walk the whole tree, read every
 * file and try a few changes: under ASan and UBSan every buffer access is
 * checked, and vol_block() aborts on any block number past the volume.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "test_ext2_volume.h"

static uint8_t *clean_image;
static uint64_t clean_size;
static struct vol clean; /* the clean image, decoded, for locations */

static bool setup(void)
{
	char tree[300], path[300];

	if (clean_image)
		return true;
	if (!fx_have_e2fsprogs()) {
		tap_skip_reason = "e2fsprogs not installed";
		return false;
	}
	snprintf(tree, sizeof(tree), "%s/tree", fx_dir());
	snprintf(path, sizeof(path), "%s/clean.img", fx_dir());
	if (fx_run("mkdir -p '%s/dir/sub' && seq 1 60000 > '%s/medium' && "
		   "seq 1 100 > '%s/dir/small' && "
		   "for i in $(seq 1 80); do echo $i > '%s/dir/entry_$i'; done "
		   "&& ln -s medium '%s/fast' && "
		   "ln -s $(printf 'p%%.0s' $(seq 1 90)) '%s/slow' && "
		   "truncate -s 70M '%s/sparse' && echo end >> '%s/sparse' && "
		   "mke2fs -q -F -t ext2 -b 1024 -g 2048 -d '%s' '%s' 4M",
		   tree, tree, tree, tree, tree, tree, tree, tree, tree, path))
		return false;
	clean_image = fx_slurp(path, &clean_size);
	if (!clean_image)
		return false;
	if (vol_open(&clean,
		     memcpy(malloc(clean_size), clean_image, clean_size),
		     clean_size)) {
		printf("#   %s\n", clean.msg.text);
		return false;
	}
	return true;
}

static uint8_t *copy_image(void)
{
	return memcpy(malloc(clean_size), clean_image, clean_size);
}

/* The byte offset in the image of inode `ino`. */
static uint64_t inode_offset(uint32_t ino)
{
	uint32_t block, offset;

	if (ext2_inode_location(&clean.sb, clean.groups, ino, &block, &offset,
				NULL))
		abort();
	return (uint64_t)block * clean.sb.block_size + offset;
}

static uint32_t ino_of(const char *path)
{
	uint32_t ino = 0;

	vol_resolve(&clean, path, &ino);
	return ino;
}

/* Physical block behind logical block `logical` of `path`. */
static uint32_t block_of(const char *path, uint64_t logical)
{
	struct ext2_inode in;

	if (vol_iget(&clean, ino_of(path), &in))
		return 0;
	return (uint32_t)vol_bmap(&clean, 0, &in, logical, false, NULL);
}

/* ---- walking a possibly corrupt volume ------------------------------------
 */

struct walk {
	struct vol *v;
	int depth;
	unsigned errors, nodes;
};

static void walk_dir(struct walk *w, uint32_t dir);

static int walk_entry(void *arg, const char *name, uint32_t length,
		      uint32_t ino, uint8_t file_type)
{
	struct walk *w = arg;
	struct ext2_inode in;
	int err;

	(void)file_type;
	if ((length == 1 && name[0] == '.') ||
	    (length == 2 && name[0] == '.' && name[1] == '.'))
		return 0;
	w->nodes++;
	err = vol_iget(w->v, ino, &in);
	if (err) {
		w->errors++;
		return 0;
	}
	if (ext2_is_dir(&in)) {
		walk_dir(w, ino);
	} else if (ext2_is_symlink(&in)) {
		char target[8192];

		if (vol_readlink(w->v, ino, target, sizeof(target)) < 0)
			w->errors++;
	} else if (ext2_is_reg(&in)) {
		static uint8_t buffer[1 << 16];

		/* The start, and the end, of every file. */
		if (vol_read(w->v, &in, 0, buffer, sizeof(buffer)) < 0)
			w->errors++;
		if (in.size > sizeof(buffer) &&
		    vol_read(w->v, &in, in.size - sizeof(buffer), buffer,
			     sizeof(buffer)) < 0)
			w->errors++;
	}
	return 0;
}

static void walk_dir(struct walk *w, uint32_t dir)
{
	if (w->depth > 8) /* a corrupt entry may point back up */
		return;
	w->depth++;
	if (vol_readdir(w->v, dir, walk_entry, w) < 0)
		w->errors++;
	w->depth--;
}

/* Open, walk and change an image; returns how many errors were met. */
static unsigned exercise(uint8_t *image)
{
	struct vol v;
	struct walk w = {.v = &v};
	uint8_t data[3000];
	uint32_t ino;
	int err;

	memset(data, 'q', sizeof(data));
	err = vol_open(&v, image, clean_size);
	if (err) {
		CHECK(err == -EINVAL || err == -EUCLEAN);
		CHECK(v.msg.text[0] != '\0');
		vol_close(&v);
		return 1;
	}
	walk_dir(&w, EXT2_ROOT_INO);
	/* Changes may fail; they must not crash. */
	if (vol_create(&v, EXT2_ROOT_INO, "added", EXT2_S_IFREG | 0644, &ino) ==
	    0)
		w.errors += vol_write(&v, ino, 5000, data, sizeof(data)) < 0;
	w.errors += vol_create(&v, EXT2_ROOT_INO, "newdir", EXT2_S_IFDIR | 0755,
			       &ino) < 0;
	if (!vol_resolve(&v, "/dir", &ino))
		w.errors += vol_create(&v, ino, "added_too",
				       EXT2_S_IFREG | 0644, &(uint32_t){0}) < 0;
	w.errors += vol_unlink(&v, EXT2_ROOT_INO, "medium") < 0;
	w.errors +=
	    vol_rename(&v, EXT2_ROOT_INO, "fast", EXT2_ROOT_INO, "renamed") < 0;
	if (!vol_resolve(&v, "/sparse", &ino))
		w.errors += vol_truncate(&v, ino, 20000) < 0;
	if (!vol_resolve(&v, "/dir", &ino))
		w.errors += vol_unlink(&v, ino, "small") < 0;
	vol_close(&v);
	return w.errors;
}

/* ---- named corruptions ------------------------------------------------------
 */

struct named {
	const char *what;
	void (*damage)(uint8_t *image);
	const char *path; /* what to open, read or list */
	int err;
	const char *message;
};

static void zero_rec_len(uint8_t *image)
{
	/* The second entry of the first block of /dir: "..". */
	ext2_put16(image + (uint64_t)block_of("/dir", 0) * 1024, 12 + 4, 0);
}

static void rec_len_past_block(uint8_t *image)
{
	ext2_put16(image + (uint64_t)block_of("/dir", 0) * 1024, 12 + 4, 2000);
}

static void entry_inode_past_count(uint8_t *image)
{
	ext2_put32(image + (uint64_t)block_of("/dir", 0) * 1024, 24,
		   clean.sb.inodes_count + 1);
}

static void slash_in_name(uint8_t *image)
{
	/* The third entry's name (after "." and ".."). */
	image[(uint64_t)block_of("/dir", 0) * 1024 + 24 + 8] = '/';
}

static void unknown_file_type(uint8_t *image)
{
	ext2_put16(image + inode_offset(ino_of("/medium")), 0, 0xF1A4);
}

static void extents_flag(uint8_t *image)
{
	ext2_put32(image + inode_offset(ino_of("/medium")), 32,
		   EXT2_EXTENTS_FL);
}

static void pointer_past_volume(uint8_t *image)
{
	ext2_put32(image + inode_offset(ino_of("/medium")), 40 + 4 * 3,
		   0x7FFFFFF0);
}

static void pointer_into_inode_table(uint8_t *image)
{
	ext2_put32(image + inode_offset(ino_of("/medium")), 40 + 4 * 3,
		   clean.groups[0].inode_table + 1);
}

static void indirect_entry_into_bitmap(uint8_t *image)
{
	/* The first entry of /medium's indirect block. */
	uint32_t ind = ext2_get32(image + inode_offset(ino_of("/medium")),
				  40 + 4 * EXT2_IND_BLOCK);

	ext2_put32(image + (uint64_t)ind * 1024, 0,
		   clean.groups[0].block_bitmap);
}

static void dir_size_not_blocks(uint8_t *image)
{
	ext2_put32(image + inode_offset(ino_of("/dir")), 4, 1000);
}

static void file_size_too_big(uint8_t *image)
{
	ext2_put32(image + inode_offset(ino_of("/medium")), 108, 0xFFFFFFFF);
}

static void fast_symlink_too_long(uint8_t *image)
{
	ext2_put32(image + inode_offset(ino_of("/fast")), 4, 70);
}

static const struct named named_cases[] = {
    {"rec_len 0", zero_rec_len, "/dir/x", -EUCLEAN, "rec_len 0"},
    {"rec_len past the block", rec_len_past_block, "/dir/x", -EUCLEAN,
     "crosses the block end"},
    {"entry's inode past the count", entry_inode_past_count, "/dir/x", -EUCLEAN,
     "past"},
    {"'/' in a name", slash_in_name, "/dir/x", -EUCLEAN, "'/'"},
    {"unknown file type", unknown_file_type, "/medium", -EUCLEAN,
     "unknown file type"},
    {"extents flag", extents_flag, "/medium", -EUCLEAN, "extents"},
    {"pointer past the volume", pointer_past_volume, "/medium", -EUCLEAN,
     "beyond the volume"},
    {"pointer into the inode table", pointer_into_inode_table, "/medium",
     -EUCLEAN, "metadata block"},
    {"indirect entry at a bitmap", indirect_entry_into_bitmap, "/medium",
     -EUCLEAN, "metadata block"},
    {"directory size", dir_size_not_blocks, "/dir", -EUCLEAN,
     "whole number of blocks"},
    {"file size", file_size_too_big, "/medium", -EUCLEAN,
     "beyond the largest file"},
    {"fast symlink too long", fast_symlink_too_long, "/fast", -EUCLEAN,
     "fast symlink of 70 bytes"},
};

/* Resolve `path`, then read it whole: the first error. */
static int use_path(struct vol *v, const char *path)
{
	static uint8_t buffer[1 << 20];
	struct ext2_inode in;
	uint32_t ino;
	int err = vol_resolve(v, path, &ino);

	if (err)
		return err;
	err = vol_iget(v, ino, &in);
	if (err)
		return err;
	for (uint64_t at = 0; at < in.size && ext2_is_reg(&in);
	     at += sizeof(buffer)) {
		int64_t n = vol_read(v, &in, at, buffer, sizeof(buffer));

		if (n < 0)
			return (int)n;
	}
	return 0;
}

static void test_named_corruptions(void)
{
	if (!setup())
		return;
	for (size_t i = 0; i < TAP_COUNT(named_cases); i++) {
		const struct named *c = &named_cases[i];
		uint8_t *image = copy_image();
		struct vol v;
		int err;

		c->damage(image);
		err = vol_open(&v, image, clean_size);
		CHECK_EQ(err, 0);
		if (!err)
			err = use_path(&v, c->path);
		printf("#   %s: %d, %s\n", c->what, err, v.msg.text);
		CHECK_EQ(err, c->err);
		CHECK(strstr(v.msg.text, c->message) != NULL);
		vol_close(&v);
	}
	/* The clean image passes the same uses. */
	for (size_t i = 0; i < TAP_COUNT(named_cases); i++) {
		struct vol v;

		CHECK_EQ(vol_open(&v, copy_image(), clean_size), 0);
		CHECK_EQ(use_path(&v, named_cases[i].path),
			 strcmp(named_cases[i].path, "/dir/x") ? 0 : -ENOENT);
		vol_close(&v);
	}
}

/* Bitmaps that disagree with the counts: refused, nothing changed. */
static void test_bitmaps_disagree_with_counts(void)
{
	uint8_t *image;
	struct vol v;
	uint32_t ino, free_blocks;

	if (!setup())
		return;
	/* Every block bitmap full, while the descriptors count free ones. */
	image = copy_image();
	for (uint32_t g = 0; g < clean.sb.group_count; g++)
		memset(image + (uint64_t)clean.groups[g].block_bitmap * 1024,
		       0xFF, 1024);
	CHECK_EQ(vol_open(&v, image, clean_size), 0);
	free_blocks = v.sb.free_blocks;
	CHECK_EQ(vol_create(&v, EXT2_ROOT_INO, "f", EXT2_S_IFREG | 0644, &ino),
		 0);
	CHECK_EQ(vol_write(&v, ino, 0, "data", 4), -EUCLEAN);
	printf("#   full bitmap: %s\n", v.msg.text);
	CHECK(strstr(v.msg.text, "bitmap is full") != NULL);
	CHECK_EQ(v.sb.free_blocks, free_blocks);
	vol_close(&v);

	/* A used block marked free: freeing it again is refused. */
	image = copy_image();
	{
		uint32_t b = block_of("/dir/small", 0);
		uint32_t g = ext2_block_group(&clean.sb, b);
		uint32_t bit = b - ext2_group_first_block(&clean.sb, g);

		ext2_bit_clear(
		    image + (uint64_t)clean.groups[g].block_bitmap * 1024, bit);
	}
	CHECK_EQ(vol_open(&v, image, clean_size), 0);
	CHECK_EQ(vol_resolve(&v, "/dir", &ino), 0);
	CHECK_EQ(vol_unlink(&v, ino, "small"), -EUCLEAN);
	printf("#   double free: %s\n", v.msg.text);
	CHECK(strstr(v.msg.text, "already free") != NULL);
	vol_close(&v);

	/* A live inode marked free: not handed out again. */
	image = copy_image();
	memset(image + (uint64_t)clean.groups[0].inode_bitmap * 1024, 0, 4);
	CHECK_EQ(vol_open(&v, image, clean_size), 0);
	CHECK_EQ(vol_create(&v, EXT2_ROOT_INO, "f", EXT2_S_IFREG | 0644, &ino),
		 -EUCLEAN);
	printf("#   live inode free: %s\n", v.msg.text);
	CHECK(strstr(v.msg.text, "is free in the bitmap but has") != NULL);
	vol_close(&v);

	/* Inodes: a full inode bitmap with free inodes counted. */
	image = copy_image();
	for (uint32_t g = 0; g < clean.sb.group_count; g++)
		memset(image + (uint64_t)clean.groups[g].inode_bitmap * 1024,
		       0xFF, clean.sb.inodes_per_group / 8);
	CHECK_EQ(vol_open(&v, image, clean_size), 0);
	CHECK_EQ(vol_create(&v, EXT2_ROOT_INO, "f", EXT2_S_IFREG | 0644, &ino),
		 -EUCLEAN);
	CHECK(strstr(v.msg.text, "bitmap is full") != NULL);
	vol_close(&v);
}

/* ---- random flips
 * ------------------------------------------------------------ */

struct region {
	const char *what;
	uint64_t offset, length;
};

static void flip_region(const struct region *r, unsigned rounds, uint64_t seed)
{
	unsigned refused_or_errors = 0;

	for (unsigned round = 0; round < rounds; round++) {
		uint8_t *image = copy_image();
		int flips = 1 + (int)(seed % 4);

		for (int f = 0; f < flips; f++) {
			seed = seed * 6364136223846793005ull + 1;
			image[r->offset + (seed >> 33) % r->length] ^=
			    (uint8_t)(1u << ((seed >> 20) % 8));
		}
		refused_or_errors += exercise(image) > 0;
	}
	printf("#   %s: %u of %u damaged images met errors\n", r->what,
	       refused_or_errors, rounds);
}

static void test_random_flips(void)
{
	uint32_t bs;

	if (!setup())
		return;
	bs = clean.sb.block_size;
	{
		uint32_t gdt_block, offset;
		struct ext2_inode medium;
		const struct region regions[] = {
		    {"superblock", EXT2_SUPER_OFFSET, 256},
		    {"descriptors", 0, 0},
		    {"block bitmap",
		     (uint64_t)clean.groups[0].block_bitmap * bs, bs},
		    {"inode bitmap",
		     (uint64_t)clean.groups[0].inode_bitmap * bs, bs},
		    {"inode table", inode_offset(1), 40 * clean.sb.inode_size},
		    {"root directory", (uint64_t)block_of("/", 0) * bs, bs},
		    {"directory", (uint64_t)block_of("/dir", 0) * bs, bs},
		    {"indirect block", 0, bs},
		    {"symlink block", (uint64_t)block_of("/slow", 0) * bs, 90},
		};
		struct region copy[TAP_COUNT(regions)];

		memcpy(copy, regions, sizeof(regions));
		ext2_group_desc_location(&clean.sb, 0, &gdt_block, &offset);
		copy[1].offset = (uint64_t)gdt_block * bs;
		copy[1].length = clean.sb.group_count * EXT2_GROUP_DESC_SIZE;
		CHECK_EQ(vol_iget(&clean, ino_of("/medium"), &medium), 0);
		copy[7].offset = (uint64_t)medium.block[EXT2_IND_BLOCK] * bs;
		for (size_t i = 0; i < TAP_COUNT(copy); i++)
			flip_region(&copy[i], 150, 1000 + i);
	}
	/* Reaching here without an ASan report or abort is the test. */
	CHECK(clean_image != NULL);
}

/* The undamaged image: no errors at all, the baseline of the above. */
static void test_clean_image_has_no_errors(void)
{
	if (!setup())
		return;
	CHECK_EQ(exercise(copy_image()), 0);
}

static const struct tap_case cases[] = {
    TAP_CASE(test_clean_image_has_no_errors),
    TAP_CASE(test_named_corruptions),
    TAP_CASE(test_bitmaps_disagree_with_counts),
    TAP_CASE(test_random_flips),
};

int main(void)
{
	int status = tap_run(cases, TAP_COUNT(cases));

	vol_close(&clean);
	free(clean_image);
	return status;
}
