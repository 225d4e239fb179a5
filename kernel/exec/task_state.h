/*
 * task_state.h - a task's state word and the moves that change it.
 *
 * Every race the executor must settle (a double wake, a wake during poll,
 * a wake after completion, a cancel in flight) is a question about one
 * 32-bit word, struct task's `state`.  The word is changed only by the
 * moves below, each one atomic: task_state_apply reads the word, computes
 * the next one with task_state_next and stores it with a compare-and-swap
 * (lr.w / sc.w on RISC-V), again if another hart changed the word in
 * between.  No lock is taken: a wake of a task already QUEUED or RUNNING,
 * which is most wakes, costs one load, and a poll that nobody woke during
 * costs one compare-and-swap to leave RUNNING.
 *
 * The bits:
 *
 *   QUEUED     the task is on the run queue, or on its way on or off it:
 *              whoever sets it pushes the task (once), whoever pops the
 *              task clears it.  Never pushed twice.
 *   RUNNING    a worker is polling (or dropping) the future.
 *   NOTIFIED   woken while RUNNING: the worker pushes the task again when
 *              the poll returns (at the back of the queue).
 *   CANCELLED  drop the future instead of polling it.
 *   DONE       the future is dropped; wakes do nothing.
 *   JOIN_READY join.result holds the result (set under join_lock).
 *
 * The moves, and what the mover must do next (enum task_action):
 *
 *   WAKE    DONE or QUEUED: nothing.  RUNNING: set NOTIFIED (NOTIFY).
 *           Else set QUEUED (ENQUEUE: push it).
 *   CANCEL  DONE or CANCELLED already: nothing.  Set CANCELLED; if
 *           neither RUNNING nor QUEUED also QUEUED (ENQUEUE), so that a
 *           worker gets to drop it.
 *   RUN     (popped, so QUEUED and not RUNNING) clear QUEUED, set RUNNING:
 *           POLL, or DROP when CANCELLED.  This is QUEUED|RUNNING flipped,
 *           which one amoxor does (the host tests check it is the same).
 *   SETTLE  (RUNNING, the poll returned PENDING, or nothing was polled)
 *           CANCELLED: DROP, still RUNNING.  NOTIFIED: clear RUNNING and
 *           NOTIFIED, set QUEUED (ENQUEUE).  Else clear RUNNING.
 *   FINISH  (RUNNING) the future is being dropped: clear RUNNING and
 *           NOTIFIED, set DONE.
 *
 Why no wake is lost: the waker publishes the wake's cause (a value in a
 * channel, an expired timer) before it reads the word, and a fence orders
 * the two; the worker flips the word to RUNNING with an atomic that orders
 * it before the poll reads the cause.  So either the wake reads the word
 * before the flip (it saw QUEUED: the poll to come sees the cause) or
 * after (it saw RUNNING and set NOTIFIED, or saw neither and queued the
 * task again).  Usually the cause is also published under a lock the poll
 * takes (rule 6 of keel/future.h), which orders them the same way.
 * tests/host/test_executor_state.c plays every interleaving of these moves
 * between a worker, a waker and a canceller and checks the invariants.
 */
#ifndef KEEL_EXEC_TASK_STATE_H
#define KEEL_EXEC_TASK_STATE_H

#include <stdint.h>

#define TASK_QUEUED	0x01
#define TASK_RUNNING	0x02
#define TASK_NOTIFIED	0x04
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
	TASK_ENQUEUE, /* this move set QUEUED: push the task on the run queue */
	TASK_NOTIFY,  /* woken during its poll: its worker pushes it later */
	TASK_POLL,    /* RUN: poll the future */
	TASK_DROP,    /* RUN or SETTLE: cancelled, drop the future */
};

/* The word after `move` from `state`, and what the mover does next. */
static inline uint32_t task_state_next(uint32_t state, enum task_move move,
				       enum task_action *action)
{
	*action = TASK_NOTHING;
	switch (move) {
	case TASK_WAKE:
		if (state & (TASK_DONE | TASK_QUEUED))
			return state;
		if (state & TASK_RUNNING) {
			*action = TASK_NOTIFY;
			return state | TASK_NOTIFIED;
		}
		*action = TASK_ENQUEUE;
		return state | TASK_QUEUED;
	case TASK_CANCEL:
		if (state & (TASK_DONE | TASK_CANCELLED))
			return state;
		if (state & (TASK_RUNNING | TASK_QUEUED))
			return state | TASK_CANCELLED;
		*action = TASK_ENQUEUE;
		return state | TASK_CANCELLED | TASK_QUEUED;
	case TASK_RUN:
		*action = state & TASK_CANCELLED ? TASK_DROP : TASK_POLL;
		return (state & ~TASK_QUEUED) | TASK_RUNNING;
	case TASK_SETTLE:
		if (state & TASK_CANCELLED) {
			*action = TASK_DROP;
			return state;
		}
		if (state & TASK_NOTIFIED) {
			*action = TASK_ENQUEUE;
			return (state & ~(TASK_RUNNING | TASK_NOTIFIED)) |
			       TASK_QUEUED;
		}
		return state & ~TASK_RUNNING;
	case TASK_FINISH:
		return (state & ~(TASK_RUNNING | TASK_NOTIFIED)) | TASK_DONE;
	}
	return state;
}

/*
 * Make `move` on *word atomically; returns what the mover does next.  A
 * move that changes nothing writes nothing.  The fence orders what the
 * mover wrote before (a wake's cause) before its read of the word; the
 * swap releases it to whoever makes the next move.
 */
static inline enum task_action task_state_apply(uint32_t *word,
						enum task_move move)
{
	uint32_t state, next;
	enum task_action action;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	state = __atomic_load_n(word, __ATOMIC_RELAXED);
	do {
		next = task_state_next(state, move, &action);
		if (next == state)
			break;
	} while (!__atomic_compare_exchange_n(
	    word, &state, next, true, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
	return action;
}

/*
 * RUN, as one atomic flip of QUEUED and RUNNING (a popped task is QUEUED
 * and not RUNNING, and no other move changes either bit meanwhile).
 * Sequentially consistent: the poll's reads come after it.
 */
static inline enum task_action task_state_run(uint32_t *word)
{
	uint32_t state = __atomic_fetch_xor(word, TASK_QUEUED | TASK_RUNNING,
					    __ATOMIC_SEQ_CST);

	return state & TASK_CANCELLED ? TASK_DROP : TASK_POLL;
}

#endif /* KEEL_EXEC_TASK_STATE_H */
