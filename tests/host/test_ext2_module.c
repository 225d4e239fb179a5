/*
 * test_ext2_module.c - the ext2 module's operations, futures and all, on
 * the host: a disk that completes requests in random order, several
 * operations in flight at once, cancellation, and e2fsck and debugfs to
 * judge what the writes left.  See test_ext2_harness.h.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <keel/async.h>

#include "shim.h"
#include "tap.h"
#include "test_ext2_harness.h"
#include "test_ext2_volume.h"

static char tree[300], image[300];
static long live_before;

static bool have_tools(void)
{
	if (fx_have_e2fsprogs())
		return true;
	tap_skip_reason = "e2fsprogs not installed";
	return false;
}

/* A symbolic link's target too long for the inode: a block of its own. */
#define SLOW_TARGET                                                            \
	"dir/../dir/../dir/../dir/../dir/../dir/../dir/../dir/../dir/../"      \
	"dir/../dir/../dir/../hello"

/* A tree with a little of everything, made once. */
static void make_tree(void)
{
	if (tree[0])
		return;
	snprintf(tree, sizeof(tree), "%s/tree", fx_dir());
	fx_run("mkdir -p '%s/dir/sub' '%s/many' '%s/empty' && "
	       "head -c 3000000 /dev/urandom > '%s/big' && "
	       "seq 1 20000 > '%s/dir/numbers' && echo hello > '%s/hello' && "
	       "truncate -s 70M '%s/sparse' && echo tail >> '%s/sparse' && "
	       "ln -s hello '%s/link' && ln -s '%s' '%s/slow_link' && "
	       "for i in $(seq 1 300); do echo $i > '%s/many/'file_$i; done",
	       tree, tree, tree, tree, tree, tree, tree, tree, tree,
	       SLOW_TARGET, tree, tree);
}

/* A fresh image of the tree on the disk; false if it could not be made. */
static bool attach(const char *options)
{
	uint64_t size;
	uint8_t *data;

	make_tree();
	snprintf(image, sizeof(image), "%s/module.img", fx_dir());
	remove(image);
	if (fx_run("mke2fs -q -F -t ext2 %s -d '%s' '%s' 32M", options, tree,
		   image))
		return false;
	data = fx_slurp(image, &size);
	if (!data)
		return false;
	hdisk_attach(data, size);
	hdisk.seed = 42;
	return true;
}

/* Write the disk back to the image file; e2fsck must have nothing to say. */
static bool detach_and_check(void)
{
	uint8_t *data;
	uint64_t size = hdisk.bytes;
	char command[700], line[512];
	bool clean = true;
	FILE *f, *p;

	data = hdisk_detach();
	f = fopen(image, "wb");
	if (f) {
		fwrite(data, 1, size, f);
		fclose(f);
	}
	free(data);
	snprintf(command, sizeof(command), "e2fsck -fn '%s' 2>&1", image);
	p = popen(command, "r");
	while (p && fgets(line, sizeof(line), p)) {
		if (!strncmp(line, "e2fsck ", 7) ||
		    !strncmp(line, "Pass ", 5) || strstr(line, " files ("))
			continue;
		printf("#   e2fsck: %s", line);
		clean = false;
	}
	if (!p || pclose(p))
		clean = false;
	return clean;
}

/* debugfs's view of one file of the image equals `want`. */
static bool debugfs_has(const char *path, const void *want, size_t length)
{
	char out[400];
	uint64_t size;
	uint8_t *got;
	bool same;

	snprintf(out, sizeof(out), "%s/debugfs.out", fx_dir());
	if (fx_run("debugfs -R 'dump %s %s' '%s'", path, out, image))
		return false;
	got = fx_slurp(out, &size);
	same = got && size == length && !memcmp(got, want, length);
	if (!same)
		printf("#   debugfs: %s: %llu bytes, wanted %zu\n", path,
		       (unsigned long long)size, length);
	free(got);
	return same;
}

static void start_case(void)
{
	live_before = shim_live_allocations;
	if (!hx_fs_type)
		CHECK_EQ(hx_load_module(), 0);
	hx_params(32, false, 1024);
}

static void end_case(void)
{
	CHECK_EQ(shim_live_allocations, live_before);
	CHECK_EQ(hdisk_queued(), 0);
}

static int64_t read_file(struct hx_mount *m, uint64_t ino, void *buffer,
			 uint64_t length, uint64_t offset)
{
	return hx_block_on(hx_fs_type->node_ops->read(hx_vnode(m, ino), buffer,
						      length, offset));
}

static bool same_as_host(struct hx_mount *m, const char *rel)
{
	char path[600];
	uint64_t size, ino;
	uint8_t *host, *ours;
	int64_t n;
	bool same;

	snprintf(path, sizeof(path), "%s%s", tree, rel);
	host = fx_slurp(path, &size);
	if (!host || hx_resolve(m, rel, &ino))
		return false;
	ours = malloc(size + 10);
	n = read_file(m, ino, ours, size + 10, 0);
	same = n == (int64_t)size && !memcmp(host, ours, size);
	if (!same)
		printf("#   %s: read %lld of %llu bytes\n", rel, (long long)n,
		       (unsigned long long)size);
	free(host);
	free(ours);
	return same;
}

/* ---- reading
 * ----------------------------------------------------------------- */

struct names {
	unsigned count;
	bool saw_dot, saw_hello;
};

static void test_mount_and_read(void)
{
	static const char *const files[] = {"/big", "/dir/numbers", "/hello",
					    "/many/file_77"};
	struct hx_mount m;
	struct keel_stat st;
	struct keel_dirent d;
	struct names names = {0};
	uint64_t ino, cookie = 0;
	uint8_t tail[8];
	int64_t r;

	if (!have_tools())
		return;
	start_case();
	CHECK(attach("-b 1024 -g 2048"));
	CHECK_EQ(hx_mount(&m, "/dev/vda", ""), 0);
	CHECK_EQ(m.mount.root_ino, 2);
	for (size_t i = 0; i < 4; i++)
		CHECK(same_as_host(&m, files[i]));
	/* The sparse file's last bytes, past a triple-indirect hole. */
	CHECK_EQ(hx_resolve(&m, "/sparse", &ino), 0);
	CHECK_EQ(read_file(&m, ino, tail, 8, 70u << 20), 5);
	CHECK(!memcmp(tail, "tail\n", 5));
	CHECK_EQ(read_file(&m, ino, tail, 8, 1 << 20), 8);
	CHECK(!memcmp(tail, "\0\0\0\0\0\0\0\0", 8));
	CHECK_EQ(
	    hx_block_on(hx_fs_type->node_ops->getattr(hx_vnode(&m, ino), &st)),
	    0);
	CHECK_EQ(st.size, (70u << 20) + 5);
	CHECK_EQ(st.type, KEEL_NODE_FILE);
	CHECK_EQ(st.mode, 0644);
	CHECK(st.bytes_allocated < 64 * 1024);

	/* readdir of a directory of several blocks. */
	CHECK_EQ(hx_resolve(&m, "/many", &ino), 0);
	while ((r = hx_block_on(hx_fs_type->node_ops->readdir(
		    hx_vnode(&m, ino), &cookie, &d))) == 1) {
		names.count++;
		names.saw_dot |= !strcmp(d.name, ".");
		CHECK_EQ(d.name_length, strlen(d.name));
	}
	CHECK_EQ(r, 0);
	CHECK_EQ(names.count, 302);
	CHECK(names.saw_dot);
	CHECK_EQ(hx_resolve(&m, "/nothing", &ino), -ENOENT);
	CHECK_EQ(hx_unmount(&m), 0);
	CHECK(detach_and_check());
	end_case();
}

