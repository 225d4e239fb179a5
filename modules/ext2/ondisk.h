/*
 * ondisk.h - the ext2 on-disk format, as pure functions over block buffers.
 *
 * Nothing here does I/O, sleeps, allocates or keeps global state: every
 * function takes the bytes of a block (or of the superblock) that its
 * caller has read, decodes or changes them, and says what it needs next.
 * The module drives these functions from futures (each "needs block N" is
 * an await on the block cache); the host tests drive the very same
 * functions over an image file in memory.  So the format is tested on the
 * host against images that e2fsprogs made and checked, and the kernel runs
 * the tested code.
 *
 * The volume, as this code sees it (revision 1, block size B = 1, 2 or 4
 * KiB, all numbers little-endian):
 *
 *   byte 1024          the superblock (1024 bytes): counts, geometry,
 *                      feature flags.  With B = 1 KiB it is block 1 and
 *                      block 0 is the boot block; otherwise it sits inside
 *                      block 0.  first_data_block says which (1 or 0).
 *   block groups       the blocks from first_data_block on are cut into
 *                      groups of blocks_per_group blocks (the last one may
 *                      be shorter).  Group g starts at first_data_block +
 *                      g * blocks_per_group.  Groups 0, 1 and powers of 3,
 *                      5 and 7 ("sparse_super") begin with a backup of the
 *                      superblock and of the group descriptor table, then
 *                      the reserved GDT blocks (room for online resizing).
 *   descriptor table   right after the primary superblock: one 32-byte
 *                      descriptor per group naming its block bitmap, inode
 *                      bitmap and inode table, and its free counts.
 *   block bitmap       one bit per block of the group, 1 = in use.
 *   inode bitmap       one bit per inode of the group.
 *   inode table        inodes_per_group inodes of inode_size bytes.
 *                      Inode numbers start at 1: inode i lives in group
 *                      (i - 1) / inodes_per_group.  Inode 2 is the root;
 *                      1..first_ino-1 are reserved.
 *   data blocks        the rest: file contents, directory blocks, indirect
 *                      blocks.
 *
 * An inode holds 15 block pointers: 12 direct, then one single-, one
 * double- and one triple-indirect block, each indirect block an array of
 * B/4 pointers (see bmap.c).  A pointer 0 is a hole.  A directory is a
 * file whose blocks hold linked entries (see dir.c).  A symlink of fewer
 * than 60 bytes keeps its target in the pointers' own bytes ("fast").
 *
 * Errors.  Every decoder validates what it reads: a value that cannot be
 * right gives -EUCLEAN (a corrupt volume) or -EINVAL (not ext2, or a
 * feature this code does not speak), and fills a struct ext2_msg, when the
 * caller passes one, with one line naming what is wrong ("group 3: inode
 * table 70001..70256 outside the group").  No input, however corrupt, may
 * make these functions read or write outside the buffers they were given.
 */
#ifndef KEEL_EXT2_ONDISK_H
#define KEEL_EXT2_ONDISK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <keel/errno.h>

/* ---- constants of the format ------------------------------------------- */

#define EXT2_SUPER_OFFSET	 1024 /* byte offset of the primary superblock */
#define EXT2_SUPER_SIZE		 1024 /* bytes of superblock read and written */
#define EXT2_MAGIC		 0xEF53
#define EXT2_DYNAMIC_REV	 1 /* the only revision spoken */
#define EXT2_MIN_BLOCK_SIZE	 1024
#define EXT2_MAX_BLOCK_SIZE	 4096
#define EXT2_GOOD_OLD_INODE_SIZE 128
#define EXT2_GOOD_OLD_FIRST_INO	 11
#define EXT2_GROUP_DESC_SIZE	 32
#define EXT2_ROOT_INO		 2
#define EXT2_NAME_LEN		 255   /* bytes in a directory entry's name */
#define EXT2_N_BLOCKS		 15    /* block pointers in an inode */
#define EXT2_NDIR_BLOCKS	 12    /* of which direct */
#define EXT2_IND_BLOCK		 12    /* single indirect */
#define EXT2_DIND_BLOCK		 13    /* double indirect */
#define EXT2_TIND_BLOCK		 14    /* triple indirect */
#define EXT2_FAST_SYMLINK_MAX	 59    /* longest target kept in i_block */
#define EXT2_LINK_MAX		 32000 /* Linux's limit on an ext2 link count */

