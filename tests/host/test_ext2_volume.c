/*
 * test_ext2_volume.c - the on-disk layer driven synchronously over an
 * image in memory (see test_ext2_volume.h).
 *
 * Each operation follows the order the module follows: check everything
 * that can be checked first (names, types, emptiness), then allocate,
 * then link.  Buffers are pointers into the image, so "mark dirty" has
 * nothing to do here; the superblock and descriptors are encoded back by
 * vol_save.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_ext2_volume.h"

/* ---- the volume ------------------------------------------------------- */

int vol_open(struct vol *v, uint8_t *image, uint64_t bytes)
{
	int err;

	memset(v, 0, sizeof(*v));
	v->image = image;
	v->bytes = bytes;
	v->now = 1700000000;
	if (bytes < EXT2_SUPER_OFFSET + EXT2_SUPER_SIZE) {
		ext2_msg_set(&v->msg, "image of %llu bytes is too small",
			     (unsigned long long)bytes);
		return -EINVAL;
	}
	err = ext2_super_decode(image + EXT2_SUPER_OFFSET, bytes, &v->sb,
				&v->msg);
	if (err)
		return err;
	v->groups = calloc(v->sb.group_count, sizeof(*v->groups));
	if (!v->groups)
		return -ENOMEM;
	for (uint32_t g = 0; g < v->sb.group_count; g++) {
		uint32_t block, offset;

		ext2_group_desc_location(&v->sb, g, &block, &offset);
		err = ext2_group_decode(&v->sb, g, vol_block(v, block) + offset,
					&v->groups[g], &v->msg);
		if (err)
			return err;
	}
	ext2_super_count_free(&v->sb, v->groups);
	return 0;
}

int vol_open_file(struct vol *v, const char *path)
{
	uint64_t size;
	uint8_t *image = fx_slurp(path, &size);

	memset(v, 0, sizeof(*v));
	if (!image)
		return -EIO;
	return vol_open(v, image, size);
}

int vol_save(struct vol *v, const char *path)
{
	FILE *f;
	size_t done;

	ext2_super_encode(&v->sb, v->image + EXT2_SUPER_OFFSET);
	for (uint32_t g = 0; g < v->sb.group_count; g++) {
		uint32_t block, offset;

		ext2_group_desc_location(&v->sb, g, &block, &offset);
		ext2_group_encode(&v->groups[g], vol_block(v, block) + offset);
	}
	f = fopen(path, "wb");
	if (!f)
		return -EIO;
	done = fwrite(v->image, 1, v->bytes, f);
	return fclose(f) || done != v->bytes ? -EIO : 0;
}

void vol_close(struct vol *v)
{
	free(v->groups);
	free(v->image);
	v->groups = NULL;
	v->image = NULL;
}

uint8_t *vol_block(struct vol *v, uint32_t block)
{
	if (block >= v->sb.blocks_count) {
		fprintf(stderr, "vol_block: block %u past %u\n", block,
			v->sb.blocks_count);
		abort();
	}
	return v->image + (uint64_t)block * v->sb.block_size;
}

/* ---- inodes and blocks -------------------------------------------------- */

static uint8_t *inode_raw(struct vol *v, uint32_t ino, int *err)
{
	uint32_t block, offset;

	*err = ext2_inode_location(&v->sb, v->groups, ino, &block, &offset,
				   &v->msg);
	return *err ? NULL : vol_block(v, block) + offset;
}

int vol_iget(struct vol *v, uint32_t ino, struct ext2_inode *in)
{
	int err;
	uint8_t *raw = inode_raw(v, ino, &err);

	if (!raw)
		return err;
	err = ext2_inode_decode(&v->sb, ino, raw, in, &v->msg);
	if (err == -ENOENT)
		ext2_msg_set(&v->msg, "inode %u is not in use", ino);
	return err;
}

int vol_iput(struct vol *v, uint32_t ino, const struct ext2_inode *in)
{
	int err;
	uint8_t *raw = inode_raw(v, ino, &err);

	if (raw)
		ext2_inode_encode(&v->sb, in, raw);
	return err;
}

static int64_t alloc_block(struct vol *v, uint32_t goal)
{
	int64_t group;

	if (goal < v->sb.first_data_block || goal >= v->sb.blocks_count)
		goal = v->sb.first_data_block;
	group = ext2_pick_block_group(&v->sb, v->groups,
				      ext2_block_group(&v->sb, goal));
	if (group < 0)
		return group;
	return ext2_block_alloc(&v->sb, v->groups, (uint32_t)group,
				vol_block(v, v->groups[group].block_bitmap),
				goal, &v->msg);
}

