/*
 * file.c - reading, writing and truncating files.
 *
 * Read is where asynchrony pays.  A read of N blocks does not read block
 * 1, then block 2, ...: it keeps up to `depth` block gets in flight at
 * once, each in a slot of its own, so the disk sees them together and
 * completes them in whatever order it likes.
 *
 *     map block 0 ─► get 0 ─┐
 *     map block 1 ─► get 1 ─┤  in flight together (depth slots)
 *     map block 2 ─► get 2 ─┤
 *       ...                 │
 *     poll every slot ◄─────┘  a finished one: copy its part out,
 *                              unpin, reuse the slot for the next block
 *
 * Mapping a block may itself wait (an indirect block not yet cached);
 * the slots already in flight keep going meanwhile, and their
 * completions wake the read, which collects them after the map.  Holes
 * are zero-filled without a slot.  In synchronous mode the depth is 1:
 * one block at a time, the baseline the benchmark compares against.
 *
 * Write copies each block's part into the cached buffer (reading the
 * block first only when it is partly overwritten and already existed)
 * and writes the block through at once (ext2_buf_write, which keeps the
 * buffer pinned until the disk has it): file data is left dirty in the
 * cache only by a write that failed or was cancelled, for the next sync.
 * The writes of one call are in flight together up to the same depth.
 *
 * The file's readers-writer lock (rwlock.c) keeps them apart: reads share
 * it from before their first map to after their last copy, write and
 * truncate hold it alone.  So reads of a file run together, a file's
 * block map changes one operation at a time, and no read ever copies out
 * a block that a truncate freed (and a write took again) after the read
 * had mapped it.  A read sizes itself once it holds the lock: what it
 * returns is the file as it was at one moment, old or new, never a
 * mixture.
 */
#include <keel/future_ready.h>

#include "ext2.h"

static int64_t vfs_result(int64_t r)
{
	return r == -EUCLEAN ? -EIO : r;
}

/* ---- read
 * --------------------------------------------------------------------- */

struct read_slot {
	struct ext2_get get;
	struct ext2_buf *buf;
	uint64_t logical;
	bool busy;
};

struct read_op {
	struct keel_int_future base;
	struct keel_async co;
	struct ext2_node *node;
	struct ext2_fs *fs;
	uint8_t *dest;
	uint64_t offset, want; /* as asked */
	uint64_t length;       /* clamped to the file, under the lock */
	uint64_t next, end;    /* logical blocks: next to map, past last */
	uint32_t depth, inflight;
	bool locked;
	int64_t error;
	struct ext2_rw_wait rw_wait;
	struct ext2_mapper mapper;
	struct read_slot slots[]; /* depth of them */
};

/* Copy what block `logical` holds of the read (data NULL: a hole). */
static void copy_out(struct read_op *op, uint64_t logical, const uint8_t *data)
{
	uint64_t bs = op->fs->sb.block_size;
	uint64_t start = logical * bs, stop = start + bs;
	uint64_t end = op->offset + op->length;

	if (start < op->offset)
		start = op->offset;
	if (stop > end)
		stop = end;
	if (data)
		memcpy(op->dest + (start - op->offset),
		       data + (start - logical * bs), stop - start);
	else
		memset(op->dest + (start - op->offset), 0, stop - start);
}

/* Poll one busy slot; true when it finished. */
static bool poll_slot(struct read_op *op, struct read_slot *slot,
		      struct keel_context *cx)
{
	struct ext2_fs *fs = op->fs;

	if (keel_future_poll(&slot->get.base.future, cx) == KEEL_PENDING)
		return false;
	if (slot->get.base.result < 0) {
		if (!op->error)
			op->error = slot->get.base.result;
	} else {
		keel_spin_lock(&fs->lock);
		copy_out(op, slot->logical, slot->buf->data);
		keel_spin_unlock(&fs->lock);
		ext2_put(fs, slot->buf);
	}
	slot->buf = NULL;
	slot->busy = false;
	op->inflight--;
	return true;
}

