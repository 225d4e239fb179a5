/*
 * test_block_request.c - the block request future's state machine
 * (kernel/drivers/block_request.c) against a scripted driver.
 *
 * The fake driver records what it is handed and completes requests when a
 * case says so, in any order, so each interleaving the real interrupt
 * handler can produce is one case here: out-of-order completion, a
 * completion inside submit, a drop while waiting or while in the device, a
 * completion racing the drop.  Wakers are probes that count clones, wakes
 * and drops.  Every case ends with nothing allocated (shim_live_allocations)
 * and no lock held (shim_locks_held); the driver also checks that it is
 * never called with a lock held.
 */
#include <string.h>

#include <keel/errno.h>

#include "drivers/block.h"
#include "shim.h"
#include "tap.h"

/* ---- memory that runs out on demand ------------------------------------ */

static int allocations_left = -1; /* < 0: never fail */

void *kmalloc(size_t size)
{
	if (allocations_left == 0)
		return NULL;
	if (allocations_left > 0)
		allocations_left--;
	return shim_kmalloc(size);
}

/* ---- a waker that counts ----------------------------------------------- */

struct probe {
	int clones;   /* references handed out */
	int wakes;    /* wake + wake_by_ref */
	int consumed; /* references ended by wake */
	int drops;    /* references ended by drop */
};

static struct keel_waker probe_clone(const void *data);
static void probe_wake(const void *data)
{
	struct probe *p = (struct probe *)data;

	p->wakes++;
	p->consumed++;
}
static void probe_wake_by_ref(const void *data)
{
	((struct probe *)data)->wakes++;
}
static void probe_drop(const void *data)
{
	((struct probe *)data)->drops++;
}

static const struct keel_waker_vtable probe_vtable = {
    .size = sizeof(struct keel_waker_vtable),
    .clone = probe_clone,
    .wake = probe_wake,
    .wake_by_ref = probe_wake_by_ref,
    .drop = probe_drop,
};

static struct keel_waker probe_clone(const void *data)
{
	((struct probe *)data)->clones++;
	return (struct keel_waker){data, &probe_vtable};
}

/* References the future still holds. */
static int probe_held(const struct probe *p)
{
	return p->clones - p->consumed - p->drops;
}

static enum keel_poll poll_with(struct keel_int_future *f, struct probe *p)
{
	struct keel_waker w = {p, &probe_vtable};
	struct keel_context cx = {sizeof(cx), 0, &w};

	return keel_future_poll(&f->future, &cx);
}

/* ---- a scripted driver -------------------------------------------------- */

enum withdraw_answer {
	IN_DEVICE,	 /* the device has it: false */
	STILL_WAITING,	 /* taken back: true */
	COMPLETES_FIRST, /* the interrupt got there first: complete, false */
};

static struct fake {
	struct block_device dev;
	struct block_request *submitted[8];
	int nsubmitted;
	int withdraws;
	enum withdraw_answer answer;
	int complete_in_submit; /* complete with this status + 1 when nonzero */
	int called_with_lock;	/* the driver was entered with a lock held */
} fake;

static void fake_submit(struct block_device *dev, struct block_request *req)
{
	CHECK(dev == &fake.dev && req->dev == dev);
	if (shim_locks_held)
		fake.called_with_lock = 1;
	if (fake.nsubmitted < 8)
		fake.submitted[fake.nsubmitted++] = req;
	if (fake.complete_in_submit)
		block_request_complete(req, fake.complete_in_submit - 1);
}

static bool fake_withdraw(struct block_device *dev, struct block_request *req)
{
	CHECK(dev == &fake.dev && req->dev == dev);
	if (shim_locks_held)
		fake.called_with_lock = 1;
	fake.withdraws++;
	if (fake.answer == COMPLETES_FIRST)
		block_request_complete(req, 0);
	return fake.answer == STILL_WAITING;
}

static const struct block_ops fake_ops = {
    .submit = fake_submit,
    .withdraw = fake_withdraw,
};

static long allocations_at_start;

static void setup(void)
{
	memset(&fake, 0, sizeof(fake));
	strcpy(fake.dev.name, "vdt");
	fake.dev.sectors = 100;
	fake.dev.max_sectors = 8;
	fake.dev.write_cache = true;
	fake.dev.ops = &fake_ops;
	allocations_left = -1;
	allocations_at_start = shim_live_allocations;
}

/* What every case must leave behind: nothing. */
static void teardown(void)
{
	CHECK_EQ(shim_live_allocations, allocations_at_start);
	CHECK_EQ(shim_locks_held, 0);
	CHECK_EQ(fake.dev.counters.live, 0);
	CHECK(!fake.called_with_lock);
}

