/*
 * refs.c - what holds a loaded module besides other modules: mounts and
 * executor tasks; and which module owns an address.
 *
 * A module is in use while its refcount is positive.  Modules using it
 * hold references (depend.c); so does every mount of a filesystem type it
 * registered (module_mount_get, counted in `mounts` too).  A module
 * registers its types in init and unregisters them in exit.  Unloading
 * first marks the module GOING under module_refs_lock, only if nothing
 * holds it (module.c), and only a LIVE module can be referenced, so no
 * mount can start between that check and exit.
 *
 * Tasks.  Executor tasks whose poll function is in a module's text count
 * as its own (module_task_hold, from keel_spawn); unload is refused while
 * any lives.  If init fails after spawning, the module is marked GOING (no
 * new task) and its tasks are cancelled and waited for before its code is
 * freed (module_tasks_stop).
 *
 * Which module owns an address (module_owning, module_task_hold): a
 * listed module, or the one whose init is running (module_initialising),
 * which registers filesystem types and spawns tasks before it is listed.
 *
 * Locking: everything here runs under module_refs_lock alone, a spinlock,
 * never modules_lock: the VFS takes mount references with its own locks
 * held, while an init or exit holds modules_lock and calls into the VFS.
 */
#include <stdbool.h>

#include <keel/errno.h>

#include "exec/exec.h"
#include "log/printk.h"
#include "module/internal.h"
#include "sched/thread.h"

/* ---- which module owns an address --------------------------------------- */

struct module *module_owning(const void *address)
{
	uintptr_t at = (uintptr_t)address;
	struct module *owner = NULL;
	struct list *pos;

	if (!address)
		return NULL;
	spin_lock(&module_refs_lock);
	if (module_initialising && in_module(module_initialising, at, 1))
		owner = module_initialising;
	list_for_each (pos, &modules) {
		struct module *mod = container_of(pos, struct module, link);

		if (!owner && in_module(mod, at, 1))
			owner = mod;
	}
	spin_unlock(&module_refs_lock);
	return owner;
}

/* ---- mounts ------------------------------------------------------------- */

int module_mount_get(struct module *mod)
{
	int err = -ENODEV;

	spin_lock(&module_refs_lock);
	if (mod->state == MODULE_LIVE) {
		mod->refcount++;
		mod->mounts++;
		err = 0;
	}
	spin_unlock(&module_refs_lock);
	return err;
}

void module_mount_put(struct module *mod)
{
	spin_lock(&module_refs_lock);
	if (mod->mounts == 0 || mod->refcount == 0)
		panic("module: %s mount reference underflow", mod->name);
	mod->refcount--;
	mod->mounts--;
	spin_unlock(&module_refs_lock);
}

/* ---- tasks -------------------------------------------------------------- */

/* Cancel mod's tasks; returns how many have yet to end. */
static int module_tasks_cancel(struct module *mod)
{
	int tasks;

	exec_cancel_owned(mod);
	spin_lock(&module_refs_lock);
	tasks = mod->tasks;
	spin_unlock(&module_refs_lock);
	return tasks;
}

/*
 * mod's init failed: mark it GOING, so it gets no new task, cancel its
 * tasks and wait until every one has ended.  Sleeps; holds modules_lock.
 */
void module_tasks_stop(struct module *mod)
{
	spin_lock(&module_refs_lock);
	mod->state = MODULE_GOING;
	spin_unlock(&module_refs_lock);
	while (module_tasks_cancel(mod))
		thread_sleep_ms(1);
}

/* True when `address` lies in mod's text. */
static bool in_text(const struct module *mod, uintptr_t address)
{
	uintptr_t text = mod->region[LOADER_TEXT];

	return text && address - text < mod->region_size[LOADER_TEXT];
}

int module_task_hold(uintptr_t address, struct module **owner)
{
	struct module *found = NULL;
	struct list *pos;
	int err = 0;

	spin_lock(&module_refs_lock);
	if (module_initialising && in_text(module_initialising, address))
		found = module_initialising;
	for (pos = modules.next; !found && pos != &modules; pos = pos->next) {
		struct module *mod = container_of(pos, struct module, link);

		if (in_text(mod, address))
			found = mod;
	}
	if (found && found->state == MODULE_GOING)
		err = -EBUSY;
	else if (found)
		found->tasks++;
	spin_unlock(&module_refs_lock);
	*owner = err ? NULL : found;
	return err;
}

void module_task_release(struct module *mod)
{
	spin_lock(&module_refs_lock);
	mod->tasks--;
	spin_unlock(&module_refs_lock);
}
