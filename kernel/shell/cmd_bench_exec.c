/*
 * cmd_bench_exec.c - `bench exec`: what tasks cost, next to kernel threads.
 *
 * The executor's claim is that a task is a cheaper unit of concurrency
 * than a kernel thread: less to create, less to switch, less memory.  This
 * command measures each claim in one boot, tasks beside the kernel threads
 * they replace, in instructions (read_instret, exact under QEMU's
 * `-icount shift=0`: docs/bench/README.md) and in bytes taken from kmalloc
 * and the page allocator.  One line per measurement, fields in this order
 * (Q: a quotient with two decimals):
 *
 *   lock pairs=N instructions=I per_pair=Q
 *       spin_lock + spin_unlock, the kernel's lock, which the threads below
 *       take (the executor takes spin_lock_irqsave, about half as dear)
 *   yield polls=N instructions=I per_poll=Q
 *       a task that wakes itself and returns PENDING: the executor's own
 *       wake -> poll round trip, with no reactor in it
 *   spawn tasks=N instructions=I per_task=Q
 *       allocate a 24-byte future, keel_spawn it detached, one poll
 *       (READY), drop and free, until the last task header is freed
 *   thread_spawn threads=N instructions=I per_thread=Q
 *       the same with kernel threads: thread_create, run, exit, freed
 *   hop hops=N instructions=I per_hop=Q polls=P
 *       two tasks ping-ponging a value through two one-slot channels
 *       (exec/channel.h); a hop is one value sent: the sender wakes the
 *       receiver, the executor polls it, it sends the answer
 *   thread_hop hops=N instructions=I per_hop=Q
 *       the same between two kernel threads, through two completions
 *   task_memory tasks=N kmalloc_per_task=Q bytes_per_task=Q header=B
 *               scheduling=B
 *       N tasks polled and pending: the kmalloc bytes and the pages (in
 *       bytes) they hold, their futures (allocated before) not counted;
 *       sizeof(struct task) and its scheduling part
 *   thread_memory threads=N kmalloc_per_thread=Q bytes_per_thread=Q
 *                 struct=B stack=B
 *       N kernel threads asleep on a wait queue
 *   sleepers tasks=N asleep=A completed=C kib=K kmalloc_per_task=Q
 *            bytes_per_task=Q sleep_ms=S elapsed_ms=E instructions=I
 *            per_task=Q spawn_per_task=Q
 *       N tasks each awaiting keel_sleep_until(one deadline S ms ahead):
 *       the most asleep at once (A) and how many ended with result 0 (C),
 *       in the worst run; the memory held when A were asleep; the time
 *       from the first spawn to the last join, and the instructions in it
 *
 * each printed as `bench: exec NAME ...`.  Counts are the smallest of
 * three runs (the first warms the allocators); the sizes come in two steps
 * where the shape matters (is the cost per item the same at both?).  Each
 * run gives back all it took before the next starts, so `meminfo` is the
 * same after the command as before.  On more than one hart the counts mean
 * nothing (instret is per hart, threads migrate) but the command works the
 * same: tests run it that way and check only that the lines are well
 * formed.  `make bench` runs it on one hart and tools/bench_exec_report.sh
 * turns the lines into docs/bench/executor.md.
 *
 * This file runs the command and makes the instruction counts (lock, yield,
 * spawn, hop); cmd_bench_exec_memory.c makes the memory ones (task_memory,
 * thread_memory, sleepers); cmd_bench_exec.h holds the instruments both
 * read.
 */
#include <keel/errno.h>
#include <keel/task.h>

#include "exec/block_on.h"
#include "exec/channel.h"
#include "shell/cmd_bench_exec.h"
#include "sync/completion.h"

/* ---- lock: the unit ---- */

static uint64_t measure_lock(uint32_t pairs)
{
	struct spinlock lock;
	struct clock_mark start;

	spin_init(&lock, "bench");
	start = clock_now();
	for (uint32_t i = 0; i < pairs; i++) {
		spin_lock(&lock);
		spin_unlock(&lock);
	}
	return instructions(start, clock_now());
}

/* ---- yield: the executor's round trip ---- */

/* Wakes itself `left` times, then READY; records when it started and ended. */
struct yielder {
	struct keel_int_future base;
	uint32_t left;
	uint32_t started;
	struct clock_mark start, end;
};

