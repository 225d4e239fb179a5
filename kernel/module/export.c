/*
 * export.c - looking up kernel exports by name.
 *
 * The table the linker builds (__keel_exports_start..end) is sorted by
 * section name, i.e. by symbol name, but the loader looks names up one at a
 * time as it meets them, so a hash table is built once: open addressing
 * with linear probing over a power-of-two array at most half full, FNV-1a
 * hashes.  A lookup costs one hash and, on average, about one probe.
 */
#include <keel/errno.h>

#include "lib/string.h"
#include "mm/kmalloc.h"
#include "module/export.h"

extern const struct kernel_export __keel_exports_start[];
extern const struct kernel_export __keel_exports_end[];

static const struct kernel_export **table;
static uint32_t table_mask;

static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 16777619u;
	}
	return h;
}

unsigned exports_count(void)
{
	return (unsigned)(__keel_exports_end - __keel_exports_start);
}

int exports_init(void)
{
	uint32_t size = 16;

	while (size < 2 * exports_count())
		size *= 2;
	table = kmalloc(size * sizeof(*table));
	if (!table)
		return -ENOMEM;
	table_mask = size - 1;
	for (const struct kernel_export *e = __keel_exports_start;
	     e < __keel_exports_end; e++) {
		uint32_t i = fnv1a(e->name) & table_mask;

		while (table[i])
			i = (i + 1) & table_mask;
		table[i] = e;
	}
	return 0;
}

const struct kernel_export *export_find(const char *name)
{
	if (!table)
		return NULL;
	for (uint32_t i = fnv1a(name) & table_mask; table[i];
	     i = (i + 1) & table_mask)
		if (strcmp(table[i]->name, name) == 0)
			return table[i];
	return NULL;
}
