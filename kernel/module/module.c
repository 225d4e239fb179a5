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
 * the list and every module's uses, so two insmods of the same name cannot
 * both succeed and a module cannot go while another links against it.  A
 * module's init and exit run with it held; they must not load or unload
 * modules themselves.  module_refs_lock (a spinlock, inside modules_lock)
 * guards every refcount, mounts count and state, the list's links and the
 * module whose init is running: what the VFS needs while it holds its own
 * locks (module_owning, module_mount_get/put), so it never waits for
 * modules_lock, which an init or exit holds while calling into the VFS.
 *
 * Filesystem types.  A module registers its types in init and unregisters
 * them in exit; every mount of one holds a reference (module_mount_get).
 * Unloading first marks the module GOING under module_refs_lock, only if
 * nothing holds it, so no mount can start between that check and exit.
 * After exit, and after a failed init, the VFS removes any type the module
 * left registered (vfs_unregister_module_types), with a warning.
 *
 * Tasks.  Executor tasks whose poll function is in a module's text count
 * as its own (module_task_hold, under module_refs_lock, from keel_spawn);
 * unload is refused while any lives.  If init fails after spawning, the
 * module is marked GOING (no new task) and its tasks are cancelled and
 * waited for before its code is freed.
 *
 * Dependencies.  The module build (tools/modpost.c) stamps two metadata
 * strings that the loader reads straight from the file: abi=MAJOR.MINOR,
 * the oldest ABI the module runs on (which then takes the place of the
 * ABI version of the headers it was compiled with), and depends=a,b, the
 * modules whose exports it uses.  Every module named must be loaded; each
 * becomes a use (struct module_use) of the new module, as does any loaded
 * module whose export resolves one of its symbols.  Uses are collected
 * while linking and turned into references (the used module's refcount)
 * only when the module is listed, so a refused load touches no other
 * module; unloading drops them.  Exports of other modules are found by a
 * walk over the list: there are few modules and few exports, unlike the
 * kernel's own table, which is hashed (export.c).
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
#include "module/module.h"
#include "module/param.h"
#include "exec/exec.h"
#include "sched/thread.h"
#include "sync/mutex.h"
#include "sync/spinlock.h"

static struct list modules = LIST_INIT(modules);
static struct mutex modules_lock;
static struct spinlock module_refs_lock = SPINLOCK_INIT("module refs");
static struct module *initialising; /* whose init runs; module_refs_lock */
static int module_tasks_cancel(struct module *mod);

int modules_init(int far)
{
	mutex_init(&modules_lock, "modules");
	if (far)
		module_area_use_far();
	return exports_init();
}

/* One dependency: the module on whose `uses` list it is holds `used`. */
struct module_use {
	struct list link; /* in the user's uses */
	struct module *used;
};

struct resolve_state {
	struct module *mod;     /* the module being linked */
	uint32_t minor_needed;  /* highest ABI minor among its kernel imports */
	unsigned imports;       /* kernel symbols resolved */
	unsigned module_imports; /* symbols resolved from other modules */
	const char *missing;    /* the last symbol nobody exports */
};

/*
 * The export named `name` among loaded modules' exports, with its module
 * in *owner; or NULL.  Holds modules_lock.
 */
static const struct keel_module_export *module_export_find(const char *name,
							   struct module **owner)
{
	struct list *pos;

	list_for_each(pos, &modules) {
		struct module *mod = container_of(pos, struct module, link);

		for (unsigned i = 0; i < mod->nexports; i++) {
			if (strcmp(mod->exports[i].name, name) == 0) {
				*owner = mod;
				return &mod->exports[i];
			}
		}
	}
	return NULL;
}

/* Record that `mod` uses `used` (once); 0 or -ENOMEM.  Holds modules_lock. */
static int use_add(struct module *mod, struct module *used)
{
	struct module_use *use;
	struct list *pos;

	list_for_each(pos, &mod->uses)
		if (container_of(pos, struct module_use, link)->used == used)
			return 0;
	use = kmalloc(sizeof(*use));
	if (!use)
		return -ENOMEM;
	use->used = used;
	list_push_back(&mod->uses, &use->link);
	return 0;
}

/* Free mod's uses, dropping the references they hold when `held`. */
static void uses_free(struct module *mod, bool held)
{
	struct list *pos;

	while ((pos = list_pop_front(&mod->uses))) {
		struct module_use *use = container_of(pos, struct module_use, link);

		if (held) {
			spin_lock(&module_refs_lock);
			use->used->refcount--;
			spin_unlock(&module_refs_lock);
		}
		kfree(use);
	}
}

/*
 * Append `word` to the list in `out` (size bytes, NUL-terminated), after
 * `separator` unless the list is empty.  A word that does not fit is left
 * out whole.
 */
static void append_word(char *out, size_t size, const char *word, char separator)
{
	size_t at = strlen(out), length = strlen(word);

	if (at + (at ? 1 : 0) + length + 1 > size)
		return;
	if (at)
		out[at++] = separator;
	memcpy(out + at, word, length + 1);
}

/* The names of the modules that use `mod`, into out.  Holds modules_lock. */
static void users_of(const struct module *mod, char *out, size_t size, char separator)
{
	struct list *pos, *upos;

	out[0] = '\0';
	list_for_each(pos, &modules) {
		struct module *user = container_of(pos, struct module, link);

		list_for_each(upos, &user->uses)
			if (container_of(upos, struct module_use, link)->used == mod)
				append_word(out, size, user->name, separator);
	}
}

/*
 * Resolve an import: against the kernel's exports, then against the
 * exports of loaded modules (recording the use).  Holds modules_lock.
 */
static int resolve(void *ctx, const char *name, int weak, uint64_t *address)
{
	struct resolve_state *state = ctx;
	const struct kernel_export *e = export_find(name);
	const struct keel_module_export *me;
	struct module *owner;
	int err;

	if (e) {
		*address = e->address;
		state->imports++;
		if (e->abi_minor > state->minor_needed)
			state->minor_needed = e->abi_minor;
		return 0;
	}
	me = module_export_find(name, &owner);
	if (me) {
		err = use_add(state->mod, owner);
		if (err)
			return err;
		*address = (uintptr_t)me->address;
		state->module_imports++;
		return 0;
	}
	if (!weak)
		state->missing = name;
	return -ENOENT;
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

/*
 * The bytes of section `index` (or -1) in the file, with *size set; NULL
 * unless it is a PROGBITS section, whose bytes validation found in the file.
 */
static const char *file_section(const struct elf_module *m, int index, size_t *size)
{
	if (index < 0 || m->sections[index].sh_type != SHT_PROGBITS)
		return NULL;
	*size = m->sections[index].sh_size;
	return (const char *)m->file + m->sections[index].sh_offset;
}

/*
 * The value of the first "tag=value" string of the file's .keel.modinfo
 * (section `index`, or -1), bounded by the section: *length gets its
 * length.  NULL when absent.
 */
static const char *modinfo_find(const struct elf_module *m, int index, const char *tag,
				size_t *length)
{
	size_t size = 0, tag_length = strlen(tag);
	const char *section = file_section(m, index, &size);

	if (!section)
		return NULL;
	for (size_t at = 0; at < size;) {
		size_t n = strnlen(section + at, size - at);

		if (n > tag_length && strncmp(section + at, tag, tag_length) == 0 &&
		    section[at + tag_length] == '=') {
			*length = n - tag_length - 1;
			return section + at + tag_length + 1;
		}
		at += n + 1;
	}
	return NULL;
}

/* A decimal number of at most 5 digits at *p, advancing; -1 when none. */
static long take_number(const char **p, const char *end)
{
	long value = 0;
	int digits = 0;

	while (*p < end && **p >= '0' && **p <= '9' && digits < 5) {
		value = value * 10 + (**p - '0');
		(*p)++;
		digits++;
	}
	return digits ? value : -1;
}

static bool module_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/*
 * Check the stamps the module build wrote into .keel.modinfo (section
 * `index`, or -1): abi=MAJOR.MINOR must be one this kernel runs, depends=
 * a list of module names.  *stamped tells whether abi= is there.  Reads
 * the file only.  0 or -ENOEXEC with reason set.
 */
/*
 * The first import (in .keel.imports, section `index` or -1) that needs a
 * newer ABI minor than this kernel's, or NULL.  Copies its name to out.
 */
static const char *first_newer_import(const struct elf_module *m, int index,
				      char out[KEEL_SYMBOL_NAME_MAX + 1])
{
	struct keel_module_import record;
	size_t size = 0;
	const char *imports = file_section(m, index, &size);

	for (size_t at = 0; imports && at + sizeof(record) <= size; at += sizeof(record)) {
		memcpy(&record, imports + at, sizeof(record)); /* may be unaligned */
		if (record.size == sizeof(record) && record.abi_minor > KEEL_ABI_MINOR &&
		    strnlen(record.name, sizeof(record.name)) < sizeof(record.name)) {
			strlcpy(out, record.name, KEEL_SYMBOL_NAME_MAX + 1);
			return out;
		}
	}
	return NULL;
}

static int check_stamps(const struct elf_module *m, int index, int imports_index,
			bool *stamped, char reason[ELF_REASON_MAX])
{
	char symbol[KEEL_SYMBOL_NAME_MAX + 1];

	size_t length;
	const char *value = modinfo_find(m, index, "abi", &length);
	const char *p = value, *end = value + length;
	long major, minor;

	*stamped = value != NULL;
	if (value) {
		major = take_number(&p, end);
		minor = p < end && *p == '.' ? (p++, take_number(&p, end)) : -1;
		if (major < 0 || minor < 0 || p != end) {
			snprintf(reason, ELF_REASON_MAX, "abi= stamp '%.*s' is not MAJOR.MINOR",
				 (int)(length > 20 ? 20 : length), value);
			return -ENOEXEC;
		}
		if (major != KEEL_ABI_MAJOR) {
			snprintf(reason, ELF_REASON_MAX,
				 "built for ABI %ld.%ld; this kernel has ABI %u.%u (another major)",
				 major, minor, KEEL_ABI_MAJOR, KEEL_ABI_MINOR);
			return -ENOEXEC;
		}
		if (minor > KEEL_ABI_MINOR) {
			if (first_newer_import(m, imports_index, symbol))
				snprintf(reason, ELF_REASON_MAX,
					 "needs ABI %ld.%ld (first for %s); this kernel has ABI %u.%u",
					 major, minor, symbol, KEEL_ABI_MAJOR, KEEL_ABI_MINOR);
			else
				snprintf(reason, ELF_REASON_MAX,
					 "needs ABI %ld.%ld (its abi= stamp); this kernel has ABI %u.%u",
					 major, minor, KEEL_ABI_MAJOR, KEEL_ABI_MINOR);
			return -ENOEXEC;
		}
	}
	value = modinfo_find(m, index, "depends", &length);
	for (size_t at = 0; value && at < length;) {
		size_t n = 0;

		while (at + n < length && module_name_char(value[at + n]))
			n++;
		if (n == 0 || n > KEEL_MODULE_NAME_MAX ||
		    (at + n < length && value[at + n] != ',')) {
			snprintf(reason, ELF_REASON_MAX, "depends= stamp '%.*s' is not a list of module names",
				 (int)(length > 60 ? 60 : length), value);
			return -ENOEXEC;
		}
		at += n + 1;
	}
	return 0;
}

/*
 * Every module named by depends= must be loaded; each becomes a use of
 * mod.  Holds modules_lock.  0, -ENOENT or -ENOMEM with reason set.
 */
static int use_dependencies(struct module *mod, const struct elf_module *m, int index,
			    char reason[ELF_REASON_MAX])
{
	size_t length;
	const char *value = modinfo_find(m, index, "depends", &length);

	for (size_t at = 0; value && at < length;) {
		char name[KEEL_MODULE_NAME_MAX + 1];
		size_t n = 0;
		struct module *used;

		while (at + n < length && value[at + n] != ',')
			n++;
		memcpy(name, value + at, n); /* check_stamps: 1..31 bytes */
		name[n] = '\0';
		used = find_loaded(name);
		if (!used) {
			snprintf(reason, ELF_REASON_MAX,
				 "needs module %s, which is not loaded (modprobe loads it first)",
				 name);
			return -ENOENT;
		}
		if (use_add(mod, used)) {
			snprintf(reason, ELF_REASON_MAX, "out of memory");
			return -ENOMEM;
		}
		at += n + 1;
	}
	return 0;
}

/*
 * After a link failed on `missing`, say more when the module's import
 * table (.keel.imports, section `index` or -1, read from the file) knows
 * where the symbol should have come from.
 */
static void explain_missing(const struct elf_module *m, int index, const char *missing,
			    char reason[ELF_REASON_MAX])
{
	struct keel_module_import record, *im = &record;
	size_t size = 0;
	const char *imports = file_section(m, index, &size);

	if (!imports || !missing)
		return;
	for (size_t at = 0; at + sizeof(record) <= size; at += sizeof(record)) {
		memcpy(&record, imports + at, sizeof(record)); /* may be unaligned */
		if (im->size != sizeof(*im) || strnlen(im->name, sizeof(im->name)) == sizeof(im->name) ||
		    strnlen(im->module, sizeof(im->module)) == sizeof(im->module) ||
		    strcmp(im->name, missing) != 0)
			continue;
		if (im->module[0])
			snprintf(reason, ELF_REASON_MAX,
				 "unknown symbol %.63s (exported by module %s, which is not loaded)",
				 missing, im->module);
		else if (im->abi_minor > KEEL_ABI_MINOR)
			snprintf(reason, ELF_REASON_MAX,
				 "unknown symbol %.63s (added in ABI %u.%u; this kernel has ABI %u.%u)",
				 missing, KEEL_ABI_MAJOR, im->abi_minor, KEEL_ABI_MAJOR,
				 KEEL_ABI_MINOR);
		return;
	}
}

/* True when [address, address + length) lies inside one of mod's regions. */
static bool in_module(const struct module *mod, uintptr_t address, size_t length)
{
	for (int r = 0; r < LOADER_REGIONS; r++)
		if (mod->region[r] && address >= mod->region[r] &&
		    length <= mod->region_size[r] &&
		    address - mod->region[r] <= mod->region_size[r] - length)
			return true;
	return false;
}

/*
 * Take the module's linked .keel.exports (section `index`, or -1): every
 * record well formed, pointing into the module, and naming a symbol nobody
 * exports yet.  Holds modules_lock.  0, or -ENOEXEC / -EEXIST with reason.
 */
static int take_exports(struct module *mod, const struct elf_module *m,
			const struct loader_layout *layout,
			const struct loader_target *target, int index,
			char reason[ELF_REASON_MAX])
{
	const struct keel_module_export *exports;
	size_t count;

	if (index < 0)
		return 0;
	count = m->sections[index].sh_size / sizeof(*exports);
	exports = (const struct keel_module_export *)(uintptr_t)
		loader_section_address(layout, target, (unsigned)index);
	if (!exports || m->sections[index].sh_size % sizeof(*exports)) {
		snprintf(reason, ELF_REASON_MAX,
			 ".keel.exports is not loaded or not a whole number of records");
		return -ENOEXEC;
	}
	for (size_t i = 0; i < count; i++) {
		const struct keel_module_export *e = &exports[i];
		uintptr_t name = (uintptr_t)e->name;
		const struct kernel_export *ke;
		struct module *owner;
		size_t length;

		if (e->size != sizeof(*e) || !in_module(mod, name, 1) ||
		    !in_module(mod, (uintptr_t)e->address, 1)) {
			snprintf(reason, ELF_REASON_MAX, "export record %lu is malformed",
				 (unsigned long)i);
			return -ENOEXEC;
		}
		length = strnlen(e->name, KEEL_SYMBOL_NAME_MAX + 1);
		if (length == 0 || length > KEEL_SYMBOL_NAME_MAX ||
		    !in_module(mod, name, length + 1)) {
			snprintf(reason, ELF_REASON_MAX,
				 "export record %lu has no name of 1..%d bytes",
				 (unsigned long)i, KEEL_SYMBOL_NAME_MAX);
			return -ENOEXEC;
		}
		ke = export_find(e->name);
		if (ke || module_export_find(e->name, &owner)) {
			snprintf(reason, ELF_REASON_MAX, "exports %s, which %s%s exports already",
				 e->name, ke ? "the kernel" : "module ", ke ? "" : owner->name);
			return -EEXIST;
		}
	}
	mod->exports = exports;
	mod->nexports = (unsigned)count;
	return 0;
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
	if (!stamped && KEEL_ABI_VERSION_MINOR(h->abi_version) > KEEL_ABI_MINOR) {
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
	struct resolve_state state = { 0 };
	struct loader_target target;
	struct loader_layout layout;
	struct elf_module m;
	struct module *mod;
	struct list *pos;
	int err, header_index, params_index, modinfo_index, exports_index, imports_index;
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
			 "no .keel.module section: declare the module with KEEL_MODULE()");
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

	spin_lock(&module_refs_lock);
	initialising = mod; /* for module_owning, as init registers things */
	spin_unlock(&module_refs_lock);
	if (mod->header->init) {
		err = mod->header->init();
		if (err) {
			snprintf(reason, ELF_REASON_MAX, "%s's init failed: %s", mod->name,
				 strerror(err));
			if (err > 0)
				err = -EINVAL;
			/* Its tasks end before its code goes; no new one starts. */
			spin_lock(&module_refs_lock);
			mod->state = MODULE_GOING;
			spin_unlock(&module_refs_lock);
			while (module_tasks_cancel(mod))
				thread_sleep_ms(1);
			goto forget_types;
		}
	}
	/* Listed: from here on the module holds its uses. */
	spin_lock(&module_refs_lock);
	initialising = NULL;
	mod->state = MODULE_LIVE;
	list_for_each(pos, &mod->uses)
		container_of(pos, struct module_use, link)->used->refcount++;
	list_push_front(&modules, &mod->link);
	spin_unlock(&module_refs_lock);
	mutex_unlock(&modules_lock);
	kfree(layout.sections);
	kfree(layout.slot_of_symbol);
	if (state.module_imports)
		pr_info("module: %s loaded at %lx (%lu KiB, %u kernel symbols, %u from modules)",
			mod->name, (unsigned long)mod->region[LOADER_TEXT],
			(unsigned long)((mod->region_size[0] + mod->region_size[1] +
					 mod->region_size[2]) / 1024),
			mod->imports, state.module_imports);
	else
		pr_info("module: %s loaded at %lx (%lu KiB, %u kernel symbols)", mod->name,
			(unsigned long)mod->region[LOADER_TEXT],
			(unsigned long)((mod->region_size[0] + mod->region_size[1] +
					 mod->region_size[2]) / 1024), mod->imports);
	return 0;

forget_types:
	vfs_unregister_module_types(mod, mod->name);
	spin_lock(&module_refs_lock);
	initialising = NULL;
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
			snprintf(users, users_size, "%d task%s", tasks, tasks == 1 ? "" : "s");
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
	list_for_each(pos, &modules) {
		struct module *mod = container_of(pos, struct module, link);

		if (n == max)
			break;
		strlcpy(out[n].name, mod->name, sizeof(out[n].name));
		out[n].size = mod->region_size[0] + mod->region_size[1] + mod->region_size[2];
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

struct module *module_owning(const void *address)
{
	uintptr_t at = (uintptr_t)address;
	struct module *owner = NULL;
	struct list *pos;

	if (!address)
		return NULL;
	spin_lock(&module_refs_lock);
	if (initialising && in_module(initialising, at, 1))
		owner = initialising;
	list_for_each(pos, &modules) {
		struct module *mod = container_of(pos, struct module, link);

		if (!owner && in_module(mod, at, 1))
			owner = mod;
	}
	spin_unlock(&module_refs_lock);
	return owner;
}

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

const char *module_name(const struct module *mod)
{
	return mod->name;
}

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
	if (initialising && in_text(initialising, address))
		found = initialising;
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
