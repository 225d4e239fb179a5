/*
 * thread.h - kernel threads.
 *
 * A kernel thread is a C function running on its own 16 KiB stack (with a
 * guard below it, see arch/stack.h), scheduled preemptively: the timer
 * interrupt switches threads when a time slice runs out, and a thread gives up
 * the CPU on its own when it sleeps on a wait queue or yields.  Every hart
 * runs a scheduler loop on its boot stack; a thread always switches to that
 * loop, which picks the next runnable thread (round robin from one run queue
 * shared by all harts) or idles with `wfi`.
 *
 * These are the "kernel threads" of the lecture Keel comes from: simple and
 * parallel, but each one costs a stack and a full register switch.  The async
 * executor is measured against them.
 */
#ifndef KEEL_SCHED_THREAD_H
#define KEEL_SCHED_THREAD_H

#include <stdint.h>

#include "lib/list.h"
#include "arch/stack.h"
#include "sync/spinlock.h"

struct waitq;

#define THREAD_NAME_MAX 16

/* Callee-saved registers; layout shared with arch/switch.S. */
struct context {
	uint64_t ra, sp;
	uint64_t s[12];
};

enum thread_state {
	THREAD_RUNNABLE, /* on the run queue */
	THREAD_RUNNING,  /* on a hart right now */
	THREAD_SLEEPING, /* on a wait queue or the timer list */
	THREAD_ZOMBIE,   /* exited; the scheduler frees it */
};

struct thread {
	int id;
	char name[THREAD_NAME_MAX];
	enum thread_state state;
	struct context context;
	uintptr_t stack_slot;   /* virtual base of the guard+stack slot */
	int hart;               /* hart running it, or last ran it */
	void (*entry)(void *arg);
	void *arg;
	uint64_t started;       /* time (ticks of the time CSR) created */
	uint64_t runtime;       /* time spent running */
	uint64_t run_since;     /* when it last got a hart */
	uint64_t switches;      /* times scheduled */
	struct list all_link;   /* in the list of all threads */
	struct list run_link;   /* in the run queue */
	struct list wait_link;  /* in a wait queue */
	struct list timer_link; /* in the sleep-with-deadline list */
	uint64_t wake_at;       /* deadline, 0 when none */
	int timed_out;          /* set when woken by the deadline */
	struct waitq *waiting_on;
	int exit_code;
};

/*
 * Create a thread that runs entry(arg) and make it runnable.  Returns its id
 * (> 0), or -ENOMEM.  When entry returns the thread exits with code 0.
 */
int thread_create(const char *name, void (*entry)(void *), void *arg);
void thread_exit(int code) __attribute__((noreturn));
/* Give the hart to another runnable thread, if there is one. */
void thread_yield(void);
/* Sleep for at least `ms` milliseconds. */
void thread_sleep_ms(uint64_t ms);
/* The thread running on this hart, or NULL in the scheduler loop. */
struct thread *thread_current(void);

/* A copy of one thread's public state, for `ps`. */
struct thread_info {
	int id;
	char name[THREAD_NAME_MAX];
	enum thread_state state;
	int hart;
	uint64_t runtime;  /* timer ticks spent running */
	uint64_t switches;
	char waiting_on[16]; /* wait queue name, "" when none */
};

/*
 * Copy the state of up to `max` threads into out (a snapshot: printing it
 * takes console locks, which must not nest inside sched_lock).  Returns the
 * number of threads copied.
 */
int thread_snapshot(struct thread_info *out, int max);
/* Threads that exist or whose memory is not yet freed. */
int thread_count(void);
/* Threads that have not exited (thread_count() less the unfreed zombies). */
int thread_count_live(void);

void context_switch(struct context *old, struct context *new);

/* Scheduler internals used by wait queues and the timer. */
void sched_init(void);
void sched_run(void) __attribute__((noreturn)); /* this hart's scheduler loop */
/* Make a sleeping thread runnable.  Called with sched_lock held. */
void sched_make_runnable(struct thread *t);
/*
 * Switch from the current thread to the scheduler.  The caller holds
 * sched_lock (and no other spinlock) and has set the thread's new state.
 */
void sched_switch(void);
/* Called on every timer tick on every hart: wake expired sleepers, preempt. */
void sched_tick(void);
/* Nonzero once a hart should preempt the current thread at the next chance. */
extern struct spinlock sched_lock;

#endif /* KEEL_SCHED_THREAD_H */
