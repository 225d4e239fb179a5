/*
 * trace.c - the executor's event recorder; see trace.h.
 *
 * The recorder is the function exec_trace_hook points at while tracing is
 * on.  It runs wherever the executor reports an event: in executor threads
 * around a poll, in spawners, and in interrupt handlers that wake a task,
 * sometimes with exec_lock held.  So it only takes trace_lock (innermost of
 * all locks, held for a few stores) and writes into the buffer allocated
 * by trace_start; the task's name is copied, since the task may be freed
 * long before the records are printed.
 *
 * Turning tracing off clears the hook, but a hart may be inside the
 * recorder at that moment: the records pointer is read and written under
 * trace_lock only, so trace_clear frees the buffer only after every
 * recorder that could see it has left.
 */
#include <keel/errno.h>

#include "exec/exec.h"
#include "exec/trace.h"
#include "mm/kmalloc.h"
#include "sched/hart.h"
#include "sync/spinlock.h"
#include "trap/timer.h"

#define TRACE_CAPACITY_MAX 1000000u

static struct spinlock trace_lock = SPINLOCK_INIT("trace");
static struct trace_record *records; /* trace_lock */
static uint32_t capacity, count;     /* trace_lock */
static uint64_t dropped, start_ticks; /* trace_lock */
static int on;			     /* trace_lock */

static void record(enum exec_event event, const struct task *task,
		   uint64_t now)
{
	struct trace_record *r;

	spin_lock(&trace_lock);
	if (!on || !records) {
		spin_unlock(&trace_lock);
		return;
	}
	if (count == capacity) {
		dropped++;
		spin_unlock(&trace_lock);
		return;
	}
	r = &records[count++];
	r->ns = now > start_ticks ? exec_ticks_to_ns(now - start_ticks) : 0;
	r->task = task->id;
	r->hart = (uint16_t)hart_id();
	r->event = (uint8_t)event;
	for (unsigned i = 0; i < sizeof(r->name); i++)
		r->name[i] = task->name[i];
	r->name[sizeof(r->name) - 1] = '\0';
	spin_unlock(&trace_lock);
}

int trace_start(uint32_t n)
{
	struct trace_record *buffer, *old;

	if (n == 0 || n > TRACE_CAPACITY_MAX)
		return -EINVAL;
	if (exec_trace_hook)
		return -EBUSY;
	buffer = kmalloc((size_t)n * sizeof(*buffer));
	if (!buffer)
		return -ENOMEM;
	spin_lock(&trace_lock);
	old = records;
	records = buffer;
	capacity = n;
	count = 0;
	dropped = 0;
	start_ticks = timer_now();
	on = 1;
	spin_unlock(&trace_lock);
	kfree(old);
	exec_trace_hook = record;
	return 0;
}

void trace_stop(void)
{
	exec_trace_hook = NULL;
	spin_lock(&trace_lock);
	on = 0;
	spin_unlock(&trace_lock);
}

void trace_clear(void)
{
	struct trace_record *old;

	trace_stop();
	spin_lock(&trace_lock);
	old = records;
	records = NULL;
	capacity = count = 0;
	dropped = 0;
	spin_unlock(&trace_lock);
	kfree(old);
}

void trace_get_status(struct trace_status *out)
{
	spin_lock(&trace_lock);
	out->on = on;
	out->capacity = capacity;
	out->count = count;
	out->dropped = dropped;
	spin_unlock(&trace_lock);
}

uint32_t trace_walk(uint32_t from, uint32_t n,
		    void (*fn)(const struct trace_record *r, void *ctx),
		    void *ctx)
{
	uint32_t done = 0;

	/* Printing may sleep; records do not move while tracing is off. */
	while (done < n) {
		struct trace_record r;

		spin_lock(&trace_lock);
		if (!records || from + done >= count) {
			spin_unlock(&trace_lock);
			break;
		}
		r = records[from + done];
		spin_unlock(&trace_lock);
		fn(&r, ctx);
		done++;
	}
	return done;
}

const char *trace_event_name(unsigned event)
{
	static const char *const names[] = {
		[EXEC_SPAWN] = "spawn", [EXEC_POLL] = "poll",
		[EXEC_POLLED] = "polled", [EXEC_WAKE] = "wake",
		[EXEC_COMPLETE] = "done",
	};

	return event < sizeof(names) / sizeof(names[0]) && names[event]
		       ? names[event]
		       : "?";
}
