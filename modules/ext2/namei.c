/*
 * namei.c - directories: lookup, readdir, create, symlink, unlink, rmdir,
 * rename.
 *
 * Every operation here walks a directory's blocks with one embedded
 * future, the scan (struct dirscan): map logical block i, get it, run one
 * of dir.c's pure functions on it under fs->lock, next block.  A scan
 * finds a name (keeping the block pinned, so the caller can change the
 * entry it found), inserts one (growing the directory by a block when no
 * block has room), or checks that a directory holds nothing but "." and
 * "..".
 *
 * The VFS runs these namespace operations one at a time per mount, so a
 * name found by a scan is still there when the operation changes it a few
 * awaits later; readdir, a data operation, may run beside them and sees
 * each block either before or after a change (fs->lock).
 *
 * Every operation checks before it changes anything: the name's absence
 * or presence, the types, emptiness, link limits, and the memory that
 * release will need (ext2_node_doom).  Only then does it allocate, link
 * and unlink.  An inode allocated for create is given back if linking it
 * fails.  A file whose last name goes is freed at once when the VFS holds
 * no vnode for it, or at release otherwise.
 */
#include <keel/future_ready.h>

#include "ext2.h"

static int64_t vfs_result(int64_t r)
{
	return r == -EUCLEAN ? -EIO : r;
}

/*
 * Directory `ino`'s block `index` mapped to `r` (ext2_bmap's result): a
 * directory has no holes, so 0 is reported as corruption, -EUCLEAN.
 */
static int64_t dir_block(struct ext2_fs *fs, struct ext2_msg *msg, uint32_t ino,
			 uint64_t index, int64_t r)
{
	if (r != 0)
		return r;
	ext2_msg_set(msg, "directory %u: hole at block %llu", ino,
		     (unsigned long long)index);
	ext2_report(fs, msg);
	return -EUCLEAN;
}

/* ---- the scan ---------------------------------------------------------------
 */

enum scan_mode { SCAN_FIND, SCAN_INSERT, SCAN_EMPTY };

struct dirscan {
	struct keel_int_future base;
	struct keel_async co;
	struct ext2_fs *fs;
	struct ext2_inode *dir;
	uint32_t dir_ino;
	enum scan_mode mode;
	const char *name;
	uint32_t length;
	uint32_t ino;	   /* SCAN_INSERT: the entry's inode */
	uint8_t file_type; /* and type */
	uint64_t index, blocks;
	bool fresh;
	struct ext2_mapper mapper;
	struct ext2_get get;
	struct ext2_buf *buf;
	/* SCAN_FIND: what was found; `found` stays pinned for the caller. */
	struct ext2_dirent entry;
	uint32_t prev;
	struct ext2_buf *found;
	struct ext2_msg msg;
};

/* One block under fs->lock: > 0 stops the scan with that result. */
static int scan_block(struct dirscan *s)
{
	struct ext2_fs *fs = s->fs;
	int r;

	if (s->mode == SCAN_FIND) {
		r = ext2_dir_find(&fs->sb, s->buf->data, s->name, s->length,
				  &s->entry, &s->prev, &s->msg);
		if (r == 1) {
			s->found = s->buf;
			s->buf = NULL;
		}
		return r;
	}
	if (s->mode == SCAN_INSERT) {
		r = ext2_dir_insert(&fs->sb, s->buf->data, s->name, s->length,
				    s->ino, s->file_type, &s->msg);
		if (r == 1)
			ext2_buf_dirty_locked(fs, s->buf);
		return r;
	}
	r = ext2_dir_block_empty(&fs->sb, s->buf->data, &s->msg);
	return r == 1 ? 0 : r == 0 ? 2 : r; /* 2: not empty */
}

static enum keel_poll scan_poll(struct keel_future *future,
				struct keel_context *cx)
{
	struct dirscan *s = (struct dirscan *)future;
	struct ext2_fs *fs = s->fs;
	int64_t r;