static enum keel_poll yielder_poll(struct keel_future *f,
				   struct keel_context *cx)
{
	struct yielder *y = (struct yielder *)f;

	if (!y->started) {
		y->started = 1;
		y->start = clock_now();
	}
	if (y->left == 0) {
		y->end = clock_now();
		y->base.result = 0;
		return KEEL_READY;
	}
	y->left--;
	keel_waker_wake_by_ref(cx->waker);
	return KEEL_PENDING;
}

static const struct keel_future_vtable yielder_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "bench-yield",
    .poll = yielder_poll,
};

/* The future lives here, on the stack: block_on returns after its drop. */
static int measure_yield(uint32_t polls, uint64_t *spent)
{
	struct yielder y = {.base = {.future = {&yielder_vtable}},
			    .left = polls};
	struct keel_int_future *join;
	int err = keel_spawn("bench-yield", &y.base, &join);

	if (err)
		return err;
	err = (int)block_on(join);
	*spent = instructions(y.start, y.end);
	return err;
}

/* ---- spawn: tasks and threads born and gone ---- */

struct spawn_run {
	uint32_t remaining; /* atomic: tasks or threads not finished yet */
	struct completion done;
};

static void spawn_run_finish(struct spawn_run *run, uint32_t count)
{
	if (__atomic_sub_fetch(&run->remaining, count, __ATOMIC_ACQ_REL) == 0)
		complete(&run->done);
}

/* A task that is READY at its first poll: 24 bytes. */
struct trivial {
	struct keel_int_future base;
	struct spawn_run *run;
};

static enum keel_poll trivial_poll(struct keel_future *f,
				   struct keel_context *cx)
{
	struct trivial *t = (struct trivial *)f;

	spawn_run_finish(t->run, 1);
	t->base.result = 0;
	return KEEL_READY;
}

static void trivial_drop(struct keel_future *f)
{
	kfree(f);
}

static const struct keel_future_vtable trivial_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "bench-trivial",
    .poll = trivial_poll,
    .drop = trivial_drop,
};

static int measure_spawn(uint32_t tasks, uint64_t *spent)
{
	struct spawn_run run = {.remaining = tasks};
	uint64_t live = live_tasks();
	struct clock_mark start;
	int err = 0;

	completion_init(&run.done, "bench");
	start = clock_now();
	for (uint32_t i = 0; i < tasks && !err; i++) {
		struct trivial *t = kmalloc(sizeof(*t));

		if (t) {
			t->base.future.vtable = &trivial_vtable;
			t->run = &run;
		}
		/* NULL is spawned too: keel_spawn refuses it with -ENOMEM. */
		err = keel_spawn("bench", t ? &t->base : NULL, NULL);
		if (err)
			spawn_run_finish(&run, tasks - i);
	}
	completion_wait(&run.done);
	settle_tasks(live);
	*spent = instructions(start, clock_now());
	return err;
}

static void thread_spawn_main(void *arg)
{
	spawn_run_finish(arg, 1);
}

static int measure_thread_spawn(uint32_t threads, uint64_t *spent)
{
	struct spawn_run run = {.remaining = threads};
	int before = thread_count(), err = 0;
	struct clock_mark start;

	completion_init(&run.done, "bench");
	start = clock_now();
	for (uint32_t i = 0; i < threads && !err; i++) {
		int id = thread_create("bench", thread_spawn_main, &run);

		if (id < 0) {
			err = id;
			spawn_run_finish(&run, threads - i);
		}
	}
	completion_wait(&run.done);
	settle_threads(before);
	*spent = instructions(start, clock_now());
	return err;
}

/* ---- hop: ping-pong between two tasks ---- */

/*
 * One player of the ping-pong.  Receives `rounds` values on `in`; sends
 * `rounds` values on `out`, each one more than the value it received (the
 * server starts the game with 0).  READY with the last value received.
 * The server notes when the game started and ended.  Calls the channel's
 * poll functions itself, so no hop allocates.
 */
struct player {
	struct keel_int_future base;
	struct channel *in, *out;
	int64_t value;
	uint32_t rounds, received, sent;
	uint32_t must_send; /* a value waits to be sent */
	uint32_t server;
	struct clock_mark start, end; /* the server's: game start and end */
};

