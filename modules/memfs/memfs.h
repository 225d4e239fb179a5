/*
 * memfs.h - what the files of the memfs module share.
 *
 * memfs keeps a whole filesystem in kernel memory: a list of nodes per
 * mounted instance, a list of named entries per directory, one growing
 * buffer per file.  It is written against <keel/...> only, as every module
 * must be, and is meant to be read: each file is one noun.
 *
 *   memfs.c   the module, the filesystem type, nodes, and every operation
 *             as the VFS calls it (returning a future)
 *   dir.c     directories: lookup, create, readdir, unlink, rmdir, rename
 *   data.c    file contents: read, write, truncate
 *
 * Everything an instance holds is guarded by its spinlock (super->lock).
 * memfs never waits for anything, so every operation takes the lock, does
 * all its work, drops the lock and returns a future that is already READY:
 * the lock is never held across an await.  The functions in dir.c and
 * data.c run with the lock held and answer plain ints.
 */
#ifndef MEMFS_H
#define MEMFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <keel/spinlock.h>
#include <keel/vfs.h>

/* Largest file: one contiguous buffer each, so keep them small. */
#define MEMFS_MAX_FILE_SIZE (1ul << 20)

struct memfs_node;

/* One mounted instance (keel_mount.private). */
struct memfs_super {
	struct keel_spinlock lock; /* guards everything of this instance */
	struct memfs_node *nodes;  /* every node, through node->next */
	uint64_t next_ino;	   /* inode numbers are never reused */
	uint64_t node_count;
	uint64_t bytes_used; /* file buffers held, in bytes */
};

/* A name in a directory. */
struct memfs_entry {
	struct memfs_entry *next; /* the directory's entries, in cookie order */
	struct memfs_node *node;  /* what the name refers to */
	uint64_t cookie;	  /* readdir position; grows along the list */
	uint32_t name_length;
	char name[]; /* NUL-terminated */
};

/* A file or a directory (keel_vnode.private while the VFS caches it). */
struct memfs_node {
	struct memfs_super *super;
	struct memfs_node *prev, *next; /* in super->nodes */
	uint64_t ino;
	uint32_t type;	/* KEEL_NODE_FILE or KEEL_NODE_DIR */
	uint32_t mode;	/* permission bits */
	uint32_t nlink; /* names; a directory has 2 + its subdirectories */
	bool has_vnode; /* the VFS holds a vnode: free only at release */

	/* Files: bytes [0, size) of data are the file, the rest is zero. */
	char *data;
	uint64_t size;
	uint64_t capacity;

	/* Directories */
	struct memfs_entry *entries;
	uint64_t entry_count;
	uint64_t next_cookie;
	struct memfs_node *parent; /* the root's parent is itself */
};

/* ---- memfs.c: nodes ----------------------------------------------------- */

/* A new node with no name yet (nlink 0), or NULL when out of memory. */
struct memfs_node *memfs_node_new(struct memfs_super *super, uint32_t type,
				  uint32_t mode);
/* One name fewer for `node` (which was in `dir`); free it if unused. */
void memfs_node_unlinked(struct memfs_node *dir, struct memfs_node *node);

/* ---- dir.c: directories (the lock held) --------------------------------- */

int memfs_dir_lookup(struct memfs_node *dir, const char *name, uint64_t *ino);
int memfs_dir_create(struct memfs_node *dir, const char *name, uint32_t type,
		     uint32_t mode, uint64_t *ino);
int memfs_dir_readdir(struct memfs_node *dir, uint64_t *cookie,
		      struct keel_dirent *out);
int memfs_dir_unlink(struct memfs_node *dir, const char *name);
int memfs_dir_rmdir(struct memfs_node *dir, const char *name);
int memfs_dir_rename(struct memfs_node *old_dir, const char *old_name,
		     struct memfs_node *new_dir, const char *new_name);
/* Free every entry of a directory that is going away. */
void memfs_dir_free(struct memfs_node *dir);

/* ---- data.c: file contents (the lock held) ------------------------------ */

int64_t memfs_file_read(struct memfs_node *file, void *buffer, uint64_t length,
			uint64_t offset);
int64_t memfs_file_write(struct memfs_node *file, const void *buffer,
			 uint64_t length, uint64_t offset);
int memfs_file_truncate(struct memfs_node *file, uint64_t size);
/* Free the contents of a file that is going away. */
void memfs_file_free(struct memfs_node *file);

/* ---- bytes and strings ---------------------------------------------------
 *
 * A module has no C library: these few helpers are all memfs needs.  GCC
 * may turn a byte loop back into a call to memcpy or memset, which no
 * module can link against; the attribute tells it not to.
 */
#if defined(__GNUC__) && !defined(__clang__)
#define MEMFS_PLAIN_LOOP                                                       \
	__attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define MEMFS_PLAIN_LOOP
#endif

static inline MEMFS_PLAIN_LOOP void memfs_copy(void *to, const void *from,
					       size_t n)
{
	char *d = to;
	const char *s = from;

	while (n--)
		*d++ = *s++;
}

static inline MEMFS_PLAIN_LOOP void memfs_zero(void *to, size_t n)
{
	char *d = to;

	while (n--)
		*d++ = 0;
}

static inline MEMFS_PLAIN_LOOP size_t memfs_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static inline MEMFS_PLAIN_LOOP bool memfs_streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

#endif /* MEMFS_H */
