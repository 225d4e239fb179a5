/*
 * exec.h - the executor's insides, shared by kernel/exec/, the `tasks`
 * command, the in-kernel tests and the host tests.
 *
 * The ABI side (keel_spawn, sleeps, combinators, the async mutex) is in
 * abi/include/keel/{task,async,time,sync}.h; docs/executor.md tells the
 * whole design.  The pieces:
 *
 *   task.c         tasks: spawn, the waker, the run queue, join, cancel
 *   task_state.h   the task state word and its atomic moves
 *   worker.c       the executor threads, one per hart (kernel only)
 *   timers.c       the timer reactor: sleeps and deadlines
 *   timer_heap.c   the deadlines, earliest first
 *   combinators.c  join-all, select, timeout
 *   async_mutex.c  the async mutex
 *
 * Lock order, outermost first (a lock is only ever taken while holding
 * locks above it):
 *
 *   an async mutex's guard, timer_lock, join_lock
 *     -> exec_lock -> module task lock, kmalloc_lock, sched_lock
 *
 * Waking a task may take exec_lock (to queue it), so a waker may be woken
 * under any of the first row (which is how leaf futures keep rule 6 of
 * keel/future.h).  The executor takes exec_lock and join_lock with
 * spin_lock_irqsave (sync/spinlock.h): their sections nest strictly.
 */
#ifndef KEEL_EXEC_EXEC_H
#define KEEL_EXEC_EXEC_H

#include <stdbool.h>
#include <stdint.h>

#include <keel/future.h>
#include <keel/task.h>

#include "exec/task_state.h"
#include "exec/timer_heap.h"
#include "lib/list.h"
#include "sync/spinlock.h"

struct module;

/*
 * A task.  The first 64 bytes are what scheduling and joining need; the
 * rest is for `tasks` and traces.  Alive while refs > 0: one reference is
 * the executor's (until DONE), one the join future's (until dropped), one
 * per waker clone.
 */
struct task {
	struct task *run_next; /* run queue link (exec_lock) */
	struct list all_link;  /* in all_tasks (exec_lock) */
	uint32_t refs;	       /* atomic */
	uint32_t state;	       /* TASK_* (task_state.h), atomic */
	/*
	 * The join future handed to the spawner.  Its result is defined only
	 * once the join is READY, so until the task is DONE the same eight
	 * bytes hold the task's own future (the `running` view).
	 */
	union {
		struct keel_int_future join;
		struct {
			const struct keel_future_vtable *join_vtable;
			struct keel_int_future *future; /* owned */
		} running;
	};
	struct keel_waker join_waker; /* who awaits the join (join_lock) */
	/* ---- observability ---- */
	struct module *owner; /* module of the poll function, counted by
				 module_task_hold until the future is
				 dropped, then NULL (exec_lock) */
	char name[KEEL_TASK_NAME_MAX + 1];
	uint32_t id;
	uint32_t polls; /* times polled (written by the polling worker) */
	uint32_t wakes; /* wakes received (atomic) */
	uint32_t reserved0;
	uint64_t poll_ticks; /* time spent inside poll (time CSR ticks;
				written by the polling worker) */
};

_Static_assert(__builtin_offsetof(struct task, owner) == 64,
	       "the scheduling part of struct task is 64 bytes");

extern struct spinlock exec_lock;

/*
 * Poll (or, if cancelled, drop) the task at the head of the run queue, and
 * again, up to `budget` tasks or until the queue is empty.  Returns how
 * many it took.  Thread context, no lock held.
 */
int exec_run(int budget);
/* exec_run(1): whether there was a task. */
bool exec_run_one(void);

/*
 * Free tasks whose last reference was dropped in an interrupt handler
 * (freeing is deferred to thread context).  Returns how many.
 */
int exec_reap(void);

/* Whether the run queue holds a task, or tasks wait to be reaped. Holds
 * exec_lock. */
bool exec_has_work(void);

/*
 * Cancel every task owned by `mod` (whose future is not dropped yet), for
 * a module whose init failed.  Thread context.
 */
void exec_cancel_owned(struct module *mod);

/*
 * Provided by worker.c (and by the host tests' fake): wake one sleeping
 * executor thread, if any sleeps.  Any context; no executor lock held.
 */