/* Many reads at once: one disk request per block, several in flight. */
static void test_concurrent_reads_share_the_cache(void)
{
	enum { TASKS = 40, CHUNK = 64 * 1024 };
	static uint8_t buffers[TASKS][CHUNK];
	struct hx_task tasks[TASKS] = {0};
	struct hx_mount m;
	uint8_t *host;
	uint64_t ino, size;
	char path[400];
	unsigned most = 0;

	if (!have_tools())
		return;
	start_case();
	hx_params(32, false, 65536);
	CHECK(attach("-b 1024 -g 2048"));
	CHECK_EQ(hx_mount(&m, "vda", ""), 0);
	CHECK_EQ(hx_resolve(&m, "/big", &ino), 0);
	hx_vnode(&m, ino);
	hdisk_count_blocks(1024);
	hdisk_reset_counts();
	/* 32 tasks on distinct chunks, 8 more on chunks others also read. */
	for (unsigned i = 0; i < TASKS; i++)
		tasks[i].future = hx_fs_type->node_ops->read(
		    hx_vnode(&m, ino), buffers[i], CHUNK,
		    (uint64_t)(i < 32 ? i : i - 32) * CHUNK);
	CHECK_EQ(hx_run(tasks, TASKS), 0);
	snprintf(path, sizeof(path), "%s/big", tree);
	host = fx_slurp(path, &size);
	for (unsigned i = 0; i < TASKS; i++) {
		uint64_t at = (uint64_t)(i < 32 ? i : i - 32) * CHUNK;

		CHECK_EQ(tasks[i].result, CHUNK);
		CHECK(!memcmp(buffers[i], host + at, CHUNK));
	}
	for (uint64_t b = 0; b < hdisk.blocks_counted; b++)
		if (hdisk.reads_of_block[b] > most)
			most = hdisk.reads_of_block[b];
	printf("#   %u disk reads, at most %u per block, %u in flight at "
	       "most\n",
	       hdisk.reads, most, hdisk.max_inflight);
	CHECK_EQ(most, 1);
	CHECK(hdisk.max_inflight > 32);
	free(host);
	CHECK_EQ(hx_unmount(&m), 0);
	CHECK(detach_and_check());
	end_case();
}

/* One read keeps `depth` blocks in flight; sync mode keeps one. */
static void test_depth_and_synchronous_mode(void)
{
	static uint8_t buffer[1 << 20];
	struct hx_task tasks[4] = {0};
	struct hx_mount m;
	uint64_t ino;

	if (!have_tools())
		return;
	start_case();
	CHECK(attach("-b 4096 -g 2048"));
	CHECK_EQ(hx_mount(&m, "vda", ""), 0);
	CHECK_EQ(hx_resolve(&m, "/big", &ino), 0);
	hx_vnode(&m, ino);
	hdisk_reset_counts();
	CHECK_EQ(read_file(&m, ino, buffer, sizeof(buffer), 0), sizeof(buffer));
	printf("#   depth 32: %u in flight at most\n", hdisk.max_inflight);
	CHECK(hdisk.max_inflight >= 16);
	CHECK(hdisk.max_inflight <= 32 + 1);
	CHECK(same_as_host(&m, "/big"));
	CHECK_EQ(hx_unmount(&m), 0);

	/* The same, synchronous: four reads at once, one request at a time. */
	hx_params(32, true, 1024);
	CHECK_EQ(hx_mount(&m, "vda", ""), 0);
	CHECK_EQ(hx_resolve(&m, "/big", &ino), 0);
	hx_vnode(&m, ino);
	hdisk_reset_counts();
	for (unsigned i = 0; i < 4; i++)
		tasks[i].future = hx_fs_type->node_ops->read(
		    hx_vnode(&m, ino), buffer, 256 * 1024,
		    (uint64_t)i * 256 * 1024);
	CHECK_EQ(hx_run(tasks, 4), 0);
	for (unsigned i = 0; i < 4; i++)
		CHECK_EQ(tasks[i].result, 256 * 1024);
	printf("#   synchronous: %u in flight at most\n", hdisk.max_inflight);
	CHECK_EQ(hdisk.max_inflight, 1);
	CHECK(same_as_host(&m, "/big"));
	CHECK_EQ(hx_unmount(&m), 0);
	CHECK(detach_and_check());
	end_case();
}

/* Reads cancelled part-way: the others finish, nothing leaks. */
static void test_cancelled_reads(void)
{
	enum { TASKS = 6, LENGTH = 200 * 1024 };
	static uint8_t buffers[TASKS][LENGTH];
	struct hx_mount m;
	uint64_t ino, size;
	uint8_t *host;
	char path[400];

	if (!have_tools())
		return;
	start_case();
	CHECK(attach("-b 1024 -g 2048"));
	snprintf(path, sizeof(path), "%s/big", tree);
	host = fx_slurp(path, &size);
	for (unsigned victim = 0; victim < TASKS; victim++) {
		struct hx_task tasks[TASKS] = {0};

		CHECK_EQ(hx_mount(&m, "vda", ""), 0);
		CHECK_EQ(hx_resolve(&m, "/big", &ino), 0);
		/* All read the same blocks: the victim may own their reads. */
		for (unsigned i = 0; i < TASKS; i++)
			tasks[i].future = hx_fs_type->node_ops->read(
			    hx_vnode(&m, ino), buffers[i], LENGTH, 0);
		CHECK_EQ(hx_run_cancelling(tasks, TASKS, victim, 1 + victim),
			 0);
		for (unsigned i = 0; i < TASKS; i++) {
			if (i == victim) {
				CHECK_EQ(tasks[i].result, -ECANCELED);
				continue;
			}
			CHECK_EQ(tasks[i].result, LENGTH);
			CHECK(!memcmp(buffers[i], host, LENGTH));
		}
		CHECK_EQ(hx_unmount(&m), 0);
	}
	free(host);
	CHECK(detach_and_check());
	end_case();
}

/* ---- writing
 * --------------------------------------------------------------------- */

static int create(struct hx_mount *m, const char *dir, const char *name,
		  uint32_t type, uint64_t *ino)
{
	uint64_t d;
	int r = hx_resolve(m, dir, &d);

	if (r)
		return r;
	return (int)hx_block_on(hx_fs_type->node_ops->create(
	    hx_vnode(m, d), name, type, 0640, ino));
}

static int64_t write_file(struct hx_mount *m, uint64_t ino, const void *data,
			  uint64_t length, uint64_t offset)
{
	return hx_block_on(hx_fs_type->node_ops->write(hx_vnode(m, ino), data,
						       length, offset));
}

