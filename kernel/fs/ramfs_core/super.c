/*
 * super.c - one ramfs instance: its options, its birth and its end.
 *
 * Each mount makes a superblock (struct ramfs_super) and an empty root
 * directory, the root's parent being itself.  The one option caps the
 * bytes of file data the instance may hold, in whole chunks:
 *
 *     mount -t ramfs -o size=64K none /tmp
 *
 * with an optional K, M or G (powers of 1024), the number in decimal or
 * 0x hex.  Without it only memory limits the instance (-ENOMEM).  An
 * unknown option or a bad size is -EINVAL and one log line naming the
 * option and the type as registered ("ramfs" or "memfs": the same code
 * speaks for either build).
 *
 * Unmount comes after the VFS has released every vnode: it frees every
 * node, named or not, then the superblock.  Neither mount nor unmount
 * needs the lock: nobody else can see the instance yet, or any more.
 */
#include <keel/errno.h>
#include <keel/log.h>
#include <keel/memory.h>

#include "ramfs_core.h"

/* Longest single option that can make sense ("size=" and a number). */
#define OPTION_MAX 31

/* The multiplier a size suffix stands for; 1 for none. */
static uint64_t suffix_scale(char suffix)
{
	if (suffix == 'K' || suffix == 'k')
		return 1ul << 10;
	if (suffix == 'M' || suffix == 'm')
		return 1ul << 20;
	if (suffix == 'G' || suffix == 'g')
		return 1ul << 30;
	return 1;
}

/* The value of digit `c` in `base`, or -1 if it is not one. */
static int digit_value(char c, unsigned base)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (base == 16 && c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (base == 16 && c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * `text` as a size: digits (after 0x, hex ones) and maybe a suffix.
 * 0, or -EINVAL for no digits, a stray character, zero, or a value that
 * does not fit 64 bits.
 */
static int parse_size(const char *text, uint64_t *bytes)
{
	size_t length = strlen(text);
	uint64_t value = 0, scale = 1;
	unsigned base = 10;

	if (length && suffix_scale(text[length - 1]) != 1)
		scale = suffix_scale(text[--length]);
	if (length > 2 && text[0] == '0' &&
	    (text[1] == 'x' || text[1] == 'X')) {
		base = 16;
		text += 2;
		length -= 2;
	}
	if (length == 0)
		return -EINVAL;
	for (size_t i = 0; i < length; i++) {
		int digit = digit_value(text[i], base);

		if (digit < 0 || value > (UINT64_MAX - (unsigned)digit) / base)
			return -EINVAL;
		value = value * base + (unsigned)digit;
	}
	if (value == 0 || value > UINT64_MAX / scale)
		return -EINVAL;
	*bytes = value * scale;
	return 0;
}

/* True if `text` begins with `prefix`. */
static bool begins_with(const char *text, const char *prefix)
{
	while (*prefix && *text == *prefix) {
		text++;
		prefix++;
	}
	return *prefix == '\0';
}

/*
 * Parse the comma-separated `options` ("" for none) of a mount of
 * `type_name`; "size=" is the only one.  0, or -EINVAL with one line.
 */
static int parse_options(const char *type_name, const char *options,
			 uint64_t *bytes_limit)
{
	while (*options) {
		char option[OPTION_MAX + 1];
		size_t length = 0;

		while (options[length] && options[length] != ',')
			length++;
		if (length > OPTION_MAX) {
			pr_err("%s: mount option '%.*s...' is too long",
			       type_name, OPTION_MAX, options);
			return -EINVAL;
		}
		memcpy(option, options, length);
		option[length] = '\0';
		options += options[length] ? length + 1 : length;
		if (length == 0)
			continue;
		if (!begins_with(option, "size=")) {
			pr_err("%s: unknown mount option '%s'", type_name,
			       option);
			return -EINVAL;
		}
		if (parse_size(option + 5, bytes_limit)) {
			pr_err("%s: bad size in '%s' (say size=N, N[K|M|G])",
			       type_name, option);
			return -EINVAL;
		}
	}
	return 0;
}

int ramfs_super_mount(struct keel_mount *mount, const char *options)
{
	struct ramfs_super *super;
	struct ramfs_node *root;
	uint64_t bytes_limit = 0;
	int err;

	err = parse_options(mount->type->name, options, &bytes_limit);
	if (err)
		return err;
	super = kmalloc(sizeof(*super)); /* zeroed: empty chains */
	if (!super)
		return -ENOMEM;
	keel_spin_init(&super->lock, mount->type->name);
	super->next_ino = 1;
	super->bytes_limit = bytes_limit;
	root = ramfs_node_new(super, KEEL_NODE_DIR, 0755);
	if (!root) {
		kfree(super);
		return -ENOMEM;
	}
	root->nlink = 2;
	root->parent = root;
	mount->root_ino = root->ino;
	mount->private = super;
	return 0;
}

void ramfs_super_unmount(struct keel_mount *mount)
{
	struct ramfs_super *super = mount->private;

	for (int i = 0; i < RAMFS_HASH_BUCKETS; i++)
		while (super->buckets[i])
			ramfs_node_free(super->buckets[i]);
	if (super->node_count || super->bytes_used)
		pr_err("%s: unmount left %lu nodes, %lu bytes accounted",
		       mount->type->name, (unsigned long)super->node_count,
		       (unsigned long)super->bytes_used);
	kfree(super);
}

int ramfs_super_statfs(struct ramfs_super *super, struct keel_statfs *out)
{
	out->bytes_total = super->bytes_limit;
	out->bytes_used = super->bytes_used;
	if (super->bytes_limit)
		out->bytes_free = super->bytes_limit - super->bytes_used;
	out->nodes_used = super->node_count;
	out->block_size = RAMFS_CHUNK_SIZE;
	out->name_max = KEEL_NAME_MAX;
	return 0;
}
