/*
 * test_vfs_async.c - the VFS driving filesystems whose operations are
 * really asynchronous, and the module that owns a filesystem type.
 *
 * "yieldfs" is ramfs with every operation wrapped in a future that is
 * PENDING at its first poll (after waking its waker, as a device
 * completion would) and READY at the next: through it, every VFS path runs
 * block_on's sleep-and-poll-again loop, and vfs_read_async futures stay in
 * flight until polled again.  "liarfs" answers nonsense, to see the VFS's
 * checks turn it into -EIO.  The module functions the VFS calls
 * (module_owning, module_mount_get/put) are replaced by a pretend module
 * that owns one table, to check that mounts hold it.
 */
#include <string.h>

#include <keel/errno.h>

#include "death.h"
#include "exec/block_on.h"
#include "fs/internal.h"
#include "fs/ramfs.h"
#include "fs/vfs.h"
#include "fs_fixture.h"
#include "mm/kmalloc.h"
#include "module/module.h"
#include "tap.h"

/* ---- a future that yields once --------------------------------------------
 */

struct yield_future {
	struct keel_int_future base;
	struct keel_int_future *inner; /* ramfs's; NULL once dropped */
	bool yielded;
};

static long yields;

static enum keel_poll yield_poll(struct keel_future *future,
				 struct keel_context *cx)
{
	struct yield_future *y = (struct yield_future *)future;

	if (!y->yielded) {
		y->yielded = true;
		yields++;
		keel_waker_wake_by_ref(cx->waker); /* "the device completed" */
		return KEEL_PENDING;
	}
	if (keel_future_poll(&y->inner->future, cx) == KEEL_PENDING)
		return KEEL_PENDING;
	y->base.result = y->inner->result;
	keel_future_drop(&y->inner->future);
	y->inner = NULL;
	return KEEL_READY;
}

static void yield_drop(struct keel_future *future)
{
	struct yield_future *y = (struct yield_future *)future;

	if (y->inner)
		keel_future_drop(&y->inner->future);
	kfree(y);
}

static const struct keel_future_vtable yield_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "yield",
    .poll = yield_poll,
    .drop = yield_drop,
};

/* Wrap ramfs's future; NULL (nothing kept) if either is missing. */
static struct keel_int_future *yielding(struct yield_future *y,
					struct keel_int_future *inner)
{
	if (!y || !inner) {
		kfree(y);
		if (inner)
			keel_future_drop(&inner->future);
		return NULL;
	}
	y->base.future.vtable = &yield_vtable;
	y->inner = inner;
	return &y->base;
}

#define YIELD(call) yielding(kmalloc(sizeof(struct yield_future)), (call))

static const struct keel_vnode_ops *ramfs_ops(void)
{
	return ramfs_fs_type.node_ops;
}

static struct keel_int_future *y_lookup(struct keel_vnode *d, const char *n,
					uint64_t *ino)
{
	return YIELD(ramfs_ops()->lookup(d, n, ino));
}
static struct keel_int_future *y_create(struct keel_vnode *d, const char *n,
					uint32_t t, uint32_t m, uint64_t *ino)
{
	return YIELD(ramfs_ops()->create(d, n, t, m, ino));
}
static struct keel_int_future *y_read(struct keel_vnode *v, void *b, uint64_t l,
				      uint64_t o)
{
	return YIELD(ramfs_ops()->read(v, b, l, o));
}
static struct keel_int_future *y_write(struct keel_vnode *v, const void *b,
				       uint64_t l, uint64_t o)
{
	return YIELD(ramfs_ops()->write(v, b, l, o));
}
static struct keel_int_future *y_readdir(struct keel_vnode *d, uint64_t *c,
					 struct keel_dirent *out)
{
	return YIELD(ramfs_ops()->readdir(d, c, out));
}
static struct keel_int_future *y_unlink(struct keel_vnode *d, const char *n)
{
	return YIELD(ramfs_ops()->unlink(d, n));
}
static struct keel_int_future *y_rmdir(struct keel_vnode *d, const char *n)
{
	return YIELD(ramfs_ops()->rmdir(d, n));
}
static struct keel_int_future *y_rename(struct keel_vnode *a, const char *an,
					struct keel_vnode *b, const char *bn)
{
	return YIELD(ramfs_ops()->rename(a, an, b, bn));
}
static struct keel_int_future *y_getattr(struct keel_vnode *v,
					 struct keel_stat *out)
{
	return YIELD(ramfs_ops()->getattr(v, out));
}
static struct keel_int_future *y_mount(struct keel_mount *m, const char *s,
				       const char *o)
{
	return YIELD(ramfs_fs_type.mount(m, s, o));
}
static struct keel_int_future *y_read_node(struct keel_mount *m,
					   struct keel_vnode *v)
{
	return YIELD(ramfs_fs_type.read_node(m, v));
}