static int name_op(struct hx_mount *m, const char *dir, const char *name,
		   bool rmdir)
{
	uint64_t d;
	int r = hx_resolve(m, dir, &d);

	if (r)
		return r;
	return (int)hx_block_on(
	    rmdir ? hx_fs_type->node_ops->rmdir(hx_vnode(m, d), name)
		  : hx_fs_type->node_ops->unlink(hx_vnode(m, d), name));
}

static int rename_op(struct hx_mount *m, const char *from_dir, const char *from,
		     const char *to_dir, const char *to)
{
	uint64_t a, b;
	int r = hx_resolve(m, from_dir, &a);

	if (!r)
		r = hx_resolve(m, to_dir, &b);
	if (r)
		return r;
	return (int)hx_block_on(hx_fs_type->node_ops->rename(
	    hx_vnode(m, a), from, hx_vnode(m, b), to));
}

static uint8_t *pattern(size_t length, unsigned seed)
{
	uint8_t *p = malloc(length);

	for (size_t i = 0; i < length; i++)
		p[i] = (uint8_t)(seed + i * 13 + (i >> 9));
	return p;
}

static void writes(const char *options)
{
	uint8_t *big = pattern(700 * 1024, 1), *small = pattern(3000, 2);
	struct hx_task tasks[8] = {0};
	uint64_t ino, files[8], dir;
	struct hx_mount m;
	uint8_t *expect;

	if (!have_tools())
		return;
	start_case();
	CHECK(attach(options));
	CHECK_EQ(hx_mount(&m, "vda", ""), 0);

	CHECK_EQ(create(&m, "/", "new.txt", KEEL_NODE_FILE, &ino), 0);
	CHECK_EQ(write_file(&m, ino, small, 3000, 0), 3000);
	CHECK_EQ(write_file(&m, ino, small, 3000, 3000), 3000); /* append */
	CHECK_EQ(create(&m, "/", "new.txt", KEEL_NODE_FILE, &ino), -EEXIST);
	CHECK_EQ(create(&m, "/", "newdir", KEEL_NODE_DIR, &dir), 0);
	CHECK_EQ(create(&m, "/newdir", "large", KEEL_NODE_FILE, &ino), 0);
	CHECK_EQ(write_file(&m, ino, big, 700 * 1024, 0), 700 * 1024);
	CHECK_EQ(write_file(&m, ino, small, 100, 70u << 20), 100); /* far */
	CHECK_EQ(hx_block_on(hx_fs_type->node_ops->truncate(hx_vnode(&m, ino),
							    300 * 1024 + 5)),
		 0);

	/* Eight files written at once. */
	for (unsigned i = 0; i < 8; i++) {
		char name[16];

		snprintf(name, sizeof(name), "c%u", i);
		CHECK_EQ(create(&m, "/newdir", name, KEEL_NODE_FILE, &files[i]),
			 0);
	}
	for (unsigned i = 0; i < 8; i++)
		tasks[i].future = hx_fs_type->node_ops->write(
		    hx_vnode(&m, files[i]), big + i * 1000, 90 * 1024, 0);
	CHECK_EQ(hx_run(tasks, 8), 0);
	for (unsigned i = 0; i < 8; i++)
		CHECK_EQ(tasks[i].result, 90 * 1024);

	/* Names: rename, unlink, rmdir. */
	CHECK_EQ(rename_op(&m, "/", "new.txt", "/newdir", "moved.txt"), 0);
	CHECK_EQ(rename_op(&m, "/", "hello", "/dir", "numbers"), 0);
	CHECK_EQ(rename_op(&m, "/dir", "sub", "/newdir", "sub"), 0);
	CHECK_EQ(name_op(&m, "/newdir", "c7", false), 0);
	CHECK_EQ(name_op(&m, "/", "empty", true), 0);
	CHECK_EQ(name_op(&m, "/", "dir", true), -ENOTEMPTY);
	CHECK_EQ(name_op(&m, "/", "dir", false), -EISDIR);
	for (int i = 1; i <= 300; i += 3) {
		char name[32];

		snprintf(name, sizeof(name), "file_%d", i);
		CHECK_EQ(name_op(&m, "/many", name, false), 0);
	}
	CHECK_EQ(hx_unmount(&m), 0);
	CHECK(detach_and_check());

	/* What e2fsprogs reads back is what was written. */
	expect = malloc(6000);
	memcpy(expect, small, 3000);
	memcpy(expect + 3000, small, 3000);
	CHECK(debugfs_has("/newdir/moved.txt", expect, 6000));
	CHECK(debugfs_has("/newdir/c3", big + 3000, 90 * 1024));
	CHECK(debugfs_has("/dir/numbers", "hello\n", 6));
	expect = realloc(expect, 300 * 1024 + 5);
	memcpy(expect, big, 300 * 1024 + 5);
	CHECK(debugfs_has("/newdir/large", expect, 300 * 1024 + 5));
	CHECK_EQ(
	    fx_run("debugfs -R 'stat /newdir/sub' '%s' | grep -q directory",
		   image),
	    0);
	free(expect);
	free(big);
	free(small);
	end_case();
}

static void test_writes_1k(void)
{
	writes("-b 1024 -g 2048");
}

static void test_writes_4k(void)
{
	writes("-b 4096 -g 2048");
}

/* An open file loses its name: readable until released, then freed. */
static void test_unlinked_while_open(void)
{
	struct hx_mount m;
	struct keel_statfs before, after;
	uint64_t ino, root;
	uint8_t buffer[16];

	if (!have_tools())
		return;
	start_case();
	CHECK(attach("-b 1024 -g 2048"));
	CHECK_EQ(hx_mount(&m, "vda", ""), 0);
	CHECK_EQ(hx_block_on(hx_fs_type->statfs(&m.mount, &before)), 0);
	CHECK_EQ(hx_resolve(&m, "/dir/numbers", &ino), 0);
	hx_vnode(&m, ino);
	CHECK_EQ(name_op(&m, "/dir", "numbers", false), 0);
	CHECK_EQ(hx_resolve(&m, "/dir/numbers", &root), -ENOENT);
	CHECK_EQ(read_file(&m, ino, buffer, 8, 0), 8);
	CHECK(!memcmp(buffer, "1\n2\n3\n4\n", 8));
	CHECK_EQ(hx_release(&m, ino), 0);
	CHECK_EQ(hx_block_on(hx_fs_type->statfs(&m.mount, &after)), 0);
	CHECK(after.bytes_free > before.bytes_free);
	CHECK_EQ(after.nodes_free, before.nodes_free + 1);
	CHECK_EQ(hx_unmount(&m), 0);
	CHECK(detach_and_check());
	end_case();
}

/* A full volume: part of a write, then -ENOSPC; still consistent. */
static void test_full_volume(void)
{
	uint8_t *chunk = pattern(256 * 1024, 3);
	struct hx_mount m;
	uint64_t ino, at = 0;
	int64_t n;

	if (!have_tools())
		return;
	start_case();
	CHECK(attach("-b 1024 -g 2048"));
	CHECK_EQ(hx_mount(&m, "vda", ""), 0);
	CHECK_EQ(create(&m, "/", "fill", KEEL_NODE_FILE, &ino), 0);
	while ((n = write_file(&m, ino, chunk, 256 * 1024, at)) == 256 * 1024)
		at += (uint64_t)n;
	CHECK(n > 0 && n < 256 * 1024);
	at += (uint64_t)n;
	CHECK_EQ(write_file(&m, ino, chunk, 1024, at), -ENOSPC);
	CHECK_EQ(hx_unmount(&m), 0);
	CHECK(detach_and_check());
	free(chunk);
	end_case();
}

