/*
 * test_cpio.c - the newc reader and the initramfs unpacker.
 *
 * Real archives come from the host's own `cpio -o -H newc` (and -H crc),
 * run on a temporary tree at test time.  Broken archives are made from
 * them (truncated at every offset, a flipped magic, a bad hex digit, a huge
 * file size, random damage) or built by hand for names cpio would never
 * write.  Every archive sits in a buffer of exactly its size, so
 * AddressSanitizer catches a read one byte past the end.
 *
 * Every case that unpacks does so into a fresh, empty root (fs_fixture.h).
 * kmalloc is replaced here (the shim's is weak) by the fixture's, which can
 * fail just the Nth allocation, to show that running out of memory
 * part-way through an unpack leaves an empty root and no leak.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <keel/errno.h>

#include "fs/cpio.h"
#include "fs/initramfs.h"
#include "fs/vfs.h"
#include "fs_fixture.h"
#include "tap.h"

/* ---- kmalloc that can fail one allocation ------------------------------ */

void *kmalloc(size_t size)
{
	return fs_fixture_kmalloc(size);
}

/* ---- archives ---------------------------------------------------------- */

struct archive {
	unsigned char *data;
	size_t size;
};

static char tree[] = "/tmp/keel-cpio-XXXXXX";
static struct archive newc, crc;
static char long_name[201];

static void run(const char *command)
{
	if (system(command) != 0) {
		printf("Bail out! command failed: %s\n", command);
		exit(1);
	}
}

static void write_host_file(const char *name, const void *data, size_t size)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tree, name);
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
}

static struct archive read_archive(const char *path)
{
	struct archive a = { 0 };
	FILE *f = fopen(path, "rb");

	if (!f || fseek(f, 0, SEEK_END) != 0) {
		printf("Bail out! cannot read %s\n", path);
		exit(1);
	}
	a.size = (size_t)ftell(f);
	a.data = malloc(a.size);
	rewind(f);
	if (!a.data || fread(a.data, 1, a.size, f) != a.size) {
		printf("Bail out! cannot read %s\n", path);
		exit(1);
	}
	fclose(f);
	return a;
}

/* An exact-size copy, so one byte too far is an ASan error. */
static struct archive copy_of(const struct archive *a, size_t size)
{
	struct archive c = { malloc(size ? size : 1), size };

	memcpy(c.data, a->data, size);
	return c;
}

/*
 * The tree: etc/motd, etc/hostname, an empty file, lib/modules/ (empty),
 * a/b/c/d/deep.txt, a 10000-byte binary, a 200-byte name, a symlink, and
 * two hard links to one file.
 */
static void make_archives(void)
{
	char command[1024], binary[10000];

	if (!mkdtemp(tree)) {
		printf("Bail out! mkdtemp\n");
		exit(1);
	}
	snprintf(command, sizeof(command),
		 "mkdir -p %s/etc %s/lib/modules %s/a/b/c/d", tree, tree, tree);
	run(command);
	write_host_file("etc/motd", "Welcome to Keel\n", 16);
	write_host_file("etc/hostname", "keel\n", 5);
	write_host_file("empty", "", 0);
	write_host_file("a/b/c/d/deep.txt", "deep", 4);
	for (size_t i = 0; i < sizeof(binary); i++)
		binary[i] = (char)(i * 7 + i / 256);
	write_host_file("binary", binary, sizeof(binary));
	memset(long_name, 'L', 200);
	write_host_file(long_name, "long", 4);
	snprintf(command, sizeof(command),
		 "cd %s && ln -s etc/motd link && echo linked > hard1 && "
		 "ln hard1 hard2", tree);
	run(command);
	snprintf(command, sizeof(command),
		 "cd %s && find . -mindepth 1 | LC_ALL=C sort | "
		 "cpio --quiet -o -H newc -R 0:0 > ../%s.newc && "
		 "find . | LC_ALL=C sort | "
		 "cpio --quiet -o -H crc -R 0:0 > ../%s.crc",
		 tree, tree + 5, tree + 5);
	run(command);
	snprintf(command, sizeof(command), "%s.newc", tree);
	newc = read_archive(command);
	snprintf(command, sizeof(command), "%s.crc", tree);
	crc = read_archive(command);
	snprintf(command, sizeof(command), "rm -rf %s %s.newc %s.crc", tree,
		 tree, tree);
	run(command);
}

