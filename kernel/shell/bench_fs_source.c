/*
 * bench_fs_source.c - where `bench ext2` and `bench raw` read their
 * blocks from: a file through the VFS, or the same file's sectors on the
 * disk.
 *
 * A struct source is what one command reads.  For `bench ext2` it is an
 * open file: its block 0 names the file and gives its length
 * (bench_file_header), and a read is vfs_read_async of 4 KiB at the
 * block's offset, which the filesystem module (ext2) turns into disk
 * requests through its own block cache.  For `bench raw` it is a disk and
 * a name: one untimed scan reads the whole disk, 1 MiB at a time, and
 * notes the sector where each block of the file sits, by the headers
 * bench_fs_blocks.c checks (bench_scan); a read is then keel_block_read
 * of that block's 8 sectors.  So the raw reads ask the disk for exactly
 * the sectors ext2 asks for, without knowing anything of ext2, and the
 * difference between the two is what the filesystem costs.
 *
 * The read functions are a batch's start functions (bench_fs_batch.c):
 * read `op` of a random run takes block order[op] and lands at op's own
 * 4 KiB of dest, so that bench_verify can check, after the clock has
 * stopped, that each op brought the block it asked for.  Sequential raw
 * reads put each block in place (dest is then the whole file); the big
 * ones read an extent, a run of consecutive sectors of up to 1 MiB
 * (bench_extents), with one request.
 */
#include <keel/errno.h>

#include "exec/block_on.h"
#include "fs/vfs.h"
#include "mm/kmalloc.h"
#include "shell/bench_fs.h"
#include "shell/shell.h"

#define SCAN_SECTORS 2048u /* 1 MiB per scan read */

struct keel_int_future *bench_start_file_read(void *arg, uint32_t op)
{
	struct source *s = arg;

	return vfs_read_async(s->file, s->dest + (uint64_t)op * BLOCK_SIZE,
			      BLOCK_SIZE, (uint64_t)s->order[op] * BLOCK_SIZE);
}

struct keel_int_future *bench_start_disk_read(void *arg, uint32_t op)
{
	struct source *s = arg;

	return keel_block_read(s->disk, s->sectors[s->order[op]],
			       s->dest + (uint64_t)op * BLOCK_SIZE,
			       BLOCK_SECTORS);
}

/* Sequential: block op of the file, in place. */
struct keel_int_future *bench_start_disk_block(void *arg, uint32_t op)
{
	struct source *s = arg;

	return keel_block_read(s->disk, s->sectors[op],
			       s->dest + (uint64_t)op * BLOCK_SIZE,
			       BLOCK_SECTORS);
}

struct keel_int_future *bench_start_disk_extent(void *arg, uint32_t op)
{
	struct source *s = arg;
	uint64_t first = s->extent_first[op];

	return keel_block_read(s->disk, s->sectors[first],
			       s->dest + first * BLOCK_SIZE,
			       s->extent_blocks[op] * BLOCK_SECTORS);
}

uint64_t bench_verify(const struct source *s, const uint32_t *order,
		      uint32_t ops)
{
	uint64_t good = 0;

	for (uint32_t i = 0; i < ops; i++)
		good +=
		    bench_block_ok(s->dest + (uint64_t)i * BLOCK_SIZE, s->name,
				   order ? order[i] : i, s->blocks);
	return good;
}

int bench_file_header(struct shell *sh, const struct args *a, const char *path,
		      struct source *s)
{
	uint8_t *block;
	struct keel_stat st;
	int64_t got;
	int err = vfs_fstat(s->file, &st);

	if (err)
		return sh_errno(sh, a->cmd, path, err);
	block = kmalloc(BLOCK_SIZE);
	if (!block)
		return sh_errno(sh, a->cmd, path, -ENOMEM);
	got = block_on(vfs_read_async(s->file, block, BLOCK_SIZE, 0));
	if (got == BLOCK_SIZE && bench_block_has_magic(block)) {
		memcpy(s->name, block + HEADER_NAME, NAME_SIZE);
		s->name[NAME_SIZE] = '\0';
		s->blocks = load64(block + HEADER_COUNT);
	}
	kfree(block);
	if (got < 0)
		return sh_errno(sh, a->cmd, path, (int)got);
	if (!s->blocks || s->blocks > UINT32_MAX ||
	    st.size != s->blocks * BLOCK_SIZE)
		return bench_refuse(sh, a,
				    "%s is not a file tools/bench_ext2_tree.py "
				    "made",
				    path);
	return 0;
}

/*
 * Each block must be found exactly once: a second copy, an index past
 * the count of the first block found, or a missing block is refused.
 */
int bench_scan(struct shell *sh, const struct args *a, struct source *s,
	       const char *dev)
{
	uint64_t total = keel_block_sectors(s->disk), found = 0;
	uint8_t *chunk = kmalloc(SCAN_SECTORS * KEEL_BLOCK_SECTOR_SIZE);
	bool twice = false;
	int err = 0;

	if (!chunk)
		return sh_errno(sh, a->cmd, dev, -ENOMEM);
	for (uint64_t at = 0; at + BLOCK_SECTORS <= total && !err && !twice;
	     at += SCAN_SECTORS) {
		uint32_t count = total - at < SCAN_SECTORS
				     ? (uint32_t)(total - at)
				     : SCAN_SECTORS;

		count -= count % BLOCK_SECTORS;
		err = (int)block_on(keel_block_read(s->disk, at, chunk, count));
		for (uint32_t i = 0; i < count && !err && !twice;
		     i += BLOCK_SECTORS) {
			const uint8_t *b = chunk + i * KEEL_BLOCK_SECTOR_SIZE;
			uint64_t index = load64(b + HEADER_INDEX);

			if (!bench_block_is_of(b, s->name))
				continue;
			if (!s->sectors) {
				s->blocks = load64(b + HEADER_COUNT);
				if (s->blocks > UINT32_MAX)
					s->blocks = 0;
				s->sectors = s->blocks
						 ? kmalloc(s->blocks *
							   sizeof(*s->sectors))
						 : NULL;
				if (!s->sectors)
					err = -ENOMEM;
			}
			if (err)
				break;
			twice = index >= s->blocks || s->sectors[index];
			if (!twice) {
				s->sectors[index] = at + i;
				found++;
			}
		}
	}
	kfree(chunk);
	if (err)
		return sh_errno(sh, a->cmd, dev, err);
	if (!found)
		return bench_refuse(sh, a, "%s holds no block of a file '%s'",
				    dev, s->name);
	if (twice || found != s->blocks)
		return bench_refuse(
		    sh, a,
		    "%s does not hold each of the %lu blocks of '%s' "
		    "once (%lu found%s)",
		    dev, (unsigned long)s->blocks, s->name,
		    (unsigned long)found, twice ? ", one twice" : "");
	return 0;
}

uint32_t bench_extents(struct source *s, uint64_t *first, uint32_t *length)
{
	uint32_t extents = 0;

	for (uint64_t i = 0; i < s->blocks; i++) {
		if (extents &&
		    s->sectors[i] == s->sectors[i - 1] + BLOCK_SECTORS &&
		    length[extents - 1] < BIG_REQUEST / BLOCK_SIZE) {
			length[extents - 1]++;
			continue;
		}
		first[extents] = i;
		length[extents++] = 1;
	}
	s->extent_first = first;
	s->extent_blocks = length;
	return extents;
}