static int free_block(struct vol *v, uint32_t block)
{
	uint32_t group;

	if (!ext2_block_is_data(&v->sb, v->groups, block))
		return ext2_corrupt(&v->msg, "freeing metadata block %u",
				    block);
	group = ext2_block_group(&v->sb, block);
	return ext2_block_free(&v->sb, v->groups,
			       vol_block(v, v->groups[group].block_bitmap),
			       block, &v->msg);
}

/* One walk of the map machine. */
static int64_t map_walk(struct vol *v, uint32_t ino, struct ext2_inode *in,
			uint64_t logical, bool create, bool *fresh)
{
	struct ext2_map map;
	uint8_t *buffer = NULL;
	int r;

	r = ext2_map_begin(&map, &v->sb, v->groups, in->block, logical, create,
			   &v->msg);
	if (r)
		return r;
	while ((r = ext2_map_step(&map, buffer, &v->msg)) > 0) {
		if (r == EXT2_WALK_READ) {
			buffer = vol_block(v, map.block);
			if (map.fresh)
				memset(buffer, 0, v->sb.block_size);
		} else if (r == EXT2_WALK_ALLOC) {
			uint32_t goal = map.goal;
			int64_t b;

			if (!goal)
				goal = ext2_group_first_block(
				    &v->sb, ext2_inode_group(&v->sb, ino));
			b = alloc_block(v, goal);
			if (b < 0) {
				r = (int)b;
				break;
			}
			map.block = (uint32_t)b;
		}
	}
	/* Blocks taken stay attached, even when a later step failed. */
	in->blocks += map.allocated * (v->sb.block_size / 512);
	if (fresh)
		*fresh = map.fresh;
	return r < 0 ? (int64_t)r : (int64_t)map.block;
}

/*
 * Allocating walks start only when the whole path can be allocated (at
 * most one block per level), so running out of space never leaves half a
 * path behind.
 */
int64_t vol_bmap(struct vol *v, uint32_t ino, struct ext2_inode *in,
		 uint64_t logical, bool create, bool *fresh)
{
	int64_t phys = map_walk(v, ino, in, logical, false, fresh);
	uint32_t offsets[4];

	if (phys != 0 || !create)
		return phys;
	if (v->sb.free_blocks < (uint32_t)ext2_block_path(
				    v->sb.pointers_per_block, logical, offsets))
		return -ENOSPC;
	return map_walk(v, ino, in, logical, true, fresh);
}

int64_t vol_read(struct vol *v, struct ext2_inode *in, uint64_t offset,
		 void *buf, uint64_t length)
{
	uint32_t bs = v->sb.block_size;
	uint64_t done = 0;

	if (offset >= in->size)
		return 0;
	if (length > in->size - offset)
		length = in->size - offset;
	while (done < length) {
		uint64_t at = offset + done;
		uint32_t within = at % bs;
		uint64_t n = bs - within;
		int64_t phys = vol_bmap(v, 0, in, at / bs, false, NULL);

		if (phys < 0)
			return phys;
		if (n > length - done)
			n = length - done;
		if (phys)
			memcpy((uint8_t *)buf + done,
			       vol_block(v, (uint32_t)phys) + within, n);
		else
			memset((uint8_t *)buf + done, 0, n);
		done += n;
	}
	return (int64_t)done;
}

int64_t vol_write(struct vol *v, uint32_t ino, uint64_t offset, const void *buf,
		  uint64_t length)
{
	uint32_t bs = v->sb.block_size;
	struct ext2_inode in;
	uint64_t done = 0;
	int err = vol_iget(v, ino, &in);

	if (err)
		return err;
	if (!ext2_is_reg(&in))
		return -EINVAL;
	if (offset + length > v->sb.max_file_size)
		return -EFBIG;
	while (done < length) {
		uint64_t at = offset + done;
		uint32_t within = at % bs;
		uint64_t n = bs - within;
		bool fresh;
		int64_t phys = vol_bmap(v, ino, &in, at / bs, true, &fresh);
		uint8_t *block;

		if (phys < 0) {
			err = (int)phys;
			break;
		}
		if (n > length - done)
			n = length - done;
		block = vol_block(v, (uint32_t)phys);
		if (fresh)
			memset(block, 0, bs);
		memcpy(block + within, (const uint8_t *)buf + done, n);
		done += n;
	}
	if (offset + done > in.size)
		in.size = offset + done;
	in.mtime = in.ctime = v->now;
	vol_iput(v, ino, &in);
	return done ? (int64_t)done : err;
}