/* Read a whole archive: 0 if complete, else -EBADMSG; *error says why. */
static int parse_all(const struct archive *a, int *entries,
		     struct cpio_reader *reader)
{
	struct cpio_entry entry;
	int found;

	*entries = 0;
	cpio_reader_init(reader, a->data, a->size);
	while ((found = cpio_next(reader, &entry)) == 1)
		(*entries)++;
	return found;
}

static const struct cpio_entry *find_entry(const struct archive *a,
					   const char *name)
{
	static struct cpio_entry entry;
	struct cpio_reader reader;

	cpio_reader_init(&reader, a->data, a->size);
	while (cpio_next(&reader, &entry) == 1)
		if (strcmp(entry.name, name) == 0)
			return &entry;
	return NULL;
}

/* Offset of the named entry's header (CPIO_TRAILER included). */
static size_t offset_of(const struct archive *a, const char *name)
{
	struct cpio_reader reader;
	struct cpio_entry entry;

	cpio_reader_init(&reader, a->data, a->size);
	while (cpio_next(&reader, &entry) == 1)
		if (strcmp(entry.name, name) == 0)
			return entry.offset;
	return strcmp(entry.name, name) == 0 ? entry.offset : a->size;
}

/* Where the archive's content ends: just after the trailer's name. */
static size_t end_of(const struct archive *a)
{
	struct cpio_reader reader;
	struct cpio_entry entry;

	cpio_reader_init(&reader, a->data, a->size);
	while (cpio_next(&reader, &entry) == 1)
		;
	return entry.offset + CPIO_HEADER_SIZE + entry.name_length + 1;
}

/* Overwrite header field `index` (0 = c_ino) of the entry at `at`. */
static void set_field(struct archive *a, size_t at, int index,
		      const char *eight)
{
	memcpy(a->data + at + 6 + 8 * index, eight, 8);
}

/* ---- hand-built archives ----------------------------------------------- */

static unsigned char built[4096];
static size_t built_size;

static void put_entry(const char *name, uint32_t mode, const char *data)
{
	size_t name_size = strlen(name) + 1, size = data ? strlen(data) : 0;
	char header[CPIO_HEADER_SIZE + 1];

	snprintf(header, sizeof(header),
		 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 1u, mode, 0u, 0u, 1u, 0u, (unsigned)size, 0u, 0u, 0u, 0u,
		 (unsigned)name_size, 0u);
	memcpy(built + built_size, header, CPIO_HEADER_SIZE);
	built_size += CPIO_HEADER_SIZE;
	memcpy(built + built_size, name, name_size);
	built_size += name_size;
	while (built_size % 4)
		built[built_size++] = 0;
	if (size)
		memcpy(built + built_size, data, size);
	built_size += size;
	while (built_size % 4)
		built[built_size++] = 0;
}

static struct archive finish_built(void)
{
	struct archive a = { built, 0 };

	put_entry(CPIO_TRAILER, 0, NULL);
	a.size = built_size;
	return copy_of(&a, built_size);
}

/* ---- the log ----------------------------------------------------------- */

static char log_text[4096];

/* Run initramfs_unpack with stdout (where the shim logs) captured. */
static int unpack_logged(const void *data, size_t size)
{
	FILE *capture = tmpfile();
	int saved = dup(1), err;
	size_t n;

	fflush(stdout);
	dup2(fileno(capture), 1);
	err = initramfs_unpack(data, size);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	rewind(capture);
	n = fread(log_text, 1, sizeof(log_text) - 1, capture);
	log_text[n] = '\0';
	fclose(capture);
	return err;
}

static int lines_in_log(void)
{
	int lines = 0;

	for (const char *c = log_text; *c; c++)
		lines += *c == '\n';
	return lines;
}

/* ---- what the root holds ---------------------------------------------- */

static int root_entries(void)
{
	struct vfs_file *dir;
	struct keel_dirent entry;
	int count = 0;

	if (vfs_open("/", VFS_O_DIRECTORY, 0, NULL, &dir))
		return -1;
	while (vfs_readdir(dir, &entry) == 1)
		count++;
	vfs_close(dir);
	return count;
}

