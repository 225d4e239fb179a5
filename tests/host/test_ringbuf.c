/*
 * test_ringbuf.c - the byte ring behind the kernel log and console input.
 */
#include <string.h>

#include "lib/ringbuf.h"
#include "tap.h"

static char storage[8];
static struct ringbuf ring;

static void fresh(void)
{
	memset(storage, 0, sizeof(storage));
	ringbuf_init(&ring, storage, sizeof(storage));
}

static void test_empty_ring_has_nothing(void)
{
	char c;

	fresh();
	CHECK_EQ(ringbuf_len(&ring), 0);
	CHECK(!ringbuf_get(&ring, &c));
	CHECK(!ringbuf_unput(&ring));
}

static void test_fifo_order(void)
{
	char c;

	fresh();
	CHECK(ringbuf_put(&ring, 'a'));
	CHECK(ringbuf_put(&ring, 'b'));
	CHECK(ringbuf_get(&ring, &c) && c == 'a');
	CHECK(ringbuf_get(&ring, &c) && c == 'b');
	CHECK_EQ(ringbuf_len(&ring), 0);
}

static void test_put_refuses_when_full(void)
{
	char c;

	fresh();
	for (int i = 0; i < 8; i++)
		CHECK(ringbuf_put(&ring, (char)('0' + i)));
	CHECK(!ringbuf_put(&ring, 'x'));
	CHECK_EQ(ring.dropped, 1);
	CHECK(ringbuf_get(&ring, &c) && c == '0');
}

static void test_overwrite_drops_oldest(void)
{
	char out[8];

	fresh();
	for (int i = 0; i < 11; i++)
		ringbuf_put_overwrite(&ring, (char)('a' + i));
	CHECK_EQ(ringbuf_len(&ring), 8);
	CHECK_EQ(ring.dropped, 3);
	CHECK_EQ(ringbuf_peek(&ring, 0, out, 8), 8);
	CHECK(memcmp(out, "defghijk", 8) == 0);
}

static void test_wraparound_keeps_order(void)
{
	char c, out[8];

	fresh();
	for (int round = 0; round < 5; round++) {
		for (int i = 0; i < 6; i++)
			CHECK(ringbuf_put(&ring, (char)('A' + i)));
		for (int i = 0; i < 6; i++)
			CHECK(ringbuf_get(&ring, &c) && c == 'A' + i);
	}
	CHECK(ringbuf_put(&ring, '1'));
	CHECK(ringbuf_put(&ring, '2'));
	CHECK_EQ(ringbuf_peek(&ring, 1, out, 8), 1);
	CHECK(out[0] == '2');
}

static void test_peek_past_end_copies_nothing(void)
{
	char out[4];

	fresh();
	ringbuf_put(&ring, 'z');
	CHECK_EQ(ringbuf_peek(&ring, 1, out, 4), 0);
	CHECK_EQ(ringbuf_peek(&ring, 5, out, 4), 0);
}

static void test_unput_removes_newest(void)
{
	char c;

	fresh();
	ringbuf_put(&ring, 'a');
	ringbuf_put(&ring, 'b');
	CHECK(ringbuf_unput(&ring));
	CHECK_EQ(ringbuf_len(&ring), 1);
	CHECK(ringbuf_get(&ring, &c) && c == 'a');
}

static void test_zero_capacity_ring(void)
{
	struct ringbuf zero;

	ringbuf_init(&zero, NULL, 0);
	CHECK(!ringbuf_put(&zero, 'a'));
	ringbuf_put_overwrite(&zero, 'a');
	CHECK_EQ(ringbuf_len(&zero), 0);
	CHECK_EQ(zero.dropped, 2);
}

static const struct tap_case cases[] = {
	TAP_CASE(test_empty_ring_has_nothing),
	TAP_CASE(test_fifo_order),
	TAP_CASE(test_put_refuses_when_full),
	TAP_CASE(test_overwrite_drops_oldest),
	TAP_CASE(test_wraparound_keeps_order),
	TAP_CASE(test_peek_past_end_copies_nothing),
	TAP_CASE(test_unput_removes_newest),
	TAP_CASE(test_zero_capacity_ring),
};

int main(void)
{
	return tap_run(cases, TAP_COUNT(cases));
}
