/*
 * block_request.c - a block request is a leaf future.
 *
 * This is the reactor half of disk I/O: the device is the event source,
 * the request is the future, the interrupt handler wakes it.  virtio is
 * completion based (like IOCP in the lecture): "tell me when the read is
 * done, into this buffer".  The buffer is the request's own `data[]`,
 * allocated with it, which is what makes cancellation safe: whatever the
 * caller does with its memory, the device only ever touches memory the
 * request owns, and the request outlives the device's use of it.
 *
 * A request's states, and who moves it along (each arrow is taken under
 * req->lock):
 *
 *                  first poll: submit
 *     NEW ─────────────────────────────────► SUBMITTED
 *      │                                       │    │
 *      │ drop: free            driver completes│    │drop while the device
 *      ▼                  (interrupt, wakes)   ▼    ▼has it
 *    (gone)                            COMPLETED   CANCELLED
 *                                        │    │        │
 *                    poll: copy out, READY    │drop:   │driver completes:
 *                                        ▼    │free    │free (no wake)
 *                                    FINISHED ▼        ▼
 *                                        │  (gone)   (gone)
 *                                  drop: free
 *
 * and one shortcut: a SUBMITTED request still waiting for room in the
 * driver's queue is withdrawn by its drop and freed at once (the device
 * never saw it).  A request refused when it was made (bad arguments) or
 * with nothing to do (a flush without write cache) starts in COMPLETED.
 *
 * Locks.  req->lock guards state, status and waker.  The driver's own lock
 * guards its queues; the two never nest: the driver calls
 * block_request_complete() after dropping its lock, and poll and drop
 * call into the driver with req->lock released.  The completion wakes the
 * waker while holding req->lock, and poll reads COMPLETED under req->lock,
 * so the wake has returned before the poller can see the result and end
 * the waker's life (rule 6 of keel/future.h).
 *
 * Exactly one party frees a request.  A drop frees it unless it finds
 * SUBMITTED and the driver cannot withdraw it: then the drop marks it
 * CANCELLED and the completion, finding CANCELLED under the same lock,
 * frees it.  Whichever of drop and completion takes the lock second sees
 * what the first did.
 */
#include <keel/errno.h>

#include "drivers/block.h"
#include "lib/string.h"
#include "log/printk.h"
#include "mm/kmalloc.h"

static enum keel_poll request_poll(struct keel_future *future,
				   struct keel_context *cx);
static void request_drop(struct keel_future *future);

static const struct keel_future_vtable request_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "block_request",
    .poll = request_poll,
    .drop = request_drop,
};

static void count(long *counter, long delta)
{
	__atomic_fetch_add(counter, delta, __ATOMIC_RELAXED);
}

/* Free req and count it gone; nobody else may hold it. */
static void request_free(struct block_request *req)
{
	struct block_device *dev = req->dev;

	kfree(req);
	if (dev)
		count(&dev->counters.live, -1);
}

/*
 * A request of `bytes` data bytes in state NEW, or NULL without memory.
 * Nothing else can fail: the caller validated the arguments.
 */
static struct block_request *request_new(struct block_device *dev,
					 enum block_op op, uint64_t sector,
					 uint32_t bytes)
{
	struct block_request *req = kmalloc(sizeof(*req) + bytes);

	if (!req)
		return NULL;
	req->future.future.vtable = &request_vtable;
	req->dev = dev;
	req->op = op;
	req->sector = sector;
	req->bytes = bytes;
	spin_init(&req->lock, "block_request");
	req->state = BLOCK_REQUEST_NEW;
	list_init(&req->link);
	req->slot = -1;
	if (dev)
		count(&dev->counters.live, 1);
	return req;
}

/* A request READY at its first poll with `status`; NULL without memory. */
static struct keel_int_future *request_done_at_once(int status)
{
	struct block_request *req = request_new(NULL, BLOCK_FLUSH, 0, 0);

	if (!req)
		return NULL;
	req->state = BLOCK_REQUEST_COMPLETED;
	req->status = status;
	return &req->future;
}

/*
 * The checks every read or write passes before anything is allocated:
 * 0, -EINVAL or -EROFS.
 */
static int transfer_check(const struct block_device *dev, enum block_op op,
			  uint64_t sector, const void *buf, uint32_t count)
{
	if (!dev || !buf || count == 0 || count > dev->max_sectors)
		return -EINVAL;
	if (sector > dev->sectors || count > dev->sectors - sector)
		return -EINVAL;
	if (op == BLOCK_WRITE && dev->read_only)
		return -EROFS;
	return 0;
}

