/*
 * test_executor_state.c - the task state word (kernel/exec/task_state.h)
 * played through every interleaving.
 *
 * The executor settles its races without a lock: each party makes atomic
 * moves on the task's state word, and only the one whose move says so
 * pushes the task on the run queue.  Whether that is right is a question
 * about interleavings, so this test plays all of them.  A small world holds
 * the word, whether the task is on the run queue, the future ("it is READY
 * once it has seen every cause"), and a few parties, each a short program:
 *
 *   worker     pop the task, RUN, poll (the poll reads the causes published
 *              so far), SETTLE or FINISH, push again when SETTLE says so;
 *   waker      per round: publish a cause, WAKE, push if WAKE says so
 *              (a device interrupt, another hart's task, or the task
 *              itself during its poll: all are a wake at some moment);
 *   canceller  CANCEL, push if CANCEL says so.
 *
 * From the spawned state (NOTIFIED, on the queue), a depth-first search
 * tries every party's next step in every state, and checks at each step:
 * never on the queue twice, never pushed while RUNNING, never polled after
 * the drop, dropped at most once; and in every final state (nobody can
 * move): dropped exactly once, nothing queued, and unless cancelled READY
 * with every cause seen, which is "no wake was lost".  Each atomic move is
 * one step, as the real ones are single read-modify-writes of the word.
 *
 * The moves are the kernel's own (task_state_wake, task_state_run,
 * task_state_apply), and task_state_next is checked to describe them.
 * Broken variants of the rules (a wake that ignores a running task, a
 * settle that forgets a wake, ...) are played too, and each must be caught:
 * the search has teeth.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "exec/task_state.h"
#include "tap.h"

#define MAX_WAKERS 2
#define MAX_POLLS  16

/* The rules a world is played with: next() for every move, or NULL for
 * the kernel's own atomic moves. */
typedef uint32_t (*next_fn)(uint32_t state, enum task_move move,
			    enum task_action *action);

enum worker_pc { W_IDLE, W_RUN, W_POLL, W_SETTLE, W_FINISH, W_PUSH };
enum party_pc { P_PUBLISH, P_MOVE, P_PUSH, P_DONE };

struct world {
	uint32_t word;
	uint8_t on_queue;
	uint8_t worker; /* enum worker_pc */
	uint8_t causes; /* published so far */
	uint8_t seen;	/* causes the last poll saw */
	uint8_t ready, drops, polls;
	uint8_t dropped_cancelled; /* the drop came from CANCELLED */
	uint8_t waker[MAX_WAKERS]; /* enum party_pc */
	uint8_t round[MAX_WAKERS];
	uint8_t canceller; /* enum party_pc, P_MOVE first */
};

struct game {
	next_fn next; /* NULL: the kernel's moves */
	int wakers, rounds, cancel;
	int forever; /* the future never gets READY (it waits for one more
			cause than the wakers publish): only a cancel ends it */
	/* results */
	long states, finals;
	const char *violation; /* the first one found */
	bool moves_disagree;   /* an atomic move differs from next() */
	/* visited worlds */
	uint64_t *seen;
	size_t seen_size;
};

/* The causes the future must see to be READY. */
static int needed_causes(const struct game *g)
{
	return g->wakers * g->rounds + g->forever;
}

static uint64_t pack(const struct world *w)
{
	uint64_t k = w->word;

	k = k << 1 | w->on_queue;
	k = k << 3 | w->worker;
	k = k << 3 | w->causes;
	k = k << 3 | w->seen;
	k = k << 1 | w->ready;
	k = k << 2 | w->drops;
	k = k << 5 | w->polls;
	k = k << 1 | w->dropped_cancelled;
	for (int i = 0; i < MAX_WAKERS; i++)
		k = k << 4 | (uint64_t)(w->waker[i] << 2 | w->round[i]);
	return k << 2 | w->canceller;
}