/* ---- file times
 * ------------------------------------------------------------------- */

/*
 * New files get the wall clock's time (keel_time_real_ns), not the
 * volume's: mke2fs dates this one to 2001.  Without a wall clock the
 * times go on from the volume's last write.
 */
static void test_file_times(void)
{
	const int64_t made = 1000000000; /* 2001-09-09, the volume's time */
	int64_t host = (int64_t)time(NULL);
	struct hx_mount m;
	struct keel_stat st;
	uint64_t ino;
	bool made_ok;

	if (!have_tools())
		return;
	start_case();
	setenv("E2FSPROGS_FAKE_TIME", "1000000000", 1);
	made_ok = attach("-b 1024 -g 2048");
	unsetenv("E2FSPROGS_FAKE_TIME");
	CHECK(made_ok);
	CHECK_EQ(hx_mount(&m, "vda", ""), 0);
	CHECK_EQ(create(&m, "/", "stamped", KEEL_NODE_FILE, &ino), 0);
	CHECK_EQ(write_file(&m, ino, "now\n", 4, 0), 4);
	CHECK_EQ(
	    hx_block_on(hx_fs_type->node_ops->getattr(hx_vnode(&m, ino), &st)),
	    0);
	printf("#   host %lld, mtime %lld, ctime %lld\n", (long long)host,
	       (long long)st.mtime, (long long)st.ctime);
	CHECK(st.mtime >= host - 60 && st.mtime <= host + 60);
	CHECK(st.ctime >= host - 60 && st.ctime <= host + 60);

	hx_no_wall_clock = true;
	CHECK_EQ(create(&m, "/", "undated", KEEL_NODE_FILE, &ino), 0);
	CHECK_EQ(write_file(&m, ino, "then\n", 5, 0), 5);
	CHECK_EQ(
	    hx_block_on(hx_fs_type->node_ops->getattr(hx_vnode(&m, ino), &st)),
	    0);
	hx_no_wall_clock = false;
	CHECK(st.mtime >= made && st.mtime < made + 3600);
	CHECK_EQ(hx_unmount(&m), 0);
	CHECK(detach_and_check());
	end_case();
}

/* ---- a read racing a truncate
 * ---------------------------------------------------------- */

/* Truncate a file to nothing, then write `data` into it: one future. */
struct rewrite {
	struct keel_int_future base;
	struct keel_async co;
	struct keel_vnode *node;
	const void *data;
	uint64_t length;
};

static enum keel_poll rewrite_poll(struct keel_future *f,
				   struct keel_context *cx)
{
	struct rewrite *rw = (struct rewrite *)f;
	int64_t r;

	KEEL_ASYNC_BEGIN(&rw->co);
	KEEL_AWAIT(&rw->co, cx, hx_fs_type->node_ops->truncate(rw->node, 0), r);
	if (r < 0)
		KEEL_ASYNC_RETURN(&rw->co, &rw->base, r);
	KEEL_AWAIT(
	    &rw->co, cx,
	    hx_fs_type->node_ops->write(rw->node, rw->data, rw->length, 0), r);
	KEEL_ASYNC_END(&rw->co, &rw->base, r);
}

static void rewrite_drop(struct keel_future *f)
{
	keel_async_drop(&((struct rewrite *)f)->co);
	free(f);
}

static const struct keel_future_vtable rewrite_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "rewrite",
    .poll = rewrite_poll,
    .drop = rewrite_drop,
};

static struct keel_int_future *rewrite(struct keel_vnode *node,
				       const void *data, uint64_t length)
{
	struct rewrite *rw = calloc(1, sizeof(*rw));

	rw->base.future.vtable = &rewrite_vtable;
	rw->node = node;
	rw->data = data;
	rw->length = length;
	return &rw->base;
}

/*
 * A read of a whole file while the file is cut to nothing and written
 * again with other bytes.  The read may come before (the old bytes),
 * between (nothing: the file is empty until the write ends) or after (the
 * new bytes), never a mixture: a block the truncate freed and the write
 * took again must not be copied out as the old file's.  The two are
 * switched at every await point of the read, then of the rewrite; the
 * cache is kept small so that the read really waits for the disk.
 */
static void test_read_races_truncate(void)
{
	enum { LENGTH = 40 * 1024 };
	static uint8_t got[LENGTH];
	uint8_t *old = pattern(LENGTH, 5), *new = pattern(LENGTH, 77);
	unsigned seen[3] = {0}, mixed = 0, runs = 0;
	struct keel_vnode *v;
	struct hx_mount m;
	uint64_t ino;

	if (!have_tools())
		return;
	start_case();
	hx_params(4, false, 16);
	CHECK(attach("-b 1024 -g 2048"));
	CHECK_EQ(hx_mount(&m, "vda", ""), 0);
	CHECK_EQ(create(&m, "/", "race", KEEL_NODE_FILE, &ino), 0);
	v = hx_vnode(&m, ino);
	for (unsigned first = 0; first < 2; first++) {
		for (unsigned turns = 1;; turns++) {
			struct hx_task tasks[2] = {0};

			CHECK_EQ(hx_block_on(rewrite(v, old, LENGTH)), LENGTH);
			memset(got, 0xEE, sizeof(got));
			tasks[0].future =
			    hx_fs_type->node_ops->read(v, got, LENGTH, 0);
			tasks[1].future = rewrite(v, new, LENGTH);
			CHECK_EQ(hx_run_pair(tasks, first, turns), 0);
			CHECK_EQ(tasks[1].result, LENGTH);
			runs++;
			if (tasks[0].result == LENGTH &&
			    !memcmp(got, old, LENGTH))
				seen[0]++;
			else if (tasks[0].result == 0)
				seen[1]++;
			else if (tasks[0].result == LENGTH &&
				 !memcmp(got, new, LENGTH))
				seen[2]++;
			else if (mixed++ < 3)
				printf("#   %s's turn %u: the read gave %lld "
				       "bytes, neither old nor new\n",
				       first ? "rewrite" : "read", turns,
				       (long long)tasks[0].result);
			/* The favoured one ended before the switch: done. */
			if (tasks[first].polls < turns)
				break;
		}
	}
	printf("#   %u runs: %u old, %u empty, %u new, %u mixed\n", runs,
	       seen[0], seen[1], seen[2], mixed);
	CHECK_EQ(mixed, 0);
	CHECK(seen[0] > 0 && seen[2] > 0);
	CHECK(runs > 20);
	/*
	 * Reads cancelled while they wait behind a rewrite, or just after
	 * being handed the lock, give it back: the next rewrite (which
	 * needs it alone) finishes instead of waiting for ever.
	 */
	for (unsigned after = 1; after <= 6; after++) {
		struct hx_task tasks[3] = {0};
		static uint8_t other[LENGTH];

		tasks[0].future = rewrite(v, after % 2 ? new : old, LENGTH);
		tasks[1].future = hx_fs_type->node_ops->read(v, got, LENGTH, 0);
		tasks[2].future =
		    hx_fs_type->node_ops->read(v, other, LENGTH, 0);
		CHECK_EQ(hx_run_cancelling(tasks, 3, 1, after), 0);
		CHECK_EQ(tasks[0].result, LENGTH);
		CHECK(tasks[2].result == 0 || (tasks[2].result == LENGTH &&
					       (!memcmp(other, old, LENGTH) ||
						!memcmp(other, new, LENGTH))));
		CHECK_EQ(hx_block_on(rewrite(v, new, LENGTH)), LENGTH);
	}
	CHECK_EQ(hx_unmount(&m), 0);
	CHECK(detach_and_check());
	CHECK(debugfs_has("/race", new, LENGTH));
	free(old);
	free(new);
	end_case();
}

