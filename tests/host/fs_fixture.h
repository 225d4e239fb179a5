/*
 * fs_fixture.h - a fresh ramfs root for every VFS case, and running out of
 * memory on demand.
 *
 * The VFS keeps global state (the mount table, the node cache), so each
 * case of test_vfs, test_path and test_cpio begins with fs_setup(), which
 * mounts an empty ramfs root and points `cwd` at it, and ends with
 * fs_teardown(), which unmounts the root and checks that nothing is left:
 * no open file, cached node or mount, and no allocation made since setup
 * (the shim's count, shim.h).
 *
 * The out-of-memory cases replace the shim's weak kmalloc with
 *
 *     void *kmalloc(size_t size) { return fs_fixture_kmalloc(size); }
 *
 * and call fail_allocations_after(n, how) around one operation: n more
 * allocations succeed, then they fail in one of two ways (enum
 * allocation_failure), until allocations_never_fail().  Sweeping n from 0
 * up reaches every allocation the operation makes.
 *
 * Everything here is static, for the one test file that includes it.
 */
#ifndef KEEL_TESTS_FS_FIXTURE_H
#define KEEL_TESTS_FS_FIXTURE_H

#include <stddef.h>

#include "fs/vfs.h"
#include "shim.h"
#include "tap.h"

/* ---- one root per case --------------------------------------------------- */

/* The cases' current directory: the root, from fs_setup to fs_teardown. */
static struct vfs_cwd cwd;

/* shim_live_allocations when the case began; the case must end there. */
static long allocations_at_setup;

/* Mount an empty ramfs root and make it the current directory. */
static inline void fs_setup(void)
{
	allocations_at_setup = shim_live_allocations;
	CHECK_EQ(vfs_mount_root(), 0);
	CHECK_EQ(vfs_cwd_init(&cwd), 0);
}

/* Release the current directory, unmount the root: nothing may be left. */
static inline void fs_teardown(void)
{
	vfs_cwd_release(&cwd);
	CHECK_EQ(vfs_umount("/", NULL), 0);
	CHECK_EQ(vfs_live_files(), 0);
	CHECK_EQ(vfs_live_nodes(), 0);
	CHECK_EQ(vfs_live_mounts(), 0);
	CHECK_EQ(shim_live_allocations, allocations_at_setup);
}

/* ---- running out of memory ----------------------------------------------- */

enum allocation_failure {
	FAIL_NONE,        /* every allocation succeeds (the default) */
	FAIL_ONCE,        /* one allocation fails, the ones after succeed */
	FAIL_FROM_THEN_ON /* that allocation and every later one fail */
};

static enum allocation_failure allocation_failure;
static long allocations_before_failure;

/* Let `allowed` more allocations succeed, then fail them as `how` says. */
static inline void fail_allocations_after(long allowed,
					  enum allocation_failure how)
{
	allocations_before_failure = allowed;
	allocation_failure = how;
}

/* Back to the default: every allocation succeeds. */
static inline void allocations_never_fail(void)
{
	allocation_failure = FAIL_NONE;
}

/*
 * kmalloc for the out-of-memory cases: NULL when the failure set up by
 * fail_allocations_after is due, else the shim's counted allocation.
 */
static inline void *fs_fixture_kmalloc(size_t size)
{
	if (allocation_failure != FAIL_NONE) {
		if (allocations_before_failure == 0) {
			if (allocation_failure == FAIL_ONCE)
				allocation_failure = FAIL_NONE;
			return NULL;
		}
		allocations_before_failure--;
	}
	return shim_kmalloc(size);
}

#endif /* KEEL_TESTS_FS_FIXTURE_H */
