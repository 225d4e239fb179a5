/*
 * thread.c - creating, running, sleeping and ending kernel threads.
 *
 * All scheduling state (the run queue, every thread's state, the sleeper
 * lists of all wait queues and the timer list) is protected by one lock,
 * sched_lock, the innermost lock of the kernel.  One lock keeps the rules
 * simple: to sleep, a thread takes sched_lock, marks itself SLEEPING, puts
 * itself on a list and calls sched_switch(); to wake it, anyone (an
 * interrupt handler included) takes sched_lock, moves it to the run queue.
 *
 * The scheduler loop (sched_run) runs on each hart's boot stack.  A thread
 * enters it through sched_switch() with sched_lock held; the loop either
 * hands the lock to the next thread it switches to, or, when nothing is
 * runnable, drops it and idles: interrupts off, check the run queue, `wfi`,
 * interrupts on, so an interrupt that makes a thread runnable between the
 * check and the `wfi` still ends the `wfi` (RISC-V wakes on a pending enabled
 * interrupt even with sstatus.SIE clear).  A thread that exits becomes a
 * zombie; the scheduler frees its stack once it has switched away from it.
 *
 * A hart that idles says so (hart->idle, under sched_lock).  Whoever makes a
 * thread runnable sends one idle hart an IPI, so the thread starts at once
 * rather than at that hart's next timer tick.
 */
#include <keel/errno.h>

#include "arch/sbi.h"
#include "lib/string.h"
#include "log/printk.h"
#include "mm/kmalloc.h"
#include "mm/vm.h"
#include "sched/hart.h"
#include "sched/thread.h"
#include "sync/spinlock.h"
#include "sync/waitq.h"
#include "trap/timer.h"

struct spinlock sched_lock = SPINLOCK_INIT("sched");
struct hart harts[MAX_HARTS];

static struct list run_queue = LIST_INIT(run_queue);
static struct list all_threads = LIST_INIT(all_threads);
static struct list timer_list = LIST_INIT(timer_list); /* by wake_at */
static struct list zombies = LIST_INIT(zombies);
static int next_thread_id = 1;
static int nthreads; /* created and not yet freed */
static int nzombies; /* exited and not yet freed */

struct thread *thread_current(void)
{
	struct thread *t;

	irq_push();
	t = this_hart()->current;
	irq_pop();
	return t;
}

/* First code a new thread runs: finish the switch, then call entry. */
static void thread_trampoline(void)
{
	struct thread *t = this_hart()->current;

	spin_unlock(&sched_lock); /* taken by the scheduler loop */
	irq_enable();
	t->entry(t->arg);
	thread_exit(0);
}

/* Wake one idle hart to run a newly runnable thread.  Holds sched_lock. */
static void kick_idle_hart(void)
{
	int me = hart_id();

	for (int i = 0; i < MAX_HARTS; i++) {
		if (i != me && harts[i].idle) {
			harts[i].idle = 0;
			sbi_send_ipi(1ul << i, 0);
			return;
		}
	}
}

int thread_create(const char *name, void (*entry)(void *), void *arg)
{
	struct thread *t = kmalloc(sizeof(*t));
	uintptr_t top;
	int id;

	if (!t)
		return -ENOMEM;
	top = vm_stack_alloc();
	if (!top) {
		kfree(t);
		return -ENOMEM;
	}
	strlcpy(t->name, name, sizeof(t->name));
	t->stack_slot = top - STACK_SLOT_SIZE;
	t->entry = entry;
	t->arg = arg;
	t->context.ra = (uint64_t)thread_trampoline;
	t->context.sp = top;
	t->started = timer_now();
	t->hart = -1;
	list_init(&t->run_link);
	list_init(&t->wait_link);
	list_init(&t->timer_link);

	spin_lock(&sched_lock);
	id = t->id = next_thread_id++;
	list_push_back(&all_threads, &t->all_link);
	nthreads++;
	t->state = THREAD_RUNNABLE;
	list_push_back(&run_queue, &t->run_link);
	kick_idle_hart();
	spin_unlock(&sched_lock);
	return id;
}