static long file_contents(const char *path, char *buffer, size_t size)
{
	struct vfs_file *file;
	long n;

	if (vfs_open(path, VFS_O_READ, 0, NULL, &file))
		return -1;
	n = vfs_read(file, buffer, size);
	vfs_close(file);
	return n;
}

/* ---- the reader -------------------------------------------------------- */

static void test_reads_a_real_newc_archive(void)
{
	const struct cpio_entry *entry;
	struct cpio_reader reader;
	struct cpio_entry last;
	int entries;

	CHECK_EQ(parse_all(&newc, &entries, &reader), 0);
	CHECK(reader.error == NULL);
	CHECK_EQ(entries, 16);
	CHECK_EQ(cpio_next(&reader, &last), 0); /* stays finished */

	entry = find_entry(&newc, "etc/motd");
	CHECK(entry != NULL);
	if (entry) {
		CHECK_EQ(entry->size, 16);
		CHECK(memcmp(entry->data, "Welcome to Keel\n", 16) == 0);
		CHECK_EQ(entry->mode & CPIO_MODE_TYPE, CPIO_MODE_FILE);
		CHECK_EQ(entry->name_length, 8);
		CHECK_EQ(entry->offset % 4, 0);
	}
	entry = find_entry(&newc, "lib/modules");
	CHECK(entry && (entry->mode & CPIO_MODE_TYPE) == CPIO_MODE_DIR);
	entry = find_entry(&newc, "empty");
	CHECK(entry && entry->size == 0);
	entry = find_entry(&newc, long_name);
	CHECK(entry && entry->name_length == 200 && entry->size == 4);
	entry = find_entry(&newc, "link");
	CHECK(entry && (entry->mode & CPIO_MODE_TYPE) == CPIO_MODE_SYMLINK);
	CHECK(entry && entry->size == 8 && !memcmp(entry->data, "etc/motd", 8));
	entry = find_entry(&newc, "binary");
	CHECK(entry && entry->size == 10000 &&
	      ((const unsigned char *)entry->data)[9999] ==
		      (unsigned char)(9999 * 7 + 9999 / 256));
}

static void test_reads_and_checks_a_crc_archive(void)
{
	struct archive broken = copy_of(&crc, crc.size);
	const struct cpio_entry *entry = find_entry(&broken, "etc/motd");
	struct cpio_reader reader;
	int entries;

	CHECK_EQ(parse_all(&crc, &entries, &reader), 0);
	CHECK_EQ(entries, 17); /* with "." */
	CHECK(entry != NULL);
	if (entry) {
		size_t at = entry->offset;

		broken.data[(const unsigned char *)entry->data - broken.data] ^=
			1;
		CHECK_EQ(parse_all(&broken, &entries, &reader), -EBADMSG);
		CHECK(reader.error &&
		      !strcmp(reader.error, "checksum mismatch"));
		CHECK_EQ(reader.error_offset, at);
	}
	free(broken.data);
}

static void test_every_truncation_is_an_error(void)
{
	size_t complete = end_of(&newc);
	int wrong = 0;

	CHECK(complete > CPIO_HEADER_SIZE && complete <= newc.size);
	for (size_t size = 0; size < complete; size++) {
		struct archive cut = copy_of(&newc, size);
		struct cpio_reader reader;
		int entries;

		if (parse_all(&cut, &entries, &reader) != -EBADMSG ||
		    !reader.error || reader.error_offset > size)
			wrong++;
		free(cut.data);
	}
	CHECK_EQ(wrong, 0);
	/* Cutting the trailer's padding off is harmless. */
	{
		struct archive cut = copy_of(&newc, complete);
		struct cpio_reader reader;
		int entries;

		CHECK_EQ(parse_all(&cut, &entries, &reader), 0);
		free(cut.data);
	}
}

struct damage_case {
	const char *name;
	const char *entry; /* whose header to damage */
	int field;         /* -1: the magic */
	const char *value;
	const char *error;
	size_t error_at;   /* relative to the damaged header */
};

