/*
 * bench_fs_blocks.c - the blocks of a benchmark file, and the order the
 * random reads take them in.
 *
 * The files `bench ext2` and `bench raw` read are made on the host by
 * tools/bench_ext2_tree.py: every 4 KiB block carries a header (magic,
 * the file's name, its own index, the file's length in blocks) and a
 * checksum the host computed over the rest (the first 4088 bytes as one
 * little-endian number, modulo 2^61 - 1); bench_fs.h draws the layout.
 * Every block a measurement reads is checked against both after the
 * clock has stopped, so a run that read nothing, or the wrong blocks,
 * cannot look fast: a block read from the wrong place fails the index, a
 * block of zeroes, a torn or a shifted one fails the checksum.  The same
 * headers let `bench raw` find the file's blocks on the disk without
 * knowing ext2.
 *
 * The random reads follow a permutation of the file's blocks, shuffled
 * (Fisher-Yates) by splitmix64 from a fixed seed: the same file gets the
 * same order on every boot, in ext2's modes and on the raw disk alike,
 * and a slice of the permutation never names a block twice.
 */
#include "shell/bench_fs.h"

#define SUM_MODULUS ((1ull << 61) - 1)
#define SEED	    0x4b45454c42454e43ull /* "KEELBENC" */

static const char magic[8] = {'K', 'E', 'E', 'L', 'B', 'N', 'C', 'H'};

/*
 * Bytes 0..4087 of `block` as a little-endian number, modulo 2^61 - 1,
 * from the most significant word down: h * 2^64 + w, and 2^64 = 8 modulo
 * 2^61 - 1.  h stays below 2^62 between steps; the result is exact.
 */
static uint64_t block_sum(const uint8_t *block)
{
	uint64_t h = 0;

	for (int i = SUM_OFFSET / 8 - 1; i >= 0; i--) {
		uint64_t w = load64(block + 8 * i);

		h = ((h << 3) & SUM_MODULUS) + (h >> 58); /* h * 8 */
		h += (w & SUM_MODULUS) + (w >> 61);
		h = (h & SUM_MODULUS) + (h >> 61);
	}
	h = (h & SUM_MODULUS) + (h >> 61);
	return h >= SUM_MODULUS ? h - SUM_MODULUS : h;
}

bool bench_block_has_magic(const uint8_t *block)
{
	return memcmp(block, magic, sizeof(magic)) == 0;
}

bool bench_block_is_of(const uint8_t *block, const char *name)
{
	return bench_block_has_magic(block) &&
	       strncmp((const char *)block + HEADER_NAME, name, NAME_SIZE) == 0;
}

bool bench_block_ok(const uint8_t *block, const char *name, uint64_t index,
		    uint64_t count)
{
	return bench_block_is_of(block, name) &&
	       load64(block + HEADER_INDEX) == index &&
	       load64(block + HEADER_COUNT) == count &&
	       load64(block + SUM_OFFSET) == block_sum(block);
}

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void bench_shuffle(uint32_t *order, uint32_t n)
{
	uint64_t state = SEED;

	for (uint32_t i = 0; i < n; i++)
		order[i] = i;
	for (uint32_t i = n - 1; i > 0; i--) {
		uint32_t j =
		    (uint32_t)(((splitmix64(&state) >> 32) * (i + 1)) >> 32);
		uint32_t t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
}
