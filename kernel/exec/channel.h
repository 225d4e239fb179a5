/*
 * channel.h - a one-slot channel: one future hands values to another.
 *
 * The smallest message queue there is: one slot, one sender, one receiver
 * (single producer, single consumer).  A send puts a value in the empty
 * slot and wakes the receiver; a receive takes it out and wakes the sender
 * if it was waiting for room.  Whoever finds the slot full (sending) or
 * empty (receiving) keeps its waker in the channel and is woken when that
 * changes: the channel is a small reactor of its own, and the
 * wake -> poll hop it causes is what `bench exec` measures.
 *
 *     Rust                                  Keel
 *     let (tx, rx) = async_channel::bounded(1)
 *                                           channel_init(&ch)
 *     tx.send(v).await                      KEEL_AWAIT(co, cx,
 *                                               channel_send(&ch, v), r)
 *     let v = rx.recv().await               KEEL_AWAIT(co, cx,
 *                                               channel_recv(&ch, &v), r)
 *     tx.try_send(v) / rx.try_recv()        channel_poll_send(&ch, v, NULL)
 *                                           / channel_poll_recv(&ch, &v, NULL)
 *     drop(tx) (closes)                     channel_close(&ch)
 *     Err(RecvError) / Err(SendError)       -ECANCELED
 *
 * Two ways to use it.  A coroutine awaits the futures channel_send and
 * channel_recv make (one allocation per await).  A hand-written future
 * calls channel_poll_send / channel_poll_recv from its own poll, the way
 * sleeps call exec_timer_poll: nothing is allocated, and a value costs a
 * few instructions and one wake.
 *
 * One waiting sender and one waiting receiver at a time: the channel keeps
 * one waker per side, so a second future waiting on the same side would
 * take the first one's place and the first would never be woken.  Put a
 * channel between two tasks (or a task and a thread), not more.
 *
 * The struct is the caller's memory and must not move or go while a waker
 * is kept in it.  channel_close wakes (and so releases) both sides, and no
 * waker is kept after it: close, then free.  A future that gives up a
 * wait (its drop) calls channel_forget_send / channel_forget_recv, which
 * drop the waker kept for it (rule 5 of keel/future.h).
 *
 * Wakes happen under the channel's lock (rule 6 of keel/future.h), so the
 * lock comes before exec_lock: channel lock -> exec_lock (exec.h).
 */
#ifndef KEEL_EXEC_CHANNEL_H
#define KEEL_EXEC_CHANNEL_H

#include <stdint.h>

#include <keel/future.h>

#include "sync/spinlock.h"

struct channel {
	struct spinlock lock;
	uint32_t full;		    /* the slot holds `value` */
	uint32_t closed;	    /* channel_close was called */
	int64_t value;		    /* the slot */
	struct keel_waker sender;   /* a sender waiting for room */
	struct keel_waker receiver; /* a receiver waiting for a value */
};

/* An open, empty channel. */
void channel_init(struct channel *ch, const char *name);

/*
 * Put `value` in the slot.  Returns 0 (sent: a waiting receiver is woken),
 * -EAGAIN (the slot is full; cx's waker is kept and woken once the value
 * there is taken, so poll again then) or -ECANCELED (the channel is
 * closed).  `cx` may be NULL: a try that keeps no waker.  Any context
 * (from a poll, a thread, or with cx NULL an interrupt handler).
 */
int channel_poll_send(struct channel *ch, int64_t value,
		      struct keel_context *cx);

/*
 * Take the value out of the slot into *value.  Returns 0 (a waiting sender
 * is woken), -EAGAIN (empty; cx's waker is kept and woken by the next send
 * or the close) or -ECANCELED (closed, and the value sent before the close
 * has been taken).  `cx` may be NULL as for channel_poll_send.
 */
int channel_poll_recv(struct channel *ch, int64_t *value,
		      struct keel_context *cx);

/*
 * Drop the waker kept for a waiting sender (receiver): its future is being
 * dropped.  Harmless when none is kept.
 */
void channel_forget_send(struct channel *ch);
void channel_forget_recv(struct channel *ch);

/*
 * No more sends: both sides are woken (their wakers released), a send gets
 * -ECANCELED, and a receive gets the value still in the slot, then
 * -ECANCELED.  Closing twice is harmless.  Afterwards the channel keeps no
 * waker.
 */
void channel_close(struct channel *ch);

/*
 * Futures for coroutines: READY with result 0 once `value` is sent (or
 * received into *value, caller memory valid until the future is dropped),
 * or with -ECANCELED once the channel is closed.  Dropping one still pending
 * gives up the wait (nothing is sent or taken).  NULL without memory.
 */
struct keel_int_future *channel_send(struct channel *ch, int64_t value);
struct keel_int_future *channel_recv(struct channel *ch, int64_t *value);

#endif /* KEEL_EXEC_CHANNEL_H */
