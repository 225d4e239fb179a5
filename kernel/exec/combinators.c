/*
 * combinators.c - futures made of futures: join-all, select, timeout.
 *
 * These are the non-leaf futures of the lecture: they wait for nothing
 * themselves, they poll the futures they own with the context they were
 * polled with.  So the waker every child registers is the parent's (its
 * task's, in the end), and when any child can make progress the whole
 * tree is polled again from the top; each combinator polls the children
 * still pending.  Nothing here runs concurrently with itself: a future is
 * polled by one poller at a time, so the structs need no lock.
 *
 * Cancellation is dropping: select drops its losers the moment one future
 * wins, timeout drops its future when the deadline passes, and dropping a
 * combinator drops every child still pending.  Each child's own drop()
 * cancels whatever it had in flight (rule 5 of keel/future.h).
 */
#include <keel/async.h>
#include <keel/errno.h>
#include <keel/time.h>

#include "exec/exec.h"
#include "mm/kmalloc.h"
#include "module/export.h"
#include "trap/timer.h"

/* ---- a future that is READY at once (for refused arguments) ---- */

static enum keel_poll ready_poll(struct keel_future *f, struct keel_context *cx)
{
	(void)f;
	(void)cx;
	return KEEL_READY;
}

static void ready_drop(struct keel_future *f)
{
	kfree(f);
}

static const struct keel_future_vtable ready_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "ready",
    .poll = ready_poll,
    .drop = ready_drop,
};

static struct keel_int_future *ready_new(int64_t result)
{
	struct keel_int_future *f = kmalloc(sizeof(*f));

	if (f) {
		f->future.vtable = &ready_vtable;
		f->result = result;
	}
	return f;
}

/* ---- shared by join-all and select ---- */

struct group {
	struct keel_int_future base;
	uint32_t n;
	uint32_t pending;     /* children not yet READY */
	uint32_t error_index; /* join-all: lowest failed index, or n */
	uint32_t reserved0;
	int64_t *results; /* join-all: the caller's, or NULL */
	uint32_t *winner; /* select: the caller's, or NULL */
	struct keel_int_future *children[]; /* NULL once dropped */
};

static void drop_children(struct group *g)
{
	for (uint32_t i = 0; i < g->n; i++) {
		if (g->children[i]) {
			keel_future_drop(&g->children[i]->future);
			g->children[i] = NULL;
		}
	}
}

static void group_drop(struct keel_future *f)
{
	drop_children((struct group *)f);
	kfree(f);
}

/*
 * Take ownership of the n futures into a new group with `vtable`.  Drops
 * them all and returns NULL if one is NULL or memory is short; returns a
 * READY -EINVAL future for refused arguments.
 */
static struct keel_int_future *
group_new(const struct keel_future_vtable *vtable,
	  struct keel_int_future *const *futures, uint32_t n)
{
	struct group *g;
	int missing = 0;

	if (n > KEEL_JOIN_MAX || (n && !futures)) {
		for (uint32_t i = 0; futures && i < n; i++)
			if (futures[i])
				keel_future_drop(&futures[i]->future);
		return ready_new(-EINVAL);
	}
	for (uint32_t i = 0; i < n; i++)
		missing |= !futures[i];
	g = missing ? NULL : kmalloc(sizeof(*g) + n * sizeof(g->children[0]));
	if (!g) {
		for (uint32_t i = 0; i < n; i++)
			if (futures[i])
				keel_future_drop(&futures[i]->future);
		return NULL;
	}
	g->base.future.vtable = vtable;
	g->n = n;
	g->pending = n;
	g->error_index = n;
	for (uint32_t i = 0; i < n; i++)
		g->children[i] = futures[i];
	return &g->base;
}

/* ---- join-all ---- */

static enum keel_poll join_all_poll(struct keel_future *f,
				    struct keel_context *cx)
{
	struct group *g = (struct group *)f;

