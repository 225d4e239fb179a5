/*
 * channel.c - the one-slot channel of channel.h.
 *
 * The whole state is four words under one spinlock: is the slot full, is
 * the channel closed, the value, and one kept waker per side.  Each poll
 * function takes the lock once and does one of three things:
 *
 *   progress  move the value in (send) or out (recv), and wake the other
 *             side if it waits: its wait is over;
 *   wait      keep cx's waker (keel_waker_register: no new clone when the
 *             same task waits again, which is the common case in a
 *             ping-pong) and answer -EAGAIN;
 *   closed    answer -ECANCELED, keeping nothing.
 *
 * Every wake consumes the kept waker (keel_waker_wake) under the lock, as
 * rule 6 of keel/future.h asks: the woken future cannot see the new state
 * until the wake has returned.  A kept waker therefore always belongs to a
 * wait that has not been answered yet; once answered, the waiter registers
 * again if it has to wait again.
 *
 * The lock is taken with spin_lock_irqsave: its sections nest strictly
 * (a wake inside takes exec_lock and lets it go before returning), and a
 * hop between two tasks through channels takes it three times, so the
 * pair at half the price of spin_lock's counts (docs/bench/executor.md).
 *
 * The futures at the end wrap the poll functions for coroutines; they cost
 * one allocation each, where a hand-written poll calling
 * channel_poll_send/recv costs none.
 */
#include <keel/errno.h>

#include "exec/channel.h"
#include "mm/kmalloc.h"

void channel_init(struct channel *ch, const char *name)
{
	spin_init(&ch->lock, name);
	ch->full = 0;
	ch->closed = 0;
	ch->value = 0;
	ch->sender.vtable = NULL;
	ch->receiver.vtable = NULL;
}

int channel_poll_send(struct channel *ch, int64_t value,
		      struct keel_context *cx)
{
	int err = 0;

	spin_lock_irqsave(&ch->lock);
	if (ch->closed) {
		err = -ECANCELED;
	} else if (ch->full) {
		if (cx)
			keel_waker_register(&ch->sender, cx);
		err = -EAGAIN;
	} else {
		ch->value = value;
		ch->full = 1;
		keel_waker_wake(&ch->receiver);
	}
	spin_unlock_irqrestore(&ch->lock);
	return err;
}

int channel_poll_recv(struct channel *ch, int64_t *value,
		      struct keel_context *cx)
{
	int err = 0;

	spin_lock_irqsave(&ch->lock);
	if (ch->full) {
		*value = ch->value;
		ch->full = 0;
		keel_waker_wake(&ch->sender);
	} else if (ch->closed) {
		err = -ECANCELED;
	} else {
		if (cx)
			keel_waker_register(&ch->receiver, cx);
		err = -EAGAIN;
	}
	spin_unlock_irqrestore(&ch->lock);
	return err;
}

/* Take the waker out of *slot under the lock; drop it after. */
static void forget(struct channel *ch, struct keel_waker *slot)
{
	struct keel_waker waker;

	spin_lock_irqsave(&ch->lock);
	waker = *slot;
	slot->vtable = NULL;
	spin_unlock_irqrestore(&ch->lock);
	keel_waker_drop(&waker);
}

void channel_forget_send(struct channel *ch)
{
	forget(ch, &ch->sender);
}

void channel_forget_recv(struct channel *ch)
{
	forget(ch, &ch->receiver);
}

void channel_close(struct channel *ch)
{
	spin_lock_irqsave(&ch->lock);
	ch->closed = 1;
	keel_waker_wake(&ch->sender);
	keel_waker_wake(&ch->receiver);
	spin_unlock_irqrestore(&ch->lock);
}

/* ---- futures for coroutines ---- */

/* A send or a receive in flight: 48 bytes, kmalloc's 64-byte class. */
struct channel_op {
	struct keel_int_future base;
	struct channel *ch;
	int64_t value;	  /* send: the value to send */
	int64_t *out;	  /* recv: where the value goes */
	uint32_t waiting; /* the last poll left a waker in the channel */
	uint32_t reserved0;
};

static enum keel_poll op_finish(struct channel_op *op, int err)
{
	op->waiting = err == -EAGAIN;
	if (op->waiting)
		return KEEL_PENDING;
	op->base.result = err;
	return KEEL_READY;
}

static enum keel_poll send_poll(struct keel_future *f, struct keel_context *cx)
{
	struct channel_op *op = (struct channel_op *)f;

	return op_finish(op, channel_poll_send(op->ch, op->value, cx));
}

static enum keel_poll recv_poll(struct keel_future *f, struct keel_context *cx)
{
	struct channel_op *op = (struct channel_op *)f;

	return op_finish(op, channel_poll_recv(op->ch, op->out, cx));
}

static void send_drop(struct keel_future *f)
{
	struct channel_op *op = (struct channel_op *)f;

	if (op->waiting)
		channel_forget_send(op->ch);
	kfree(op);
}

static void recv_drop(struct keel_future *f)
{
	struct channel_op *op = (struct channel_op *)f;

	if (op->waiting)
		channel_forget_recv(op->ch);
	kfree(op);
}

static const struct keel_future_vtable send_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "channel_send",
    .poll = send_poll,
    .drop = send_drop,
};

static const struct keel_future_vtable recv_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "channel_recv",
    .poll = recv_poll,
    .drop = recv_drop,
};

static struct keel_int_future *op_new(const struct keel_future_vtable *vtable,
				      struct channel *ch, int64_t value,
				      int64_t *out)
{
	struct channel_op *op = kmalloc(sizeof(*op));

	if (!op)
		return NULL;
	op->base.future.vtable = vtable;
	op->ch = ch;
	op->value = value;
	op->out = out;
	op->waiting = 0;
	return &op->base;
}

struct keel_int_future *channel_send(struct channel *ch, int64_t value)
{
	return op_new(&send_vtable, ch, value, NULL);
}

struct keel_int_future *channel_recv(struct channel *ch, int64_t *value)
{
	return op_new(&recv_vtable, ch, 0, value);
}
