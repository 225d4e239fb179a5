/*
 * cmd_sys.c - shell commands about the machine: help, echo, meminfo, dmesg,
 * ps, uptime, sleep, poweroff.
 */
#include <keel/errno.h>

#include "boot/boot.h"
#include "lib/string.h"
#include "log/printk.h"
#include "mm/kmalloc.h"
#include "mm/page.h"
#include "mm/vm.h"
#include "sched/thread.h"
#include "shell/shell.h"
#include "trap/timer.h"

extern const struct shell_command __shell_commands_start[];
extern const struct shell_command __shell_commands_end[];

const struct shell_command *shell_find(const char *name)
{
	for (const struct shell_command *c = __shell_commands_start;
	     c < __shell_commands_end; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static int cmd_help(struct shell *sh, int argc, char **argv)
{
	const struct shell_command *c;

	if (argc > 2)
		return sh_error(sh, "help", "too many arguments");
	if (argc == 2) {
		c = shell_find(argv[1]);
		if (!c)
			return sh_error(sh, "help", "no such command: %s", argv[1]);
		sh_printf(sh, "usage: %s\n  %s\n", c->usage, c->help);
		return 0;
	}
	sh_printf(sh, "Keel shell commands (help CMD for one):\n");
	for (c = __shell_commands_start; c < __shell_commands_end; c++)
		sh_printf(sh, "  %-28s %s\n", c->usage, c->help);
	return 0;
}
SHELL_COMMAND(help, "help [COMMAND]", "list commands, or show one command's usage", cmd_help);

static int cmd_echo(struct shell *sh, int argc, char **argv)
{
	int first = 1, newline = 1;

	if (argc > 1 && strcmp(argv[1], "-n") == 0) {
		newline = 0;
		first = 2;
	}
	for (int i = first; i < argc; i++) {
		if (i > first)
			sh_write(sh, " ", 1);
		sh_write(sh, argv[i], strlen(argv[i]));
	}
	if (newline)
		sh_write(sh, "\n", 1);
	return 0;
}
SHELL_COMMAND(echo, "echo [-n] [TEXT...] [> FILE]", "print text (to a file with > or >>)", cmd_echo);

static int cmd_meminfo(struct shell *sh, int argc, char **argv)
{
	struct page_stats ps;
	struct kmalloc_stats ks;

	if (argc != 1)
		return sh_error(sh, "meminfo", "takes no arguments");
	page_get_stats(&ps);
	kmalloc_get_stats(&ks);
	sh_printf(sh, "MemTotal:     %8lu kB\n", (unsigned long)ps.total * 4);
	sh_printf(sh, "MemFree:      %8lu kB\n", (unsigned long)ps.free * 4);
	sh_printf(sh, "PagesTotal:   %8lu\n", (unsigned long)ps.total);
	sh_printf(sh, "PagesFree:    %8lu\n", (unsigned long)ps.free);
	sh_printf(sh, "PageTables:   %8lu\n", (unsigned long)vm_table_pages());
	sh_printf(sh, "KmallocBytes: %8lu\n", (unsigned long)ks.bytes_in_use);
	sh_printf(sh, "KmallocLarge: %8lu allocations, %lu pages\n",
		  (unsigned long)ks.large_allocs, (unsigned long)ks.large_pages);
	sh_printf(sh, "class     in-use   slabs      bytes\n");
	for (int i = 0; i < KMALLOC_NCLASSES; i++)
		sh_printf(sh, "kmalloc-%-4lu %6lu  %6lu  %9lu\n",
			  (unsigned long)ks.cls[i].size, (unsigned long)ks.cls[i].in_use,
			  (unsigned long)ks.cls[i].slabs,
			  (unsigned long)(ks.cls[i].in_use * ks.cls[i].size));
	return 0;
}
SHELL_COMMAND(meminfo, "meminfo", "free pages and kmalloc use per size class", cmd_meminfo);

static int cmd_dmesg(struct shell *sh, int argc, char **argv)
{
	size_t size = 16384, n;
	char *buf;

	if (argc != 1)
		return sh_error(sh, "dmesg", "takes no arguments");
	buf = kmalloc(size);
	if (!buf)
		return sh_errno(sh, "dmesg", "buffer", -ENOMEM);
	n = log_copy(buf, size);
	sh_write(sh, buf, n);
	kfree(buf);
	return 0;
}
SHELL_COMMAND(dmesg, "dmesg", "print the kernel log", cmd_dmesg);

static const char *state_name(enum thread_state s)
{
	switch (s) {
	case THREAD_RUNNABLE: return "runnable";
	case THREAD_RUNNING: return "running";
	case THREAD_SLEEPING: return "sleeping";
	case THREAD_ZOMBIE: return "zombie";
	}
	return "?";
}

static int cmd_ps(struct shell *sh, int argc, char **argv)
{
	int max = thread_count() + 8, n;
	struct thread_info *info;
	uint64_t per_ms = timer_ms_to_ticks(1);

	if (argc != 1)
		return sh_error(sh, "ps", "takes no arguments");
	info = kmalloc(sizeof(*info) * (size_t)max);
	if (!info)
		return sh_errno(sh, "ps", "snapshot", -ENOMEM);
	n = thread_snapshot(info, max);
	sh_printf(sh, "  TID STATE     HART  TIME(ms)  SWITCHES NAME             WAIT\n");
	for (int i = 0; i < n; i++) {
		sh_printf(sh, "%5d %-9s %4d %9lu %9lu %-16s %s\n", info[i].id,
			  state_name(info[i].state), info[i].hart,
			  (unsigned long)(info[i].runtime / per_ms),
			  (unsigned long)info[i].switches, info[i].name,
			  info[i].waiting_on);
	}
	kfree(info);
	return 0;
}
SHELL_COMMAND(ps, "ps", "list kernel threads", cmd_ps);

static int cmd_uptime(struct shell *sh, int argc, char **argv)
{
	uint64_t us = timer_uptime_us();

	if (argc != 1)
		return sh_error(sh, "uptime", "takes no arguments");
	sh_printf(sh, "up %lu.%03lu s, %d harts online, %d threads\n",
		  (unsigned long)(us / 1000000), (unsigned long)(us / 1000 % 1000),
		  harts_online(), thread_count());
	return 0;
}
SHELL_COMMAND(uptime, "uptime", "time since boot, harts and threads", cmd_uptime);

static int cmd_sleep(struct shell *sh, int argc, char **argv)
{
	unsigned long ms;

	if (argc != 2 || parse_u64(argv[1], &ms) || ms > 600000)
		return sh_error(sh, "sleep", "expects milliseconds, 0..600000");
	thread_sleep_ms(ms);
	return 0;
}
SHELL_COMMAND(sleep, "sleep MS", "sleep for MS milliseconds", cmd_sleep);

static int cmd_poweroff(struct shell *sh, int argc, char **argv)
{
	if (argc != 1)
		return sh_error(sh, "poweroff", "takes no arguments");
	sh->exit_requested = 1;
	return 0;
}
SHELL_COMMAND(poweroff, "poweroff", "flush filesystems and turn the machine off", cmd_poweroff);
