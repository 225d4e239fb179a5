/*
 * test_ext2_volume.h - a synchronous ext2 over an image in memory, built
 * from the module's on-disk layer (modules/ext2/ondisk.h), for host tests.
 *
 * It drives the same walks the module drives from futures, with "read
 * block N" being a pointer into the image.  Tests open an image made by
 * mke2fs, read and change it through these functions, save it, and let
 * e2fsck and debugfs judge the result.
 *
 * Every function returns 0 (or a count) or a negative errno; on -EUCLEAN
 * and -EINVAL, v->msg says what was wrong.
 */
#ifndef KEEL_TESTS_EXT2_VOLUME_H
#define KEEL_TESTS_EXT2_VOLUME_H

#include <stdbool.h>
#include <stdint.h>

#include "../../modules/ext2/ondisk.h"

struct vol {
	uint8_t *image; /* the whole volume, owned */
	uint64_t bytes;
	struct ext2_super sb;
	struct ext2_group *groups;
	struct ext2_msg msg;
	uint32_t now; /* the time stamped on changes */
};

/*
 * Read an image file into memory and decode it.  Call vol_close after,
 * whatever this returned.
 */
int vol_open_file(struct vol *v, const char *path);
/* Decode an image already in memory (taken over: vol_close frees it). */
int vol_open(struct vol *v, uint8_t *image, uint64_t bytes);
/* Write superblock and descriptors into the image, the image to a file. */
int vol_save(struct vol *v, const char *path);
void vol_close(struct vol *v);

uint8_t *vol_block(struct vol *v, uint32_t block);

int vol_iget(struct vol *v, uint32_t ino, struct ext2_inode *in);
int vol_iput(struct vol *v, uint32_t ino, const struct ext2_inode *in);

/* Physical block of a logical one (0: hole), allocating when `create`. */
int64_t vol_bmap(struct vol *v, uint32_t ino, struct ext2_inode *in,
		 uint64_t logical, bool create, bool *fresh);

int64_t vol_read(struct vol *v, struct ext2_inode *in, uint64_t offset,
		 void *buf, uint64_t length);
int64_t vol_write(struct vol *v, uint32_t ino, uint64_t offset, const void *buf,
		  uint64_t length);
int vol_truncate(struct vol *v, uint32_t ino, uint64_t size);

int vol_lookup(struct vol *v, uint32_t dir, const char *name, uint32_t *ino);
/* An absolute path, symlinks not followed. */
int vol_resolve(struct vol *v, const char *path, uint32_t *ino);

/* Calls fn for every used entry ("." and ".." included); stops on != 0. */
int vol_readdir(struct vol *v, uint32_t dir,
		int (*fn)(void *arg, const char *name, uint32_t length,
			  uint32_t ino, uint8_t file_type),
		void *arg);

int vol_create(struct vol *v, uint32_t dir, const char *name, uint16_t mode,
	       uint32_t *ino);
int vol_symlink(struct vol *v, uint32_t dir, const char *name,
		const char *target, uint32_t *ino);
int64_t vol_readlink(struct vol *v, uint32_t ino, char *buf, uint64_t size);
int vol_unlink(struct vol *v, uint32_t dir, const char *name);
int vol_rmdir(struct vol *v, uint32_t dir, const char *name);
int vol_rename(struct vol *v, uint32_t old_dir, const char *old_name,
	       uint32_t new_dir, const char *new_name);

/* ---- fixtures ---------------------------------------------------------- */

/* A directory for this test process, removed at exit. */
const char *fx_dir(void);
/* Run a shell command (formatted), output discarded; its exit status. */
int fx_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The first line of a command's output that starts with `key`, or "". */
const char *fx_query(const char *key, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* True when mke2fs, e2fsck and debugfs can be run. */
bool fx_have_e2fsprogs(void);
/* Read a whole file (malloc'd, *size set); NULL if it cannot. */
uint8_t *fx_slurp(const char *path, uint64_t *size);

#endif /* KEEL_TESTS_EXT2_VOLUME_H */
