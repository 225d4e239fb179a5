/*
 * super.c - the ext2 superblock: decoding, checking, features, geometry.
 *
 * The superblock is the first thing read and the thing most worth
 * distrusting: every later bound (how many groups, where inode i lives,
 * which block numbers exist) is computed from it.  So it is checked here
 * as a whole before anything trusts it, in the order a human would ask:
 * is it ext2 at all (magic), which revision, which block size, which
 * features, then do the counts agree with each other and with the
 * device.
 *
 * Features are ext2's versioning, in three words with three meanings:
 *
 *   incompat   a reader that does not know the feature must not mount
 *              (extents, 64bit, flex_bg...): refused, each named;
 *   ro_compat  a reader may read but must not write (huge_file,
 *              metadata_csum...): mounted read-only, each named;
 *   compat     anyone may read and write.  The exception is a journal
 *              (has_journal, ext3): writing without replaying and
 *              updating it is unsafe, so it also means read-only, and a
 *              journal that needs replaying (needs_recovery) is refused.
 *
 * Only what this code changes is written back (ext2_super_encode): the
 * raw 1024 bytes are kept by the caller, so fields it does not know (the
 * hash seed, the journal's, the checksum area) survive untouched.
 *
 * Superblock offsets used (see Linux's struct ext2_super_block):
 *   0 inodes_count  4 blocks_count  8 r_blocks_count  12 free_blocks
 *   16 free_inodes  20 first_data_block  24 log_block_size
 *   28 log_frag_size  32 blocks_per_group  36 frags_per_group
 *   40 inodes_per_group  44 mtime  48 wtime  52 mnt_count (16)
 *   54 max_mnt_count (16)  56 magic (16)  58 state (16)  60 errors (16)
 *   76 rev_level  84 first_ino  88 inode_size (16)  92 feature_compat
 *   96 feature_incompat  100 feature_ro_compat  104 uuid[16]
 *   120 volume_name[16]  206 reserved_gdt_blocks (16)
 *   588 backup_bgs[2] (sparse_super2)
 */
#include "ondisk.h"

/* ---- feature names ------------------------------------------------------ */

struct feature_name {
	uint32_t bit;
	const char *name;
};

/* As e2fsprogs names them (dumpe2fs, mke2fs -O), except "extents". */
static const struct feature_name compat_names[] = {
    {0x0001, "dir_prealloc"},	 {0x0002, "imagic_inodes"},
    {0x0004, "has_journal"},	 {0x0008, "ext_attr"},
    {0x0010, "resize_inode"},	 {0x0020, "dir_index"},
    {0x0040, "lazy_bg"},	 {0x0080, "exclude_inode"},
    {0x0100, "snapshot_bitmap"}, {0x0200, "sparse_super2"},
    {0x0400, "fast_commit"},	 {0x0800, "stable_inodes"},
    {0x1000, "orphan_file"},	 {0, NULL},
};

static const struct feature_name incompat_names[] = {
    {0x0001, "compression"},
    {0x0002, "filetype"},
    {0x0004, "needs_recovery"},
    {0x0008, "journal_dev"},
    {0x0010, "meta_bg"},
    {0x0040, "extents"},
    {0x0080, "64bit"},
    {0x0100, "mmp"},
    {0x0200, "flex_bg"},
    {0x0400, "ea_inode"},
    {0x1000, "dirdata"},
    {0x2000, "metadata_csum_seed"},
    {0x4000, "large_dir"},
    {0x8000, "inline_data"},
    {0x10000, "encrypt"},
    {0x20000, "casefold"},
    {0, NULL},
};

static const struct feature_name ro_compat_names[] = {
    {0x0001, "sparse_super"},	 {0x0002, "large_file"},
    {0x0004, "btree_dir"},	 {0x0008, "huge_file"},
    {0x0010, "uninit_bg"},	 {0x0020, "dir_nlink"},
    {0x0040, "extra_isize"},	 {0x0080, "snapshot"},
    {0x0100, "quota"},		 {0x0200, "bigalloc"},
    {0x0400, "metadata_csum"},	 {0x0800, "replica"},
    {0x1000, "read-only"},	 {0x2000, "project"},
    {0x4000, "shared_blocks"},	 {0x8000, "verity"},
    {0x10000, "orphan_present"}, {0, NULL},
};

static void append(char *buf, size_t size, size_t *at, const char *text)
{
	while (*text && *at + 1 < size)
		buf[(*at)++] = *text++;
	buf[*at] = '\0';
}