	KEEL_ASYNC_BEGIN(&s->co);
	keel_spin_lock(&fs->lock);
	s->blocks = s->dir->size / fs->sb.block_size;
	keel_spin_unlock(&fs->lock);
	for (s->index = 0; s->index < s->blocks; s->index++) {
		KEEL_AWAIT(&s->co, cx,
			   ext2_bmap(&s->mapper, fs, s->dir, s->dir_ino,
				     s->index, false, NULL),
			   r);
		r = dir_block(fs, &s->msg, s->dir_ino, s->index, r);
		if (r < 0)
			KEEL_ASYNC_RETURN(&s->co, &s->base, r);
		KEEL_AWAIT(
		    &s->co, cx,
		    ext2_get(&s->get, fs, (uint32_t)r, EXT2_GET_READ, &s->buf),
		    r);
		if (r < 0)
			KEEL_ASYNC_RETURN(&s->co, &s->base, r);
		keel_spin_lock(&fs->lock);
		r = scan_block(s);
		keel_spin_unlock(&fs->lock);
		ext2_put(fs, s->buf);
		s->buf = NULL;
		if (r == -EUCLEAN)
			ext2_report(fs, &s->msg);
		if (r != 0) {
			if (s->mode == SCAN_EMPTY)
				r = r == 2 ? 0 : r;
			else if (s->mode == SCAN_INSERT && r == 1)
				r = 0;
			KEEL_ASYNC_RETURN(&s->co, &s->base, r);
		}
	}
	if (s->mode == SCAN_FIND)
		KEEL_ASYNC_RETURN(&s->co, &s->base, 0);
	if (s->mode == SCAN_EMPTY)
		KEEL_ASYNC_RETURN(&s->co, &s->base, 1);
	/* No block has room: one more block. */
	KEEL_AWAIT(&s->co, cx,
		   ext2_bmap(&s->mapper, fs, s->dir, s->dir_ino, s->blocks,
			     true, &s->fresh),
		   r);
	if (r < 0)
		KEEL_ASYNC_RETURN(&s->co, &s->base, r);
	KEEL_AWAIT(&s->co, cx,
		   ext2_get(&s->get, fs, (uint32_t)r, EXT2_GET_NEW, &s->buf),
		   r);
	if (r < 0)
		KEEL_ASYNC_RETURN(&s->co, &s->base, r);
	keel_spin_lock(&fs->lock);
	ext2_dir_init_empty(&fs->sb, s->buf->data);
	r = ext2_dir_insert(&fs->sb, s->buf->data, s->name, s->length, s->ino,
			    s->file_type, &s->msg);
	ext2_buf_dirty_locked(fs, s->buf);
	s->dir->size += fs->sb.block_size;
	keel_spin_unlock(&fs->lock);
	ext2_put(fs, s->buf);
	s->buf = NULL;
	KEEL_ASYNC_END(&s->co, &s->base, r == 1 ? 0 : -EIO);
}

static void scan_drop(struct keel_future *future)
{
	struct dirscan *s = (struct dirscan *)future;

	keel_async_drop(&s->co);
	ext2_put(s->fs, s->buf);
	s->buf = NULL;
}

static const struct keel_future_vtable scan_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "ext2-dirscan",
    .poll = scan_poll,
    .drop = scan_drop,
};

static struct keel_int_future *scan(struct dirscan *s, struct ext2_fs *fs,
				    struct ext2_inode *dir, uint32_t dir_ino,
				    enum scan_mode mode, const char *name)
{
	s->base.future.vtable = &scan_vtable;
	s->base.result = 0;
	s->co = (struct keel_async)KEEL_ASYNC_INIT;
	s->fs = fs;
	s->dir = dir;
	s->dir_ino = dir_ino;
	s->mode = mode;
	s->name = name;
	s->length = name ? (uint32_t)strlen(name) : 0;
	s->buf = NULL;
	s->found = NULL;
	return &s->base;
}

/* Let go of the block a SCAN_FIND left pinned (if any). */
static void scan_unpin(struct dirscan *s)
{
	ext2_put(s->fs, s->found);
	s->found = NULL;
}

/* The entry a SCAN_FIND found goes (fs->lock held). */
static void scan_remove_locked(struct dirscan *s)
{
	ext2_dir_remove(&s->fs->sb, s->found->data, &s->entry, s->prev);
	ext2_buf_dirty_locked(s->fs, s->found);
}

/* The entry a SCAN_FIND found names `ino` of `file_type` now; unpinned. */
static void scan_relink(struct dirscan *s, uint32_t ino, uint8_t file_type)
{
	keel_spin_lock(&s->fs->lock);
	ext2_dir_set_inode(&s->fs->sb, s->found->data, s->entry.offset, ino,
			   file_type);
	ext2_buf_dirty_locked(s->fs, s->found);
	keel_spin_unlock(&s->fs->lock);
	scan_unpin(s);
}