static struct keel_vnode_ops yield_ops;
static struct keel_fs_type yield_fs;

static void make_yieldfs(void)
{
	yield_ops = *ramfs_ops();
	yield_ops.lookup = y_lookup;
	yield_ops.create = y_create;
	yield_ops.read = y_read;
	yield_ops.write = y_write;
	yield_ops.readdir = y_readdir;
	yield_ops.unlink = y_unlink;
	yield_ops.rmdir = y_rmdir;
	yield_ops.rename = y_rename;
	yield_ops.getattr = y_getattr;
	yield_fs = ramfs_fs_type;
	yield_fs.name = "yieldfs";
	yield_fs.node_ops = &yield_ops;
	yield_fs.mount = y_mount;
	yield_fs.read_node = y_read_node;
}

/* ---- a waker that counts ------------------------------------------------- */

static int wakes;

static struct keel_waker count_clone(const void *data);
static void count_wake(const void *data)
{
	(void)data;
	wakes++;
}
static void count_drop(const void *data)
{
	(void)data;
}
static const struct keel_waker_vtable count_vtable = {
    .size = sizeof(struct keel_waker_vtable),
    .clone = count_clone,
    .wake = count_wake,
    .wake_by_ref = count_wake,
    .drop = count_drop,
};
static struct keel_waker count_clone(const void *data)
{
	return (struct keel_waker){data, &count_vtable};
}
static const struct keel_waker counting_waker = {NULL, &count_vtable};

static enum keel_poll poll_once(struct keel_int_future *f)
{
	struct keel_context cx = {sizeof(cx), 0, &counting_waker};

	return keel_future_poll(&f->future, &cx);
}

/* ---- helpers ------------------------------------------------------------- */

static void write_file(const char *path, const void *data, size_t size)
{
	struct vfs_file *file = NULL;

	CHECK_EQ(vfs_open(path, VFS_O_WRITE | VFS_O_CREATE | VFS_O_TRUNCATE,
			  0644, NULL, &file),
		 0);
	if (!file)
		return;
	CHECK_EQ(vfs_write(file, data, size), (long)size);
	vfs_close(file);
}

static void mount_yieldfs(void)
{
	make_yieldfs();
	CHECK_EQ(vfs_register_fs(&yield_fs), 0);
	CHECK_EQ(vfs_mkdir("/y", 0755, NULL), 0);
	CHECK_EQ(vfs_mount("yieldfs", "none", "/y", NULL), 0);
}

static void unmount_yieldfs(void)
{
	CHECK_EQ(vfs_umount("/y", NULL), 0);
	CHECK_EQ(vfs_unregister_fs(&yield_fs), 0);
}

/* ---- cases: pending futures through the whole VFS ------------------------ */