/* The device "transfers": fill the request's own buffer with `byte`. */
static void device_fills(struct block_request *req, int byte)
{
	memset(req->data, byte, req->bytes);
}

/* ---- cases -------------------------------------------------------------- */

static void test_read_submits_on_first_poll_and_copies_when_ready(void)
{
	struct probe p = {0};
	unsigned char buf[2 * 512];
	struct keel_int_future *f;

	setup();
	memset(buf, 0xee, sizeof(buf));
	f = block_read(&fake.dev, 10, buf, 2);
	CHECK(f != NULL);
	CHECK_EQ(fake.nsubmitted, 0); /* futures are lazy */
	CHECK_EQ(fake.dev.counters.live, 1);
	CHECK_EQ(poll_with(f, &p), KEEL_PENDING);
	CHECK_EQ(fake.nsubmitted, 1);
	CHECK_EQ(fake.submitted[0]->sector, 10);
	CHECK_EQ(fake.submitted[0]->bytes, 1024);
	CHECK_EQ(fake.submitted[0]->op, BLOCK_READ);
	CHECK_EQ(probe_held(&p), 1);
	CHECK_EQ(poll_with(f, &p), KEEL_PENDING); /* same waker: kept */
	CHECK_EQ(p.clones, 1);
	device_fills(fake.submitted[0], 0x42);
	CHECK(buf[0] == 0xee); /* the caller's buffer waits for the poll */
	block_request_complete(fake.submitted[0], 0);
	CHECK_EQ(p.wakes, 1);
	CHECK_EQ(probe_held(&p), 0);
	CHECK_EQ(poll_with(f, &p), KEEL_READY);
	CHECK_EQ(f->result, 0);
	CHECK(buf[0] == 0x42 && buf[1023] == 0x42);
	keel_future_drop(&f->future);
	CHECK_EQ(p.clones, 1);
	teardown();
}

static void test_dropped_before_polling_never_reaches_the_driver(void)
{
	unsigned char buf[512];
	struct keel_int_future *f;

	setup();
	f = block_read(&fake.dev, 0, buf, 1);
	keel_future_drop(&f->future);
	CHECK_EQ(fake.nsubmitted, 0);
	CHECK_EQ(fake.withdraws, 0);
	teardown();
}

static void test_completions_in_any_order_wake_their_own_waker(void)
{
	struct probe p[3] = {{0}};
	unsigned char buf[3][512];
	struct keel_int_future *f[3];
	static const int order[3] = {2, 0, 1};
	int completed[3] = {0};

	setup();
	for (int i = 0; i < 3; i++) {
		f[i] = block_read(&fake.dev, (uint64_t)i, buf[i], 1);
		CHECK_EQ(poll_with(f[i], &p[i]), KEEL_PENDING);
	}
	for (int k = 0; k < 3; k++) {
		int i = order[k];

		device_fills(fake.submitted[i], 'a' + i);
		block_request_complete(fake.submitted[i], 0);
		completed[i] = 1;
		for (int j = 0; j < 3; j++) /* only i's waker, once */
			CHECK_EQ(p[j].wakes, completed[j]);
		CHECK_EQ(poll_with(f[i], &p[i]), KEEL_READY);
		CHECK(buf[i][0] == 'a' + i && buf[i][511] == 'a' + i);
	}
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(p[i].wakes, 1);
		keel_future_drop(&f[i]->future);
		CHECK_EQ(probe_held(&p[i]), 0);
	}
	teardown();
}

static void test_only_the_newest_waker_is_woken(void)
{
	struct probe first = {0}, second = {0};
	unsigned char buf[512];
	struct keel_int_future *f;

	setup();
	f = block_read(&fake.dev, 5, buf, 1);
	CHECK_EQ(poll_with(f, &first), KEEL_PENDING);
	CHECK_EQ(poll_with(f, &second), KEEL_PENDING);
	CHECK_EQ(probe_held(&first), 0); /* replaced: dropped */
	CHECK_EQ(first.drops, 1);
	block_request_complete(fake.submitted[0], 0);
	CHECK_EQ(first.wakes, 0);
	CHECK_EQ(second.wakes, 1);
	CHECK_EQ(poll_with(f, &second), KEEL_READY);
	keel_future_drop(&f->future);
	teardown();
}

static void test_completion_inside_submit_is_not_lost(void)
{
	struct probe p = {0};
	unsigned char buf[512];
	struct keel_int_future *f;

	setup();
	fake.complete_in_submit = 1; /* status 0, before submit returns */
	f = block_read(&fake.dev, 1, buf, 1);
	CHECK_EQ(poll_with(f, &p), KEEL_PENDING);
	CHECK_EQ(p.wakes, 1); /* so the poller polls again */
	CHECK_EQ(poll_with(f, &p), KEEL_READY);
	CHECK_EQ(f->result, 0);
	keel_future_drop(&f->future);
	CHECK_EQ(probe_held(&p), 0);
	teardown();
}