void sched_make_runnable(struct thread *t)
{
	list_remove(&t->wait_link);
	list_remove(&t->timer_link);
	t->waiting_on = NULL;
	if (t->state == THREAD_SLEEPING) {
		t->state = THREAD_RUNNABLE;
		list_push_back(&run_queue, &t->run_link);
		kick_idle_hart();
	}
}

void sched_switch(void)
{
	struct hart *h = this_hart();
	struct thread *t = h->current;
	int were_enabled;

	if (!spin_holding(&sched_lock))
		panic("sched_switch: sched_lock not held");
	if (h->irq_depth != 1)
		panic("sched_switch: %s holds another spinlock", t->name);
	if (t->state == THREAD_RUNNING)
		panic("sched_switch: %s still running", t->name);
	were_enabled = h->irq_were_enabled;
	context_switch(&t->context, &h->scheduler);
	/* Possibly on another hart now. */
	this_hart()->irq_were_enabled = were_enabled;
}

void thread_yield(void)
{
	struct thread *t = thread_current();

	if (!t)
		return;
	spin_lock(&sched_lock);
	t->state = THREAD_RUNNABLE;
	list_push_back(&run_queue, &t->run_link);
	sched_switch();
	spin_unlock(&sched_lock);
}

void thread_exit(int code)
{
	struct thread *t = thread_current();

	spin_lock(&sched_lock);
	t->exit_code = code;
	t->state = THREAD_ZOMBIE;
	nzombies++;
	sched_switch();
	panic("thread_exit: zombie %s ran again", t->name);
}

/* Insert into the timer list, kept sorted by deadline. Holds sched_lock. */
static void timer_list_insert(struct thread *t, uint64_t deadline)
{
	struct list *pos;

	t->wake_at = deadline;
	t->timed_out = 0;
	list_for_each(pos, &timer_list) {
		struct thread *other = container_of(pos, struct thread, timer_link);
		if (other->wake_at > deadline)
			break;
	}
	list_insert_after(pos->prev, &t->timer_link);
}

void thread_sleep_ms(uint64_t ms)
{
	struct thread *t = thread_current();

	spin_lock(&sched_lock);
	timer_list_insert(t, timer_now() + timer_ms_to_ticks(ms));
	t->state = THREAD_SLEEPING;
	sched_switch();
	spin_unlock(&sched_lock);
}

void waitq_init(struct waitq *wq, const char *name)
{
	list_init(&wq->sleepers);
	wq->name = name;
}

static void waitq_block(struct waitq *wq, struct spinlock *held,
			uint64_t deadline)
{
	struct thread *t = thread_current();

	if (!t)
		panic("waitq_sleep: no thread to put to sleep on %s", wq->name);
	spin_lock(&sched_lock);
	if (held)
		spin_unlock(held);
	list_push_back(&wq->sleepers, &t->wait_link);
	t->waiting_on = wq;
	if (deadline)
		timer_list_insert(t, deadline);
	t->state = THREAD_SLEEPING;
	sched_switch();
	spin_unlock(&sched_lock);
	if (held)
		spin_lock(held);
}

void waitq_sleep(struct waitq *wq, struct spinlock *held)
{
	waitq_block(wq, held, 0);
}

int waitq_sleep_until(struct waitq *wq, struct spinlock *held,
		      uint64_t deadline)
{
	struct thread *t = thread_current();

	waitq_block(wq, held, deadline ? deadline : 1);
	return t->timed_out ? -ETIMEDOUT : 0;
}

void waitq_wake_one(struct waitq *wq)
{
	struct list *node;

	spin_lock(&sched_lock);
	node = wq->sleepers.next;
	if (node != &wq->sleepers)
		sched_make_runnable(container_of(node, struct thread, wait_link));
	spin_unlock(&sched_lock);
}

