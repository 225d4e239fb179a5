/*
 * module.c - the life of a loaded module.
 *
 * Error policy (one for the whole file): module_load() owns every resource
 * it takes and releases them in one cleanup ladder at the end, whose labels
 * say what they undo; the stages it calls never free anything on error.
 * Nothing is visible to the rest of the kernel until the module is on the
 * list, which is the last step after a successful init.
 *
 * Locking: modules_lock (a mutex) serialises load and unload and protects
 * the list, so two insmods of the same name cannot both succeed.  A
 * module's init and exit run with it held; they must not load or unload
 * modules themselves.
 */
#include <keel/abi.h>
#include <keel/errno.h>

#include "arch/riscv.h"
#include "arch/sbi.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "log/printk.h"
#include "mm/kmalloc.h"
#include "mm/page.h"
#include "mm/vm.h"
#include "module/area.h"
#include "module/debug.h"
#include "module/export.h"
#include "module/module.h"
#include "module/param.h"
#include "sync/mutex.h"

static struct list modules = LIST_INIT(modules);
static struct mutex modules_lock;

int modules_init(int far)
{
	mutex_init(&modules_lock, "modules");
	if (far)
		module_area_use_far();
	return exports_init();
}

struct resolve_state {
	uint32_t minor_needed;
	unsigned imports;
};

/* Resolve an import against the kernel's exports. */
static int resolve_kernel(void *ctx, const char *name, int weak, uint64_t *address)
{
	struct resolve_state *state = ctx;
	const struct kernel_export *e = export_find(name);

	if (!e) {
		if (!weak)
			return -ENOENT;
		*address = 0;
		return 0;
	}
	*address = e->address;
	state->imports++;
	if (e->abi_minor > state->minor_needed)
		state->minor_needed = e->abi_minor;
	return 0;
}

static int find_section(const struct elf_module *m, const char *name)
{
	for (unsigned i = 1; i < m->nsections; i++)
		if (strcmp(elf_section_name(m, i), name) == 0)
			return (int)i;
	return -1;
}

static struct module *find_loaded(const char *name)
{
	struct list *pos;

	list_for_each(pos, &modules) {
		struct module *mod = container_of(pos, struct module, link);
		if (strcmp(mod->name, name) == 0)
			return mod;
	}
	return NULL;
}

