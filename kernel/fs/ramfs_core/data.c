/*
 * data.c - the contents of ramfs files, in page-sized chunks.
 *
 * A file is a table of chunk pointers: chunk i holds bytes
 * [i * RAMFS_CHUNK_SIZE, (i + 1) * RAMFS_CHUNK_SIZE).  A NULL entry, or
 * one beyond the table, is a hole and reads as zeros, so a write far past
 * the end allocates only the chunk it touches, and growing a file with
 * truncate allocates nothing.
 *
 *   chunks: [ *  | NULL | *  ]          size = 9000
 *             |          |
 *            4 KiB      4 KiB (bytes 8192..8999 used, the rest zero)
 *
 * One invariant keeps holes honest: every byte of a chunk past the end of
 * the file is zero.  Chunks start zeroed, writes never go past the new end,
 * and a shrinking truncate zeroes the tail of the chunk it cuts.
 *
 * A write is all or nothing.  It first counts the chunks it needs, checks
 * the size limit (-ENOSPC), grows a copy of the table and allocates every
 * missing chunk (-ENOMEM frees them again); only then does it install them
 * and copy.  So a failing write leaves the file exactly as it was.
 *
 * The caller (ops.c) holds the instance's spinlock; kmalloc never
 * sleeps, so allocating chunks under it is allowed.  A directory has no
 * contents: reading, writing or truncating one is -EISDIR.
 */
#include <keel/errno.h>
#include <keel/memory.h>

#include "ramfs_core.h"

static void *chunk_at(const struct ramfs_node *file, uint64_t index)
{
	return index < file->chunk_slots ? file->chunks[index] : NULL;
}

int64_t ramfs_file_read(struct ramfs_node *file, void *buffer, uint64_t length,
			uint64_t offset)
{
	uint64_t done = 0;

	if (file->type != KEEL_NODE_FILE)
		return -EISDIR;
	if (offset >= file->size)
		return 0;
	if (length > file->size - offset)
		length = file->size - offset;
	while (done < length) {
		uint64_t at = offset + done;
		uint64_t in_chunk = at % RAMFS_CHUNK_SIZE;
		uint64_t n = RAMFS_CHUNK_SIZE - in_chunk;
		const char *chunk = chunk_at(file, at / RAMFS_CHUNK_SIZE);

		if (n > length - done)
			n = length - done;
		if (chunk)
			memcpy((char *)buffer + done, chunk + in_chunk, n);
		else
			memset((char *)buffer + done, 0, n);
		done += n;
	}
	return (int64_t)length;
}

/*
 * A table with room for `slots` entries holding the current ones: the
 * file's own table when it is big enough, else a new copy (NULL when out
 * of memory).  The file is not changed.
 */
static void **table_with_room(struct ramfs_node *file, size_t slots,
			      size_t *new_slots)
{
	size_t grown = file->chunk_slots * 2;
	void **table;

	if (slots <= file->chunk_slots) {
		*new_slots = file->chunk_slots;
		return file->chunks;
	}
	if (grown < slots)
		grown = slots;
	if (grown > RAMFS_MAX_CHUNKS)
		grown = RAMFS_MAX_CHUNKS;
	table = kmalloc(grown * sizeof(*table));
	if (!table)
		return NULL;
	if (file->chunk_slots)
		memcpy(table, file->chunks, file->chunk_slots * sizeof(*table));
	*new_slots = grown;
	return table;
}

/*
 * Allocate `count` zeroed chunks, linked through their first word so no
 * other memory is needed.  NULL (with nothing left allocated) on failure.
 */
static void *chunks_alloc(size_t count)
{
	void *list = NULL;

	for (size_t i = 0; i < count; i++) {
		void **chunk = kmalloc(RAMFS_CHUNK_SIZE);

		if (!chunk) {
			while (list) {
				void **next = *(void **)list;

				kfree(list);
				list = next;
			}
			return NULL;
		}
		*chunk = list;
		list = chunk;
	}
	return list;
}