/* Whether w was seen before; remembers it.  Open addressing, key + 1. */
static bool visited(struct game *g, const struct world *w)
{
	uint64_t key = pack(w) + 1;
	size_t i = (size_t)(key * 0x9e3779b97f4a7c15ull) & (g->seen_size - 1);

	while (g->seen[i]) {
		if (g->seen[i] == key)
			return true;
		i = (i + 1) & (g->seen_size - 1);
	}
	g->seen[i] = key;
	return false;
}

static void violate(struct game *g, const char *what)
{
	if (!g->violation)
		g->violation = what;
}

/* Make `move` on w->word by g's rules; returns the action. */
static enum task_action move(struct game *g, struct world *w, enum task_move m)
{
	enum task_action action, expected;
	uint32_t expected_word;

	if (g->next) {
		w->word = g->next(w->word, m, &action);
		return action;
	}
	expected_word = task_state_next(w->word, m, &expected);
	switch (m) {
	case TASK_WAKE:
		action = task_state_wake(&w->word);
		break;
	case TASK_RUN:
		action = task_state_run(&w->word);
		break;
	default:
		action = task_state_apply(&w->word, m);
		break;
	}
	if (action != expected || w->word != expected_word)
		g->moves_disagree = true;
	return action;
}

static void push(struct game *g, struct world *w)
{
	if (w->on_queue)
		violate(g, "pushed while already on the run queue");
	if (w->word & TASK_RUNNING)
		violate(g, "pushed while RUNNING");
	if (w->word & TASK_DONE)
		violate(g, "pushed after DONE");
	w->on_queue = 1;
}

/* One step of the worker, if it can make one. */
static bool worker_step(struct game *g, struct world *w)
{
	enum task_action action;

	switch (w->worker) {
	case W_IDLE:
		if (!w->on_queue)
			return false;
		w->on_queue = 0;
		w->worker = W_RUN;
		return true;
	case W_RUN:
		if (!(w->word & TASK_NOTIFIED) || (w->word & TASK_RUNNING))
			violate(g, "popped a task not NOTIFIED, or RUNNING");
		action = move(g, w, TASK_RUN);
		w->worker = action == TASK_DROP ? W_SETTLE : W_POLL;
		return true;
	case W_POLL:
		if (w->drops || (w->word & TASK_DONE))
			violate(g, "polled after the drop");
		if (++w->polls > MAX_POLLS)
			violate(g, "polled without end");
		w->seen = w->causes;
		w->ready = w->seen == needed_causes(g);
		w->worker = w->ready ? W_FINISH : W_SETTLE;
		return true;
	case W_SETTLE:
		action = move(g, w, TASK_SETTLE);
		if (action == TASK_DROP) {
			w->dropped_cancelled = 1;
			w->worker = W_FINISH;
		} else {
			w->worker = action == TASK_ENQUEUE ? W_PUSH : W_IDLE;
		}
		return true;
	case W_FINISH:
		move(g, w, TASK_FINISH);
		if (++w->drops > 1)
			violate(g, "dropped twice");
		w->worker = W_IDLE;
		return true;
	case W_PUSH:
		push(g, w);
		w->worker = W_IDLE;
		return true;
	}
	return false;
}

static bool waker_step(struct game *g, struct world *w, int i)
{
	switch (w->waker[i]) {
	case P_PUBLISH:
		w->causes++;
		w->waker[i] = P_MOVE;
		return true;
	case P_MOVE:
		w->waker[i] =
		    move(g, w, TASK_WAKE) == TASK_ENQUEUE ? P_PUSH : P_DONE;
		break;
	case P_PUSH:
		push(g, w);
		w->waker[i] = P_DONE;
		break;
	default:
		return false;
	}
	if (w->waker[i] == P_DONE && ++w->round[i] < g->rounds)
		w->waker[i] = P_PUBLISH;
	return true;
}

static bool canceller_step(struct game *g, struct world *w)
{
	switch (w->canceller) {
	case P_MOVE:
		w->canceller =
		    move(g, w, TASK_CANCEL) == TASK_ENQUEUE ? P_PUSH : P_DONE;
		return true;
	case P_PUSH:
		push(g, w);
		w->canceller = P_DONE;
		return true;
	default:
		return false;
	}
}

