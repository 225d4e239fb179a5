/*
 * hart.h - per-hart state.
 *
 * Each hart (hardware thread) has one struct hart, found through tp, which
 * holds the hart id from entry.S on.  Only the hart itself touches its struct,
 * with interrupts off, so the fields need no lock.
 */
#ifndef KEEL_SCHED_HART_H
#define KEEL_SCHED_HART_H

#include <stdint.h>

#include "arch/riscv.h"
#include "arch/stack.h"
#include "sched/thread.h"

struct hart {
	int id;
	int online;               /* set once the hart reached its scheduler */
	struct thread *current;   /* running thread, NULL in the scheduler loop */
	struct context scheduler; /* where sched_switch() returns to */
	int irq_depth;            /* nesting of irq_push() */
	int irq_were_enabled;     /* interrupt state at the outermost irq_push */
	int in_interrupt;         /* inside trap_handler for an interrupt */
	uint64_t ticks;           /* timer interrupts taken */
	uint64_t idle_time;       /* time spent in wfi */
	int need_resched;         /* the current thread's time slice ran out */
	int idle;                 /* in wfi with nothing to run (sched_lock) */
};

extern struct hart harts[MAX_HARTS];

static inline struct hart *this_hart(void)
{
	return &harts[hart_id()];
}

#endif /* KEEL_SCHED_HART_H */
