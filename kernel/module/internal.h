/*
 * internal.h - what the three files of a module's life share.
 *
 *   module.c  the list of modules and its locks; load, unload, list
 *   depend.c  dependencies: the abi= and depends= stamps, resolving
 *             against other modules' exports, who uses whom
 *   refs.c    references from mounts and executor tasks; which module
 *             owns an address
 *
 * Nothing here is for the rest of the kernel: that is module.h.
 */
#ifndef KEEL_MODULE_INTERNAL_H
#define KEEL_MODULE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/list.h"
#include "loader.h"
#include "module/module.h"
#include "sync/mutex.h"
#include "sync/spinlock.h"

/* ---- module.c: the list and its locks ----------------------------------- */

/* Listed (LIVE) modules, most recently loaded first. */
extern struct list modules;
/* Serialises load and unload; guards the list and every module's uses. */
extern struct mutex modules_lock;
/*
 * Inside modules_lock: every refcount, mounts and tasks count and state,
 * the list's links and module_initialising.  Never sleeps.
 */
extern struct spinlock module_refs_lock;
/* The module whose init is running, or NULL; module_refs_lock. */
extern struct module *module_initialising;

/* The listed module called `name`, or NULL.  Holds modules_lock. */
struct module *find_loaded(const char *name);

/* True when [address, address + length) lies inside one of mod's regions. */
static inline bool in_module(const struct module *mod, uintptr_t address,
			     size_t length)
{
	for (int r = 0; r < LOADER_REGIONS; r++)
		if (mod->region[r] && address >= mod->region[r] &&
		    length <= mod->region_size[r] &&
		    address - mod->region[r] <= mod->region_size[r] - length)
			return true;
	return false;
}

/* ---- depend.c: dependencies and stamps (contracts there) ---------------- */

/* What resolve() learns while one module is linked. */
struct resolve_state {
	struct module *mod;	 /* the module being linked */
	uint32_t minor_needed;	 /* highest ABI minor of its kernel imports */
	unsigned imports;	 /* kernel symbols resolved */
	unsigned module_imports; /* symbols resolved from other modules */
	const char *missing;	 /* the last symbol nobody exports */
};

/* Before anything is allocated: the abi= and depends= stamps. */
int check_stamps(const struct elf_module *m, int index, int imports_index,
		 bool *stamped, char reason[ELF_REASON_MAX]);

/* While linking, modules_lock held: collect uses, resolve, check exports. */
int use_dependencies(struct module *mod, const struct elf_module *m, int index,
		     char reason[ELF_REASON_MAX]);
int resolve(void *ctx, const char *name, int weak, uint64_t *address);
void explain_missing(const struct elf_module *m, int index, const char *missing,
		     char reason[ELF_REASON_MAX]);
int take_exports(struct module *mod, const struct elf_module *m,
		 const struct loader_layout *layout,
		 const struct loader_target *target, int index,
		 char reason[ELF_REASON_MAX]);

/* Listing, unloading and lsmod: references on the modules used, names. */
void uses_hold(struct module *mod);
void uses_free(struct module *mod, bool held);
void users_of(const struct module *mod, char *out, size_t size, char separator);

/* ---- refs.c: references from mounts and tasks --------------------------- */

/* A failed init: no new task for mod, and its tasks ended.  Sleeps. */
void module_tasks_stop(struct module *mod);

#endif /* KEEL_MODULE_INTERNAL_H */
