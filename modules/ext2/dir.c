/*
 * dir.c - directory blocks: linked entries of variable length.
 *
 * A directory's data is a sequence of blocks, each a chain of entries
 * that exactly fills it:
 *
 *   offset  size  field
 *        0     4  inode (0: unused entry)
 *        4     2  rec_len: bytes from this entry to the next
 *        6     1  name_len
 *        7     1  file_type (EXT2_FT_*, with the filetype feature)
 *        8     n  name, not NUL-terminated, padded to 4 bytes
 *
 * rec_len may be larger than the entry needs (8 + name, rounded up to 4):
 * the slack is free room.  Inserting uses such slack, splitting the entry
 * in two; removing an entry merges it into the one before (its rec_len
 * grows to cover both), or, for the first entry of a block, marks it
 * unused.  So entries never cross a block boundary and a block is never
 * compacted.  A directory's first block starts with "." and "..".
 *
 * Hashed directories (dir_index) look the same to a reader: their index
 * blocks are disguised as one unused entry spanning the block (or as
 * ".." spanning the rest of the first block), so walking entries skips
 * them.  Whoever changes such a directory must clear its EXT2_INDEX_FL
 * (as Linux's ext2 does), since the index is not kept up to date here.
 *
 * Every function checks each entry it steps on (ext2_dir_entry); those
 * that change a block check all of it first.
 */
#include "ondisk.h"

int ext2_dir_entry(const struct ext2_super *sb, const uint8_t *block,
		   uint32_t offset, struct ext2_dirent *out, struct ext2_msg *m)
{
	uint32_t bs = sb->block_size;

	if (offset % 4 || offset + 8 > bs)
		return ext2_corrupt(m,
				    "directory entry at offset %u outside "
				    "the block",
				    offset);
	out->offset = offset;
	out->inode = ext2_get32(block, offset);
	out->rec_len = ext2_get16(block, offset + 4);
	out->name_len = block[offset + 6];
	out->file_type = sb->has_filetype ? block[offset + 7] : 0;
	out->name = (const char *)block + offset + 8;
	if (!sb->has_filetype && block[offset + 7])
		return ext2_corrupt(m,
				    "directory entry at offset %u: name longer "
				    "than 255 bytes",
				    offset);
	if (out->rec_len < 12 || out->rec_len % 4)
		return ext2_corrupt(m,
				    "directory entry at offset %u: rec_len %u "
				    "is not a multiple of 4 >= 12",
				    offset, out->rec_len);
	if (offset + out->rec_len > bs)
		return ext2_corrupt(m,
				    "directory entry at offset %u: rec_len %u "
				    "crosses the block end",
				    offset, out->rec_len);
	if (ext2_dirent_size(out->name_len) > out->rec_len)
		return ext2_corrupt(m,
				    "directory entry at offset %u: name of %u "
				    "bytes does not fit rec_len %u",
				    offset, out->name_len, out->rec_len);
	if (!out->inode)
		return 0;
	if (out->inode > sb->inodes_count)
		return ext2_corrupt(m,
				    "directory entry at offset %u: inode %u "
				    "past %u",
				    offset, out->inode, sb->inodes_count);
	if (out->name_len == 0)
		return ext2_corrupt(
		    m, "directory entry at offset %u: empty name", offset);
	if (out->file_type >= EXT2_FT_MAX)
		return ext2_corrupt(m,
				    "directory entry at offset %u: file type "
				    "%u",
				    offset, out->file_type);
	for (uint32_t i = 0; i < out->name_len; i++)
		if (out->name[i] == '/' || out->name[i] == '\0')
			return ext2_corrupt(m,
					    "directory entry at offset %u: "
					    "'/' or NUL in the name",
					    offset);
	return 0;
}

int ext2_dir_check(const struct ext2_super *sb, const uint8_t *block,
		   struct ext2_msg *m)
{
	struct ext2_dirent e;

	for (uint32_t offset = 0; offset < sb->block_size;
	     offset += e.rec_len) {
		int err = ext2_dir_entry(sb, block, offset, &e, m);

		if (err)
			return err;
	}
	return 0;
}

int ext2_dir_next(const struct ext2_super *sb, const uint8_t *block,
		  uint32_t offset, struct ext2_dirent *out, struct ext2_msg *m)
{
	for (uint32_t at = 0; at < sb->block_size; at += out->rec_len) {
		int err = ext2_dir_entry(sb, block, at, out, m);

		if (err)
			return err;
		if (at >= offset && out->inode)
			return 1;
	}
	return 0;
}