/* A directory changed: its times, no hash index any more, stored. */
static void dir_changed_locked(struct ext2_node *dir)
{
	dir->inode.mtime = dir->inode.ctime = ext2_now(dir->fs);
	dir->inode.flags &= ~EXT2_INDEX_FL;
	ext2_node_store_locked(dir);
}

/* ---- lookup
 * ------------------------------------------------------------------- */

struct lookup_op {
	struct keel_int_future base;
	struct keel_async co;
	struct ext2_node *dir;
	uint64_t *ino;
	struct dirscan scan;
};

static enum keel_poll lookup_poll(struct keel_future *future,
				  struct keel_context *cx)
{
	struct lookup_op *op = (struct lookup_op *)future;
	int64_t r;

	KEEL_ASYNC_BEGIN(&op->co);
	KEEL_AWAIT(&op->co, cx,
		   scan(&op->scan, op->dir->fs, &op->dir->inode, op->dir->ino,
			SCAN_FIND, op->scan.name),
		   r);
	if (r == 1) {
		*op->ino = op->scan.entry.inode;
		scan_unpin(&op->scan);
		r = 0;
	} else if (r == 0) {
		r = -ENOENT;
	}
	KEEL_ASYNC_END(&op->co, &op->base, vfs_result(r));
}

static void lookup_drop(struct keel_future *future)
{
	struct lookup_op *op = (struct lookup_op *)future;

	keel_async_drop(&op->co);
	kfree(op);
}

static const struct keel_future_vtable lookup_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "ext2-lookup",
    .poll = lookup_poll,
    .drop = lookup_drop,
};

struct keel_int_future *ext2_lookup(struct keel_vnode *dir, const char *name,
				    uint64_t *ino)
{
	struct lookup_op *op = kmalloc(sizeof(*op));

	if (!op)
		return NULL;
	op->base.future.vtable = &lookup_vtable;
	op->dir = ext2_node_of(dir);
	op->ino = ino;
	op->scan.name = name;
	return &op->base;
}

/* ---- readdir
 * ------------------------------------------------------------------ */

/* The VFS's node type of a directory entry's file_type (as ext2_vfs_type). */
static uint32_t entry_type(uint8_t file_type)
{
	if (file_type == EXT2_FT_DIR)
		return KEEL_NODE_DIR;
	return file_type == EXT2_FT_SYMLINK ? KEEL_NODE_SYMLINK
					    : KEEL_NODE_FILE;
}

struct readdir_op {
	struct keel_int_future base;
	struct keel_async co;
	struct ext2_node *dir;
	uint64_t *cookie;
	struct keel_dirent *out;
	uint64_t index;
	struct ext2_mapper mapper;
	struct ext2_get get;
	struct ext2_buf *buf;
	struct ext2_inode_io io;
	struct ext2_inode inode;
	struct ext2_msg msg;
};

static enum keel_poll readdir_poll(struct keel_future *future,
				   struct keel_context *cx)
{
	struct readdir_op *op = (struct readdir_op *)future;
	struct ext2_fs *fs = op->dir->fs;
	uint32_t bs = fs->sb.block_size;
	struct ext2_dirent e;
	uint64_t blocks;
	int64_t r;

	KEEL_ASYNC_BEGIN(&op->co);
	for (;;) {
		keel_spin_lock(&fs->lock);
		blocks = op->dir->inode.size / bs;
		keel_spin_unlock(&fs->lock);
		op->index = *op->cookie / bs;
		if (op->index >= blocks)
			KEEL_ASYNC_RETURN(&op->co, &op->base, 0);
		KEEL_AWAIT(&op->co, cx,
			   ext2_bmap(&op->mapper, fs, &op->dir->inode,
				     op->dir->ino, op->index, false, NULL),
			   r);
		r = dir_block(fs, &op->msg, op->dir->ino, op->index, r);
		if (r < 0)
			KEEL_ASYNC_RETURN(&op->co, &op->base, vfs_result(r));
		KEEL_AWAIT(&op->co, cx,
			   ext2_get(&op->get, fs, (uint32_t)r, EXT2_GET_READ,
				    &op->buf),
			   r);
		if (r < 0)
			KEEL_ASYNC_RETURN(&op->co, &op->base, vfs_result(r));
		keel_spin_lock(&fs->lock);
		r = ext2_dir_next(&fs->sb, op->buf->data, *op->cookie % bs, &e,
				  &op->msg);
		if (r == 1) {
			op->out->ino = e.inode;
			op->out->name_length = e.name_len;
			memcpy(op->out->name, e.name, e.name_len);
			op->out->name[e.name_len] = '\0';
			op->out->type = entry_type(e.file_type);
			*op->cookie = op->index * bs + e.offset + e.rec_len;
		} else if (r == 0) {
			*op->cookie = (op->index + 1) * bs;
		}
		keel_spin_unlock(&fs->lock);
		ext2_put(fs, op->buf);
		op->buf = NULL;
		if (r < 0) {
			ext2_report(fs, &op->msg);
			KEEL_ASYNC_RETURN(&op->co, &op->base, -EIO);
		}
		if (r == 1)
			break;
	}
	if (!fs->sb.has_filetype) {
		/* No type in the entry: the inode says. */
		KEEL_AWAIT(&op->co, cx,
			   ext2_inode_read(&op->io, fs, (uint32_t)op->out->ino,
					   &op->inode),
			   r);
		if (r < 0)
			KEEL_ASYNC_RETURN(&op->co, &op->base, vfs_result(r));
		op->out->type = ext2_vfs_type(&op->inode);
	}
	KEEL_ASYNC_END(&op->co, &op->base, 1);
}

