/*
 * test_future_ready.c - keel_future_ready and keel_future_done, polled by
 * hand and through block_on.
 *
 * A ready future must be READY at its first poll with the result it was
 * made with (or given before it was handed out), must never touch the
 * waker, and must free itself when dropped.  keel_future_done must do the
 * same without any memory at all.  kmalloc is replaced by one that can be
 * told to fail, to see NULL come back with nothing allocated.
 */
#include <stdbool.h>

#include <keel/errno.h>
#include <keel/future_ready.h>

#include "exec/block_on.h"
#include "shim.h"
#include "tap.h"

/* ---- kmalloc that fails on demand --------------------------------------- */

static bool fail_next_allocation;

void *kmalloc(size_t size)
{
	if (fail_next_allocation) {
		fail_next_allocation = false;
		return NULL;
	}
	return shim_kmalloc(size);
}

/* ---- a waker that counts, to see that nobody wakes it -------------------- */

static int wakes, clones, drops;

static struct keel_waker count_clone(const void *data);
static void count_wake(const void *data)
{
	(void)data;
	wakes++;
	drops++;
}
static void count_wake_by_ref(const void *data)
{
	(void)data;
	wakes++;
}
static void count_drop(const void *data)
{
	(void)data;
	drops++;
}

static const struct keel_waker_vtable count_vtable = {
    .size = sizeof(struct keel_waker_vtable),
    .clone = count_clone,
    .wake = count_wake,
    .wake_by_ref = count_wake_by_ref,
    .drop = count_drop,
};

static struct keel_waker count_clone(const void *data)
{
	clones++;
	return (struct keel_waker){data, &count_vtable};
}

static const struct keel_waker counting_waker = {NULL, &count_vtable};

static enum keel_poll poll_once(struct keel_int_future *f)
{
	struct keel_context cx = {sizeof(cx), 0, &counting_waker};

	return keel_future_poll(&f->future, &cx);
}

/* ---- cases ----------------------------------------------------------------
 */

static void test_ready_at_the_first_poll_with_its_result(void)
{
	long before = shim_live_allocations;
	struct keel_int_future *f = keel_future_ready(42);

	wakes = clones = drops = 0;
	CHECK(f != NULL);
	if (!f)
		return;
	CHECK_EQ(shim_live_allocations, before + 1);
	CHECK_EQ(poll_once(f), KEEL_READY);
	CHECK_EQ(f->result, 42);
	CHECK_EQ(wakes + clones + drops, 0); /* the waker is never touched */
	keel_future_drop(&f->future);
	CHECK_EQ(shim_live_allocations, before);
}

static void test_errors_and_results_set_by_the_maker(void)
{
	struct keel_int_future *f = keel_future_ready(-ENOENT);

	CHECK(f != NULL);
	if (!f)
		return;
	CHECK_EQ(poll_once(f), KEEL_READY);
	CHECK_EQ(f->result, -ENOENT);
	keel_future_drop(&f->future);

	/* The allocate-first pattern: made with 0, result set before use. */
	f = keel_future_ready(0);
	CHECK(f != NULL);
	if (!f)
		return;
	f->result = 4096;
	CHECK_EQ(block_on(f), 4096); /* block_on drops it */
}

static void test_dropped_unpolled_frees_it(void)
{
	long before = shim_live_allocations;

	keel_future_drop(&keel_future_ready(7)->future);
	CHECK_EQ(shim_live_allocations, before);
}

static void test_no_memory_gives_null_and_allocates_nothing(void)
{
	long before = shim_live_allocations;

	fail_next_allocation = true;
	CHECK(keel_future_ready(1) == NULL);
	CHECK_EQ(shim_live_allocations, before);
	fail_next_allocation = true;
	CHECK_EQ(block_on(keel_future_ready(1)), -ENOMEM);
	CHECK_EQ(shim_live_allocations, before);
}

static void test_block_on_returns_the_result_and_frees(void)
{
	long before = shim_live_allocations;

	CHECK_EQ(block_on(keel_future_ready(-EIO)), -EIO);
	CHECK_EQ(block_on(keel_future_ready(123456789012LL)), 123456789012LL);
	CHECK_EQ(shim_live_allocations, before);
}

static void test_done_needs_no_memory(void)
{
	long before = shim_live_allocations;
	struct keel_int_future *a, *b;

	fail_next_allocation = true; /* would fail if it allocated */
	a = keel_future_done();
	b = keel_future_done();
	fail_next_allocation = false;
	CHECK(a != NULL);
	CHECK(a == b); /* one shared future */
	CHECK_EQ(shim_live_allocations, before);
	wakes = clones = drops = 0;
	CHECK_EQ(poll_once(a), KEEL_READY);
	CHECK_EQ(a->result, 0);
	CHECK_EQ(wakes + clones + drops, 0);
	keel_future_drop(&a->future); /* harmless, however often */
	keel_future_drop(&b->future);
	CHECK_EQ(block_on(keel_future_done()), 0);
	CHECK_EQ(keel_future_done()->result, 0);
	CHECK_EQ(shim_live_allocations, before);
}

static const struct tap_case cases[] = {
    TAP_CASE(test_ready_at_the_first_poll_with_its_result),
    TAP_CASE(test_errors_and_results_set_by_the_maker),
    TAP_CASE(test_dropped_unpolled_frees_it),
    TAP_CASE(test_no_memory_gives_null_and_allocates_nothing),
    TAP_CASE(test_block_on_returns_the_result_and_frees),
    TAP_CASE(test_done_needs_no_memory),
};

int main(void)
{
	return tap_run(cases, TAP_COUNT(cases));
}
