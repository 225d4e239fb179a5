/*
 * writeback.c - writing cached buffers to the disk: one write per buffer
 * at a time, the buffer pinned while it is in flight, and the sync's
 * write-back of every dirty buffer.
 *
 * Every block reaches the disk through ext2_buf_write, for file data
 * written through (file.c) as for metadata written back at sync.  Two
 * rules make the cache and the disk agree, whatever order the disk
 * completes its requests in:
 *
 *   1. One write of a buffer in flight at a time.  A write that finds
 *      another in flight queues behind it (buf->write_queue) and copies
 *      the buffer only when its turn comes.  So the last write started
 *      holds the newest contents and is the last to land.  Without this,
 *      a sync writing a block's old contents (an indirect block, say,
 *      dirty when the sync took it) and a file's write of new data into
 *      the same block (freed by a truncate meanwhile, and allocated
 *      again) are both at the disk, and the old may land last.
 *   2. A write in flight pins its buffer (the pin belongs to
 *      buf->write_io, not to whoever polls it).  The buffer stays VALID
 *      in the cache, so a read of the block gets the new contents from
 *      there; evicted, the read would go to the disk, which may still
 *      hold the old.
 *
 *   write A ─► nothing in flight: copy, start io A, pin  ─┐
 *   write B ─► io A in flight: queue                      │ interrupt
 *   A polled: io A READY, unpin, wake B ◄────────────────┘
 *   B polled: nothing in flight: copy (newest), start io B, pin ...
 *
 * The write that started an io polls it.  If that write is dropped (its
 * operation cancelled) the io goes on, unpolled and still pinning the
 * buffer; the queued writes are woken, and the first to run adopts it
 * and polls it to its end before starting its own.  The dropped write
 * marks the buffer dirty, so what it carried goes out at the next sync
 * even if nobody else writes the buffer; and that sync's write of it is
 * queued behind the orphan like any other.
 *
 * A write takes the buffer's dirty mark when it copies the contents (they
 * are on their way), and gives it back if the disk fails it.  Everything
 * here is under fs->lock but the polls and drops of the disk futures.
 */
#include "ext2.h"

struct ext2_buf_write {
	struct keel_int_future base;
	struct ext2_fs *fs;
	struct ext2_buf *buf;	      /* pinned until READY or dropped */
	struct keel_int_future *mine; /* the io this write started */
	struct ext2_buf_write *next;  /* in buf->write_queue */
	struct keel_waker waker;      /* while queued */
	bool queued;
	bool done;
};

static void clean_locked(struct ext2_fs *fs, struct ext2_buf *buf)
{
	if (buf->dirty) {
		buf->dirty = false;
		fs->dirty--;
	}
}

static void dequeue_locked(struct ext2_buf *buf, struct ext2_buf_write *w)
{
	struct ext2_buf_write **link = &buf->write_queue;

	while (*link && *link != w)
		link = &(*link)->next;
	if (*link)
		*link = w->next;
	w->next = NULL;
	w->queued = false;
}

static void wake_queue_locked(struct ext2_buf *buf)
{
	for (struct ext2_buf_write *q = buf->write_queue; q; q = q->next)
		keel_waker_wake_by_ref(&q->waker);
}

/*
 * The io in flight is READY: it no longer pins the buffer, a failure
 * leaves the buffer dirty, and the queue may go on.  fs->lock held.
 */
static void settle_locked(struct ext2_fs *fs, struct ext2_buf *buf,
			  int64_t result)
{
	buf->write_io = NULL;
	buf->writer = NULL;
	buf->pins--; /* the io's; the polling write still holds its own */
	if (result < 0)
		ext2_buf_dirty_locked(fs, buf);
	wake_queue_locked(buf);
}

static enum keel_poll buf_write_poll(struct keel_future *future,
				     struct keel_context *cx)
{
	struct ext2_buf_write *w = (struct ext2_buf_write *)future;
	struct ext2_fs *fs = w->fs;
	struct ext2_buf *buf = w->buf;
	struct keel_int_future *io;
	int64_t result;

	keel_spin_lock(&fs->lock);
	for (;;) {
		if (!buf->write_io) {
			/* Our turn: copy the contents as they are now. */
			io = ext2_disk_write(fs, buf->block, buf->data);
			if (w->queued)
				dequeue_locked(buf, w);
			if (!io) {
				ext2_buf_dirty_locked(fs, buf);
				w->base.result = -ENOMEM;
				break;
			}
			clean_locked(fs, buf);
			buf->write_io = io;
			buf->writer = w;
			buf->pins++;
			w->mine = io;
		} else if (!buf->writer) {
			/* An orphan (its write was dropped): adopt it. */
			if (w->queued)
				dequeue_locked(buf, w);
			buf->writer = w;
		} else if (buf->writer != w) {
			/* Someone else's write is in flight: wait for it. */
			keel_waker_register(&w->waker, cx);
			if (!w->queued) {
				w->next = buf->write_queue;
				buf->write_queue = w;
				w->queued = true;
			}
			keel_spin_unlock(&fs->lock);
			return KEEL_PENDING;
		}
		/* We poll the io in flight, ours or adopted. */
		io = buf->write_io;
		keel_spin_unlock(&fs->lock);
		if (keel_future_poll(&io->future, cx) == KEEL_PENDING)
			return KEEL_PENDING;
		result = io->result;
		keel_spin_lock(&fs->lock);
		settle_locked(fs, buf, result);
		keel_spin_unlock(&fs->lock);
		keel_future_drop(&io->future);
		keel_spin_lock(&fs->lock);
		if (io == w->mine) {
			w->base.result = result;
			break;
		}
	}
	keel_spin_unlock(&fs->lock);
	keel_waker_drop(&w->waker);
	w->done = true;
	ext2_put(fs, buf);
	return KEEL_READY;
}