static enum keel_poll read_poll(struct keel_future *future,
				struct keel_context *cx)
{
	struct read_op *op = (struct read_op *)future;
	struct ext2_node *node = op->node;
	struct ext2_fs *fs = op->fs;
	uint32_t bs = fs->sb.block_size;
	uint64_t size;
	bool progress;
	int64_t r;

	KEEL_ASYNC_BEGIN(&op->co);
	KEEL_AWAIT(&op->co, cx,
		   ext2_rwlock_lock(&op->rw_wait, &node->rw, false), r);
	op->locked = true;
	/* The size now: no truncate can change it until we let go. */
	keel_spin_lock(&fs->lock);
	size = node->inode.size;
	keel_spin_unlock(&fs->lock);
	op->length = op->offset < size ? size - op->offset : 0;
	if (op->length > op->want)
		op->length = op->want;
	op->next = op->offset / bs;
	op->end = (op->offset + op->length + bs - 1) / bs;
	for (;;) {
		while (op->inflight < op->depth && op->next < op->end &&
		       !op->error) {
			KEEL_AWAIT(&op->co, cx,
				   ext2_bmap(&op->mapper, fs, &node->inode,
					     node->ino, op->next, false, NULL),
				   r);
			if (r < 0) {
				op->error = r;
				break;
			}
			if (r == 0) {
				copy_out(op, op->next++, NULL);
				continue;
			}
			for (uint32_t i = 0; i < op->depth; i++) {
				struct read_slot *slot = &op->slots[i];

				if (slot->busy)
					continue;
				slot->busy = true;
				slot->logical = op->next++;
				op->inflight++;
				ext2_get(&slot->get, fs, (uint32_t)r,
					 EXT2_GET_READ, &slot->buf);
				/* Polled now, so the disk has it now. */
				poll_slot(op, slot, cx);
				break;
			}
		}
		progress = false;
		for (uint32_t i = 0; i < op->depth; i++)
			if (op->slots[i].busy &&
			    poll_slot(op, &op->slots[i], cx))
				progress = true;
		if (!op->inflight && (op->next >= op->end || op->error))
			break;
		if (!progress && op->inflight == op->depth)
			EXT2_SUSPEND(&op->co);
		else if (!progress && (op->next >= op->end || op->error))
			EXT2_SUSPEND(&op->co);
	}
	op->locked = false;
	ext2_rwlock_unlock(&node->rw, false);
	if (op->error)
		KEEL_ASYNC_RETURN(&op->co, &op->base, vfs_result(op->error));
	KEEL_ASYNC_END(&op->co, &op->base, (int64_t)op->length);
}

static void read_drop(struct keel_future *future)
{
	struct read_op *op = (struct read_op *)future;

	keel_async_drop(&op->co);
	for (uint32_t i = 0; i < op->depth; i++)
		if (op->slots[i].busy)
			keel_future_drop(&op->slots[i].get.base.future);
	if (op->locked)
		ext2_rwlock_unlock(&op->node->rw, false);
	kfree(op);
}

static const struct keel_future_vtable read_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "ext2-read",
    .poll = read_poll,
    .drop = read_drop,
};

struct keel_int_future *ext2_read(struct keel_vnode *vnode, void *buffer,
				  uint64_t length, uint64_t offset)
{
	struct ext2_node *node = ext2_node_of(vnode);
	struct ext2_fs *fs = node->fs;
	uint32_t bs = fs->sb.block_size;
	uint32_t depth = ext2_read_depth();
	struct keel_int_future *f;
	struct read_op *op;
	uint64_t size;
	bool fast_link;

	keel_spin_lock(&fs->lock);
	size = node->inode.size;
	fast_link = ext2_is_fast_symlink(&fs->sb, &node->inode);
	keel_spin_unlock(&fs->lock);
	if (offset >= size || !length)
		return keel_future_ready(0);
	if (length > size - offset)
		length = size - offset;
	if (fast_link) { /* the target, in the inode itself */
		char target[EXT2_FAST_SYMLINK_MAX + 1];

		f = keel_future_ready((int64_t)length);
		if (!f)
			return NULL;
		keel_spin_lock(&fs->lock);
		ext2_fast_symlink_target(&node->inode, target);
		keel_spin_unlock(&fs->lock);
		memcpy(buffer, target + offset, length);
		return f;
	}
	/* No more slots than blocks: a small read stays a small object. */
	if (depth > (offset + length + bs - 1) / bs - offset / bs)
		depth =
		    (uint32_t)((offset + length + bs - 1) / bs - offset / bs);
	op = kmalloc(sizeof(*op) + depth * sizeof(op->slots[0]));
	if (!op)
		return NULL;
	op->base.future.vtable = &read_vtable;
	op->node = node;
	op->fs = fs;
	op->dest = buffer;
	op->offset = offset;
	op->want = length;
	op->depth = depth;
	return &op->base;
}

