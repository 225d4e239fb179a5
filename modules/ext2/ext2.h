/*
 * ext2.h - what the files of the ext2 module share.
 *
 * The module is two layers.  Below, ondisk.h: the format as pure functions
 * over block buffers (super.c, group.c, inode.c, bmap.c, dir.c, bitmap.c,
 * message.c), tested on the host.  Above, the files declared here, which
 * turn every VFS operation into a future and drive the pure functions
 * from it:
 *
 *   cache.c    the block cache: one buffer per block, one read in flight
 *              per block however many operations want it
 *   writeback.c  writing buffers: one write in flight per buffer, the
 *              buffer pinned meanwhile; write-back of dirty ones at sync
 *   disk.c     a block's read or write as a disk future (synchronous mode)
 *   alloc.c    taking and giving back blocks and inodes (bitmaps)
 *   map.c      logical to physical blocks, allocating; freeing a file's
 *              blocks (the walks of bmap.c, awaited)
 *   fs.c       mount, unmount, statfs and sync of a volume
 *   vnode.c    in-memory inodes: read_node, release, getattr
 *   file.c     read (many blocks in flight at once), write, truncate,
 *              readlink
 *   namei.c    directories: lookup, readdir, create, symlink, unlink,
 *              rmdir, rename
 *   rwlock.c   a file's readers-writer lock, held across awaits
 *   module.c   the module: parameters, the filesystem type
 *
 * Futures.  Each operation is a struct whose first member is the int
 * future the VFS polls, followed by its coroutine state (keel/async.h) and
 * every variable that lives across an await.  Steps that several
 * operations need (get a block, allocate a block, map a block) are
 * futures too, *embedded* in the operation's struct rather than allocated:
 * their drop() releases what they hold but frees nothing, so awaiting them
 * costs no allocation and cannot fail for lack of memory.
 *
 * Locking.  The VFS runs namespace operations (lookup, create, unlink,
 * rmdir, rename, read_node, release) one at a time per mount, and data
 * operations (read, write, truncate, readdir, getattr, statfs, sync) in any
 * number beside them (keel/vfs.h).  So:
 *
 *   fs->lock     a spinlock over everything in memory: the cache's table,
 *                each buffer's state and contents, the superblock and
 *                group descriptors, each node's inode.  Taken for a few
 *                hundred instructions at most (one pure function on one
 *                block) and never across an await.
 *   node->rw     the file's readers-writer lock (rwlock.c), held across
 *                awaits: reads share it, write and truncate hold it
 *                alone, so a read never copies out a block that was
 *                freed (or newly taken) under it, and a file's block map
 *                changes one operation at a time.
 *   fs->sync_lock  one write-back at a time.
 *   fs->io_lock  in synchronous mode only: one disk request at a time.
 *
 * Allocation needs no async mutex: a group is chosen, its bitmap awaited,
 * then the bit taken under fs->lock, which re-checks that it is still
 * free (another operation may have won the race; then the next group).
 */
#ifndef KEEL_EXT2_H
#define KEEL_EXT2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <keel/async.h>
#include <keel/block.h>
#include <keel/errno.h>
#include <keel/future.h>
#include <keel/log.h>
#include <keel/memory.h>
#include <keel/spinlock.h>
#include <keel/string.h>
#include <keel/sync.h>
#include <keel/vfs.h>

#include "ondisk.h"

/* ---- parameters (module.c) ----------------------------------------------- */

#define EXT2_DEPTH_MAX 64

/* Block reads one file read keeps in flight: `depth`, or 1 in sync mode. */
uint32_t ext2_read_depth(void);
/* Synchronous mode (`sync_io=1`): one disk request at a time. */
bool ext2_sync_mode(void);
/* Buffers the cache keeps when nothing pins them (`cache_blocks`). */
uint32_t ext2_cache_limit(void);

/*
 * Suspend the coroutine until its waker is woken: whatever it polled by
 * hand before (several futures at once) holds a clone of the waker.
 */
#define EXT2_SUSPEND(co)                                                       \
	do {                                                                   \
		(co)->resume = __LINE__;                                       \
		return KEEL_PENDING;                                           \
	case __LINE__:;                                                        \
	} while (0)

/* ---- the block cache (cache.c) ------------------------------------------- */