/* Free every block from logical `keep` on; i_blocks follows. */
static int free_blocks_from(struct vol *v, struct ext2_inode *in, uint64_t keep)
{
	struct ext2_truncate t;
	uint8_t *buffer = NULL;
	int r;

	ext2_truncate_begin(&t, &v->sb, v->groups, in->block, keep);
	while ((r = ext2_truncate_step(&t, buffer, &v->msg)) > 0) {
		if (r == EXT2_WALK_READ) {
			buffer = vol_block(v, t.block);
		} else if (r == EXT2_WALK_FREE) {
			int err = free_block(v, t.block);

			if (err) {
				r = err;
				break;
			}
		}
	}
	in->blocks -= t.freed * (v->sb.block_size / 512);
	return r;
}

static int truncate_inode(struct vol *v, uint32_t ino, struct ext2_inode *in,
			  uint64_t size)
{
	uint32_t bs = v->sb.block_size;
	uint64_t keep = (size + bs - 1) / bs;
	int err = 0;

	if (size > v->sb.max_file_size)
		return -EFBIG;
	if (size < in->size) {
		err = free_blocks_from(v, in, keep);
		if (!err && size % bs) {
			/* What lies past the end must read as zeros later. */
			int64_t phys =
			    vol_bmap(v, ino, in, size / bs, false, NULL);

			if (phys > 0)
				memset(vol_block(v, (uint32_t)phys) + size % bs,
				       0, bs - size % bs);
			else if (phys < 0)
				err = (int)phys;
		}
	}
	if (!err)
		in->size = size;
	in->mtime = in->ctime = v->now;
	return err;
}

int vol_truncate(struct vol *v, uint32_t ino, uint64_t size)
{
	struct ext2_inode in;
	int err = vol_iget(v, ino, &in);

	if (err)
		return err;
	if (!ext2_is_reg(&in))
		return -EINVAL;
	err = truncate_inode(v, ino, &in, size);
	vol_iput(v, ino, &in);
	return err;
}

/* ---- directories -------------------------------------------------------- */

struct found {
	struct ext2_dirent entry;
	uint32_t prev;
	uint32_t block; /* physical */
};

/* The directory block behind logical block i: holes are corruption. */
static int dir_block(struct vol *v, uint32_t dir, struct ext2_inode *in,
		     uint64_t i, uint8_t **out, uint32_t *phys)
{
	int64_t b = vol_bmap(v, dir, in, i, false, NULL);

	if (b < 0)
		return (int)b;
	if (b == 0)
		return ext2_corrupt(&v->msg, "directory %u: hole at block %llu",
				    dir, (unsigned long long)i);
	*out = vol_block(v, (uint32_t)b);
	if (phys)
		*phys = (uint32_t)b;
	return 0;
}

static int dir_find(struct vol *v, uint32_t dir, struct ext2_inode *in,
		    const char *name, struct found *f)
{
	uint64_t blocks = in->size / v->sb.block_size;

	for (uint64_t i = 0; i < blocks; i++) {
		uint8_t *block;
		int r = dir_block(v, dir, in, i, &block, &f->block);

		if (r)
			return r;
		r = ext2_dir_find(&v->sb, block, name, (uint32_t)strlen(name),
				  &f->entry, &f->prev, &v->msg);
		if (r)
			return r;
	}
	return 0;
}

static int get_dir(struct vol *v, uint32_t dir, struct ext2_inode *in)
{
	int err = vol_iget(v, dir, in);

	if (err)
		return err;
	return ext2_is_dir(in) ? 0 : -ENOTDIR;
}

int vol_lookup(struct vol *v, uint32_t dir, const char *name, uint32_t *ino)
{
	struct ext2_inode in;
	struct found f;
	int r = get_dir(v, dir, &in);

	if (r)
		return r;
	r = dir_find(v, dir, &in, name, &f);
	if (r < 0)
		return r;
	if (r == 0)
		return -ENOENT;
	*ino = f.entry.inode;
	return 0;
}