static void buf_write_drop(struct keel_future *future)
{
	struct ext2_buf_write *w = (struct ext2_buf_write *)future;
	struct ext2_fs *fs = w->fs;
	struct ext2_buf *buf = w->buf;

	if (!w->done) {
		keel_spin_lock(&fs->lock);
		if (w->queued)
			dequeue_locked(buf, w);
		if (buf->writer == w) {
			/* The io goes on, an orphan: the next write adopts. */
			buf->writer = NULL;
			wake_queue_locked(buf);
		}
		/* What this write carried may not have landed. */
		ext2_buf_dirty_locked(fs, buf);
		keel_spin_unlock(&fs->lock);
		keel_waker_drop(&w->waker);
		ext2_put(fs, buf);
	}
	kfree(w);
}

static const struct keel_future_vtable buf_write_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "ext2-buf-write",
    .poll = buf_write_poll,
    .drop = buf_write_drop,
};

struct keel_int_future *ext2_buf_write(struct ext2_fs *fs, struct ext2_buf *buf)
{
	struct ext2_buf_write *w = kmalloc(sizeof(*w));

	keel_spin_lock(&fs->lock);
	if (w)
		buf->pins++;
	else
		ext2_buf_dirty_locked(fs, buf);
	keel_spin_unlock(&fs->lock);
	if (!w)
		return NULL;
	w->base.future.vtable = &buf_write_vtable;
	w->fs = fs;
	w->buf = buf;
	return &w->base;
}

/* ---- write-back of every dirty buffer ---------------------------------------
 */

static enum keel_poll writeback_poll(struct keel_future *future,
				     struct keel_context *cx)
{
	struct ext2_writeback *wb = (struct ext2_writeback *)future;
	struct ext2_fs *fs = wb->fs;
	uint32_t depth = ext2_read_depth();
	bool progress;
	int64_t r;

	KEEL_ASYNC_BEGIN(&wb->co);
	/* Take the dirty buffers, pinned; each write takes its dirty mark. */
	keel_spin_lock(&fs->lock);
	wb->list = fs->dirty ? kmalloc(fs->dirty * sizeof(*wb->list)) : NULL;
	if (fs->dirty && !wb->list) {
		keel_spin_unlock(&fs->lock);
		KEEL_ASYNC_RETURN(&wb->co, &wb->base, -ENOMEM);
	}
	for (struct ext2_buf *buf = fs->lru_first; buf; buf = buf->lru_next) {
		if (!buf->dirty)
			continue;
		buf->pins++;
		wb->list[wb->count++] = buf;
	}
	keel_spin_unlock(&fs->lock);

	while (wb->next < wb->count || wb->inflight) {
		/* A disk error stops nothing; no memory stops new writes. */
		while (wb->inflight < depth && wb->next < wb->count &&
		       wb->result != -ENOMEM) {
			struct ext2_buf *buf = wb->list[wb->next];
			uint32_t slot = 0;

			while (wb->writes[slot])
				slot++;
			wb->writes[slot] = ext2_buf_write(fs, buf);
			if (!wb->writes[slot]) {
				wb->result = -ENOMEM;
				break;
			}
			ext2_put(fs, buf); /* the write holds it now */
			wb->list[wb->next++] = NULL;
			wb->inflight++;
		}
		progress = false;
		for (uint32_t slot = 0; slot < EXT2_DEPTH_MAX; slot++) {
			struct keel_int_future *w = wb->writes[slot];

			if (!w ||
			    keel_future_poll(&w->future, cx) == KEEL_PENDING)
				continue;
			if (w->result < 0 && !wb->result)
				wb->result = w->result;
			keel_future_drop(&w->future);
			wb->writes[slot] = NULL;
			wb->inflight--;
			progress = true;
		}
		if (wb->result == -ENOMEM && !wb->inflight)
			break;
		if (!progress && wb->inflight)
			EXT2_SUSPEND(&wb->co);
	}
	/* What could not be started is still dirty, for the next sync. */
	for (uint32_t i = wb->next; i < wb->count; i++) {
		ext2_put(fs, wb->list[i]);
		wb->list[i] = NULL;
	}
	kfree(wb->list);
	wb->list = NULL;
	KEEL_AWAIT(&wb->co, cx, keel_block_flush(fs->dev), r);
	if (r < 0 && wb->result == 0)
		wb->result = r;
	KEEL_ASYNC_END(&wb->co, &wb->base, wb->result);
}

static void writeback_drop(struct keel_future *future)
{
	struct ext2_writeback *wb = (struct ext2_writeback *)future;

	keel_async_drop(&wb->co);
	for (uint32_t slot = 0; slot < EXT2_DEPTH_MAX; slot++) {
		if (!wb->writes[slot])
			continue;
		keel_future_drop(&wb->writes[slot]->future);
		wb->writes[slot] = NULL;
	}
	for (uint32_t i = 0; wb->list && i < wb->count; i++)
		if (wb->list[i])
			ext2_put(wb->fs, wb->list[i]);
	kfree(wb->list);
	wb->list = NULL;
}

static const struct keel_future_vtable writeback_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "ext2-writeback",
    .poll = writeback_poll,
    .drop = writeback_drop,
};

struct keel_int_future *ext2_writeback(struct ext2_writeback *wb,
				       struct ext2_fs *fs)
{
	*wb = (struct ext2_writeback){.base.future.vtable = &writeback_vtable};
	wb->fs = fs;
	return &wb->base;
}
