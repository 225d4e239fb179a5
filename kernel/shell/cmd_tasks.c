/*
 * cmd_tasks.c - the `tasks` command: what the executor is running.
 *
 *     keel:/$ tasks
 *        ID NAME            MODULE           STATE       POLLS   WAKES POLL(us)
 *         7 ticker          ticker           waiting         3       2 41 8
 * sleep           -                queued          1       1         9 tasks: 2
 * live, 8 spawned, 6 completed, 2 executor threads (task header 112 bytes)
 *
 * MODULE is the module whose code the task's future polls with ("-" for
 * the kernel's own futures, and for tasks that have ended).  STATE is
 * queued (waiting for an executor thread), running (being polled),
 * waiting (for its waker), cancelling, or done (ended; kept while its join
 * future lives).  POLL(us) is the time spent inside poll, all polls
 * together.  `tasks -s` prints only the last line, for when there are
 * thousands.
 */
#include <keel/errno.h>

#include "exec/exec.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "shell/shell.h"
#include "trap/timer.h"

#define TASKS_BATCH 32

static const char *state_name(uint16_t state)
{
	if (state & TASK_DONE)
		return "done";
	if (state & TASK_CANCELLED)
		return "cancelling";
	if (state & TASK_RUNNING)
		return "running";
	if (state & TASK_QUEUED)
		return "queued";
	return "waiting";
}

static void print_summary(struct shell *sh)
{
	struct exec_stats stats;

	exec_get_stats(&stats);
	sh_printf(sh,
		  "tasks: %lu live, %lu spawned, %lu completed, %d executor "
		  "threads (task header %lu bytes)\n",
		  (unsigned long)stats.live, (unsigned long)stats.spawned,
		  (unsigned long)stats.completed, stats.workers,
		  (unsigned long)sizeof(struct task));
}

static int cmd_tasks(struct shell *sh, int argc, char **argv)
{
	struct exec_task_cursor cursor = {0};
	struct task_info *info;
	uint64_t per_us = timer_hz() / 1000000 ? timer_hz() / 1000000 : 1;
	int n;

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "-s") != 0))
		return sh_error(sh, "tasks", "takes only -s (summary)");
	if (argc == 2) {
		print_summary(sh);
		return 0;
	}
	info = kmalloc(TASKS_BATCH * sizeof(*info));
	if (!info)
		return sh_errno(sh, "tasks", "snapshot", -ENOMEM);
	sh_printf(sh, "   ID NAME            MODULE           STATE       "
		      "POLLS   WAKES  POLL(us)\n");
	while ((n = exec_task_snapshot(&cursor, info, TASKS_BATCH)) > 0) {
		for (int i = 0; i < n; i++)
			sh_printf(sh, "%5u %-15s %-16s %-10s %7u %7u %9lu\n",
				  info[i].id, info[i].name,
				  info[i].owner[0] ? info[i].owner : "-",
				  state_name(info[i].state), info[i].polls,
				  info[i].wakes,
				  (unsigned long)(info[i].poll_ticks / per_us));
	}
	kfree(info);
	print_summary(sh);
	return 0;
}
SHELL_COMMAND(tasks, "tasks [-s]",
	      "list the executor's tasks (-s: only the totals)", cmd_tasks);
