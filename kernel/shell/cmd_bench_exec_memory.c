/*
 * cmd_bench_exec_memory.c - `bench exec`, the memory half: what a task
 * holds while it waits, next to a kernel thread, and 100,000 tasks asleep
 * at once.
 *
 * Memory is what kmalloc and the page allocator hand out while the tasks
 * or threads exist (memory_now in bench.h), the tasks' own
 * futures allocated beforehand and not counted; the sleepers also count
 * instructions from the first spawn to the last join.  The lines and their
 * fields are described in cmd_bench_exec.c, which runs these after the
 * instruction counts.
 */
#include <keel/errno.h>
#include <keel/task.h>
#include <keel/time.h>

#include "exec/block_on.h"
#include "shell/cmd_bench_exec.h"
#include "sync/spinlock.h"
#include "sync/waitq.h"

/* ---- memory: what a waiting task and a waiting thread hold ---- */

/* Rust's std::future::pending(): never READY; ends when dropped. */
static enum keel_poll pending_poll(struct keel_future *f,
				   struct keel_context *cx)
{
	return KEEL_PENDING;
}

static void pending_drop(struct keel_future *f)
{
	kfree(f);
}

static const struct keel_future_vtable pending_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "bench-pending",
    .poll = pending_poll,
    .drop = pending_drop,
};

struct memory_use {
	uint64_t kmalloc_bytes, page_bytes; /* held by all N */
};

/*
 * N tasks, polled once and pending.  Their futures are allocated before
 * the first mark, so what is counted is the executor's own: the task
 * headers, and the slab pages that hold them.
 */
static int measure_task_memory(uint32_t tasks, struct memory_use *use)
{
	struct keel_int_future **futures = kmalloc(tasks * sizeof(*futures));
	struct keel_int_future **joins = kmalloc(tasks * sizeof(*joins));
	uint64_t live = live_tasks();
	struct exec_stats stats;
	struct memory_mark before, held;
	uint64_t polls;
	uint32_t made = 0, spawned = 0;
	int err = 0;

	if (!futures || !joins) {
		err = -ENOMEM;
		goto out;
	}
	for (; made < tasks; made++) {
		futures[made] = kmalloc(sizeof(*futures[made]));
		if (!futures[made]) {
			err = -ENOMEM;
			goto out;
		}
		futures[made]->future.vtable = &pending_vtable;
	}
	exec_get_stats(&stats);
	polls = stats.polls;
	before = memory_now();
	for (; spawned < tasks && !err; spawned++) {
		err = keel_spawn("bench", futures[spawned], &joins[spawned]);
		futures[spawned] = NULL; /* the executor's, even on failure */
	}
	if (err) {
		spawned--;
		goto out;
	}
	/* Until each has been polled once: all are waiting. */
	for (int waited = 0; stats.polls - polls < tasks && waited < 5000;
	     waited++) {
		thread_sleep_ms(1);
		exec_get_stats(&stats);
	}
	held = memory_now();
	use->kmalloc_bytes = kmalloc_taken(before, held);
	use->page_bytes = pages_taken(before, held);
out:
	for (uint32_t i = 0; i < spawned; i++)
		keel_cancel(joins[i]);
	for (uint32_t i = 0; i < spawned; i++)
		block_on(joins[i]);
	for (uint32_t i = spawned; i < made; i++)
		if (futures[i])
			keel_future_drop(&futures[i]->future);
	kfree(joins);
	kfree(futures);
	settle_tasks(live);
	return err;
}

/*
 * Threads wait behind a gate until it opens.  The gate lives on the
 * measuring thread's stack: it returns only once every thread has left
 * (`left` is the last thing a thread touches, under the lock).
 */
struct gate {
	struct spinlock lock;
	struct waitq opened;
	uint32_t open, arrived, left;
};

static void gate_thread_main(void *arg)
{
	struct gate *gate = arg;

	spin_lock(&gate->lock);
	gate->arrived++;
	while (!gate->open)
		waitq_sleep(&gate->opened, &gate->lock);
	gate->left++;
	spin_unlock(&gate->lock);
}

/* The count `field` points at, under the gate's lock. */
static uint32_t gate_count(struct gate *gate, const uint32_t *field)
{
	uint32_t count;

	spin_lock(&gate->lock);
	count = *field;
	spin_unlock(&gate->lock);
	return count;
}

/* N threads asleep on a wait queue: their stacks and struct threads. */
static int measure_thread_memory(uint32_t threads, struct memory_use *use)
{
	struct gate gate = {.open = 0};
	int before_count = thread_count(), err = 0;
	struct memory_mark before = memory_now(), held;
	uint32_t created;

	spin_init(&gate.lock, "bench-gate");
	waitq_init(&gate.opened, "bench-gate");
	for (created = 0; created < threads; created++) {
		err = thread_create("bench", gate_thread_main, &gate);
		if (err < 0)
			break;
		err = 0;
	}
	while (gate_count(&gate, &gate.arrived) < created)
		thread_sleep_ms(1);
	held = memory_now();
	use->kmalloc_bytes = kmalloc_taken(before, held);
	use->page_bytes = pages_taken(before, held);
	spin_lock(&gate.lock);
	gate.open = 1;
	waitq_wake_all(&gate.opened);
	spin_unlock(&gate.lock);
	while (gate_count(&gate, &gate.left) < created)
		thread_sleep_ms(1);
	settle_threads(before_count);
	return err;
}

/* ---- sleepers: 100,000 tasks asleep at once ---- */

struct sleepers {
	uint64_t spawn, total;	/* instructions */
	uint64_t elapsed_ns;	/* first spawn to last join */
	uint64_t asleep;	/* most timers armed at once */
	uint64_t completed;	/* joins READY with result 0 */
	struct memory_use held; /* when `asleep` was reached */
};

