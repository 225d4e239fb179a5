/*
 * cpio.h - a reader for cpio "newc" archives (what the initramfs is).
 *
 * Pure: it reads only the bytes it is given and allocates nothing, so it is
 * tested on the host against archives made by the real `cpio -o -H newc`.
 * Every field is bounds-checked; a malformed archive gives an error that
 * names the problem and the offset where it was found, never a read past
 * the end.
 */
#ifndef KEEL_FS_CPIO_H
#define KEEL_FS_CPIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CPIO_HEADER_SIZE 110
#define CPIO_TRAILER "TRAILER!!!"

/* The file type bits of cpio_entry.mode, as in Unix st_mode. */
#define CPIO_MODE_TYPE 0170000u
#define CPIO_MODE_DIR 0040000u
#define CPIO_MODE_FILE 0100000u
#define CPIO_MODE_SYMLINK 0120000u
#define CPIO_MODE_PERMISSIONS 07777u

/* One archive member.  Pointers point into the archive. */
struct cpio_entry {
	const char *name;   /* NUL-terminated, as stored ("./etc/motd") */
	size_t name_length; /* without the NUL; at least 1 */
	const void *data;   /* file contents (symlink: the target) */
	size_t size;        /* bytes at data */
	uint32_t ino;       /* inode number (hard links share it) */
	uint32_t mode;      /* type and permission bits */
	uint32_t nlink;
	uint32_t mtime;     /* seconds since 1970 */
	uint32_t dev_major; /* device holding ino: (dev, ino) names a file */
	uint32_t dev_minor;
	size_t offset;      /* of the entry's header in the archive */
};

struct cpio_reader {
	const unsigned char *archive;
	size_t size;
	size_t offset;       /* of the next header */
	bool finished;       /* the trailer has been read */
	const char *error;   /* what was wrong, NULL while all is well */
	size_t error_offset; /* where it was found */
};

void cpio_reader_init(struct cpio_reader *reader, const void *archive,
		      size_t size);

/*
 * Read the next entry into *entry.  Returns 1 with an entry, 0 once the
 * TRAILER!!! entry has been read (and on every call after), or -EBADMSG
 * with reader->error and reader->error_offset describing the problem
 * (every later call returns -EBADMSG too).  Accepts magic 070701 and
 * 070702; for 070702 the checksum of every regular file is verified.
 */
int cpio_next(struct cpio_reader *reader, struct cpio_entry *entry);

#endif /* KEEL_FS_CPIO_H */
