/*
 * cmd_bench_exec.h - what the two halves of `bench exec` share.
 *
 * cmd_bench_exec.c runs the command and measures what things cost in
 * instructions (a lock, the executor's round trip, spawning, the
 * wake -> poll hop, each against kernel threads); cmd_bench_exec_memory.c
 * measures what waiting costs in memory (a task against a kernel thread,
 * and 100,000 sleeping tasks).  The instruments both read, and the way
 * both keep results, are here; what every `bench` subcommand
 * shares (format_quotient, memory_now, settle_threads) is in bench.h.
 */
#ifndef KEEL_SHELL_CMD_BENCH_EXEC_H
#define KEEL_SHELL_CMD_BENCH_EXEC_H

#include <stddef.h>
#include <stdint.h>

#include "arch/riscv.h"
#include "exec/exec.h"
#include "sched/hart.h"
#include "shell/bench.h"
#include "shell/shell.h"

/* Runs of each measurement; the smallest count is kept. */
#define RUNS 3

static inline void keep_smallest(uint64_t *smallest, uint64_t value)
{
	if (value < *smallest)
		*smallest = value;
}

/*
 * Under -icount, QEMU's instret is its virtual clock, which runs on while
 * the hart waits in wfi (the wait is skipped over, but counted).  So a
 * measurement subtracts the time the harts spent idle, which the scheduler
 * counts, and what remains is instructions.  Only a wait for a deadline
 * (sleepers) idles; elsewhere some thread is always runnable.
 */
struct clock_mark {
	uint64_t instret;
	uint64_t idle_ticks; /* of all harts, time CSR ticks */
};

static inline struct clock_mark clock_now(void)
{
	struct clock_mark m = {read_instret(), 0};

	for (int i = 0; i < MAX_HARTS; i++)
		m.idle_ticks +=
		    __atomic_load_n(&harts[i].idle_time, __ATOMIC_RELAXED);
	return m;
}

/* Instructions from `start` to `end`, idle time taken out (1 ns each). */
static inline uint64_t instructions(struct clock_mark start,
				    struct clock_mark end)
{
	uint64_t spent = end.instret - start.instret;
	uint64_t idle = exec_ticks_to_ns(end.idle_ticks - start.idle_ticks);

	return idle < spent ? spent - idle : 0;
}

/* Pages (as bytes) and kmalloc bytes taken since `before`. */
static inline uint64_t pages_taken(struct memory_mark before,
				   struct memory_mark now)
{
	return (uint64_t)(before.free_pages - now.free_pages) * PAGE_SIZE;
}

static inline uint64_t kmalloc_taken(struct memory_mark before,
				     struct memory_mark now)
{
	return now.kmalloc_bytes - before.kmalloc_bytes;
}

static inline uint64_t live_tasks(void)
{
	struct exec_stats stats;

	exec_get_stats(&stats);
	return stats.live;
}

/*
 * Wait until at most `live` tasks remain: the last reference of a finished
 * task may be dropped by an executor thread a little after its join.
 * Returns at once when that is already so (always, on one hart).
 */
static inline void settle_tasks(uint64_t live)
{
	for (int waited = 0; live_tasks() > live && waited < 5000; waited++)
		thread_sleep_ms(1);
}

static inline int failed(struct shell *sh, const char *what, int err)
{
	return sh_errno(sh, "bench", what, err);
}

/*
 * The memory half (cmd_bench_exec_memory.c): the task_memory and
 * thread_memory lines, then the sleepers line.  Nonzero (after one error
 * line) when a measurement failed.
 */
int bench_exec_memory(struct shell *sh);
int bench_exec_sleepers(struct shell *sh);

#endif /* KEEL_SHELL_CMD_BENCH_EXEC_H */
