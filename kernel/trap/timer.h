/*
 * timer.h - time and the periodic tick.
 *
 * Time is the `time` CSR, which counts at the device tree's
 * timebase-frequency (10 MHz on QEMU virt).  Every hart asks the firmware
 * (SBI TIME) for an interrupt every TICK_MS milliseconds; the tick wakes
 * sleepers whose deadline passed and ends time slices.
 */
#ifndef KEEL_TRAP_TIMER_H
#define KEEL_TRAP_TIMER_H

#include <stdint.h>

#define TICK_MS 10

void timer_init(uint64_t timebase_hz); /* boot hart, once */
void timer_init_hart(void);            /* every hart: arm the first tick */
void timer_interrupt(void);            /* from trap_handler */

uint64_t timer_now(void); /* ticks of the time CSR */
uint64_t timer_hz(void);
uint64_t timer_ms_to_ticks(uint64_t ms);
/* Time since boot in microseconds. */
uint64_t timer_uptime_us(void);

#endif /* KEEL_TRAP_TIMER_H */
