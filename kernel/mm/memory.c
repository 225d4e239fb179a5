/*
 * memory.c - carving free RAM out of the boot memory map.
 *
 * Everything that must not be handed out is an "exclusion": the firmware's
 * reserved regions, the kernel image, the device tree blob and the initrd.
 * Each RAM range is cut at the exclusions, and each remaining piece goes to
 * page_add_range().  Exclusions stay out of the allocator entirely (the
 * allocator keeps its bitmap inside the ranges it manages, which must never
 * land on the firmware or the initrd).
 */
#include "log/printk.h"
#include "mm/memory.h"
#include "mm/page.h"

#define MAX_EXCLUSIONS (BOOT_MAX_RESERVED + 3)

extern char _kernel_start[], _kernel_end[];

struct span {
	uintptr_t start, end;
};

static int added;

/* Add [start, end) minus exclusions[i..]. */
static void add_free(uintptr_t start, uintptr_t end, const struct span *ex,
		     int nex)
{
	start = PAGE_ROUND_UP(start);
	end = PAGE_ROUND_DOWN(end);
	if (start >= end)
		return;
	for (int i = 0; i < nex; i++) {
		if (ex[i].start < end && start < ex[i].end) {
			add_free(start, ex[i].start, ex + i + 1, nex - i - 1);
			add_free(ex[i].end, end, ex + i + 1, nex - i - 1);
			return;
		}
	}
	if (page_add_range(start, end) == 0)
		added++;
	else
		pr_warn("memory: range %lx..%lx not usable", (unsigned long)start,
			(unsigned long)end);
}

int memory_init(const struct boot_info *info, uintptr_t fdt)
{
	struct span ex[MAX_EXCLUSIONS];
	int nex = 0;

	for (int i = 0; i < info->nreserved; i++)
		ex[nex++] = (struct span){ PAGE_ROUND_DOWN(info->reserved[i].base),
			PAGE_ROUND_UP(info->reserved[i].base + info->reserved[i].size) };
	ex[nex++] = (struct span){ (uintptr_t)_kernel_start,
				   PAGE_ROUND_UP((uintptr_t)_kernel_end) };
	ex[nex++] = (struct span){ PAGE_ROUND_DOWN(fdt),
				   PAGE_ROUND_UP(fdt + info->fdt_size) };
	if (info->initrd_end > info->initrd_start)
		ex[nex++] = (struct span){ PAGE_ROUND_DOWN(info->initrd_start),
					   PAGE_ROUND_UP(info->initrd_end) };
	for (int i = 0; i < info->nmemory; i++)
		add_free(info->memory[i].base,
			 info->memory[i].base + info->memory[i].size, ex, nex);
	return added;
}
