/*
 * bench.h - what the `bench` subcommands share.
 *
 * `bench` is one shell command: cmd_bench.c holds `bench insmod` and the
 * dispatch to the subcommands in files of their own (cmd_bench_fs.c:
 * `bench ext2` and `bench raw`).  What more than one of them needs lives
 * here once: the way a quotient is printed (format_quotient, defined in
 * cmd_bench.c), a mark of what the allocators hold (memory_now, from
 * mm/memory_mark.h), and the wait for exited threads to be freed, which a
 * measurement of memory needs before it can say that all was given back.
 * `bench exec` (cmd_bench_exec.c) uses them too.
 */
#ifndef KEEL_SHELL_BENCH_H
#define KEEL_SHELL_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "mm/memory_mark.h"
#include "sched/thread.h"

struct shell;

/*
 * Write `whole.hundredths` of a / b into out, truncated, as "%lu.%02lu"
 * (b may be 0: then "0.00").  cmd_bench.c.
 */
void format_quotient(char *out, size_t size, uint64_t a, uint64_t b);

/*
 * Wait (up to about 5 s) until at most `count` threads remain: exited
 * threads are freed by the scheduler a little after they end.
 */
static inline void settle_threads(int count)
{
	for (int waited = 0; thread_count() > count && waited < 5000; waited++)
		thread_sleep_ms(1);
}

/*
 * `bench ext2 ...` and `bench raw ...` (cmd_bench_fs.c); argv[0] is
 * "ext2" or "raw".  Returns 0, or 1 after printing what went wrong.
 */
int bench_fs(struct shell *sh, int argc, char **argv);

#endif /* KEEL_SHELL_BENCH_H */
