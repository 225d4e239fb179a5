/*
 * module.c - the life of a loaded module: load, unload, list.
 *
 * The kernel's part of a module's life is in three files, one subject each:
 *
 *   module.c   the list of modules and its locks; load, unload, list
 *   depend.c   dependencies: the abi= and depends= stamps, resolving
 *              against other modules' exports, who uses whom
 *   refs.c     references from mounts and executor tasks; which module
 *              owns an address
 *
 * with internal.h for what they share.
 *
 * Error policy (one for all three): module_load() owns every resource it
 * takes and releases them in one cleanup ladder at the end, whose labels
 * say what they undo; the stages it calls never free anything on error.
 * Nothing is visible to the rest of the kernel until the module is on the
 * list, which is the last step after a successful init: only then does it
 * take its references on the modules it uses.
 *
 * Locking: modules_lock (a mutex) serialises load and unload and protects
 * the list and every module's uses, so two insmods of the same name cannot
 * both succeed and a module cannot go while another links against it.  A
 * module's init and exit run with it held; they must not load or unload
 * modules themselves.  module_refs_lock (a spinlock, inside modules_lock)
 * guards every refcount, mounts count and state, the list's links and the
 * module whose init is running: what the VFS needs while it holds its own
 * locks (module_owning, module_mount_get/put, in refs.c), so it never
 * waits for modules_lock, which an init or exit holds while calling into
 * the VFS.
 *
 * Unloading checks that nothing holds the module (no module using it, no
 * mount, no task) and marks it GOING in one step under module_refs_lock,
 * so no mount or task can start between that check and exit.  After exit,
 * and after a failed init, the VFS removes any filesystem type the module
 * left registered (vfs_unregister_module_types), with a warning.  A failed
 * init's tasks are stopped (module_tasks_stop) before its code is freed.
 */
#include <stdbool.h>

#include <keel/abi.h>
#include <keel/errno.h>
#include <keel/export.h>

#include "arch/riscv.h"
#include "arch/sbi.h"
#include "fs/vfs.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "log/printk.h"
#include "mm/kmalloc.h"
#include "mm/page.h"
#include "mm/vm.h"
#include "module/area.h"
#include "module/debug.h"
#include "module/export.h"
#include "module/internal.h"
#include "module/param.h"

struct list modules = LIST_INIT(modules);
struct mutex modules_lock;
struct spinlock module_refs_lock = SPINLOCK_INIT("module refs");
struct module *module_initialising;

int modules_init(int far)
{
	mutex_init(&modules_lock, "modules");
	if (far)
		module_area_use_far();
	return exports_init();
}

static int find_section(const struct elf_module *m, const char *name)
{
	for (unsigned i = 1; i < m->nsections; i++)
		if (strcmp(elf_section_name(m, i), name) == 0)
			return (int)i;
	return -1;
}

/* The listed module called `name`, or NULL.  Holds modules_lock. */
struct module *find_loaded(const char *name)
{
	struct list *pos;

	list_for_each (pos, &modules) {
		struct module *mod = container_of(pos, struct module, link);
		if (strcmp(mod->name, name) == 0)
			return mod;
	}
	return NULL;
}

/*
 * Copy the module's name out of its header, checking it.  The header's
 * minor is that of the headers the module was compiled with; it counts only
 * when the build did not stamp abi= (which check_stamps checked).  Holds
 * modules_lock.
 */
