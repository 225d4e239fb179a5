/*
 * timer.c - the timer interrupt of every hart: the scheduler's tick and the
 * executor's deadlines on one hardware timer.
 *
 * Per hart, two times: next_tick, when the scheduler's tick is due, and
 * programmed, what the hardware timer (SBI set_timer) is set to.  The rule
 * is programmed = min(next_tick, earliest executor deadline).  Each
 * interrupt runs the tick if it is due, expires the executor's timers that
 * are due, and reprograms.  Between interrupts only timer_arm_deadline
 * moves the hardware timer, and only earlier: an executor timer that
 * becomes the earliest pulls its hart's interrupt forward.  A deadline
 * armed on one hart is served by that hart; the others see it at their
 * next interrupt, and whoever comes first takes the expired timers.
 *
 * The next tick is programmed relative to the previous one rather than to
 * "now", so ticks do not drift when an interrupt is taken late.
 */
#include "arch/riscv.h"
#include "arch/sbi.h"
#include "exec/exec.h"
#include "sched/hart.h"
#include "sched/thread.h"
#include "trap/timer.h"

static uint64_t hz = 10000000;
static uint64_t boot_time;
/* Only hart i touches entry i, with interrupts off. */
static uint64_t next_tick[MAX_HARTS];
static uint64_t programmed[MAX_HARTS];

uint64_t timer_now(void)
{
	return read_time();
}

uint64_t timer_hz(void)
{
	return hz;
}

uint64_t timer_ms_to_ticks(uint64_t ms)
{
	return ms * (hz / 1000);
}

uint64_t timer_boot_time(void)
{
	return boot_time;
}

uint64_t timer_uptime_us(void)
{
	return (timer_now() - boot_time) / (hz / 1000000 ? hz / 1000000 : 1);
}

void timer_init(uint64_t timebase_hz)
{
	if (timebase_hz >= 1000000)
		hz = timebase_hz;
	boot_time = timer_now();
}

static void program(int id, uint64_t when)
{
	programmed[id] = when;
	sbi_set_timer(when);
}

void timer_init_hart(void)
{
	int id = hart_id();

	next_tick[id] = timer_now() + timer_ms_to_ticks(TICK_MS);
	program(id, next_tick[id]);
	csr_set(sie, SIE_STIE);
}

void timer_arm_deadline(uint64_t deadline)
{
	int id;

	irq_push();
	id = hart_id();
	if (deadline < programmed[id])
		program(id, deadline);
	irq_pop();
}

void timer_interrupt(void)
{
	int id = hart_id();
	uint64_t now = timer_now();
	uint64_t period = timer_ms_to_ticks(TICK_MS);
	uint64_t next;
	int tick = now >= next_tick[id];

	if (tick) {
		next_tick[id] += period;
		if (next_tick[id] <= now)
			next_tick[id] = now + period;
		this_hart()->ticks++;
	}
	exec_timers_expire(now);
	next = exec_timers_next();
	program(id, next < next_tick[id] ? next : next_tick[id]);
	if (tick)
		sched_tick();
}