/*
 * readlink: a symbolic link's target is its contents, read as a file's
 * are (the read above knows the fast ones, whose target is in the inode).
 */
struct keel_int_future *ext2_readlink(struct keel_vnode *vnode, char *buffer,
				      uint64_t size)
{
	struct ext2_node *node = ext2_node_of(vnode);
	uint64_t length;
	bool link;

	keel_spin_lock(&node->fs->lock);
	link = ext2_is_symlink(&node->inode);
	length = node->inode.size;
	keel_spin_unlock(&node->fs->lock);
	if (!link)
		return keel_future_ready(-EINVAL);
	if (length > size)
		return keel_future_ready(-ENAMETOOLONG);
	return ext2_read(vnode, buffer, length, 0);
}

/* ---- write
 * -------------------------------------------------------------------- */

struct write_op {
	struct keel_int_future base;
	struct keel_async co;
	struct ext2_node *node;
	struct ext2_fs *fs;
	const uint8_t *src;
	uint64_t offset, length, done;
	uint32_t depth, inflight;
	bool locked, fresh;
	int64_t error;
	uint32_t block;
	struct ext2_rw_wait rw_wait;
	struct ext2_mapper mapper;
	struct ext2_get get;
	struct ext2_buf *buf;
	struct keel_int_future *writes[EXT2_DEPTH_MAX];
};

/* Poll the writes in flight; true when one finished. */
static bool poll_writes(struct write_op *op, struct keel_context *cx)
{
	bool progress = false;

	for (uint32_t i = 0; i < op->depth; i++) {
		struct keel_int_future *w = op->writes[i];

		if (!w || keel_future_poll(&w->future, cx) == KEEL_PENDING)
			continue;
		if (w->result < 0 && !op->error)
			op->error = w->result;
		keel_future_drop(&w->future);
		op->writes[i] = NULL;
		op->inflight--;
		progress = true;
	}
	return progress;
}

/*
 * A write or truncate dropped while it holds the file alone: the inode as
 * it is (its block map may have changed) is stored, and the file let go.
 */
static void drop_held(struct ext2_node *node)
{
	keel_spin_lock(&node->fs->lock);
	ext2_node_store_locked(node);
	keel_spin_unlock(&node->fs->lock);
	ext2_rwlock_unlock(&node->rw, true);
}

/*
 * What of the write goes into the block where it has got to: `*within`
 * that block from there on, and how many bytes (the length returned).
 */
static uint64_t write_part(const struct write_op *op, uint32_t bs,
			   uint32_t *within)
{
	uint64_t left = op->length - op->done;

	*within = (op->offset + op->done) % bs;
	return left < bs - *within ? left : bs - *within;
}

static enum keel_poll write_poll(struct keel_future *future,
				 struct keel_context *cx)
{
	struct write_op *op = (struct write_op *)future;
	struct ext2_node *node = op->node;
	struct ext2_fs *fs = op->fs;
	uint32_t bs = fs->sb.block_size;
	uint64_t at, n;
	uint32_t within;
	int64_t r;