/* ---- the cache under pressure
 * ------------------------------------------------------------ */

/* Cut `shrink` to `size` bytes, then write `data` into `grow`: one future. */
struct shrink_then_write {
	struct keel_int_future base;
	struct keel_async co;
	struct keel_vnode *shrink, *grow;
	uint64_t size;
	const void *data;
	uint64_t length;
};

static enum keel_poll shrink_then_write_poll(struct keel_future *f,
					     struct keel_context *cx)
{
	struct shrink_then_write *sw = (struct shrink_then_write *)f;
	int64_t r;

	KEEL_ASYNC_BEGIN(&sw->co);
	KEEL_AWAIT(&sw->co, cx,
		   hx_fs_type->node_ops->truncate(sw->shrink, sw->size), r);
	if (r < 0)
		KEEL_ASYNC_RETURN(&sw->co, &sw->base, r);
	KEEL_AWAIT(
	    &sw->co, cx,
	    hx_fs_type->node_ops->write(sw->grow, sw->data, sw->length, 0), r);
	KEEL_ASYNC_END(&sw->co, &sw->base, r);
}

static void shrink_then_write_drop(struct keel_future *f)
{
	keel_async_drop(&((struct shrink_then_write *)f)->co);
	free(f);
}

static const struct keel_future_vtable shrink_then_write_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "shrink-then-write",
    .poll = shrink_then_write_poll,
    .drop = shrink_then_write_drop,
};

static struct keel_int_future *
shrink_then_write(struct keel_vnode *shrink, uint64_t size,
		  struct keel_vnode *grow, const void *data, uint64_t length)
{
	struct shrink_then_write *sw = calloc(1, sizeof(*sw));

	sw->base.future.vtable = &shrink_then_write_vtable;
	sw->shrink = shrink;
	sw->size = size;
	sw->grow = grow;
	sw->data = data;
	sw->length = length;
	return &sw->base;
}

/* Read all of /big: with a small cache, every clean buffer goes. */
static void evict_everything(struct hx_mount *m)
{
	static uint8_t buffer[3000000];
	uint64_t ino;

	CHECK_EQ(hx_resolve(m, "/big", &ino), 0);
	CHECK_EQ(read_file(m, ino, buffer, sizeof(buffer), 0), sizeof(buffer));
}

/*
 * A block changes hands while sync writes its old contents.  File g has
 * an indirect block, dirty in the cache; sync starts writing it while g
 * is cut back to its direct blocks (freeing the indirect block) and file
 * f takes the freed block for its data and writes it through.  Two writes
 * of one block are then due, the old contents and f's; whichever the
 * disk completes last stays.  After eviction f must still read as
 * written, and after unmount debugfs too.  The two are switched at every
 * await point of each, on disks completing in several orders.
 */
static void test_sync_races_block_reuse(void)
{
	enum { BS = 1024 };
	uint8_t *data = pattern(BS, 9), *g_data = pattern(13 * BS, 4);
	unsigned runs = 0, wrong = 0;
	struct hx_mount m;
	uint8_t got[BS];
	uint64_t root;

	if (!have_tools())
		return;
	start_case();
	hx_params(8, false, 16);
	CHECK(attach("-b 1024 -g 2048"));
	CHECK_EQ(hx_mount(&m, "vda", ""), 0);
	CHECK_EQ(hx_resolve(&m, "/", &root), 0);
	for (unsigned seed = 1; seed <= 3; seed++) {
		for (unsigned first = 0; first < 2; first++) {
			for (unsigned turns = 1;; turns++) {
				struct hx_task tasks[2] = {0};
				struct keel_vnode *g, *f;
				char name[32];
				uint64_t gi, fi;

				snprintf(name, sizeof(name), "g%u", runs);
				CHECK_EQ(
				    create(&m, "/", name, KEEL_NODE_FILE, &gi),
				    0);
				name[0] = 'f';
				CHECK_EQ(
				    create(&m, "/", name, KEEL_NODE_FILE, &fi),
				    0);
				g = hx_vnode(&m, gi);
				f = hx_vnode(&m, fi);
				CHECK_EQ(write_file(&m, gi, g_data, 13 * BS, 0),
					 13 * BS);
				hdisk.seed = seed * 1000 + turns;
				tasks[0].future = hx_fs_type->sync(&m.mount);
				tasks[1].future =
				    shrink_then_write(g, 12 * BS, f, data, BS);
				CHECK_EQ(hx_run_pair(tasks, first, turns), 0);
				CHECK_EQ(tasks[0].result, 0);
				CHECK_EQ(tasks[1].result, BS);
				evict_everything(&m);
				memset(got, 0, sizeof(got));
				CHECK_EQ(read_file(&m, fi, got, BS, 0), BS);
				if (memcmp(got, data, BS) && wrong++ < 3)
					printf("#   seed %u, %s's turn %u: f "
					       "reads other bytes\n",
					       seed, first ? "write" : "sync",
					       turns);
				runs++;
				if (tasks[first].polls < turns)
					break;
			}
		}
	}
	printf("#   %u runs, %u read back wrong\n", runs, wrong);
	CHECK_EQ(wrong, 0);
	CHECK(runs > 20);
	CHECK_EQ(hx_unmount(&m), 0);
	CHECK(detach_and_check());
	for (unsigned i = 0; i < runs; i++) {
		char path[32];

		snprintf(path, sizeof(path), "/f%u", i);
		CHECK(debugfs_has(path, data, BS));
	}
	free(data);
	free(g_data);
	end_case();
}

/*
 * A write cancelled at every point of its way: some blocks of the file
 * hold the new bytes in the cache, some of those are at the disk, some
 * only on their way there.  Whatever the point, the file must read the
 * same before and after its buffers are evicted, each block old or new,
 * and the volume after unmount must hold what was read last.
 */