static const struct damage_case damage_cases[] = {
	{ "flipped magic, first", "a", -1, "070700", "bad magic", 0 },
	{ "flipped magic, later", "etc/motd", -1, "171701", "bad magic", 0 },
	{ "bad hex in filesize", "etc", 6, "0000000G",
	  "bad hex digit in c_filesize", 54 },
	{ "bad hex in mode", "etc", 1, "-0000000", "bad hex digit in c_mode",
	  14 },
	{ "bad hex in check", "etc", 12, "0000000 ", "bad hex digit in c_check",
	  102 },
	{ "huge filesize", "etc/motd", 6, "FFFFFFFF",
	  "file data runs past the end", 120 },
	{ "name size 0", "etc", 11, "00000000", "name size is 0", 0 },
	{ "huge name size", "etc", 11, "7FFFFFFF", "name runs past the end",
	  CPIO_HEADER_SIZE },
	{ "name size 1", "etc", 11, "00000001", "empty name",
	  CPIO_HEADER_SIZE },
	{ "name without NUL", "etc", 11, "00000003",
	  "name is not NUL-terminated", CPIO_HEADER_SIZE },
};

static void test_damaged_headers_name_the_problem(void)
{
	for (size_t i = 0; i < TAP_COUNT(damage_cases); i++) {
		const struct damage_case *c = &damage_cases[i];
		struct archive broken = copy_of(&newc, newc.size);
		size_t at = offset_of(&newc, c->entry);
		struct cpio_reader reader;
		int entries, err;

		if (c->field < 0)
			memcpy(broken.data + at, c->value, 6);
		else
			set_field(&broken, at, c->field, c->value);
		err = parse_all(&broken, &entries, &reader);
		if (err != -EBADMSG || !reader.error ||
		    strcmp(reader.error, c->error) != 0 ||
		    reader.error_offset != at + c->error_at)
			printf("#   case \"%s\": %d \"%s\" at %zu\n", c->name,
			       err, reader.error ? reader.error : "",
			       reader.error_offset);
		CHECK_EQ(err, -EBADMSG);
		CHECK(reader.error && strcmp(reader.error, c->error) == 0);
		CHECK_EQ(reader.error_offset, at + c->error_at);
		CHECK_EQ(cpio_next(&reader, &(struct cpio_entry){ 0 }),
			 -EBADMSG);
		free(broken.data);
	}
}

static void test_missing_trailer(void)
{
	struct archive cut = copy_of(&newc, offset_of(&newc, CPIO_TRAILER));
	struct cpio_reader reader;
	int entries;

	CHECK_EQ(parse_all(&cut, &entries, &reader), -EBADMSG);
	CHECK(reader.error &&
	      !strcmp(reader.error, "archive ends without TRAILER!!!"));
	CHECK_EQ(reader.error_offset, cut.size);
	CHECK_EQ(entries, 16);
	free(cut.data);

	cut = copy_of(&newc, 0);
	CHECK_EQ(parse_all(&cut, &entries, &reader), -EBADMSG);
	CHECK_EQ(entries, 0);
	free(cut.data);
}

static void test_random_damage_never_crashes(void)
{
	int complete = 0, refused = 0;

	srand(12345);
	for (int round = 0; round < 2000; round++) {
		struct archive broken = copy_of(&newc, newc.size);
		struct cpio_reader reader;
		int entries, err;

		for (int hits = 1 + rand() % 4; hits; hits--)
			broken.data[rand() % broken.size] =
				(unsigned char)rand();
		if (round % 3 == 0)
			broken.size = (size_t)rand() % newc.size;
		err = parse_all(&broken, &entries, &reader);
		if (err == 0)
			complete++;
		else if (err == -EBADMSG && reader.error)
			refused++;
		free(broken.data);
	}
	CHECK_EQ(complete + refused, 2000);
	CHECK(refused > 0);
}

/* ---- unpacking --------------------------------------------------------- */