/* Nobody can move: the end of one interleaving. */
static void final(struct game *g, const struct world *w)
{
	g->finals++;
	/* (A future that waits for ever ends only by its cancel.) */
	if (!g->forever && !w->dropped_cancelled &&
	    !(w->ready && w->seen == w->causes))
		violate(g, "a wake was lost: ended with causes unseen");
	if (w->drops != 1)
		violate(g, "ended without the future dropped");
	if (w->on_queue)
		violate(g, "ended on the run queue");
	if (w->word & TASK_RUNNING)
		violate(g, "ended RUNNING");
	if (!(w->word & TASK_DONE))
		violate(g, "ended not DONE");
	if (w->dropped_cancelled && !g->cancel)
		violate(g, "dropped as cancelled without a cancel");
}

static void explore(struct game *g, const struct world *w)
{
	bool moved = false;

	if (g->violation || visited(g, w))
		return;
	g->states++;
	for (int party = -2; party < g->wakers; party++) {
		struct world next = *w;
		bool stepped;

		if (party == -2)
			stepped = worker_step(g, &next);
		else if (party == -1)
			stepped = g->cancel && canceller_step(g, &next);
		else
			stepped = waker_step(g, &next, party);
		if (!stepped)
			continue;
		moved = true;
		explore(g, &next);
	}
	if (!moved)
		final(g, w);
}

/* Play every interleaving of one game from the spawned state. */
static void play(struct game *g)
{
	struct world w;

	memset(&w, 0, sizeof(w));
	w.word = TASK_NOTIFIED; /* as keel_spawn leaves it */
	w.on_queue = 1;
	w.canceller = g->cancel ? P_MOVE : P_DONE;
	for (int i = 0; i < MAX_WAKERS; i++)
		w.waker[i] = i < g->wakers ? P_PUBLISH : P_DONE;
	g->seen_size = 1u << 20;
	g->seen = calloc(g->seen_size, sizeof(*g->seen));
	explore(g, &w);
	free(g->seen);
	printf("# %d waker(s) x %d round(s)%s%s: %ld states, %ld endings%s%s\n",
	       g->wakers, g->rounds, g->cancel ? ", a canceller" : "",
	       g->forever ? ", a future never READY" : "", g->states, g->finals,
	       g->violation ? ": " : "", g->violation ? g->violation : "");
}

/* The kernel's moves, in the game given: no violation, and they do what
 * task_state_next says. */
static void check_kernel(int wakers, int rounds, int cancel, int forever)
{
	struct game g = {.next = NULL,
			 .wakers = wakers,
			 .rounds = rounds,
			 .cancel = cancel,
			 .forever = forever};

	play(&g);
	CHECK(g.violation == NULL);
	CHECK(!g.moves_disagree);
	CHECK(g.finals > 0);
}

/* ---- the cases ---- */

static void one_waker_racing_the_poll(void)
{
	check_kernel(1, 1, 0, 0);
	check_kernel(1, 3, 0, 0);
}

static void two_wakers_racing_each_other_and_the_poll(void)
{
	check_kernel(2, 1, 0, 0);
	check_kernel(2, 2, 0, 0);
}

static void a_cancel_racing_wakes_and_the_poll(void)
{
	check_kernel(0, 0, 1, 0);
	check_kernel(1, 1, 1, 0);
	check_kernel(2, 2, 1, 0);
	/* Waiting for ever, as Rust's pending(): only the cancel ends it. */
	check_kernel(0, 0, 1, 1);
	check_kernel(2, 1, 1, 1);
}

