/*
 * rtc.h - the wall clock: QEMU virt's goldfish real-time clock, read-only.
 *
 * QEMU's virt machine has a "google,goldfish-rtc" device (at 0x101000 in
 * its device tree since QEMU 5.0) whose two registers give the host's time
 * in nanoseconds since 1970.  Keel reads it once at boot and from then on
 * counts with its own monotonic clock, so keel_time_real_ns()
 * (<keel/time.h>) costs no device access.  Without the device there is no
 * wall clock and keel_time_real_ns() returns 0.
 */
#ifndef KEEL_DRIVERS_RTC_H
#define KEEL_DRIVERS_RTC_H

#include "boot/fdt.h"

/*
 * Read the clock once, if the device tree has one; logs the time found.
 * Boot hart, after timer_init (it pairs the reading with keel_now_ns)
 * and vm_init (the device page is mapped there).
 */
void rtc_init(const struct boot_info *info);

#endif /* KEEL_DRIVERS_RTC_H */