void exec_kick_worker(void);
/*
 * Also worker.c's: whether this is an interrupt handler.  in_interrupt(),
 * but without reading the hart's struct when interrupts are on (then it
 * is not), which a wake during a poll in thread context asks.
 */
bool exec_in_interrupt(void);
/* Number of executor threads sleeping for want of work; exec_lock held. */
extern int exec_idle_workers;
/* Number of executor threads (worker.c). */
extern int exec_workers;

/*
 * The executor threads, one for each of the `harts` harts the machine
 * starts (counted from the device tree, not from those online yet: a hart
 * slow to report in on a busy host still gets its thread); once, from the
 * init thread.
 */
void exec_init(int harts);

/* ---- what `tasks` shows ---- */

struct task_info {
	uint32_t id;
	uint32_t state; /* TASK_* */
	char name[KEEL_TASK_NAME_MAX + 1];
	char owner[32]; /* module name, or "" for the kernel */
	uint32_t polls, wakes;
	uint64_t poll_ticks;
};

/* Counts since boot; the first three change under exec_lock, the rest
 * are atomic. */
struct exec_stats {
	uint64_t live;	    /* tasks whose memory is not freed */
	uint64_t spawned;   /* since boot */
	uint64_t completed; /* reached DONE since boot */
	uint64_t polls;	    /* since boot */
	uint64_t notified;  /* polls during which a wake came (requeued) */
	uint64_t notified_from_interrupt; /* ... from an interrupt handler */
	int workers;			  /* executor threads */
};

/* Where a walk over all tasks stands; zeroed before the first call. */
struct exec_task_cursor {
	struct task *at; /* the last task copied, referenced, or NULL */
	uint32_t after;	 /* its id (when `at` could not be held: go on
			    after this id) */
};

/*
 * Copy up to `max` tasks after the cursor into out, oldest first, and move
 * the cursor on; returns how many (0 at the end, which also releases the
 * cursor).  The cursor holds a reference on its task, so a walk over
 * 100,000 tasks is linear, and tasks may come and go meanwhile.  A walk
 * left before the end calls exec_task_cursor_release.  Thread context.
 */
int exec_task_snapshot(struct exec_task_cursor *cursor, struct task_info *out,
		       int max);
void exec_task_cursor_release(struct exec_task_cursor *cursor);
void exec_get_stats(struct exec_stats *out);

/* ---- tracing ---- */

enum exec_event {
	EXEC_SPAWN,    /* created and queued */
	EXEC_POLL,     /* a worker starts polling it */
	EXEC_POLLED,   /* poll returned */
	EXEC_WAKE,     /* its waker was woken (maybe from an interrupt) */
	EXEC_COMPLETE, /* future READY or cancelled, and dropped */
};

/*
 * Called, when set, at each event with the time CSR's value.  Must not
 * allocate, block or take executor locks: EXEC_WAKE comes from interrupt
 * handlers, and with a channel's or timer_lock held.
 */
extern void (*volatile exec_trace_hook)(enum exec_event event,
					const struct task *task, uint64_t now);

/* ---- timers (timers.c) ---- */

/*
 * A deadline a future waits for: the reactor keeps the waker and wakes it
 * from the timer interrupt.  Zeroed is idle.  Embedded in the future; it
 * never moves while armed.
 */
struct exec_timer {
	struct timer_node node;
	struct keel_waker waker;
};

/*
 * 1 if the time CSR has reached `deadline`; else arm the timer (if it is
 * not armed yet), keep cx's waker for it and return 0.  From poll().
 */
int exec_timer_poll(struct exec_timer *timer, uint64_t deadline,
		    struct keel_context *cx);
/* Disarm (if armed) and drop the kept waker.  From drop() or poll(). */
void exec_timer_cancel(struct exec_timer *timer);
/*
 * Wake the timers whose deadline is at or before `now` (at most a batch;
 * exec_timers_next() then is <= now).  From the timer interrupt.
 */
void exec_timers_expire(uint64_t now);
/* The earliest armed deadline, or UINT64_MAX. */
uint64_t exec_timers_next(void);
/* Armed timers. */
uint64_t exec_timers_armed(void);

/* ns <-> ticks of the time CSR */
uint64_t exec_ns_to_ticks(uint64_t ns);
uint64_t exec_ticks_to_ns(uint64_t ticks);

#endif /* KEEL_EXEC_EXEC_H */