static void test_pending_operations_complete_through_block_on(void)
{
	struct vfs_file *file = NULL;
	struct keel_dirent entry;
	struct keel_stat stat;
	char buffer[32] = {0};

	fs_setup();
	mount_yieldfs();
	yields = 0;
	CHECK_EQ(vfs_mkdir("/y/d", 0755, NULL), 0);
	write_file("/y/d/f", "pending", 7);
	CHECK_EQ(vfs_rename("/y/d/f", "/y/d/g", NULL), 0);
	CHECK_EQ(vfs_stat("/y/d/g", NULL, &stat), 0);
	CHECK_EQ(stat.size, 7);
	CHECK_EQ(vfs_open("/y/d/g", VFS_O_READ, 0, NULL, &file), 0);
	CHECK_EQ(vfs_read(file, buffer, sizeof(buffer)), 7);
	CHECK(memcmp(buffer, "pending", 7) == 0);
	vfs_close(file);
	CHECK_EQ(vfs_open("/y/d", VFS_O_DIRECTORY, 0, NULL, &file), 0);
	CHECK_EQ(vfs_readdir(file, &entry), 1);
	CHECK(strcmp(entry.name, "g") == 0);
	CHECK_EQ(vfs_readdir(file, &entry), 0);
	vfs_close(file);
	CHECK_EQ(vfs_unlink("/y/d/g", NULL), 0);
	CHECK_EQ(vfs_stat("/y/d/g", NULL, &stat), -ENOENT);
	CHECK_EQ(vfs_rmdir("/y/d", NULL), 0);
	CHECK_EQ(vfs_stat("/y/d", NULL, &stat), -ENOENT);
	CHECK(yields > 10); /* every one went PENDING once */
	unmount_yieldfs();
	fs_teardown();
}

/* ---- cases: vfs_read_async ------------------------------------------------
 */

#define READS 32
#define SLICE 100

static void test_many_reads_of_one_file_in_flight(void)
{
	static char data[READS * SLICE], got[READS][SLICE];
	struct keel_int_future *reads[READS];
	struct vfs_file *file = NULL;
	long before;

	fs_setup();
	mount_yieldfs();
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)('a' + i % 23);
	write_file("/y/big", data, sizeof(data));
	CHECK_EQ(vfs_open("/y/big", VFS_O_READ, 0, NULL, &file), 0);
	if (!file)
		return;
	before = shim_live_allocations;

	/* Start all of them, last slice first: the offsets are their own. */
	for (int i = 0; i < READS; i++) {
		reads[i] = vfs_read_async(file, got[i], SLICE,
					  (uint64_t)(READS - 1 - i) * SLICE);
		CHECK(reads[i] != NULL);
	}
	CHECK_EQ(file->reads_in_flight, READS);
	CHECK_EQ(file->offset, 0); /* a pread: the file's offset is not used */
	wakes = 0;
	for (int i = 0; i < READS; i++)
		CHECK_EQ(poll_once(reads[i]), KEEL_PENDING);
	CHECK_EQ(wakes, READS); /* each asked to be polled again */
	CHECK_EQ(file->reads_in_flight, READS);

	/* Complete them in another order again. */
	for (int i = 0; i < READS; i += 2)
		CHECK_EQ(poll_once(reads[i]), KEEL_READY);
	for (int i = 1; i < READS; i += 2)
		CHECK_EQ(poll_once(reads[i]), KEEL_READY);
	for (int i = 0; i < READS; i++) {
		CHECK_EQ(reads[i]->result, SLICE);
		CHECK(memcmp(got[i], data + (READS - 1 - i) * SLICE, SLICE) ==
		      0);
		keel_future_drop(&reads[i]->future);
	}
	CHECK_EQ(file->reads_in_flight, 0);
	CHECK_EQ(shim_live_allocations, before);

	/* The end of the file, and past it. */
	CHECK_EQ(
	    block_on(vfs_read_async(file, got[0], SLICE, sizeof(data) - 10)),
	    10);
	CHECK_EQ(block_on(vfs_read_async(file, got[0], SLICE, sizeof(data))),
		 0);
	vfs_close(file);
	unmount_yieldfs();
	fs_teardown();
}

static void test_dropping_a_pending_read_cancels_it(void)
{
	struct keel_int_future *read;
	struct vfs_file *file = NULL;
	char buffer[8];
	long before;

	fs_setup();
	mount_yieldfs();
	write_file("/y/f", "abc", 3);
	CHECK_EQ(vfs_open("/y/f", VFS_O_READ, 0, NULL, &file), 0);
	if (!file)
		return;
	before = shim_live_allocations;
	read = vfs_read_async(file, buffer, sizeof(buffer), 0);
	CHECK(read != NULL);
	CHECK_EQ(poll_once(read), KEEL_PENDING);
	keel_future_drop(&read->future);
	CHECK_EQ(file->reads_in_flight, 0);
	CHECK_EQ(shim_live_allocations, before);
	vfs_close(file); /* allowed: nothing is in flight */
	unmount_yieldfs();
	fs_teardown();
}

