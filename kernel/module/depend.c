/*
 * depend.c - dependencies between modules.
 *
 * The module build (tools/modpost.c) stamps two metadata strings that the
 * loader reads straight from the file: abi=MAJOR.MINOR, the oldest ABI the
 * module runs on (which then takes the place of the ABI version of the
 * headers it was compiled with), and depends=a,b, the modules whose exports
 * it uses.  check_stamps reads both before anything is allocated.
 *
 * Every module named by depends= must be loaded; each becomes a use
 * (struct module_use) of the new module, as does any loaded module whose
 * export resolves one of its symbols.  Uses are collected while linking
 * and turned into references (the used module's refcount) only when the
 * module is listed (uses_hold), so a refused load touches no other module;
 * unloading drops them (uses_free).
 *
 * Imports resolve against the kernel's exports first, then against other
 * modules'.  Exports of other modules are found by a walk over the list:
 * there are few modules and few exports, unlike the kernel's own table,
 * which is hashed (export.c).  A module's own exports are checked as it is
 * linked (take_exports): each must point into the module and name a symbol
 * nobody exports yet.
 *
 * Locking: a module's uses and the list are read and changed with
 * modules_lock held (module.c); refcounts with module_refs_lock too.
 */
#include <stdbool.h>

#include <keel/abi.h>
#include <keel/errno.h>
#include <keel/export.h>

#include "lib/printf.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "module/export.h"
#include "module/internal.h"

/* ---- stamps: read from the file, before anything is allocated ----------- */

/*
 * The bytes of section `index` (or -1) in the file, with *size set; NULL
 * unless it is a PROGBITS section, whose bytes validation found in the file.
 */
