/*
 * cmd_trace.c - the `trace` command: record what the executor does.
 *
 *     keel:/$ trace start
 *     keel:/$ insmod /lib/modules/ticker.ko tasks=2 ticks=2 interval=20
 *     keel:/$ sleep 100
 *     keel:/$ trace stop
 *     keel:/$ trace show
 *     trace: 14 records, 0 dropped
 *     trace: begin
 *     trace: 1200 0 spawn 3 ticker/0
 *     trace: 5400 1 poll 3 ticker/0
 *     ...
 *     trace: end
 *
 * `trace start [RECORDS]` allocates the buffer (65536 records, 32 bytes
 * each, unless told) and starts recording spawns, polls, wakes and
 * completions (kernel/exec/trace.c); `trace stop` stops, `trace show` prints
 * the records (recording must be stopped), `trace clear` frees them, and
 * plain `trace` says what is recorded.  On the host, tools/keel_trace.py
 * turns a console log holding `trace show` output into Chrome Trace Event
 * JSON for https://ui.perfetto.dev (docs/executor.md shows one).
 */
#include <keel/errno.h>

#include "exec/trace.h"
#include "lib/string.h"
#include "shell/shell.h"

#define TRACE_DEFAULT_RECORDS 65536

static void print_record(const struct trace_record *r, void *ctx)
{
	struct shell *sh = ctx;

	sh_printf(sh, "trace: %lu %u %s %u %s\n", (unsigned long)r->ns,
		  (unsigned)r->hart, trace_event_name(r->event),
		  (unsigned)r->task, r->name[0] ? r->name : "-");
}

static void print_status(struct shell *sh)
{
	struct trace_status st;

	trace_get_status(&st);
	sh_printf(sh, "trace: %s, %u of %u records, %lu dropped\n",
		  st.on ? "recording" : "stopped", st.count, st.capacity,
		  (unsigned long)st.dropped);
}

static int cmd_trace(struct shell *sh, int argc, char **argv)
{
	struct trace_status st;
	unsigned long records = TRACE_DEFAULT_RECORDS;
	int err;

	if (argc == 1) {
		print_status(sh);
		return 0;
	}
	if (strcmp(argv[1], "start") == 0 && argc <= 3) {
		if (argc == 3 && (parse_u64(argv[2], &records) < 0 ||
				  records == 0 || records > 1000000))
			return sh_error(sh, "trace",
					"RECORDS must be 1..1000000, not '%s'", argv[2]);
		err = trace_start((uint32_t)records);
		if (err == -EBUSY)
			return sh_error(sh, "trace", "already recording (trace stop first)");
		if (err < 0)
			return sh_errno(sh, "trace", "start", err);
		return 0;
	}
	if (argc != 2)
		return sh_error(sh, "trace", "usage: trace [start [RECORDS]|stop|show|clear]");
	if (strcmp(argv[1], "stop") == 0) {
		trace_stop();
		return 0;
	}
	if (strcmp(argv[1], "clear") == 0) {
		trace_clear();
		return 0;
	}
	if (strcmp(argv[1], "show") != 0)
		return sh_error(sh, "trace", "unknown subcommand '%s' (start, stop, show, clear)",
				argv[1]);
	trace_get_status(&st);
	if (st.on)
		return sh_error(sh, "trace", "still recording (trace stop first)");
	if (!st.capacity)
		return sh_error(sh, "trace", "nothing recorded (trace start first)");
	print_status(sh);
	sh_printf(sh, "trace: begin\n");
	trace_walk(0, st.count, print_record, sh);
	sh_printf(sh, "trace: end\n");
	return 0;
}
SHELL_COMMAND(trace, "trace [start [RECORDS]|stop|show|clear]",
	      "record the executor's spawns, polls and wakes", cmd_trace);