static void test_cancel_in_device_is_freed_by_its_completion(void)
{
	struct probe p = {0};
	unsigned char buf[512];
	struct keel_int_future *f;
	struct block_request *req;

	setup();
	memset(buf, 0xee, sizeof(buf));
	fake.answer = IN_DEVICE;
	f = block_read(&fake.dev, 3, buf, 1);
	CHECK_EQ(poll_with(f, &p), KEEL_PENDING);
	req = fake.submitted[0];
	keel_future_drop(&f->future);
	CHECK_EQ(fake.withdraws, 1);
	CHECK_EQ(probe_held(&p), 0); /* the waker went with the drop */
	CHECK_EQ(fake.dev.counters.cancelled, 1);
	/* The device still owns the buffer: the request is still there. */
	CHECK_EQ(shim_live_allocations, allocations_at_start + 1);
	CHECK_EQ(fake.dev.counters.live, 1);
	device_fills(req, 0x42); /* the DMA lands in the request's memory */
	block_request_complete(req, 0);
	CHECK_EQ(p.wakes, 0);
	CHECK_EQ(fake.dev.counters.freed_by_completion, 1);
	CHECK(buf[0] == 0xee &&
	      buf[511] == 0xee); /* caller's memory untouched */
	teardown();
}

static void test_cancel_while_waiting_frees_at_once(void)
{
	struct probe p = {0};
	unsigned char buf[512];
	struct keel_int_future *f;

	setup();
	fake.answer = STILL_WAITING;
	f = block_write(&fake.dev, 3, buf, 1);
	CHECK_EQ(poll_with(f, &p), KEEL_PENDING);
	keel_future_drop(&f->future);
	CHECK_EQ(fake.dev.counters.withdrawn, 1);
	CHECK_EQ(fake.dev.counters.cancelled, 0);
	CHECK_EQ(probe_held(&p), 0);
	CHECK_EQ(p.wakes, 0);
	teardown();
}

static void test_completion_racing_the_drop_frees_once(void)
{
	struct probe p = {0};
	unsigned char buf[512];
	struct keel_int_future *f;

	setup();
	fake.answer = COMPLETES_FIRST;
	f = block_read(&fake.dev, 3, buf, 1);
	CHECK_EQ(poll_with(f, &p), KEEL_PENDING);
	keel_future_drop(&f->future); /* frees: the completion came first */
	CHECK_EQ(fake.dev.counters.cancelled, 0);
	CHECK_EQ(fake.dev.counters.freed_by_completion, 0);
	CHECK_EQ(p.wakes, 1);
	CHECK_EQ(probe_held(&p), 0);
	teardown();
}

static void test_device_error_reaches_the_result_and_spares_the_buffer(void)
{
	struct probe p = {0};
	unsigned char buf[512];
	struct keel_int_future *f;

	setup();
	memset(buf, 0xee, sizeof(buf));
	f = block_read(&fake.dev, 3, buf, 1);
	CHECK_EQ(poll_with(f, &p), KEEL_PENDING);
	device_fills(fake.submitted[0], 0x42);
	block_request_complete(fake.submitted[0], -EIO);
	CHECK_EQ(poll_with(f, &p), KEEL_READY);
	CHECK_EQ(f->result, -EIO);
	CHECK(buf[0] == 0xee);
	keel_future_drop(&f->future);
	teardown();
}

static void test_write_copies_the_callers_data_when_made(void)
{
	struct probe p = {0};
	unsigned char buf[1024];
	struct keel_int_future *f;

	setup();
	memset(buf, 0x11, sizeof(buf));
	f = block_write(&fake.dev, 7, buf, 2);
	memset(buf, 0x99, sizeof(buf)); /* the caller reuses its buffer */
	CHECK_EQ(poll_with(f, &p), KEEL_PENDING);
	CHECK_EQ(fake.submitted[0]->op, BLOCK_WRITE);
	CHECK(fake.submitted[0]->data[0] == 0x11);
	CHECK(fake.submitted[0]->data[1023] == 0x11);
	block_request_complete(fake.submitted[0], 0);
	CHECK_EQ(poll_with(f, &p), KEEL_READY);
	CHECK_EQ(f->result, 0);
	keel_future_drop(&f->future);
	teardown();
}

