/*
 * debug.c - module symbols for backtraces and gdb; see debug.h.
 *
 * At load, one pass over the module's symbol table keeps every defined
 * function (STT_FUNC) in a loaded executable section, with its run-time
 * address, and every loaded section's address; names are copied into one
 * block so the ELF file can be freed.  Addresses come from one forward
 * walk per section (loader_offsets_*), over the symbols sorted by place, so
 * ALIGN paddings cost linear time however many functions follow them; then
 * the symbols are sorted by address, so a lookup is a binary search.
 */
#include <keel/errno.h>

#include "lib/printf.h"
#include "lib/sort.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "module/debug.h"
#include "sync/spinlock.h"

struct module_debug *volatile module_debug_list;
static struct spinlock debug_lock = SPINLOCK_INIT("module_debug");

void __attribute__((noinline)) module_debug_changed(void)
{
	/* A place for gdb's breakpoint: the compiler must keep the call. */
	__asm__ volatile("" ::: "memory");
}

static int is_function(const struct elf_module *m, const struct loader_layout *l,
		       const Elf64_Sym *sym)
{
	return ELF64_ST_TYPE(sym->st_info) == STT_FUNC && sym->st_shndx != SHN_UNDEF &&
	       sym->st_shndx < m->nsections &&
	       l->sections[sym->st_shndx].region == LOADER_TEXT;
}

/* Symbol indices by (section, offset in the file). */
static int by_place(const void *a, const void *b, void *ctx)
{
	const struct elf_module *m = ctx;
	const Elf64_Sym *x = &m->symbols[*(const uint32_t *)a];
	const Elf64_Sym *y = &m->symbols[*(const uint32_t *)b];

	if (x->st_shndx != y->st_shndx)
		return x->st_shndx < y->st_shndx ? -1 : 1;
	return (x->st_value > y->st_value) - (x->st_value < y->st_value);
}

static int by_address(const void *a, const void *b, void *ctx)
{
	uintptr_t x = ((const struct module_debug_symbol *)a)->address;
	uintptr_t y = ((const struct module_debug_symbol *)b)->address;

	return (x > y) - (x < y);
}

static void debug_free(struct module_debug *d)
{
	kfree(d->symbols);
	kfree(d->sections);
	kfree(d->names);
	kfree(d);
}

int module_debug_add(const char *module, const struct elf_module *m,
		     const struct loader_layout *layout,
		     const struct loader_target *target)
{
	size_t names_size = 0;
	uint32_t nsymbols = 0, nsections = 0, used = 0, *order;
	struct loader_offsets offsets;
	struct module_debug *d;

	for (unsigned i = 0; i < m->nsymbols; i++) {
		if (is_function(m, layout, &m->symbols[i])) {
			nsymbols++;
			names_size += strlen(elf_symbol_name(m, i)) + 1;
		}
	}
	for (unsigned i = 1; i < m->nsections; i++) {
		if (layout->sections[i].region != LOADER_NOT_LOADED) {
			nsections++;
			names_size += strlen(elf_section_name(m, i)) + 1;
		}
	}
	d = kmalloc(sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->symbols = kmalloc(sizeof(*d->symbols) * (nsymbols + 1));
	d->sections = kmalloc(sizeof(*d->sections) * (nsections + 1));
	d->names = kmalloc(names_size + 1);
	order = kmalloc(sizeof(*order) * (nsymbols + 1));
	if (!d->symbols || !d->sections || !d->names || !order) {
		kfree(order);
		debug_free(d);
		return -ENOMEM;
	}
	strlcpy(d->module, module, sizeof(d->module));
	d->text_start = target->address[LOADER_TEXT];
	d->text_end = d->text_start + layout->region_size[LOADER_TEXT];
	for (unsigned i = 1; i < m->nsections; i++) {
		const char *name = elf_section_name(m, i);

		if (layout->sections[i].region == LOADER_NOT_LOADED)
			continue;
		d->sections[d->nsections].address = loader_section_address(layout, target, i);
		d->sections[d->nsections].name = used;
		d->nsections++;
		used += (uint32_t)strlcpy(d->names + used, name, names_size + 1 - used) + 1;
	}
	for (unsigned i = 0; i < m->nsymbols; i++)
		if (is_function(m, layout, &m->symbols[i]))
			order[d->nsymbols++] = i;
	sort(order, d->nsymbols, sizeof(*order), by_place, (void *)m);
	for (uint32_t k = 0; k < d->nsymbols; k++) {
		const Elf64_Sym *sym = &m->symbols[order[k]];
		struct module_debug_symbol *s = &d->symbols[k];

		if (k == 0 || sym->st_shndx != m->symbols[order[k - 1]].st_shndx)
			loader_offsets_start(&offsets, m, layout, target, sym->st_shndx);
		s->address = loader_offsets_address(&offsets, sym->st_value);
		s->size = (uint32_t)sym->st_size;
		s->name = used;
		used += (uint32_t)strlcpy(d->names + used, elf_symbol_name(m, order[k]),
					  names_size + 1 - used) + 1;
	}
	kfree(order);
	sort(d->symbols, d->nsymbols, sizeof(*d->symbols), by_address, NULL);
	spin_lock(&debug_lock);
	d->next = module_debug_list;
	module_debug_list = d;
	spin_unlock(&debug_lock);
	module_debug_changed();
	return 0;
}

void module_debug_remove(const char *module)
{
	struct module_debug *d, **link;

	spin_lock(&debug_lock);
	for (link = (struct module_debug **)&module_debug_list; (d = *link); link = &d->next)
		if (strcmp(d->module, module) == 0)
			break;
	if (d)
		*link = d->next;
	spin_unlock(&debug_lock);
	if (!d)
		return;
	module_debug_changed();
	debug_free(d);
}

int module_debug_symbolize(uintptr_t pc, char *buf, size_t size)
{
	for (struct module_debug *d = module_debug_list; d; d = d->next) {
		long lo = 0, hi = (long)d->nsymbols - 1, found = -1;

		if (pc < d->text_start || pc >= d->text_end)
			continue;
		while (lo <= hi) {
			long mid = lo + (hi - lo) / 2;

			if (d->symbols[mid].address <= pc) {
				found = mid;
				lo = mid + 1;
			} else {
				hi = mid - 1;
			}
		}
		if (found < 0)
			snprintf(buf, size, "[%s] +0x%lx", d->module,
				 (unsigned long)(pc - d->text_start));
		else
			snprintf(buf, size, "[%s] %s+0x%lx", d->module,
				 d->names + d->symbols[found].name,
				 (unsigned long)(pc - d->symbols[found].address));
		return 0;
	}
	return -ENOENT;
}
