/*
 * task_state.h - a task's state word and the moves that change it.
 *
 * Every race the executor must settle (a double wake, a wake during poll,
 * a wake after completion, a cancel in flight) is a question about one
 * 32-bit word, struct task's `state`, and each question is answered by one
 * atomic read-modify-write of it.  No lock is taken: a wake is one amoor,
 * the worker's start of a poll one amoxor, its end one compare-and-swap
 * (lr.w / sc.w, again if another hart changed the word in between).  Only
 * putting the task on the run queue, when a move says so, takes exec_lock.
 *
 * The bits:
 *
 *   NOTIFIED   a poll is owed: the task was woken (or spawned) and not
 *              polled since.  Without RUNNING the task is on the run queue
 *              (or on its way on or off it), hence the second name QUEUED;
 *              with RUNNING it was woken during its poll, and goes back on
 *              the queue when the poll returns.  The move that sets it on
 *              a task neither RUNNING nor NOTIFIED pushes the task, so a
 *              task is never on the queue twice.
 *   RUNNING    a worker is polling (or dropping) the future.
 *   CANCELLED  drop the future instead of polling it.
 *   DONE       the future is dropped; wakes do nothing.
 *   JOIN_READY join.result holds the result (set under join_lock).
 *
 * The moves, and what the mover must do next (enum task_action):
 *
 *   WAKE    set NOTIFIED (one amoor).  It was set already, or DONE:
 *           nothing.  RUNNING: NOTIFY (the worker requeues the task).
 *           Else ENQUEUE: the waker pushes it.
 *   CANCEL  CANCELLED or DONE already: nothing.  Set CANCELLED; if the task
 *           is neither RUNNING nor NOTIFIED, set NOTIFIED too and ENQUEUE,
 *           so that a worker gets to drop it.
 *   RUN     (popped: NOTIFIED, not RUNNING) clear NOTIFIED, set RUNNING
 *           (one amoxor flips both): POLL, or DROP when CANCELLED.
 *   SETTLE  (RUNNING; the poll returned PENDING, or nothing was polled)
 *           CANCELLED: DROP, still RUNNING.  Else clear RUNNING, and if
 *           NOTIFIED (woken during the poll) ENQUEUE.
 *   FINISH  (RUNNING) the future is being dropped: clear RUNNING and
 *           NOTIFIED, set DONE.
 *
 * Why no wake is lost: every move is a read-modify-write of the same word
 * with acquire and release ordering, so the moves happen one after the
 * other, and each sees what was written before the ones before it.  The
 * waker publishes the wake's cause (a value in a channel, an expired timer)
 * before its amoor; the worker's amoxor comes before the poll reads the
 * cause.  If the amoor came first, the poll sees the cause.  If the amoxor
 * came first, the amoor found RUNNING and left NOTIFIED, which SETTLE,
 * coming after it, finds: the task is polled again.
 * tests/host/test_executor_state.c plays every interleaving of these moves
 * between a worker, wakers and a canceller and checks that.
 */
#ifndef KEEL_EXEC_TASK_STATE_H
#define KEEL_EXEC_TASK_STATE_H

#include <stdint.h>

#define TASK_NOTIFIED	0x01
#define TASK_QUEUED	TASK_NOTIFIED /* when not RUNNING */
#define TASK_RUNNING	0x02
#define TASK_CANCELLED	0x08
#define TASK_DONE	0x10
#define TASK_JOIN_READY 0x20

enum task_move {
	TASK_WAKE,
	TASK_CANCEL,
	TASK_RUN,
	TASK_SETTLE,
	TASK_FINISH,
};

enum task_action {
	TASK_NOTHING, /* nothing more to do */
	TASK_ENQUEUE, /* the move set NOTIFIED: push the task on the run queue
		       */
	TASK_NOTIFY,  /* woken during its poll: its worker pushes it later */
	TASK_POLL,    /* RUN: poll the future */
	TASK_DROP,    /* RUN or SETTLE: cancelled, drop the future */
};

/*
 * The word after `move` from `state`, and what the mover does next: the
 * rules above, as a function the host tests can play move by move.
 */
static inline uint32_t task_state_next(uint32_t state, enum task_move move,
				       enum task_action *action)
{
	*action = TASK_NOTHING;
	switch (move) {
	case TASK_WAKE:
		if (!(state & (TASK_NOTIFIED | TASK_DONE)))
			*action =
			    state & TASK_RUNNING ? TASK_NOTIFY : TASK_ENQUEUE;
		return state | TASK_NOTIFIED;
	case TASK_CANCEL:
		if (state & (TASK_DONE | TASK_CANCELLED))
			return state;
		if (state & (TASK_RUNNING | TASK_NOTIFIED))
			return state | TASK_CANCELLED;
		*action = TASK_ENQUEUE;
		return state | TASK_CANCELLED | TASK_NOTIFIED;
	case TASK_RUN:
		*action = state & TASK_CANCELLED ? TASK_DROP : TASK_POLL;
		return (state & ~TASK_NOTIFIED) | TASK_RUNNING;
	case TASK_SETTLE:
		if (state & TASK_CANCELLED) {
			*action = TASK_DROP;
			return state;
		}
		if (state & TASK_NOTIFIED)
			*action = TASK_ENQUEUE;
		return state & ~TASK_RUNNING;
	case TASK_FINISH:
		return (state & ~(TASK_RUNNING | TASK_NOTIFIED)) | TASK_DONE;
	}
	return state;
}

/*
 * Make `move` on *word atomically (a compare-and-swap loop); returns what
 * the mover does next.  For CANCEL, SETTLE and FINISH.
 */
static inline enum task_action task_state_apply(uint32_t *word,
						enum task_move move)
{
	uint32_t state = __atomic_load_n(word, __ATOMIC_RELAXED), next;
	enum task_action action;

	/*
	 * Sequentially consistent, not just acquire-release: GCC 12 builds
	 * an acquire-release lr/sc loop without the release half, which is
	 * what hands the poll's writes on to the next poller (via a wake).
	 */
	do
		next = task_state_next(state, move, &action);
	while (!__atomic_compare_exchange_n(
	    word, &state, next, true, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	return action;
}

/* WAKE, as one amoor (the host tests check it is the same move). */
static inline enum task_action task_state_wake(uint32_t *word)
{
	uint32_t state =
	    __atomic_fetch_or(word, TASK_NOTIFIED, __ATOMIC_ACQ_REL);

	if (state & (TASK_NOTIFIED | TASK_DONE))
		return TASK_NOTHING;
	return state & TASK_RUNNING ? TASK_NOTIFY : TASK_ENQUEUE;
}

/* RUN, as one amoxor of NOTIFIED and RUNNING (popped: NOTIFIED is set and
 * RUNNING is not, and no other move clears one or sets the other). */
static inline enum task_action task_state_run(uint32_t *word)
{
	uint32_t state = __atomic_fetch_xor(word, TASK_NOTIFIED | TASK_RUNNING,
					    __ATOMIC_ACQ_REL);

	return state & TASK_CANCELLED ? TASK_DROP : TASK_POLL;
}

#endif /* KEEL_EXEC_TASK_STATE_H */
