/*
 * vnode.c - inodes in memory: read_node, release, getattr, and the
 * freeing of a file whose last name is gone.
 *
 * While the VFS holds a vnode, its struct ext2_node keeps the decoded
 * inode (the truth from then on) and a pin on the inode table block, so
 * writing the inode back is an encode into a cached buffer under fs->lock
 * (ext2_node_store_locked), with no await.  Nodes are listed in fs->nodes
 * so that unlink can tell whether anyone holds the file it unnames: if
 * so, the blocks are freed at release (an open file stays readable); if
 * not, at once.
 *
 * The VFS knows three node types (ext2_vfs_type): a directory is a
 * KEEL_NODE_DIR, a symbolic link a KEEL_NODE_SYMLINK (its target read by
 * readlink, file.c), everything else (files, devices, fifos, sockets) a
 * KEEL_NODE_FILE; devices, fifos and sockets read as empty, and none of
 * them can be written.
 */
#include <keel/future_ready.h>

#include "ext2.h"

struct ext2_node *ext2_node_find_locked(struct ext2_fs *fs, uint32_t ino)
{
	for (struct ext2_node *n = fs->nodes; n; n = n->next)
		if (n->ino == ino)
			return n;
	return NULL;
}

void ext2_node_store_locked(struct ext2_node *node)
{
	struct ext2_fs *fs = node->fs;

	ext2_inode_encode(&fs->sb, &node->inode,
			  node->itable->data + node->itable_offset);
	ext2_buf_dirty_locked(fs, node->itable);
}

/* Forget a node: out of the list, its pin dropped, freed. */
static void node_free(struct ext2_node *node)
{
	struct ext2_fs *fs = node->fs;
	struct ext2_node **link;

	keel_spin_lock(&fs->lock);
	for (link = &fs->nodes; *link; link = &(*link)->next) {
		if (*link == node) {
			*link = node->next;
			break;
		}
	}
	keel_spin_unlock(&fs->lock);
	ext2_put(fs, node->itable);
	kfree(node);
}

/* ---- one inode, with or without a node -------------------------------------
 */

static enum keel_poll inode_io_poll(struct keel_future *future,
				    struct keel_context *cx)
{
	struct ext2_inode_io *io = (struct ext2_inode_io *)future;
	struct ext2_fs *fs = io->fs;
	uint8_t *raw;
	int64_t r;

	KEEL_ASYNC_BEGIN(&io->co);
	keel_spin_lock(&fs->lock);
	r = ext2_inode_location(&fs->sb, fs->groups, io->ino, &io->block,
				&io->offset, &io->msg);
	keel_spin_unlock(&fs->lock);
	if (r < 0)
		KEEL_ASYNC_RETURN(&io->co, &io->base, r);
	KEEL_AWAIT(&io->co, cx,
		   ext2_get(&io->get, fs, io->block, EXT2_GET_READ, &io->buf),
		   r);
	if (r < 0)
		KEEL_ASYNC_RETURN(&io->co, &io->base, r);
	keel_spin_lock(&fs->lock);
	raw = io->buf->data + io->offset;
	if (!io->write) {
		r = ext2_inode_decode(&fs->sb, io->ino, raw, io->inode,
				      &io->msg);
	} else {
		r = io->init ? ext2_inode_check_unused(&fs->sb, io->ino, raw,
						       &io->msg)
			     : 0;
		if (r == 0) {
			if (io->init)
				ext2_inode_init_raw(&fs->sb, raw);
			ext2_inode_encode(&fs->sb, io->inode, raw);
			ext2_buf_dirty_locked(fs, io->buf);
		}
	}
	keel_spin_unlock(&fs->lock);
	ext2_put(fs, io->buf);
	io->buf = NULL;
	if (r == -EUCLEAN)
		ext2_report(fs, &io->msg);
	KEEL_ASYNC_END(&io->co, &io->base, r);
}

static void inode_io_drop(struct keel_future *future)
{
	struct ext2_inode_io *io = (struct ext2_inode_io *)future;

	keel_async_drop(&io->co);
	ext2_put(io->fs, io->buf);
	io->buf = NULL;
}

static const struct keel_future_vtable inode_io_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "ext2-inode",
    .poll = inode_io_poll,
    .drop = inode_io_drop,
};

static struct keel_int_future *inode_io(struct ext2_inode_io *io,
					struct ext2_fs *fs, uint32_t ino,
					struct ext2_inode *inode, bool write,
					bool init)
{
	*io = (struct ext2_inode_io){.base.future.vtable = &inode_io_vtable};
	io->fs = fs;
	io->ino = ino;
	io->inode = inode;
	io->write = write;
	io->init = init;
	return &io->base;
}

struct keel_int_future *ext2_inode_read(struct ext2_inode_io *io,
					struct ext2_fs *fs, uint32_t ino,
					struct ext2_inode *out)
{
	return inode_io(io, fs, ino, out, false, false);
}

struct keel_int_future *ext2_inode_write(struct ext2_inode_io *io,
					 struct ext2_fs *fs, uint32_t ino,
					 struct ext2_inode *in, bool init)
{
	return inode_io(io, fs, ino, in, true, init);
}

