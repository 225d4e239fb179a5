/*
 * ops.c - every ramfs operation as the VFS calls it: returning a future.
 *
 * Futures.  Nothing in ramfs ever waits -- everything is in memory -- so
 * each operation of <keel/vfs.h> does its work in the call and returns a
 * future that is already READY (keel/future_ready.h) holding the result.
 * The future is made *first*: when there is no memory even for that, the
 * operation returns NULL having changed nothing, so "a failing operation
 * changes nothing" holds for that failure too.  A filesystem on a disk
 * would instead return a future that stays PENDING until its block reads
 * complete; the VFS drives both the same way.
 *
 * Locking.  The VFS may run several operations of one instance at once
 * (reads beside writes, a readdir beside a create: see keel/vfs.h), so the
 * work of each runs under the instance's spinlock.  Since no operation
 * ever waits, the lock is never held across an await.
 *
 * So every operation has one shape -- make the future, lock, work, unlock,
 * store the result -- and LOCKED_WORK below is that shape, once; each
 * operation names its work (dir.c, data.c, node.c, super.c).  Three are
 * different: mount has no instance to lock yet, and release and unmount
 * cannot be refused, so they must not need memory for their future:
 * keel_future_done() allocates nothing.
 */
#include <keel/future_ready.h>

#include "ramfs_core.h"

/*
 * The future of `work`, an expression evaluated once with `super`'s lock
 * held: a ready future holding its result, or NULL (no memory) with
 * `work` not evaluated at all.  `super` is evaluated twice: keep it a
 * plain expression without side effects.
 */
#define LOCKED_WORK(super, work)                                               \
	({                                                                     \
		struct keel_int_future *future_ = keel_future_ready(0);        \
                                                                               \
		if (future_) {                                                 \
			keel_spin_lock(&(super)->lock);                        \
			future_->result = (work);                              \
			keel_spin_unlock(&(super)->lock);                      \
		}                                                              \
		future_;                                                       \
	})

static struct ramfs_super *super_of(struct keel_vnode *vnode)
{
	return vnode->mount->private;
}

static struct ramfs_super *super_of_mount(struct keel_mount *mount)
{
	return mount->private;
}

/* ---- nodes --------------------------------------------------------------- */

static struct keel_int_future *ramfs_lookup(struct keel_vnode *dir,
					    const char *name, uint64_t *ino)
{
	return LOCKED_WORK(super_of(dir),
			   ramfs_dir_lookup(dir->private, name, ino));
}

static struct keel_int_future *ramfs_create(struct keel_vnode *dir,
					    const char *name, uint32_t type,
					    uint32_t mode, uint64_t *ino)
{
	return LOCKED_WORK(super_of(dir), ramfs_dir_create(dir->private, name,
							   type, mode, ino));
}

static struct keel_int_future *ramfs_symlink(struct keel_vnode *dir,
					     const char *name,
					     const char *target, uint64_t *ino)
{
	return LOCKED_WORK(super_of(dir),
			   ramfs_dir_symlink(dir->private, name, target, ino));
}

static struct keel_int_future *ramfs_readlink(struct keel_vnode *node,
					      char *buffer, uint64_t size)
{
	return LOCKED_WORK(super_of(node),
			   ramfs_node_readlink(node->private, buffer, size));
}

static struct keel_int_future *ramfs_read(struct keel_vnode *node, void *buffer,
					  uint64_t length, uint64_t offset)
{
	return LOCKED_WORK(
	    super_of(node),
	    ramfs_file_read(node->private, buffer, length, offset));
}

static struct keel_int_future *ramfs_write(struct keel_vnode *node,
					   const void *buffer, uint64_t length,
					   uint64_t offset)
{
	return LOCKED_WORK(
	    super_of(node),
	    ramfs_file_write(node->private, buffer, length, offset));
}

static struct keel_int_future *ramfs_truncate(struct keel_vnode *node,
					      uint64_t size)
{
	return LOCKED_WORK(super_of(node),
			   ramfs_file_truncate(node->private, size));
}

static struct keel_int_future *
ramfs_readdir(struct keel_vnode *dir, uint64_t *cookie, struct keel_dirent *out)
{
	return LOCKED_WORK(super_of(dir),
			   ramfs_dir_readdir(dir->private, cookie, out));
}

static struct keel_int_future *ramfs_unlink(struct keel_vnode *dir,
					    const char *name)
{
	return LOCKED_WORK(super_of(dir), ramfs_dir_unlink(dir->private, name));
}

static struct keel_int_future *ramfs_rmdir(struct keel_vnode *dir,
					   const char *name)
{
	return LOCKED_WORK(super_of(dir), ramfs_dir_rmdir(dir->private, name));
}

static struct keel_int_future *ramfs_rename(struct keel_vnode *old_dir,
					    const char *old_name,
					    struct keel_vnode *new_dir,
					    const char *new_name)
{
	return LOCKED_WORK(super_of(old_dir),
			   ramfs_dir_rename(old_dir->private, old_name,
					    new_dir->private, new_name));
}

static struct keel_int_future *ramfs_getattr(struct keel_vnode *node,
					     struct keel_stat *out)
{
	return LOCKED_WORK(super_of(node),
			   ramfs_node_getattr(node->private, out));
}

/* Release cannot be refused: its future must not need memory. */
static struct keel_int_future *ramfs_release(struct keel_vnode *node)
{
	struct ramfs_super *super = super_of(node);

	keel_spin_lock(&super->lock);
	ramfs_node_detach(node->private);
	keel_spin_unlock(&super->lock);
	return keel_future_done();
}

const struct keel_vnode_ops ramfs_node_ops = {
    .size = sizeof(struct keel_vnode_ops),
    .abi_version = KEEL_VFS_ABI_VERSION,
    .lookup = ramfs_lookup,
    .create = ramfs_create,
    .read = ramfs_read,
    .write = ramfs_write,
    .truncate = ramfs_truncate,
    .readdir = ramfs_readdir,
    .unlink = ramfs_unlink,
    .rmdir = ramfs_rmdir,
    .rename = ramfs_rename,
    .getattr = ramfs_getattr,
    .release = ramfs_release,
    .symlink = ramfs_symlink,
    .readlink = ramfs_readlink,
};

/* ---- the instance -------------------------------------------------------- */

/* Nobody else can see the instance yet: no lock to take. */
struct keel_int_future *ramfs_mount(struct keel_mount *mount,
				    const char *source, const char *options)
{
	struct keel_int_future *f = keel_future_ready(0);

	(void)source; /* "none": ramfs needs no device */
	if (f)
		f->result = ramfs_super_mount(mount, options);
	return f;
}

/* Nothing of the instance runs any more; cannot be refused either. */
struct keel_int_future *ramfs_unmount(struct keel_mount *mount)
{
	ramfs_super_unmount(mount);
	return keel_future_done();
}

struct keel_int_future *ramfs_statfs(struct keel_mount *mount,
				     struct keel_statfs *out)
{
	struct ramfs_super *super = super_of_mount(mount);

	return LOCKED_WORK(super, ramfs_super_statfs(super, out));
}

struct keel_int_future *ramfs_read_node(struct keel_mount *mount,
					struct keel_vnode *vnode)
{
	struct ramfs_super *super = super_of_mount(mount);

	return LOCKED_WORK(super, ramfs_node_attach(super, vnode));
}
