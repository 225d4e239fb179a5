/*
 * test_executor_channel.c - the one-slot channel (kernel/exec/channel.c)
 * on the host, with the executor core and the fake machine of
 * executor_fake.h.
 *
 * The poll functions are driven by hand with a waker that counts what is
 * done to it (clones, wakes, drops), so each case can say exactly which
 * waker the channel keeps and when it lets it go; then two spawned tasks
 * ping-pong through a pair of channels, and coroutines await the channel's
 * futures.  Every case ends with no allocation, no kept waker reference and
 * no lock left.
 */
#include <keel/async.h>
#include <keel/errno.h>
#include <keel/task.h>

#include "exec/channel.h"
#include "executor_fake.h"
#include "mm/kmalloc.h"
#include "shim.h"
#include "tap.h"

static int fail_next_allocation;

void *kmalloc(size_t size)
{
	if (fail_next_allocation) {
		fail_next_allocation = 0;
		return NULL;
	}
	return shim_kmalloc(size);
}

/* ---- a waker that counts ---- */

struct counts {
	int clones, wakes, drops;
};

static struct keel_waker counted_clone(const void *data);

static void counted_wake(const void *data)
{
	struct counts *c = (struct counts *)data;

	c->wakes++;
	c->drops++; /* wake consumes the reference */
}

static void counted_wake_by_ref(const void *data)
{
	((struct counts *)data)->wakes++;
}

static void counted_drop(const void *data)
{
	((struct counts *)data)->drops++;
}

static const struct keel_waker_vtable counted_vtable = {
    .size = sizeof(struct keel_waker_vtable),
    .clone = counted_clone,
    .wake = counted_wake,
    .wake_by_ref = counted_wake_by_ref,
    .drop = counted_drop,
};

static struct keel_waker counted_clone(const void *data)
{
	((struct counts *)data)->clones++;
	return (struct keel_waker){data, &counted_vtable};
}

/* A context whose waker counts into *c (the borrowed waker is not a clone). */
struct counted_cx {
	struct keel_waker waker;
	struct keel_context cx;
};

static void counted_cx_init(struct counted_cx *k, struct counts *c)
{
	k->waker = (struct keel_waker){c, &counted_vtable};
	k->cx = (struct keel_context){sizeof(k->cx), 0, &k->waker};
}

/* Every clone the channel took was released (woken or dropped). */
static int balanced(const struct counts *c)
{
	return c->clones == c->drops;
}

static void begin(void)
{
	fake_reset();
	fail_next_allocation = 0;
}

static void end(void)
{
	CHECK_EQ(fake_run_all(), 0);
	CHECK_EQ(shim_live_allocations, 0);
	CHECK_EQ(shim_locks_held, 0);
}

/* ---- the poll functions ---- */

static void a_value_sent_is_received_once(void)
{
	struct channel ch;
	int64_t v = 0;

	begin();
	channel_init(&ch, "test");
	CHECK_EQ(channel_poll_send(&ch, 42, NULL), 0);
	CHECK_EQ(channel_poll_recv(&ch, &v, NULL), 0);
	CHECK_EQ(v, 42);
	CHECK_EQ(channel_poll_recv(&ch, &v, NULL), -EAGAIN);
	channel_close(&ch);
	end();
}

static void the_slot_holds_one_value(void)
{
	struct channel ch;
	int64_t v = 0;

	begin();
	channel_init(&ch, "test");
	CHECK_EQ(channel_poll_send(&ch, 1, NULL), 0);
	CHECK_EQ(channel_poll_send(&ch, 2, NULL), -EAGAIN);
	CHECK_EQ(channel_poll_recv(&ch, &v, NULL), 0);
	CHECK_EQ(v, 1); /* the refused value never replaced it */
	CHECK_EQ(channel_poll_send(&ch, 2, NULL), 0);
	CHECK_EQ(channel_poll_recv(&ch, &v, NULL), 0);
	CHECK_EQ(v, 2);
	channel_close(&ch);
	end();
}

static void a_waiting_receiver_is_woken_by_the_send(void)
{
	struct channel ch;
	struct counts c = {0};
	struct counted_cx k;
	int64_t v = 0;

	begin();
	counted_cx_init(&k, &c);
	channel_init(&ch, "test");
	CHECK_EQ(channel_poll_recv(&ch, &v, &k.cx), -EAGAIN);
	CHECK_EQ(c.clones, 1);
	CHECK_EQ(c.wakes, 0);
	CHECK_EQ(channel_poll_send(&ch, 7, NULL), 0);
	CHECK_EQ(c.wakes, 1);
	CHECK(balanced(&c)); /* the wake consumed the kept clone */
	CHECK_EQ(channel_poll_recv(&ch, &v, &k.cx), 0);
	CHECK_EQ(v, 7);
	CHECK_EQ(c.clones, 1); /* answered at once: nothing kept */
	channel_close(&ch);
	CHECK_EQ(c.wakes, 1);
	end();
}

