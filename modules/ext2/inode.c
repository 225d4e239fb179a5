/*
 * inode.c - decoding, checking and encoding inodes.
 *
 * An inode is inode_size bytes (128, or 256 as mke2fs makes them now) in
 * its group's inode table.  The first 128 bytes are the classic ext2
 * inode; the rest starts with i_extra_isize (how many of the extra bytes
 * are fields: ext4's nanosecond times and creation time) followed by
 * in-inode extended attributes.  This code decodes the classic part and
 * writes back only what it decoded, so everything else survives.
 *
 *   offset  size  field                  offset  size  field
 *        0     2  mode (type, perms)        40    60  block[15]
 *        2     2  uid (low 16 bits)        100     4  generation
 *        4     4  size (low 32 bits)       104     4  file_acl (EA block)
 *        8     4  atime                    108     4  size_high (files)
 *       12     4  ctime                    116     2  blocks_hi (huge_file)
 *       16     4  mtime                    120     2  uid_high
 *       20     4  dtime (deleted at)       122     2  gid_high
 *       24     2  gid (low 16 bits)        128     2  extra_isize (if
 *       26     2  links_count                         inode_size > 128)
 *       28     4  blocks (512-byte units)
 *       32     4  flags
 *
 * A symlink whose target is shorter than 60 bytes keeps it in block[]'s
 * 60 bytes and holds no block ("fast"); a longer one keeps it in its first
 * block ("slow").  Linux tells them apart by i_blocks: a symlink holding
 * no block besides its extended attribute block is fast.
 */
#include "ondisk.h"

int ext2_inode_location(const struct ext2_super *sb,
			const struct ext2_group *groups, uint32_t ino,
			uint32_t *block, uint32_t *offset, struct ext2_msg *m)
{
	uint32_t group, index;
	uint64_t byte;

	if (ino == 0 || ino > sb->inodes_count)
		return ext2_corrupt(m, "inode number %u is not in 1..%u", ino,
				    sb->inodes_count);
	group = ext2_inode_group(sb, ino);
	index = (ino - 1) % sb->inodes_per_group;
	byte = (uint64_t)index * sb->inode_size;
	*block =
	    groups[group].inode_table + (uint32_t)(byte >> sb->block_shift);
	*offset = (uint32_t)(byte & (sb->block_size - 1));
	return 0;
}

bool ext2_is_fast_symlink(const struct ext2_super *sb,
			  const struct ext2_inode *inode)
{
	uint32_t ea_blocks = inode->file_acl ? sb->block_size >> 9 : 0;

	return ext2_is_symlink(inode) && inode->blocks == ea_blocks;
}

int ext2_inode_decode(const struct ext2_super *sb, uint32_t ino,
		      const uint8_t *raw, struct ext2_inode *inode,
		      struct ext2_msg *m)
{
	uint16_t type;

	inode->mode = ext2_get16(raw, 0);
	inode->uid = ext2_get16(raw, 2) | (uint32_t)ext2_get16(raw, 120) << 16;
	inode->size = ext2_get32(raw, 4);
	inode->atime = ext2_get32(raw, 8);
	inode->ctime = ext2_get32(raw, 12);
	inode->mtime = ext2_get32(raw, 16);
	inode->dtime = ext2_get32(raw, 20);
	inode->gid = ext2_get16(raw, 24) | (uint32_t)ext2_get16(raw, 122) << 16;
	inode->links = ext2_get16(raw, 26);
	inode->blocks = ext2_get32(raw, 28);
	inode->flags = ext2_get32(raw, 32);
	for (int i = 0; i < EXT2_N_BLOCKS; i++)
		inode->block[i] = ext2_get32(raw, 40 + 4 * i);
	inode->generation = ext2_get32(raw, 100);
	inode->file_acl = ext2_get32(raw, 104);

	if (inode->links == 0)
		return -ENOENT;
	type = inode->mode & EXT2_S_IFMT;
	if (ext2_is_reg(inode))
		inode->size |= (uint64_t)ext2_get32(raw, 108) << 32;
	switch (type) {
	case EXT2_S_IFREG:
	case EXT2_S_IFDIR:
	case EXT2_S_IFLNK:
	case EXT2_S_IFCHR:
	case EXT2_S_IFBLK:
	case EXT2_S_IFIFO:
	case EXT2_S_IFSOCK:
		break;
	default:
		return ext2_corrupt(m,
				    "inode %u: unknown file type in mode 0x%x",
				    ino, inode->mode);
	}
	if (inode->flags & EXT2_EXTENTS_FL)
		return ext2_corrupt(m, "inode %u uses extents (ext4)", ino);
	if (inode->flags & EXT2_INLINE_DATA_FL)
		return ext2_corrupt(m, "inode %u uses inline data (ext4)", ino);
	if (inode->file_acl && (inode->file_acl < sb->first_data_block ||
				inode->file_acl >= sb->blocks_count))
		return ext2_corrupt(m,
				    "inode %u: attribute block %u beyond the "
				    "volume",
				    ino, inode->file_acl);
	if (ext2_is_reg(inode) && inode->size > sb->max_file_size)
		return ext2_corrupt(m,
				    "inode %u: size %llu beyond the largest "
				    "file (%llu)",
				    ino, (unsigned long long)inode->size,
				    (unsigned long long)sb->max_file_size);
	if (ext2_is_dir(inode) &&
	    (inode->size == 0 || inode->size & (sb->block_size - 1)))
		return ext2_corrupt(m,
				    "inode %u: directory size %llu is not a "
				    "whole number of blocks",
				    ino, (unsigned long long)inode->size);
	if (ext2_is_symlink(inode)) {
		bool fast = ext2_is_fast_symlink(sb, inode);
		uint64_t limit =
		    fast ? EXT2_FAST_SYMLINK_MAX : sb->block_size - 1;

		if (inode->size == 0 || inode->size > limit)
			return ext2_corrupt(m,
					    "inode %u: %s symlink of %llu "
					    "bytes (1..%llu)",
					    ino, fast ? "fast" : "slow",
					    (unsigned long long)inode->size,
					    (unsigned long long)limit);
	}
	return 0;
}