static const char *file_section(const struct elf_module *m, int index,
				size_t *size)
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
static const char *modinfo_find(const struct elf_module *m, int index,
				const char *tag, size_t *length)
{
	size_t size = 0, tag_length = strlen(tag);
	const char *section = file_section(m, index, &size);

	if (!section)
		return NULL;
	for (size_t at = 0; at < size;) {
		size_t n = strnlen(section + at, size - at);

		if (n > tag_length &&
		    strncmp(section + at, tag, tag_length) == 0 &&
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
 * The first import (in .keel.imports, section `index` or -1) that needs a
 * newer ABI minor than this kernel's, or NULL.  Copies its name to out.
 */
static const char *first_newer_import(const struct elf_module *m, int index,
				      char out[KEEL_SYMBOL_NAME_MAX + 1])
{
	struct keel_module_import record;
	size_t size = 0;
	const char *imports = file_section(m, index, &size);

	for (size_t at = 0; imports && at + sizeof(record) <= size;
	     at += sizeof(record)) {
		memcpy(&record, imports + at,
		       sizeof(record)); /* may be unaligned */
		if (record.size == sizeof(record) &&
		    record.abi_minor > KEEL_ABI_MINOR &&
		    strnlen(record.name, sizeof(record.name)) <
			sizeof(record.name)) {
			strlcpy(out, record.name, KEEL_SYMBOL_NAME_MAX + 1);
			return out;
		}
	}
	return NULL;
}

/*
 * Check the stamps the module build wrote into .keel.modinfo (section
 * `index`, or -1): abi=MAJOR.MINOR must be one this kernel runs, depends=
 * a list of module names.  *stamped tells whether abi= is there.  Reads
 * the file only.  0 or -ENOEXEC with reason set.
 */
int check_stamps(const struct elf_module *m, int index, int imports_index,
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
			snprintf(reason, ELF_REASON_MAX,
				 "abi= stamp '%.*s' is not MAJOR.MINOR",
				 (int)(length > 20 ? 20 : length), value);
			return -ENOEXEC;
		}
		if (major != KEEL_ABI_MAJOR) {
			snprintf(reason, ELF_REASON_MAX,
				 "built for ABI %ld.%ld; this kernel has ABI "
				 "%u.%u (another major)",
				 major, minor, KEEL_ABI_MAJOR, KEEL_ABI_MINOR);
			return -ENOEXEC;
		}
		if (minor > KEEL_ABI_MINOR) {
			if (first_newer_import(m, imports_index, symbol))
				snprintf(reason, ELF_REASON_MAX,
					 "needs ABI %ld.%ld (first for %s); "
					 "this kernel has ABI %u.%u",
					 major, minor, symbol, KEEL_ABI_MAJOR,
					 KEEL_ABI_MINOR);
			else
				snprintf(reason, ELF_REASON_MAX,
					 "needs ABI %ld.%ld (its abi= stamp); "
					 "this kernel has ABI %u.%u",
					 major, minor, KEEL_ABI_MAJOR,
					 KEEL_ABI_MINOR);
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
			snprintf(reason, ELF_REASON_MAX,
				 "depends= stamp '%.*s' is not a list of "
				 "module names",
				 (int)(length > 60 ? 60 : length), value);
			return -ENOEXEC;
		}
		at += n + 1;
	}
	return 0;
}

/* ---- uses: who holds a reference on whom -------------------------------- */

/* One dependency: the module on whose `uses` list it is holds `used`. */
struct module_use {
	struct list link; /* in the user's uses */
	struct module *used;
};

/* Record that `mod` uses `used` (once); 0 or -ENOMEM.  Holds modules_lock. */
static int use_add(struct module *mod, struct module *used)
{
	struct module_use *use;
	struct list *pos;

	list_for_each (pos, &mod->uses)
		if (container_of(pos, struct module_use, link)->used == used)
			return 0;
	use = kmalloc(sizeof(*use));
	if (!use)
		return -ENOMEM;
	use->used = used;
	list_push_back(&mod->uses, &use->link);
	return 0;
}

/*
 * Every module named by depends= must be loaded; each becomes a use of
 * mod.  Holds modules_lock.  0, -ENOENT or -ENOMEM with reason set.
 */
int use_dependencies(struct module *mod, const struct elf_module *m, int index,
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
				 "needs module %s, which is not loaded "
				 "(modprobe loads it first)",
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
 * Take a reference on every module mod uses: it is being listed.  Holds
 * modules_lock and module_refs_lock.
 */
void uses_hold(struct module *mod)
{
	struct list *pos;

	list_for_each (pos, &mod->uses)
		container_of(pos, struct module_use, link)->used->refcount++;
}

/* Free mod's uses, dropping the references they hold when `held`. */
void uses_free(struct module *mod, bool held)
{
	struct list *pos;

	while ((pos = list_pop_front(&mod->uses))) {
		struct module_use *use =
		    container_of(pos, struct module_use, link);

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
static void append_word(char *out, size_t size, const char *word,
			char separator)
{
	size_t at = strlen(out), length = strlen(word);

	if (at + (at ? 1 : 0) + length + 1 > size)
		return;
	if (at)
		out[at++] = separator;
	memcpy(out + at, word, length + 1);
}

/*
 * The names of the modules that use `mod`, into out (size bytes), joined
 * by `separator`.  Holds modules_lock.
 */
void users_of(const struct module *mod, char *out, size_t size, char separator)
{
	struct list *pos, *upos;

	out[0] = '\0';
	list_for_each (pos, &modules) {
		struct module *user = container_of(pos, struct module, link);

		list_for_each (upos, &user->uses)
			if (container_of(upos, struct module_use, link)->used ==
			    mod)
				append_word(out, size, user->name, separator);
	}
}

/* ---- exports: resolving against other modules, taking a module's own ---- */

/*
 * The export named `name` among loaded modules' exports, with its module
 * in *owner; or NULL.  Holds modules_lock.
 */
static const struct keel_module_export *
module_export_find(const char *name, struct module **owner)
{
	struct list *pos;

	list_for_each (pos, &modules) {
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

/*
 * loader_link's resolver (ctx: struct resolve_state).  Resolve an import:
 * against the kernel's exports, then against the exports of loaded modules
 * (recording the use).  Holds modules_lock.
 */
int resolve(void *ctx, const char *name, int weak, uint64_t *address)
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

/*
 * After a link failed on `missing`, say more when the module's import
 * table (.keel.imports, section `index` or -1, read from the file) knows
 * where the symbol should have come from.
 */
void explain_missing(const struct elf_module *m, int index, const char *missing,
		     char reason[ELF_REASON_MAX])
{
	struct keel_module_import record, *im = &record;
	size_t size = 0;
	const char *imports = file_section(m, index, &size);

	if (!imports || !missing)
		return;
	for (size_t at = 0; at + sizeof(record) <= size; at += sizeof(record)) {
		memcpy(&record, imports + at,
		       sizeof(record)); /* may be unaligned */
		if (im->size != sizeof(*im) ||
		    strnlen(im->name, sizeof(im->name)) == sizeof(im->name) ||
		    strnlen(im->module, sizeof(im->module)) ==
			sizeof(im->module) ||
		    strcmp(im->name, missing) != 0)
			continue;
		if (im->module[0])
			snprintf(reason, ELF_REASON_MAX,
				 "unknown symbol %.63s (exported by module %s, "
				 "which is not loaded)",
				 missing, im->module);
		else if (im->abi_minor > KEEL_ABI_MINOR)
			snprintf(reason, ELF_REASON_MAX,
				 "unknown symbol %.63s (added in ABI %u.%u; "
				 "this kernel has ABI %u.%u)",
				 missing, KEEL_ABI_MAJOR, im->abi_minor,
				 KEEL_ABI_MAJOR, KEEL_ABI_MINOR);
		return;
	}
}

/*
 * Take the module's linked .keel.exports (section `index`, or -1): every
 * record well formed, pointing into the module, and naming a symbol nobody
 * exports yet.  Holds modules_lock.  0, or -ENOEXEC / -EEXIST with reason.
 */
int take_exports(struct module *mod, const struct elf_module *m,
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
			 ".keel.exports is not loaded or not a whole number of "
			 "records");
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
			snprintf(reason, ELF_REASON_MAX,
				 "export record %lu is malformed",
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
			snprintf(reason, ELF_REASON_MAX,
				 "exports %s, which %s%s exports already",
				 e->name, ke ? "the kernel" : "module ",
				 ke ? "" : owner->name);
			return -EEXIST;
		}
	}
	mod->exports = exports;
	mod->nexports = (unsigned)count;
	return 0;
}
