/*
 * alloc.c - taking and giving back blocks and inodes, as futures.
 *
 * Allocation is choose, read, take:
 *
 *   1. choose a group with something free (fs->lock: the descriptors),
 *   2. await its bitmap block from the cache (no lock held),
 *   3. under fs->lock take the first free bit (ext2_block_alloc or
 *      ext2_inode_alloc), which re-checks the counts: if another
 *      operation emptied the group meanwhile, go back to 1 with the next
 *      group.  Each group is tried at most once.
 *
 * The bitmap and the in-memory descriptors and superblock change
 * together; the bitmap buffer is marked dirty, the descriptors are
 * encoded at sync.  Freeing is the same without the choice.  No lock is
 * held across an await, so allocations from concurrent operations
 * interleave freely.
 */
#include "ext2.h"

static enum keel_poll alloc_poll(struct keel_future *future,
				 struct keel_context *cx)
{
	struct ext2_alloc *a = (struct ext2_alloc *)future;
	struct ext2_fs *fs = a->fs;
	int64_t r, got;

	KEEL_ASYNC_BEGIN(&a->co);
	for (a->tries = 0; a->tries < fs->sb.group_count; a->tries++) {
		uint32_t bitmap;

		keel_spin_lock(&fs->lock);
		if (a->inode)
			r = ext2_pick_inode_group(&fs->sb, fs->groups, a->group,
						  a->is_dir);
		else
			r = ext2_pick_block_group(&fs->sb, fs->groups,
						  a->group);
		if (r >= 0) {
			a->group = (uint32_t)r;
			bitmap = a->inode ? fs->groups[r].inode_bitmap
					  : fs->groups[r].block_bitmap;
		}
		keel_spin_unlock(&fs->lock);
		if (r < 0)
			KEEL_ASYNC_RETURN(&a->co, &a->base, r);
		KEEL_AWAIT(
		    &a->co, cx,
		    ext2_get(&a->get, fs, bitmap, EXT2_GET_READ, &a->bitmap),
		    r);
		if (r < 0)
			KEEL_ASYNC_RETURN(&a->co, &a->base, r);
		keel_spin_lock(&fs->lock);
		if (a->inode)
			got = ext2_inode_alloc(&fs->sb, fs->groups, a->group,
					       a->bitmap->data, a->is_dir,
					       &a->msg);
		else
			got =
			    ext2_block_alloc(&fs->sb, fs->groups, a->group,
					     a->bitmap->data, a->goal, &a->msg);
		if (got >= 0) {
			ext2_buf_dirty_locked(fs, a->bitmap);
			fs->super_dirty = true;
		}
		keel_spin_unlock(&fs->lock);
		ext2_put(fs, a->bitmap);
		a->bitmap = NULL;
		if (got == -EUCLEAN)
			ext2_report(fs, &a->msg);
		if (got != -ENOSPC)
			KEEL_ASYNC_RETURN(&a->co, &a->base, got);
		/* Emptied by someone else meanwhile: the next group. */
		a->group = (a->group + 1) % fs->sb.group_count;
		a->goal = 0;
	}
	KEEL_ASYNC_END(&a->co, &a->base, -ENOSPC);
}

static void alloc_drop(struct keel_future *future)
{
	struct ext2_alloc *a = (struct ext2_alloc *)future;

	keel_async_drop(&a->co);
	ext2_put(a->fs, a->bitmap);
	a->bitmap = NULL;
}

static const struct keel_future_vtable alloc_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "ext2-alloc",
    .poll = alloc_poll,
    .drop = alloc_drop,
};

struct keel_int_future *ext2_alloc_block(struct ext2_alloc *a,
					 struct ext2_fs *fs, uint32_t goal)
{
	*a = (struct ext2_alloc){.base.future.vtable = &alloc_vtable};
	a->fs = fs;
	if (goal < fs->sb.first_data_block || goal >= fs->sb.blocks_count)
		goal = 0;
	a->goal = goal;
	a->group = goal ? ext2_block_group(&fs->sb, goal) : 0;
	return &a->base;
}