static void test_async_read_refusals_are_ready_futures(void)
{
	struct vfs_file *file = NULL;
	char buffer[8];

	fs_setup();
	write_file("/f", "x", 1);
	CHECK_EQ(vfs_mkdir("/d", 0755, NULL), 0);
	CHECK_EQ(vfs_open("/f", VFS_O_WRITE, 0, NULL, &file), 0);
	CHECK_EQ(block_on(vfs_read_async(file, buffer, 1, 0)), -EBADF);
	vfs_close(file);
	CHECK_EQ(vfs_open("/d", VFS_O_DIRECTORY | VFS_O_READ, 0, NULL, &file),
		 0);
	CHECK_EQ(block_on(vfs_read_async(file, buffer, 1, 0)), -EISDIR);
	vfs_close(file);
	fs_teardown();
}

static struct vfs_file *file_for_death;

static void close_with_a_read_in_flight(void)
{
	static char buffer[4];

	vfs_read_async(file_for_death, buffer, sizeof(buffer), 0);
	vfs_close(file_for_death);
}

static void test_close_with_reads_in_flight_panics(void)
{
	fs_setup();
	write_file("/f", "data", 4);
	CHECK_EQ(vfs_open("/f", VFS_O_READ, 0, NULL, &file_for_death), 0);
	CHECK(panics_with(close_with_a_read_in_flight,
			  "file closed with 1 reads in flight"));
	vfs_close(file_for_death);
	fs_teardown();
}

/* ---- cases: a filesystem answering nonsense ------------------------------ */

static struct keel_int_future *liar_read(struct keel_vnode *v, void *b,
					 uint64_t length, uint64_t o)
{
	(void)v;
	(void)b;
	(void)o;
	return keel_future_ready((int64_t)length + 1);
}

static struct keel_int_future *liar_getattr(struct keel_vnode *v,
					    struct keel_stat *out)
{
	struct keel_int_future *f = ramfs_ops()->getattr(v, out);

	f->result = 5; /* getattr answers 0 or an errno */
	return f;
}

static void test_nonsense_answers_become_eio(void)
{
	struct keel_vnode_ops liar_ops = *ramfs_ops();
	struct keel_fs_type liar_fs = ramfs_fs_type;
	struct vfs_file *file = NULL;
	struct keel_stat stat;
	char buffer[16];

	fs_setup();
	liar_ops.read = liar_read;
	liar_ops.getattr = liar_getattr;
	liar_fs.name = "liarfs";
	liar_fs.node_ops = &liar_ops;
	CHECK_EQ(vfs_register_fs(&liar_fs), 0);
	CHECK_EQ(vfs_mkdir("/l", 0755, NULL), 0);
	CHECK_EQ(vfs_mount("liarfs", "none", "/l", NULL), 0);
	write_file("/l/f", "0123456789", 10);
	CHECK_EQ(vfs_open("/l/f", VFS_O_READ, 0, NULL, &file), 0);
	CHECK_EQ(vfs_read(file, buffer, 4), -EIO);
	CHECK_EQ(block_on(vfs_read_async(file, buffer, 4, 0)), -EIO);
	CHECK_EQ(vfs_fstat(file, &stat), -EIO);
	vfs_close(file);
	CHECK_EQ(vfs_umount("/l", NULL), 0);
	CHECK_EQ(vfs_unregister_fs(&liar_fs), 0);
	fs_teardown();
}

/* ---- cases: the module owning a type ------------------------------------- */

static struct module pretend;
static const void *pretend_holds; /* the one address it owns */

struct module *module_owning(const void *address)
{
	return address && address == pretend_holds ? &pretend : NULL;
}