enum ext2_buf_state {
	EXT2_BUF_EMPTY,	  /* no contents yet */
	EXT2_BUF_READING, /* one read in flight, owned by one get */
	EXT2_BUF_VALID,	  /* contents are the block's */
	EXT2_BUF_FAILED,  /* the read failed: `error`, until unpinned */
};

struct ext2_get;
struct ext2_buf_write;

/* One cached block. */
struct ext2_buf {
	struct ext2_buf *hash_next;	      /* in fs->hash[block % N] */
	struct ext2_buf *lru_prev, *lru_next; /* fs->lru, oldest first */
	uint32_t block;
	uint32_t pins; /* holders: gets under way and callers */
	uint8_t state; /* enum ext2_buf_state */
	bool dirty;    /* changed since last written (metadata only) */
	int16_t error; /* EXT2_BUF_FAILED: the read's result */
	struct keel_int_future *io; /* the read, while READING */
	struct ext2_get *owner;	    /* the get that polls `io` */
	struct ext2_get *waiters;   /* other gets waiting for the read */
	uint8_t *data;		    /* block_size bytes */

	/* Writing (writeback.c): at most one disk write in flight. */
	struct keel_int_future *write_io;   /* it; holds a pin of its own */
	struct ext2_buf_write *writer;	    /* who polls it; NULL: nobody */
	struct ext2_buf_write *write_queue; /* writes waiting for it */
};

#define EXT2_HASH_SIZE 256

/*
 * Getting a block: a future embedded in its user.  READY with 0 when *out
 * is the pinned buffer (the caller calls ext2_put once), or a negative
 * errno (nothing pinned).  EXT2_GET_NEW is for a block just allocated:
 * its old contents are junk, so it is not read; the buffer is zeroed.
 */
struct ext2_get {
	struct keel_int_future base;
	struct ext2_fs *fs;
	struct ext2_buf *buf; /* pinned from start to READY or drop */
	struct ext2_buf **out;
	struct ext2_get *next;	 /* in buf->waiters */
	struct keel_waker waker; /* while in buf->waiters */
	bool waiting;
	bool fresh;
	int error; /* from start: -ENOMEM */
};

#define EXT2_GET_READ false
#define EXT2_GET_NEW  true

struct keel_int_future *ext2_get(struct ext2_get *get, struct ext2_fs *fs,
				 uint32_t block, bool fresh,
				 struct ext2_buf **out);

/* Unpin a buffer from a get; NULL does nothing. */
void ext2_put(struct ext2_fs *fs, struct ext2_buf *buf);

/* Mark a pinned buffer changed; fs->lock held. */
void ext2_buf_dirty_locked(struct ext2_fs *fs, struct ext2_buf *buf);

/* Set up and tear down the cache of a mount (nothing may be pinned). */
int ext2_cache_init(struct ext2_fs *fs);
void ext2_cache_destroy(struct ext2_fs *fs);

/* ---- writing buffers back (writeback.c) ---------------------------------- */

/*
 * Write a buffer to its block: the only way anything reaches the disk.
 * The caller holds a pin on `buf` (and may put it as soon as this
 * returns: the write takes a pin of its own until it is READY or
 * dropped).  The write copies the buffer's contents when it starts, and
 * takes the buffer's dirty mark then; a write that fails gives the mark
 * back.  Writes of one buffer go to the disk one at a time, in the order
 * they start, so the block always ends with the contents of the last
 * write started; and while one is in flight the buffer stays pinned,
 * so a read of the block finds it in the cache instead of fetching what
 * the disk held before.  READY with 0 or the disk's error.
 *
 * Dropping it before READY marks the buffer dirty (what it was to carry
 * goes at the next sync); a disk write it had started goes on, and the
 * next write of the buffer waits for it.  NULL: no memory, and the
 * buffer is marked dirty likewise.  fs->lock not held.
 */
struct keel_int_future *ext2_buf_write(struct ext2_fs *fs,
				       struct ext2_buf *buf);

/*
 * Write every dirty buffer, up to `depth` at a time, then flush the disk.
 * A future embedded in its user (struct ext2_writeback).
 */
struct ext2_writeback {
	struct keel_int_future base;
	struct keel_async co;
	struct ext2_fs *fs;
	struct ext2_buf **list; /* pinned dirty buffers, not yet written */
	uint32_t count, next, inflight;
	struct keel_int_future *writes[EXT2_DEPTH_MAX];
	int64_t result;
};

