/*
 * bench.h - what the `bench` subcommands share.
 *
 * `bench` is one shell command: cmd_bench.c holds `bench insmod` and the
 * dispatch to the subcommands in files of their own (cmd_bench_fs.c:
 * `bench ext2` and `bench raw`).  What more than one of them needs lives
 * here once: the way a quotient is printed (format_quotient, defined in
 * cmd_bench.c), a mark of what the allocators hold, and the wait for
 * exited threads to be freed, which a measurement of memory needs before
 * it can say that all was given back.
 */
#ifndef KEEL_SHELL_BENCH_H
#define KEEL_SHELL_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "mm/kmalloc.h"
#include "mm/page.h"
#include "sched/thread.h"

struct shell;

/*
 * Write `whole.hundredths` of a / b into out, truncated, as "%lu.%02lu"
 * (b may be 0: then "0.00").  cmd_bench.c.
 */
void format_quotient(char *out, size_t size, uint64_t a, uint64_t b);

/* What the allocators had at one moment; subtract two to get a cost. */
struct memory_mark {
	size_t free_pages;    /* the page allocator's free pages */
	size_t kmalloc_bytes; /* kmalloc's bytes in use */
};

static inline struct memory_mark memory_now(void)
{
	struct page_stats ps;
	struct kmalloc_stats ks;

	page_get_stats(&ps);
	kmalloc_get_stats(&ks);
	return (struct memory_mark){ps.free, ks.bytes_in_use};
}

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
