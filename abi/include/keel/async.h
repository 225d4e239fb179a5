/*
 * keel/async.h - async/await in C: stackless coroutines, and futures made
 * of other futures (join-all, select).
 *
 * Rust compiles an `async fn` into a state machine: one struct holding the
 * variables that live across an `.await` plus a number saying where to
 * resume, and a poll() that jumps to that point.  In C the macros below make
 * that state machine out of a switch statement (Duff's device, as in
 * protothreads), so an operation reads as straight code:
 *
 *     struct blink {
 *             struct keel_int_future base;   // first: the future
 *             struct keel_async co;          // where to resume
 *             int i;                         // lives across awaits
 *     };
 *
 *     static enum keel_poll blink_poll(struct keel_future *f,
 *                                      struct keel_context *cx)
 *     {
 *             struct blink *b = (struct blink *)f;
 *             int64_t r;
 *
 *             KEEL_ASYNC_BEGIN(&b->co);
 *             for (b->i = 0; b->i < 3; b->i++) {
 *                     pr_info("blink %d", b->i);
 *                     KEEL_AWAIT(&b->co, cx, keel_sleep_ms(100), r);
 *                     if (r < 0)
 *                             KEEL_ASYNC_RETURN(&b->co, &b->base, r);
 *             }
 *             KEEL_ASYNC_END(&b->co, &b->base, 0);
 *     }
 *
 *     static void blink_drop(struct keel_future *f)
 *     {
 *             keel_async_drop(&((struct blink *)f)->co);  // a pending await
 *             kfree(f);
 *     }
 *
 * Rules (the compiler checks none of them):
 *
 *   1. No local variable keeps its value across a KEEL_AWAIT or
 *      KEEL_YIELD: poll() returns there and is entered again later.  What
 *      must survive lives in the future's struct (b->i above).  A local
 *      assigned after the await and used before the next one (r above) is
 *      fine.
 *   2. At most one BEGIN/END pair per function, and no KEEL_AWAIT inside a
 *      `switch` of your own (its case labels would capture the resume
 *      point), nor two on one source line (the line number is the resume
 *      point; the compiler refuses the duplicate).
 *   3. The future's drop() calls keel_async_drop(), which drops the future
 *      being awaited, if any: dropping a coroutine mid-await cancels the
 *      operation it waits for.
 *   4. Like every future it never moves once polled (keel/future.h rule 1),
 *      so pointers into it (an out-parameter an awaited operation fills)
 *      stay valid.
 *
 * docs/executor.md shows one operation written both ways, as a hand-made
 * state machine and with these macros.
 *
 * Since ABI 1.1.
 */
#ifndef KEEL_ASYNC_H
#define KEEL_ASYNC_H

#include <stddef.h>
#include <stdint.h>

#include <keel/errno.h>
#include <keel/future.h>

/* A coroutine's state, embedded in the future that runs it. */
struct keel_async {
	uint32_t resume;    /* 0: not started; KEEL_ASYNC_DONE: returned;
			       otherwise the source line to resume at */
	uint32_t reserved0; /* zero */
	struct keel_int_future *awaiting; /* owned: the future being awaited,
					     NULL between awaits */
};

#define KEEL_ASYNC_DONE 0xffffffffu

/* A zeroed struct keel_async is a coroutine that has not started. */
#define KEEL_ASYNC_INIT                                                        \
	{                                                                      \
		0, 0, NULL                                                     \
	}

/*
 * Open the coroutine body; `co` is a struct keel_async *.  A coroutine that
 * returned (KEEL_ASYNC_DONE) stays READY if polled again.
 */
