/*
 * future_ready.c - futures that are READY at their first poll; see
 * <keel/future_ready.h>.
 *
 * The whole future is a keel_int_future: the result lives in it from the
 * start, poll only says so, and drop frees the memory.  There is no waker
 * to keep, because nothing is ever PENDING.  keel_future_done() hands out
 * one const future of the same kind whose vtable has no drop at all, so
 * the many owners of that one object may each drop it.
 */
#include <keel/future_ready.h>

#include "mm/kmalloc.h"
#include "module/export.h"

static enum keel_poll ready_poll(struct keel_future *future,
				 struct keel_context *cx)
{
	(void)future;
	(void)cx;
	return KEEL_READY;
}

static void ready_drop(struct keel_future *future)
{
	kfree(future);
}

static const struct keel_future_vtable ready_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "ready",
    .poll = ready_poll,
    .drop = ready_drop,
};

struct keel_int_future *keel_future_ready(int64_t result)
{
	struct keel_int_future *f = kmalloc(sizeof(*f));

	if (!f)
		return NULL;
	f->future.vtable = &ready_vtable;
	f->result = result;
	return f;
}
KEEL_EXPORT(keel_future_ready, 1);

static const struct keel_future_vtable done_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "done",
    .poll = ready_poll,
    .drop = NULL,
};

static const struct keel_int_future done = {
    .future = {.vtable = &done_vtable},
    .result = 0,
};

struct keel_int_future *keel_future_done(void)
{
	return (struct keel_int_future *)&done; /* read-only: see the header */
}
KEEL_EXPORT(keel_future_done, 1);