static void readdir_drop(struct keel_future *future)
{
	struct readdir_op *op = (struct readdir_op *)future;

	keel_async_drop(&op->co);
	ext2_put(op->dir->fs, op->buf);
	kfree(op);
}

static const struct keel_future_vtable readdir_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "ext2-readdir",
    .poll = readdir_poll,
    .drop = readdir_drop,
};

struct keel_int_future *ext2_readdir(struct keel_vnode *dir, uint64_t *cookie,
				     struct keel_dirent *out)
{
	struct readdir_op *op = kmalloc(sizeof(*op));

	if (!op)
		return NULL;
	op->base.future.vtable = &readdir_vtable;
	op->dir = ext2_node_of(dir);
	op->cookie = cookie;
	op->out = out;
	return &op->base;
}

/* ---- create
 * --------------------------------------------------------------------- */

struct create_op {
	struct keel_int_future base;
	struct keel_async co;
	struct ext2_node *dir;
	struct ext2_fs *fs;
	const char *name;
	uint64_t *ino_out;
	bool is_dir, fresh;
	uint16_t mode;
	uint32_t ino;
	const char *target; /* a symbolic link's, or NULL */
	uint32_t target_length;
	int64_t error;
	struct ext2_inode inode;
	struct dirscan scan;
	struct ext2_alloc alloc;
	struct ext2_mapper mapper;
	struct ext2_get get;
	struct ext2_buf *buf;
	struct ext2_inode_io io;
	struct ext2_destroy destroy;
};

static enum keel_poll create_poll(struct keel_future *future,
				  struct keel_context *cx)
{
	struct create_op *op = (struct create_op *)future;
	struct ext2_fs *fs = op->fs;
	struct ext2_node *dir = op->dir;
	int64_t r;

	KEEL_ASYNC_BEGIN(&op->co);
	KEEL_AWAIT(
	    &op->co, cx,
	    scan(&op->scan, fs, &dir->inode, dir->ino, SCAN_FIND, op->name), r);
	if (r == 1) {
		scan_unpin(&op->scan);
		r = -EEXIST;
	}
	if (r < 0)
		KEEL_ASYNC_RETURN(&op->co, &op->base, vfs_result(r));
	if (dir->inode.links == 0) /* removed while we looked */
		KEEL_ASYNC_RETURN(&op->co, &op->base, -ENOENT);
	if (op->is_dir && dir->inode.links >= EXT2_LINK_MAX)
		KEEL_ASYNC_RETURN(&op->co, &op->base, -EMLINK);

	KEEL_AWAIT(&op->co, cx,
		   ext2_alloc_inode(&op->alloc, fs, dir->ino, op->is_dir), r);
	if (r < 0)
		KEEL_ASYNC_RETURN(&op->co, &op->base, vfs_result(r));
	op->ino = (uint32_t)r;
	op->inode.mode = op->mode;
	op->inode.links = op->is_dir ? 2 : 1;
	op->inode.atime = op->inode.ctime = op->inode.mtime = ext2_now(fs);
	if (op->target && op->target_length <= EXT2_FAST_SYMLINK_MAX)
		ext2_fast_symlink_set(&op->inode, op->target,
				      op->target_length);

