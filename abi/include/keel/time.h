/*
 * keel/time.h - the clock, and futures that wait for it.
 *
 * Time is nanoseconds since boot, read from the `time` CSR (10 MHz on QEMU
 * virt, so it advances in steps of 100 ns).  The sleep futures are leaf
 * futures of the kernel's timer reactor: each waiting one sits in one heap
 * ordered by deadline, and the hardware timer of a hart is programmed to the
 * earlier of its scheduler tick and the heap's earliest deadline, so a
 * sleep ends within a timer interrupt's latency of its deadline, not at the
 * next tick.  The interrupt wakes the sleeper's waker; the executor polls.
 *
 *     Rust (tokio)                       Keel
 *     tokio::time::sleep(d).await        await keel_sleep_ms(ms)
 *     tokio::time::sleep_until(t).await  await keel_sleep_until(ns)
 *     tokio::time::timeout(d, fut)       keel_timeout(fut, ms)
 *     Instant::now()                     keel_now_ns()
 *
 * Each function returning a future allocates it and returns NULL only when
 * memory is exhausted (awaiting or block_on-ing NULL gives -ENOMEM).
 * Dropping a pending sleep removes it from the heap at once.  Any context
 * except an interrupt handler; keel_now_ns() from anywhere.
 *
 * Since ABI 1.1.
 */
#ifndef KEEL_TIME_H
#define KEEL_TIME_H

#include <stdint.h>

#include <keel/future.h>

/* Nanoseconds since boot; never goes backwards. */
uint64_t keel_now_ns(void);

/* READY with result 0 once at least `ms` milliseconds have passed. */
struct keel_int_future *keel_sleep_ms(uint64_t ms);

/*
 * READY with result 0 once keel_now_ns() >= deadline_ns (at the first poll
 * if that is already so).
 */
struct keel_int_future *keel_sleep_until(uint64_t deadline_ns);

/*
 * Run `future` (owned from the call on) with a deadline `ms` milliseconds
 * from now: READY with its result if it finishes first, or with
 * -ETIMEDOUT once the deadline passes, having dropped (cancelled) it.
 * A future that is READY at the poll where the deadline passed wins.
 * If `future` is NULL, returns NULL; if there is no memory, drops it and
 * returns NULL.
 */
struct keel_int_future *keel_timeout(struct keel_int_future *future,
				     uint64_t ms);

/*
 * The wall clock: nanoseconds since 1970-01-01 00:00 UTC, or 0 when the
 * machine has no real-time clock.  Read from the device once at boot and
 * carried on by keel_now_ns(), so it is cheap, callable from anywhere
 * (interrupt handlers too), and never goes backwards.  For timestamps
 * (ext2's file times); use keel_now_ns() to measure durations.
 * Since ABI 1.1 (kernel/drivers/rtc.c).
 */
uint64_t keel_time_real_ns(void);

#endif /* KEEL_TIME_H */
