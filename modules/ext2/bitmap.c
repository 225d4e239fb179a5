/*
 * bitmap.c - block and inode bitmaps, and the counts that go with them.
 *
 * Each group has one block of block bitmap (bit i: block first_block(g) +
 * i is in use) and one of inode bitmap (bit i: inode g * inodes_per_group
 * + i + 1).  Bits are numbered from the least significant bit of byte 0.
 * Bits past the end of a short last group are set by mke2fs; the searches
 * here never look past the group's real size anyway.
 *
 * Allocating or freeing changes three things that must agree: the bit, the
 * group's free count and the superblock's.  The functions here change all
 * three or none (checking first: a bit that is already in the state asked
 * for means the bitmap and the counts disagree, a corrupt volume), and
 * leave writing the bitmap block and the descriptors back to the caller.
 *
 * Choosing where to allocate follows Linux's ext2 in spirit: data near the
 * block before it (the caller's goal), a file's inode in its directory's
 * group, and new directories spread over the groups that have room.
 */
#include "ondisk.h"

bool ext2_bit_test(const uint8_t *map, uint32_t bit)
{
	return map[bit >> 3] & (1u << (bit & 7));
}

void ext2_bit_set(uint8_t *map, uint32_t bit)
{
	map[bit >> 3] |= (uint8_t)(1u << (bit & 7));
}

void ext2_bit_clear(uint8_t *map, uint32_t bit)
{
	map[bit >> 3] &= (uint8_t) ~(1u << (bit & 7));
}

/* The first clear bit in [from, to), or -1. */
static int64_t find_clear(const uint8_t *map, uint32_t from, uint32_t to)
{
	uint32_t bit = from;

	while (bit < to) {
		if ((bit & 7) == 0 && bit + 8 <= to && map[bit >> 3] == 0xFF) {
			bit += 8; /* a full byte: skip it whole */
			continue;
		}
		if (!ext2_bit_test(map, bit))
			return bit;
		bit++;
	}
	return -1;
}

int64_t ext2_bitmap_find_free(const uint8_t *map, uint32_t bits, uint32_t start)
{
	int64_t found;

	if (start >= bits)
		start = 0;
	found = find_clear(map, start, bits);
	if (found < 0 && start)
		found = find_clear(map, 0, start);
	return found;
}

uint32_t ext2_bitmap_count_free(const uint8_t *map, uint32_t bits)
{
	uint32_t n = 0;

	for (uint32_t bit = 0; bit < bits; bit++)
		n += !ext2_bit_test(map, bit);
	return n;
}

uint32_t ext2_block_group(const struct ext2_super *sb, uint32_t block)
{
	return (block - sb->first_data_block) / sb->blocks_per_group;
}

uint32_t ext2_inode_group(const struct ext2_super *sb, uint32_t ino)
{
	return (ino - 1) / sb->inodes_per_group;
}

int64_t ext2_pick_block_group(const struct ext2_super *sb,
			      const struct ext2_group *groups,
			      uint32_t goal_group)
{
	if (goal_group >= sb->group_count)
		goal_group = 0;
	for (uint32_t i = 0; i < sb->group_count; i++) {
		uint32_t g = (goal_group + i) % sb->group_count;

		if (groups[g].free_blocks)
			return g;
	}
	return -ENOSPC;
}

int64_t ext2_pick_inode_group(const struct ext2_super *sb,
			      const struct ext2_group *groups,
			      uint32_t parent_group, bool is_dir)
{
	uint32_t n = sb->group_count;

	if (parent_group >= n)
		parent_group = 0;
	if (is_dir) {
		uint32_t average_inodes = sb->free_inodes / n;
		uint32_t average_blocks = sb->free_blocks / n;
		int64_t best = -1;

		for (uint32_t i = 0; i < n; i++) {
			uint32_t g = (parent_group + i) % n;
			const struct ext2_group *gd = &groups[g];

			if (!gd->free_inodes ||
			    gd->free_inodes < average_inodes ||
			    gd->free_blocks < average_blocks)
				continue;
			if (best < 0 || gd->used_dirs < groups[best].used_dirs)
				best = g;
		}
		if (best >= 0)
			return best;
	}
	/* The parent's group, then the others in turn. */
	for (uint32_t i = 0; i < n; i++) {
		uint32_t g = (parent_group + i) % n;

		if (groups[g].free_inodes && (is_dir || groups[g].free_blocks))
			return g;
	}
	for (uint32_t g = 0; g < n; g++)
		if (groups[g].free_inodes)
			return g;
	return -ENOSPC;
}

