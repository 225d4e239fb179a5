/*
 * block_on.c - a thread-parking waker; see block_on.h.
 *
 * The waker's data is a completion on block_on's stack: wake() completes it,
 * and the thread waits on it between polls.  Clones are the same pointer
 * (nothing to count): by the rules of keel/future.h every clone is woken or
 * dropped before the future is READY and dropped, and a wake in progress
 * holds the completion's lock, so taking that lock once before returning
 * waits out the last wake that may still be touching the stack.
 */
#include <keel/errno.h>

#include "exec/block_on.h"
#include "sync/completion.h"

static struct keel_waker parker_clone(const void *data);
static void parker_wake(const void *data);
static void parker_drop(const void *data);

static const struct keel_waker_vtable parker_vtable = {
	.size = sizeof(struct keel_waker_vtable),
	.clone = parker_clone,
	.wake = parker_wake,
	.wake_by_ref = parker_wake,
	.drop = parker_drop,
};

static struct keel_waker parker_clone(const void *data)
{
	return (struct keel_waker){ data, &parker_vtable };
}

static void parker_wake(const void *data)
{
	complete((struct completion *)data);
}

static void parker_drop(const void *data)
{
}

void block_on_future(struct keel_future *f)
{
	struct completion parked;
	struct keel_waker waker;
	struct keel_context cx = { sizeof(cx), 0, &waker };

	completion_init(&parked, "block_on");
	waker = parker_clone(&parked);
	while (keel_future_poll(f, &cx) == KEEL_PENDING)
		completion_wait(&parked);
	/* Wait out a wake() still inside complete(&parked). */
	spin_lock(&parked.lock);
	spin_unlock(&parked.lock);
}

int64_t block_on(struct keel_int_future *f)
{
	int64_t result;

	if (!f)
		return -ENOMEM;
	block_on_future(&f->future);
	result = f->result;
	keel_future_drop(&f->future);
	return result;
}