/* Copy the module's name out of its header, checking it. Holds modules_lock. */
static int check_header(const struct keel_module_header *h, struct module *mod,
			char reason[ELF_REASON_MAX])
{
	size_t length;

	if (h->size < offsetof(struct keel_module_header, exit) + sizeof(h->exit)) {
		snprintf(reason, ELF_REASON_MAX, "module header is %u bytes, too small",
			 h->size);
		return -ENOEXEC;
	}
	if (KEEL_ABI_VERSION_MAJOR(h->abi_version) != KEEL_ABI_MAJOR) {
		snprintf(reason, ELF_REASON_MAX,
			 "built for ABI %u.%u; this kernel has ABI %u.%u (another major)",
			 KEEL_ABI_VERSION_MAJOR(h->abi_version),
			 KEEL_ABI_VERSION_MINOR(h->abi_version), KEEL_ABI_MAJOR,
			 KEEL_ABI_MINOR);
		return -ENOEXEC;
	}
	if (KEEL_ABI_VERSION_MINOR(h->abi_version) > KEEL_ABI_MINOR) {
		snprintf(reason, ELF_REASON_MAX,
			 "needs ABI %u.%u (its module header); this kernel has ABI %u.%u",
			 KEEL_ABI_VERSION_MAJOR(h->abi_version),
			 KEEL_ABI_VERSION_MINOR(h->abi_version), KEEL_ABI_MAJOR,
			 KEEL_ABI_MINOR);
		return -ENOEXEC;
	}
	length = h->name ? strnlen(h->name, KEEL_MODULE_NAME_MAX + 1) : 0;
	if (length == 0 || length > KEEL_MODULE_NAME_MAX) {
		snprintf(reason, ELF_REASON_MAX, "module name missing or longer than %d bytes",
			 KEEL_MODULE_NAME_MAX);
		return -ENOEXEC;
	}
	for (size_t i = 0; i < length; i++) {
		char c = h->name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
			snprintf(reason, ELF_REASON_MAX,
				 "module name may use only a-z, 0-9 and _");
			return -ENOEXEC;
		}
	}
	memcpy(mod->name, h->name, length);
	mod->name[length] = '\0';
	if (find_loaded(mod->name)) {
		snprintf(reason, ELF_REASON_MAX, "module %s is already loaded", mod->name);
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
	struct resolve_state state = { 0, 0 };
	struct loader_target target;
	struct loader_layout layout;
	struct elf_module m;
	struct module *mod;
	int err, header_index, params_index, modinfo_index;

	reason[0] = '\0';
	err = elf_validate(file, size, &m, reason);
	if (err)
		return err;
	header_index = find_section(&m, ".keel.module");
	params_index = find_section(&m, ".keel.params");
	modinfo_index = find_section(&m, ".keel.modinfo");
	if (header_index < 0) {
		snprintf(reason, ELF_REASON_MAX,
			 "no .keel.module section: declare the module with KEEL_MODULE()");
		return -ENOEXEC;
	}

	err = -ENOMEM;
	mod = kmalloc(sizeof(*mod));
	if (!mod)
		goto fail;
	layout.sections = kmalloc(sizeof(*layout.sections) * m.nsections);
	layout.slot_of_symbol = kmalloc(sizeof(*layout.slot_of_symbol) * (m.nsymbols + 1));
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
			snprintf(reason, ELF_REASON_MAX, "out of memory for the module's %lu KiB",
				 (unsigned long)(layout.region_size[r] / 1024));
			goto free_regions;
		}
		mod->region_size[r] = layout.region_size[r];
		target.view[r] = (uint8_t *)mod->region[r];
		target.address[r] = mod->region[r];
	}

	mutex_lock(&modules_lock);
	err = loader_link(&m, &layout, &target, resolve_kernel, &state, reason);
	if (err)
		goto unlock;
	mod->header = (const struct keel_module_header *)(uintptr_t)
		loader_section_address(&layout, &target, (unsigned)header_index);
	err = check_header(mod->header, mod, reason);
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
		uint64_t at = loader_section_address(&layout, &target, (unsigned)params_index);
		size_t count = mm->sections[params_index].sh_size / sizeof(struct keel_module_param);

		err = params_apply((const struct keel_module_param *)(uintptr_t)at, count,
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
		err = module_area_protect(mod->region[r], mod->region_size[r], region_perm[r]);
		if (err) {
			snprintf(reason, ELF_REASON_MAX, "cannot protect the module's memory");
			goto free_modinfo;
		}
	}
	fence_i();
	sbi_remote_fence_i(~0ul);

	if (mod->header->init) {
		err = mod->header->init();
		if (err) {
			snprintf(reason, ELF_REASON_MAX, "%s's init failed: %s", mod->name,
				 strerror(err));
			if (err > 0)
				err = -EINVAL;
			goto free_modinfo;
		}
	}
	list_push_front(&modules, &mod->link);
	mutex_unlock(&modules_lock);
	kfree(layout.sections);
	kfree(layout.slot_of_symbol);
	pr_info("module: %s loaded at %lx (%lu KiB, %u kernel symbols)", mod->name,
		(unsigned long)mod->region[LOADER_TEXT],
		(unsigned long)((mod->region_size[0] + mod->region_size[1] +
				 mod->region_size[2]) / 1024), mod->imports);
	return 0;

free_modinfo:
	kfree(mod->modinfo);
forget_debug:
	module_debug_remove(mod->name);
unlock:
	mutex_unlock(&modules_lock);
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

int module_unload(const char *name)
{
	struct module *mod;

	mutex_lock(&modules_lock);
	mod = find_loaded(name);
	if (!mod) {
		mutex_unlock(&modules_lock);
		return -ENOENT;
	}
	if (mod->refcount > 0 || (mod->header->init && !mod->header->exit)) {
		mutex_unlock(&modules_lock);
		return -EBUSY;
	}
	if (mod->header->exit)
		mod->header->exit();
	list_remove(&mod->link);
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
	list_for_each(pos, &modules) {
		struct module *mod = container_of(pos, struct module, link);

		if (n == max)
			break;
		strlcpy(out[n].name, mod->name, sizeof(out[n].name));
		out[n].size = mod->region_size[0] + mod->region_size[1] + mod->region_size[2];
		out[n].refcount = mod->refcount;
		out[n].text = mod->region[LOADER_TEXT];
		out[n].rodata = mod->region[LOADER_RODATA];
		out[n].data = mod->region[LOADER_DATA];
		n++;
	}
	mutex_unlock(&modules_lock);
	return n;
}