/* s_state */
#define EXT2_VALID_FS 0x0001 /* cleanly unmounted */
#define EXT2_ERROR_FS 0x0002 /* errors detected */

/* Feature flags: compatible (anyone may mount read-write). */
#define EXT2_FEATURE_COMPAT_DIR_PREALLOC  0x0001
#define EXT2_FEATURE_COMPAT_IMAGIC_INODES 0x0002
#define EXT2_FEATURE_COMPAT_HAS_JOURNAL	  0x0004
#define EXT2_FEATURE_COMPAT_EXT_ATTR	  0x0008
#define EXT2_FEATURE_COMPAT_RESIZE_INODE  0x0010
#define EXT2_FEATURE_COMPAT_DIR_INDEX	  0x0020
#define EXT2_FEATURE_COMPAT_SPARSE_SUPER2 0x0200
#define EXT2_FEATURE_COMPAT_FAST_COMMIT	  0x0400
#define EXT2_FEATURE_COMPAT_ORPHAN_FILE	  0x1000

/* Read-only compatible (a reader who does not know them may still read). */
#define EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER 0x0001
#define EXT2_FEATURE_RO_COMPAT_LARGE_FILE   0x0002

/* Incompatible (a reader who does not know them must not mount). */
#define EXT2_FEATURE_INCOMPAT_FILETYPE 0x0002
#define EXT2_FEATURE_INCOMPAT_RECOVER  0x0004

/* What this code reads and writes. */
#define EXT2_INCOMPAT_SUPPORTED EXT2_FEATURE_INCOMPAT_FILETYPE
#define EXT2_RO_COMPAT_SUPPORTED                                               \
	(EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER |                                 \
	 EXT2_FEATURE_RO_COMPAT_LARGE_FILE)
/* Compatible features that still forbid writing here (a journal). */
#define EXT2_COMPAT_READ_ONLY                                                  \
	(EXT2_FEATURE_COMPAT_HAS_JOURNAL | EXT2_FEATURE_COMPAT_FAST_COMMIT |   \
	 EXT2_FEATURE_COMPAT_ORPHAN_FILE)

/* i_mode: the file type in the top four bits, then permissions. */
#define EXT2_S_IFMT	   0xF000
#define EXT2_S_IFSOCK	   0xC000
#define EXT2_S_IFLNK	   0xA000
#define EXT2_S_IFREG	   0x8000
#define EXT2_S_IFBLK	   0x6000
#define EXT2_S_IFDIR	   0x4000
#define EXT2_S_IFCHR	   0x2000
#define EXT2_S_IFIFO	   0x1000
#define EXT2_S_PERMISSIONS 07777

/* i_flags that change how an inode's blocks are read. */
#define EXT2_INDEX_FL	    0x00001000 /* hashed directory (htree) */
#define EXT2_HUGE_FILE_FL   0x00040000 /* i_blocks in fs blocks */
#define EXT2_EXTENTS_FL	    0x00080000 /* ext4 extent tree */
#define EXT2_EA_INODE_FL    0x00200000 /* holds a large xattr value */
#define EXT2_INLINE_DATA_FL 0x10000000 /* data inside the inode */

/* Directory entry file types (with the filetype feature). */
#define EXT2_FT_UNKNOWN	 0
#define EXT2_FT_REG_FILE 1
#define EXT2_FT_DIR	 2
#define EXT2_FT_CHRDEV	 3
#define EXT2_FT_BLKDEV	 4
#define EXT2_FT_FIFO	 5
#define EXT2_FT_SOCK	 6
#define EXT2_FT_SYMLINK	 7
#define EXT2_FT_MAX	 8