static enum keel_poll player_poll(struct keel_future *f,
				  struct keel_context *cx)
{
	struct player *p = (struct player *)f;
	int64_t result;
	int err;

	if (p->server && !p->start.instret)
		p->start = clock_now();
	for (;;) {
		if (p->must_send) {
			err = channel_poll_send(p->out, p->value + 1, cx);
			if (err == -EAGAIN)
				return KEEL_PENDING;
			if (err < 0) {
				result = err;
				break;
			}
			p->must_send = 0;
			p->sent++;
		}
		if (p->received == p->rounds) {
			result = p->value;
			break;
		}
		err = channel_poll_recv(p->in, &p->value, cx);
		if (err == -EAGAIN)
			return KEEL_PENDING;
		if (err < 0) {
			result = err;
			break;
		}
		p->received++;
		p->must_send = p->sent < p->rounds;
	}
	p->end = clock_now();
	p->base.result = result;
	return KEEL_READY;
}

static void player_drop(struct keel_future *f)
{
	struct player *p = (struct player *)f;

	channel_forget_recv(p->in);
	channel_forget_send(p->out);
}

static const struct keel_future_vtable player_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "bench-player",
    .poll = player_poll,
    .drop = player_drop,
};

/*
 * `rounds` values each way: 2 * rounds hops.  The players and channels
 * live on this stack: both joins are awaited before it returns.
 */
static int measure_hop(uint32_t rounds, uint64_t *spent, uint64_t *polls)
{
	struct channel ping, pong;
	struct player server = {.base = {.future = {&player_vtable}},
				.in = &pong,
				.out = &ping,
				.value = -1,
				.rounds = rounds,
				.must_send = 1,
				.server = 1};
	struct player client = {.base = {.future = {&player_vtable}},
				.in = &ping,
				.out = &pong,
				.rounds = rounds};
	struct keel_int_future *server_join, *client_join;
	struct exec_stats before, after;
	int64_t served, answered;
	int err;

	channel_init(&ping, "bench-ping");
	channel_init(&pong, "bench-pong");
	exec_get_stats(&before);
	err = keel_spawn("bench-client", &client.base, &client_join);
	if (err)
		return err;
	err = keel_spawn("bench-server", &server.base, &server_join);
	if (err) {
		keel_cancel(client_join);
		block_on(client_join);
		return err;
	}
	served = block_on(server_join);
	answered = block_on(client_join);
	exec_get_stats(&after);
	channel_close(&ping);
	channel_close(&pong);
	/* The client's last answer, which the server received last. */
	if (served < 0 || answered < 0)
		return served < 0 ? (int)served : (int)answered;
	if (served != 2 * (int64_t)rounds - 1)
		return -EIO;
	*spent = instructions(server.start, server.end);
	*polls = after.polls - before.polls;
	return 0;
}

/* ---- thread_hop: the same between two kernel threads ---- */

struct thread_game {
	struct completion to_client, to_server, ended;
	uint32_t rounds;
	struct clock_mark start, end;
};

static void thread_server_main(void *arg)
{
	struct thread_game *g = arg;

	g->start = clock_now();
	for (uint32_t i = 0; i < g->rounds; i++) {
		complete(&g->to_client);
		completion_wait(&g->to_server);
	}
	g->end = clock_now();
	complete(&g->ended);
}

static void thread_client_main(void *arg)
{
	struct thread_game *g = arg;

	for (uint32_t i = 0; i < g->rounds; i++) {
		completion_wait(&g->to_client);
		complete(&g->to_server);
	}
	complete(&g->ended);
}

static int measure_thread_hop(uint32_t rounds, uint64_t *spent)
{
	struct thread_game g = {.rounds = rounds};
	int before = thread_count(), id;

	completion_init(&g.to_client, "bench-ping");
	completion_init(&g.to_server, "bench-pong");
	completion_init(&g.ended, "bench");
	id = thread_create("bench-client", thread_client_main, &g);
	if (id < 0)
		return id;
	id = thread_create("bench-server", thread_server_main, &g);
	if (id < 0) {
		/* Let the client go: it answers at most one ping. */
		g.rounds = 0;
		complete(&g.to_client);
	} else {
		completion_wait(&g.ended);
	}
	completion_wait(&g.ended);
	settle_threads(before);
	*spent = instructions(g.start, g.end);
	return id < 0 ? id : 0;
}