void ext2_feature_names(int word, uint32_t mask, char *buf, size_t size)
{
	static const struct feature_name *const tables[3] = {
	    compat_names, incompat_names, ro_compat_names};
	static const char prefix[3] = {'C', 'I', 'R'};
	size_t at = 0;

	if (!size)
		return;
	buf[0] = '\0';
	for (int bit = 0; bit < 32; bit++) {
		uint32_t b = 1u << bit;
		const struct feature_name *f;
		const char *name = NULL;

		if (!(mask & b))
			continue;
		for (f = tables[word]; f->name; f++)
			if (f->bit == b)
				name = f->name;
		if (at)
			append(buf, size, &at, " ");
		if (name) {
			append(buf, size, &at, name);
		} else {
			struct ext2_msg unnamed;

			ext2_msg_set(&unnamed, "FEATURE_%c0x%x", prefix[word],
				     b);
			append(buf, size, &at, unnamed.text);
		}
	}
}

/* ---- geometry ----------------------------------------------------------- */

static bool is_power_of(uint32_t n, uint32_t base)
{
	while (n > 1 && n % base == 0)
		n /= base;
	return n == 1;
}

bool ext2_group_has_super(const struct ext2_super *sb, uint32_t group)
{
	if (group == 0)
		return true;
	if (sb->feature_compat & EXT2_FEATURE_COMPAT_SPARSE_SUPER2)
		return group == sb->backup_groups[0] ||
		       group == sb->backup_groups[1];
	if (!(sb->feature_ro_compat & EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER))
		return true;
	return group == 1 || is_power_of(group, 3) || is_power_of(group, 5) ||
	       is_power_of(group, 7);
}

uint32_t ext2_group_first_block(const struct ext2_super *sb, uint32_t group)
{
	return sb->first_data_block + group * sb->blocks_per_group;
}

uint32_t ext2_group_block_count(const struct ext2_super *sb, uint32_t group)
{
	if (group + 1 < sb->group_count)
		return sb->blocks_per_group;
	return sb->blocks_count - ext2_group_first_block(sb, group);
}

uint32_t ext2_group_overhead(const struct ext2_super *sb, uint32_t group)
{
	if (!ext2_group_has_super(sb, group))
		return 0;
	return 1 + sb->gdt_blocks + sb->reserved_gdt_blocks;
}

/* What the 15 pointers and i_blocks can reach, as Linux's ext2_max_size. */
static uint64_t max_file_size(const struct ext2_super *sb)
{
	uint64_t a = sb->pointers_per_block;
	uint32_t shift = sb->block_shift;
	uint64_t reach = sb->max_file_blocks << shift;
	uint64_t limit = 0xFFFFFFFFull >> (shift - 9); /* i_blocks, in blocks */

	limit -= 1 + (1 + a) + (1 + a + a * a); /* indirect blocks */
	limit <<= shift;
	if (!(sb->feature_ro_compat & EXT2_FEATURE_RO_COMPAT_LARGE_FILE))
		limit = 0x7FFFFFFF;
	return reach < limit ? reach : limit;
}

/* ---- decode -------------------------------------------------------------- */

