/*
 * cache.c - the block cache: one buffer per block, shared by every
 * operation of a mount, with at most one read of a block in flight.
 *
 * A buffer is found by block number in a small hash table and kept in an
 * LRU list.  Getting a block is a future (struct ext2_get) embedded in the
 * operation that wants it; it pins the buffer when it starts, so the
 * buffer cannot go while anyone waits for it.  Its poll:
 *
 *   VALID    the contents are there: READY, the pin passes to the caller.
 *   EMPTY    nobody has asked for it yet: this get becomes the buffer's
 *            *owner*, makes the read future (keel_block_read, or the
 *            synchronous-mode wrapper) and polls it; the state is READING.
 *   READING  owned by another get: this one queues in buf->waiters with a
 *            clone of its waker and returns PENDING.
 *
 * Only the owner polls the read, with its own context, so the disk wakes
 * the owner's task.  When the owner sees the read READY it stores the
 * outcome (VALID, or FAILED with the error) and wakes every waiter, each
 * of which then finds the state settled.  If the owner is dropped first
 * (its operation was cancelled), it hands the read to the first waiter
 * and wakes it, or, with nobody waiting, drops the read, which cancels it
 * safely (keel/block.h).  So N operations wanting one block make one disk
 * request, whatever order they come and go in.
 *
 *   get A ─► EMPTY: A owns, read R made ──► R pending ─┐
 *   get B ─► READING: B waits                          │ interrupt
 *   get C ─► READING: C waits                          │ wakes A
 *   A polled: R READY ─► VALID, wake B and C ◄─────────┘
 *   B, C polled: VALID, READY (same buffer, pinned three times)
 *
 * Everything about buffers is guarded by fs->lock; the read future is
 * polled and dropped without it.  Wakers are woken under it (they never
 * block).
 *
 * Eviction.  Unpinned clean buffers beyond `cache_blocks` go, oldest
 * first; when every buffer is pinned or dirty the cache grows past the
 * limit rather than fail.  What must stay does so by those two marks:
 *
 *   dirty    metadata changed in the cache (bitmaps, descriptors, inode
 *            tables, directory and indirect blocks) and not yet written:
 *            dropping it would lose the change;
 *   pinned   in use by an operation, being read, or being written
 *            (writeback.c pins a buffer for as long as a write of it is
 *            in flight: evicted then, a read of the block could fetch
 *            the bytes the write is replacing).
 *
 * So a block's contents are in exactly one place that a read trusts:
 * the cache when the buffer is there, the disk only once no write of it
 * is pending.  Writing is writeback.c's.
 */
#include "ext2.h"

static struct ext2_buf **bucket(struct ext2_fs *fs, uint32_t block)
{
	return &fs->hash[block % EXT2_HASH_SIZE];
}

static struct ext2_buf *find_locked(struct ext2_fs *fs, uint32_t block)
{
	struct ext2_buf *buf;

	for (buf = *bucket(fs, block); buf; buf = buf->hash_next)
		if (buf->block == block)
			return buf;
	return NULL;
}

static void lru_unlink(struct ext2_fs *fs, struct ext2_buf *buf)
{
	if (buf->lru_prev)
		buf->lru_prev->lru_next = buf->lru_next;
	else
		fs->lru_first = buf->lru_next;
	if (buf->lru_next)
		buf->lru_next->lru_prev = buf->lru_prev;
	else
		fs->lru_last = buf->lru_prev;
	buf->lru_prev = buf->lru_next = NULL;
}

static void lru_append(struct ext2_fs *fs, struct ext2_buf *buf)
{
	buf->lru_prev = fs->lru_last;
	buf->lru_next = NULL;
	if (fs->lru_last)
		fs->lru_last->lru_next = buf;
	else
		fs->lru_first = buf;
	fs->lru_last = buf;
}

static void free_buf(struct ext2_buf *buf)
{
	kfree(buf->data);
	kfree(buf);
}

/* Take an unpinned buffer out of the hash and the LRU; fs->lock held. */
static void detach_locked(struct ext2_fs *fs, struct ext2_buf *buf)
{
	struct ext2_buf **link = bucket(fs, buf->block);

	while (*link != buf)
		link = &(*link)->hash_next;
	*link = buf->hash_next;
	lru_unlink(fs, buf);
	fs->buffers--;
}

/* Take an unpinned buffer out of the cache and free it; fs->lock held. */
static void remove_locked(struct ext2_fs *fs, struct ext2_buf *buf)
{
	detach_locked(fs, buf);
	free_buf(buf);
}