int64_t ext2_block_alloc(struct ext2_super *sb, struct ext2_group *groups,
			 uint32_t group, uint8_t *map, uint32_t goal,
			 struct ext2_msg *m)
{
	struct ext2_group *gd = &groups[group];
	uint32_t first = ext2_group_first_block(sb, group);
	uint32_t count = ext2_group_block_count(sb, group);
	uint32_t start = 0;
	int64_t bit;

	if (!gd->free_blocks || !sb->free_blocks)
		return -ENOSPC;
	if (goal >= first && goal - first < count)
		start = goal - first;
	bit = ext2_bitmap_find_free(map, count, start);
	if (bit < 0)
		return ext2_corrupt(m,
				    "group %u: %u blocks counted free, but its "
				    "bitmap is full",
				    group, gd->free_blocks);
	if (!ext2_block_is_data(sb, groups, first + (uint32_t)bit))
		return ext2_corrupt(
		    m,
		    "group %u: metadata block %u is free in the "
		    "bitmap",
		    group, first + (uint32_t)bit);
	ext2_bit_set(map, (uint32_t)bit);
	gd->free_blocks--;
	sb->free_blocks--;
	return first + bit;
}

int ext2_block_free(struct ext2_super *sb, struct ext2_group *groups,
		    uint8_t *map, uint32_t block, struct ext2_msg *m)
{
	struct ext2_group *gd;
	uint32_t group, bit;

	if (!ext2_block_is_data(sb, groups, block))
		return ext2_corrupt(m, "freeing block %u, not a data block",
				    block);
	group = ext2_block_group(sb, block);
	gd = &groups[group];
	bit = block - ext2_group_first_block(sb, group);
	if (!ext2_bit_test(map, bit))
		return ext2_corrupt(m, "freeing block %u, already free", block);
	if (gd->free_blocks >= ext2_group_block_count(sb, group) ||
	    sb->free_blocks >= sb->blocks_count)
		return ext2_corrupt(m,
				    "freeing block %u: group %u counts %u free "
				    "already",
				    block, group, gd->free_blocks);
	ext2_bit_clear(map, bit);
	gd->free_blocks++;
	sb->free_blocks++;
	return 0;
}

int64_t ext2_inode_alloc(struct ext2_super *sb, struct ext2_group *groups,
			 uint32_t group, uint8_t *map, bool is_dir,
			 struct ext2_msg *m)
{
	struct ext2_group *gd = &groups[group];
	uint32_t base = group * sb->inodes_per_group; /* ino - 1 of bit 0 */
	uint32_t start = 0;
	int64_t bit;

	if (!gd->free_inodes || !sb->free_inodes)
		return -ENOSPC;
	if (base + 1 < sb->first_ino)
		start = sb->first_ino - 1 - base;
	if (start >= sb->inodes_per_group)
		return -ENOSPC;
	bit = find_clear(map, start, sb->inodes_per_group);
	if (bit < 0)
		return ext2_corrupt(m,
				    "group %u: %u inodes counted free, but its "
				    "bitmap is full",
				    group, gd->free_inodes);
	if (is_dir && gd->used_dirs == 0xFFFF)
		return ext2_corrupt(m, "group %u: directory count overflows",
				    group);
	ext2_bit_set(map, (uint32_t)bit);
	gd->free_inodes--;
	sb->free_inodes--;
	if (is_dir)
		gd->used_dirs++;
	return base + bit + 1;
}

int ext2_inode_free(struct ext2_super *sb, struct ext2_group *groups,
		    uint8_t *map, uint32_t ino, bool is_dir, struct ext2_msg *m)
{
	struct ext2_group *gd;
	uint32_t bit;

	if (ino < sb->first_ino || ino > sb->inodes_count)
		return ext2_corrupt(m, "freeing inode %u, reserved or past %u",
				    ino, sb->inodes_count);
	gd = &groups[ext2_inode_group(sb, ino)];
	bit = (ino - 1) % sb->inodes_per_group;
	if (!ext2_bit_test(map, bit))
		return ext2_corrupt(m, "freeing inode %u, already free", ino);
	if (gd->free_inodes >= sb->inodes_per_group ||
	    sb->free_inodes >= sb->inodes_count || (is_dir && !gd->used_dirs))
		return ext2_corrupt(m, "freeing inode %u: counts disagree",
				    ino);
	ext2_bit_clear(map, bit);
	gd->free_inodes++;
	sb->free_inodes++;
	if (is_dir)
		gd->used_dirs--;
	return 0;
}
