/*
 * trace.h - recording what the executor does, for Perfetto.
 *
 * While tracing is on, every spawn, poll (start and end), wake and
 * completion is appended to a buffer of fixed size, allocated when tracing
 * starts: recording never allocates, so wakes from interrupt handlers are
 * recorded too.  When the buffer is full, further events are counted as
 * dropped (the start of a run is kept).  The `trace` shell command prints
 * the records as `trace: NS HART EVENT TASK NAME` lines, which
 * tools/keel_trace.py turns into Chrome Trace Event JSON.
 */
#ifndef KEEL_EXEC_TRACE_H
#define KEEL_EXEC_TRACE_H

#include <stdint.h>

#include <keel/task.h>

/* One recorded event (32 bytes). */
struct trace_record {
	uint64_t ns;	/* since tracing started */
	uint32_t task;	/* task id */
	uint16_t hart;	/* the hart that recorded it */
	uint8_t event;	/* enum exec_event */
	uint8_t reserved0;
	char name[KEEL_TASK_NAME_MAX + 1];
};

/*
 * Start recording into a new buffer of `capacity` records (1..1,000,000),
 * dropping any earlier recording.  0, -EINVAL, -EBUSY (already on), or
 * -ENOMEM (nothing changed).  Thread context.
 */
int trace_start(uint32_t capacity);

/* Stop recording; the records stay until the next start or trace_clear. */
void trace_stop(void);

/* Stop and free the records.  Thread context. */
void trace_clear(void);

struct trace_status {
	int on;		   /* recording now */
	uint32_t capacity; /* records the buffer holds; 0: no buffer */
	uint32_t count;	   /* records held */
	uint64_t dropped;  /* events not recorded: buffer full */
};

void trace_get_status(struct trace_status *out);

/*
 * Call fn for records [from, from + n) of the recording (clipped to what
 * is held), in order; returns how many.  Call with tracing stopped: a
 * record being written is not copied consistently otherwise.
 */
uint32_t trace_walk(uint32_t from, uint32_t n,
		    void (*fn)(const struct trace_record *r, void *ctx),
		    void *ctx);

/* "spawn", "poll", "polled", "wake", "done" for an enum exec_event. */
const char *trace_event_name(unsigned event);

#endif /* KEEL_EXEC_TRACE_H */