static void test_unpack_a_real_archive(void)
{
	char buffer[10001], path[256];
	struct keel_stat stat;

	fs_setup();
	CHECK_EQ(unpack_logged(newc.data, newc.size), 0);
	CHECK(strstr(log_text, "skipping /link: symbolic links not supported"));
	CHECK(strstr(log_text, "unpacked"));
	CHECK_EQ(file_contents("/etc/motd", buffer, sizeof(buffer)), 16);
	CHECK(memcmp(buffer, "Welcome to Keel\n", 16) == 0);
	CHECK_EQ(file_contents("/etc/hostname", buffer, sizeof(buffer)), 5);
	CHECK_EQ(file_contents("/a/b/c/d/deep.txt", buffer, sizeof(buffer)), 4);
	CHECK_EQ(file_contents("/empty", buffer, sizeof(buffer)), 0);
	CHECK_EQ(file_contents("/binary", buffer, sizeof(buffer)), 10000);
	CHECK_EQ((unsigned char)buffer[4321],
		 (unsigned char)(4321 * 7 + 4321 / 256));
	snprintf(path, sizeof(path), "/%s", long_name);
	CHECK_EQ(file_contents(path, buffer, sizeof(buffer)), 4);
	CHECK_EQ(vfs_stat("/lib/modules", NULL, &stat), 0);
	CHECK_EQ(stat.type, KEEL_NODE_DIR);
	CHECK_EQ(stat.mode, 0755);
	CHECK_EQ(vfs_stat("/etc/motd", NULL, &stat), 0);
	CHECK_EQ(stat.mode, 0644);
	CHECK_EQ(vfs_stat("/link", NULL, &stat), -ENOENT);
	/* Both names of a hard link get the data newc stores once. */
	CHECK_EQ(file_contents("/hard1", buffer, sizeof(buffer)), 7);
	CHECK(memcmp(buffer, "linked\n", 7) == 0);
	CHECK_EQ(file_contents("/hard2", buffer, sizeof(buffer)), 7);
	fs_teardown();

	/* The crc archive has an entry for "." itself: skipped. */
	fs_setup();
	CHECK_EQ(unpack_logged(crc.data, crc.size), 0);
	CHECK_EQ(file_contents("/etc/motd", buffer, sizeof(buffer)), 16);
	CHECK_EQ(root_entries(), 8); /* a binary empty etc hard1 hard2 lib L */
	fs_teardown();
}

static void test_corrupt_archive_leaves_root_empty(void)
{
	struct archive broken = copy_of(&newc, newc.size);
	size_t at = offset_of(&newc, "hard2");
	char expected[128];

	fs_setup();
	memcpy(broken.data + at, "070711", 6); /* late in the archive */
	CHECK_EQ(unpack_logged(broken.data, broken.size), -EBADMSG);
	snprintf(expected, sizeof(expected),
		 "initramfs: corrupt cpio archive at offset 0x%zx: bad magic\n",
		 at);
	CHECK(strstr(log_text, expected) != NULL);
	CHECK_EQ(lines_in_log(), 1);
	CHECK_EQ(root_entries(), 0);

	CHECK_EQ(unpack_logged(broken.data, at + 50), -EBADMSG);
	CHECK(strstr(log_text, "truncated header") != NULL);
	CHECK_EQ(root_entries(), 0);
	free(broken.data);
	fs_teardown();
}

static void test_no_initrd_warns(void)
{
	fs_setup();
	CHECK_EQ(unpack_logged(NULL, 0), -ENOENT);
	CHECK(strstr(log_text, "initramfs: no initrd; root is empty\n"));
	CHECK_EQ(lines_in_log(), 1);
	CHECK_EQ(unpack_logged(newc.data, 0), -ENOENT);
	CHECK_EQ(root_entries(), 0);
	fs_teardown();
}

static void test_unpack_needs_an_empty_root(void)
{
	char buffer[8];

	fs_setup();
	CHECK_EQ(vfs_mkdir("/keep", 0755, NULL), 0);
	CHECK_EQ(unpack_logged(newc.data, newc.size), -ENOTEMPTY);
	CHECK_EQ(root_entries(), 1);
	CHECK_EQ(vfs_rmdir("/keep", NULL), 0);
	fs_teardown();

	/* And without a root at all. */
	CHECK_EQ(unpack_logged(newc.data, newc.size), -ENOENT);
	CHECK(strstr(log_text, "root is missing"));
	CHECK_EQ(file_contents("/etc/motd", buffer, sizeof(buffer)), -1);
}