static void test_cancelled_write_stays_coherent(void)
{
	enum { BS = 1024, LENGTH = 8 * BS };
	static struct hx_task tasks[1]; /* an orphaned write may wake it */
	static uint8_t first[LENGTH], second[LENGTH];
	uint8_t *old = pattern(LENGTH, 21), *new = pattern(LENGTH, 22);
	unsigned runs = 0, incoherent = 0, partial = 0;
	struct hx_mount m;
	uint64_t ino;

	if (!have_tools())
		return;
	start_case();
	hx_params(4, false, 16);
	CHECK(attach("-b 1024 -g 2048"));
	CHECK_EQ(hx_mount(&m, "vda", ""), 0);
	CHECK_EQ(create(&m, "/", "cancelled", KEEL_NODE_FILE, &ino), 0);
	for (unsigned after = 1;; after++) {
		bool mixed = false;

		CHECK_EQ(write_file(&m, ino, old, LENGTH, 0), LENGTH);
		tasks[0] = (struct hx_task){0};
		tasks[0].future = hx_fs_type->node_ops->write(hx_vnode(&m, ino),
							      new, LENGTH, 0);
		CHECK_EQ(hx_run_cancelling(tasks, 1, 0, after), 0);
		CHECK_EQ(read_file(&m, ino, first, LENGTH, 0), LENGTH);
		evict_everything(&m);
		CHECK_EQ(read_file(&m, ino, second, LENGTH, 0), LENGTH);
		runs++;
		for (unsigned b = 0; b < LENGTH / BS; b++) {
			uint8_t *at = first + b * BS;

			if (memcmp(at, old + b * BS, BS) &&
			    memcmp(at, new + b *BS, BS))
				mixed = true;
			if (b && memcmp(at, new + b *BS, BS) !=
				     memcmp(at - BS, new + (b - 1) * BS, BS))
				partial++;
		}
		if (mixed || memcmp(first, second, LENGTH)) {
			if (incoherent++ < 3)
				printf("#   cancelled after %u polls: the "
				       "file changed when evicted\n",
				       after);
		}
		if (tasks[0].result != -ECANCELED)
			break; /* finished before the cancel came */
	}
	printf("#   %u runs, %u with part of the write, %u incoherent\n", runs,
	       partial, incoherent);
	CHECK_EQ(incoherent, 0);
	CHECK(partial > 0);
	CHECK(runs > 4);
	/* One more, left as it is: unmount writes what the cache holds. */
	CHECK_EQ(write_file(&m, ino, old, LENGTH, 0), LENGTH);
	tasks[0] = (struct hx_task){0};
	tasks[0].future =
	    hx_fs_type->node_ops->write(hx_vnode(&m, ino), new, LENGTH, 0);
	CHECK_EQ(hx_run_cancelling(tasks, 1, 0, 3), 0);
	CHECK_EQ(read_file(&m, ino, first, LENGTH, 0), LENGTH);
	CHECK_EQ(hx_unmount(&m), 0);
	CHECK(detach_and_check());
	CHECK(debugfs_has("/cancelled", first, LENGTH));
	free(old);
	free(new);
	end_case();
}

/*
 * A write the disk fails leaves its block dirty: the cache keeps the new
 * bytes (and reads give them), a sync while the disk still fails reports
 * the error and ends, and the first sync after the disk recovers writes
 * them.
 */
static void test_failed_write_stays_dirty(void)
{
	enum { BS = 1024 };
	uint8_t *old = pattern(BS, 31), *new = pattern(BS, 32), got[BS];
	struct hx_mount m;
	uint8_t *at;
	uint64_t ino, ino2;

	if (!have_tools())
		return;
	start_case();
	hx_params(1, false, 16); /* one write at a time: some come after */
	CHECK(attach("-b 1024 -g 2048"));
	CHECK_EQ(hx_mount(&m, "vda", ""), 0);
	CHECK_EQ(create(&m, "/", "failing", KEEL_NODE_FILE, &ino), 0);
	CHECK_EQ(write_file(&m, ino, old, BS, 0), BS);
	at = memmem(hdisk.image, hdisk.bytes, old, BS);
	CHECK(at != NULL);
	if (!at)
		return;
	hdisk.fail_sector = (uint64_t)(at - hdisk.image) / 512;
	CHECK_EQ(write_file(&m, ino, new, BS, 0), -EIO);
	evict_everything(&m);
	CHECK_EQ(read_file(&m, ino, got, BS, 0), BS);
	CHECK(!memcmp(got, new, BS));
	/* Metadata changed after it: the sync writes it after, too. */
	CHECK_EQ(create(&m, "/", "later", KEEL_NODE_DIR, &ino2), 0);
	CHECK_EQ(hx_block_on(hx_fs_type->sync(&m.mount)), -EIO);
	CHECK(!memcmp(at, old, BS));
	hdisk.fail_sector = 0;
	CHECK_EQ(hx_block_on(hx_fs_type->sync(&m.mount)), 0);
	CHECK(!memcmp(at, new, BS));
	CHECK_EQ(hx_unmount(&m), 0);
	CHECK(detach_and_check());
	CHECK(debugfs_has("/failing", new, BS));
	CHECK_EQ(
	    fx_run("debugfs -R 'stat /later' '%s' | grep -q directory", image),
	    0);
	free(old);
	free(new);
	end_case();
}

/* ---- symbolic links
 * ------------------------------------------------------------------ */

/* The target of the link `ino` into text (NUL-terminated): its length. */
static int64_t link_text(struct hx_mount *m, uint64_t ino, char *text,
			 uint64_t size)
{
	int64_t n = hx_block_on(
	    hx_fs_type->node_ops->readlink(hx_vnode(m, ino), text, size - 1));

	text[n > 0 ? n : 0] = '\0';
	return n;
}

static int make_link(struct hx_mount *m, const char *name, const char *target,
		     uint64_t *ino)
{
	return (int)hx_block_on(hx_fs_type->node_ops->symlink(
	    hx_vnode(m, m->mount.root_ino), name, target, ino));
}

static uint64_t free_blocks(struct hx_mount *m)
{
	struct keel_statfs st;

	CHECK_EQ(hx_block_on(hx_fs_type->statfs(&m->mount, &st)), 0);
	return st.bytes_free / 1024;
}

/*
 * Symbolic links as mke2fs -d copies them (fast: the target in the
 * inode; slow: in a block) and as the module makes them: their type, size
 * and target, in readdir too; a slow one's block taken and given back;
 * e2fsck and debugfs agree.
 */