int64_t ramfs_file_write(struct ramfs_node *file, const void *buffer,
			 uint64_t length, uint64_t offset)
{
	struct ramfs_super *super = file->super;
	uint64_t first, last, missing = 0, done = 0;
	size_t slots;
	void **table, *fresh;

	if (file->type != KEEL_NODE_FILE)
		return -EISDIR;
	if (length == 0)
		return 0;
	if (offset > RAMFS_MAX_FILE_SIZE ||
	    length > RAMFS_MAX_FILE_SIZE - offset)
		return -EFBIG;
	first = offset / RAMFS_CHUNK_SIZE;
	last = (offset + length - 1) / RAMFS_CHUNK_SIZE;

	/* Validate: how much new memory, and is it allowed? */
	for (uint64_t i = first; i <= last; i++)
		missing += chunk_at(file, i) == NULL;
	if (super->bytes_limit &&
	    super->bytes_used + missing * RAMFS_CHUNK_SIZE > super->bytes_limit)
		return -ENOSPC;
	table = table_with_room(file, last + 1, &slots);
	if (!table)
		return -ENOMEM;
	fresh = chunks_alloc(missing);
	if (missing && !fresh) {
		if (table != file->chunks)
			kfree(table);
		return -ENOMEM;
	}

	/* Act: nothing below can fail. */
	if (table != file->chunks) {
		kfree(file->chunks);
		file->chunks = table;
		file->chunk_slots = slots;
	}
	for (uint64_t i = first; i <= last; i++) {
		if (!table[i]) {
			table[i] = fresh;
			fresh = *(void **)fresh;
			*(void **)table[i] = NULL;
		}
	}
	file->chunk_count += missing;
	super->bytes_used += missing * RAMFS_CHUNK_SIZE;
	while (done < length) {
		uint64_t at = offset + done;
		uint64_t in_chunk = at % RAMFS_CHUNK_SIZE;
		uint64_t n = RAMFS_CHUNK_SIZE - in_chunk;

		if (n > length - done)
			n = length - done;
		memcpy((char *)table[at / RAMFS_CHUNK_SIZE] + in_chunk,
		       (const char *)buffer + done, n);
		done += n;
	}
	if (offset + length > file->size)
		file->size = offset + length;
	return (int64_t)length;
}

/* Free chunks [from, end of table); the table itself stays. */
static void free_chunks_from(struct ramfs_node *file, size_t from)
{
	for (size_t i = from; i < file->chunk_slots; i++) {
		if (!file->chunks[i])
			continue;
		kfree(file->chunks[i]);
		file->chunks[i] = NULL;
		file->chunk_count--;
		file->super->bytes_used -= RAMFS_CHUNK_SIZE;
	}
}

int ramfs_file_truncate(struct ramfs_node *file, uint64_t size)
{
	uint64_t keep = (size + RAMFS_CHUNK_SIZE - 1) / RAMFS_CHUNK_SIZE;
	char *partial;

	if (file->type != KEEL_NODE_FILE)
		return -EISDIR;
	if (size > RAMFS_MAX_FILE_SIZE)
		return -EFBIG;
	if (size >= file->size) {
		file->size = size; /* the new bytes are a hole */
		return 0;
	}
	free_chunks_from(file, keep);
	partial = chunk_at(file, size / RAMFS_CHUNK_SIZE);
	if (partial && size % RAMFS_CHUNK_SIZE)
		memset(partial + size % RAMFS_CHUNK_SIZE, 0,
		       RAMFS_CHUNK_SIZE - size % RAMFS_CHUNK_SIZE);
	if (file->chunk_count == 0) {
		kfree(file->chunks);
		file->chunks = NULL;
		file->chunk_slots = 0;
	}
	file->size = size;
	return 0;
}

void ramfs_file_free(struct ramfs_node *file)
{
	free_chunks_from(file, 0);
	kfree(file->chunks);
	file->chunks = NULL;
	file->chunk_slots = 0;
	file->size = 0;
}