static int check_header(const struct keel_module_header *h, struct module *mod,
			bool stamped, char reason[ELF_REASON_MAX])
{
	size_t length;

	if (h->size <
	    offsetof(struct keel_module_header, exit) + sizeof(h->exit)) {
		snprintf(reason, ELF_REASON_MAX,
			 "module header is %u bytes, too small", h->size);
		return -ENOEXEC;
	}
	if (KEEL_ABI_VERSION_MAJOR(h->abi_version) != KEEL_ABI_MAJOR) {
		snprintf(reason, ELF_REASON_MAX,
			 "built for ABI %u.%u; this kernel has ABI %u.%u "
			 "(another major)",
			 KEEL_ABI_VERSION_MAJOR(h->abi_version),
			 KEEL_ABI_VERSION_MINOR(h->abi_version), KEEL_ABI_MAJOR,
			 KEEL_ABI_MINOR);
		return -ENOEXEC;
	}
	if (!stamped &&
	    KEEL_ABI_VERSION_MINOR(h->abi_version) > KEEL_ABI_MINOR) {
		snprintf(reason, ELF_REASON_MAX,
			 "needs ABI %u.%u (its module header); this kernel has "
			 "ABI %u.%u",
			 KEEL_ABI_VERSION_MAJOR(h->abi_version),
			 KEEL_ABI_VERSION_MINOR(h->abi_version), KEEL_ABI_MAJOR,
			 KEEL_ABI_MINOR);
		return -ENOEXEC;
	}
	length = h->name ? strnlen(h->name, KEEL_MODULE_NAME_MAX + 1) : 0;
	if (length == 0 || length > KEEL_MODULE_NAME_MAX) {
		snprintf(reason, ELF_REASON_MAX,
			 "module name missing or longer than %d bytes",
			 KEEL_MODULE_NAME_MAX);
		return -ENOEXEC;
	}
	for (size_t i = 0; i < length; i++) {
		char c = h->name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_')) {
			snprintf(reason, ELF_REASON_MAX,
				 "module name may use only a-z, 0-9 and _");
			return -ENOEXEC;
		}
	}
	memcpy(mod->name, h->name, length);
	mod->name[length] = '\0';
	if (find_loaded(mod->name)) {
		snprintf(reason, ELF_REASON_MAX, "module %s is already loaded",
			 mod->name);
		return -EEXIST;
	}
	return 0;
}

static const unsigned region_perm[LOADER_REGIONS] = {
    [LOADER_TEXT] = VM_R | VM_X,
    [LOADER_RODATA] = VM_R,
    [LOADER_DATA] = VM_R | VM_W,
};

static void free_regions(struct module *mod)
{
	for (int r = 0; r < LOADER_REGIONS; r++)
		if (mod->region[r])
			module_area_free(mod->region[r], mod->region_size[r]);
}