	/* The inode must really be free before anything is written. */
	KEEL_AWAIT(&op->co, cx,
		   ext2_inode_write(&op->io, fs, op->ino, &op->inode, true), r);
	if (r < 0) /* a live inode marked free: its bit stays taken */
		KEEL_ASYNC_RETURN(&op->co, &op->base, vfs_result(r));
	if (op->is_dir ||
	    (op->target && op->target_length > EXT2_FAST_SYMLINK_MAX)) {
		/* Block 0: a directory's "." and "..", a slow link's target. */
		KEEL_AWAIT(&op->co, cx,
			   ext2_bmap(&op->mapper, fs, &op->inode, op->ino, 0,
				     true, &op->fresh),
			   r);
		if (r < 0)
			goto undo;
		KEEL_AWAIT(
		    &op->co, cx,
		    ext2_get(&op->get, fs, (uint32_t)r, EXT2_GET_NEW, &op->buf),
		    r);
		if (r < 0)
			goto undo;
		keel_spin_lock(&fs->lock);
		if (op->is_dir)
			ext2_dir_init_dots(&fs->sb, op->buf->data, op->ino,
					   dir->ino);
		else
			memcpy(op->buf->data, op->target, op->target_length);
		ext2_buf_dirty_locked(fs, op->buf);
		keel_spin_unlock(&fs->lock);
		ext2_put(fs, op->buf);
		op->buf = NULL;
		op->inode.size =
		    op->is_dir ? fs->sb.block_size : op->target_length;
		KEEL_AWAIT(
		    &op->co, cx,
		    ext2_inode_write(&op->io, fs, op->ino, &op->inode, false),
		    r);
		if (r < 0)
			goto undo;
	}
	op->scan.ino = op->ino;
	op->scan.file_type = ext2_file_type(op->mode);
	KEEL_AWAIT(
	    &op->co, cx,
	    scan(&op->scan, fs, &dir->inode, dir->ino, SCAN_INSERT, op->name),
	    r);
	keel_spin_lock(&fs->lock);
	if (r == 0 && op->is_dir)
		dir->inode.links++;
	dir_changed_locked(dir); /* its size may have grown even on error */
	keel_spin_unlock(&fs->lock);
	if (r < 0)
		goto undo;
	*op->ino_out = op->ino;
	KEEL_ASYNC_RETURN(&op->co, &op->base, 0);
undo:
	op->error = r;
	KEEL_AWAIT(&op->co, cx,
		   ext2_destroy(&op->destroy, fs, op->ino, &op->inode), r);
	KEEL_ASYNC_END(&op->co, &op->base, vfs_result(op->error));
}

static void create_drop(struct keel_future *future)
{
	struct create_op *op = (struct create_op *)future;

	keel_async_drop(&op->co);
	ext2_put(op->fs, op->buf);
	kfree(op);
}

static const struct keel_future_vtable create_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "ext2-create",
    .poll = create_poll,
    .drop = create_drop,
};

static struct create_op *create_op(struct keel_vnode *dir, const char *name,
				   uint16_t mode, uint64_t *ino)
{
	struct create_op *op = kmalloc(sizeof(*op));

	if (!op)
		return NULL;
	op->base.future.vtable = &create_vtable;
	op->dir = ext2_node_of(dir);
	op->fs = op->dir->fs;
	op->name = name;
	op->ino_out = ino;
	op->is_dir = (mode & EXT2_S_IFMT) == EXT2_S_IFDIR;
	op->mode = mode;
	return op;
}

struct keel_int_future *ext2_create(struct keel_vnode *dir, const char *name,
				    uint32_t type, uint32_t mode, uint64_t *ino)
{
	struct create_op *op;

	if (type != KEEL_NODE_FILE && type != KEEL_NODE_DIR)
		return keel_future_ready(-EINVAL);
	if (strlen(name) > EXT2_NAME_LEN)
		return keel_future_ready(-ENAMETOOLONG);
	op = create_op(
	    dir, name,
	    (uint16_t)((type == KEEL_NODE_DIR ? EXT2_S_IFDIR : EXT2_S_IFREG) |
		       (mode & EXT2_S_PERMISSIONS)),
	    ino);
	return op ? &op->base : NULL;
}

/*
 * A symbolic link is created as a file is, with its target: one of at
 * most 59 bytes goes into the inode's block pointers (a fast link, no
 * block), a longer one into a block of its own (slow), which must hold
 * it and the NUL e2fsck looks for after it.
 */