static int refuse(struct ext2_msg *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int refuse(struct ext2_msg *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ext2_msg_vset(m, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int decode_features(struct ext2_super *sb, struct ext2_msg *m)
{
	uint32_t incompat = sb->feature_incompat & ~EXT2_INCOMPAT_SUPPORTED;
	uint32_t ro = sb->feature_ro_compat & ~EXT2_RO_COMPAT_SUPPORTED;
	uint32_t journal = sb->feature_compat & EXT2_COMPAT_READ_ONLY;
	char names[96];

	if (incompat) {
		ext2_feature_names(1, incompat, names, sizeof(names));
		return refuse(m, "incompatible features not supported: %s",
			      names);
	}
	sb->read_only = ro || journal;
	if (ro && journal) {
		char more[64];

		ext2_feature_names(2, ro, names, sizeof(names));
		ext2_feature_names(0, journal, more, sizeof(more));
		ext2_msg_set(m,
			     "mounting read-only: features not supported for "
			     "writing: %s %s",
			     more, names);
	} else if (journal) {
		ext2_feature_names(0, journal, names, sizeof(names));
		ext2_msg_set(m,
			     "mounting read-only: %s (ext3 journal) is not "
			     "supported for writing",
			     names);
	} else if (ro) {
		ext2_feature_names(2, ro, names, sizeof(names));
		ext2_msg_set(m,
			     "mounting read-only: features not supported for "
			     "writing: %s",
			     names);
	}
	return 0;
}

static int check_geometry(struct ext2_super *sb, uint64_t device_bytes,
			  struct ext2_msg *m)
{
	uint32_t bs = sb->block_size;
	uint64_t groups64, data_blocks, group0_need, last_need;
	uint32_t last;

	if (sb->first_data_block != (bs == 1024 ? 1u : 0u))
		return ext2_corrupt(m, "first data block %u, should be %u",
				    sb->first_data_block, bs == 1024 ? 1 : 0);
	if (sb->blocks_count <= sb->first_data_block + 1)
		return ext2_corrupt(m, "block count %u is too small",
				    sb->blocks_count);
	if (device_bytes && (uint64_t)sb->blocks_count * bs > device_bytes)
		return ext2_corrupt(
		    m,
		    "block count %u (%llu bytes) is larger than "
		    "the device (%llu bytes)",
		    sb->blocks_count, (unsigned long long)sb->blocks_count * bs,
		    (unsigned long long)device_bytes);
	if (sb->blocks_per_group < 8 || sb->blocks_per_group > 8 * bs ||
	    sb->blocks_per_group % 8)
		return ext2_corrupt(m, "blocks per group %u is not 8..%u",
				    sb->blocks_per_group, 8 * bs);
	if (sb->inode_size < EXT2_GOOD_OLD_INODE_SIZE || sb->inode_size > bs ||
	    (sb->inode_size & (sb->inode_size - 1)))
		return ext2_corrupt(m,
				    "inode size %u is not a power of 2 "
				    "in 128..%u",
				    sb->inode_size, bs);
	sb->inodes_per_block = bs / sb->inode_size;
	if (sb->inodes_per_group < sb->inodes_per_block ||
	    sb->inodes_per_group > 8 * bs ||
	    sb->inodes_per_group % sb->inodes_per_block)
		return ext2_corrupt(m,
				    "inodes per group %u is not a multiple of "
				    "%u up to %u",
				    sb->inodes_per_group, sb->inodes_per_block,
				    8 * bs);
	data_blocks = sb->blocks_count - sb->first_data_block;
	groups64 =
	    (data_blocks + sb->blocks_per_group - 1) / sb->blocks_per_group;
	sb->group_count = (uint32_t)groups64;
	if ((uint64_t)sb->inodes_per_group * groups64 != sb->inodes_count)
		return ext2_corrupt(m,
				    "inode count %u is not %u groups of %u "
				    "inodes",
				    sb->inodes_count, sb->group_count,
				    sb->inodes_per_group);
	if (sb->first_ino < EXT2_GOOD_OLD_FIRST_INO ||
	    sb->first_ino >= sb->inodes_count)
		return ext2_corrupt(m, "first inode %u is not in 11..%u",
				    sb->first_ino, sb->inodes_count - 1);
	if (sb->free_blocks > sb->blocks_count ||
	    sb->reserved_blocks > sb->blocks_count)
		return ext2_corrupt(m,
				    "free (%u) or reserved (%u) blocks exceed "
				    "the block count %u",
				    sb->free_blocks, sb->reserved_blocks,
				    sb->blocks_count);
	if (sb->free_inodes > sb->inodes_count)
		return ext2_corrupt(m,
				    "free inodes %u exceed the inode count %u",
				    sb->free_inodes, sb->inodes_count);
	sb->pointers_per_block = bs / 4;
	if (sb->reserved_gdt_blocks > sb->pointers_per_block)
		return ext2_corrupt(m, "reserved GDT blocks %u exceed %u",
				    sb->reserved_gdt_blocks,
				    sb->pointers_per_block);
	sb->gdt_blocks =
	    (uint32_t)((groups64 * EXT2_GROUP_DESC_SIZE + bs - 1) / bs);
	sb->inode_table_blocks = sb->inodes_per_group / sb->inodes_per_block;
	if (sb->feature_compat & EXT2_FEATURE_COMPAT_SPARSE_SUPER2)
		for (int i = 0; i < 2; i++)
			if (sb->backup_groups[i] >= sb->group_count)
				return ext2_corrupt(
				    m, "backup group %u beyond %u groups",
				    sb->backup_groups[i], sb->group_count);
	/* Each group must hold its own bitmaps and inode table. */
	group0_need = ext2_group_overhead(sb, 0) + 2 + sb->inode_table_blocks;
	last = sb->group_count - 1;
	last_need = ext2_group_overhead(sb, last) + 2 + sb->inode_table_blocks;
	if (group0_need > ext2_group_block_count(sb, 0) ||
	    last_need > ext2_group_block_count(sb, last))
		return ext2_corrupt(m,
				    "groups of %u blocks cannot hold %u inode "
				    "table blocks and %u descriptor blocks",
				    sb->blocks_per_group,
				    sb->inode_table_blocks, sb->gdt_blocks);
	return 0;
}

int ext2_super_decode(const uint8_t *raw, uint64_t device_bytes,
		      struct ext2_super *sb, struct ext2_msg *m)
{
	uint32_t log_block, log_frag, rev;
	uint64_t a;
	int err;

	*sb = (struct ext2_super){0};
	if (m)
		m->text[0] = '\0';
	if (ext2_get16(raw, 56) != EXT2_MAGIC)
		return refuse(m, "bad magic 0x%x: not an ext2 filesystem",
			      ext2_get16(raw, 56));
	rev = ext2_get32(raw, 76);
	if (rev != EXT2_DYNAMIC_REV)
		return refuse(m,
			      "revision %u not supported (only revision 1, "
			      "as mke2fs makes)",
			      rev);
	log_block = ext2_get32(raw, 24);
	if (log_block > 2)
		return refuse(m, "block size 2^%u KiB not supported (1..4 KiB)",
			      log_block);
	log_frag = ext2_get32(raw, 28);
	if (log_frag != log_block)
		return refuse(m,
			      "fragment (cluster) size 2^%u KiB differs from "
			      "the block size 2^%u KiB",
			      log_frag, log_block);
	sb->block_shift = 10 + log_block;
	sb->block_size = 1024u << log_block;
	sb->inodes_count = ext2_get32(raw, 0);
	sb->blocks_count = ext2_get32(raw, 4);
	sb->reserved_blocks = ext2_get32(raw, 8);
	sb->free_blocks = ext2_get32(raw, 12);
	sb->free_inodes = ext2_get32(raw, 16);
	sb->first_data_block = ext2_get32(raw, 20);
	sb->blocks_per_group = ext2_get32(raw, 32);
	sb->inodes_per_group = ext2_get32(raw, 40);
	sb->mount_time = ext2_get32(raw, 44);
	sb->write_time = ext2_get32(raw, 48);
	sb->mount_count = ext2_get16(raw, 52);
	sb->max_mount_count = (int16_t)ext2_get16(raw, 54);
	sb->state = ext2_get16(raw, 58);
	sb->errors = ext2_get16(raw, 60);
	sb->first_ino = ext2_get32(raw, 84);
	sb->inode_size = ext2_get16(raw, 88);
	sb->feature_compat = ext2_get32(raw, 92);
	sb->feature_incompat = ext2_get32(raw, 96);
	sb->feature_ro_compat = ext2_get32(raw, 100);
	for (int i = 0; i < 16; i++) {
		sb->uuid[i] = raw[104 + i];
		sb->volume_name[i] = (char)raw[120 + i];
	}
	sb->volume_name[16] = '\0';
	sb->reserved_gdt_blocks = ext2_get16(raw, 206);
	sb->backup_groups[0] = ext2_get32(raw, 588);
	sb->backup_groups[1] = ext2_get32(raw, 592);
	if (ext2_get32(raw, 32) != ext2_get32(raw, 36))
		return refuse(m,
			      "fragments per group %u differ from blocks per "
			      "group %u",
			      ext2_get32(raw, 36), ext2_get32(raw, 32));
	err = decode_features(sb, m);
	if (err)
		return err;
	err = check_geometry(sb, device_bytes, m);
	if (err)
		return err;
	sb->has_filetype =
	    sb->feature_incompat & EXT2_FEATURE_INCOMPAT_FILETYPE;
	a = sb->pointers_per_block;
	sb->max_file_blocks = EXT2_NDIR_BLOCKS + a + a * a + a * a * a;
	sb->max_file_size = max_file_size(sb);
	return 0;
}

void ext2_super_encode(const struct ext2_super *sb, uint8_t *raw)
{
	ext2_put32(raw, 12, sb->free_blocks);
	ext2_put32(raw, 16, sb->free_inodes);
	ext2_put32(raw, 44, sb->mount_time);
	ext2_put32(raw, 48, sb->write_time);
	ext2_put16(raw, 52, sb->mount_count);
	ext2_put16(raw, 58, sb->state);
	ext2_put32(raw, 92, sb->feature_compat);
	ext2_put32(raw, 96, sb->feature_incompat);
	ext2_put32(raw, 100, sb->feature_ro_compat);
}