struct keel_int_future *ext2_writeback(struct ext2_writeback *wb,
				       struct ext2_fs *fs);

/* ---- the disk (disk.c) ------------------------------------------------- */

/*
 * A disk read or write of one block, honouring synchronous mode: the
 * cache's reads and writeback.c's writes only (nothing else may write
 * behind the cache's back).
 */
struct keel_int_future *ext2_disk_read(struct ext2_fs *fs, uint32_t block,
				       void *data);
struct keel_int_future *ext2_disk_write(struct ext2_fs *fs, uint32_t block,
					const void *data);

/* ---- a mounted volume (fs.c) --------------------------------------------- */

struct ext2_node;
struct ext2_sync_op;

struct ext2_fs {
	struct keel_spinlock lock;
	struct keel_block_device *dev;
	char device[16]; /* for messages: "vda" */
	bool read_only;
	struct ext2_super sb;
	struct ext2_group *groups;  /* sb.group_count of them */
	struct ext2_buf **gdt;	    /* the descriptor blocks, pinned */
	struct ext2_buf *super_buf; /* the block holding the superblock */
	uint32_t super_offset;	    /* of the superblock in that block */
	bool super_dirty;	    /* counts changed: encode at sync */

	/* The cache. */
	struct ext2_buf *hash[EXT2_HASH_SIZE];
	struct ext2_buf *lru_first, *lru_last;
	uint32_t buffers, dirty;

	/* Nodes the VFS holds (read_node to release). */
	struct ext2_node *nodes;

	struct keel_async_mutex sync_lock;
	struct keel_async_mutex io_lock;

	/* Set aside at mount so that unmount cannot fail for memory. */
	struct ext2_sync_op *unmount_op;

	/* Without a wall clock: the volume's last write time plus uptime. */
	uint32_t time_base;
	uint64_t time_base_ns;
};

/* Seconds since 1970, as well as Keel knows it (see fs.c). */
uint32_t ext2_now(struct ext2_fs *fs);

/* Log one line about the volume: "ext2: vda: <text>". */
void ext2_report(struct ext2_fs *fs, const struct ext2_msg *m);

/* The volume's sync, as a future (sync and unmount use it). */
struct keel_int_future *ext2_fs_sync(struct keel_mount *mount);

/* ---- allocation (alloc.c) ------------------------------------------------ */

/*
 * Take a free block near `goal` (a block number; 0: anywhere) or a free
 * inode in a group chosen for `parent`, as futures embedded in their user.
 * READY with the block or inode number, or -ENOSPC / -EUCLEAN / -EIO.
 */
struct ext2_alloc {
	struct keel_int_future base;
	struct keel_async co;
	struct ext2_fs *fs;
	struct ext2_get get;
	struct ext2_buf *bitmap;
	uint32_t goal, group, tries;
	bool inode, is_dir;
	struct ext2_msg msg;
};

struct keel_int_future *ext2_alloc_block(struct ext2_alloc *a,
					 struct ext2_fs *fs, uint32_t goal);
struct keel_int_future *ext2_alloc_inode(struct ext2_alloc *a,
					 struct ext2_fs *fs, uint32_t parent,
					 bool is_dir);

/* Give a block or an inode back: READY with 0 or a negative errno. */
struct ext2_release_bit {
	struct keel_int_future base;
	struct keel_async co;
	struct ext2_fs *fs;
	struct ext2_get get;
	struct ext2_buf *bitmap;
	uint32_t number;
	bool inode, is_dir;
	struct ext2_msg msg;
};

struct keel_int_future *ext2_free_block(struct ext2_release_bit *r,
					struct ext2_fs *fs, uint32_t block);
struct keel_int_future *ext2_free_inode(struct ext2_release_bit *r,
					struct ext2_fs *fs, uint32_t ino,
					bool is_dir);

/* ---- block maps (map.c) -------------------------------------------------- */

/*
 * The physical block behind logical block `logical` of `inode` (whose
 * pointers are in memory), allocating the path when `create`: READY with
 * the block number, 0 for a hole, or a negative errno.  *fresh (when
 * create) says the data block was just allocated.  Changes to inode's
 * pointers and i_blocks are made under fs->lock; the caller writes the
 * inode back.  `ino` places new blocks near the inode's group.
 */
