/*
 * keel/export.h - symbols that cross between modules.
 *
 * A module may offer functions and variables to modules loaded after it:
 *
 *     #include <keel/export.h>
 *
 *     int hello_dep_greet(const char *who) { ... }
 *     KEEL_EXPORT_SYMBOL(hello_dep_greet);
 *
 * and another module simply calls it, declaring it in a header of the
 * exporting module (`#include "../hello_dep/hello_dep.h"`).  Nothing else
 * is needed: the module build (modpost) sees the call, finds which module
 * exports the name, and records the dependency; `modprobe` then loads the
 * exporting module first, and `rmmod` refuses to remove it while a module
 * that uses it is loaded.
 *
 * Two sections carry this, one written by the author, one by the build:
 *
 *   .keel.exports  one struct keel_module_export per KEEL_EXPORT_SYMBOL: the
 *                  name and address of the symbol.  It holds pointers, so
 *                  the loader reads it after relocation; from then on
 *                  modules loaded later resolve their undefined symbols
 *                  against it (after the kernel's own exports).  A name the
 *                  kernel or another loaded module already exports refuses
 *                  the load.
 *   .keel.imports  one struct keel_module_import per undefined symbol of
 *                  the module, written by modpost into NAME.mod.c (see
 *                  tools/modpost.c) with KEEL_MODULE_IMPORT: the symbol's
 *                  name, the ABI minor that introduced it (kernel symbols),
 *                  or the module that exports it.  No pointers: the loader
 *                  and host tools read it straight from the file.
 *
 * modpost also stamps two .keel.modinfo strings: `depends=a,b` (the modules
 * whose exports this one uses, each named once) and `abi=MAJOR.MINOR` (the
 * highest minor among the kernel symbols it imports: the oldest kernel it
 * runs on).
 */
#ifndef KEEL_EXPORT_H
#define KEEL_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include <keel/module.h>

#define KEEL_SYMBOL_NAME_MAX 63 /* bytes in an exported name, without the NUL */

/* One exported symbol, in section .keel.exports. */
struct keel_module_export {
	uint32_t size;       /* sizeof(struct keel_module_export) as built */
	uint32_t reserved0;  /* zero */
	const char *name;    /* the symbol's name, 1..KEEL_SYMBOL_NAME_MAX bytes */
	const void *address; /* the function or variable */
};

/* One symbol the module uses, in section .keel.imports (written by modpost). */
struct keel_module_import {
	uint32_t size;      /* sizeof(struct keel_module_import) as built */
	uint32_t abi_minor; /* kernel symbol: the ABI minor that added it; else 0 */
	char name[KEEL_SYMBOL_NAME_MAX + 1];    /* NUL-terminated */
	char module[KEEL_MODULE_NAME_MAX + 1];  /* "" for a kernel symbol, else
						   the module exporting it */
};

/*
 * Offer `sym` (a function or variable defined in this module, static or
 * not) to modules loaded later, under its own name.
 */
#define KEEL_EXPORT_SYMBOL(sym)                                                \
	static const struct keel_module_export keel_module_export_##sym        \
		KEEL_MODULE_SECTION_(".keel.exports") __attribute__((aligned(8))) = { \
			sizeof(struct keel_module_export), 0, #sym,            \
			(const void *)&(sym) }

/*
 * One import record; written by modpost, not by hand.  `minor` is a number,
 * `from` a string literal ("" for the kernel).
 */
#define KEEL_MODULE_IMPORT(sym, minor, from)                                   \
	static const struct keel_module_import keel_module_import_##sym        \
		KEEL_MODULE_SECTION_(".keel.imports") __attribute__((aligned(8))) = { \
			sizeof(struct keel_module_import), (minor), #sym, from }

_Static_assert(sizeof(struct keel_module_export) == 24, "keel_module_export size");
_Static_assert(offsetof(struct keel_module_export, size) == 0, "keel_module_export");
_Static_assert(offsetof(struct keel_module_export, reserved0) == 4, "keel_module_export");
_Static_assert(offsetof(struct keel_module_export, name) == 8, "keel_module_export");
_Static_assert(offsetof(struct keel_module_export, address) == 16, "keel_module_export");
_Static_assert(sizeof(struct keel_module_import) == 104, "keel_module_import size");
_Static_assert(offsetof(struct keel_module_import, size) == 0, "keel_module_import");
_Static_assert(offsetof(struct keel_module_import, abi_minor) == 4, "keel_module_import");
_Static_assert(offsetof(struct keel_module_import, name) == 8, "keel_module_import");
_Static_assert(offsetof(struct keel_module_import, module) == 72, "keel_module_import");

#endif /* KEEL_EXPORT_H */
