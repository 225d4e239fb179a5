/*
 * keel/task.h - tasks: futures the kernel's executor runs on its own.
 *
 * A future does nothing until somebody polls it.  block_on polls one on the
 * calling thread; keel_spawn hands one to the executor instead, which polls
 * it on whichever hart has time whenever its waker is woken, until it is
 * READY.  A spawned future is a *task*: it has a name and an id, shows up in
 * the shell's `tasks` command, and belongs to the module whose code its
 * poll function is (`rmmod` refuses that module while the task lives).
 *
 *     Rust (tokio)                     Keel
 *     tokio::spawn(fut) -> JoinHandle  keel_spawn(name, fut, &join)
 *     handle.await                     await `join` (a keel_int_future)
 *     drop(handle)  (detach)           keel_future_drop(&join->future)
 *     handle.abort()                   keel_cancel(join)
 *     Err(JoinError::Cancelled)        result -ECANCELED
 *
 * The executor owns the future from the call on: it polls it, and drops it
 * exactly once (rule 5 of keel/future.h) when it is READY or cancelled.
 * A task costs one allocation of the executor's own (docs/executor.md gives
 * its size) besides the future.
 *
 * Since ABI 1.1.
 */
#ifndef KEEL_TASK_H
#define KEEL_TASK_H

#include <keel/future.h>

/* Longest task name kept, without the NUL (longer names are cut). */
#define KEEL_TASK_NAME_MAX 15

/*
 * Run `future` as a task named `name` (NULL: the future's vtable name, or
 * "task").  Returns 0 or a negative errno: -ENOMEM (no memory, or `future`
 * is NULL because the call that made it had none), -EBUSY (the module whose
 * code polls it is being unloaded).  The executor owns `future` whatever
 * the outcome: on failure it has already been dropped.
 *
 * `join` (may be NULL: a detached task) receives, on success, a future
 * that becomes READY when the task has ended; its result is the task's
 * result, or -ECANCELED if it was cancelled first.  The caller owns it and
 * drops it once (before or after it is READY): dropping it detaches the
 * task, which then runs on to its end.  On failure *join is NULL.
 *
 * May be called from threads and from inside a poll (a task may spawn
 * tasks); never from an interrupt handler (it allocates).
 */
int keel_spawn(const char *name, struct keel_int_future *future,
	       struct keel_int_future **join);

/*
 * Cancel the task behind `join` (a join future keel_spawn returned, still
 * owned by the caller): the executor drops the task's future instead of
 * polling it again, on one of its own threads, soon but not necessarily
 * before keel_cancel returns (a poll under way on another hart finishes
 * first).  The join then yields -ECANCELED.  A task that already ended
 * keeps its result; cancelling twice is harmless.  Any context.  The caller
 * still drops `join`.
 */
void keel_cancel(struct keel_int_future *join);

#endif /* KEEL_TASK_H */