/* ---- the command ---- */

static void print_per(struct shell *sh, const char *name, const char *items,
		      uint32_t n, const char *per, uint64_t spent)
{
	char quotient[24];

	format_quotient(quotient, sizeof(quotient), spent, n);
	sh_printf(sh, "bench: exec %s %s=%u instructions=%lu %s=%s\n", name,
		  items, n, (unsigned long)spent, per, quotient);
}

static int run_lock(struct shell *sh)
{
	enum { PAIRS = 1000 };
	uint64_t best = UINT64_MAX;

	for (int run = 0; run < RUNS; run++)
		keep_smallest(&best, measure_lock(PAIRS));
	print_per(sh, "lock", "pairs", PAIRS, "per_pair", best);
	return 0;
}

static int run_yield(struct shell *sh)
{
	enum { POLLS = 20000 };
	uint64_t best = UINT64_MAX, spent = 0;

	for (int run = 0; run < RUNS; run++) {
		int err = measure_yield(POLLS, &spent);

		if (err)
			return failed(sh, "exec yield", err);
		keep_smallest(&best, spent);
	}
	print_per(sh, "yield", "polls", POLLS, "per_poll", best);
	return 0;
}

static int run_spawn(struct shell *sh)
{
	static const uint32_t sizes[] = {1000, 10000};
	static const uint32_t thread_sizes[] = {100, 400};

	for (int s = 0; s < 2; s++) {
		uint64_t best = UINT64_MAX, spent = 0;

		for (int run = 0; run < RUNS; run++) {
			int err = measure_spawn(sizes[s], &spent);

			if (err)
				return failed(sh, "exec spawn", err);
			keep_smallest(&best, spent);
		}
		print_per(sh, "spawn", "tasks", sizes[s], "per_task", best);
	}
	for (int s = 0; s < 2; s++) {
		uint64_t best = UINT64_MAX, spent = 0;

		for (int run = 0; run < RUNS; run++) {
			int err = measure_thread_spawn(thread_sizes[s], &spent);

			if (err)
				return failed(sh, "exec thread_spawn", err);
			keep_smallest(&best, spent);
		}
		print_per(sh, "thread_spawn", "threads", thread_sizes[s],
			  "per_thread", best);
	}
	return 0;
}

static int run_hop(struct shell *sh)
{
	static const uint32_t rounds[] = {1000, 10000};

	for (int s = 0; s < 2; s++) {
		uint64_t best = UINT64_MAX, spent = 0, polls = 0,
			 best_polls = 0;
		char per_hop[24];

		for (int run = 0; run < RUNS; run++) {
			int err = measure_hop(rounds[s], &spent, &polls);

			if (err)
				return failed(sh, "exec hop", err);
			if (spent < best)
				best_polls = polls;
			keep_smallest(&best, spent);
		}
		format_quotient(per_hop, sizeof(per_hop), best, 2 * rounds[s]);
		sh_printf(sh,
			  "bench: exec hop hops=%u instructions=%lu "
			  "per_hop=%s polls=%lu\n",
			  2 * rounds[s], (unsigned long)best, per_hop,
			  (unsigned long)best_polls);
	}
	for (int s = 0; s < 2; s++) {
		uint64_t best = UINT64_MAX, spent = 0;

		for (int run = 0; run < RUNS; run++) {
			int err = measure_thread_hop(rounds[s], &spent);

			if (err)
				return failed(sh, "exec thread_hop", err);
			keep_smallest(&best, spent);
		}
		print_per(sh, "thread_hop", "hops", 2 * rounds[s], "per_hop",
			  best);
	}
	return 0;
}

/*
 * `bench exec`: every measurement above, in order; stops at the first that
 * fails (one error line).  argv[0] is "exec".
 */
int bench_exec(struct shell *sh, int argc, char **argv)
{
	if (argc != 1)
		return sh_error(sh, "bench", "exec takes no arguments");
	if (run_lock(sh) || run_yield(sh) || run_spawn(sh) || run_hop(sh) ||
	    bench_exec_memory(sh) || bench_exec_sleepers(sh))
		return 1;
	return 0;
}