struct ext2_mapper {
	struct keel_int_future base;
	struct keel_async co;
	struct ext2_fs *fs;
	struct ext2_inode *inode;
	uint32_t ino;
	struct ext2_map map;
	struct ext2_get get;
	struct ext2_buf *buf; /* the indirect block being walked */
	struct ext2_alloc alloc;
	bool *fresh;
	int step;
	struct ext2_msg msg;
};

struct keel_int_future *ext2_bmap(struct ext2_mapper *mp, struct ext2_fs *fs,
				  struct ext2_inode *inode, uint32_t ino,
				  uint64_t logical, bool create, bool *fresh);

/*
 * Free every block of `inode` from logical block `keep` on (keep 0: all,
 * indirect blocks too), updating its pointers and i_blocks under fs->lock.
 * READY with 0 or a negative errno.
 */
struct ext2_trunc {
	struct keel_int_future base;
	struct keel_async co;
	struct ext2_fs *fs;
	struct ext2_inode *inode;
	struct ext2_truncate walk;
	struct ext2_get get;
	struct ext2_buf *buf;
	struct ext2_release_bit release;
	int step;
	struct ext2_msg msg;
};

struct keel_int_future *ext2_free_blocks(struct ext2_trunc *t,
					 struct ext2_fs *fs,
					 struct ext2_inode *inode,
					 uint64_t keep);

/* ---- a file's readers-writer lock (rwlock.c) ---------------------------- */

struct ext2_rw_wait;

/* Held across awaits; `guard` only for a few instructions. */
struct ext2_rwlock {
	struct keel_spinlock guard;
	uint32_t readers;		   /* holders sharing it (guard) */
	bool writer;			   /* held alone (guard) */
	struct ext2_rw_wait *first, *last; /* waiting, oldest first (guard) */
};

/*
 * Taking the lock: a future embedded in its user, READY with 0 once the
 * user holds it (shared, or alone when `exclusive`); the user then calls
 * ext2_rwlock_unlock once with the same `exclusive`.  Dropping it before
 * READY gives back whatever it was handed.
 */
struct ext2_rw_wait {
	struct keel_int_future base;
	struct ext2_rwlock *lock;
	struct ext2_rw_wait *next; /* in lock's queue (guard) */
	struct keel_waker waker;   /* while queued (guard) */
	bool exclusive;
	uint8_t state; /* (guard) */
};

void ext2_rwlock_init(struct ext2_rwlock *lock);
struct keel_int_future *ext2_rwlock_lock(struct ext2_rw_wait *w,
					 struct ext2_rwlock *lock,
					 bool exclusive);
void ext2_rwlock_unlock(struct ext2_rwlock *lock, bool exclusive);

/* ---- nodes (vnode.c) ----------------------------------------------------- */

struct ext2_reaper;

/* An inode the VFS holds (keel_vnode.private). */
struct ext2_node {
	struct ext2_node *next; /* in fs->nodes */
	struct ext2_fs *fs;
	uint32_t ino;
	struct ext2_inode inode; /* the truth while the node lives */
	struct ext2_buf *itable; /* its inode table block, pinned */
	uint32_t itable_offset;
	struct ext2_rwlock rw;	    /* reads shared; write, truncate alone */
	struct ext2_reaper *reaper; /* set once the last name went */
};

/* The node the VFS holds for `ino`, or NULL; fs->lock held. */
struct ext2_node *ext2_node_find_locked(struct ext2_fs *fs, uint32_t ino);

/* Write node->inode into its inode table block; fs->lock held. */
void ext2_node_store_locked(struct ext2_node *node);

/*
 * Prepare the freeing of `node` at release, before its last name goes
 * (so that release cannot fail for memory).  0 or -ENOMEM.
 */
int ext2_node_doom(struct ext2_node *node);

/*
 * Reading and writing one inode that may have no node (a file unlinked
 * while nobody holds it): futures embedded in their user.  inode_read
 * decodes into *out; inode_write encodes *in (the block is read first).
 */
struct ext2_inode_io {
	struct keel_int_future base;
	struct keel_async co;
	struct ext2_fs *fs;
	uint32_t ino, block, offset;
	struct ext2_inode *inode;
	bool write, init; /* init: a new inode, its raw bytes reset */
	struct ext2_get get;
	struct ext2_buf *buf;
	struct ext2_msg msg;
};