struct keel_int_future *ext2_symlink(struct keel_vnode *dir, const char *name,
				     const char *target, uint64_t *ino)
{
	struct ext2_fs *fs = ext2_node_of(dir)->fs;
	size_t length = strnlen(target, KEEL_PATH_MAX);
	struct create_op *op;

	if (strlen(name) > EXT2_NAME_LEN)
		return keel_future_ready(-ENAMETOOLONG);
	if (length == 0)
		return keel_future_ready(-ENOENT);
	if (length >= fs->sb.block_size)
		return keel_future_ready(-ENAMETOOLONG);
	op = create_op(dir, name, EXT2_S_IFLNK | 0777, ino);
	if (!op)
		return NULL;
	op->target = target;
	op->target_length = (uint32_t)length;
	return &op->base;
}

/* ---- dropping a name
 * ---------------------------------------------------------------
 *
 * unlink, rmdir and the replacing rename all end the same way: the inode
 * that lost a name has one link fewer (a directory: none), and when none
 * is left it is freed, now or at release.  `target` is what the
 * operation learnt about it (rename's source is one too: it is loaded
 * and saved the same way, but loses no link).
 */
struct target {
	uint32_t ino;
	struct ext2_node *node;	  /* the VFS holds it, or NULL */
	struct ext2_inode copy;	  /* the inode when no node */
	struct ext2_inode *inode; /* node's or copy */
	struct ext2_inode_io io;  /* reads and writes copy */
	struct ext2_destroy destroy;
};

/*
 * Find who holds `ino` (fs->lock not held).  The future is done at once
 * when the VFS holds a node for it, and reads the inode into `copy` when
 * not.
 */
static struct keel_int_future *target_load(struct target *t, struct ext2_fs *fs,
					   uint32_t ino)
{
	t->ino = ino;
	keel_spin_lock(&fs->lock);
	t->node = ext2_node_find_locked(fs, ino);
	keel_spin_unlock(&fs->lock);
	t->inode = t->node ? &t->node->inode : &t->copy;
	if (t->node)
		return keel_future_done();
	return ext2_inode_read(&t->io, fs, ino, &t->copy);
}

/* 0 when it is of the kind asked for (a directory or not), else why not. */
static int target_kind(const struct target *t, bool dir)
{
	if (dir == ext2_is_dir(t->inode))
		return 0;
	return dir ? -ENOTDIR : -EISDIR;
}

/* Before anything changes: release must be able to free it later. */
static int target_prepare(struct target *t, bool last)
{
	return last && t->node ? ext2_node_doom(t->node) : 0;
}

/* One name fewer; true when the inode must be freed now (no node). */
static bool target_unlinked_locked(struct target *t, struct ext2_fs *fs)
{
	struct ext2_inode *in = t->inode;

	in->links = ext2_is_dir(in) || in->links == 0 ? 0 : in->links - 1;
	in->ctime = ext2_now(fs);
	if (t->node)
		ext2_node_store_locked(t->node);
	return !t->node && in->links == 0;
}

/*
 * The change made to it goes to disk: a node's inode was stored already
 * (done at once), a copy is written back, or freed when `destroy` (what
 * target_unlinked_locked said).
 */
static struct keel_int_future *target_save(struct target *t, struct ext2_fs *fs,
					   bool destroy)
{
	if (destroy)
		return ext2_destroy(&t->destroy, fs, t->ino, &t->copy);
	if (!t->node)
		return ext2_inode_write(&t->io, fs, t->ino, &t->copy, false);
	return keel_future_done();
}

struct unlink_op {
	struct keel_int_future base;
	struct keel_async co;
	struct ext2_node *dir;
	struct ext2_fs *fs;
	const char *name;
	bool rmdir;
	struct target target;
	struct dirscan scan;
	struct dirscan empty;
};

static enum keel_poll unlink_poll(struct keel_future *future,
				  struct keel_context *cx)
{
	struct unlink_op *op = (struct unlink_op *)future;
	struct ext2_fs *fs = op->fs;
	struct ext2_node *dir = op->dir;
	struct target *t = &op->target;
	bool destroy;
	int64_t r;

