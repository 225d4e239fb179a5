/*
 * timer.h - time, the periodic tick, and the one hardware timer per hart.
 *
 * Time is the `time` CSR, which counts at the device tree's
 * timebase-frequency (10 MHz on QEMU virt).  Each hart has one timer
 * interrupt (SBI TIME), which serves two clients: the scheduler's tick,
 * every TICK_MS milliseconds (it wakes sleeping threads and ends time
 * slices), and the executor's timers (kernel/exec/timers.c), whose
 * deadlines fall anywhere.  The hart's timer is always programmed to the
 * earlier of the two, so an async sleep ends on time, not at the next tick.
 */
#ifndef KEEL_TRAP_TIMER_H
#define KEEL_TRAP_TIMER_H

#include <stdint.h>

#define TICK_MS 10

void timer_init(uint64_t timebase_hz); /* boot hart, once */
void timer_init_hart(void);	       /* every hart: arm the first tick */
void timer_interrupt(void);	       /* from trap_handler */

/*
 * Make this hart's timer interrupt come no later than `deadline` (ticks of
 * the time CSR).  Called by the executor's timers, with interrupts off.
 */
void timer_arm_deadline(uint64_t deadline);

uint64_t timer_now(void); /* ticks of the time CSR */
uint64_t timer_hz(void);
uint64_t timer_ms_to_ticks(uint64_t ms);
/* The time CSR's value when the kernel started. */
uint64_t timer_boot_time(void);
/* Time since boot in microseconds. */
uint64_t timer_uptime_us(void);

#endif /* KEEL_TRAP_TIMER_H */
