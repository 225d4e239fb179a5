/*
 * worker.c - the executor threads: where tasks run.
 *
 * The executor runs on every hart by being a few ordinary kernel threads,
 * "exec/0" ... "exec/N-1", one per hart that came online.  Threads are not
 * pinned, but the scheduler gives each runnable thread to a free hart, so
 * with work for all of them the N workers poll on the N harts at once; with
 * less work, the harts without a worker run other threads or idle.  This
 * reuses the scheduler rather than adding a second one beside it:
 *
 *   - a worker with nothing to poll sleeps on exec_wq, using the wait queue
 *     protocol (thread.c): it checks the run queue under exec_lock and
 *     waitq_sleep takes sched_lock before it lets exec_lock go, so a wake
 *     that queues a task just after the check still finds the worker on
 *     exec_wq and wakes it.  No wakeup is lost.
 *   - a hart with no runnable thread at all sleeps in the scheduler's idle
 *     loop: interrupts off, check the run queue, wfi, interrupts on, loop.
 *     wfi returns on any pending interrupt even with interrupts off, so an
 *     interrupt that wakes a task (and through exec_wq, a worker) between
 *     the check and the wfi ends the wfi.  The IPI that wakes an idle hart
 *     for a newly runnable thread is the same path.
 *   - the timer tick preempts a worker like any thread, and a worker also
 *     yields after EXEC_BUDGET polls in a row, so kernel threads (the
 *     shell, block_on callers) keep running beside a busy executor.
 *
 * Who wakes a worker: whoever queues a task while some worker sleeps
 * (enqueue in task.c counts sleeping workers under exec_lock, and each
 * queued task wakes at most one).
 */
#include "arch/riscv.h"
#include "boot/boot.h"
#include "exec/exec.h"
#include "lib/printf.h"
#include "log/printk.h"
#include "sched/thread.h"
#include "sync/waitq.h"
#include "trap/trap.h"

/* Polls in a row before a worker lets other threads have the hart. */
#define EXEC_BUDGET 64

static struct waitq exec_wq = WAITQ_INIT(exec_wq, "exec");
int exec_workers;

void exec_kick_worker(void)
{
	waitq_wake_one(&exec_wq);
}

bool exec_in_interrupt(void)
{
	/* Handlers run with interrupts off: with them on, this is a thread. */
	return !irq_enabled() && in_interrupt();
}

static void worker_main(void *arg)
{
	(void)arg;
	for (;;) {
		exec_reap();
		if (exec_run(EXEC_BUDGET) == EXEC_BUDGET) {
			thread_yield();
			continue;
		}
		spin_lock(&exec_lock);
		while (!exec_has_work()) {
			exec_idle_workers++;
			waitq_sleep(&exec_wq, &exec_lock);
		}
		spin_unlock(&exec_lock);
	}
}

void exec_init(int harts)
{
	if (harts < harts_online())
		harts = harts_online();
	for (int i = 0; i < harts; i++) {
		char name[16];

		snprintf(name, sizeof(name), "exec/%d", i);
		if (thread_create(name, worker_main, NULL) < 0) {
			pr_err("exec: no memory for executor thread %d", i);
			break;
		}
		spin_lock(&exec_lock);
		exec_workers++;
		spin_unlock(&exec_lock);
	}
	pr_info("exec: %d executor threads", exec_workers);
}