static void a_waiting_sender_is_woken_by_the_receive(void)
{
	struct channel ch;
	struct counts c = {0};
	struct counted_cx k;
	int64_t v = 0;

	begin();
	counted_cx_init(&k, &c);
	channel_init(&ch, "test");
	CHECK_EQ(channel_poll_send(&ch, 1, &k.cx), 0);
	CHECK_EQ(c.clones, 0);
	CHECK_EQ(channel_poll_send(&ch, 2, &k.cx), -EAGAIN);
	CHECK_EQ(c.clones, 1);
	CHECK_EQ(channel_poll_recv(&ch, &v, NULL), 0);
	CHECK_EQ(c.wakes, 1);
	CHECK(balanced(&c));
	CHECK_EQ(channel_poll_send(&ch, 2, &k.cx), 0);
	CHECK_EQ(channel_poll_recv(&ch, &v, NULL), 0);
	CHECK_EQ(v, 2);
	channel_close(&ch);
	end();
}

static void waiting_again_with_the_same_waker_clones_nothing(void)
{
	struct channel ch;
	struct counts c = {0};
	struct counted_cx k;
	int64_t v = 0;

	begin();
	counted_cx_init(&k, &c);
	channel_init(&ch, "test");
	for (int i = 0; i < 5; i++)
		CHECK_EQ(channel_poll_recv(&ch, &v, &k.cx), -EAGAIN);
	CHECK_EQ(c.clones, 1);
	channel_close(&ch);
	CHECK_EQ(c.wakes, 1);
	CHECK(balanced(&c));
	end();
}

static void a_new_waiter_replaces_the_old_waker(void)
{
	struct channel ch;
	struct counts a = {0}, b = {0};
	struct counted_cx ka, kb;
	int64_t v = 0;

	begin();
	counted_cx_init(&ka, &a);
	counted_cx_init(&kb, &b);
	channel_init(&ch, "test");
	CHECK_EQ(channel_poll_recv(&ch, &v, &ka.cx), -EAGAIN);
	CHECK_EQ(channel_poll_recv(&ch, &v, &kb.cx), -EAGAIN);
	CHECK(balanced(&a)); /* dropped, not woken */
	CHECK_EQ(a.wakes, 0);
	CHECK_EQ(channel_poll_send(&ch, 3, NULL), 0);
	CHECK_EQ(b.wakes, 1);
	CHECK(balanced(&b));
	channel_close(&ch);
	end();
}

static void forgetting_a_wait_drops_its_waker_unwoken(void)
{
	struct channel ch;
	struct counts r = {0}, s = {0};
	struct counted_cx kr, ks;
	int64_t v = 0;

	begin();
	counted_cx_init(&kr, &r);
	counted_cx_init(&ks, &s);
	channel_init(&ch, "test");
	CHECK_EQ(channel_poll_recv(&ch, &v, &kr.cx), -EAGAIN);
	channel_forget_recv(&ch);
	CHECK(balanced(&r));
	CHECK_EQ(r.wakes, 0);
	CHECK_EQ(channel_poll_send(&ch, 1, NULL), 0);
	CHECK_EQ(channel_poll_send(&ch, 2, &ks.cx), -EAGAIN);
	channel_forget_send(&ch);
	CHECK(balanced(&s));
	CHECK_EQ(s.wakes, 0);
	channel_forget_send(&ch); /* nothing kept: harmless */
	CHECK_EQ(channel_poll_recv(&ch, &v, NULL), 0);
	CHECK_EQ(v, 1);
	CHECK_EQ(r.wakes + s.wakes, 0); /* nobody was left to wake */
	channel_close(&ch);
	end();
}

static void close_wakes_both_sides_and_drains_the_slot(void)
{
	struct channel ch;
	struct counts r = {0}, s = {0};
	struct counted_cx kr, ks;
	int64_t v = 0;

	begin();
	counted_cx_init(&kr, &r);
	counted_cx_init(&ks, &s);
	channel_init(&ch, "test");
	CHECK_EQ(channel_poll_recv(&ch, &v, &kr.cx), -EAGAIN);
	channel_close(&ch);
	CHECK_EQ(r.wakes, 1);
	CHECK(balanced(&r));
	CHECK_EQ(channel_poll_recv(&ch, &v, &kr.cx), -ECANCELED);
	CHECK_EQ(r.clones, 1); /* closed: nothing kept */

	channel_init(&ch, "test");
	CHECK_EQ(channel_poll_send(&ch, 5, NULL), 0);
	CHECK_EQ(channel_poll_send(&ch, 6, &ks.cx), -EAGAIN);
	channel_close(&ch);
	CHECK_EQ(s.wakes, 1);
	CHECK(balanced(&s));
	CHECK_EQ(channel_poll_send(&ch, 6, &ks.cx), -ECANCELED);
	CHECK_EQ(channel_poll_recv(&ch, &v, &kr.cx), 0); /* sent before */
	CHECK_EQ(v, 5);
	CHECK_EQ(channel_poll_recv(&ch, &v, &kr.cx), -ECANCELED);
	channel_close(&ch); /* twice: harmless */
	CHECK(balanced(&r));
	CHECK(balanced(&s));
	end();
}

