/*
 * group.c - block group descriptors.
 *
 * The descriptor table follows the primary superblock (block
 * first_data_block + 1 on): one 32-byte descriptor per group.
 *
 *   offset  size  field
 *        0     4  block bitmap (block number)
 *        4     4  inode bitmap
 *        8     4  inode table (first block)
 *       12     2  free blocks in the group
 *       14     2  free inodes
 *       16     2  directories
 *       18     2  flags (uninit_bg); 20..31 checksums and the unused
 *                 inode count, kept as found
 *
 * Without flex_bg (refused at mount) each group's bitmaps and inode table
 * lie inside the group itself, after its superblock backup; decoding
 * checks exactly that, so a flipped byte here cannot send a later write
 * into another group's metadata or off the end of the device.
 *
 * The superblock's free counts are only a summary of these: like Linux,
 * the mount recomputes them from the descriptors (ext2_super_count_free)
 * and both are updated together from then on.
 */
#include "ondisk.h"

void ext2_group_desc_location(const struct ext2_super *sb, uint32_t group,
			      uint32_t *block, uint32_t *offset)
{
	uint64_t byte = (uint64_t)group * EXT2_GROUP_DESC_SIZE;

	*block = sb->first_data_block + 1 + (uint32_t)(byte >> sb->block_shift);
	*offset = (uint32_t)(byte & (sb->block_size - 1));
}

int ext2_group_decode(const struct ext2_super *sb, uint32_t group,
		      const uint8_t *raw, struct ext2_group *gd,
		      struct ext2_msg *m)
{
	uint32_t start = ext2_group_first_block(sb, group);
	uint32_t count = ext2_group_block_count(sb, group);
	uint64_t end = (uint64_t)start + count;
	uint64_t meta = (uint64_t)start + ext2_group_overhead(sb, group);
	uint32_t itb = sb->inode_table_blocks;
	uint32_t fixed = ext2_group_overhead(sb, group) + 2 + itb;

	gd->block_bitmap = ext2_get32(raw, 0);
	gd->inode_bitmap = ext2_get32(raw, 4);
	gd->inode_table = ext2_get32(raw, 8);
	gd->free_blocks = ext2_get16(raw, 12);
	gd->free_inodes = ext2_get16(raw, 14);
	gd->used_dirs = ext2_get16(raw, 16);
	gd->flags = ext2_get16(raw, 18);

	if (gd->block_bitmap < meta || gd->block_bitmap >= end)
		return ext2_corrupt(m,
				    "group %u: block bitmap %u outside the "
				    "group (%llu..%llu)",
				    group, gd->block_bitmap,
				    (unsigned long long)meta,
				    (unsigned long long)end - 1);
	if (gd->inode_bitmap < meta || gd->inode_bitmap >= end)
		return ext2_corrupt(m,
				    "group %u: inode bitmap %u outside the "
				    "group (%llu..%llu)",
				    group, gd->inode_bitmap,
				    (unsigned long long)meta,
				    (unsigned long long)end - 1);
	if (gd->inode_table < meta || (uint64_t)gd->inode_table + itb > end)
		return ext2_corrupt(
		    m,
		    "group %u: inode table %u..%llu outside "
		    "the group (%llu..%llu)",
		    group, gd->inode_table,
		    (unsigned long long)gd->inode_table + itb - 1,
		    (unsigned long long)meta, (unsigned long long)end - 1);
	if (gd->block_bitmap == gd->inode_bitmap ||
	    (gd->block_bitmap >= gd->inode_table &&
	     gd->block_bitmap < gd->inode_table + itb) ||
	    (gd->inode_bitmap >= gd->inode_table &&
	     gd->inode_bitmap < gd->inode_table + itb))
		return ext2_corrupt(m,
				    "group %u: block bitmap %u, inode bitmap "
				    "%u and inode table %u overlap",
				    group, gd->block_bitmap, gd->inode_bitmap,
				    gd->inode_table);
	if (gd->free_blocks > count - fixed)
		return ext2_corrupt(m,
				    "group %u: %u free blocks, but only %u "
				    "blocks hold data",
				    group, gd->free_blocks, count - fixed);
	if ((uint32_t)gd->free_inodes + gd->used_dirs > sb->inodes_per_group)
		return ext2_corrupt(m,
				    "group %u: %u free inodes and %u "
				    "directories exceed %u inodes",
				    group, gd->free_inodes, gd->used_dirs,
				    sb->inodes_per_group);
	return 0;
}

void ext2_group_encode(const struct ext2_group *gd, uint8_t *raw)
{
	ext2_put16(raw, 12, gd->free_blocks);
	ext2_put16(raw, 14, gd->free_inodes);
	ext2_put16(raw, 16, gd->used_dirs);
}

void ext2_super_count_free(struct ext2_super *sb,
			   const struct ext2_group *groups)
{
	uint32_t blocks = 0, inodes = 0;

	for (uint32_t g = 0; g < sb->group_count; g++) {
		blocks += groups[g].free_blocks;
		inodes += groups[g].free_inodes;
	}
	sb->free_blocks = blocks;
	sb->free_inodes = inodes;
}

bool ext2_block_is_data(const struct ext2_super *sb,
			const struct ext2_group *groups, uint32_t block)
{
	const struct ext2_group *gd;
	uint32_t group;

	if (block < sb->first_data_block || block >= sb->blocks_count)
		return false;
	group = ext2_block_group(sb, block);
	gd = &groups[group];
	if (block - ext2_group_first_block(sb, group) <
	    ext2_group_overhead(sb, group))
		return false;
	if (block == gd->block_bitmap || block == gd->inode_bitmap)
		return false;
	return block < gd->inode_table ||
	       block >= gd->inode_table + sb->inode_table_blocks;
}

int ext2_check_data_block(const struct ext2_super *sb,
			  const struct ext2_group *groups, uint32_t block,
			  struct ext2_msg *m)
{
	if (block == 0 || ext2_block_is_data(sb, groups, block))
		return 0;
	if (block >= sb->blocks_count)
		return ext2_corrupt(m,
				    "block pointer %u beyond the volume (%u)",
				    block, sb->blocks_count);
	return ext2_corrupt(m, "block pointer %u names a metadata block",
			    block);
}
