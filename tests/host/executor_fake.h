/*
 * executor_fake.h - the kernel around the executor, faked for host tests.
 *
 * The executor core (kernel/exec/task.c, timers.c, combinators.c,
 * async_mutex.c) touches the rest of the kernel through a few functions:
 * the time CSR, "am I in an interrupt handler", the hart's timer, the
 * module owning an address, and waking an executor thread.  Here each one
 * is a variable the test sets or reads, so a test plays the machine by
 * hand: it advances the clock, raises an "interrupt" (runs a function with
 * in_interrupt() true), and runs the executor one poll at a time with
 * exec_run_one() in place of the worker threads.
 */
#ifndef KEEL_TESTS_EXECUTOR_FAKE_H
#define KEEL_TESTS_EXECUTOR_FAKE_H

#include <stdint.h>

#include <keel/future.h>

#include "exec/exec.h"
#include "module/module.h"

extern uint64_t fake_now;	 /* the time CSR; 10 MHz */
extern uint64_t fake_armed;	 /* lowest timer_arm_deadline since reset */
extern int fake_kicks;		 /* exec_kick_worker calls */
extern int fake_interrupt_depth; /* in_interrupt() is this > 0 */

/* Reset every fake to boot state (no modules, time 1000000 ticks). */
void fake_reset(void);
/* Run fn(arg) as an interrupt handler would. */
void fake_interrupt(void (*fn)(void *), void *arg);
/* Advance the clock by `ms` and take the timer interrupt. */
void fake_advance_ms(uint64_t ms);
/* Run the executor until its queue is empty; returns the polls made. */
int fake_run_all(void);

/* A loaded module whose text is [text, text + size). */
struct module *fake_module(const char *name, uintptr_t text, size_t size);
void fake_module_free(struct module *mod);

/* ---- a leaf future the test completes by hand ("a device request") ---- */

struct manual {
	struct keel_int_future base;
	struct keel_waker waker; /* kept at the last poll */
	int done;		 /* the "device" finished */
	int64_t value;		 /* its result */
	int polls;
	int *dropped; /* set to 1 on drop, if not NULL */
};

/* A manual future (malloc'd through kmalloc; freed by drop). */
struct manual *manual_new(int *dropped);
/* The device finishes: set done and wake the kept waker (call as an
 * interrupt with fake_interrupt if you like). */
void manual_complete(void *manual);

/* A waker that counts: data is an int counter. */
struct keel_waker counting_waker(int *counter);
/* Poll `f` once with a counting waker. */
enum keel_poll poll_counting(struct keel_future *f, int *counter);

#endif /* KEEL_TESTS_EXECUTOR_FAKE_H */