/* ---- little-endian access ---------------------------------------------- */

static inline uint16_t ext2_get16(const void *base, size_t offset)
{
	const uint8_t *p = (const uint8_t *)base + offset;

	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t ext2_get32(const void *base, size_t offset)
{
	const uint8_t *p = (const uint8_t *)base + offset;

	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline void ext2_put16(void *base, size_t offset, uint16_t value)
{
	uint8_t *p = (uint8_t *)base + offset;

	p[0] = (uint8_t)value;
	p[1] = (uint8_t)(value >> 8);
}

static inline void ext2_put32(void *base, size_t offset, uint32_t value)
{
	uint8_t *p = (uint8_t *)base + offset;

	p[0] = (uint8_t)value;
	p[1] = (uint8_t)(value >> 8);
	p[2] = (uint8_t)(value >> 16);
	p[3] = (uint8_t)(value >> 24);
}

/* ---- messages (message.c) ---------------------------------------------- */

/*
 * One line saying what is wrong, filled by a decoder that fails (or that
 * succeeds with a reservation, such as "mounting read-only").  Callers
 * may pass NULL when they do not want it.
 */
struct ext2_msg {
	char text[160];
};

/*
 * Format into m->text (if m is not NULL): %s %c %d %u %x and %llu/%lld/
 * %llx, with the 'l'/'ll'/'z' modifiers; nothing else.  Truncates.
 */
void ext2_msg_set(struct ext2_msg *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void ext2_msg_vset(struct ext2_msg *m, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Set the message and return -EUCLEAN: the volume is corrupt. */
int ext2_corrupt(struct ext2_msg *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- the superblock (super.c) ------------------------------------------ */

/* The superblock, decoded and checked, plus the geometry it implies. */
struct ext2_super {
	uint32_t inodes_count;
	uint32_t blocks_count;
	uint32_t reserved_blocks;  /* kept for root: s_r_blocks_count */
	uint32_t free_blocks;	   /* kept equal to the groups' sum */
	uint32_t free_inodes;	   /* likewise */
	uint32_t first_data_block; /* 1 with 1 KiB blocks, else 0 */
	uint32_t block_size;	   /* 1024, 2048 or 4096 */
	uint32_t block_shift;	   /* log2(block_size) */
	uint32_t blocks_per_group;
	uint32_t inodes_per_group;
	uint32_t mount_time, write_time; /* seconds since 1970 */
	uint16_t mount_count;
	int16_t max_mount_count;
	uint16_t state;	     /* EXT2_VALID_FS, EXT2_ERROR_FS */
	uint16_t errors;     /* behaviour on errors: 1 go on, 2 ro, 3 panic */
	uint32_t first_ino;  /* first inode number for ordinary files */
	uint32_t inode_size; /* bytes per on-disk inode, 128..block_size */
	uint32_t feature_compat;
	uint32_t feature_incompat;
	uint32_t feature_ro_compat;
	uint16_t reserved_gdt_blocks; /* for online resize, after the GDT */
	uint32_t backup_groups[2];    /* sparse_super2's two backups */
	uint8_t uuid[16];
	char volume_name[17]; /* NUL-terminated */

	/* Derived. */
	uint32_t group_count;
	uint32_t gdt_blocks;	     /* blocks of group descriptors */
	uint32_t inode_table_blocks; /* per group */
	uint32_t inodes_per_block;
	uint32_t pointers_per_block; /* block_size / 4 */
	uint64_t max_file_blocks;    /* what 12 + 1 + 1 + 1 pointers reach */
	uint64_t max_file_size;	     /* bytes: also within i_blocks' reach */
	bool has_filetype;	     /* entries carry a file type byte */
	bool read_only;		     /* a feature forbids writing here */
};

/*
 * Decode and check the 1024 bytes of a superblock.  `device_bytes` is the
 * size of the device (0: unknown, not checked).  Returns 0, -EINVAL for
 * something that is not an ext2 revision 1 volume or uses a feature this
 * code cannot read (each one named), or -EUCLEAN for impossible counts.
 * On success with sb->read_only set, *m says why ("features not supported
 * for writing: ...").  *sb is undefined on failure.
 */
int ext2_super_decode(const uint8_t *raw, uint64_t device_bytes,
		      struct ext2_super *sb, struct ext2_msg *m);

/*
 * Write what this code changes (free counts, state, mount count and
 * times) back into the raw superblock `raw`, leaving every other byte as
 * it was.
 */
void ext2_super_encode(const struct ext2_super *sb, uint8_t *raw);

/*
 * The names of the bits of `mask` in one of the three feature words
 * (0 compat, 1 incompat, 2 ro_compat), space-separated, into buf (always
 * NUL-terminated).  Unnamed bits print as "FEATURE_I0x8000".
 */
void ext2_feature_names(int word, uint32_t mask, char *buf, size_t size);

/* True when `group` holds a backup of the superblock and descriptors. */
bool ext2_group_has_super(const struct ext2_super *sb, uint32_t group);

/* The first block of `group`, and the number of blocks in it. */
uint32_t ext2_group_first_block(const struct ext2_super *sb, uint32_t group);
uint32_t ext2_group_block_count(const struct ext2_super *sb, uint32_t group);

/*
 * Blocks at the start of `group` taken by the superblock copy, the
 * descriptor table and the reserved GDT blocks (0 without a backup).
 */
uint32_t ext2_group_overhead(const struct ext2_super *sb, uint32_t group);

/* ---- group descriptors (group.c) --------------------------------------- */

/* One group descriptor, decoded. */
struct ext2_group {
	uint32_t block_bitmap; /* block numbers */
	uint32_t inode_bitmap;
	uint32_t inode_table; /* first of inode_table_blocks */
	uint16_t free_blocks;
	uint16_t free_inodes;
	uint16_t used_dirs;
	uint16_t flags; /* gdt_csum's INODE_UNINIT...; kept as found */
};

/* Where the descriptor of `group` lives: block and byte offset in it. */
void ext2_group_desc_location(const struct ext2_super *sb, uint32_t group,
			      uint32_t *block, uint32_t *offset);

/*
 * Decode and check the 32-byte descriptor of `group`: its bitmaps and
 * inode table must lie inside the group, after its superblock backup, and
 * not overlap; its counts must fit the group.  Returns 0 or -EUCLEAN.
 */
int ext2_group_decode(const struct ext2_super *sb, uint32_t group,
		      const uint8_t *raw, struct ext2_group *gd,
		      struct ext2_msg *m);

/* Write gd's counts back into the raw descriptor (other bytes kept). */
void ext2_group_encode(const struct ext2_group *gd, uint8_t *raw);

/*
 * Sum the groups' free counts into sb->free_blocks and sb->free_inodes
 * (the superblock's copy is only a hint, as in Linux).
 */
void ext2_super_count_free(struct ext2_super *sb,
			   const struct ext2_group *groups);

/*
 * True when `block` may hold file data or an indirect block: inside the
 * volume and not one of its group's metadata blocks (superblock copy,
 * descriptors, reserved GDT, bitmaps, inode table).
 */
bool ext2_block_is_data(const struct ext2_super *sb,
			const struct ext2_group *groups, uint32_t block);

/*
 * Check a block pointer read from an inode or an indirect block: 0 (a
 * hole) or a data block.  Returns 0 or -EUCLEAN naming the block.
 */
int ext2_check_data_block(const struct ext2_super *sb,
			  const struct ext2_group *groups, uint32_t block,
			  struct ext2_msg *m);

/* ---- bitmaps and allocation (bitmap.c) --------------------------------- */

bool ext2_bit_test(const uint8_t *map, uint32_t bit);
void ext2_bit_set(uint8_t *map, uint32_t bit);
void ext2_bit_clear(uint8_t *map, uint32_t bit);

/*
 * The first clear bit of map[0..bits) at or after `start`, wrapping round
 * to 0; -1 when every bit is set.  `start` >= bits counts as 0.
 */
int64_t ext2_bitmap_find_free(const uint8_t *map, uint32_t bits,
			      uint32_t start);

/* Clear bits in map[0..bits). */
uint32_t ext2_bitmap_count_free(const uint8_t *map, uint32_t bits);

/* The group a block or an inode belongs to (both must be in range). */
uint32_t ext2_block_group(const struct ext2_super *sb, uint32_t block);
uint32_t ext2_inode_group(const struct ext2_super *sb, uint32_t ino);

/*
 * A group in which to allocate a block, looking from `goal_group` on for
 * one with a free block.  Returns the group or -ENOSPC.
 */
int64_t ext2_pick_block_group(const struct ext2_super *sb,
			      const struct ext2_group *groups,
			      uint32_t goal_group);

/*
 * A group in which to allocate an inode.  A directory goes to a group
 * with more free inodes and blocks than average, fewest directories first
 * (spreading directories out); anything else stays near its parent's
 * group.  Returns the group or -ENOSPC.
 */
int64_t ext2_pick_inode_group(const struct ext2_super *sb,
			      const struct ext2_group *groups,
			      uint32_t parent_group, bool is_dir);

/*
 * Take one free block of `group` (groups[group]), whose block bitmap is
 * `map`, at or after block `goal` when that lies in the group: set its
 * bit and count it in the descriptor and *sb.  Returns the block number,
 * -ENOSPC when the group is full, or -EUCLEAN when the bitmap and the
 * count disagree (nothing changed).
 */
int64_t ext2_block_alloc(struct ext2_super *sb, struct ext2_group *groups,
			 uint32_t group, uint8_t *map, uint32_t goal,
			 struct ext2_msg *m);

/*
 * Give `block` back: clear its bit in `map` (the block bitmap of its
 * group) and count it free.  Returns 0, or -EUCLEAN (nothing changed) if
 * it was already free or is not a data block.
 */
int ext2_block_free(struct ext2_super *sb, struct ext2_group *groups,
		    uint8_t *map, uint32_t block, struct ext2_msg *m);

/*
 * Take one free inode of `group` (inode bitmap `map`): set its bit and
 * count it (and a directory in used_dirs).  Numbers below first_ino are
 * never handed out.  Returns the inode number, -ENOSPC or -EUCLEAN.
 */
int64_t ext2_inode_alloc(struct ext2_super *sb, struct ext2_group *groups,
			 uint32_t group, uint8_t *map, bool is_dir,
			 struct ext2_msg *m);

/*
 * Give inode `ino` back (`map`: its group's inode bitmap); 0, or
 * -EUCLEAN (nothing changed) if it was free or reserved.
 */
int ext2_inode_free(struct ext2_super *sb, struct ext2_group *groups,
		    uint8_t *map, uint32_t ino, bool is_dir,
		    struct ext2_msg *m);

/* ---- inodes (inode.c) -------------------------------------------------- */

/* An inode, decoded.  Bytes this code does not know stay in the table. */
struct ext2_inode {
	uint16_t mode; /* EXT2_S_IF* | permissions */
	uint16_t links;
	uint32_t uid, gid;
	uint64_t size; /* i_size, plus i_size_high for regular files */
	uint32_t atime, ctime, mtime, dtime; /* seconds since 1970 */
	uint32_t blocks; /* 512-byte units held, indirect blocks included */
	uint32_t flags;
	uint32_t block[EXT2_N_BLOCKS];
	uint32_t generation;
	uint32_t file_acl; /* extended attribute block, or 0 */
};

/*
 * Where inode `ino` lives: the block of the inode table and the byte
 * offset inside it.  Returns 0, or -EUCLEAN when ino is 0 or past
 * inodes_count.
 */
int ext2_inode_location(const struct ext2_super *sb,
			const struct ext2_group *groups, uint32_t ino,
			uint32_t *block, uint32_t *offset, struct ext2_msg *m);

/*
 * Decode and check the inode_size bytes at `raw`.  Returns 0, -ENOENT for
 * an inode not in use (no links), or -EUCLEAN for an impossible one (an
 * unknown file type, extents or inline data, a size its pointers cannot
 * reach, a directory size that is not whole blocks, a symlink too long).
 */
int ext2_inode_decode(const struct ext2_super *sb, uint32_t ino,
		      const uint8_t *raw, struct ext2_inode *inode,
		      struct ext2_msg *m);

/*
 * Check that the inode just taken from the bitmap (ext2_inode_alloc) is
 * really unused: a bitmap bit flipped to free must not let a new file
 * overwrite a live one.  Returns 0, or -EUCLEAN when it still has links
 * (its bit is then rightly set: leave it).
 */
int ext2_inode_check_unused(const struct ext2_super *sb, uint32_t ino,
			    const uint8_t *raw, struct ext2_msg *m);

/* Write *inode into `raw`, keeping the bytes it does not describe. */
void ext2_inode_encode(const struct ext2_super *sb,
		       const struct ext2_inode *inode, uint8_t *raw);

/*
 * Prepare `raw` (inode_size bytes) for a brand new inode: all zero, with
 * the large-inode header (i_extra_isize) that e2fsck expects.
 */
void ext2_inode_init_raw(const struct ext2_super *sb, uint8_t *raw);

static inline bool ext2_is_dir(const struct ext2_inode *inode)
{
	return (inode->mode & EXT2_S_IFMT) == EXT2_S_IFDIR;
}

static inline bool ext2_is_reg(const struct ext2_inode *inode)
{
	return (inode->mode & EXT2_S_IFMT) == EXT2_S_IFREG;
}

static inline bool ext2_is_symlink(const struct ext2_inode *inode)
{
	return (inode->mode & EXT2_S_IFMT) == EXT2_S_IFLNK;
}

/* True for a symlink whose target is in i_block rather than in a block. */
bool ext2_is_fast_symlink(const struct ext2_super *sb,
			  const struct ext2_inode *inode);

/* A fast symlink's target (inode->size bytes) into out; not terminated. */
void ext2_fast_symlink_target(const struct ext2_inode *inode, char *out);

/* Store a target of at most EXT2_FAST_SYMLINK_MAX bytes in i_block. */
void ext2_fast_symlink_set(struct ext2_inode *inode, const char *target,
			   uint32_t length);

/* The directory entry file type for an inode mode (EXT2_FT_*). */
uint8_t ext2_file_type(uint16_t mode);

/*
 * An inode that loses its last reference to the extended attribute block
 * `file_acl` (whose contents are `raw`): decrement the block's reference
 * count.  Returns 1 when the block is no longer used and must be freed, 0
 * when `raw` was changed (count decremented; write it back), -EUCLEAN for
 * a block that is not an attribute block.
 */
int ext2_xattr_block_release(const struct ext2_super *sb, uint8_t *raw,
			     struct ext2_msg *m);

/* ---- block maps (bmap.c) ----------------------------------------------- */

/* What a walk asks of its driver after a step. */
enum ext2_walk {
	EXT2_WALK_DONE = 0,  /* finished: results are in the walk */
	EXT2_WALK_READ = 1,  /* pass the contents of walk->block next */
	EXT2_WALK_ALLOC = 2, /* put a newly taken block in walk->block,
				pass the same buffer again */
	EXT2_WALK_FREE = 3,  /* free walk->block, pass the same buffer again */
};

/*
 * The pointer path to a logical block: offsets[0] indexes the inode's 15
 * pointers, offsets[1..] the indirect blocks below.  Returns the depth
 * (1 direct ... 4 triple indirect) or -EFBIG past the triple indirect.
 */
int ext2_block_path(uint32_t pointers_per_block, uint64_t logical,
		    uint32_t offsets[4]);

/*
 * Mapping one logical block of a file to its physical block, allocating
 * the missing ones on the way when `create`:
 *
 *     ext2_map_begin(&map, sb, groups, inode.block, logical, create, m);
 *     buffer = NULL;
 *     while ((r = ext2_map_step(&map, buffer, m)) > 0) {
 *             if (map.dirty) mark the buffer just passed dirty;
 *             if (r == EXT2_WALK_READ)   buffer = contents of map.block
 *                                        (zeros if map.fresh: never read);
 *             if (r == EXT2_WALK_ALLOC)  map.block = a new block near
 *                                        map.goal (same buffer next);
 *     }
 *     if (map.dirty) mark the buffer just passed dirty;
 *     r < 0: error; else map.block is the physical block, 0 for a hole,
 *     and map.fresh says it was just allocated (its old contents are
 *     junk), map.inode_dirty that the inode's pointers changed and
 *     map.allocated how many blocks were taken (add them to i_blocks).
 */
struct ext2_map {
	const struct ext2_super *sb;
	const struct ext2_group *groups;
	uint32_t *i_block; /* the inode's pointers, changed on ALLOC */
	uint32_t offsets[4];
	uint32_t chain[4]; /* physical block found at each level */
	uint8_t depth;	   /* 1..4 */
	uint8_t level;	   /* the level being resolved */
	bool create;
	bool alloc_pending; /* ALLOC was returned: map.block is the new one */
	/* Results and requests. */
	uint32_t block;	    /* READ: block wanted; DONE: physical block */
	uint32_t goal;	    /* ALLOC: allocate near this block (0: no idea) */
	bool fresh;	    /* READ/DONE: the block was just allocated */
	bool dirty;	    /* the buffer passed in this step was changed */
	bool inode_dirty;   /* the inode's pointers were changed */
	uint32_t allocated; /* blocks allocated by this walk */
};

int ext2_map_begin(struct ext2_map *map, const struct ext2_super *sb,
		   const struct ext2_group *groups, uint32_t *i_block,
		   uint64_t logical, bool create, struct ext2_msg *m);

/* One step; returns an enum ext2_walk or a negative errno.  See above. */
int ext2_map_step(struct ext2_map *map, uint8_t *buffer, struct ext2_msg *m);

/*
 * Freeing every block of a file from logical block `keep` on (truncation
 * to keep blocks; keep 0 frees everything, indirect blocks included):
 *
 *     ext2_truncate_begin(&t, sb, groups, inode.block, keep);
 *     buffer = NULL;
 *     while ((r = ext2_truncate_step(&t, buffer, m)) > 0) {
 *             if (t.dirty) mark the buffer just passed dirty;
 *             if (r == EXT2_WALK_READ)  buffer = contents of t.block;
 *             if (r == EXT2_WALK_FREE)  free t.block (same buffer next);
 *     }
 *
 * Pointers are cleared before the blocks they name are freed, so an
 * interrupted walk leaks blocks (e2fsck finds them) rather than leaving a
 * pointer to a free block.  Indirect blocks that still hold kept pointers
 * stay.  t.inode_dirty says the inode's pointers changed.
 */
struct ext2_truncate {
	const struct ext2_super *sb;
	const struct ext2_group *groups;
	uint32_t *i_block;
	uint64_t keep;
	uint32_t slot; /* next of the inode's 15 pointers to look at */
	int top;       /* frames in use */
	struct ext2_truncate_frame {
		uint32_t block; /* the indirect block */
		uint32_t index; /* next entry to look at */
		uint64_t keep;	/* entries' blocks kept, relative to it */
		uint8_t height; /* 1: entries are data blocks */
		bool whole;	/* the block itself goes once emptied */
	} frame[3];
	uint32_t current; /* the block whose buffer the next step gets */
	/* Results and requests. */
	uint32_t block; /* READ: block wanted; FREE: block to free */
	bool dirty;	/* the buffer passed in this step was changed */
	bool inode_dirty;
	uint32_t freed; /* blocks freed so far */
};

void ext2_truncate_begin(struct ext2_truncate *t, const struct ext2_super *sb,
			 const struct ext2_group *groups, uint32_t *i_block,
			 uint64_t keep);
int ext2_truncate_step(struct ext2_truncate *t, uint8_t *buffer,
		       struct ext2_msg *m);

/* ---- directories (dir.c) ----------------------------------------------- */

/* One entry of a directory block, as found there. */
struct ext2_dirent {
	uint32_t offset;  /* of the entry in its block */
	uint32_t inode;	  /* 0: an unused entry */
	uint16_t rec_len; /* bytes to the next entry */
	uint8_t name_len;
	uint8_t file_type; /* EXT2_FT_*, 0 without the filetype feature */
	const char *name;  /* name_len bytes in the block, not terminated */
};

/* Bytes an entry with a name of `name_len` bytes needs (4-aligned). */
static inline uint32_t ext2_dirent_size(uint32_t name_len)
{
	return (8 + name_len + 3) & ~3u;
}

/*
 * Decode and check the entry at `offset` of a directory block: aligned,
 * rec_len >= 12 and a multiple of 4, within the block, room for the name,
 * an inode in range, no '/' or NUL in the name.  Returns 0 or -EUCLEAN.
 */
int ext2_dir_entry(const struct ext2_super *sb, const uint8_t *block,
		   uint32_t offset, struct ext2_dirent *out,
		   struct ext2_msg *m);

/* Check every entry of a block and that they end exactly at its end. */
int ext2_dir_check(const struct ext2_super *sb, const uint8_t *block,
		   struct ext2_msg *m);

/*
 * The first used entry at or after byte `offset` (an entry boundary is
 * found by walking from the block's start).  Returns 1 with *out, 0 when
 * there is none, -EUCLEAN.
 */
int ext2_dir_next(const struct ext2_super *sb, const uint8_t *block,
		  uint32_t offset, struct ext2_dirent *out, struct ext2_msg *m);

/*
 * Find `name` (length bytes) in a directory block.  Returns 1 with *out
 * and *prev_offset (the entry before it, or UINT32_MAX if it is first), 0
 * when absent, -EUCLEAN.
 */
int ext2_dir_find(const struct ext2_super *sb, const uint8_t *block,
		  const char *name, uint32_t length, struct ext2_dirent *out,
		  uint32_t *prev_offset, struct ext2_msg *m);

/*
 * Add an entry in a directory block if it has room: in an unused entry
 * big enough, or in the slack after a used entry's name (splitting its
 * rec_len).  Returns 1 when added, 0 when there is no room (the block is
 * unchanged), -EUCLEAN.  The caller checked that the name is not there.
 */
int ext2_dir_insert(const struct ext2_super *sb, uint8_t *block,
		    const char *name, uint32_t length, uint32_t ino,
		    uint8_t file_type, struct ext2_msg *m);

/*
 * Remove the entry `found` (from ext2_dir_find, with its prev_offset):
 * merged into the previous entry, or marked unused when first in the
 * block.
 */
void ext2_dir_remove(const struct ext2_super *sb, uint8_t *block,
		     const struct ext2_dirent *found, uint32_t prev_offset);

/* Point the entry at `offset` at another inode (rename over, ".."). */
void ext2_dir_set_inode(const struct ext2_super *sb, uint8_t *block,
			uint32_t offset, uint32_t ino, uint8_t file_type);

/* A new directory block holding nothing (one unused entry). */
void ext2_dir_init_empty(const struct ext2_super *sb, uint8_t *block);

/* The first block of a new directory: "." (self) and ".." (parent). */
void ext2_dir_init_dots(const struct ext2_super *sb, uint8_t *block,
			uint32_t self, uint32_t parent);

/*
 * Whether a directory block holds no names besides "." and "..".
 * Returns 1 (empty), 0 (not), -EUCLEAN.
 */
int ext2_dir_block_empty(const struct ext2_super *sb, const uint8_t *block,
			 struct ext2_msg *m);

#endif /* KEEL_EXT2_ONDISK_H */