static int measure_sleepers(uint32_t tasks, uint64_t sleep_ms,
			    struct sleepers *out)
{
	struct keel_int_future **joins = kmalloc(tasks * sizeof(*joins));
	uint64_t live = live_tasks(), armed_before = exec_timers_armed();
	struct memory_mark before, held;
	struct clock_mark start;
	uint64_t began, deadline;
	uint32_t spawned = 0;
	int err = 0;

	if (!joins)
		return -ENOMEM;
	out->asleep = out->completed = 0;
	before = held = memory_now();
	start = clock_now();
	began = keel_now_ns();
	deadline = began + sleep_ms * 1000000ull;
	for (; spawned < tasks && !err; spawned++)
		err = keel_spawn("bench-sleeper", keel_sleep_until(deadline),
				 &joins[spawned]);
	if (err)
		spawned--;
	out->spawn = instructions(start, clock_now());
	/* Until every one is asleep (or the deadline comes first). */
	while (keel_now_ns() < deadline) {
		uint64_t armed = exec_timers_armed() - armed_before;

		if (armed > out->asleep) {
			out->asleep = armed;
			held = memory_now();
		}
		if (armed >= spawned)
			break;
		thread_sleep_ms(1);
	}
	for (uint32_t i = 0; i < spawned; i++)
		out->completed += block_on(joins[i]) == 0;
	out->total = instructions(start, clock_now());
	out->elapsed_ns = keel_now_ns() - began;
	out->held.kmalloc_bytes = kmalloc_taken(before, held);
	out->held.page_bytes = pages_taken(before, held);
	kfree(joins);
	settle_tasks(live);
	return err;
}

/* ---- the lines ---- */

/* What one of N holds, as the "kmalloc_per_..." and "bytes_per_..." fields. */
struct memory_per_one {
	char kmalloc[24], bytes[24];
};

/*
 * Run `measure` over `count` tasks or threads RUNS times and write the
 * smallest use, divided by `count`, into `per`.  Returns 0, or the first
 * failed run's error.
 */
static int memory_per_one(int (*measure)(uint32_t, struct memory_use *),
			  uint32_t count, struct memory_per_one *per)
{
	struct memory_use best = {UINT64_MAX, UINT64_MAX}, use;

	for (int run = 0; run < RUNS; run++) {
		int err = measure(count, &use);

		if (err)
			return err;
		keep_smallest(&best.kmalloc_bytes, use.kmalloc_bytes);
		keep_smallest(&best.page_bytes, use.page_bytes);
	}
	format_quotient(per->kmalloc, sizeof(per->kmalloc), best.kmalloc_bytes,
			count);
	format_quotient(per->bytes, sizeof(per->bytes), best.page_bytes, count);
	return 0;
}

int bench_exec_memory(struct shell *sh)
{
	enum { TASKS = 10000, THREADS = 256 };
	struct memory_per_one per;
	int err = memory_per_one(measure_task_memory, TASKS, &per);

	if (err)
		return failed(sh, "exec task_memory", err);
	sh_printf(sh,
		  "bench: exec task_memory tasks=%u kmalloc_per_task=%s "
		  "bytes_per_task=%s header=%lu scheduling=%lu\n",
		  TASKS, per.kmalloc, per.bytes,
		  (unsigned long)sizeof(struct task),
		  (unsigned long)__builtin_offsetof(struct task, owner));

	err = memory_per_one(measure_thread_memory, THREADS, &per);
	if (err)
		return failed(sh, "exec thread_memory", err);
	sh_printf(sh,
		  "bench: exec thread_memory threads=%u kmalloc_per_thread=%s "
		  "bytes_per_thread=%s struct=%lu stack=%lu\n",
		  THREADS, per.kmalloc, per.bytes,
		  (unsigned long)sizeof(struct thread),
		  (unsigned long)KSTACK_SIZE);
	return 0;
}

int bench_exec_sleepers(struct shell *sh)
{
	enum { TASKS = 100000, SLEEP_MS = 1000 };
	struct sleepers best = {.total = UINT64_MAX}, s;
	uint64_t asleep = UINT64_MAX, completed = UINT64_MAX;
	char kmalloc_per[24], bytes_per[24], per_task[24], spawn_per[24];

	for (int run = 0; run < RUNS; run++) {
		int err = measure_sleepers(TASKS, SLEEP_MS, &s);

		if (err)
			return failed(sh, "exec sleepers", err);
		if (s.total < best.total)
			best = s;
		/* The worst run: every run must have them all asleep and done.
		 */
		keep_smallest(&asleep, s.asleep);
		keep_smallest(&completed, s.completed);
	}
	format_quotient(kmalloc_per, sizeof(kmalloc_per),
			best.held.kmalloc_bytes, TASKS);
	format_quotient(bytes_per, sizeof(bytes_per), best.held.page_bytes,
			TASKS);
	format_quotient(per_task, sizeof(per_task), best.total, TASKS);
	format_quotient(spawn_per, sizeof(spawn_per), best.spawn, TASKS);
	sh_printf(sh,
		  "bench: exec sleepers tasks=%u asleep=%lu completed=%lu "
		  "kib=%lu kmalloc_per_task=%s bytes_per_task=%s sleep_ms=%u "
		  "elapsed_ms=%lu instructions=%lu per_task=%s "
		  "spawn_per_task=%s\n",
		  TASKS, (unsigned long)asleep, (unsigned long)completed,
		  (unsigned long)(best.held.page_bytes / 1024), kmalloc_per,
		  bytes_per, SLEEP_MS,
		  (unsigned long)(best.elapsed_ns / 1000000),
		  (unsigned long)best.total, per_task, spawn_per);
	return 0;
}
