/*
 * area.c - allocating module regions: a page bitmap over the module area.
 *
 * First fit over a bitmap of the area's pages, under one spinlock; the
 * physical pages come from the page allocator one by one (they need not be
 * contiguous) and are mapped at consecutive addresses.  The area's page
 * tables were built at boot, so loading and unloading a module changes the
 * free page count by exactly the module's pages.
 */
#include <keel/errno.h>

#include "log/printk.h"
#include "mm/page.h"
#include "mm/vm.h"
#include "module/area.h"
#include "sync/spinlock.h"

#define AREA_PAGES (VM_MODULE_AREA_SIZE / PAGE_SIZE)

static struct spinlock area_lock = SPINLOCK_INIT("module_area");
static uint64_t used[AREA_PAGES / 64];
static uintptr_t base = VM_MODULE_NEAR;

void module_area_use_far(void)
{
	base = VM_MODULE_FAR;
}

uintptr_t module_area_base(void)
{
	return base;
}

static int page_used(size_t i)
{
	return (used[i / 64] >> (i % 64)) & 1;
}

static void mark(size_t first, size_t count, int value)
{
	for (size_t i = first; i < first + count; i++) {
		if (value)
			used[i / 64] |= 1ul << (i % 64);
		else
			used[i / 64] &= ~(1ul << (i % 64));
	}
}

/* Reserve `count` consecutive pages of address space; returns the index or -1. */
static long reserve(size_t count)
{
	size_t run = 0;
	long found = -1;

	spin_lock(&area_lock);
	for (size_t i = 0; i < AREA_PAGES && found < 0; i++) {
		run = page_used(i) ? 0 : run + 1;
		if (run == count)
			found = (long)(i + 1 - count);
	}
	if (found >= 0)
		mark((size_t)found, count, 1);
	spin_unlock(&area_lock);
	return found;
}

static void release(size_t first, size_t count)
{
	spin_lock(&area_lock);
	mark(first, count, 0);
	spin_unlock(&area_lock);
}

/*
 * Unmap and free the first `mapped` pages of a region at address: clear the
 * mappings, keeping the pages on a list threaded through themselves, flush
 * every hart's TLB once, then free them.
 */
static void unmap_pages(uintptr_t address, size_t mapped)
{
	uintptr_t *freed = NULL;

	for (size_t i = 0; i < mapped; i++) {
		uintptr_t *page = (uintptr_t *)vm_unmap_page_noflush(address + i * PAGE_SIZE);

		*page = (uintptr_t)freed;
		freed = page;
	}
	if (mapped)
		vm_flush(address, mapped * PAGE_SIZE);
	while (freed) {
		uintptr_t *next = (uintptr_t *)*freed;

		page_free(freed);
		freed = next;
	}
}

uintptr_t module_area_alloc(size_t bytes)
{
	size_t count = bytes / PAGE_SIZE;
	long first;
	uintptr_t address;

	if (!count || bytes % PAGE_SIZE)
		return 0;
	first = reserve(count);
	if (first < 0)
		return 0;
	address = base + (uintptr_t)first * PAGE_SIZE;
	for (size_t i = 0; i < count; i++) {
		void *page = page_alloc();

		if (!page || vm_map(address + i * PAGE_SIZE, (uintptr_t)page,
				    PAGE_SIZE, VM_R | VM_W)) {
			if (page)
				page_free(page);
			unmap_pages(address, i);
			release((size_t)first, count);
			return 0;
		}
	}
	return address;
}

int module_area_protect(uintptr_t address, size_t bytes, unsigned perm)
{
	return vm_protect(address, bytes, perm);
}

void module_area_free(uintptr_t address, size_t bytes)
{
	size_t count = bytes / PAGE_SIZE;

	if (address < base || address + bytes > base + VM_MODULE_AREA_SIZE)
		panic("module_area_free: %lx is not in the module area",
		      (unsigned long)address);
	unmap_pages(address, count);
	release((address - base) / PAGE_SIZE, count);
}