void waitq_wake_all(struct waitq *wq)
{
	struct list *node;

	spin_lock(&sched_lock);
	while ((node = wq->sleepers.next) != &wq->sleepers)
		sched_make_runnable(container_of(node, struct thread, wait_link));
	spin_unlock(&sched_lock);
}

void sched_tick(void)
{
	struct hart *h = this_hart();
	uint64_t now = timer_now();
	struct list *node;

	spin_lock(&sched_lock);
	while ((node = timer_list.next) != &timer_list) {
		struct thread *t = container_of(node, struct thread, timer_link);
		if (t->wake_at > now)
			break;
		t->timed_out = 1;
		sched_make_runnable(t);
	}
	/* Round robin: a thread runs at most one tick while others wait. */
	if (h->current && !list_empty(&run_queue))
		h->need_resched = 1;
	spin_unlock(&sched_lock);
}

/*
 * Free zombies collected by the scheduler loop; no lock held.  A thread
 * stops counting in thread_count() only once its memory is back.
 */
static void reap(struct list *dead)
{
	struct list *node;

	while ((node = list_pop_front(dead))) {
		struct thread *t = container_of(node, struct thread, run_link);
		vm_stack_free(t->stack_slot + STACK_SLOT_SIZE);
		kfree(t);
		spin_lock(&sched_lock);
		nthreads--;
		nzombies--;
		spin_unlock(&sched_lock);
	}
}

void sched_run(void)
{
	struct hart *h = this_hart();
	struct list dead;

	list_init(&dead);
	h->online = 1;
	for (;;) {
		struct list *node;

		irq_disable();
		spin_lock(&sched_lock);
		node = list_pop_front(&run_queue);
		if (node) {
			struct thread *t = container_of(node, struct thread, run_link);
			uint64_t now = timer_now();

			/* A new thread's stack was just mapped: make sure this
			 * hart's TLB holds no stale "invalid" entry for it. */
			if (t->switches == 0)
				sfence_vma();
			t->state = THREAD_RUNNING;
			t->hart = h->id;
			t->switches++;
			t->run_since = now;
			h->current = t;
			h->need_resched = 0;
			context_switch(&h->scheduler, &t->context);
			h->current = NULL;
			t->runtime += timer_now() - t->run_since;
			if (t->state == THREAD_ZOMBIE) {
				list_remove(&t->all_link);
				list_push_back(&dead, &t->run_link);
			}
			spin_unlock(&sched_lock);
			irq_enable();
			reap(&dead);
			continue;
		}
		h->idle = 1;
		spin_unlock(&sched_lock);
		/* Interrupts are still off: a wakeup (an interrupt, or an IPI
		 * from kick_idle_hart) arriving now still ends the wfi. */
		{
			uint64_t before = timer_now();
			wfi();
			h->idle_time += timer_now() - before;
		}
		h->idle = 0;
		irq_enable();
	}
}

int thread_snapshot(struct thread_info *out, int max)
{
	struct list *pos;
	int n = 0;

	spin_lock(&sched_lock);
	list_for_each(pos, &all_threads) {
		struct thread *t = container_of(pos, struct thread, all_link);
		uint64_t running = 0;

		if (n == max)
			break;
		if (t->state == THREAD_RUNNING)
			running = timer_now() - t->run_since;
		out[n].id = t->id;
		strlcpy(out[n].name, t->name, sizeof(out[n].name));
		out[n].state = t->state;
		out[n].hart = t->hart;
		out[n].runtime = t->runtime + running;
		out[n].switches = t->switches;
		strlcpy(out[n].waiting_on, t->waiting_on ? t->waiting_on->name : "",
			sizeof(out[n].waiting_on));
		n++;
	}
	spin_unlock(&sched_lock);
	return n;
}

int thread_count(void)
{
	return nthreads;
}

int thread_count_live(void)
{
	return nthreads - nzombies;
}

void sched_init(void)
{
	for (int i = 0; i < MAX_HARTS; i++)
		harts[i].id = i;
}
