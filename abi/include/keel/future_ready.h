/*
 * keel/future_ready.h - a future that is finished before anyone polls it.
 *
 * Interfaces that may wait return futures (keel/future.h), but not every
 * implementation has anything to wait for: ramfs and memfs keep everything
 * in memory, a lookup may be answered from a cache, an argument check may
 * fail at once.  Such an operation does its work in the call and returns a
 * *ready future*: its first poll returns KEEL_READY with the result that
 * was set when it was made, it never touches a waker, and dropping it
 * frees it.
 *
 * The usual pattern allocates the future first, so that running out of
 * memory happens before anything has changed ("validate, then act"):
 *
 *     struct keel_int_future *f = keel_future_ready(0);
 *
 *     if (!f)
 *             return NULL;            // -ENOMEM, nothing done
 *     f->result = do_the_work(...);   // the caller sees this result
 *     return f;
 *
 * Until it is handed out, the future belongs to its maker, which may set
 * `result` freely; after that, only its poller reads it.
 *
 * Some operations cannot be refused and so must not fail for lack of
 * memory: a filesystem's release and unmount (keel/vfs.h).  When they have
 * nothing to wait for they do their work and return keel_future_done(), a
 * future READY with result 0 that costs no memory at all.
 *
 * Since ABI 1.1.
 */
#ifndef KEEL_FUTURE_READY_H
#define KEEL_FUTURE_READY_H

#include <stdint.h>

#include <keel/future.h>

/*
 * A new ready future whose result is `result` (a count, 0, or a negative
 * errno).  It is kmalloc'd and owned by whoever drops it; drop frees it.
 * Returns NULL only when there is no memory.  Never sleeps: callable from
 * any context, poll functions included.
 */
struct keel_int_future *keel_future_ready(int64_t result);

/*
 * The future of work already done with result 0: one shared, read-only
 * future whose drop does nothing.  Never NULL, allocates nothing, callable
 * from any context.  Its result must never be written (it lives in
 * read-only memory: a write faults).
 */
struct keel_int_future *keel_future_done(void);

#endif /* KEEL_FUTURE_READY_H */