/* A request that breaks a rule: READY at once with `err`, driver untouched. */
static void expect_refused(struct keel_int_future *f, int err)
{
	struct probe p = {0};

	CHECK(f != NULL);
	if (!f)
		return;
	CHECK_EQ(poll_with(f, &p), KEEL_READY);
	CHECK_EQ(f->result, err);
	CHECK_EQ(p.clones, 0);
	keel_future_drop(&f->future);
}

static void test_bad_arguments_are_ready_at_once(void)
{
	unsigned char buf[9 * 512];

	setup();
	expect_refused(block_read(NULL, 0, buf, 1), -EINVAL);
	expect_refused(block_read(&fake.dev, 0, NULL, 1), -EINVAL);
	expect_refused(block_read(&fake.dev, 0, buf, 0), -EINVAL);
	expect_refused(block_read(&fake.dev, 0, buf, 9), -EINVAL); /* > max */
	expect_refused(block_read(&fake.dev, 100, buf, 1), -EINVAL);
	expect_refused(block_read(&fake.dev, 99, buf, 2), -EINVAL);
	expect_refused(block_read(&fake.dev, UINT64_MAX, buf, 2), -EINVAL);
	expect_refused(block_write(&fake.dev, 95, buf, 6), -EINVAL);
	expect_refused(block_flush(NULL), -EINVAL);
	fake.dev.read_only = 1;
	expect_refused(block_write(&fake.dev, 0, buf, 1), -EROFS);
	CHECK_EQ(fake.nsubmitted, 0);
	CHECK_EQ(fake.dev.counters.live, 0);
	/* The last sector and the largest request are fine. */
	fake.dev.read_only = 0;
	for (int i = 0; i < 2; i++) {
		struct keel_int_future *f =
		    i ? block_read(&fake.dev, 92, buf, 8)
		      : block_read(&fake.dev, 99, buf, 1);
		struct probe p = {0};

		CHECK(f != NULL);
		if (!f)
			continue;
		CHECK_EQ(poll_with(f, &p), KEEL_PENDING);
		block_request_complete(fake.submitted[i], 0);
		CHECK_EQ(poll_with(f, &p), KEEL_READY);
		CHECK_EQ(f->result, 0);
		keel_future_drop(&f->future);
	}
	teardown();
}

static void test_flush_reaches_the_device_only_with_a_write_cache(void)
{
	struct probe p = {0};
	struct keel_int_future *f;

	setup();
	fake.dev.write_cache = false;
	expect_refused(block_flush(&fake.dev), 0);
	CHECK_EQ(fake.nsubmitted, 0);
	fake.dev.write_cache = true;
	f = block_flush(&fake.dev);
	CHECK_EQ(poll_with(f, &p), KEEL_PENDING);
	CHECK_EQ(fake.nsubmitted, 1);
	CHECK_EQ(fake.submitted[0]->op, BLOCK_FLUSH);
	CHECK_EQ(fake.submitted[0]->bytes, 0);
	block_request_complete(fake.submitted[0], 0);
	CHECK_EQ(poll_with(f, &p), KEEL_READY);
	keel_future_drop(&f->future);
	teardown();
}

static void test_out_of_memory_gives_null(void)
{
	unsigned char buf[512];

	setup();
	allocations_left = 0;
	CHECK(block_read(&fake.dev, 0, buf, 1) == NULL);
	CHECK(block_write(&fake.dev, 0, buf, 1) == NULL);
	CHECK(block_flush(&fake.dev) == NULL);
	CHECK(block_read(&fake.dev, 100, buf, 1) == NULL); /* refusal too */
	allocations_left = -1;
	teardown();
}

static const struct tap_case cases[] = {
    TAP_CASE(test_read_submits_on_first_poll_and_copies_when_ready),
    TAP_CASE(test_dropped_before_polling_never_reaches_the_driver),
    TAP_CASE(test_completions_in_any_order_wake_their_own_waker),
    TAP_CASE(test_only_the_newest_waker_is_woken),
    TAP_CASE(test_completion_inside_submit_is_not_lost),
    TAP_CASE(test_cancel_in_device_is_freed_by_its_completion),
    TAP_CASE(test_cancel_while_waiting_frees_at_once),
    TAP_CASE(test_completion_racing_the_drop_frees_once),
    TAP_CASE(test_device_error_reaches_the_result_and_spares_the_buffer),
    TAP_CASE(test_write_copies_the_callers_data_when_made),
    TAP_CASE(test_bad_arguments_are_ready_at_once),
    TAP_CASE(test_flush_reaches_the_device_only_with_a_write_cache),
    TAP_CASE(test_out_of_memory_gives_null),
};

int main(void)
{
	return tap_run(cases, TAP_COUNT(cases));
}
