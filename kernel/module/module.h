/*
 * module.h - loaded modules: load, unload, list, and who uses whom.
 *
 * module_load() runs the loader's pipeline (loader/loader.h) and then the
 * kernel's part of a module's life:
 *
 *   validate -> layout -> allocate regions -> link (resolve against the
 *   kernel's exports) -> check the ABI -> set parameters -> protect
 *   (text R X, rodata R, data R W) -> fence.i on every hart -> init -> listed
 *
 * Every step before init changes nothing visible; if any step fails, or
 * init returns an error, everything done so far is undone in reverse order
 * (one cleanup ladder), so a refused module leaves the free-page count and
 * kmalloc use exactly as they were.
 *
 * A module is in use while its refcount is positive: a mounted filesystem of
 * a type it registered holds a reference (the VFS asks through the fs type's
 * owner).  module_unload() refuses a module in use with -EBUSY.
 */
#ifndef KEEL_MODULE_MODULE_H
#define KEEL_MODULE_MODULE_H

#include <stddef.h>
#include <stdint.h>

#include <keel/module.h>

#include "lib/list.h"
#include "loader.h"

struct module {
	char name[KEEL_MODULE_NAME_MAX + 1];
	struct list link;
	int refcount;                          /* users; unload needs 0 */
	uintptr_t region[LOADER_REGIONS];      /* run-time addresses */
	size_t region_size[LOADER_REGIONS];
	const struct keel_module_header *header;
	uint32_t abi_minor_needed;             /* highest minor of its imports */
	unsigned imports;                      /* kernel symbols it uses */
	char *modinfo;                         /* copy of .keel.modinfo */
	size_t modinfo_size;
};

/* Once at boot: the export table.  Boot argument modules=far moves the area. */
int modules_init(int far);

/*
 * Load the module in `file` (size bytes).  `args` is the parameter text
 * ("count=3 name=bar", may be empty).  Returns 0, or a negative errno with
 * `reason` set to one line (what insmod prints after "could not insert
 * module X.ko: ").
 */
int module_load(const void *file, size_t size, const char *args,
		char reason[ELF_REASON_MAX]);

/* Run exit and free the module: 0, -ENOENT (not loaded), -EBUSY (in use). */
int module_unload(const char *name);

/*
 * Copy up to `max` loaded modules' summaries (name, size, users) for
 * lsmod; returns how many.  Most recently loaded first, as Linux lists them.
 */
struct module_summary {
	char name[KEEL_MODULE_NAME_MAX + 1];
	size_t size;
	int refcount;
	uintptr_t text, rodata, data;
};
int module_list(struct module_summary *out, int max);

#endif /* KEEL_MODULE_MODULE_H */
