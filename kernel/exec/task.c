/*
 * task.c - tasks: spawning, waking, running, joining and cancelling.
 *
 * A task is a future the executor owns, plus a small header (struct task,
 * exec.h).  Its life, in the executor's terms:
 *
 *   keel_spawn     allocate the header, queue it (QUEUED)
 *   exec_run       a worker pops it (RUNNING) and polls the future with a
 *                  waker that points at the header
 *     PENDING      whatever the future waits for keeps a clone of that
 *                  waker; the task sits on no queue at all
 *     wake         the waker is woken (an interrupt, another task): the
 *                  task goes back on the run queue, once
 *     READY        the future's result goes to the join future, the future
 *                  is dropped (DONE) and whoever awaits the join is woken
 *
 * The run queue is an intrusive FIFO (the link is in the header, so a wake
 * never allocates, and is fine in an interrupt handler) under exec_lock.
 * The state word (task_state.h) makes every race come out right, without
 * a lock:
 *
 *   - a wake of a QUEUED task does nothing: never queued twice;
 *   - a wake of a RUNNING task (from an interrupt on another hart, or by
 *     the task itself) leaves it NOTIFIED; the worker requeues the task
 *     when the poll returns, at the back, behind the tasks already
 *     waiting, so a task that keeps waking itself cannot starve the others;
 *   - a wake of a DONE task does nothing (a stale waker is harmless);
 *   - keel_cancel sets CANCELLED and queues the task, and the worker drops
 *     the future instead of polling it; a poll under way finishes first.
 *
 * So exec_lock is taken only to push a task on the run queue or pop one
 * (with spin_lock_irqsave: a few instructions), and the hop from one task
 * to another through a channel, the executor's hot path, takes it twice:
 * once where the wake queues the task, once where a worker pops it.  The
 * poll itself, and leaving RUNNING after it, take no lock.
 *
 * Memory: the header is reference counted like Rust's Arc<Task>: the
 * executor holds one reference until DONE, the join future one until it is
 * dropped, and every waker clone one (clone adds, wake and drop take away).
 * The header goes when the last one does, so a waker kept by a device or a
 * timer can never point at freed memory.  If that last reference goes in
 * an interrupt handler, freeing is left to an executor thread (reap).
 *
 * Joining: the join future is embedded in the header; join_lock guards it
 * and the joiner's waker, which is woken under join_lock (rule 6 of
 * keel/future.h: a block_on's waker may live on its stack).
 */
#include <keel/errno.h>
#include <keel/task.h>

#include "exec/exec.h"
#include "log/printk.h"
#include "mm/kmalloc.h"
#include "module/export.h"
#include "module/module.h"
#include "trap/timer.h"

struct spinlock exec_lock = SPINLOCK_INIT("exec");
static struct spinlock join_lock = SPINLOCK_INIT("join");

/* Under exec_lock. */
static struct task *run_head, *run_tail; /* the run queue, FIFO */
static struct task *reap_list;		 /* freed in thread context */
static struct list all_tasks = LIST_INIT(all_tasks); /* by id */
static uint32_t next_id = 1;
static struct exec_stats stats; /* live, spawned, completed: exec_lock */
int exec_idle_workers;

void (*volatile exec_trace_hook)(enum exec_event event, const struct task *task,
				 uint64_t now);

static const struct keel_waker_vtable task_waker_vtable;
static const struct keel_future_vtable join_vtable;

/* strlcpy, which the host tests' C library may lack. */
static void copy_name(char *out, size_t size, const char *name)
{
	size_t i;

	for (i = 0; i + 1 < size && name[i]; i++)
		out[i] = name[i];
	out[i] = '\0';
}

static void trace(enum exec_event event, const struct task *t)
{
	void (*hook)(enum exec_event, const struct task *, uint64_t) =
	    exec_trace_hook;

	if (hook)
		hook(event, t, timer_now());
}

