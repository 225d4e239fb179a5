/*
 * keel/future.h - futures, wakers and contexts: Keel's async model in C.
 *
 * A future is a computation that may have to wait.  Nobody runs it: it is
 * *polled*.  poll() does as much work as it can without blocking and returns
 * KEEL_READY when it has finished (its output is then in the future's own
 * struct) or KEEL_PENDING when it must wait for something (a disk block, a
 * timer, another task).  Before returning PENDING it hands a *waker* to
 * whatever it waits for; when that thing happens, it calls the waker, and
 * whoever polls the future (the executor, or block_on in a kernel thread)
 * polls it again.  This is Rust's Future/Waker/Context model one to one:
 *
 *     Rust                              Keel
 *     Future::poll(Pin<&mut Self>, cx)  vtable->poll(future, cx)
 *     Poll::Ready(T) / Poll::Pending    KEEL_READY (output in the struct)
 *                                       / KEEL_PENDING
 *     RawWaker { data, vtable }         struct keel_waker { data, vtable }
 *     RawWakerVTable                    struct keel_waker_vtable
 *       {clone, wake, wake_by_ref,        {clone, wake, wake_by_ref, drop}
 *        drop}
 *     Context                           struct keel_context (the waker)
 *     Drop                              vtable->drop(future)
 *
 * Rules every future and every poller keeps
 *
 *   1. A future never moves once it has been polled (the C answer to
 *      Pin): other parties may hold pointers into it (a device request, a
 *      timer list entry).  Allocate it where it will stay.
 *   2. poll() never blocks and never sleeps; it may take spinlocks.
 *   3. Before returning KEEL_PENDING, poll() has arranged for the waker in
 *      `cx` (a clone of it, see keel_waker_clone) to be woken when progress
 *      is possible.  Returning PENDING without that hangs the future.
 *      Only the waker of the most recent poll needs waking.
 *   4. After poll() returned KEEL_READY it is never polled again.
 *   5. drop() is called exactly once, READY or not, and ends the future:
 *      it cancels whatever is in flight (without freeing memory a device
 *      still owns), drops every waker clone it holds, and frees the
 *      future's memory if the future owns it.  Dropping a PENDING future
 *      is how Keel cancels.
 *   6. Whoever wakes a waker finishes the call before the future's poll
 *      can observe completion (a leaf future's event source wakes under
 *      the lock its poll takes): so a poller may end the waker's life as
 *      soon as the future is READY and dropped.
 *
 * Since ABI 1.1.
 */
#ifndef KEEL_FUTURE_H
#define KEEL_FUTURE_H

#include <stddef.h>
#include <stdint.h>

/* What poll() returns. */
enum keel_poll {
	KEEL_PENDING = 0, /* not finished; the waker will be woken */
	KEEL_READY = 1,   /* finished; the output is in the future */
};

struct keel_waker;

/*
 * What a waker does, given its `data`.  Every function may be called from
 * any context, interrupt handlers included, and none blocks or allocates.
 */
struct keel_waker_vtable {
	uint32_t size;      /* sizeof(struct keel_waker_vtable) as built */
	uint32_t reserved0; /* zero */
	/* A new waker for the same thing (another reference). */
	struct keel_waker (*clone)(const void *data);
	/* Wake and release this reference (consumes the waker). */
	void (*wake)(const void *data);
	/* Wake, keeping this reference. */
	void (*wake_by_ref)(const void *data);
	/* Release this reference without waking. */
	void (*drop)(const void *data);
};

/* A waker: a fat pointer, data plus the vtable that knows what it means. */
struct keel_waker {
	const void *data;                       /* the waker's own state */
	const struct keel_waker_vtable *vtable; /* NULL: no waker (taken) */
};

/* What poll() gets besides the future: the waker of this poll. */
struct keel_context {
	uint32_t size;                  /* sizeof(struct keel_context) as built */
	uint32_t reserved0;             /* zero */
	const struct keel_waker *waker; /* borrowed: clone to keep it */
};

struct keel_future;