struct keel_int_future *ext2_alloc_inode(struct ext2_alloc *a,
					 struct ext2_fs *fs, uint32_t parent,
					 bool is_dir)
{
	*a = (struct ext2_alloc){.base.future.vtable = &alloc_vtable};
	a->fs = fs;
	a->inode = true;
	a->is_dir = is_dir;
	a->group = ext2_inode_group(&fs->sb, parent);
	return &a->base;
}

/* ---- giving back ------------------------------------------------------------
 */

static enum keel_poll release_poll(struct keel_future *future,
				   struct keel_context *cx)
{
	struct ext2_release_bit *rb = (struct ext2_release_bit *)future;
	struct ext2_fs *fs = rb->fs;
	uint32_t group, bitmap;
	int64_t r;

	KEEL_ASYNC_BEGIN(&rb->co);
	if (rb->inode) {
		if (rb->number == 0 || rb->number > fs->sb.inodes_count)
			KEEL_ASYNC_RETURN(&rb->co, &rb->base, -EUCLEAN);
		group = ext2_inode_group(&fs->sb, rb->number);
		bitmap = fs->groups[group].inode_bitmap;
	} else {
		if (!ext2_block_is_data(&fs->sb, fs->groups, rb->number)) {
			ext2_msg_set(&rb->msg,
				     "freeing block %u, not a data "
				     "block",
				     rb->number);
			ext2_report(fs, &rb->msg);
			KEEL_ASYNC_RETURN(&rb->co, &rb->base, -EUCLEAN);
		}
		group = ext2_block_group(&fs->sb, rb->number);
		bitmap = fs->groups[group].block_bitmap;
	}
	KEEL_AWAIT(&rb->co, cx,
		   ext2_get(&rb->get, fs, bitmap, EXT2_GET_READ, &rb->bitmap),
		   r);
	if (r < 0)
		KEEL_ASYNC_RETURN(&rb->co, &rb->base, r);
	keel_spin_lock(&fs->lock);
	if (rb->inode)
		r = ext2_inode_free(&fs->sb, fs->groups, rb->bitmap->data,
				    rb->number, rb->is_dir, &rb->msg);
	else
		r = ext2_block_free(&fs->sb, fs->groups, rb->bitmap->data,
				    rb->number, &rb->msg);
	if (r == 0) {
		ext2_buf_dirty_locked(fs, rb->bitmap);
		fs->super_dirty = true;
	}
	keel_spin_unlock(&fs->lock);
	ext2_put(fs, rb->bitmap);
	rb->bitmap = NULL;
	if (r < 0)
		ext2_report(fs, &rb->msg);
	KEEL_ASYNC_END(&rb->co, &rb->base, r);
}

static void release_drop(struct keel_future *future)
{
	struct ext2_release_bit *rb = (struct ext2_release_bit *)future;

	keel_async_drop(&rb->co);
	ext2_put(rb->fs, rb->bitmap);
	rb->bitmap = NULL;
}

static const struct keel_future_vtable release_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "ext2-free",
    .poll = release_poll,
    .drop = release_drop,
};

struct keel_int_future *ext2_free_block(struct ext2_release_bit *rb,
					struct ext2_fs *fs, uint32_t block)
{
	*rb = (struct ext2_release_bit){.base.future.vtable = &release_vtable};
	rb->fs = fs;
	rb->number = block;
	return &rb->base;
}

struct keel_int_future *ext2_free_inode(struct ext2_release_bit *rb,
					struct ext2_fs *fs, uint32_t ino,
					bool is_dir)
{
	*rb = (struct ext2_release_bit){.base.future.vtable = &release_vtable};
	rb->fs = fs;
	rb->number = ino;
	rb->inode = true;
	rb->is_dir = is_dir;
	return &rb->base;
}
