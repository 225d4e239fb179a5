/*
 * bmap.c - from a file's logical blocks to the volume's physical blocks.
 *
 * An inode has 15 pointers.  With A = block_size / 4 pointers per
 * indirect block:
 *
 *   block[0..11]  logical blocks 0..11 directly
 *   block[12]     an indirect block: A pointers to logical 12 .. 12+A-1
 *   block[13]     a double-indirect block: A pointers to indirect blocks,
 *                 logical 12+A .. 12+A+A^2-1
 *   block[14]     a triple-indirect block: 12+A+A^2 .. 12+A+A^2+A^3-1
 *
 * A zero pointer at any level is a hole: the blocks below it read as
 * zeros and hold no disk space.  i_blocks counts every block the inode
 * holds, indirect ones included, in 512-byte units.
 *
 * The two walks here (map: find or allocate the block behind a logical
 * block; truncate: free everything from a logical block on) need to read
 * indirect blocks as they go, and this file does no I/O.  So each walk is
 * a small state machine that stops whenever it needs something and says
 * what (enum ext2_walk): the contents of a block, a newly allocated
 * block, or the freeing of one.  Its driver does that - the module with
 * an await on its block cache, the host tests with a memcpy from an image
 * - and calls the step function again.  The machine keeps its position
 * in its own struct, so it is as happy inside a future as on a stack.
 *
 * Every pointer read from disk is checked (ext2_check_data_block) before
 * it is followed or freed: a corrupt indirect block gives -EUCLEAN, never
 * a write to the inode table.
 */
#include "ondisk.h"

int ext2_block_path(uint32_t pointers_per_block, uint64_t logical,
		    uint32_t offsets[4])
{
	uint64_t a = pointers_per_block;

	if (logical < EXT2_NDIR_BLOCKS) {
		offsets[0] = (uint32_t)logical;
		return 1;
	}
	logical -= EXT2_NDIR_BLOCKS;
	if (logical < a) {
		offsets[0] = EXT2_IND_BLOCK;
		offsets[1] = (uint32_t)logical;
		return 2;
	}
	logical -= a;
	if (logical < a * a) {
		offsets[0] = EXT2_DIND_BLOCK;
		offsets[1] = (uint32_t)(logical / a);
		offsets[2] = (uint32_t)(logical % a);
		return 3;
	}
	logical -= a * a;
	if (logical < a * a * a) {
		offsets[0] = EXT2_TIND_BLOCK;
		offsets[1] = (uint32_t)(logical / (a * a));
		offsets[2] = (uint32_t)(logical / a % a);
		offsets[3] = (uint32_t)(logical % a);
		return 4;
	}
	return -EFBIG;
}

/* ---- map ------------------------------------------------------------------
 */

int ext2_map_begin(struct ext2_map *map, const struct ext2_super *sb,
		   const struct ext2_group *groups, uint32_t *i_block,
		   uint64_t logical, bool create, struct ext2_msg *m)
{
	int depth;

	*map = (struct ext2_map){0};
	depth = ext2_block_path(sb->pointers_per_block, logical, map->offsets);
	if (depth < 0) {
		ext2_msg_set(m, "logical block %llu beyond the largest file",
			     (unsigned long long)logical);
		return depth;
	}
	map->sb = sb;
	map->groups = groups;
	map->i_block = i_block;
	map->depth = (uint8_t)depth;
	map->create = create;
	return 0;
}

/*
 * Where to put a new block at `index` of this level: after the nearest
 * pointer before it (Linux's ext2_find_near), else after the block that
 * holds the pointers, else anywhere (0: the driver decides).
 */
static uint32_t find_goal(const struct ext2_map *map, const uint8_t *buffer,
			  uint32_t index)
{
	while (index-- > 0) {
		uint32_t p = map->level ? ext2_get32(buffer, 4 * index)
					: map->i_block[index];

		if (p && p + 1 < map->sb->blocks_count)
			return p + 1;
	}
	return map->level ? map->chain[map->level - 1] + 1 : 0;
}

int ext2_map_step(struct ext2_map *map, uint8_t *buffer, struct ext2_msg *m)
{
	uint32_t index = map->offsets[map->level];
	uint32_t ptr;
	int err;

	map->dirty = false;
	if (map->level > 0 && !buffer)
		return -EINVAL;
	if (map->alloc_pending) {
		ptr = map->block;
		map->alloc_pending = false;
		if (!ext2_block_is_data(map->sb, map->groups, ptr)) {
			ext2_msg_set(
			    m, "allocated block %u is not a data block", ptr);
			return -EINVAL;
		}
		if (map->level == 0) {
			map->i_block[index] = ptr;
			map->inode_dirty = true;
		} else {
			ext2_put32(buffer, 4 * index, ptr);
			map->dirty = true;
		}
		map->allocated++;
		map->fresh = true;
	} else {
		ptr = map->level ? ext2_get32(buffer, 4 * index)
				 : map->i_block[index];
		map->fresh = false;
		if (ptr == 0) {
			if (!map->create) {
				map->block = 0;
				return EXT2_WALK_DONE;
			}
			map->goal = find_goal(map, buffer, index);
			map->alloc_pending = true;
			return EXT2_WALK_ALLOC;
		}
		err = ext2_check_data_block(map->sb, map->groups, ptr, m);
		if (err)
			return err;
	}
	map->chain[map->level] = ptr;
	map->block = ptr;
	if (map->level + 1 == map->depth)
		return EXT2_WALK_DONE;
	map->level++;
	return EXT2_WALK_READ;
}