int vol_resolve(struct vol *v, const char *path, uint32_t *ino)
{
	char part[EXT2_NAME_LEN + 1];
	uint32_t at = EXT2_ROOT_INO;

	while (*path) {
		size_t n = 0;
		int err;

		while (*path == '/')
			path++;
		if (!*path)
			break;
		while (path[n] && path[n] != '/')
			n++;
		if (n > EXT2_NAME_LEN)
			return -ENAMETOOLONG;
		memcpy(part, path, n);
		part[n] = '\0';
		path += n;
		err = vol_lookup(v, at, part, &at);
		if (err)
			return err;
	}
	*ino = at;
	return 0;
}

int vol_readdir(struct vol *v, uint32_t dir,
		int (*fn)(void *arg, const char *name, uint32_t length,
			  uint32_t ino, uint8_t file_type),
		void *arg)
{
	struct ext2_inode in;
	int r = get_dir(v, dir, &in);

	if (r)
		return r;
	for (uint64_t i = 0; i < in.size / v->sb.block_size; i++) {
		struct ext2_dirent e;
		uint8_t *block;
		uint32_t offset = 0;

		r = dir_block(v, dir, &in, i, &block, NULL);
		if (r)
			return r;
		while ((r = ext2_dir_next(&v->sb, block, offset, &e, &v->msg)) >
		       0) {
			r = fn(arg, e.name, e.name_len, e.inode, e.file_type);
			if (r)
				return r;
			offset = e.offset + e.rec_len;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* Add name -> ino to a directory, growing it by a block if it is full. */
static int dir_add(struct vol *v, uint32_t dir, struct ext2_inode *in,
		   const char *name, uint32_t ino, uint8_t file_type)
{
	uint32_t length = (uint32_t)strlen(name);
	uint64_t blocks = in->size / v->sb.block_size;
	bool fresh;
	int64_t phys;
	int r;

	for (uint64_t i = 0; i < blocks; i++) {
		uint8_t *block;

		r = dir_block(v, dir, in, i, &block, NULL);
		if (r)
			return r;
		r = ext2_dir_insert(&v->sb, block, name, length, ino, file_type,
				    &v->msg);
		if (r < 0)
			return r;
		if (r == 1)
			goto added;
	}
	phys = vol_bmap(v, dir, in, blocks, true, &fresh);
	if (phys < 0)
		return (int)phys;
	ext2_dir_init_empty(&v->sb, vol_block(v, (uint32_t)phys));
	r = ext2_dir_insert(&v->sb, vol_block(v, (uint32_t)phys), name, length,
			    ino, file_type, &v->msg);
	if (r != 1)
		return r < 0 ? r : -EIO;
	in->size += v->sb.block_size;
added:
	in->flags &= ~EXT2_INDEX_FL;
	in->mtime = in->ctime = v->now;
	return 0;
}

static int dir_empty(struct vol *v, uint32_t dir, struct ext2_inode *in)
{
	for (uint64_t i = 0; i < in->size / v->sb.block_size; i++) {
		uint8_t *block;
		int r = dir_block(v, dir, in, i, &block, NULL);

		if (r)
			return r;
		r = ext2_dir_block_empty(&v->sb, block, &v->msg);
		if (r != 1)
			return r;
	}
	return 1;
}

/* The last name of `ino` went: free its blocks and the inode itself. */
static int release_inode(struct vol *v, uint32_t ino, struct ext2_inode *in)
{
	uint32_t group = ext2_inode_group(&v->sb, ino);
	int err = 0;

	if (!ext2_is_fast_symlink(&v->sb, in))
		err = free_blocks_from(v, in, 0);
	if (!err && in->file_acl) {
		int r = ext2_xattr_block_release(
		    &v->sb, vol_block(v, in->file_acl), &v->msg);

		if (r == 1)
			r = free_block(v, in->file_acl);
		if (r < 0)
			err = r;
		in->file_acl = 0;
	}
	if (err)
		return err;
	memset(in->block, 0, sizeof(in->block));
	in->size = 0;
	in->blocks = 0;
	in->links = 0;
	in->dtime = v->now;
	vol_iput(v, ino, in);
	return ext2_inode_free(&v->sb, v->groups,
			       vol_block(v, v->groups[group].inode_bitmap), ino,
			       ext2_is_dir(in), &v->msg);
}

static int check_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || strchr(name, '/'))
		return -EINVAL;
	if (n > EXT2_NAME_LEN)
		return -ENAMETOOLONG;
	return 0;
}

/* Allocate and initialise a new inode of `mode` for directory `dir`. */
static int new_inode(struct vol *v, uint32_t dir, uint16_t mode,
		     uint32_t *ino_out, struct ext2_inode *out)
{
	bool is_dir = (mode & EXT2_S_IFMT) == EXT2_S_IFDIR;
	int64_t group, ino;
	int err;
	uint8_t *raw;

	group = ext2_pick_inode_group(&v->sb, v->groups,
				      ext2_inode_group(&v->sb, dir), is_dir);
	if (group < 0)
		return (int)group;
	ino = ext2_inode_alloc(&v->sb, v->groups, (uint32_t)group,
			       vol_block(v, v->groups[group].inode_bitmap),
			       is_dir, &v->msg);
	if (ino < 0)
		return (int)ino;
	raw = inode_raw(v, (uint32_t)ino, &err);
	if (!raw)
		return err;
	err = ext2_inode_check_unused(&v->sb, (uint32_t)ino, raw, &v->msg);
	if (err)
		return err;
	ext2_inode_init_raw(&v->sb, raw);
	memset(out, 0, sizeof(*out));
	out->mode = mode;
	out->links = 1;
	out->atime = out->ctime = out->mtime = v->now;
	*ino_out = (uint32_t)ino;
	return 0;
}

/* Undo new_inode (and whatever blocks it was given) after a failure. */
static void discard_inode(struct vol *v, uint32_t ino, struct ext2_inode *in)
{
	uint32_t group = ext2_inode_group(&v->sb, ino);

	free_blocks_from(v, in, 0);
	ext2_inode_free(&v->sb, v->groups,
			vol_block(v, v->groups[group].inode_bitmap), ino,
			ext2_is_dir(in), &v->msg);
}

/* A new node in `dir`: a file, a directory, or a symlink to `target`. */
static int make_node(struct vol *v, uint32_t dir, const char *name,
		     uint16_t mode, const char *target, uint32_t *ino)
{
	bool is_dir = (mode & EXT2_S_IFMT) == EXT2_S_IFDIR;
	size_t length = target ? strlen(target) : 0;
	struct ext2_inode parent, in;
	struct found f;
	int r = check_name(name);

	if (r)
		return r;
	if (target && (length == 0 || length >= v->sb.block_size))
		return -ENAMETOOLONG;
	r = get_dir(v, dir, &parent);
	if (r)
		return r;
	r = dir_find(v, dir, &parent, name, &f);
	if (r)
		return r < 0 ? r : -EEXIST;
	if (is_dir && parent.links >= EXT2_LINK_MAX)
		return -EMLINK;
	r = new_inode(v, dir, mode, ino, &in);
	if (r)
		return r;
	if (is_dir || length > EXT2_FAST_SYMLINK_MAX) {
		bool fresh;
		int64_t phys = vol_bmap(v, *ino, &in, 0, true, &fresh);
		uint8_t *block;

		if (phys < 0) {
			discard_inode(v, *ino, &in);
			return (int)phys;
		}
		block = vol_block(v, (uint32_t)phys);
		if (is_dir) {
			ext2_dir_init_dots(&v->sb, block, *ino, dir);
			in.size = v->sb.block_size;
			in.links = 2;
		} else {
			memset(block, 0, v->sb.block_size);
			memcpy(block, target, length);
			in.size = length;
		}
	} else if (target) {
		ext2_fast_symlink_set(&in, target, (uint32_t)length);
	}
	r = dir_add(v, dir, &parent, name, *ino, ext2_file_type(mode));
	if (r) {
		discard_inode(v, *ino, &in);
		return r;
	}
	vol_iput(v, *ino, &in);
	if (is_dir)
		parent.links++;
	return vol_iput(v, dir, &parent);
}

int vol_create(struct vol *v, uint32_t dir, const char *name, uint16_t mode,
	       uint32_t *ino)
{
	if ((mode & EXT2_S_IFMT) == EXT2_S_IFLNK)
		return -EINVAL;
	return make_node(v, dir, name, mode, NULL, ino);
}

int vol_symlink(struct vol *v, uint32_t dir, const char *name,
		const char *target, uint32_t *ino)
{
	return make_node(v, dir, name, EXT2_S_IFLNK | 0777, target, ino);
}

int64_t vol_readlink(struct vol *v, uint32_t ino, char *buf, uint64_t size)
{
	struct ext2_inode in;
	int r = vol_iget(v, ino, &in);

	if (r)
		return r;
	if (!ext2_is_symlink(&in))
		return -EINVAL;
	if (in.size > size)
		return -ERANGE;
	if (ext2_is_fast_symlink(&v->sb, &in)) {
		ext2_fast_symlink_target(&in, buf);
		return (int64_t)in.size;
	}
	return vol_read(v, &in, 0, buf, in.size);
}

int vol_unlink(struct vol *v, uint32_t dir, const char *name)
{
	struct ext2_inode parent, in;
	struct found f;
	int r = get_dir(v, dir, &parent);

	if (r)
		return r;
	r = dir_find(v, dir, &parent, name, &f);
	if (r <= 0)
		return r < 0 ? r : -ENOENT;
	r = vol_iget(v, f.entry.inode, &in);
	if (r)
		return r;
	if (ext2_is_dir(&in))
		return -EISDIR;
	ext2_dir_remove(&v->sb, vol_block(v, f.block), &f.entry, f.prev);
	parent.flags &= ~EXT2_INDEX_FL;
	parent.mtime = parent.ctime = v->now;
	vol_iput(v, dir, &parent);
	in.links--;
	in.ctime = v->now;
	if (in.links == 0)
		return release_inode(v, f.entry.inode, &in);
	return vol_iput(v, f.entry.inode, &in);
}

int vol_rmdir(struct vol *v, uint32_t dir, const char *name)
{
	struct ext2_inode parent, in;
	struct found f;
	int r = get_dir(v, dir, &parent);

	if (r)
		return r;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	r = dir_find(v, dir, &parent, name, &f);
	if (r <= 0)
		return r < 0 ? r : -ENOENT;
	r = get_dir(v, f.entry.inode, &in);
	if (r)
		return r;
	r = dir_empty(v, f.entry.inode, &in);
	if (r <= 0)
		return r < 0 ? r : -ENOTEMPTY;
	ext2_dir_remove(&v->sb, vol_block(v, f.block), &f.entry, f.prev);
	parent.flags &= ~EXT2_INDEX_FL;
	parent.links--;
	parent.mtime = parent.ctime = v->now;
	vol_iput(v, dir, &parent);
	return release_inode(v, f.entry.inode, &in);
}

/* Point `dir`'s ".." at new_parent. */
static int set_dotdot(struct vol *v, uint32_t dir, uint32_t new_parent)
{
	struct ext2_inode in;
	struct found f;
	int r = get_dir(v, dir, &in);

	if (r)
		return r;
	r = dir_find(v, dir, &in, "..", &f);
	if (r <= 0)
		return r < 0 ? r
			     : ext2_corrupt(&v->msg, "directory %u has no ..",
					    dir);
	ext2_dir_set_inode(&v->sb, vol_block(v, f.block), f.entry.offset,
			   new_parent, EXT2_FT_DIR);
	return 0;
}

int vol_rename(struct vol *v, uint32_t old_dir, const char *old_name,
	       uint32_t new_dir, const char *new_name)
{
	struct ext2_inode src, target, odir, ndir;
	struct found fs, ft;
	bool replacing, is_dir;
	int r = check_name(new_name);

	if (r)
		return r;
	r = get_dir(v, old_dir, &odir);
	if (!r)
		r = get_dir(v, new_dir, &ndir);
	if (r)
		return r;
	r = dir_find(v, old_dir, &odir, old_name, &fs);
	if (r <= 0)
		return r < 0 ? r : -ENOENT;
	r = vol_iget(v, fs.entry.inode, &src);
	if (r)
		return r;
	is_dir = ext2_is_dir(&src);
	r = dir_find(v, new_dir, &ndir, new_name, &ft);
	if (r < 0)
		return r;
	replacing = r == 1;
	if (replacing) {
		if (ft.entry.inode == fs.entry.inode)
			return 0;
		r = vol_iget(v, ft.entry.inode, &target);
		if (r)
			return r;
		if (is_dir != ext2_is_dir(&target))
			return is_dir ? -ENOTDIR : -EISDIR;
		if (is_dir) {
			r = dir_empty(v, ft.entry.inode, &target);
			if (r <= 0)
				return r < 0 ? r : -ENOTEMPTY;
		}
		ext2_dir_set_inode(&v->sb, vol_block(v, ft.block),
				   ft.entry.offset, fs.entry.inode,
				   ext2_file_type(src.mode));
	} else {
		if (is_dir && old_dir != new_dir && ndir.links >= EXT2_LINK_MAX)
			return -EMLINK;
		r = dir_add(v, new_dir, &ndir, new_name, fs.entry.inode,
			    ext2_file_type(src.mode));
		if (r)
			return r;
	}
	ndir.mtime = ndir.ctime = v->now;
	ndir.flags &= ~EXT2_INDEX_FL;
	if (is_dir && old_dir != new_dir && !replacing)
		ndir.links++;
	vol_iput(v, new_dir, &ndir);

	/* Remove the old name (found again: the add may have moved it). */
	r = get_dir(v, old_dir, &odir);
	if (!r)
		r = dir_find(v, old_dir, &odir, old_name, &fs);
	if (r <= 0)
		return r < 0 ? r : -EIO;
	ext2_dir_remove(&v->sb, vol_block(v, fs.block), &fs.entry, fs.prev);
	odir.mtime = odir.ctime = v->now;
	odir.flags &= ~EXT2_INDEX_FL;
	if (is_dir) {
		if (old_dir != new_dir)
			odir.links--;
		else if (replacing)
			odir.links--; /* the replaced directory's ".." */
		r = set_dotdot(v, fs.entry.inode, new_dir);
		if (r)
			return r;
	}
	vol_iput(v, old_dir, &odir);
	if (replacing) {
		/* A replaced directory's ".." no longer counts for new_dir,
		 * src's does instead: new_dir's count stays. */
		target.links = is_dir ? 0 : target.links - 1;
		target.ctime = v->now;
		if (target.links == 0)
			return release_inode(v, ft.entry.inode, &target);
		return vol_iput(v, ft.entry.inode, &target);
	}
	return 0;
}

/* ---- fixtures ----------------------------------------------------------- */

static char fixture_dir[64];

static void remove_fixture_dir(void)
{
	char command[128];

	if (!fixture_dir[0])
		return;
	snprintf(command, sizeof(command), "rm -rf '%s'", fixture_dir);
	if (system(command) != 0)
		fprintf(stderr, "could not remove %s\n", fixture_dir);
}

const char *fx_dir(void)
{
	if (!fixture_dir[0]) {
		snprintf(fixture_dir, sizeof(fixture_dir),
			 "/tmp/keel-ext2-XXXXXX");
		if (!mkdtemp(fixture_dir)) {
			perror("mkdtemp");
			abort();
		}
		atexit(remove_fixture_dir);
	}
	return fixture_dir;
}

int fx_run(const char *fmt, ...)
{
	char command[4096];
	va_list ap;
	int status;

	va_start(ap, fmt);
	vsnprintf(command, sizeof(command) - 32, fmt, ap);
	va_end(ap);
	memmove(command + 1, command, strlen(command) + 1);
	command[0] = '(';
	strcat(command, ") >/dev/null 2>&1");
	status = system(command);
	return status < 0 ? -1 : WEXITSTATUS(status);
}

const char *fx_query(const char *key, const char *fmt, ...)
{
	static char line[1024];
	char command[4096];
	size_t key_length = strlen(key);
	va_list ap;
	FILE *p;

	va_start(ap, fmt);
	vsnprintf(command, sizeof(command), fmt, ap);
	va_end(ap);
	p = popen(command, "r");
	if (!p)
		return "";
	while (fgets(line, sizeof(line), p)) {
		if (!strncmp(line, key, key_length)) {
			line[strcspn(line, "\n")] = '\0';
			while (fgets(command, sizeof(command), p))
				;
			pclose(p);
			return line + key_length;
		}
	}
	pclose(p);
	return "";
}

bool fx_have_e2fsprogs(void)
{
	return fx_run("command -v mke2fs && command -v e2fsck && "
		      "command -v debugfs") == 0;
}

uint8_t *fx_slurp(const char *path, uint64_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	data = malloc(n > 0 ? (size_t)n : 1);
	if (data && fread(data, 1, (size_t)n, f) != (size_t)n) {
		free(data);
		data = NULL;
	}
	fclose(f);
	*size = (uint64_t)n;
	return data;
}