static void test_symlinks(void)
{
	static const char long_target[] =
	    "a/target/of/more/than/sixty/bytes/so/that/it/needs/a/block/of/"
	    "its/own/on/the/volume/because/the/inode/holds/sixty";
	char text[1100], huge[1100];
	struct keel_dirent d;
	struct keel_stat st;
	struct hx_mount m;
	uint64_t ino, fast, slow, cookie = 0, before;
	unsigned links_seen = 0;
	int64_t r;

	if (!have_tools())
		return;
	start_case();
	CHECK(attach("-b 1024 -g 2048"));
	CHECK_EQ(hx_mount(&m, "vda", ""), 0);

	/* Both kinds, as mke2fs wrote them. */
	CHECK_EQ(hx_resolve(&m, "/link", &fast), 0);
	CHECK_EQ(hx_resolve(&m, "/slow_link", &slow), 0);
	CHECK_EQ(hx_vnode(&m, fast)->type, KEEL_NODE_SYMLINK);
	CHECK_EQ(hx_vnode(&m, slow)->type, KEEL_NODE_SYMLINK);
	CHECK_EQ(link_text(&m, fast, text, sizeof(text)), 5);
	CHECK_EQ(strcmp(text, "hello"), 0);
	CHECK_EQ(link_text(&m, slow, text, sizeof(text)),
		 (int64_t)strlen(SLOW_TARGET));
	CHECK_EQ(strcmp(text, SLOW_TARGET), 0);
	CHECK_EQ(
	    hx_block_on(hx_fs_type->node_ops->getattr(hx_vnode(&m, slow), &st)),
	    0);
	CHECK_EQ(st.type, KEEL_NODE_SYMLINK);
	CHECK_EQ(st.size, strlen(SLOW_TARGET));
	CHECK_EQ(st.bytes_allocated, 1024);
	/* Too small a buffer, and a file that is no link. */
	CHECK_EQ(hx_block_on(hx_fs_type->node_ops->readlink(hx_vnode(&m, slow),
							    text, 10)),
		 -ENAMETOOLONG);
	CHECK_EQ(hx_resolve(&m, "/hello", &ino), 0);
	CHECK_EQ(hx_block_on(hx_fs_type->node_ops->readlink(hx_vnode(&m, ino),
							    text, 100)),
		 -EINVAL);
	while ((r = hx_block_on(hx_fs_type->node_ops->readdir(
		    hx_vnode(&m, m.mount.root_ino), &cookie, &d))) == 1) {
		if (!strcmp(d.name, "link") || !strcmp(d.name, "slow_link")) {
			CHECK_EQ(d.type, KEEL_NODE_SYMLINK);
			links_seen++;
		} else if (!strcmp(d.name, "hello")) {
			CHECK_EQ(d.type, KEEL_NODE_FILE);
		}
	}
	CHECK_EQ(r, 0);
	CHECK_EQ(links_seen, 2);

	/* Made here: fast takes no block, slow one, and both read back. */
	before = free_blocks(&m);
	CHECK_EQ(make_link(&m, "new_fast", "hello", &fast), 0);
	CHECK_EQ(free_blocks(&m), before);
	CHECK_EQ(make_link(&m, "new_slow", long_target, &slow), 0);
	CHECK_EQ(free_blocks(&m), before - 1);
	CHECK_EQ(hx_vnode(&m, slow)->type, KEEL_NODE_SYMLINK);
	CHECK_EQ(link_text(&m, fast, text, sizeof(text)), 5);
	CHECK_EQ(strcmp(text, "hello"), 0);
	CHECK_EQ(link_text(&m, slow, text, sizeof(text)),
		 (int64_t)strlen(long_target));
	CHECK_EQ(strcmp(text, long_target), 0);
	CHECK_EQ(make_link(&m, "new_fast", "x", &ino), -EEXIST);
	memset(huge, 'h', 1024);
	huge[1024] = '\0'; /* no room for e2fsck's NUL after it */
	CHECK_EQ(make_link(&m, "huge", huge, &ino), -ENAMETOOLONG);
	huge[1023] = '\0';
	CHECK_EQ(make_link(&m, "biggest", huge, &ino), 0);
	CHECK_EQ(link_text(&m, ino, text, sizeof(text)), 1023);
	CHECK_EQ(make_link(&m, "gone_slow", long_target, &ino), 0);
	CHECK_EQ(make_link(&m, "gone_fast", "hello", &ino), 0);
	/* A create of the symlink type is refused: that is symlink's. */
	CHECK_EQ(create(&m, "/", "typed", KEEL_NODE_SYMLINK, &ino), -EINVAL);

	/* Unlinked, a slow link gives its block back; a fast one has none. */
	before = free_blocks(&m);
	CHECK_EQ(name_op(&m, "/", "gone_slow", false), 0);
	CHECK_EQ(name_op(&m, "/", "gone_fast", false), 0);
	CHECK_EQ(free_blocks(&m), before + 1);
	CHECK_EQ(name_op(&m, "/", "new_slow", true), -ENOTDIR);
	CHECK_EQ(rename_op(&m, "/", "slow_link", "/dir", "moved_link"), 0);
	CHECK_EQ(hx_unmount(&m), 0);
	CHECK(detach_and_check());

	/* What e2fsprogs sees. */
	CHECK_EQ(
	    fx_run("debugfs -R 'stat /new_fast' '%s' 2>/dev/null | grep -q "
		   "'Type: symlink' && debugfs -R 'stat /new_fast' '%s' "
		   "2>/dev/null | grep -q 'Fast link dest: \"hello\"'",
		   image, image),
	    0);
	CHECK_EQ(
	    fx_run("debugfs -R 'stat /new_slow' '%s' 2>/dev/null | grep -q "
		   "'Type: symlink'",
		   image),
	    0);
	CHECK(debugfs_has("/new_slow", long_target, strlen(long_target)));
	CHECK(debugfs_has("/dir/moved_link", SLOW_TARGET, strlen(SLOW_TARGET)));
	CHECK(debugfs_has("/biggest", huge, 1023));
	CHECK(fx_run("debugfs -R 'stat /gone_slow' '%s' 2>&1 | grep -q Inode:",
		     image) != 0);
	end_case();
}

/* ---- refusals
 * ---------------------------------------------------------------------- */

static void test_mount_refusals(void)
{
	struct hx_mount m;

	if (!have_tools())
		return;
	start_case();
	CHECK(attach("-b 1024 -O extents"));
	CHECK_EQ(hx_mount(&m, "vda", ""), -EINVAL);
	free(hdisk_detach());
	CHECK(attach("-b 1024"));
	CHECK_EQ(hx_mount(&m, "vdb", ""), -ENODEV);
	CHECK_EQ(hx_mount(&m, "vda", "noatime"), -EINVAL);
	hdisk.image[EXT2_SUPER_OFFSET + 56] ^= 0xFF; /* magic */
	CHECK_EQ(hx_mount(&m, "vda", ""), -EINVAL);
	hdisk.image[EXT2_SUPER_OFFSET + 56] ^= 0xFF;
	hdisk.image[2 * 1024 + 8] ^= 0x40; /* group 0's inode table */
	CHECK_EQ(hx_mount(&m, "vda", ""), -EUCLEAN);
	hdisk.image[2 * 1024 + 8] ^= 0x40;
	hdisk.fail_sector = 2; /* the superblock cannot be read */
	CHECK_EQ(hx_mount(&m, "vda", ""), -EIO);
	hdisk.fail_sector = 0;
	/* Read-only by request: writes are the VFS's to refuse. */
	CHECK_EQ(hx_mount(&m, "vda", "ro"), 0);
	CHECK(m.mount.flags & KEEL_MOUNT_READ_ONLY);
	CHECK_EQ(hx_unmount(&m), 0);
	free(hdisk_detach());

	CHECK(attach("-b 1024 -O huge_file"));
	CHECK_EQ(hx_mount(&m, "vda", ""), 0);
	CHECK(m.mount.flags & KEEL_MOUNT_READ_ONLY);
	CHECK_EQ(hx_unmount(&m), 0);
	free(hdisk_detach());
	end_case();
}