/* ---- two tasks ping-ponging ---- */

/*
 * Receives `rounds` values on `in`; sends `sends` values on `out`, each
 * one more than the last value received (the server starts with 0).
 * READY with the last value received.  Dropping it gives up its waits.
 */
struct player {
	struct keel_int_future base;
	struct channel *in, *out;
	int64_t value;
	uint32_t rounds, received;
	uint32_t sends, sent;
	uint32_t must_send; /* a value waits to be sent */
	uint32_t polls;
};

static enum keel_poll player_poll(struct keel_future *f,
				  struct keel_context *cx)
{
	struct player *p = (struct player *)f;
	int err;

	p->polls++;
	for (;;) {
		if (p->must_send) {
			err = channel_poll_send(p->out, p->value + 1, cx);
			if (err == -EAGAIN)
				return KEEL_PENDING;
			p->must_send = 0;
			p->sent++;
		}
		if (p->received == p->rounds) {
			p->base.result = p->value;
			return KEEL_READY;
		}
		err = channel_poll_recv(p->in, &p->value, cx);
		if (err == -EAGAIN)
			return KEEL_PENDING;
		if (err < 0) {
			p->base.result = err;
			return KEEL_READY;
		}
		p->received++;
		p->must_send = p->sent < p->sends;
	}
}

static void player_drop(struct keel_future *f)
{
	struct player *p = (struct player *)f;

	channel_forget_recv(p->in);
	channel_forget_send(p->out);
}

static const struct keel_future_vtable player_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "player",
    .poll = player_poll,
    .drop = player_drop,
};

static struct player player(struct channel *in, struct channel *out,
			    uint32_t rounds, int serves)
{
	return (struct player){
	    .base = {.future = {&player_vtable}},
	    .in = in,
	    .out = out,
	    .value = -1, /* the server sends value + 1 = 0 first */
	    .rounds = rounds,
	    .sends = rounds,
	    .must_send = serves,
	};
}

static void two_tasks_ping_pong_one_poll_per_hop(void)
{
	enum { ROUNDS = 100 };
	struct channel ping, pong;
	struct player a, b;
	struct keel_int_future *join_a, *join_b;
	int polls;

	begin();
	channel_init(&ping, "ping");
	channel_init(&pong, "pong");
	a = player(&pong, &ping, ROUNDS, 1);
	b = player(&ping, &pong, ROUNDS, 0);
	CHECK_EQ(keel_spawn("b", &b.base, &join_b), 0);
	CHECK_EQ(keel_spawn("a", &a.base, &join_a), 0);
	polls = fake_run_all();
	/* Each value sent wakes the other task once and it is polled once;
	   the two first polls start the game. */
	CHECK_EQ(polls, 2 * ROUNDS + 2);
	CHECK_EQ(a.polls + b.polls, polls);
	CHECK_EQ(join_a->result, 2 * ROUNDS - 1); /* the last pong */
	CHECK_EQ(join_b->result, 2 * ROUNDS - 2); /* the last ping */
	CHECK_EQ(a.sent + b.sent, 2 * ROUNDS);
	keel_future_drop(&join_a->future);
	keel_future_drop(&join_b->future);
	CHECK(!ping.full && !pong.full);
	end(); /* no channel_close needed: nobody waits */
}

static void a_task_cancelled_while_waiting_is_freed(void)
{
	struct channel ch;
	struct player p;
	struct keel_int_future *join;

	begin();
	channel_init(&ch, "test");
	p = player(&ch, &ch, 1, 0);
	CHECK_EQ(keel_spawn("p", &p.base, &join), 0);
	CHECK_EQ(fake_run_all(), 1);
	CHECK(ch.receiver.vtable != NULL);
	keel_cancel(join);
	CHECK_EQ(fake_run_all(), 1);
	CHECK_EQ(join->result, -ECANCELED);
	CHECK(ch.receiver.vtable == NULL); /* its drop gave the wait up */
	keel_future_drop(&join->future);
	end(); /* and with it the task header */
}

/* ---- coroutines awaiting the channel's futures ---- */

struct echo {
	struct keel_int_future base;
	struct keel_async co;
	struct channel *in, *out;
	int64_t value;
	int n;
};