/* The operations of one kind of future. */
struct keel_future_vtable {
	uint32_t size;      /* sizeof(struct keel_future_vtable) as built */
	uint32_t reserved0; /* zero */
	const char *name;   /* shown by `tasks` and traces; may be NULL */
	/* Make progress; see the rules above. */
	enum keel_poll (*poll)(struct keel_future *future,
			       struct keel_context *cx);
	/* End the future (rule 5); may be NULL when there is nothing to do. */
	void (*drop)(struct keel_future *future);
};

/* The head of every future: embed it first in the future's struct. */
struct keel_future {
	const struct keel_future_vtable *vtable;
};

/*
 * The future most of the ABI returns: its output is one int64_t, a count
 * or 0 on success, a negative errno on failure, valid once poll() returned
 * KEEL_READY.  VFS operations, block I/O, sleeps and tasks all use it.
 */
struct keel_int_future {
	struct keel_future future;
	int64_t result;
};

/* ---- helpers (inline: no symbol to import) ----------------------------- */

static inline enum keel_poll keel_future_poll(struct keel_future *f,
					      struct keel_context *cx)
{
	return f->vtable->poll(f, cx);
}

static inline void keel_future_drop(struct keel_future *f)
{
	if (f && f->vtable->drop)
		f->vtable->drop(f);
}

/* A waker to keep: clone the context's borrowed one. */
static inline struct keel_waker keel_waker_clone(const struct keel_waker *w)
{
	return w->vtable->clone(w->data);
}

/* Wake and release *w; it is empty (vtable NULL) afterwards.  No-op if empty. */
static inline void keel_waker_wake(struct keel_waker *w)
{
	const struct keel_waker_vtable *vt = w->vtable;

	if (!vt)
		return;
	w->vtable = NULL;
	vt->wake(w->data);
}

static inline void keel_waker_wake_by_ref(const struct keel_waker *w)
{
	if (w->vtable)
		w->vtable->wake_by_ref(w->data);
}

/* Release *w without waking; it is empty afterwards.  No-op if empty. */
static inline void keel_waker_drop(struct keel_waker *w)
{
	const struct keel_waker_vtable *vt = w->vtable;

	if (!vt)
		return;
	w->vtable = NULL;
	vt->drop(w->data);
}

/* True when waking a and b does the same thing (no need to re-clone). */
static inline int keel_waker_will_wake(const struct keel_waker *a,
				       const struct keel_waker *b)
{
	return a->data == b->data && a->vtable == b->vtable;
}

/*
 * Replace the waker kept in *slot by a clone of the context's, unless it
 * would wake the same thing already: the usual first step of a leaf poll.
 */
static inline void keel_waker_register(struct keel_waker *slot,
				       const struct keel_context *cx)
{
	if (slot->vtable && keel_waker_will_wake(slot, cx->waker))
		return;
	keel_waker_drop(slot);
	*slot = keel_waker_clone(cx->waker);
}

/* ---- layout (LP64) ----------------------------------------------------- */

_Static_assert(sizeof(struct keel_waker_vtable) == 40, "keel_waker_vtable");
_Static_assert(offsetof(struct keel_waker_vtable, clone) == 8, "waker clone");
_Static_assert(offsetof(struct keel_waker_vtable, wake) == 16, "waker wake");
_Static_assert(offsetof(struct keel_waker_vtable, wake_by_ref) == 24,
	       "waker wake_by_ref");
_Static_assert(offsetof(struct keel_waker_vtable, drop) == 32, "waker drop");
_Static_assert(sizeof(struct keel_waker) == 16, "keel_waker");
_Static_assert(offsetof(struct keel_waker, vtable) == 8, "keel_waker vtable");
_Static_assert(sizeof(struct keel_context) == 16, "keel_context");
_Static_assert(offsetof(struct keel_context, waker) == 8, "context waker");
_Static_assert(sizeof(struct keel_future_vtable) == 32, "keel_future_vtable");
_Static_assert(offsetof(struct keel_future_vtable, name) == 8, "future name");
_Static_assert(offsetof(struct keel_future_vtable, poll) == 16, "future poll");
_Static_assert(offsetof(struct keel_future_vtable, drop) == 24, "future drop");
_Static_assert(sizeof(struct keel_future) == 8, "keel_future");
_Static_assert(sizeof(struct keel_int_future) == 16, "keel_int_future");
_Static_assert(offsetof(struct keel_int_future, result) == 8,
	       "keel_int_future result");

#endif /* KEEL_FUTURE_H */
