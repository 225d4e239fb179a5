/*
 * block_on.h - run one future to completion on the calling kernel thread.
 *
 * The bridge between the synchronous kernel (shell commands, the VFS's path
 * walk) and futures: block_on polls the future; while it is PENDING the
 * thread sleeps until the future's waker is woken, then polls again.  Like
 * Rust's futures::executor::block_on, it needs no executor.
 */
#ifndef KEEL_EXEC_BLOCK_ON_H
#define KEEL_EXEC_BLOCK_ON_H

#include <keel/future.h>

/*
 * Poll `f` until it is READY, sleeping between polls; then drop it (which
 * frees it if it owns its memory) and return its result.  Thread context
 * only; never from an interrupt handler or from inside a poll.  `f` may be
 * NULL: the call that should have made it failed for lack of memory, and
 * block_on returns -ENOMEM, so `block_on(op(...))` needs no separate check.
 */
int64_t block_on(struct keel_int_future *f);

/*
 * The same for any future: poll until READY, without dropping it (its
 * output stays readable in its struct; the caller drops it).
 */
void block_on_future(struct keel_future *f);

#endif /* KEEL_EXEC_BLOCK_ON_H */
