/*
 * data.c - the contents of memfs files: one buffer per file.
 *
 * A file's bytes live in one kmalloc'd buffer of `capacity` bytes, of
 * which the first `size` are the file.  Every byte past `size` is zero, so
 * growing the file (a write past the end, a growing truncate) needs no
 * zeroing: the gap is already a run of zeros, which is what a hole reads
 * as.  A shrinking truncate zeroes what it cuts off to keep that true.
 *
 *   data:  [ h e l l o 0 0 0 0 0 0 0 ]   size 5, capacity 12
 *
 * When a write needs more room the buffer is replaced by one at least
 * twice as large (so appending n bytes costs O(n) copies overall), up to
 * MEMFS_MAX_FILE_SIZE.  The new buffer is allocated before anything
 * changes, so a write that finds no memory leaves the file as it was.
 *
 * Called with the instance's lock held (memfs.c).  kmalloc never sleeps,
 * so allocating under the lock is allowed.
 */
#include <keel/errno.h>
#include <keel/memory.h>

#include "memfs.h"

int64_t memfs_file_read(struct memfs_node *file, void *buffer, uint64_t length,
			uint64_t offset)
{
	if (offset >= file->size)
		return 0;
	if (length > file->size - offset)
		length = file->size - offset;
	memfs_copy(buffer, file->data + offset, length);
	return (int64_t)length;
}

/*
 * Make room for `size` bytes.  0, or -ENOMEM with the file unchanged.
 */
static int make_room(struct memfs_node *file, uint64_t size)
{
	uint64_t capacity = file->capacity ? file->capacity : 64;
	char *bigger;

	if (size <= file->capacity)
		return 0;
	while (capacity < size)
		capacity *= 2;
	if (capacity > MEMFS_MAX_FILE_SIZE)
		capacity = MEMFS_MAX_FILE_SIZE;
	bigger = kmalloc(capacity); /* zeroed: the tail stays zero */
	if (!bigger)
		return -ENOMEM;
	memfs_copy(bigger, file->data, file->size);
	kfree(file->data);
	file->super->bytes_used += capacity - file->capacity;
	file->data = bigger;
	file->capacity = capacity;
	return 0;
}

int64_t memfs_file_write(struct memfs_node *file, const void *buffer,
			 uint64_t length, uint64_t offset)
{
	int err;

	if (length == 0)
		return 0;
	if (offset > MEMFS_MAX_FILE_SIZE ||
	    length > MEMFS_MAX_FILE_SIZE - offset)
		return -EFBIG;
	err = make_room(file, offset + length);
	if (err)
		return err;
	memfs_copy(file->data + offset, buffer, length);
	if (offset + length > file->size)
		file->size = offset + length;
	return (int64_t)length;
}

int memfs_file_truncate(struct memfs_node *file, uint64_t size)
{
	int err;

	if (size > MEMFS_MAX_FILE_SIZE)
		return -EFBIG;
	if (size < file->size) {
		memfs_zero(file->data + size, file->size - size);
		file->size = size;
		return 0;
	}
	err = make_room(file, size);
	if (err)
		return err;
	file->size = size; /* the new bytes were zero already */
	return 0;
}

void memfs_file_free(struct memfs_node *file)
{
	kfree(file->data);
	file->super->bytes_used -= file->capacity;
	file->data = NULL;
	file->size = 0;
	file->capacity = 0;
}
