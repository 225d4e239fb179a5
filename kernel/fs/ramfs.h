/*
 * ramfs.h - the built-in RAM filesystem.
 *
 * Implements <keel/vfs.h> exactly as a loadable filesystem module would; the
 * VFS registers it at boot and mounts one instance as the root.  The
 * structures below are shared by ramfs.c (nodes and directories) and
 * ramfs_data.c (file contents); nothing else looks inside them.
 *
 * Locking: everything reachable from a ramfs_super is guarded by its
 * spinlock, which ramfs.c holds for the whole of each operation (an
 * operation never waits, so it never holds it across an await).
 */
#ifndef KEEL_FS_RAMFS_H
#define KEEL_FS_RAMFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <keel/vfs.h>

#include "lib/list.h"
#include "mm/page.h"
#include "sync/spinlock.h"

/* File data lives in zeroed chunks of this size, allocated on first write. */
#define RAMFS_CHUNK_SIZE PAGE_SIZE
/* Largest file: keeps one file's chunk table at most 128 KiB. */
#define RAMFS_MAX_FILE_SIZE (64ul << 20)
#define RAMFS_MAX_CHUNKS (RAMFS_MAX_FILE_SIZE / RAMFS_CHUNK_SIZE)
/* Buckets of the inode-number hash (a power of two). */
#define RAMFS_HASH_BUCKETS 64

/* One mounted ramfs (keel_mount.private). */
struct ramfs_super {
	struct spinlock lock; /* guards everything of this instance */
	struct list buckets[RAMFS_HASH_BUCKETS]; /* ramfs_node by hash_link */
	uint64_t next_ino;    /* inode numbers are never reused */
	uint64_t bytes_limit; /* from "size=", 0 for no limit */
	uint64_t bytes_used;  /* chunks held, in bytes */
	uint64_t node_count;
};

/* One file or directory (keel_vnode.private while the VFS caches it). */
struct ramfs_node {
	struct ramfs_super *super;
	struct list hash_link;
	uint64_t ino;
	uint32_t type;   /* KEEL_NODE_FILE or KEEL_NODE_DIR */
	uint32_t mode;   /* permission bits */
	uint32_t nlink;  /* names (directories: 2 + subdirectories) */
	bool has_vnode;  /* the VFS holds a vnode: free only at release */

	/* Files: chunk i holds bytes [i * CHUNK, (i + 1) * CHUNK). */
	uint64_t size;
	void **chunks;      /* table of chunk_slots entries; NULL = hole */
	size_t chunk_slots;
	size_t chunk_count; /* non-NULL entries */

	/* Directories */
	struct list entries;       /* ramfs_entry by link, cookie order */
	size_t entry_count;
	uint64_t next_cookie;      /* readdir position of the next entry */
	struct ramfs_node *parent; /* the root's parent is itself */
};

/* A name in a directory. */
struct ramfs_entry {
	struct list link;
	struct ramfs_node *node;
	uint64_t cookie;      /* increases along the list */
	uint32_t name_length;
	char name[];          /* NUL-terminated */
};

extern const struct keel_fs_type ramfs_fs_type;

/*
 * ramfs_data.c: file contents, with the instance's lock held.  The same
 * contracts as the keel_vnode_ops, but answering at once.
 */
int64_t ramfs_data_read(struct ramfs_node *file, void *buffer, uint64_t length,
			uint64_t offset);
int64_t ramfs_data_write(struct ramfs_node *file, const void *buffer,
			 uint64_t length, uint64_t offset);
int ramfs_data_truncate(struct ramfs_node *file, uint64_t size);
/* Free every chunk and the table (the file is being deleted). */
void ramfs_data_free(struct ramfs_node *file);

#endif /* KEEL_FS_RAMFS_H */
