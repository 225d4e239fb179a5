/*
 * debug.h - what debuggers need to know about loaded modules.
 *
 * For every loaded module the kernel keeps a struct module_debug: where
 * each of its sections landed, and its function symbols with their run-time
 * addresses.  Two readers:
 *
 *   - backtraces and oopses, which name a module frame as
 *     "[hello] hello_init+0x1c" (module_debug_symbolize);
 *   - gdb: tools/gdb/keel.py walks module_debug_list in the target's memory
 *     and runs add-symbol-file for each module with its section addresses;
 *     a breakpoint on module_debug_changed(), called after every change,
 *     keeps gdb in step as modules load and unload.
 *
 * The list is changed under a spinlock; panic paths read it without one.
 */
#ifndef KEEL_MODULE_DEBUG_H
#define KEEL_MODULE_DEBUG_H

#include <stddef.h>
#include <stdint.h>

#include "loader.h"

struct module_debug_symbol {
	uintptr_t address;
	uint32_t size;
	uint32_t name;          /* offset in names */
};

struct module_debug_section {
	uintptr_t address;
	uint32_t name;          /* offset in names */
	uint32_t reserved0;
};

/* Layout known to tools/gdb/keel.py: change both together. */
struct module_debug {
	struct module_debug *next;
	char module[32];
	uintptr_t text_start, text_end;
	uint32_t nsymbols, nsections;
	struct module_debug_symbol *symbols;   /* sorted by address */
	struct module_debug_section *sections; /* loaded sections */
	char *names;                           /* NUL-terminated names */
};

extern struct module_debug *volatile module_debug_list;

/*
 * Record a module that was just linked.  Returns 0 or -ENOMEM (nothing is
 * kept then).  `text_start`/`text_size` is its text region.
 */
int module_debug_add(const char *module, const struct elf_module *m,
		     const struct loader_layout *layout,
		     const struct loader_target *target);
/* Forget a module (on unload, or when its load fails after _add). */
void module_debug_remove(const char *module);
/* "[module] function+0xoff" for a pc in a module's text; -ENOENT otherwise. */
int module_debug_symbolize(uintptr_t pc, char *buf, size_t size);
/* Called after every change to the list; gdb breaks here. */
void module_debug_changed(void);

#endif /* KEEL_MODULE_DEBUG_H */