struct keel_int_future *ext2_inode_read(struct ext2_inode_io *io,
					struct ext2_fs *fs, uint32_t ino,
					struct ext2_inode *out);
struct keel_int_future *ext2_inode_write(struct ext2_inode_io *io,
					 struct ext2_fs *fs, uint32_t ino,
					 struct ext2_inode *in, bool init);

/*
 * Free an inode whose last name is gone and that no node holds any more:
 * its blocks, its attribute block, its bitmap bit.  Embedded future.
 */
struct ext2_destroy {
	struct keel_int_future base;
	struct keel_async co;
	struct ext2_fs *fs;
	uint32_t ino;
	struct ext2_inode *inode;
	struct ext2_trunc trunc;
	struct ext2_get get;
	struct ext2_buf *buf;
	struct ext2_release_bit release;
	struct ext2_inode_io io;
	struct ext2_msg msg;
};

struct keel_int_future *ext2_destroy(struct ext2_destroy *d, struct ext2_fs *fs,
				     uint32_t ino, struct ext2_inode *inode);

/* ---- the VFS operations ------------------------------------------------- */

/* fs.c */
struct keel_int_future *ext2_mount(struct keel_mount *mount, const char *source,
				   const char *options);
struct keel_int_future *ext2_unmount(struct keel_mount *mount);
struct keel_int_future *ext2_statfs(struct keel_mount *mount,
				    struct keel_statfs *out);

/* vnode.c */
struct keel_int_future *ext2_read_node(struct keel_mount *mount,
				       struct keel_vnode *vnode);
struct keel_int_future *ext2_release(struct keel_vnode *vnode);
struct keel_int_future *ext2_getattr(struct keel_vnode *vnode,
				     struct keel_stat *out);
struct keel_int_future *ext2_node_sync(struct keel_vnode *vnode);

/* file.c */
struct keel_int_future *ext2_read(struct keel_vnode *vnode, void *buffer,
				  uint64_t length, uint64_t offset);
struct keel_int_future *ext2_write(struct keel_vnode *vnode, const void *buffer,
				   uint64_t length, uint64_t offset);
struct keel_int_future *ext2_truncate(struct keel_vnode *vnode, uint64_t size);
struct keel_int_future *ext2_readlink(struct keel_vnode *vnode, char *buffer,
				      uint64_t size);

/* namei.c */
struct keel_int_future *ext2_lookup(struct keel_vnode *dir, const char *name,
				    uint64_t *ino);
struct keel_int_future *ext2_readdir(struct keel_vnode *dir, uint64_t *cookie,
				     struct keel_dirent *out);
struct keel_int_future *ext2_create(struct keel_vnode *dir, const char *name,
				    uint32_t type, uint32_t mode,
				    uint64_t *ino);
struct keel_int_future *ext2_symlink(struct keel_vnode *dir, const char *name,
				     const char *target, uint64_t *ino);
struct keel_int_future *ext2_unlink(struct keel_vnode *dir, const char *name);
struct keel_int_future *ext2_rmdir(struct keel_vnode *dir, const char *name);
struct keel_int_future *ext2_rename(struct keel_vnode *old_dir,
				    const char *old_name,
				    struct keel_vnode *new_dir,
				    const char *new_name);

/* ---- small helpers ------------------------------------------------------- */

static inline struct ext2_fs *ext2_fs_of(struct keel_mount *mount)
{
	return mount->private;
}

static inline struct ext2_node *ext2_node_of(struct keel_vnode *vnode)
{
	return vnode->private;
}

/*
 * The VFS's node type of an inode: directories and symbolic links are
 * themselves; files, devices, fifos and sockets are KEEL_NODE_FILE (the
 * latter read as empty and cannot be written).
 */
static inline uint32_t ext2_vfs_type(const struct ext2_inode *inode)
{
	if (ext2_is_dir(inode))
		return KEEL_NODE_DIR;
	return ext2_is_symlink(inode) ? KEEL_NODE_SYMLINK : KEEL_NODE_FILE;
}

/* The first sector of a block. */
static inline uint64_t ext2_sector(const struct ext2_fs *fs, uint32_t block)
{
	return (uint64_t)block << (fs->sb.block_shift - 9);
}

#endif /* KEEL_EXT2_H */