/* ---- destroying an inode ---------------------------------------------------
 */

static enum keel_poll destroy_poll(struct keel_future *future,
				   struct keel_context *cx)
{
	struct ext2_destroy *d = (struct ext2_destroy *)future;
	struct ext2_fs *fs = d->fs;
	struct ext2_inode *in = d->inode;
	int64_t r = 0;

	KEEL_ASYNC_BEGIN(&d->co);
	if (!ext2_is_fast_symlink(&fs->sb, in)) {
		KEEL_AWAIT(&d->co, cx, ext2_free_blocks(&d->trunc, fs, in, 0),
			   r);
		if (r < 0)
			KEEL_ASYNC_RETURN(&d->co, &d->base, r);
	}
	if (in->file_acl) {
		if (!ext2_block_is_data(&fs->sb, fs->groups, in->file_acl))
			KEEL_ASYNC_RETURN(&d->co, &d->base, -EUCLEAN);
		KEEL_AWAIT(
		    &d->co, cx,
		    ext2_get(&d->get, fs, in->file_acl, EXT2_GET_READ, &d->buf),
		    r);
		if (r < 0)
			KEEL_ASYNC_RETURN(&d->co, &d->base, r);
		keel_spin_lock(&fs->lock);
		r = ext2_xattr_block_release(&fs->sb, d->buf->data, &d->msg);
		if (r == 0)
			ext2_buf_dirty_locked(fs, d->buf);
		keel_spin_unlock(&fs->lock);
		ext2_put(fs, d->buf);
		d->buf = NULL;
		if (r < 0) {
			ext2_report(fs, &d->msg);
			KEEL_ASYNC_RETURN(&d->co, &d->base, r);
		}
		if (r == 1) {
			KEEL_AWAIT(
			    &d->co, cx,
			    ext2_free_block(&d->release, fs, in->file_acl), r);
			if (r < 0)
				KEEL_ASYNC_RETURN(&d->co, &d->base, r);
		}
	}
	keel_spin_lock(&fs->lock);
	in->file_acl = 0;
	in->links = 0;
	in->size = 0;
	in->blocks = 0;
	in->dtime = ext2_now(fs);
	for (int i = 0; i < EXT2_N_BLOCKS; i++)
		in->block[i] = 0;
	keel_spin_unlock(&fs->lock);
	KEEL_AWAIT(&d->co, cx, ext2_inode_write(&d->io, fs, d->ino, in, false),
		   r);
	if (r < 0)
		KEEL_ASYNC_RETURN(&d->co, &d->base, r);
	KEEL_AWAIT(&d->co, cx,
		   ext2_free_inode(&d->release, fs, d->ino, ext2_is_dir(in)),
		   r);
	KEEL_ASYNC_END(&d->co, &d->base, r);
}

static void destroy_drop(struct keel_future *future)
{
	struct ext2_destroy *d = (struct ext2_destroy *)future;

	keel_async_drop(&d->co);
	ext2_put(d->fs, d->buf);
	d->buf = NULL;
}

static const struct keel_future_vtable destroy_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "ext2-destroy",
    .poll = destroy_poll,
    .drop = destroy_drop,
};

struct keel_int_future *ext2_destroy(struct ext2_destroy *d, struct ext2_fs *fs,
				     uint32_t ino, struct ext2_inode *inode)
{
	d->base.future.vtable = &destroy_vtable;
	d->base.result = 0;
	d->co = (struct keel_async)KEEL_ASYNC_INIT;
	d->fs = fs;
	d->ino = ino;
	d->inode = inode;
	d->buf = NULL;
	return &d->base;
}

/* ---- read_node
 * ---------------------------------------------------------------- */

struct read_node_op {
	struct keel_int_future base;
	struct keel_async co;
	struct ext2_fs *fs;
	struct keel_vnode *vnode;
	struct ext2_node *node; /* owned until READY with 0 */
	struct ext2_get get;
	struct ext2_msg msg;
};

static enum keel_poll read_node_poll(struct keel_future *future,
				     struct keel_context *cx)
{
	struct read_node_op *op = (struct read_node_op *)future;
	struct ext2_fs *fs = op->fs;
	struct ext2_node *node = op->node;
	uint32_t block;
	int64_t r;