int module_load(const void *file, size_t size, const char *args,
		char reason[ELF_REASON_MAX])
{
	struct resolve_state state = {0};
	struct loader_target target;
	struct loader_layout layout;
	struct elf_module m;
	struct module *mod;
	int err, header_index, params_index, modinfo_index, exports_index,
	    imports_index;
	bool stamped;

	reason[0] = '\0';
	err = elf_validate(file, size, &m, reason);
	if (err)
		return err;
	header_index = find_section(&m, ".keel.module");
	params_index = find_section(&m, ".keel.params");
	modinfo_index = find_section(&m, ".keel.modinfo");
	exports_index = find_section(&m, ".keel.exports");
	imports_index = find_section(&m, ".keel.imports");
	if (header_index < 0) {
		snprintf(reason, ELF_REASON_MAX,
			 "no .keel.module section: declare the module with "
			 "KEEL_MODULE()");
		return -ENOEXEC;
	}
	err = check_stamps(&m, modinfo_index, imports_index, &stamped, reason);
	if (err)
		return err;

	err = -ENOMEM;
	mod = kmalloc(sizeof(*mod));
	if (!mod)
		goto fail;
	list_init(&mod->uses);
	mod->state = MODULE_COMING;
	state.mod = mod;
	layout.sections = kmalloc(sizeof(*layout.sections) * m.nsections);
	layout.slot_of_symbol =
	    kmalloc(sizeof(*layout.slot_of_symbol) * (m.nsymbols + 1));
	if (!layout.sections || !layout.slot_of_symbol)
		goto free_layout;
	err = loader_layout(&m, &layout, reason);
	if (err)
		goto free_layout;

	err = -ENOMEM;
	for (int r = 0; r < LOADER_REGIONS; r++) {
		target.view[r] = NULL;
		target.address[r] = 0;
		if (!layout.region_size[r])
			continue;
		mod->region[r] = module_area_alloc(layout.region_size[r]);
		if (!mod->region[r]) {
			snprintf(reason, ELF_REASON_MAX,
				 "out of memory for the module's %lu KiB",
				 (unsigned long)(layout.region_size[r] / 1024));
			goto free_regions;
		}
		mod->region_size[r] = layout.region_size[r];
		target.view[r] = (uint8_t *)mod->region[r];
		target.address[r] = mod->region[r];
	}

	mutex_lock(&modules_lock);
	err = use_dependencies(mod, &m, modinfo_index, reason);
	if (err)
		goto unlock;
	err = loader_link(&m, &layout, &target, resolve, &state, reason);
	if (err == -ENOENT)
		explain_missing(&m, imports_index, state.missing, reason);
	else if (err == -ENOMEM)
		snprintf(reason, ELF_REASON_MAX, "out of memory");
	if (err)
		goto unlock;
	mod->header = (const struct keel_module_header *)(uintptr_t)
	    loader_section_address(&layout, &target, (unsigned)header_index);
	err = check_header(mod->header, mod, stamped, reason);
	if (err)
		goto unlock;
	err = take_exports(mod, &m, &layout, &target, exports_index, reason);
	if (err)
		goto unlock;
	mod->abi_minor_needed = state.minor_needed;
	mod->imports = state.imports;
	/* Before init, so gdb can stop in it and an oops in it is named. */
	err = module_debug_add(mod->name, &m, &layout, &target);
	if (err) {
		snprintf(reason, ELF_REASON_MAX, "out of memory");
		goto unlock;
	}
	if (params_index >= 0) {
		const struct elf_module *mm = &m;
		uint64_t at = loader_section_address(&layout, &target,
						     (unsigned)params_index);
		size_t count = mm->sections[params_index].sh_size /
			       sizeof(struct keel_module_param);

		err = params_apply(
		    (const struct keel_module_param *)(uintptr_t)at, count,
		    args, reason);
	} else {
		err = params_apply(NULL, 0, args, reason);
	}
	if (err)
		goto forget_debug;
	if (modinfo_index >= 0) {
		const Elf64_Shdr *sh = &m.sections[modinfo_index];

		mod->modinfo = kmalloc(sh->sh_size + 1);
		if (!mod->modinfo) {
			err = -ENOMEM;
			snprintf(reason, ELF_REASON_MAX, "out of memory");
			goto forget_debug;
		}
		memcpy(mod->modinfo, m.file + sh->sh_offset, sh->sh_size);
		mod->modinfo_size = sh->sh_size;
	}

	for (int r = 0; r < LOADER_REGIONS; r++) {
		if (!mod->region[r])
			continue;
		err = module_area_protect(mod->region[r], mod->region_size[r],
					  region_perm[r]);
		if (err) {
			snprintf(reason, ELF_REASON_MAX,
				 "cannot protect the module's memory");
			goto free_modinfo;
		}
	}
	fence_i();
	sbi_remote_fence_i(~0ul);

	spin_lock(&module_refs_lock);
	module_initialising =
	    mod; /* for module_owning, as init registers things */
	spin_unlock(&module_refs_lock);
	if (mod->header->init) {
		err = mod->header->init();
		if (err) {
			snprintf(reason, ELF_REASON_MAX, "%s's init failed: %s",
				 mod->name, strerror(err));
			if (err > 0)
				err = -EINVAL;
			/* Its tasks end before its code goes; no new one
			 * starts. */
			module_tasks_stop(mod);
			goto forget_types;
		}
	}
	/* Listed: from here on the module holds its uses. */
	spin_lock(&module_refs_lock);
	module_initialising = NULL;
	mod->state = MODULE_LIVE;
	uses_hold(mod);
	list_push_front(&modules, &mod->link);
	spin_unlock(&module_refs_lock);
	mutex_unlock(&modules_lock);
	kfree(layout.sections);
	kfree(layout.slot_of_symbol);
	if (state.module_imports)
		pr_info(
		    "module: %s loaded at %lx (%lu KiB, %u kernel symbols, %u "
		    "from modules)",
		    mod->name, (unsigned long)mod->region[LOADER_TEXT],
		    (unsigned long)((mod->region_size[0] + mod->region_size[1] +
				     mod->region_size[2]) /
				    1024),
		    mod->imports, state.module_imports);
	else
		pr_info(
		    "module: %s loaded at %lx (%lu KiB, %u kernel symbols)",
		    mod->name, (unsigned long)mod->region[LOADER_TEXT],
		    (unsigned long)((mod->region_size[0] + mod->region_size[1] +
				     mod->region_size[2]) /
				    1024),
		    mod->imports);
	return 0;

forget_types:
	vfs_unregister_module_types(mod, mod->name);
	spin_lock(&module_refs_lock);
	module_initialising = NULL;
	spin_unlock(&module_refs_lock);
free_modinfo:
	kfree(mod->modinfo);
forget_debug:
	module_debug_remove(mod->name);
unlock:
	mutex_unlock(&modules_lock);
	uses_free(mod, false); /* collected, never held */
free_regions:
	free_regions(mod);
free_layout:
	kfree(layout.sections);
	kfree(layout.slot_of_symbol);
	kfree(mod);
fail:
	if (err == -ENOMEM && !reason[0])
		snprintf(reason, ELF_REASON_MAX, "out of memory");
	return err;
}