static void count(uint64_t *counter)
{
	__atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

/*
 * Link t at the back of the run queue; its QUEUED bit is set by the
 * caller's move.  Holds exec_lock.  Returns whether an executor thread
 * must be woken for it (call exec_kick_worker once exec_lock is released).
 */
static bool enqueue_locked(struct task *t)
{
	t->run_next = NULL;
	if (run_tail)
		run_tail->run_next = t;
	else
		run_head = t;
	run_tail = t;
	if (exec_idle_workers > 0) {
		exec_idle_workers--;
		return true;
	}
	return false;
}

/* The same, taking exec_lock; any context. */
static inline __attribute__((always_inline)) void enqueue(struct task *t)
{
	bool kick;

	spin_lock_irqsave(&exec_lock);
	kick = enqueue_locked(t);
	spin_unlock_irqrestore(&exec_lock);
	if (kick)
		exec_kick_worker();
}

static void task_free(struct task *t)
{
	spin_lock_irqsave(&exec_lock);
	list_remove(&t->all_link);
	stats.live--;
	spin_unlock_irqrestore(&exec_lock);
	kfree(t);
}

/* Drop one reference; the last one frees the task. */
static void task_unref(struct task *t)
{
	bool kick = false;

	if (__atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	if (!exec_in_interrupt()) {
		task_free(t);
		return;
	}
	spin_lock_irqsave(&exec_lock);
	t->run_next = reap_list;
	reap_list = t;
	if (exec_idle_workers > 0) {
		exec_idle_workers--;
		kick = true;
	}
	spin_unlock_irqrestore(&exec_lock);
	if (kick)
		exec_kick_worker();
}

/*
 * The wake (the caller holds a reference).  Traced first, so that a trace
 * never shows the poll a wake caused before the wake.
 */
static inline __attribute__((always_inline)) void task_wake(struct task *t)
{
	__atomic_fetch_add(&t->wakes, 1, __ATOMIC_RELAXED);
	trace(EXEC_WAKE, t);
	switch (task_state_wake(&t->state)) {
	case TASK_ENQUEUE:
		enqueue(t);
		break;
	case TASK_NOTIFY:
		count(&stats.notified);
		if (exec_in_interrupt())
			count(&stats.notified_from_interrupt);
		break;
	default:
		break;
	}
}

/* ---- the waker: data is the task, each clone one reference ---- */

static struct keel_waker waker_clone(const void *data)
{
	struct task *t = (struct task *)data;

	__atomic_add_fetch(&t->refs, 1, __ATOMIC_RELAXED);
	return (struct keel_waker){data, &task_waker_vtable};
}

static void waker_wake(const void *data)
{
	task_wake((struct task *)data);
	task_unref((struct task *)data);
}

static void waker_wake_by_ref(const void *data)
{
	task_wake((struct task *)data);
}

static void waker_drop(const void *data)
{
	task_unref((struct task *)data);
}

static const struct keel_waker_vtable task_waker_vtable = {
    .size = sizeof(struct keel_waker_vtable),
    .clone = waker_clone,
    .wake = waker_wake,
    .wake_by_ref = waker_wake_by_ref,
    .drop = waker_drop,
};

/* ---- running ---- */

/*
 * The task's future is finished (READY, or cancelled): drop it, publish
 * the result to the join, release the executor's reference.  The caller
 * is the worker that had the task RUNNING, with no lock held.
 */
static void task_finish(struct task *t, int64_t result)
{
	struct keel_int_future *future = t->running.future;
	struct module *owner;

	task_state_apply(&t->state, TASK_FINISH);
	spin_lock_irqsave(&exec_lock);
	owner = t->owner;
	t->owner = NULL;
	stats.completed++;
	spin_unlock_irqrestore(&exec_lock);
	keel_future_drop(&future->future);
	/* The module's code ran for the last time. */
	if (owner)
		module_task_release(owner);
	trace(EXEC_COMPLETE, t);

	spin_lock_irqsave(&join_lock);
	t->join.result = result; /* the `running` view ends here */
	__atomic_fetch_or(&t->state, TASK_JOIN_READY, __ATOMIC_RELEASE);
	keel_waker_wake(&t->join_waker);
	spin_unlock_irqrestore(&join_lock);
	task_unref(t);
}

/* The task at the head of the run queue, unlinked, or NULL. */
static struct task *dequeue(void)
{
	struct task *t;

	spin_lock_irqsave(&exec_lock);
	t = run_head;
	if (t) {
		run_head = t->run_next;
		if (!run_head)
			run_tail = NULL;
	}
	spin_unlock_irqrestore(&exec_lock);
	return t;
}

/*
 * Poll t (RUNNING) once with cx, whose waker points at t, and count the
 * poll.  Returns the poll's answer.
 */
static enum keel_poll task_poll(struct task *t, struct keel_context *cx)
{
	struct keel_int_future *future = t->running.future;
	void (*hook)(enum exec_event, const struct task *, uint64_t) =
	    exec_trace_hook;
	enum keel_poll poll;
	uint64_t start, end;

	start = timer_now();
	if (hook)
		hook(EXEC_POLL, t, start);
	poll = keel_future_poll(&future->future, cx);
	end = timer_now();
	/* Only this worker writes them; `tasks` may read them meanwhile
	 * (aligned, so never torn). */
	*(volatile uint32_t *)&t->polls = t->polls + 1;
	*(volatile uint64_t *)&t->poll_ticks = t->poll_ticks + (end - start);
	count(&stats.polls);
	if (hook)
		hook(EXEC_POLLED, t, end);
	return poll;
}

int exec_run(int budget)
{
	/* Borrowed by each poll: the executor's reference covers it. */
	struct keel_waker waker = {NULL, &task_waker_vtable};
	struct keel_context cx = {sizeof(cx), 0, &waker};
	struct task *t;
	int ran = 0;

	while (ran < budget && (t = dequeue())) {
		ran++;
		if (task_state_run(&t->state) == TASK_POLL) {
			waker.data = t;
			if (task_poll(t, &cx) == KEEL_READY) {
				task_finish(t, t->running.future->result);
				continue;
			}
		}
		/* Pending or cancelled; from here on t may be another
		 * worker's. */
		switch (task_state_apply(&t->state, TASK_SETTLE)) {
		case TASK_DROP:
			task_finish(t, -ECANCELED);
			break;
		case TASK_ENQUEUE:
			enqueue(t);
			break;
		default:
			break;
		}
	}
	return ran;
}

bool exec_run_one(void)
{
	return exec_run(1) == 1;
}

int exec_reap(void)
{
	struct task *list;
	int n = 0;

	spin_lock_irqsave(&exec_lock);
	list = reap_list;
	reap_list = NULL;
	spin_unlock_irqrestore(&exec_lock);
	while (list) {
		struct task *t = list;

		list = t->run_next;
		task_free(t);
		n++;
	}
	return n;
}

bool exec_has_work(void)
{
	return run_head || reap_list;
}

/* ---- the join future, embedded in the task ---- */

static struct task *task_of_join(struct keel_future *join)
{
	return container_of(join, struct task, join.future);
}

static enum keel_poll join_poll(struct keel_future *f, struct keel_context *cx)
{
	struct task *t = task_of_join(f);
	enum keel_poll poll = KEEL_READY;

	spin_lock_irqsave(&join_lock);
	if (!(__atomic_load_n(&t->state, __ATOMIC_ACQUIRE) & TASK_JOIN_READY)) {
		keel_waker_register(&t->join_waker, cx);
		poll = KEEL_PENDING;
	}
	spin_unlock_irqrestore(&join_lock);
	return poll;
}

static void join_drop(struct keel_future *f)
{
	struct task *t = task_of_join(f);
	struct keel_waker waker;

	spin_lock_irqsave(&join_lock);
	waker = t->join_waker;
	t->join_waker.vtable = NULL;
	spin_unlock_irqrestore(&join_lock);
	keel_waker_drop(&waker);
	task_unref(t);
}

static const struct keel_future_vtable join_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "join",
    .poll = join_poll,
    .drop = join_drop,
};

/* ---- the ABI ---- */

int keel_spawn(const char *name, struct keel_int_future *future,
	       struct keel_int_future **join)
{
	struct module *owner;
	struct task *t;
	bool kick;
	int err;

	if (join)
		*join = NULL;
	if (!future)
		return -ENOMEM;
	err = module_task_hold((uintptr_t)future->future.vtable->poll, &owner);
	if (err) {
		keel_future_drop(&future->future);
		return err;
	}
	t = kmalloc(sizeof(*t));
	if (!t) {
		keel_future_drop(&future->future);
		if (owner)
			module_task_release(owner);
		return -ENOMEM;
	}
	if (!name)
		name = future->future.vtable->name ? future->future.vtable->name
						   : "task";
	copy_name(t->name, sizeof(t->name), name);
	t->refs = join ? 2 : 1;
	t->running.join_vtable = &join_vtable;
	t->running.future = future;
	t->owner = owner;
	t->state = TASK_NOTIFIED; /* queued below; nobody else sees it yet */

	spin_lock_irqsave(&exec_lock);
	t->id = next_id++;
	list_push_back(&all_tasks, &t->all_link);
	stats.live++;
	stats.spawned++;
	kick = enqueue_locked(t);
	trace(EXEC_SPAWN, t);
	spin_unlock_irqrestore(&exec_lock);
	if (join)
		*join = &t->join;
	if (kick)
		exec_kick_worker();
	return 0;
}
KEEL_EXPORT(keel_spawn, 1);

void keel_cancel(struct keel_int_future *join)
{
	struct task *t;

	if (!join)
		return;
	if (join->future.vtable != &join_vtable) {
		pr_err("keel_cancel: %p is not a join future from keel_spawn",
		       (void *)join);
		return;
	}
	t = task_of_join(&join->future);
	if (task_state_apply(&t->state, TASK_CANCEL) == TASK_ENQUEUE)
		enqueue(t);
}
KEEL_EXPORT(keel_cancel, 1);

void exec_cancel_owned(struct module *mod)
{
	struct list *pos;
	bool kick = false;

	spin_lock_irqsave(&exec_lock);
	list_for_each (pos, &all_tasks) {
		struct task *t = container_of(pos, struct task, all_link);

		if (t->owner == mod &&
		    task_state_apply(&t->state, TASK_CANCEL) == TASK_ENQUEUE)
			kick |= enqueue_locked(t);
	}
	spin_unlock_irqrestore(&exec_lock);
	if (kick)
		exec_kick_worker();
}

/* ---- observing ---- */

/*
 * Take a reference unless the count already reached zero (the task is on
 * its way to task_free, which nothing may stop).
 */
static bool ref_get_unless_zero(struct task *t)
{
	uint32_t refs = __atomic_load_n(&t->refs, __ATOMIC_RELAXED);

	while (refs)
		if (__atomic_compare_exchange_n(&t->refs, &refs, refs + 1, true,
						__ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return true;
	return false;
}

int exec_task_snapshot(struct exec_task_cursor *cursor, struct task_info *out,
		       int max)
{
	struct task *old = cursor->at, *last = NULL;
	struct list *pos;
	int n = 0;

	spin_lock_irqsave(&exec_lock);
	pos = old ? old->all_link.next : all_tasks.next;
	/* Without a held task (it was dying): skip what was copied (by id). */
	while (!old && cursor->after && pos != &all_tasks &&
	       container_of(pos, struct task, all_link)->id <= cursor->after)
		pos = pos->next;
	for (; pos != &all_tasks && n < max; pos = pos->next, n++) {
		struct task *t = container_of(pos, struct task, all_link);
		struct task_info *info = &out[n];

		info->id = t->id;
		info->state = __atomic_load_n(&t->state, __ATOMIC_RELAXED);
		copy_name(info->name, sizeof(info->name), t->name);
		/* The owner stays loaded while t->owner is set. */
		copy_name(info->owner, sizeof(info->owner),
			  t->owner ? t->owner->name : "");
		info->polls = __atomic_load_n(&t->polls, __ATOMIC_RELAXED);
		info->wakes = __atomic_load_n(&t->wakes, __ATOMIC_RELAXED);
		info->poll_ticks =
		    __atomic_load_n(&t->poll_ticks, __ATOMIC_RELAXED);
		last = t;
	}
	cursor->at = last && ref_get_unless_zero(last) ? last : NULL;
	if (last)
		cursor->after = last->id;
	spin_unlock_irqrestore(&exec_lock);
	if (old)
		task_unref(old);
	return n;
}

void exec_task_cursor_release(struct exec_task_cursor *cursor)
{
	if (cursor->at)
		task_unref(cursor->at);
	cursor->at = NULL;
}

void exec_get_stats(struct exec_stats *out)
{
	spin_lock_irqsave(&exec_lock);
	out->live = stats.live;
	out->spawned = stats.spawned;
	out->completed = stats.completed;
	out->workers = exec_workers;
	spin_unlock_irqrestore(&exec_lock);
	out->polls = __atomic_load_n(&stats.polls, __ATOMIC_RELAXED);
	out->notified = __atomic_load_n(&stats.notified, __ATOMIC_RELAXED);
	out->notified_from_interrupt =
	    __atomic_load_n(&stats.notified_from_interrupt, __ATOMIC_RELAXED);
}