	KEEL_ASYNC_BEGIN(&op->co);
	KEEL_AWAIT(&op->co, cx, ext2_rwlock_lock(&op->rw_wait, &node->rw, true),
		   r);
	op->locked = true;
	while (op->done < op->length && !op->error) {
		/*
		 * A slot first: from the map to the copy nothing waits but
		 * for blocks, so a write cancelled meanwhile never leaves a
		 * buffer zeroed for a whole-block overwrite (or a block
		 * just allocated) without its bytes.
		 */
		while (op->inflight == op->depth) {
			if (!poll_writes(op, cx))
				EXT2_SUSPEND(&op->co);
		}
		at = op->offset + op->done;
		KEEL_AWAIT(&op->co, cx,
			   ext2_bmap(&op->mapper, fs, &node->inode, node->ino,
				     at / bs, true, &op->fresh),
			   r);
		keel_spin_lock(&fs->lock);
		ext2_node_store_locked(node); /* i_blocks, pointers */
		keel_spin_unlock(&fs->lock);
		if (r < 0) {
			op->error = r;
			break;
		}
		op->block = (uint32_t)r;
		n = write_part(op, bs, &within);
		/* Read only what is partly kept: new or whole blocks not. */
		KEEL_AWAIT(&op->co, cx,
			   ext2_get(&op->get, fs, op->block,
				    op->fresh || n == bs, &op->buf),
			   r);
		if (r < 0) {
			op->error = r;
			break;
		}
		n = write_part(op, bs, &within);
		keel_spin_lock(&fs->lock);
		memcpy(op->buf->data + within, op->src + op->done, n);
		keel_spin_unlock(&fs->lock);
		for (uint32_t i = 0; i < op->depth; i++) {
			if (op->writes[i])
				continue;
			/* Pins the buffer until the disk has the block. */
			op->writes[i] = ext2_buf_write(fs, op->buf);
			if (op->writes[i])
				op->inflight++;
			else
				op->error = -ENOMEM;
			break;
		}
		ext2_put(fs, op->buf);
		op->buf = NULL;
		if (op->error)
			break;
		op->done += n;
		poll_writes(op, cx); /* start it now */
	}
	while (op->inflight) {
		if (!poll_writes(op, cx))
			EXT2_SUSPEND(&op->co);
	}
	keel_spin_lock(&fs->lock);
	if (op->done && op->offset + op->done > node->inode.size)
		node->inode.size = op->offset + op->done;
	if (op->done)
		node->inode.mtime = node->inode.ctime = ext2_now(fs);
	ext2_node_store_locked(node);
	keel_spin_unlock(&fs->lock);
	op->locked = false;
	ext2_rwlock_unlock(&node->rw, true);
	/* Part written: say how much (space ran out); else the error. */
	if (op->done && (op->error == -ENOSPC || !op->error))
		KEEL_ASYNC_RETURN(&op->co, &op->base, (int64_t)op->done);
	KEEL_ASYNC_END(&op->co, &op->base, vfs_result(op->error));
}

static void write_drop(struct keel_future *future)
{
	struct write_op *op = (struct write_op *)future;

	keel_async_drop(&op->co);
	for (uint32_t i = 0; i < op->depth; i++)
		if (op->writes[i])
			keel_future_drop(&op->writes[i]->future);
	ext2_put(op->fs, op->buf);
	if (op->locked)
		drop_held(op->node);
	kfree(op);
}

static const struct keel_future_vtable write_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "ext2-write",
    .poll = write_poll,
    .drop = write_drop,
};

/* Only regular files take writes (symlinks and devices do not). */
static int check_writable(struct ext2_node *node, uint64_t end)
{
	int err = 0;

	keel_spin_lock(&node->fs->lock);
	if (!ext2_is_reg(&node->inode))
		err = -EPERM;
	else if (end > node->fs->sb.max_file_size)
		err = -EFBIG;
	keel_spin_unlock(&node->fs->lock);
	return err;
}

