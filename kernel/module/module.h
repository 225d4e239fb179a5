/*
 * module.h - loaded modules: load, unload, list, and who uses whom.
 *
 * module_load() runs the loader's pipeline (loader/loader.h) and then the
 * kernel's part of a module's life:
 *
 *   validate -> check the abi= stamp -> layout -> allocate regions ->
 *   check the depends= modules are loaded -> link (resolve against the
 *   kernel's exports, then other modules' exports) -> check the ABI and
 *   the module's own exports -> set parameters -> protect (text R X,
 *   rodata R, data R W) -> fence.i on every hart -> init -> listed
 *
 * Every step before init changes nothing visible; if any step fails, or
 * init returns an error, everything done so far is undone in reverse order
 * (one cleanup ladder), so a refused module leaves the free-page count and
 * kmalloc use exactly as they were.
 *
 * Modules use each other.  A module's KEEL_EXPORT_SYMBOL records
 * (<keel/export.h>) are read once it is linked; modules loaded later
 * resolve their undefined symbols against them after the kernel's.  Each
 * module keeps the list of modules it uses (those named by its depends=
 * stamp and those that resolved one of its symbols), and holds one
 * reference on each from the moment it is listed until it is unloaded.
 *
 * A module is in use while its refcount is positive: a module using it
 * holds a reference, and so does every mount of a filesystem type it
 * registered (module_mount_get, counted in `mounts` too).  module_unload()
 * refuses a module in use with -EBUSY and names the modules using it, or
 * says that mounts hold it.  References from mounts are taken under a
 * spinlock (module_refs_lock in module.c), never the loader's mutex, so the
 * VFS may take them with its own locks held; only a LIVE module can be
 * referenced, so a module whose exit has begun gains no new mount.
 *
 * A module is also in use while executor tasks whose poll function lies in
 * its text are alive (kernel/exec): keel_spawn counts them with
 * module_task_hold, under the same spinlock, which also finds a module
 * whose init is running; a GOING module gets no new task.
 */
#ifndef KEEL_MODULE_MODULE_H
#define KEEL_MODULE_MODULE_H

#include <stddef.h>
#include <stdint.h>

#include <keel/export.h>
#include <keel/module.h>

#include "lib/list.h"
#include "loader.h"

/* Bytes for the names of a module's users, separators and NUL included. */
#define MODULE_USERS_MAX 128

/* Where a module is in its life; guarded by module_refs_lock. */
enum module_state {
	MODULE_COMING, /* linked, init running: cannot be referenced yet */
	MODULE_LIVE,   /* listed, init done */
	MODULE_GOING,  /* exit running or done: cannot be referenced */
};

struct module {
	char name[KEEL_MODULE_NAME_MAX + 1];
	struct list link;
	int refcount;                          /* users; unload needs 0 */
	unsigned mounts;                       /* of those, mounts */
	int tasks;                             /* live executor tasks it owns */
	enum module_state state;
	struct list uses;                      /* struct module_use: the modules
						  this one holds a reference on */
	uintptr_t region[LOADER_REGIONS];      /* run-time addresses */
	size_t region_size[LOADER_REGIONS];
	const struct keel_module_header *header;
	uint32_t abi_minor_needed;             /* highest minor of its imports */
	unsigned imports;                      /* kernel symbols it uses */
	char *modinfo;                         /* copy of .keel.modinfo */
	size_t modinfo_size;
	const struct keel_module_export *exports; /* its .keel.exports, linked */
	unsigned nexports;
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

/*
 * Run exit, remove the filesystem types it left registered, drop the
 * references the module holds on the modules it uses, and free it.
 * Returns 0, -ENOENT (not loaded) or -EBUSY (in use, or it has init but
 * no exit).  On -EBUSY `users` (users_size bytes, may be 0) receives the
 * names of the modules using it, separated by spaces: empty when what
 * holds it is not a module or it cannot be unloaded at all; and *mounts
 * (if not NULL) the number of mounts holding it.
 */
int module_unload(const char *name, char *users, size_t users_size,
		  unsigned *mounts);

/*
 * The module whose text, rodata or data holds `address` -- a listed module
 * or the one whose init is running -- or NULL (the kernel's own address,
 * or NULL).  Never sleeps: callable from a module's init, with the
 * loader's lock held.  The answer stays valid while the caller holds a
 * reference, or is that module's init or exit.
 */
struct module *module_owning(const void *address);

/*
 * A reference on `mod` for one mount of a filesystem type it registered:
 * 0, or -ENODEV while the module is not LIVE (in its init or exit).
 * module_mount_put drops it.  Neither sleeps.
 */
int module_mount_get(struct module *mod);
void module_mount_put(struct module *mod);

/*
 * The module whose text holds `address` (a task's poll function): count
 * one more task for it and set *owner; *owner is NULL when no module's
 * text holds it (kernel code).  Returns 0, or -EBUSY when that module is
 * GOING (being unloaded, or its init failed).  Any context but interrupts.
 */
int module_task_hold(uintptr_t address, struct module **owner);
/* One task of `mod` ended (undoes module_task_hold). */
void module_task_release(struct module *mod);

/* The module's name, for log lines. */
const char *module_name(const struct module *mod);

/*
 * Copy up to `max` loaded modules' summaries (name, size, users) for
 * lsmod; returns how many.  Most recently loaded first, as Linux lists them.
 */
struct module_summary {
	char name[KEEL_MODULE_NAME_MAX + 1];
	size_t size;
	int refcount;
	char users[MODULE_USERS_MAX]; /* modules using it: "a,b", or "" */
	uintptr_t text, rodata, data;
};
int module_list(struct module_summary *out, int max);

#endif /* KEEL_MODULE_MODULE_H */