/* ---- truncate -------------------------------------------------------------
 */

/* Logical blocks under one entry of a block of `height` (A^(height-1)). */
static uint64_t entry_span(uint32_t pointers, unsigned height)
{
	uint64_t span = 1;

	while (--height)
		span *= pointers;
	return span;
}

void ext2_truncate_begin(struct ext2_truncate *t, const struct ext2_super *sb,
			 const struct ext2_group *groups, uint32_t *i_block,
			 uint64_t keep)
{
	*t = (struct ext2_truncate){0};
	t->sb = sb;
	t->groups = groups;
	t->i_block = i_block;
	t->keep = keep;
	t->slot = keep < EXT2_NDIR_BLOCKS ? (uint32_t)keep : EXT2_NDIR_BLOCKS;
}

static void push(struct ext2_truncate *t, uint32_t block, unsigned height,
		 uint64_t keep, bool whole)
{
	struct ext2_truncate_frame *f = &t->frame[t->top++];
	uint64_t span = entry_span(t->sb->pointers_per_block, height);

	f->block = block;
	f->height = (uint8_t)height;
	f->whole = whole;
	f->keep = keep;
	f->index = whole ? 0 : (uint32_t)(keep / span);
}

/*
 * Look at the inode's next pointer: EXT2_WALK_FREE for a direct block to
 * free, 0 to go on (maybe with a frame pushed), or a negative errno.
 */
static int next_slot(struct ext2_truncate *t, struct ext2_msg *m)
{
	uint64_t a = t->sb->pointers_per_block;
	uint32_t s = t->slot++;
	uint32_t ptr = t->i_block[s];
	uint64_t base, cover;
	unsigned height;
	int err;

	if (!ptr)
		return 0;
	err = ext2_check_data_block(t->sb, t->groups, ptr, m);
	if (err)
		return err;
	if (s < EXT2_NDIR_BLOCKS) {
		t->i_block[s] = 0;
		t->inode_dirty = true;
		t->block = ptr;
		t->freed++;
		return EXT2_WALK_FREE;
	}
	height = s - EXT2_NDIR_BLOCKS + 1;
	base = EXT2_NDIR_BLOCKS;
	cover = a;
	for (unsigned h = 1; h < height; h++) {
		base += cover;
		cover *= a;
	}
	if (t->keep >= base + cover)
		return 0;
	if (t->keep <= base) {
		t->i_block[s] = 0;
		t->inode_dirty = true;
		push(t, ptr, height, 0, true);
	} else {
		push(t, ptr, height, t->keep - base, false);
	}
	return 0;
}

int ext2_truncate_step(struct ext2_truncate *t, uint8_t *buffer,
		       struct ext2_msg *m)
{
	uint32_t a = t->sb->pointers_per_block;
	int err;

	t->dirty = false;
	for (;;) {
		struct ext2_truncate_frame *f;
		uint64_t span, first;
		uint32_t index, ptr;

		if (t->top == 0) {
			if (t->slot >= EXT2_N_BLOCKS)
				return EXT2_WALK_DONE;
			err = next_slot(t, m);
			if (err) /* EXT2_WALK_FREE or an error */
				return err;
			continue;
		}
		f = &t->frame[t->top - 1];
		if (t->current != f->block || !buffer) {
			t->current = f->block;
			t->block = f->block;
			return EXT2_WALK_READ;
		}
		if (f->index >= a) {
			t->top--;
			if (f->whole) {
				t->block = f->block;
				t->freed++;
				return EXT2_WALK_FREE;
			}
			continue;
		}
		index = f->index++;
		ptr = ext2_get32(buffer, 4 * index);
		if (!ptr)
			continue;
		err = ext2_check_data_block(t->sb, t->groups, ptr, m);
		if (err)
			return err;
		span = entry_span(a, f->height);
		first = index * span;
		if (!f->whole && first < f->keep) {
			/* Straddles the end: some of it stays. */
			if (f->height > 1 && first + span > f->keep)
				push(t, ptr, f->height - 1, f->keep - first,
				     false);
			continue;
		}
		if (!f->whole) {
			ext2_put32(buffer, 4 * index, 0);
			t->dirty = true;
		}
		if (f->height == 1) {
			t->block = ptr;
			t->freed++;
			return EXT2_WALK_FREE;
		}
		push(t, ptr, f->height - 1, 0, true);
	}
}
