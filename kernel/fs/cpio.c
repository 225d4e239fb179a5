/*
 * cpio.c - parse cpio "newc" archives.
 *
 * The format (SVR4 "new ASCII", as `cpio -H newc` writes it) is a sequence
 * of members, each a 110-byte header of ASCII text, then the name, then the
 * data, and a last member named "TRAILER!!!":
 *
 *   offset  size  field
 *        0     6  magic      "070701" ("070702": with checksums)
 *        6     8  ino        every number is 8 hex digits, no prefix
 *       14     8  mode       type bits | permission bits
 *       22     8  uid
 *       30     8  gid
 *       38     8  nlink
 *       46     8  mtime
 *       54     8  filesize   bytes of data
 *       62     8  devmajor
 *       70     8  devminor
 *       78     8  rdevmajor
 *       86     8  rdevminor
 *       94     8  namesize   bytes of name, including its NUL
 *      102     8  check      070702: sum of a regular file's data bytes,
 *                            mod 2^32 (cpio writes 0 for everything else)
 *      110        name, NUL, then zero padding to a multiple of 4
 *                 data, then zero padding to a multiple of 4
 *
 * Offsets are from the start of the archive, which is 4-byte aligned.  The
 * archive may go on after the trailer (cpio pads it to 512-byte blocks).
 *
 * Every check happens before the field is used, and every size is compared
 * with what remains rather than added to an offset, so no arithmetic can
 * overflow and nothing outside [archive, archive + size) is ever read.
 */
#include <keel/errno.h>

#include "fs/cpio.h"
#include "lib/string.h"

enum cpio_field {
	FIELD_INO,
	FIELD_MODE,
	FIELD_UID,
	FIELD_GID,
	FIELD_NLINK,
	FIELD_MTIME,
	FIELD_FILESIZE,
	FIELD_DEVMAJOR,
	FIELD_DEVMINOR,
	FIELD_RDEVMAJOR,
	FIELD_RDEVMINOR,
	FIELD_NAMESIZE,
	FIELD_CHECK,
	FIELD_COUNT,
};

static const char *const bad_hex_messages[FIELD_COUNT] = {
	"bad hex digit in c_ino",       "bad hex digit in c_mode",
	"bad hex digit in c_uid",       "bad hex digit in c_gid",
	"bad hex digit in c_nlink",     "bad hex digit in c_mtime",
	"bad hex digit in c_filesize",  "bad hex digit in c_devmajor",
	"bad hex digit in c_devminor",  "bad hex digit in c_rdevmajor",
	"bad hex digit in c_rdevminor", "bad hex digit in c_namesize",
	"bad hex digit in c_check",
};

void cpio_reader_init(struct cpio_reader *reader, const void *archive,
		      size_t size)
{
	memset(reader, 0, sizeof(*reader));
	reader->archive = archive;
	reader->size = size;
}

static int fail(struct cpio_reader *reader, size_t offset, const char *error)
{
	reader->error = error;
	reader->error_offset = offset;
	return -EBADMSG;
}

/* Parse 8 hex digits; false if any is not a hex digit. */
static bool parse_hex8(const unsigned char *text, uint32_t *out)
{
	uint32_t value = 0;

	for (int i = 0; i < 8; i++) {
		unsigned char c = text[i];
		uint32_t digit;

		if (c >= '0' && c <= '9')
			digit = c - '0';
		else if (c >= 'a' && c <= 'f')
			digit = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			digit = c - 'A' + 10;
		else
			return false;
		value = value << 4 | digit;
	}
	*out = value;
	return true;
}

/*
 * Advance *offset to the next multiple of 4, taking the bytes from *left.
 * Padding cut off by the end of the archive is forgiven: whatever needed
 * to come after it is then missing, and that is reported instead.
 */
static void skip_padding(size_t *offset, size_t *left)
{
	size_t pad = (4 - *offset % 4) % 4;

	if (pad > *left)
		pad = *left;
	*offset += pad;
	*left -= pad;
}

static uint32_t checksum(const unsigned char *data, size_t size)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < size; i++)
		sum += data[i];
	return sum;
}

int cpio_next(struct cpio_reader *reader, struct cpio_entry *entry)
{
	const unsigned char *header;
	uint32_t fields[FIELD_COUNT];
	size_t at = reader->offset, left, name_at, data_at;
	bool with_checksum;

	if (reader->error)
		return -EBADMSG;
	if (reader->finished)
		return 0;
	if (at >= reader->size)
		return fail(reader, at, "archive ends without TRAILER!!!");
	left = reader->size - at;
	if (left < CPIO_HEADER_SIZE)
		return fail(reader, at, "truncated header");
	header = reader->archive + at;
	if (memcmp(header, "070701", 6) == 0)
		with_checksum = false;
	else if (memcmp(header, "070702", 6) == 0)
		with_checksum = true;
	else
		return fail(reader, at, "bad magic");
	for (int i = 0; i < FIELD_COUNT; i++) {
		if (!parse_hex8(header + 6 + 8 * i, &fields[i]))
			return fail(reader, at + 6 + 8 * i,
				    bad_hex_messages[i]);
	}

	/* The name: namesize bytes, the last one its NUL, then padding. */
	name_at = at + CPIO_HEADER_SIZE;
	left -= CPIO_HEADER_SIZE;
	if (fields[FIELD_NAMESIZE] == 0)
		return fail(reader, at, "name size is 0");
	if (fields[FIELD_NAMESIZE] > left)
		return fail(reader, name_at, "name runs past the end");
	if (fields[FIELD_NAMESIZE] == 1)
		return fail(reader, name_at, "empty name");
	if (reader->archive[name_at + fields[FIELD_NAMESIZE] - 1] != '\0' ||
	    strnlen((const char *)reader->archive + name_at,
		    fields[FIELD_NAMESIZE]) != fields[FIELD_NAMESIZE] - 1)
		return fail(reader, name_at, "name is not NUL-terminated");
	left -= fields[FIELD_NAMESIZE];
	data_at = name_at + fields[FIELD_NAMESIZE];
	skip_padding(&data_at, &left);

	memset(entry, 0, sizeof(*entry));
	entry->name = (const char *)reader->archive + name_at;
	entry->name_length = fields[FIELD_NAMESIZE] - 1;
	entry->offset = at;
	if (strcmp(entry->name, CPIO_TRAILER) == 0) {
		reader->finished = true;
		reader->offset = data_at;
		return 0;
	}

	/* The data, then padding (which may be cut off at the very end). */
	if (fields[FIELD_FILESIZE] > left)
		return fail(reader, data_at, "file data runs past the end");
	if (with_checksum &&
	    (fields[FIELD_MODE] & CPIO_MODE_TYPE) == CPIO_MODE_FILE &&
	    checksum(reader->archive + data_at, fields[FIELD_FILESIZE]) !=
		    fields[FIELD_CHECK])
		return fail(reader, at, "checksum mismatch");
	entry->data = reader->archive + data_at;
	entry->size = fields[FIELD_FILESIZE];
	entry->ino = fields[FIELD_INO];
	entry->mode = fields[FIELD_MODE];
	entry->nlink = fields[FIELD_NLINK];
	entry->mtime = fields[FIELD_MTIME];
	entry->dev_major = fields[FIELD_DEVMAJOR];
	entry->dev_minor = fields[FIELD_DEVMINOR];
	left -= entry->size;
	reader->offset = data_at + entry->size;
	skip_padding(&reader->offset, &left);
	return 1;
}