static bool same_name(const struct ext2_dirent *e, const char *name,
		      uint32_t length)
{
	if (e->name_len != length)
		return false;
	for (uint32_t i = 0; i < length; i++)
		if (e->name[i] != name[i])
			return false;
	return true;
}

int ext2_dir_find(const struct ext2_super *sb, const uint8_t *block,
		  const char *name, uint32_t length, struct ext2_dirent *out,
		  uint32_t *prev_offset, struct ext2_msg *m)
{
	uint32_t prev = UINT32_MAX;

	for (uint32_t at = 0; at < sb->block_size; at += out->rec_len) {
		int err = ext2_dir_entry(sb, block, at, out, m);

		if (err)
			return err;
		if (out->inode && same_name(out, name, length)) {
			*prev_offset = prev;
			return 1;
		}
		prev = at;
	}
	return 0;
}

/* Write an entry at `offset` spanning rec_len bytes. */
static void put_entry(const struct ext2_super *sb, uint8_t *block,
		      uint32_t offset, uint32_t rec_len, const char *name,
		      uint32_t length, uint32_t ino, uint8_t file_type)
{
	uint32_t size = ext2_dirent_size(length);

	ext2_put32(block, offset, ino);
	ext2_put16(block, offset + 4, (uint16_t)rec_len);
	block[offset + 6] = (uint8_t)length;
	block[offset + 7] = sb->has_filetype ? file_type : 0;
	for (uint32_t i = 0; i < size - 8; i++)
		block[offset + 8 + i] = i < length ? (uint8_t)name[i] : 0;
}

int ext2_dir_insert(const struct ext2_super *sb, uint8_t *block,
		    const char *name, uint32_t length, uint32_t ino,
		    uint8_t file_type, struct ext2_msg *m)
{
	uint32_t need = ext2_dirent_size(length);
	struct ext2_dirent e;
	int err;

	if (length == 0 || length > EXT2_NAME_LEN)
		return -ENAMETOOLONG;
	err = ext2_dir_check(sb, block, m);
	if (err)
		return err;
	for (uint32_t at = 0; at < sb->block_size; at += e.rec_len) {
		uint32_t used;

		ext2_dir_entry(sb, block, at, &e, m);
		if (!e.inode && e.rec_len >= need) {
			put_entry(sb, block, at, e.rec_len, name, length, ino,
				  file_type);
			return 1;
		}
		used = ext2_dirent_size(e.name_len);
		if (e.inode && e.rec_len >= used + need) {
			put_entry(sb, block, at + used, e.rec_len - used, name,
				  length, ino, file_type);
			ext2_put16(block, at + 4, (uint16_t)used);
			return 1;
		}
	}
	return 0;
}

void ext2_dir_remove(const struct ext2_super *sb, uint8_t *block,
		     const struct ext2_dirent *found, uint32_t prev_offset)
{
	(void)sb;
	if (prev_offset != UINT32_MAX) {
		uint16_t prev_len = ext2_get16(block, prev_offset + 4);

		ext2_put16(block, prev_offset + 4,
			   (uint16_t)(prev_len + found->rec_len));
	}
	ext2_put32(block, found->offset, 0);
}

void ext2_dir_set_inode(const struct ext2_super *sb, uint8_t *block,
			uint32_t offset, uint32_t ino, uint8_t file_type)
{
	ext2_put32(block, offset, ino);
	block[offset + 7] = sb->has_filetype ? file_type : 0;
}

void ext2_dir_init_empty(const struct ext2_super *sb, uint8_t *block)
{
	for (uint32_t i = 0; i < sb->block_size; i++)
		block[i] = 0;
	ext2_put16(block, 4, (uint16_t)sb->block_size);
}

void ext2_dir_init_dots(const struct ext2_super *sb, uint8_t *block,
			uint32_t self, uint32_t parent)
{
	for (uint32_t i = 0; i < sb->block_size; i++)
		block[i] = 0;
	put_entry(sb, block, 0, 12, ".", 1, self, EXT2_FT_DIR);
	put_entry(sb, block, 12, sb->block_size - 12, "..", 2, parent,
		  EXT2_FT_DIR);
}

int ext2_dir_block_empty(const struct ext2_super *sb, const uint8_t *block,
			 struct ext2_msg *m)
{
	struct ext2_dirent e;

	for (uint32_t at = 0; at < sb->block_size; at += e.rec_len) {
		int err = ext2_dir_entry(sb, block, at, &e, m);

		if (err)
			return err;
		if (!e.inode)
			continue;
		if (!(e.name_len == 1 && e.name[0] == '.') &&
		    !(e.name_len == 2 && e.name[0] == '.' && e.name[1] == '.'))
			return 0;
	}
	return 1;
}