static enum keel_poll echo_poll(struct keel_future *f, struct keel_context *cx)
{
	struct echo *e = (struct echo *)f;
	int64_t r;

	KEEL_ASYNC_BEGIN(&e->co);
	for (e->n = 0;; e->n++) {
		KEEL_AWAIT(&e->co, cx, channel_recv(e->in, &e->value), r);
		if (r < 0)
			break;
		KEEL_AWAIT(&e->co, cx, channel_send(e->out, e->value * 2), r);
		if (r < 0)
			break;
	}
	KEEL_ASYNC_END(&e->co, &e->base, e->n);
}

static void echo_drop(struct keel_future *f)
{
	keel_async_drop(&((struct echo *)f)->co);
}

static const struct keel_future_vtable echo_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "echo",
    .poll = echo_poll,
    .drop = echo_drop,
};

static void a_coroutine_awaits_sends_and_receives(void)
{
	struct channel in, out;
	struct echo e = {.base = {{&echo_vtable}, 0}};
	struct keel_int_future *join;
	int64_t v = 0;

	begin();
	channel_init(&in, "in");
	channel_init(&out, "out");
	e.in = &in;
	e.out = &out;
	CHECK_EQ(keel_spawn("echo", &e.base, &join), 0);
	fake_run_all();
	for (int i = 1; i <= 3; i++) {
		CHECK_EQ(channel_poll_send(&in, i, NULL), 0);
		fake_run_all();
		CHECK_EQ(channel_poll_recv(&out, &v, NULL), 0);
		CHECK_EQ(v, 2 * i);
	}
	/* The echo waits to receive: closing `in` ends it. */
	channel_close(&in);
	fake_run_all();
	CHECK_EQ(join->result, 3);
	keel_future_drop(&join->future);
	channel_close(&out);
	end();
}

static void a_coroutine_dropped_mid_await_gives_up_its_wait(void)
{
	struct channel in, out;
	struct echo e = {.base = {{&echo_vtable}, 0}};
	struct keel_int_future *join;

	begin();
	channel_init(&in, "in");
	channel_init(&out, "out");
	e.in = &in;
	e.out = &out;
	CHECK_EQ(keel_spawn("echo", &e.base, &join), 0);
	fake_run_all();
	CHECK(in.receiver.vtable != NULL); /* its waker waits in `in` */
	keel_cancel(join);
	fake_run_all();
	CHECK(in.receiver.vtable == NULL); /* the recv future let go */
	CHECK_EQ(join->result, -ECANCELED);
	keel_future_drop(&join->future);
	end(); /* the task header was freed without closing `in` */
}

static void a_future_dropped_unpolled_does_nothing(void)
{
	struct channel ch;
	struct keel_int_future *f;
	int64_t v = 0;

	begin();
	channel_init(&ch, "test");
	f = channel_send(&ch, 1);
	CHECK(f != NULL);
	keel_future_drop(&f->future); /* never polled: sends nothing */
	CHECK_EQ(channel_poll_recv(&ch, &v, NULL), -EAGAIN);
	CHECK_EQ(channel_poll_send(&ch, 2, NULL), 0);
	f = channel_recv(&ch, &v);
	keel_future_drop(&f->future); /* takes nothing */
	CHECK_EQ(channel_poll_recv(&ch, &v, NULL), 0);
	CHECK_EQ(v, 2);
	end();
}

static void no_memory_gives_null(void)
{
	struct channel ch;
	int64_t v = 0;

	begin();
	channel_init(&ch, "test");
	fail_next_allocation = 1;
	CHECK(channel_send(&ch, 1) == NULL);
	fail_next_allocation = 1;
	CHECK(channel_recv(&ch, &v) == NULL);
	end();
}

static const struct tap_case cases[] = {
    TAP_CASE(a_value_sent_is_received_once),
    TAP_CASE(the_slot_holds_one_value),
    TAP_CASE(a_waiting_receiver_is_woken_by_the_send),
    TAP_CASE(a_waiting_sender_is_woken_by_the_receive),
    TAP_CASE(waiting_again_with_the_same_waker_clones_nothing),
    TAP_CASE(a_new_waiter_replaces_the_old_waker),
    TAP_CASE(forgetting_a_wait_drops_its_waker_unwoken),
    TAP_CASE(close_wakes_both_sides_and_drains_the_slot),
    TAP_CASE(two_tasks_ping_pong_one_poll_per_hop),
    TAP_CASE(a_task_cancelled_while_waiting_is_freed),
    TAP_CASE(a_coroutine_awaits_sends_and_receives),
    TAP_CASE(a_coroutine_dropped_mid_await_gives_up_its_wait),
    TAP_CASE(a_future_dropped_unpolled_does_nothing),
    TAP_CASE(no_memory_gives_null),
};

int main(void)
{
	return tap_run(cases, TAP_COUNT(cases));
}
