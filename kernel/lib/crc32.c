/*
 * crc32.c - CRC-32 (IEEE 802.3), four bits at a time.
 *
 * The CRC is the remainder of the message, seen as a polynomial over GF(2),
 * divided by the generator 0x04C11DB7.  This is the reflected form zlib
 * uses: bits are processed least significant first, so the generator
 * appears bit-reversed as 0xEDB88320, the register starts as all ones and is
 * inverted at the end.  Inverting on entry and exit is what makes the
 * function incremental: crc32_update(crc32_update(0, a), b) == crc32(a b).
 *
 * The bit-at-a-time loop is
 *
 *     crc ^= byte;
 *     repeat 8 times: crc = (crc >> 1) ^ (crc & 1 ? 0xEDB88320 : 0);
 *
 * Four of those steps depend only on the low four bits of crc, so they are
 * precomputed in a 16-entry table (table[n] = four steps applied to n) and
 * each byte costs two lookups.  A 256-entry table would be twice as fast and
 * sixteen times as large; the disk, not the checksum, is the slow part of
 * every caller.
 */
#include "lib/crc32.h"

static const uint32_t crc32_nibble_table[16] = {
	0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4,
	0x4db26158, 0x5005713c, 0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
	0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
};

uint32_t crc32_update(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		crc = (crc >> 4) ^ crc32_nibble_table[crc & 15];
		crc = (crc >> 4) ^ crc32_nibble_table[crc & 15];
	}
	return ~crc;
}