/* A disk error in a data block: that read fails, nothing else. */
static void test_io_error(void)
{
	static uint8_t buffer[64 * 1024];
	struct hx_mount m;
	struct ext2_inode in;
	uint64_t ino;
	uint32_t ino32;
	struct vol v;

	if (!have_tools())
		return;
	start_case();
	CHECK(attach("-b 1024 -g 2048"));
	/* Block 5 of /big, found with the on-disk layer. */
	CHECK_EQ(vol_open(&v,
			  memcpy(malloc(hdisk.bytes), hdisk.image, hdisk.bytes),
			  hdisk.bytes),
		 0);
	CHECK_EQ(vol_resolve(&v, "/big", &ino32), 0);
	CHECK_EQ(vol_iget(&v, ino32, &in), 0);
	hdisk.fail_sector = (uint64_t)vol_bmap(&v, 0, &in, 5, false, NULL) * 2;
	vol_close(&v);
	CHECK_EQ(hx_mount(&m, "vda", ""), 0);
	CHECK_EQ(hx_resolve(&m, "/big", &ino), 0);
	CHECK_EQ(read_file(&m, ino, buffer, sizeof(buffer), 0), -EIO);
	CHECK_EQ(read_file(&m, ino, buffer, 4096, 0), 4096);
	hdisk.fail_sector = 0;
	CHECK_EQ(read_file(&m, ino, buffer, sizeof(buffer), 0), sizeof(buffer));
	CHECK_EQ(hx_unmount(&m), 0);
	CHECK(detach_and_check());
	end_case();
}

/* ---- corrupt volumes through the module
 * ------------------------------------------ */

/* Walk a tree with readdir, read_node and read; errors are fine. */
static void walk(struct hx_mount *m, uint64_t dir, int depth, unsigned *nodes)
{
	static uint8_t buffer[32 * 1024];
	struct keel_dirent d;
	uint64_t cookie = 0, children[64];
	unsigned n = 0;
	struct keel_vnode *v = hx_vnode(m, dir);

	if (!v || depth > 6)
		return;
	while (n < 64 && hx_block_on(hx_fs_type->node_ops->readdir(v, &cookie,
								   &d)) == 1) {
		if (strcmp(d.name, ".") && strcmp(d.name, ".."))
			children[n++] = d.ino;
	}
	for (unsigned i = 0; i < n; i++) {
		struct keel_vnode *c = hx_vnode(m, children[i]);

		(*nodes)++;
		if (!c)
			continue;
		if (c->type == KEEL_NODE_DIR)
			walk(m, children[i], depth + 1, nodes);
		else
			hx_block_on(hx_fs_type->node_ops->read(
			    c, buffer, sizeof(buffer), 0));
	}
}

static void test_corrupt_volumes(void)
{
	uint64_t size, seed = 7;
	uint8_t *clean;
	unsigned mounted = 0, refused = 0, nodes = 0;

	if (!have_tools())
		return;
	start_case();
	CHECK(attach("-b 1024 -g 2048"));
	size = hdisk.bytes;
	clean = hdisk_detach();
	struct {
		uint64_t at, length;
	} regions[5];
	struct ext2_inode root;
	struct vol v;

	/* Where the metadata is, from the on-disk layer. */
	CHECK_EQ(vol_open(&v, memcpy(malloc(size), clean, size), size), 0);
	regions[0].at = 1024, regions[0].length = 1024; /* superblock */
	regions[1].at = 2048, regions[1].length = 1024; /* descriptors */
	regions[2].at = (uint64_t)v.groups[0].block_bitmap * 1024;
	regions[2].length = 2048; /* both bitmaps */
	regions[3].at = (uint64_t)v.groups[0].inode_table * 1024;
	regions[3].length = 16 * v.sb.inode_size; /* the first inodes */
	CHECK_EQ(vol_iget(&v, EXT2_ROOT_INO, &root), 0);
	regions[4].at = (uint64_t)root.block[0] * 1024;
	regions[4].length = 1024; /* the root directory */
	vol_close(&v);
	for (int round = 0; round < 150; round++) {
		uint8_t *image = memcpy(malloc(size), clean, size);
		struct hx_mount m;
		uint64_t ino;
		int r;

		for (int f = 0; f < 1 + round % 4; f++) {
			const int k = round % 5;

			seed = seed * 6364136223846793005ull + 1;
			image[regions[k].at +
			      (seed >> 33) % regions[k].length] ^=
			    (uint8_t)(1u << (seed >> 20) % 8);
		}
		hdisk_attach(image, size);
		r = hx_mount(&m, "vda", "");
		if (r) {
			CHECK(r == -EINVAL || r == -EUCLEAN || r == -EIO);
			refused++;
			free(hdisk_detach());
			continue;
		}
		mounted++;
		walk(&m, m.mount.root_ino, 0, &nodes);
		if (!(m.mount.flags & KEEL_MOUNT_READ_ONLY)) {
			create(&m, "/", "added", KEEL_NODE_FILE, &ino);
			name_op(&m, "/many", "file_5", false);
			rename_op(&m, "/", "hello", "/dir", "hello_moved");
		}
		hx_unmount(&m);
		free(hdisk_detach());
		CHECK_EQ(hdisk_queued(), 0);
	}
	printf("#   %u damaged volumes refused, %u mounted and walked "
	       "(%u names)\n",
	       refused, mounted, nodes);
	CHECK(refused > 0 && mounted > 0);
	free(clean);
	end_case();
}

static void test_module_parameters(void)
{
	start_case();
	hx_unload_module();
	CHECK(hx_fs_type == NULL);
	hx_params(0, false, 1024);
	CHECK_EQ(hx_load_module(), -EINVAL);
	hx_params(65, false, 1024);
	CHECK_EQ(hx_load_module(), -EINVAL);
	hx_params(32, false, 3);
	CHECK_EQ(hx_load_module(), -EINVAL);
	CHECK(hx_fs_type == NULL);
	hx_params(32, false, 1024);
	CHECK_EQ(hx_load_module(), 0);
	CHECK(hx_fs_type != NULL);
	end_case();
}

static const struct tap_case cases[] = {
    TAP_CASE(test_mount_and_read),
    TAP_CASE(test_concurrent_reads_share_the_cache),
    TAP_CASE(test_depth_and_synchronous_mode),
    TAP_CASE(test_cancelled_reads),
    TAP_CASE(test_writes_1k),
    TAP_CASE(test_writes_4k),
    TAP_CASE(test_unlinked_while_open),
    TAP_CASE(test_full_volume),
    TAP_CASE(test_file_times),
    TAP_CASE(test_read_races_truncate),
    TAP_CASE(test_sync_races_block_reuse),
    TAP_CASE(test_cancelled_write_stays_coherent),
    TAP_CASE(test_failed_write_stays_dirty),
    TAP_CASE(test_symlinks),
    TAP_CASE(test_mount_refusals),
    TAP_CASE(test_io_error),
    TAP_CASE(test_corrupt_volumes),
    TAP_CASE(test_module_parameters),
};

int main(void)
{
	return tap_run(cases, TAP_COUNT(cases));
}