int ext2_inode_check_unused(const struct ext2_super *sb, uint32_t ino,
			    const uint8_t *raw, struct ext2_msg *m)
{
	uint16_t links = ext2_get16(raw, 26);

	(void)sb;
	if (links)
		return ext2_corrupt(m,
				    "inode %u is free in the bitmap but has %u "
				    "links",
				    ino, links);
	return 0;
}

void ext2_inode_encode(const struct ext2_super *sb,
		       const struct ext2_inode *inode, uint8_t *raw)
{
	(void)sb;
	ext2_put16(raw, 0, inode->mode);
	ext2_put16(raw, 2, (uint16_t)inode->uid);
	ext2_put32(raw, 4, (uint32_t)inode->size);
	ext2_put32(raw, 8, inode->atime);
	ext2_put32(raw, 12, inode->ctime);
	ext2_put32(raw, 16, inode->mtime);
	ext2_put32(raw, 20, inode->dtime);
	ext2_put16(raw, 24, (uint16_t)inode->gid);
	ext2_put16(raw, 26, inode->links);
	ext2_put32(raw, 28, inode->blocks);
	ext2_put32(raw, 32, inode->flags);
	for (int i = 0; i < EXT2_N_BLOCKS; i++)
		ext2_put32(raw, 40 + 4 * i, inode->block[i]);
	ext2_put32(raw, 100, inode->generation);
	ext2_put32(raw, 104, inode->file_acl);
	if (ext2_is_reg(inode))
		ext2_put32(raw, 108, (uint32_t)(inode->size >> 32));
	ext2_put16(raw, 120, (uint16_t)(inode->uid >> 16));
	ext2_put16(raw, 122, (uint16_t)(inode->gid >> 16));
}

void ext2_inode_init_raw(const struct ext2_super *sb, uint8_t *raw)
{
	for (uint32_t i = 0; i < sb->inode_size; i++)
		raw[i] = 0;
	/* The fields up to i_projid, as e2fsprogs writes new inodes. */
	if (sb->inode_size > EXT2_GOOD_OLD_INODE_SIZE) {
		uint32_t extra = sb->inode_size - EXT2_GOOD_OLD_INODE_SIZE;

		ext2_put16(raw, 128, (uint16_t)(extra < 32 ? extra : 32));
	}
}

void ext2_fast_symlink_target(const struct ext2_inode *inode, char *out)
{
	for (uint64_t i = 0; i < inode->size && i <= EXT2_FAST_SYMLINK_MAX; i++)
		out[i] = (char)(inode->block[i / 4] >> (8 * (i % 4)));
}

void ext2_fast_symlink_set(struct ext2_inode *inode, const char *target,
			   uint32_t length)
{
	for (int i = 0; i < EXT2_N_BLOCKS; i++)
		inode->block[i] = 0;
	for (uint32_t i = 0; i < length && i <= EXT2_FAST_SYMLINK_MAX; i++)
		inode->block[i / 4] |= (uint32_t)(uint8_t)target[i]
				       << (8 * (i % 4));
	inode->size = length;
}

uint8_t ext2_file_type(uint16_t mode)
{
	switch (mode & EXT2_S_IFMT) {
	case EXT2_S_IFREG:
		return EXT2_FT_REG_FILE;
	case EXT2_S_IFDIR:
		return EXT2_FT_DIR;
	case EXT2_S_IFCHR:
		return EXT2_FT_CHRDEV;
	case EXT2_S_IFBLK:
		return EXT2_FT_BLKDEV;
	case EXT2_S_IFIFO:
		return EXT2_FT_FIFO;
	case EXT2_S_IFSOCK:
		return EXT2_FT_SOCK;
	case EXT2_S_IFLNK:
		return EXT2_FT_SYMLINK;
	}
	return EXT2_FT_UNKNOWN;
}

/*
 * The extended attribute block (one per inode at most, shared between
 * inodes with equal attributes): magic 0xEA020000 at 0, reference count at
 * 4, blocks (always 1) at 8.
 */
#define EXT2_XATTR_MAGIC 0xEA020000u

int ext2_xattr_block_release(const struct ext2_super *sb, uint8_t *raw,
			     struct ext2_msg *m)
{
	uint32_t refcount = ext2_get32(raw, 4);

	(void)sb;
	if (ext2_get32(raw, 0) != EXT2_XATTR_MAGIC || ext2_get32(raw, 8) != 1)
		return ext2_corrupt(m, "attribute block with bad magic 0x%x",
				    ext2_get32(raw, 0));
	if (refcount == 0)
		return ext2_corrupt(m, "attribute block with no references");
	if (refcount == 1)
		return 1;
	ext2_put32(raw, 4, refcount - 1);
	return 0;
}