struct keel_int_future *block_read(struct block_device *dev, uint64_t sector,
				   void *buf, uint32_t count)
{
	struct block_request *req;
	int err = transfer_check(dev, BLOCK_READ, sector, buf, count);

	if (err)
		return request_done_at_once(err);
	req = request_new(dev, BLOCK_READ, sector, count * SECTOR_SIZE);
	if (!req)
		return NULL;
	req->destination = buf;
	return &req->future;
}

struct keel_int_future *block_write(struct block_device *dev, uint64_t sector,
				    const void *buf, uint32_t count)
{
	struct block_request *req;
	int err = transfer_check(dev, BLOCK_WRITE, sector, buf, count);

	if (err)
		return request_done_at_once(err);
	req = request_new(dev, BLOCK_WRITE, sector, count * SECTOR_SIZE);
	if (!req)
		return NULL;
	memcpy(req->data, buf, req->bytes);
	return &req->future;
}

struct keel_int_future *block_flush(struct block_device *dev)
{
	struct block_request *req;

	if (!dev)
		return request_done_at_once(-EINVAL);
	/* Without a write cache every completed write is already durable. */
	if (!dev->write_cache)
		return request_done_at_once(0);
	req = request_new(dev, BLOCK_FLUSH, 0, 0);
	return req ? &req->future : NULL;
}

/*
 * Poll: submit on the first poll; afterwards keep the newest waker until
 * the completion arrives, then copy a read's data out and be READY.
 */
static enum keel_poll request_poll(struct keel_future *future,
				   struct keel_context *cx)
{
	struct block_request *req = (struct block_request *)future;

	spin_lock(&req->lock);
	switch (req->state) {
	case BLOCK_REQUEST_NEW:
		/* The waker first: the completion may come before submit
		 * returns, on another hart or from within submit itself. */
		keel_waker_register(&req->waker, cx);
		req->state = BLOCK_REQUEST_SUBMITTED;
		spin_unlock(&req->lock);
		req->dev->ops->submit(req->dev, req);
		return KEEL_PENDING;
	case BLOCK_REQUEST_SUBMITTED:
		keel_waker_register(&req->waker, cx);
		spin_unlock(&req->lock);
		return KEEL_PENDING;
	case BLOCK_REQUEST_COMPLETED:
		req->state = BLOCK_REQUEST_FINISHED;
		spin_unlock(&req->lock);
		/* Nobody else holds req now: copy without the lock. */
		if (req->op == BLOCK_READ && req->status == 0)
			memcpy(req->destination, req->data, req->bytes);
		req->future.result = req->status;
		return KEEL_READY;
	case BLOCK_REQUEST_FINISHED:
		/* Polled after READY (rule 4 broken): answer the same. */
		spin_unlock(&req->lock);
		return KEEL_READY;
	case BLOCK_REQUEST_CANCELLED:
		break;
	}
	panic("block: poll of a dropped request %p", req);
}

/*
 * Drop: cancel whatever is in flight, without freeing what the device
 * still owns.  See the essay above for who frees.
 */
static void request_drop(struct keel_future *future)
{
	struct block_request *req = (struct block_request *)future;
	enum block_request_state state;

	spin_lock(&req->lock);
	state = req->state;
	spin_unlock(&req->lock);
	if (state == BLOCK_REQUEST_SUBMITTED) {
		/* The driver's lock, then ours again: they never nest. */
		if (req->dev->ops->withdraw(req->dev, req)) {
			count(&req->dev->counters.withdrawn, 1);
			keel_waker_drop(&req->waker);
			request_free(req);
			return;
		}
		spin_lock(&req->lock);
		if (req->state == BLOCK_REQUEST_SUBMITTED) {
			/* The device has it: its completion frees it. */
			req->state = BLOCK_REQUEST_CANCELLED;
			keel_waker_drop(&req->waker);
			/* Counted before the completion can count it freed. */
			count(&req->dev->counters.cancelled, 1);
			spin_unlock(&req->lock);
			return;
		}
		/* It completed in the meantime: ours to free after all. */
		spin_unlock(&req->lock);
	}
	keel_waker_drop(&req->waker);
	request_free(req);
}

void block_request_complete(struct block_request *req, int status)
{
	spin_lock(&req->lock);
	if (req->state == BLOCK_REQUEST_CANCELLED) {
		struct block_device *dev = req->dev;

		spin_unlock(&req->lock);
		request_free(req);
		count(&dev->counters.freed_by_completion, 1);
		return;
	}
	if (req->state != BLOCK_REQUEST_SUBMITTED)
		panic("block: %s completed a request in state %d",
		      req->dev ? req->dev->name : "?", req->state);
	req->status = status;
	req->state = BLOCK_REQUEST_COMPLETED;
	keel_waker_wake(&req->waker); /* under the lock: rule 6 */
	spin_unlock(&req->lock);
}
