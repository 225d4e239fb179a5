/*
 * map.c - the block map walks of bmap.c, driven through the cache.
 *
 * bmap.c's walks stop whenever they need a block's contents or a block
 * allocated or freed; here each such stop becomes an await: a cache get,
 * an allocation, a free.  Every step of a walk runs under fs->lock (it
 * reads and writes the inode's pointers and the indirect block's bytes),
 * so a read mapping a file while a write grows it sees each pointer
 * either old or new, never half-written.  i_blocks follows every block
 * taken or given back at the step that did it, so an error part-way
 * leaves the inode consistent with its blocks.
 */
#include "ext2.h"

/* ---- mapping (and allocating) one logical block
 * ------------------------------ */

static enum keel_poll mapper_poll(struct keel_future *future,
				  struct keel_context *cx)
{
	struct ext2_mapper *mp = (struct ext2_mapper *)future;
	struct ext2_fs *fs = mp->fs;
	uint32_t sectors = fs->sb.block_size / 512;
	uint32_t before;
	int64_t r;

	KEEL_ASYNC_BEGIN(&mp->co);
	for (;;) {
		keel_spin_lock(&fs->lock);
		before = mp->map.allocated;
		mp->step = ext2_map_step(
		    &mp->map, mp->buf ? mp->buf->data : NULL, &mp->msg);
		if (mp->map.dirty)
			ext2_buf_dirty_locked(fs, mp->buf);
		mp->inode->blocks += (mp->map.allocated - before) * sectors;
		keel_spin_unlock(&fs->lock);
		if (mp->step < 0) {
			if (mp->step == -EUCLEAN)
				ext2_report(fs, &mp->msg);
			break;
		}
		if (mp->step == EXT2_WALK_DONE)
			break;
		if (mp->step == EXT2_WALK_READ) {
			ext2_put(fs, mp->buf);
			mp->buf = NULL;
			KEEL_AWAIT(&mp->co, cx,
				   ext2_get(&mp->get, fs, mp->map.block,
					    mp->map.fresh, &mp->buf),
				   r);
			if (r < 0) {
				mp->step = (int)r;
				break;
			}
			if (mp->map.fresh) { /* a new indirect block: zeros */
				keel_spin_lock(&fs->lock);
				ext2_buf_dirty_locked(fs, mp->buf);
				keel_spin_unlock(&fs->lock);
			}
			continue;
		}
		/* EXT2_WALK_ALLOC: the rest of the path must fit, or none. */
		keel_spin_lock(&fs->lock);
		r = fs->sb.free_blocks <
			    (uint32_t)(mp->map.depth - mp->map.level)
			? -ENOSPC
			: 0;
		keel_spin_unlock(&fs->lock);
		if (r < 0) {
			mp->step = (int)r;
			break;
		}
		KEEL_AWAIT(
		    &mp->co, cx,
		    ext2_alloc_block(
			&mp->alloc, fs,
			mp->map.goal
			    ? mp->map.goal
			    : ext2_group_first_block(
				  &fs->sb, ext2_inode_group(&fs->sb, mp->ino))),
		    r);
		if (r < 0) {
			mp->step = (int)r;
			break;
		}
		mp->map.block = (uint32_t)r;
	}
	ext2_put(fs, mp->buf);
	mp->buf = NULL;
	if (mp->step < 0)
		KEEL_ASYNC_RETURN(&mp->co, &mp->base, mp->step);
	if (mp->fresh)
		*mp->fresh = mp->map.fresh;
	KEEL_ASYNC_END(&mp->co, &mp->base, mp->map.block);
}

static void mapper_drop(struct keel_future *future)
{
	struct ext2_mapper *mp = (struct ext2_mapper *)future;

	keel_async_drop(&mp->co);
	ext2_put(mp->fs, mp->buf);
	mp->buf = NULL;
}

static const struct keel_future_vtable mapper_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "ext2-bmap",
    .poll = mapper_poll,
    .drop = mapper_drop,
};

struct keel_int_future *ext2_bmap(struct ext2_mapper *mp, struct ext2_fs *fs,
				  struct ext2_inode *inode, uint32_t ino,
				  uint64_t logical, bool create, bool *fresh)
{
	int err;

	mp->base.future.vtable = &mapper_vtable;
	mp->base.result = 0;
	mp->co = (struct keel_async)KEEL_ASYNC_INIT;
	mp->fs = fs;
	mp->inode = inode;
	mp->ino = ino;
	mp->buf = NULL;
	mp->fresh = fresh;
	keel_spin_lock(&fs->lock);
	err = ext2_map_begin(&mp->map, &fs->sb, fs->groups, inode->block,
			     logical, create, &mp->msg);
	keel_spin_unlock(&fs->lock);
	if (err) {
		/* Nothing to walk: the first poll gives the error. */
		mp->co.resume = KEEL_ASYNC_DONE;
		mp->base.result = err;
	}
	return &mp->base;
}

/* ---- freeing a file's blocks from some point on
 * -------------------------------- */

static enum keel_poll trunc_poll(struct keel_future *future,
				 struct keel_context *cx)
{
	struct ext2_trunc *t = (struct ext2_trunc *)future;
	struct ext2_fs *fs = t->fs;
	uint32_t sectors = fs->sb.block_size / 512;
	uint32_t before;
	int64_t r;

	KEEL_ASYNC_BEGIN(&t->co);
	for (;;) {
		keel_spin_lock(&fs->lock);
		before = t->walk.freed;
		t->step = ext2_truncate_step(
		    &t->walk, t->buf ? t->buf->data : NULL, &t->msg);
		if (t->walk.dirty)
			ext2_buf_dirty_locked(fs, t->buf);
		t->inode->blocks -= (t->walk.freed - before) * sectors;
		keel_spin_unlock(&fs->lock);
		if (t->step < 0) {
			if (t->step == -EUCLEAN)
				ext2_report(fs, &t->msg);
			break;
		}
		if (t->step == EXT2_WALK_DONE)
			break;
		if (t->step == EXT2_WALK_READ) {
			ext2_put(fs, t->buf);
			t->buf = NULL;
			KEEL_AWAIT(&t->co, cx,
				   ext2_get(&t->get, fs, t->walk.block,
					    EXT2_GET_READ, &t->buf),
				   r);
		} else {
			KEEL_AWAIT(
			    &t->co, cx,
			    ext2_free_block(&t->release, fs, t->walk.block), r);
		}
		if (r < 0) {
			t->step = (int)r;
			break;
		}
	}
	ext2_put(fs, t->buf);
	t->buf = NULL;
	KEEL_ASYNC_END(&t->co, &t->base, t->step);
}

static void trunc_drop(struct keel_future *future)
{
	struct ext2_trunc *t = (struct ext2_trunc *)future;

	keel_async_drop(&t->co);
	ext2_put(t->fs, t->buf);
	t->buf = NULL;
}

static const struct keel_future_vtable trunc_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "ext2-truncate",
    .poll = trunc_poll,
    .drop = trunc_drop,
};

struct keel_int_future *ext2_free_blocks(struct ext2_trunc *t,
					 struct ext2_fs *fs,
					 struct ext2_inode *inode,
					 uint64_t keep)
{
	t->base.future.vtable = &trunc_vtable;
	t->base.result = 0;
	t->co = (struct keel_async)KEEL_ASYNC_INIT;
	t->fs = fs;
	t->inode = inode;
	t->buf = NULL;
	t->step = 0;
	keel_spin_lock(&fs->lock);
	ext2_truncate_begin(&t->walk, &fs->sb, fs->groups, inode->block, keep);
	keel_spin_unlock(&fs->lock);
	return &t->base;
}