	KEEL_ASYNC_BEGIN(&op->co);
	KEEL_AWAIT(
	    &op->co, cx,
	    scan(&op->scan, fs, &dir->inode, dir->ino, SCAN_FIND, op->name), r);
	if (r == 0)
		r = -ENOENT;
	if (r < 0)
		KEEL_ASYNC_RETURN(&op->co, &op->base, vfs_result(r));
	KEEL_AWAIT(&op->co, cx, target_load(t, fs, op->scan.entry.inode), r);
	if (r < 0)
		goto out;
	r = target_kind(t, op->rmdir);
	if (r < 0)
		goto out;
	if (op->rmdir) {
		KEEL_AWAIT(
		    &op->co, cx,
		    scan(&op->empty, fs, t->inode, t->ino, SCAN_EMPTY, NULL),
		    r);
		if (r == 0)
			r = -ENOTEMPTY;
		if (r < 0)
			goto out;
	}
	r = target_prepare(t, op->rmdir || t->inode->links <= 1);
	if (r < 0)
		goto out;

	/* Act: the entry goes, the counts follow. */
	keel_spin_lock(&fs->lock);
	scan_remove_locked(&op->scan);
	if (op->rmdir && dir->inode.links > 2)
		dir->inode.links--; /* the child's ".." */
	dir_changed_locked(dir);
	destroy = target_unlinked_locked(t, fs);
	keel_spin_unlock(&fs->lock);
	scan_unpin(&op->scan);
	KEEL_AWAIT(&op->co, cx, target_save(t, fs, destroy), r);
out:
	scan_unpin(&op->scan);
	KEEL_ASYNC_END(&op->co, &op->base, vfs_result(r));
}

static void unlink_drop(struct keel_future *future)
{
	struct unlink_op *op = (struct unlink_op *)future;

	keel_async_drop(&op->co);
	scan_unpin(&op->scan);
	kfree(op);
}

static const struct keel_future_vtable unlink_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "ext2-unlink",
    .poll = unlink_poll,
    .drop = unlink_drop,
};

static struct keel_int_future *unlink_op(struct keel_vnode *dir,
					 const char *name, bool rmdir)
{
	struct unlink_op *op = kmalloc(sizeof(*op));

	if (!op)
		return NULL;
	op->base.future.vtable = &unlink_vtable;
	op->dir = ext2_node_of(dir);
	op->fs = op->dir->fs;
	op->name = name;
	op->rmdir = rmdir;
	return &op->base;
}

struct keel_int_future *ext2_unlink(struct keel_vnode *dir, const char *name)
{
	return unlink_op(dir, name, false);
}

struct keel_int_future *ext2_rmdir(struct keel_vnode *dir, const char *name)
{
	return unlink_op(dir, name, true);
}

/* ---- rename
 * --------------------------------------------------------------------- */

struct rename_op {
	struct keel_int_future base;
	struct keel_async co;
	struct ext2_fs *fs;
	struct ext2_node *old_dir, *new_dir;
	const char *old_name, *new_name;
	uint32_t src_ino;
	bool is_dir, replacing, moving;
	struct target src, target;
	struct dirscan scan;  /* the old name, then ".." */
	struct dirscan tscan; /* the new name */
	struct dirscan empty;
};

static enum keel_poll rename_poll(struct keel_future *future,
				  struct keel_context *cx)
{
	struct rename_op *op = (struct rename_op *)future;
	struct ext2_fs *fs = op->fs;
	struct target *src = &op->src, *t = &op->target;
	bool destroy;
	int64_t r;

	KEEL_ASYNC_BEGIN(&op->co);
	op->moving = op->old_dir != op->new_dir;
	KEEL_AWAIT(&op->co, cx,
		   scan(&op->scan, fs, &op->old_dir->inode, op->old_dir->ino,
			SCAN_FIND, op->old_name),
		   r);
	if (r == 0)
		r = -ENOENT;
	if (r < 0)
		goto out;
	op->src_ino = op->scan.entry.inode;
	scan_unpin(&op->scan);
	KEEL_AWAIT(&op->co, cx, target_load(src, fs, op->src_ino), r);
	if (r < 0)
		goto out;
	op->is_dir = ext2_is_dir(src->inode);