	KEEL_ASYNC_BEGIN(&op->co);
	if (op->vnode->ino == 0 || op->vnode->ino > fs->sb.inodes_count)
		KEEL_ASYNC_RETURN(&op->co, &op->base, -ENOENT);
	node->ino = (uint32_t)op->vnode->ino;
	keel_spin_lock(&fs->lock);
	r = ext2_inode_location(&fs->sb, fs->groups, node->ino, &block,
				&node->itable_offset, &op->msg);
	keel_spin_unlock(&fs->lock);
	if (r < 0)
		KEEL_ASYNC_RETURN(&op->co, &op->base, -ENOENT);
	KEEL_AWAIT(&op->co, cx,
		   ext2_get(&op->get, fs, block, EXT2_GET_READ, &node->itable),
		   r);
	if (r < 0)
		KEEL_ASYNC_RETURN(&op->co, &op->base, r);
	keel_spin_lock(&fs->lock);
	r = ext2_inode_decode(&fs->sb, node->ino,
			      node->itable->data + node->itable_offset,
			      &node->inode, &op->msg);
	if (r == 0) {
		node->next = fs->nodes;
		fs->nodes = node;
	}
	keel_spin_unlock(&fs->lock);
	if (r == -EUCLEAN) {
		ext2_report(fs, &op->msg);
		r = -EIO;
	}
	if (r < 0)
		KEEL_ASYNC_RETURN(&op->co, &op->base, r);
	op->vnode->type = ext2_vfs_type(&node->inode);
	op->vnode->private = node;
	op->node = NULL;
	KEEL_ASYNC_END(&op->co, &op->base, 0);
}

static void read_node_drop(struct keel_future *future)
{
	struct read_node_op *op = (struct read_node_op *)future;

	keel_async_drop(&op->co);
	if (op->node) {
		ext2_put(op->fs, op->node->itable);
		kfree(op->node);
	}
	kfree(op);
}

static const struct keel_future_vtable read_node_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "ext2-read-node",
    .poll = read_node_poll,
    .drop = read_node_drop,
};

struct keel_int_future *ext2_read_node(struct keel_mount *mount,
				       struct keel_vnode *vnode)
{
	struct read_node_op *op = kmalloc(sizeof(*op));
	struct ext2_node *node = kmalloc(sizeof(*node));

	if (!op || !node) {
		kfree(op);
		kfree(node);
		return NULL;
	}
	op->base.future.vtable = &read_node_vtable;
	op->fs = ext2_fs_of(mount);
	op->vnode = vnode;
	op->node = node;
	node->fs = op->fs;
	ext2_rwlock_init(&node->rw);
	return &op->base;
}

/* ---- release
 * ----------------------------------------------------------------- */

/* Frees a node's inode at release: set aside by ext2_node_doom. */
struct ext2_reaper {
	struct keel_int_future base;
	struct keel_async co;
	struct ext2_node *node;
	struct ext2_destroy destroy;
};

static enum keel_poll reaper_poll(struct keel_future *future,
				  struct keel_context *cx)
{
	struct ext2_reaper *rp = (struct ext2_reaper *)future;
	struct ext2_node *node = rp->node;
	int64_t r;

	KEEL_ASYNC_BEGIN(&rp->co);
	KEEL_AWAIT(
	    &rp->co, cx,
	    ext2_destroy(&rp->destroy, node->fs, node->ino, &node->inode), r);
	KEEL_ASYNC_END(&rp->co, &rp->base, r == -EUCLEAN ? -EIO : r);
}

static void reaper_drop(struct keel_future *future)
{
	struct ext2_reaper *rp = (struct ext2_reaper *)future;

	keel_async_drop(&rp->co);
	node_free(rp->node);
	kfree(rp);
}

static const struct keel_future_vtable reaper_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "ext2-release",
    .poll = reaper_poll,
    .drop = reaper_drop,
};

int ext2_node_doom(struct ext2_node *node)
{
	struct ext2_reaper *rp;

	if (node->reaper)
		return 0;
	rp = kmalloc(sizeof(*rp));
	if (!rp)
		return -ENOMEM;
	rp->base.future.vtable = &reaper_vtable;
	rp->node = node;
	node->reaper = rp;
	return 0;
}

struct keel_int_future *ext2_release(struct keel_vnode *vnode)
{
	struct ext2_node *node = ext2_node_of(vnode);
	bool doomed;

	keel_spin_lock(&node->fs->lock);
	doomed = node->reaper && node->inode.links == 0;
	keel_spin_unlock(&node->fs->lock);
	if (doomed)
		return &node->reaper->base;
	kfree(node->reaper); /* set aside, but a name came back (rename) */
	node_free(node);
	return keel_future_done();
}

/* ---- getattr, sync ----------------------------------------------------------
 */

struct keel_int_future *ext2_getattr(struct keel_vnode *vnode,
				     struct keel_stat *out)
{
	struct ext2_node *node = ext2_node_of(vnode);
	struct keel_int_future *f = keel_future_ready(0);
	const struct ext2_inode *in = &node->inode;

	if (!f)
		return NULL;
	keel_spin_lock(&node->fs->lock);
	out->ino = node->ino;
	out->size = in->size;
	out->bytes_allocated = (uint64_t)in->blocks * 512;
	out->mtime = in->mtime;
	out->ctime = in->ctime;
	out->atime = in->atime;
	out->type = ext2_vfs_type(in);
	out->mode = in->mode & KEEL_MODE_PERMISSIONS;
	out->nlink = in->links;
	out->uid = in->uid;
	out->gid = in->gid;
	keel_spin_unlock(&node->fs->lock);
	return f;
}

struct keel_int_future *ext2_node_sync(struct keel_vnode *vnode)
{
	return ext2_fs_sync(vnode->mount);
}
