/*
 * rtc.c - the goldfish real-time clock, read once at boot.
 *
 * The device (QEMU hw/rtc/goldfish_rtc.c; the Android emulator's
 * "goldfish" platform) is 32-bit registers in one page:
 *
 *   0x00 TIME_LOW    read: latch the current time, return its low 32 bits
 *   0x04 TIME_HIGH   read: the high 32 bits of the time latched above
 *   0x08...          alarm and interrupt registers (not used here)
 *
 * The time is nanoseconds since 1970-01-01 00:00 UTC, as QEMU's host
 * clock has it (`-rtc base=utc`, the default).  TIME_LOW must be read
 * first: it is what latches TIME_HIGH, so the two halves always belong to
 * one instant.
 *
 * Keel reads it once, at boot, and remembers how far the wall clock was
 * ahead of keel_now_ns() (the time CSR since boot).  keel_time_real_ns()
 * is then that offset plus keel_now_ns(): no MMIO access (a trap into
 * QEMU each), callable anywhere, and it never goes backwards, even if the
 * host's clock is set back meanwhile.  It drifts with the time CSR, which
 * on QEMU follows the host's clock closely enough for file times.
 */
#include <stdint.h>

#include <keel/time.h>

#include "drivers/rtc.h"
#include "log/printk.h"
#include "module/export.h"

#define RTC_TIME_LOW  0x00
#define RTC_TIME_HIGH 0x04

/* Wall-clock nanoseconds at keel_now_ns() == 0; 0 when there is no RTC. */
static uint64_t real_at_boot;

static uint32_t rtc_read32(uintptr_t base, uintptr_t offset)
{
	return *(volatile uint32_t *)(base + offset);
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian calendar). */
static void civil_from_days(int64_t days, int64_t *year, unsigned *month,
			    unsigned *day)
{
	int64_t era, z = days + 719468;
	unsigned doe, yoe, doy, mp;

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*day = doy - (153 * mp + 2) / 5 + 1;
	*month = mp < 10 ? mp + 3 : mp - 9;
	*year = (int64_t)yoe + era * 400 + (*month <= 2);
}

void rtc_init(const struct boot_info *info)
{
	uint64_t now_ns, wall_ns, seconds;
	uint32_t low, high;
	unsigned month, day;
	int64_t year;

	if (!info->rtc.base)
		return;
	low = rtc_read32(info->rtc.base, RTC_TIME_LOW); /* latches HIGH */
	high = rtc_read32(info->rtc.base, RTC_TIME_HIGH);
	now_ns = keel_now_ns();
	wall_ns = (uint64_t)high << 32 | low;
	if (wall_ns <= now_ns) {
		pr_warn("rtc: goldfish at %lx reads %llu ns: before 1970, "
			"ignored",
			(unsigned long)info->rtc.base,
			(unsigned long long)wall_ns);
		return;
	}
	real_at_boot = wall_ns - now_ns;
	seconds = wall_ns / 1000000000u;
	civil_from_days((int64_t)(seconds / 86400), &year, &month, &day);
	pr_info("rtc: %04lld-%02u-%02u %02u:%02u:%02u UTC (goldfish at %lx)",
		(long long)year, month, day, (unsigned)(seconds % 86400 / 3600),
		(unsigned)(seconds % 3600 / 60), (unsigned)(seconds % 60),
		(unsigned long)info->rtc.base);
}

uint64_t keel_time_real_ns(void)
{
	return real_at_boot ? real_at_boot + keel_now_ns() : 0;
}
KEEL_EXPORT(keel_time_real_ns, 1);
