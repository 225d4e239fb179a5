/*
 * timer.c - the periodic timer tick on every hart.
 *
 * The next tick is programmed relative to the previous deadline rather than
 * to "now", so ticks do not drift when an interrupt is taken late.
 */
#include "arch/riscv.h"
#include "arch/sbi.h"
#include "sched/hart.h"
#include "sched/thread.h"
#include "trap/timer.h"

static uint64_t hz = 10000000;
static uint64_t boot_time;
static uint64_t next_deadline[MAX_HARTS];

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

void timer_init_hart(void)
{
	int id = hart_id();

	next_deadline[id] = timer_now() + timer_ms_to_ticks(TICK_MS);
	sbi_set_timer(next_deadline[id]);
	csr_set(sie, SIE_STIE);
}

void timer_interrupt(void)
{
	int id = hart_id();
	uint64_t now = timer_now();
	uint64_t period = timer_ms_to_ticks(TICK_MS);

	next_deadline[id] += period;
	if (next_deadline[id] <= now)
		next_deadline[id] = now + period;
	sbi_set_timer(next_deadline[id]);
	this_hart()->ticks++;
	sched_tick();
}