#define KEEL_ASYNC_BEGIN(co)                                                   \
	switch ((co)->resume) {                                                \
	default:                                                               \
		return KEEL_READY;                                             \
	case 0:

/*
 * Await the int future `expr` evaluates to (evaluated once; the coroutine
 * owns it): poll it with `cx`, returning KEEL_PENDING from the enclosing
 * poll() until it is READY; then store its result in `out`, drop it, and go
 * on.  If `expr` is NULL (its allocation failed) `out` is -ENOMEM.
 */
#define KEEL_AWAIT(co, cx, expr, out)                                          \
	do {                                                                   \
		(co)->awaiting = (expr);                                       \
		(co)->resume = __LINE__;                                       \
		__attribute__((fallthrough));                                  \
	case __LINE__:                                                         \
		if (!(co)->awaiting) {                                         \
			(out) = -ENOMEM;                                       \
			break;                                                 \
		}                                                              \
		if (keel_future_poll(&(co)->awaiting->future, (cx)) ==         \
		    KEEL_PENDING)                                              \
			return KEEL_PENDING;                                   \
		(out) = (co)->awaiting->result;                                \
		keel_future_drop(&(co)->awaiting->future);                     \
		(co)->awaiting = NULL;                                         \
	} while (0)

/*
 * Let other tasks run: wake our own waker and return PENDING once; the
 * executor polls this future again after the tasks already queued.  For
 * long loops that never wait (fairness).
 */
#define KEEL_YIELD(co, cx)                                                     \
	do {                                                                   \
		(co)->resume = __LINE__;                                       \
		keel_waker_wake_by_ref((cx)->waker);                           \
		return KEEL_PENDING;                                           \
	case __LINE__:;                                                        \
	} while (0)

/* Finish with `value` as the result of the int future `self`. */
#define KEEL_ASYNC_RETURN(co, self, value)                                     \
	do {                                                                   \
		(self)->result = (value);                                      \
		(co)->resume = KEEL_ASYNC_DONE;                                \
		return KEEL_READY;                                             \
	} while (0)

/* Close the body: reaching the end returns `value`. */
#define KEEL_ASYNC_END(co, self, value)                                        \
	}                                                                      \
	KEEL_ASYNC_RETURN(co, self, value)

/* From the future's drop(): drop the future being awaited, if any. */
static inline void keel_async_drop(struct keel_async *co)
{
	if (co->awaiting) {
		keel_future_drop(&co->awaiting->future);
		co->awaiting = NULL;
	}
}

/* ---- futures of futures ------------------------------------------------ */

/*
 * A future that polls all `n` futures (at most KEEL_JOIN_MAX) and is READY
 * when every one of them is.  Each is dropped as soon as it is READY, its
 * result stored in results[i] (`results` may be NULL; otherwise caller
 * memory valid until the join-all is dropped).  The join-all's own result
 * is 0 when every result is >= 0, else the result of the lowest-numbered
 * future that failed.  Dropping it drops (cancels) the futures still
 * pending.  Like Rust's futures::future::join_all, every poll polls each
 * pending future, so it suits tens of futures; spawn tasks for thousands.
 *
 * It takes ownership of all `n` futures at once; the array itself is the
 * caller's and may go once the call returns.  If one of them is NULL (its
 * allocation failed), or there is no memory, it drops the others and
 * returns NULL.  n == 0 gives a future READY with 0; n > KEEL_JOIN_MAX or
 * `futures` NULL with n > 0 gives one READY with -EINVAL.
 */
struct keel_int_future *keel_join_all(struct keel_int_future *const *futures,
				      uint32_t n, int64_t *results);

/*
 * A future that polls the `n` futures (in order, at most KEEL_JOIN_MAX)
 * until one is READY: that one wins.  Its result becomes the select's
 * result, its index goes to *winner (`winner` may be NULL), and every
 * future is dropped at once, the losers still pending, which cancels them
 * (Rust's select!).  When several are ready in one poll, the lowest index
 * wins.  Ownership and failures as for keel_join_all; n == 0 gives a
 * future READY with -EINVAL.
 */
struct keel_int_future *keel_select(struct keel_int_future *const *futures,
				    uint32_t n, uint32_t *winner);

#define KEEL_JOIN_MAX 4096

/* ---- layout (LP64) ----------------------------------------------------- */

_Static_assert(sizeof(struct keel_async) == 16, "keel_async");
_Static_assert(offsetof(struct keel_async, awaiting) == 8,
	       "keel_async awaiting");

#endif /* KEEL_ASYNC_H */