int module_mount_get(struct module *mod)
{
	if (mod->state != MODULE_LIVE)
		return -ENODEV;
	mod->refcount++;
	mod->mounts++;
	return 0;
}

void module_mount_put(struct module *mod)
{
	CHECK(mod->mounts > 0);
	mod->refcount--;
	mod->mounts--;
}

const char *module_name(const struct module *mod)
{
	return mod->name;
}

static struct keel_fs_type owned_fs;

static void test_mounts_hold_the_owning_module(void)
{
	fs_setup();
	owned_fs = ramfs_fs_type;
	owned_fs.name = "ownedfs";
	strcpy(pretend.name, "pretend");
	pretend.state = MODULE_LIVE;
	pretend_holds = &owned_fs;
	CHECK_EQ(vfs_register_fs(&owned_fs), 0);
	CHECK_EQ(vfs_mkdir("/a", 0755, NULL), 0);
	CHECK_EQ(vfs_mkdir("/b", 0755, NULL), 0);

	CHECK_EQ(vfs_mount("ownedfs", "none", "/a", NULL), 0);
	CHECK_EQ(vfs_mount("ownedfs", "none", "/b", NULL), 0);
	CHECK_EQ(pretend.mounts, 2);
	CHECK_EQ(pretend.refcount, 2);
	CHECK_EQ(vfs_unregister_fs(&owned_fs), -EBUSY);

	/* A mount the filesystem refuses gives its reference back. */
	CHECK_EQ(vfs_mount_options("ownedfs", "none", "/a/x", "size=z", NULL),
		 -ENOENT);
	CHECK_EQ(vfs_mkdir("/a/x", 0755, NULL), 0);
	CHECK_EQ(vfs_mount_options("ownedfs", "none", "/a/x", "size=z", NULL),
		 -EINVAL);
	CHECK_EQ(pretend.mounts, 2);
	CHECK_EQ(vfs_rmdir("/a/x", NULL), 0);

	CHECK_EQ(vfs_umount("/a", NULL), 0);
	CHECK_EQ(vfs_umount("/b", NULL), 0);
	CHECK_EQ(pretend.mounts, 0);
	CHECK_EQ(pretend.refcount, 0);

	/* A module in its exit cannot gain a mount. */
	pretend.state = MODULE_GOING;
	CHECK_EQ(vfs_mount("ownedfs", "none", "/a", NULL), -ENODEV);
	CHECK_EQ(pretend.refcount, 0);

	/* It forgot to unregister: the kernel does it, once. */
	CHECK_EQ(vfs_unregister_module_types(&pretend, "pretend"), 1);
	CHECK_EQ(vfs_fs_type_mount_count("ownedfs"), -ENODEV);
	CHECK_EQ(vfs_unregister_module_types(&pretend, "pretend"), 0);
	CHECK_EQ(vfs_unregister_fs(&owned_fs), -ENOENT);
	pretend_holds = NULL;
	fs_teardown();
}

static void test_kernel_types_have_no_owner(void)
{
	fs_setup();
	pretend.state = MODULE_LIVE;
	pretend.refcount = pretend.mounts = 0;
	CHECK_EQ(vfs_mkdir("/a", 0755, NULL), 0);
	CHECK_EQ(vfs_mount("ramfs", "none", "/a", NULL), 0);
	CHECK_EQ(pretend.refcount, 0);
	CHECK_EQ(vfs_umount("/a", NULL), 0);
	fs_teardown();
}

static const struct tap_case cases[] = {
    TAP_CASE(test_pending_operations_complete_through_block_on),
    TAP_CASE(test_many_reads_of_one_file_in_flight),
    TAP_CASE(test_dropping_a_pending_read_cancels_it),
    TAP_CASE(test_async_read_refusals_are_ready_futures),
    TAP_CASE(test_close_with_reads_in_flight_panics),
    TAP_CASE(test_nonsense_answers_become_eio),
    TAP_CASE(test_mounts_hold_the_owning_module),
    TAP_CASE(test_kernel_types_have_no_owner),
};

int main(void)
{
	vfs_init();
	return tap_run(cases, TAP_COUNT(cases));
}