/* Nobody holds it, nothing unwritten, no read filling it. */
static bool evictable(const struct ext2_buf *buf)
{
	return !buf->pins && !buf->dirty && buf->state != EXT2_BUF_READING;
}

/* Evict clean unpinned buffers, oldest first, down to the limit. */
static void evict_locked(struct ext2_fs *fs)
{
	struct ext2_buf *buf = fs->lru_first;

	while (buf && fs->buffers > ext2_cache_limit()) {
		struct ext2_buf *next = buf->lru_next;

		if (evictable(buf))
			remove_locked(fs, buf);
		buf = next;
	}
}

/*
 * With the cache at its limit, the oldest evictable buffer, taken out of
 * the cache and cleared but for its data block, to hold another block: a
 * miss then costs no allocation and no free (two pages of kmalloc for a
 * 4 KiB block).  NULL when the cache has room or nothing can go.
 * fs->lock held.
 */
static struct ext2_buf *reuse_locked(struct ext2_fs *fs)
{
	struct ext2_buf *buf;
	uint8_t *data;

	if (fs->buffers < ext2_cache_limit())
		return NULL;
	for (buf = fs->lru_first; buf && !evictable(buf); buf = buf->lru_next)
		;
	if (!buf)
		return NULL;
	detach_locked(fs, buf);
	data = buf->data;
	*buf = (struct ext2_buf){.data = data};
	return buf;
}

void ext2_buf_dirty_locked(struct ext2_fs *fs, struct ext2_buf *buf)
{
	if (!buf->dirty) {
		buf->dirty = true;
		fs->dirty++;
	}
}

void ext2_put(struct ext2_fs *fs, struct ext2_buf *buf)
{
	if (!buf)
		return;
	keel_spin_lock(&fs->lock);
	buf->pins--;
	if (!buf->pins && buf->state == EXT2_BUF_FAILED)
		remove_locked(fs, buf); /* the next get reads again */
	else
		evict_locked(fs);
	keel_spin_unlock(&fs->lock);
}

/* ---- get -------------------------------------------------------------------
 */

static void remove_waiter_locked(struct ext2_buf *buf, struct ext2_get *get)
{
	struct ext2_get **link = &buf->waiters;

	while (*link && *link != get)
		link = &(*link)->next;
	if (*link)
		*link = get->next;
	get->next = NULL;
	get->waiting = false;
}

static void wake_waiters_locked(struct ext2_buf *buf)
{
	for (struct ext2_get *w = buf->waiters; w; w = w->next)
		keel_waker_wake_by_ref(&w->waker);
}

/* The read is over: settle the buffer and tell the waiters. */
static void settle_locked(struct ext2_buf *buf, int64_t result)
{
	buf->io = NULL;
	buf->owner = NULL;
	if (result < 0) {
		buf->state = EXT2_BUF_FAILED;
		buf->error = (int16_t)result;
	} else {
		buf->state = EXT2_BUF_VALID;
	}
	wake_waiters_locked(buf);
}

static enum keel_poll get_poll(struct keel_future *future,
			       struct keel_context *cx)
{
	struct ext2_get *get = (struct ext2_get *)future;
	struct ext2_fs *fs = get->fs;
	struct ext2_buf *buf = get->buf;
	struct keel_int_future *io;

	if (get->error) {
		get->base.result = get->error;
		return KEEL_READY;
	}
	keel_spin_lock(&fs->lock);
	for (;;) {
		switch (buf->state) {
		case EXT2_BUF_VALID:
			if (get->waiting)
				remove_waiter_locked(buf, get);
			if (get->fresh)
				memset(buf->data, 0, fs->sb.block_size);
			*get->out = buf; /* the pin is the caller's now */
			get->buf = NULL;
			keel_spin_unlock(&fs->lock);
			keel_waker_drop(&get->waker);
			get->base.result = 0;
			return KEEL_READY;
		case EXT2_BUF_FAILED:
			if (get->waiting)
				remove_waiter_locked(buf, get);
			get->base.result = buf->error;
			keel_spin_unlock(&fs->lock);
			keel_waker_drop(&get->waker);
			ext2_put(fs, buf);
			get->buf = NULL;
			return KEEL_READY;
		case EXT2_BUF_EMPTY:
			if (get->fresh) {
				/* Just allocated: nothing worth reading. */
				buf->state = EXT2_BUF_VALID;
				continue;
			}
			buf->state = EXT2_BUF_READING;
			buf->owner = get;
			buf->io = ext2_disk_read(fs, buf->block, buf->data);
			if (!buf->io) {
				settle_locked(buf, -ENOMEM);
				continue;
			}
			break;
		case EXT2_BUF_READING:
			break;
		}
		if (buf->owner != get) {
			/* Someone else's read: wait for its outcome. */
			keel_waker_register(&get->waker, cx);
			if (!get->waiting) {
				get->next = buf->waiters;
				buf->waiters = get;
				get->waiting = true;
			}
			keel_spin_unlock(&fs->lock);
			return KEEL_PENDING;
		}
		if (get->waiting) /* handed the read by a cancelled owner */
			remove_waiter_locked(buf, get);
		io = buf->io;
		keel_spin_unlock(&fs->lock);
		if (keel_future_poll(&io->future, cx) == KEEL_PENDING)
			return KEEL_PENDING;
		keel_spin_lock(&fs->lock);
		settle_locked(buf, io->result);
		keel_spin_unlock(&fs->lock);
		keel_future_drop(&io->future);
		keel_spin_lock(&fs->lock);
	}
}

