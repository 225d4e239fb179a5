/*
 * export.h - the kernel symbols modules may use.
 *
 * A module links only against symbols the ABI declares.  Each one is marked
 * where it is defined:
 *
 *     void *kmalloc(size_t size) { ... }
 *     KEEL_EXPORT(kmalloc, 0);        // part of the ABI since 1.0
 *
 * KEEL_EXPORT puts a struct kernel_export into a .keel_exports.* section;
 * the linker script gathers them into one table, and at boot exports_init()
 * builds a hash table over it, so the loader resolves a module's imports in
 * constant time each.  Anything not exported does not exist for modules.
 */
#ifndef KEEL_MODULE_EXPORT_H
#define KEEL_MODULE_EXPORT_H

#include <stdint.h>

struct kernel_export {
	const char *name;
	uintptr_t address;
	uint32_t abi_minor; /* the ABI minor that introduced the symbol */
};

/* tools/modpost.c reads this table from kernel.elf: keep the layout. */
_Static_assert(sizeof(struct kernel_export) == 24, "kernel_export size");
_Static_assert(__builtin_offsetof(struct kernel_export, address) == 8, "kernel_export");
_Static_assert(__builtin_offsetof(struct kernel_export, abi_minor) == 16, "kernel_export");

#define KEEL_EXPORT(sym, minor)                                                \
	static const struct kernel_export kernel_export_##sym                   \
		__attribute__((used, section(".keel_exports." #sym),           \
			       aligned(8))) = { #sym, (uintptr_t)&(sym), (minor) }

/* Build the lookup table; once at boot, in thread context.  0 or -ENOMEM. */
int exports_init(void);
/* The export named `name`, or NULL. */
const struct kernel_export *export_find(const char *name);
/* Number of kernel exports. */
unsigned exports_count(void);

#endif /* KEEL_MODULE_EXPORT_H */