	/* The new name: free, or a node to replace. */
	KEEL_AWAIT(&op->co, cx,
		   scan(&op->tscan, fs, &op->new_dir->inode, op->new_dir->ino,
			SCAN_FIND, op->new_name),
		   r);
	if (r < 0)
		goto out;
	op->replacing = r == 1;
	if (op->replacing) {
		if (op->tscan.entry.inode == op->src_ino) {
			r = 0;
			goto out;
		}
		KEEL_AWAIT(&op->co, cx,
			   target_load(t, fs, op->tscan.entry.inode), r);
		if (r < 0)
			goto out;
		r = target_kind(t, op->is_dir);
		if (r < 0)
			goto out;
		if (op->is_dir) {
			KEEL_AWAIT(&op->co, cx,
				   scan(&op->empty, fs, t->inode, t->ino,
					SCAN_EMPTY, NULL),
				   r);
			if (r == 0)
				r = -ENOTEMPTY;
			if (r < 0)
				goto out;
		}
		r = target_prepare(t, op->is_dir || t->inode->links <= 1);
		if (r < 0)
			goto out;
		scan_relink(&op->tscan, op->src_ino,
			    ext2_file_type(src->inode->mode));
	} else {
		if (op->is_dir && op->moving &&
		    op->new_dir->inode.links >= EXT2_LINK_MAX) {
			r = -EMLINK;
			goto out;
		}
		op->tscan.ino = op->src_ino;
		op->tscan.file_type = ext2_file_type(src->inode->mode);
		KEEL_AWAIT(&op->co, cx,
			   scan(&op->tscan, fs, &op->new_dir->inode,
				op->new_dir->ino, SCAN_INSERT, op->new_name),
			   r);
		keel_spin_lock(&fs->lock);
		ext2_node_store_locked(op->new_dir); /* may have grown */
		keel_spin_unlock(&fs->lock);
		if (r < 0)
			goto out;
	}

	/* The old name goes (found again: the insert may have moved it). */
	KEEL_AWAIT(&op->co, cx,
		   scan(&op->scan, fs, &op->old_dir->inode, op->old_dir->ino,
			SCAN_FIND, op->old_name),
		   r);
	if (r == 0)
		r = -EIO;
	if (r < 0)
		goto out;
	keel_spin_lock(&fs->lock);
	scan_remove_locked(&op->scan);
	if (op->is_dir) {
		/* src's ".." moves to new_dir; a replaced directory's goes. */
		if (op->moving) {
			op->old_dir->inode.links--;
			if (!op->replacing)
				op->new_dir->inode.links++;
		} else if (op->replacing) {
			op->old_dir->inode.links--;
		}
	}
	dir_changed_locked(op->old_dir);
	if (op->moving)
		dir_changed_locked(op->new_dir);
	src->inode->ctime = ext2_now(fs);
	if (src->node)
		ext2_node_store_locked(src->node);
	keel_spin_unlock(&fs->lock);
	scan_unpin(&op->scan);
	KEEL_AWAIT(&op->co, cx, target_save(src, fs, false), r);
	if (r < 0)
		goto out;
	if (op->is_dir && op->moving) {
		KEEL_AWAIT(
		    &op->co, cx,
		    scan(&op->scan, fs, src->inode, src->ino, SCAN_FIND, ".."),
		    r);
		if (r == 0)
			r = -EIO;
		if (r < 0)
			goto out;
		scan_relink(&op->scan, op->new_dir->ino, EXT2_FT_DIR);
	}
	r = 0;
	if (op->replacing) {
		keel_spin_lock(&fs->lock);
		destroy = target_unlinked_locked(t, fs);
		keel_spin_unlock(&fs->lock);
		KEEL_AWAIT(&op->co, cx, target_save(t, fs, destroy), r);
	}
out:
	scan_unpin(&op->scan);
	scan_unpin(&op->tscan);
	KEEL_ASYNC_END(&op->co, &op->base, vfs_result(r));
}

static void rename_drop(struct keel_future *future)
{
	struct rename_op *op = (struct rename_op *)future;

	keel_async_drop(&op->co);
	scan_unpin(&op->scan);
	scan_unpin(&op->tscan);
	kfree(op);
}

static const struct keel_future_vtable rename_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "ext2-rename",
    .poll = rename_poll,
    .drop = rename_drop,
};

struct keel_int_future *ext2_rename(struct keel_vnode *old_dir,
				    const char *old_name,
				    struct keel_vnode *new_dir,
				    const char *new_name)
{
	struct rename_op *op;

	if (strlen(new_name) > EXT2_NAME_LEN)
		return keel_future_ready(-ENAMETOOLONG);
	op = kmalloc(sizeof(*op));
	if (!op)
		return NULL;
	op->base.future.vtable = &rename_vtable;
	op->fs = ext2_node_of(old_dir)->fs;
	op->old_dir = ext2_node_of(old_dir);
	op->new_dir = ext2_node_of(new_dir);
	op->old_name = old_name;
	op->new_name = new_name;
	return &op->base;
}