struct keel_int_future *ext2_write(struct keel_vnode *vnode, const void *buffer,
				   uint64_t length, uint64_t offset)
{
	struct ext2_node *node = ext2_node_of(vnode);
	struct write_op *op;
	int err;

	if (offset + length < offset)
		return keel_future_ready(-EFBIG);
	err = check_writable(node, offset + length);
	if (err || !length)
		return keel_future_ready(err);
	op = kmalloc(sizeof(*op));
	if (!op)
		return NULL;
	op->base.future.vtable = &write_vtable;
	op->node = node;
	op->fs = node->fs;
	op->src = buffer;
	op->offset = offset;
	op->length = length;
	op->depth = ext2_read_depth();
	return &op->base;
}

/* ---- truncate
 * ----------------------------------------------------------------- */

struct truncate_op {
	struct keel_int_future base;
	struct keel_async co;
	struct ext2_node *node;
	struct ext2_fs *fs;
	uint64_t size;
	bool locked;
	struct ext2_rw_wait rw_wait;
	struct ext2_trunc trunc;
	struct ext2_mapper mapper;
	struct ext2_get get;
	struct ext2_buf *buf;
};

static enum keel_poll truncate_poll(struct keel_future *future,
				    struct keel_context *cx)
{
	struct truncate_op *op = (struct truncate_op *)future;
	struct ext2_node *node = op->node;
	struct ext2_fs *fs = op->fs;
	uint32_t bs = fs->sb.block_size;
	struct keel_int_future *w;
	int64_t r = 0;

	KEEL_ASYNC_BEGIN(&op->co);
	KEEL_AWAIT(&op->co, cx, ext2_rwlock_lock(&op->rw_wait, &node->rw, true),
		   r);
	op->locked = true;
	if (op->size < node->inode.size) {
		KEEL_AWAIT(&op->co, cx,
			   ext2_free_blocks(&op->trunc, fs, &node->inode,
					    (op->size + bs - 1) / bs),
			   r);
		if (r == 0 && op->size % bs) {
			/* Past the new end reads as zeros, now and later. */
			KEEL_AWAIT(&op->co, cx,
				   ext2_bmap(&op->mapper, fs, &node->inode,
					     node->ino, op->size / bs, false,
					     NULL),
				   r);
			if (r > 0) {
				KEEL_AWAIT(&op->co, cx,
					   ext2_get(&op->get, fs, (uint32_t)r,
						    EXT2_GET_READ, &op->buf),
					   r);
			}
			if (r == 0 && op->buf) {
				keel_spin_lock(&fs->lock);
				memset(op->buf->data + op->size % bs, 0,
				       bs - op->size % bs);
				keel_spin_unlock(&fs->lock);
				w = ext2_buf_write(fs, op->buf);
				ext2_put(fs, op->buf);
				op->buf = NULL;
				KEEL_AWAIT(&op->co, cx, w, r);
			}
		}
	}
	keel_spin_lock(&fs->lock);
	if (r >= 0)
		node->inode.size = op->size;
	node->inode.mtime = node->inode.ctime = ext2_now(fs);
	ext2_node_store_locked(node);
	keel_spin_unlock(&fs->lock);
	op->locked = false;
	ext2_rwlock_unlock(&node->rw, true);
	KEEL_ASYNC_END(&op->co, &op->base, vfs_result(r < 0 ? r : 0));
}

static void truncate_drop(struct keel_future *future)
{
	struct truncate_op *op = (struct truncate_op *)future;

	keel_async_drop(&op->co);
	ext2_put(op->fs, op->buf);
	if (op->locked)
		drop_held(op->node);
	kfree(op);
}

static const struct keel_future_vtable truncate_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "ext2-truncate",
    .poll = truncate_poll,
    .drop = truncate_drop,
};

struct keel_int_future *ext2_truncate(struct keel_vnode *vnode, uint64_t size)
{
	struct ext2_node *node = ext2_node_of(vnode);
	struct truncate_op *op;
	int err = check_writable(node, size);

	if (err)
		return keel_future_ready(err);
	op = kmalloc(sizeof(*op));
	if (!op)
		return NULL;
	op->base.future.vtable = &truncate_vtable;
	op->node = node;
	op->fs = node->fs;
	op->size = size;
	return &op->base;
}