static void the_atomic_moves_are_the_rules(void)
{
	/* Every word, every move: the one-instruction moves agree with
	 * task_state_next (RUN only where it applies: NOTIFIED, not
	 * RUNNING). */
	for (uint32_t s = 0; s < 64; s++) {
		enum task_action want, got;
		uint32_t word = s, next;

		next = task_state_next(s, TASK_WAKE, &want);
		got = task_state_wake(&word);
		CHECK_EQ(word, next);
		CHECK_EQ(got, want);
		if ((s & TASK_NOTIFIED) && !(s & TASK_RUNNING)) {
			word = s;
			next = task_state_next(s, TASK_RUN, &want);
			got = task_state_run(&word);
			CHECK_EQ(word, next);
			CHECK_EQ(got, want);
		}
		for (int m = TASK_CANCEL; m <= TASK_FINISH; m++) {
			if (m == TASK_RUN)
				continue;
			word = s;
			next = task_state_next(s, (enum task_move)m, &want);
			got = task_state_apply(&word, (enum task_move)m);
			CHECK_EQ(word, next);
			CHECK_EQ(got, want);
		}
	}
}

/* ---- broken rules, which the search must catch ---- */

static uint32_t wake_ignores_running(uint32_t s, enum task_move m,
				     enum task_action *a)
{
	if (m == TASK_WAKE && (s & TASK_RUNNING)) {
		*a = TASK_NOTHING;
		return s;
	}
	return task_state_next(s, m, a);
}

static uint32_t settle_forgets_the_wake(uint32_t s, enum task_move m,
					enum task_action *a)
{
	uint32_t next = task_state_next(s, m, a);

	if (m == TASK_SETTLE && *a == TASK_ENQUEUE) {
		*a = TASK_NOTHING;
		return next & ~TASK_NOTIFIED;
	}
	return next;
}

static uint32_t wake_queues_every_time(uint32_t s, enum task_move m,
				       enum task_action *a)
{
	uint32_t next = task_state_next(s, m, a);

	if (m == TASK_WAKE && !(s & (TASK_RUNNING | TASK_DONE)))
		*a = TASK_ENQUEUE;
	return next;
}

static uint32_t cancel_never_queues(uint32_t s, enum task_move m,
				    enum task_action *a)
{
	uint32_t next = task_state_next(s, m, a);

	if (m == TASK_CANCEL && *a == TASK_ENQUEUE) {
		*a = TASK_NOTHING;
		return next & ~TASK_NOTIFIED;
	}
	return next;
}

static uint32_t finish_keeps_running(uint32_t s, enum task_move m,
				     enum task_action *a)
{
	uint32_t next = task_state_next(s, m, a);

	return m == TASK_FINISH ? next | TASK_RUNNING : next;
}

static const char *caught(next_fn rules, int wakers, int rounds, int cancel,
			  int forever)
{
	struct game g = {.next = rules,
			 .wakers = wakers,
			 .rounds = rounds,
			 .cancel = cancel,
			 .forever = forever};

	play(&g);
	return g.violation;
}

static void broken_rules_are_caught(void)
{
	const char *v;

	v = caught(wake_ignores_running, 1, 1, 0, 0);
	CHECK(v && strstr(v, "wake was lost"));
	v = caught(settle_forgets_the_wake, 1, 1, 0, 0);
	CHECK(v && strstr(v, "wake was lost"));
	v = caught(wake_queues_every_time, 1, 1, 0, 0);
	CHECK(v && strstr(v, "pushed")); /* twice, or after DONE */
	v = caught(cancel_never_queues, 0, 0, 1, 1);
	CHECK(v && strstr(v, "without the future dropped"));
	v = caught(finish_keeps_running, 0, 0, 0, 0);
	CHECK(v && strstr(v, "RUNNING"));
}

static const struct tap_case cases[] = {
    TAP_CASE(one_waker_racing_the_poll),
    TAP_CASE(two_wakers_racing_each_other_and_the_poll),
    TAP_CASE(a_cancel_racing_wakes_and_the_poll),
    TAP_CASE(the_atomic_moves_are_the_rules),
    TAP_CASE(broken_rules_are_caught),
};

int main(void)
{
	return tap_run(cases, TAP_COUNT(cases));
}