static void get_drop(struct keel_future *future)
{
	struct ext2_get *get = (struct ext2_get *)future;
	struct ext2_fs *fs = get->fs;
	struct ext2_buf *buf = get->buf;
	struct keel_int_future *cancel = NULL;

	if (!buf)
		return;
	keel_spin_lock(&fs->lock);
	if (get->waiting)
		remove_waiter_locked(buf, get);
	if (buf->owner == get) {
		struct ext2_get *heir = buf->waiters;

		if (heir) {
			/* The read goes on for the next in line. */
			buf->owner = heir;
			keel_waker_wake_by_ref(&heir->waker);
		} else {
			cancel = buf->io;
			buf->io = NULL;
			buf->owner = NULL;
			buf->state = EXT2_BUF_EMPTY;
		}
	}
	keel_spin_unlock(&fs->lock);
	keel_waker_drop(&get->waker);
	if (cancel)
		keel_future_drop(&cancel->future);
	ext2_put(fs, buf);
	get->buf = NULL;
}

static const struct keel_future_vtable get_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "ext2-get",
    .poll = get_poll,
    .drop = get_drop,
};

struct keel_int_future *ext2_get(struct ext2_get *get, struct ext2_fs *fs,
				 uint32_t block, bool fresh,
				 struct ext2_buf **out)
{
	struct ext2_buf *buf, *spare = NULL;

	*get = (struct ext2_get){.base.future.vtable = &get_vtable};
	get->fs = fs;
	get->out = out;
	get->fresh = fresh;
	keel_spin_lock(&fs->lock);
	buf = find_locked(fs, block);
	if (!buf) {
		spare = reuse_locked(fs);
		keel_spin_unlock(&fs->lock);
		if (!spare) {
			spare = kmalloc(sizeof(*spare));
			if (spare)
				spare->data = kmalloc(fs->sb.block_size);
		}
		if (!spare || !spare->data) {
			kfree(spare);
			get->error = -ENOMEM;
			return &get->base;
		}
		keel_spin_lock(&fs->lock);
		buf = find_locked(fs, block); /* another hart may have won */
		if (!buf) {
			buf = spare;
			spare = NULL;
			buf->block = block;
			buf->state = EXT2_BUF_EMPTY;
			buf->hash_next = *bucket(fs, block);
			*bucket(fs, block) = buf;
			lru_append(fs, buf);
			fs->buffers++;
		}
	}
	buf->pins++;
	lru_unlink(fs, buf);
	lru_append(fs, buf);
	evict_locked(fs);
	keel_spin_unlock(&fs->lock);
	if (spare)
		free_buf(spare);
	get->buf = buf;
	return &get->base;
}

/* ---- life ------------------------------------------------------------------
 */

int ext2_cache_init(struct ext2_fs *fs)
{
	for (int i = 0; i < EXT2_HASH_SIZE; i++)
		fs->hash[i] = NULL;
	fs->lru_first = fs->lru_last = NULL;
	fs->buffers = fs->dirty = 0;
	return 0;
}

void ext2_cache_destroy(struct ext2_fs *fs)
{
	struct ext2_buf *buf = fs->lru_first;

	while (buf) {
		struct ext2_buf *next = buf->lru_next;

		if (buf->write_io) { /* left by a write-back that failed */
			keel_future_drop(&buf->write_io->future);
			buf->pins--;
		}
		if (buf->pins)
			pr_err("ext2: %s: block %u still pinned at unmount",
			       fs->device, buf->block);
		free_buf(buf);
		buf = next;
	}
	ext2_cache_init(fs);
}