	for (uint32_t i = 0; i < g->n; i++) {
		struct keel_int_future *child = g->children[i];

		if (!child ||
		    keel_future_poll(&child->future, cx) == KEEL_PENDING)
			continue;
		if (g->results)
			g->results[i] = child->result;
		if (child->result < 0 && i < g->error_index) {
			g->error_index = i;
			g->base.result = child->result;
		}
		keel_future_drop(&child->future);
		g->children[i] = NULL;
		g->pending--;
	}
	if (g->pending)
		return KEEL_PENDING;
	if (g->error_index == g->n)
		g->base.result = 0;
	return KEEL_READY;
}

static const struct keel_future_vtable join_all_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "join_all",
    .poll = join_all_poll,
    .drop = group_drop,
};

struct keel_int_future *keel_join_all(struct keel_int_future *const *futures,
				      uint32_t n, int64_t *results)
{
	struct keel_int_future *f = group_new(&join_all_vtable, futures, n);

	if (f && f->future.vtable == &join_all_vtable)
		((struct group *)f)->results = results;
	return f;
}
KEEL_EXPORT(keel_join_all, 1);

/* ---- select ---- */

static enum keel_poll select_poll(struct keel_future *f,
				  struct keel_context *cx)
{
	struct group *g = (struct group *)f;

	if (g->n == 0) {
		g->base.result = -EINVAL;
		return KEEL_READY;
	}
	for (uint32_t i = 0; i < g->n; i++) {
		struct keel_int_future *child = g->children[i];

		if (keel_future_poll(&child->future, cx) == KEEL_PENDING)
			continue;
		g->base.result = child->result;
		if (g->winner)
			*g->winner = i;
		drop_children(g); /* the winner, and the losers: cancelled */
		g->pending = 0;
		return KEEL_READY;
	}
	return KEEL_PENDING;
}

static const struct keel_future_vtable select_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "select",
    .poll = select_poll,
    .drop = group_drop,
};

struct keel_int_future *keel_select(struct keel_int_future *const *futures,
				    uint32_t n, uint32_t *winner)
{
	struct keel_int_future *f = group_new(&select_vtable, futures, n);

	if (f && f->future.vtable == &select_vtable)
		((struct group *)f)->winner = winner;
	return f;
}
KEEL_EXPORT(keel_select, 1);

/* ---- timeout ---- */

struct timeout {
	struct keel_int_future base;
	struct keel_int_future *inner; /* owned; NULL once dropped */
	struct exec_timer timer;       /* deadline in timer.node.deadline */
};

static enum keel_poll timeout_poll(struct keel_future *f,
				   struct keel_context *cx)
{
	struct timeout *t = (struct timeout *)f;

	if (keel_future_poll(&t->inner->future, cx) == KEEL_READY) {
		t->base.result = t->inner->result;
	} else if (exec_timer_poll(&t->timer, t->timer.node.deadline, cx)) {
		t->base.result = -ETIMEDOUT;
	} else {
		return KEEL_PENDING;
	}
	keel_future_drop(&t->inner->future);
	t->inner = NULL;
	exec_timer_cancel(&t->timer);
	return KEEL_READY;
}

static void timeout_drop(struct keel_future *f)
{
	struct timeout *t = (struct timeout *)f;

	if (t->inner)
		keel_future_drop(&t->inner->future);
	exec_timer_cancel(&t->timer);
	kfree(t);
}

static const struct keel_future_vtable timeout_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "timeout",
    .poll = timeout_poll,
    .drop = timeout_drop,
};

struct keel_int_future *keel_timeout(struct keel_int_future *future,
				     uint64_t ms)
{
	struct timeout *t;
	uint64_t ticks;

	if (!future)
		return NULL;
	t = kmalloc(sizeof(*t));
	if (!t) {
		keel_future_drop(&future->future);
		return NULL;
	}
	ticks =
	    ms > UINT64_MAX / timer_hz() ? UINT64_MAX : timer_ms_to_ticks(ms);
	t->base.future.vtable = &timeout_vtable;
	t->inner = future;
	t->timer.node.deadline =
	    timer_now() > UINT64_MAX - ticks ? UINT64_MAX : timer_now() + ticks;
	return &t->base;
}
KEEL_EXPORT(keel_timeout, 1);
