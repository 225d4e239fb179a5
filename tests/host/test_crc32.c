/*
 * test_crc32.c - CRC-32 against zlib's published values and a bit-at-a-time
 * reference, whole and in pieces.
 *
 * The expected constants were computed with Python's zlib.crc32, the same
 * function tests/qemu/virtio_blk.t uses to check what `blk read` prints.
 */
#include <stdint.h>
#include <string.h>

#include "lib/crc32.h"
#include "tap.h"

/* The definition, one bit at a time: slow and obviously right. */
static uint32_t crc32_reference(const uint8_t *p, size_t len)
{
	uint32_t crc = 0xffffffffu;

	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		for (int bit = 0; bit < 8; bit++)
			crc = (crc >> 1) ^ ((crc & 1) ? 0xedb88320u : 0);
	}
	return ~crc;
}

/* Deterministic bytes, different for every seed. */
static void fill_pseudo_random(uint8_t *p, size_t len, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)x;
	}
}

static void test_empty_is_zero(void)
{
	CHECK_EQ(crc32_update(0, "", 0), 0);
	CHECK_EQ(crc32_update(0, NULL, 0), 0);
}

static void test_empty_keeps_running_value(void)
{
	CHECK_EQ(crc32_update(0xcbf43926u, "", 0), 0xcbf43926u);
}

static void test_check_value_123456789(void)
{
	/* The standard "check" value of CRC-32/ISO-HDLC. */
	CHECK_EQ(crc32_update(0, "123456789", 9), 0xcbf43926u);
}

static void test_single_byte(void)
{
	CHECK_EQ(crc32_update(0, "a", 1), 0xe8b7be43u);
}

static void test_sentence(void)
{
	static const char s[] = "The quick brown fox jumps over the lazy dog";

	CHECK_EQ(crc32_update(0, s, sizeof(s) - 1), 0x414fa339u);
}

static void test_sector_of_zeros(void)
{
	uint8_t sector[512];

	memset(sector, 0, sizeof(sector));
	CHECK_EQ(crc32_update(0, sector, sizeof(sector)), 0xb2aa7578u);
}

static void test_sector_of_ones(void)
{
	uint8_t sector[512];

	memset(sector, 0xff, sizeof(sector));
	CHECK_EQ(crc32_update(0, sector, sizeof(sector)), 0xbd7bc39fu);
}

static void test_disk_pattern(void)
{
	/* Eight sectors of the pattern byte i % 251 (as the QEMU test's image).
	 */
	uint8_t data[4096];

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i % 251);
	CHECK_EQ(crc32_update(0, data, sizeof(data)), 0xd465f907u);
}

static void test_matches_reference(void)
{
	static const size_t lengths[] = {1,  2,	  3,   7,   15,	 16,
					 17, 255, 256, 511, 4096};
	uint8_t data[4096];

	for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		fill_pseudo_random(data, lengths[i], (uint32_t)i);
		CHECK_EQ(crc32_update(0, data, lengths[i]),
			 crc32_reference(data, lengths[i]));
	}
}

static void test_incremental_equals_whole(void)
{
	uint8_t data[1000];
	uint32_t whole;

	fill_pseudo_random(data, sizeof(data), 99);
	whole = crc32_update(0, data, sizeof(data));
	for (size_t split = 0; split <= sizeof(data); split += 37) {
		uint32_t crc = crc32_update(0, data, split);

		crc = crc32_update(crc, data + split, sizeof(data) - split);
		CHECK_EQ(crc, whole);
	}
}

static void test_byte_at_a_time(void)
{
	uint8_t data[300];
	uint32_t crc = 0;

	fill_pseudo_random(data, sizeof(data), 7);
	for (size_t i = 0; i < sizeof(data); i++)
		crc = crc32_update(crc, &data[i], 1);
	CHECK_EQ(crc, crc32_update(0, data, sizeof(data)));
}

static void test_detects_single_bit_flip(void)
{
	uint8_t data[512];
	uint32_t before;

	fill_pseudo_random(data, sizeof(data), 3);
	before = crc32_update(0, data, sizeof(data));
	for (size_t bit = 0; bit < sizeof(data) * 8; bit += 61) {
		data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		CHECK(crc32_update(0, data, sizeof(data)) != before);
		data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	CHECK_EQ(crc32_update(0, data, sizeof(data)), before);
}

static const struct tap_case cases[] = {
	TAP_CASE(test_empty_is_zero),
	TAP_CASE(test_empty_keeps_running_value),
	TAP_CASE(test_check_value_123456789),
	TAP_CASE(test_single_byte),
	TAP_CASE(test_sentence),
	TAP_CASE(test_sector_of_zeros),
	TAP_CASE(test_sector_of_ones),
	TAP_CASE(test_disk_pattern),
	TAP_CASE(test_matches_reference),
	TAP_CASE(test_incremental_equals_whole),
	TAP_CASE(test_byte_at_a_time),
	TAP_CASE(test_detects_single_bit_flip),
};

int main(void)
{
	return tap_run(cases, TAP_COUNT(cases));
}