int module_unload(const char *name, char *users, size_t users_size,
		  unsigned *mounts)
{
	struct module *mod;
	unsigned held_by_mounts;
	bool busy, held;
	int tasks;

	if (users_size)
		users[0] = '\0';
	if (mounts)
		*mounts = 0;
	mutex_lock(&modules_lock);
	mod = find_loaded(name);
	if (!mod) {
		mutex_unlock(&modules_lock);
		return -ENOENT;
	}
	/* Check and mark GOING in one step: no mount can slip in after. */
	spin_lock(&module_refs_lock);
	held = mod->refcount > 0 || (mod->header->init && !mod->header->exit);
	tasks = mod->tasks;
	busy = held || tasks > 0;
	held_by_mounts = mod->mounts;
	if (!busy)
		mod->state = MODULE_GOING;
	spin_unlock(&module_refs_lock);
	if (busy) {
		if (users_size && held)
			users_of(mod, users, users_size, ' ');
		else if (users_size)
			snprintf(users, users_size, "%d task%s", tasks,
				 tasks == 1 ? "" : "s");
		if (mounts)
			*mounts = held_by_mounts;
		mutex_unlock(&modules_lock);
		return -EBUSY;
	}
	if (mod->header->exit)
		mod->header->exit();
	vfs_unregister_module_types(mod, mod->name);
	spin_lock(&module_refs_lock);
	list_remove(&mod->link);
	spin_unlock(&module_refs_lock);
	uses_free(mod, true);
	mutex_unlock(&modules_lock);
	module_debug_remove(mod->name);
	pr_info("module: %s unloaded", mod->name);
	free_regions(mod);
	kfree(mod->modinfo);
	kfree(mod);
	return 0;
}

int module_list(struct module_summary *out, int max)
{
	struct list *pos;
	int n = 0;

	mutex_lock(&modules_lock);
	list_for_each (pos, &modules) {
		struct module *mod = container_of(pos, struct module, link);

		if (n == max)
			break;
		strlcpy(out[n].name, mod->name, sizeof(out[n].name));
		out[n].size = mod->region_size[0] + mod->region_size[1] +
			      mod->region_size[2];
		spin_lock(&module_refs_lock);
		out[n].refcount = mod->refcount;
		spin_unlock(&module_refs_lock);
		users_of(mod, out[n].users, sizeof(out[n].users), ',');
		out[n].text = mod->region[LOADER_TEXT];
		out[n].rodata = mod->region[LOADER_RODATA];
		out[n].data = mod->region[LOADER_DATA];
		n++;
	}
	mutex_unlock(&modules_lock);
	return n;
}

const char *module_name(const struct module *mod)
{
	return mod->name;
}