static void test_names_from_hand_built_archives(void)
{
	struct archive a;
	struct keel_stat stat;
	char buffer[8];

	/* Missing parents are created; ".", "/x" and "./x" mean the same. */
	fs_setup();
	built_size = 0;
	put_entry(".", CPIO_MODE_DIR | 0755, NULL);
	put_entry("x/y/z", CPIO_MODE_FILE | 0600, "zz");
	put_entry("/abs", CPIO_MODE_DIR | 0700, NULL);
	put_entry("./abs/f", CPIO_MODE_FILE | 0644, "f");
	put_entry("dev/null", 0020666, NULL); /* a character device */
	a = finish_built();
	CHECK_EQ(unpack_logged(a.data, a.size), 0);
	CHECK(strstr(log_text, "skipping /dev/null: special files"));
	CHECK_EQ(vfs_stat("/x/y", NULL, &stat), 0);
	CHECK_EQ(stat.type, KEEL_NODE_DIR);
	CHECK_EQ(file_contents("/x/y/z", buffer, sizeof(buffer)), 2);
	CHECK_EQ(vfs_stat("/x/y/z", NULL, &stat), 0);
	CHECK_EQ(stat.mode, 0600);
	CHECK_EQ(file_contents("/abs/f", buffer, sizeof(buffer)), 1);
	CHECK_EQ(vfs_stat("/abs", NULL, &stat), 0);
	CHECK_EQ(stat.mode, 0700);
	free(a.data);
	fs_teardown();

	/* A ".." anywhere in a name refuses the whole archive. */
	fs_setup();
	built_size = 0;
	put_entry("fine", CPIO_MODE_FILE | 0644, "ok");
	put_entry("a/../../escape", CPIO_MODE_FILE | 0644, "bad");
	a = finish_built();
	CHECK_EQ(unpack_logged(a.data, a.size), -EBADMSG);
	CHECK(strstr(log_text, "name contains \"..\""));
	CHECK_EQ(root_entries(), 0);
	free(a.data);

	/* A file where a directory must go: refused, and the root emptied. */
	built_size = 0;
	put_entry("d", CPIO_MODE_DIR | 0755, NULL);
	put_entry("d/f", CPIO_MODE_FILE | 0644, "1");
	put_entry("d/f/g", CPIO_MODE_FILE | 0644, "2");
	a = finish_built();
	CHECK_EQ(unpack_logged(a.data, a.size), -ENOTDIR);
	CHECK(strstr(log_text, "root left empty"));
	CHECK_EQ(root_entries(), 0);
	free(a.data);
	fs_teardown();
}

static void test_out_of_memory_part_way_empties_the_root(void)
{
	int failures = 0;

	for (long allowed = 0; allowed < 10000; allowed++) {
		int err;

		fs_setup();
		fail_allocations_after(allowed, FAIL_ONCE);
		err = unpack_logged(newc.data, newc.size);
		allocations_never_fail();
		if (err == 0) {
			fs_teardown();
			break;
		}
		failures++;
		CHECK_EQ(err, -ENOMEM);
		CHECK_EQ(root_entries(), 0);
		fs_teardown();
	}
	CHECK(failures > 20);
}

static const struct tap_case cases[] = {
	TAP_CASE(test_reads_a_real_newc_archive),
	TAP_CASE(test_reads_and_checks_a_crc_archive),
	TAP_CASE(test_every_truncation_is_an_error),
	TAP_CASE(test_damaged_headers_name_the_problem),
	TAP_CASE(test_missing_trailer),
	TAP_CASE(test_random_damage_never_crashes),
	TAP_CASE(test_unpack_a_real_archive),
	TAP_CASE(test_corrupt_archive_leaves_root_empty),
	TAP_CASE(test_no_initrd_warns),
	TAP_CASE(test_unpack_needs_an_empty_root),
	TAP_CASE(test_names_from_hand_built_archives),
	TAP_CASE(test_out_of_memory_part_way_empties_the_root),
};

int main(void)
{
	int result;

	make_archives();
	vfs_init();
	result = tap_run(cases, TAP_COUNT(cases));
	free(newc.data);
	free(crc.data);
	return result;
}
