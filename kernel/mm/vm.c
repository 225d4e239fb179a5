/*
 * vm.c - Sv39 page tables for the kernel.
 *
 * Sv39 translates a 39-bit virtual address through three levels of 512
 * eight-byte entries (PTEs), 9 bits of the address per level:
 *
 *   38..30 level 2 | 29..21 level 1 | 20..12 level 0 | 11..0 page offset
 *
 * A PTE with R, W or X set is a leaf: at level 0 it maps a 4 KiB page, at
 * level 1 a 2 MiB megapage.  Keel maps free RAM and device windows with
 * megapages where alignment allows (fewer tables, fewer TLB misses) and the
 * kernel image with 4 KiB pages, so each section gets exactly its own
 * permissions.  The Accessed and Dirty bits are set up front: the hardware
 * may otherwise fault to have them set.
 *
 * vm_lock protects the tables and the stack-slot bitmap.  Unmapping flushes
 * the local TLB and asks the firmware to flush every other hart's (RFENCE),
 * before the pages are reused.
 */
#include <keel/errno.h>

#include "arch/riscv.h"
#include "arch/sbi.h"
#include "arch/stack.h"
#include "lib/string.h"
#include "log/printk.h"
#include "mm/page.h"
#include "mm/vm.h"
#include "sync/spinlock.h"

#define PTE_V (1ul << 0)
#define PTE_R (1ul << 1)
#define PTE_W (1ul << 2)
#define PTE_X (1ul << 3)
#define PTE_A (1ul << 6)
#define PTE_D (1ul << 7)
#define PTE_LEAF (PTE_R | PTE_W | PTE_X)
#define PTE_PPN_SHIFT 10
#define MEGAPAGE (2ul << 20)
#define SATP_SV39 (8ul << 60)

typedef uint64_t pte_t;

extern char _text_start[], _text_end[], _rodata_start[], _rodata_end[];
extern char _data_start[], _bss_end[], _ksyms_start[], _ksyms_end[];
extern char boot_stacks[];

static pte_t *root;
static size_t table_pages;
static struct spinlock vm_lock = SPINLOCK_INIT("vm");
static uint64_t stack_slot_used[VM_STACK_SLOTS / 64];

static inline pte_t *pte_table(pte_t pte)
{
	return (pte_t *)((pte >> PTE_PPN_SHIFT) << PAGE_SHIFT);
}

static inline pte_t make_pte(uintptr_t pa, uint64_t flags)
{
	return ((pa >> PAGE_SHIFT) << PTE_PPN_SHIFT) | flags | PTE_V;
}

static inline unsigned vpn(uintptr_t va, int level)
{
	return (va >> (PAGE_SHIFT + 9 * level)) & 511;
}

/*
 * The PTE for va at `level` (0 or 1), allocating intermediate tables when
 * `alloc`.  Returns NULL if a table is missing (and !alloc), memory ran out,
 * or a larger leaf already covers va.  Holds vm_lock.
 */
static pte_t *walk(uintptr_t va, int level, int alloc)
{
	pte_t *table = root;

	for (int l = 2; l > level; l--) {
		pte_t *pte = &table[vpn(va, l)];

		if (*pte & PTE_V) {
			if (*pte & PTE_LEAF)
				return NULL;
			table = pte_table(*pte);
			continue;
		}
		if (!alloc)
			return NULL;
		table = page_alloc();
		if (!table)
			return NULL;
		table_pages++;
		*pte = make_pte((uintptr_t)table, 0);
	}
	return &table[vpn(va, level)];
}

static uint64_t perm_flags(unsigned perm)
{
	return (perm & (VM_R | VM_W | VM_X)) | PTE_A | PTE_D;
}

static void unmap_locked(uintptr_t va, size_t size)
{
	for (uintptr_t a = va; a < va + size;) {
		pte_t *pte = walk(a, 1, 0);

		if (pte && (*pte & PTE_V) && (*pte & PTE_LEAF)) {
			*pte = 0;
			a += MEGAPAGE;
			continue;
		}
		pte = walk(a, 0, 0);
		if (pte)
			*pte = 0;
		a += PAGE_SIZE;
	}
}

static int map_locked(uintptr_t va, uintptr_t pa, size_t size, unsigned perm)
{
	uint64_t flags = perm_flags(perm);
	uintptr_t done = 0;

	if ((perm & VM_W) && (perm & VM_X))
		return -EINVAL;
	if ((va | pa | size) & (PAGE_SIZE - 1))
		return -EINVAL;
	while (done < size) {
		uintptr_t v = va + done, p = pa + done;
		int mega = !((v | p) & (MEGAPAGE - 1)) && size - done >= MEGAPAGE;
		pte_t *pte = walk(v, mega ? 1 : 0, 1);

		if (!pte || (*pte & PTE_V)) {
			unmap_locked(va, done);
			return pte ? -EEXIST : -ENOMEM;
		}
		*pte = make_pte(p, flags);
		done += mega ? MEGAPAGE : PAGE_SIZE;
	}
	return 0;
}

int vm_map(uintptr_t va, uintptr_t pa, size_t size, unsigned perm)
{
	int err;

	spin_lock(&vm_lock);
	err = map_locked(va, pa, size, perm);
	spin_unlock(&vm_lock);
	return err;
}

static void flush_all_harts(uintptr_t va, size_t size)
{
	sfence_vma();
	sbi_remote_sfence_vma(~0ul, va, size);
}

void vm_unmap(uintptr_t va, size_t size)
{
	spin_lock(&vm_lock);
	unmap_locked(va, size);
	spin_unlock(&vm_lock);
	flush_all_harts(va, size);
}

uintptr_t vm_unmap_page_noflush(uintptr_t va)
{
	uintptr_t pa = 0;
	pte_t *pte;

	spin_lock(&vm_lock);
	pte = walk(va, 0, 0);
	if (pte && (*pte & PTE_V)) {
		pa = (*pte >> PTE_PPN_SHIFT) << PAGE_SHIFT;
		*pte = 0;
	}
	spin_unlock(&vm_lock);
	return pa;
}

void vm_flush(uintptr_t va, size_t size)
{
	flush_all_harts(va, size);
}

int vm_protect(uintptr_t va, size_t size, unsigned perm)
{
	uint64_t flags = perm_flags(perm);
	int err = 0;

	if ((perm & VM_W) && (perm & VM_X))
		return -EINVAL;
	if ((va | size) & (PAGE_SIZE - 1))
		return -EINVAL;
	spin_lock(&vm_lock);
	for (uintptr_t a = va; a < va + size && !err; a += PAGE_SIZE) {
		pte_t *pte = walk(a, 0, 0);
		if (!pte || !(*pte & PTE_V))
			err = -ENOENT;
	}
	for (uintptr_t a = va; a < va + size && !err; a += PAGE_SIZE) {
		pte_t *pte = walk(a, 0, 0);
		*pte = (*pte & ~(uint64_t)(PTE_R | PTE_W | PTE_X)) | flags;
	}
	spin_unlock(&vm_lock);
	if (!err)
		flush_all_harts(va, size);
	return err;
}

uintptr_t vm_translate(uintptr_t va)
{
	uintptr_t pa = 0;
	pte_t *pte;

	spin_lock(&vm_lock);
	pte = walk(va, 1, 0);
	if (pte && (*pte & PTE_V) && (*pte & PTE_LEAF)) {
		pa = ((*pte >> PTE_PPN_SHIFT) << PAGE_SHIFT) + (va & (MEGAPAGE - 1));
	} else if ((pte = walk(va, 0, 0)) && (*pte & PTE_V)) {
		pa = ((*pte >> PTE_PPN_SHIFT) << PAGE_SHIFT) + (va & (PAGE_SIZE - 1));
	}
	spin_unlock(&vm_lock);
	return pa;
}

size_t vm_table_pages(void)
{
	return table_pages;
}

static void boot_map(uintptr_t start, uintptr_t end, unsigned perm)
{
	start = PAGE_ROUND_DOWN(start);
	end = PAGE_ROUND_UP(end);
	if (end > start && map_locked(start, start, end - start, perm) != 0)
		panic("vm: cannot map %lx..%lx", (unsigned long)start,
		      (unsigned long)end);
}

static int overlaps(uintptr_t a, uintptr_t a_end, uintptr_t b, uintptr_t b_end)
{
	return a < b_end && b < a_end;
}

/* Map RAM range [start, end) RW, leaving out the kernel image and reserved regions. */
static void map_ram(const struct boot_info *info, uintptr_t start, uintptr_t end)
{
	uintptr_t kstart = (uintptr_t)_text_start, kend = (uintptr_t)_ksyms_end;

	if (start >= end)
		return;
	if (overlaps(start, end, kstart, kend)) {
		map_ram(info, start, kstart);
		map_ram(info, kend, end);
		return;
	}
	for (int i = 0; i < info->nreserved; i++) {
		uintptr_t rs = PAGE_ROUND_DOWN(info->reserved[i].base);
		uintptr_t re = PAGE_ROUND_UP(info->reserved[i].base + info->reserved[i].size);
		if (overlaps(start, end, rs, re)) {
			map_ram(info, start, rs);
			map_ram(info, re, end);
			return;
		}
	}
	boot_map(start, end, VM_R | VM_W);
}

static void map_device(const struct boot_mmio_device *dev)
{
	if (dev->base && dev->size)
		boot_map(dev->base, dev->base + dev->size, VM_R | VM_W);
}

/* Allocate every page table [va, va+size) will need.  Boot only. */
static void build_tables(uintptr_t va, size_t size)
{
	for (uintptr_t a = va; a < va + size; a += MEGAPAGE)
		if (!walk(a, 0, 1))
			panic("vm: no memory for page tables at %lx", (unsigned long)a);
}

void vm_init(const struct boot_info *info)
{
	root = page_alloc();
	if (!root)
		panic("vm: no page for the root table");
	table_pages = 1;

	/* The kernel image, section by section (W^X). */
	boot_map((uintptr_t)_text_start, (uintptr_t)_text_end, VM_R | VM_X);
	boot_map((uintptr_t)_rodata_start, (uintptr_t)_rodata_end, VM_R);
	boot_map((uintptr_t)_data_start, (uintptr_t)boot_stacks, VM_R | VM_W);
	for (int h = 0; h < MAX_HARTS; h++) {
		uintptr_t slot = (uintptr_t)boot_stacks + (uintptr_t)h * STACK_SLOT_SIZE;
		boot_map(slot + STACK_GUARD_SIZE, slot + STACK_SLOT_SIZE, VM_R | VM_W);
	}
	boot_map((uintptr_t)boot_stacks + MAX_HARTS * STACK_SLOT_SIZE,
		 (uintptr_t)_bss_end, VM_R | VM_W);
	boot_map((uintptr_t)_ksyms_start, (uintptr_t)_ksyms_end, VM_R);

	for (int i = 0; i < info->nmemory; i++)
		map_ram(info, info->memory[i].base,
			info->memory[i].base + info->memory[i].size);

	/* Page tables for the stack and module areas, once (see vm.h). */
	build_tables(VM_STACK_BASE, (uintptr_t)VM_STACK_SLOTS * STACK_SLOT_SIZE);
	build_tables(VM_MODULE_NEAR, VM_MODULE_AREA_SIZE);
	build_tables(VM_MODULE_FAR, VM_MODULE_AREA_SIZE);

	map_device(&info->uart);
	map_device(&info->plic);
	map_device(&info->poweroff);
	map_device(&info->rtc);
	for (int i = 0; i < info->nvirtio; i++)
		map_device(&info->virtio[i]);

	vm_init_hart();
}

void vm_init_hart(void)
{
	sfence_vma();
	csr_write(satp, SATP_SV39 | ((uintptr_t)root >> PAGE_SHIFT));
	sfence_vma();
}

uintptr_t vm_stack_alloc(void)
{
	void *pages[KSTACK_SIZE / PAGE_SIZE];
	int npages = (int)(KSTACK_SIZE / PAGE_SIZE), slot = -1;
	uintptr_t base;

	for (int i = 0; i < npages; i++) {
		pages[i] = page_alloc();
		if (!pages[i]) {
			while (i--)
				page_free(pages[i]);
			return 0;
		}
	}
	spin_lock(&vm_lock);
	for (int i = 0; i < VM_STACK_SLOTS && slot < 0; i++)
		if (!(stack_slot_used[i / 64] & (1ul << (i % 64))))
			slot = i;
	if (slot >= 0) {
		base = VM_STACK_BASE + (uintptr_t)slot * STACK_SLOT_SIZE;
		for (int i = 0; i < npages; i++) {
			if (map_locked(base + STACK_GUARD_SIZE + (uintptr_t)i * PAGE_SIZE,
				       (uintptr_t)pages[i], PAGE_SIZE, VM_R | VM_W)) {
				unmap_locked(base + STACK_GUARD_SIZE, (uintptr_t)i * PAGE_SIZE);
				slot = -1;
				break;
			}
		}
	}
	if (slot >= 0)
		stack_slot_used[slot / 64] |= 1ul << (slot % 64);
	spin_unlock(&vm_lock);
	if (slot < 0) {
		for (int i = 0; i < npages; i++)
			page_free(pages[i]);
		return 0;
	}
	return base + STACK_SLOT_SIZE;
}

void vm_stack_free(uintptr_t top)
{
	uintptr_t base = top - STACK_SLOT_SIZE;
	uintptr_t slot = (base - VM_STACK_BASE) / STACK_SLOT_SIZE;
	int npages = (int)(KSTACK_SIZE / PAGE_SIZE);
	void *pages[KSTACK_SIZE / PAGE_SIZE];

	if (base < VM_STACK_BASE || slot >= VM_STACK_SLOTS)
		panic("vm_stack_free: %lx is not a stack", (unsigned long)top);
	for (int i = 0; i < npages; i++)
		pages[i] = (void *)vm_translate(base + STACK_GUARD_SIZE +
						(uintptr_t)i * PAGE_SIZE);
	vm_unmap(base + STACK_GUARD_SIZE, KSTACK_SIZE);
	spin_lock(&vm_lock);
	stack_slot_used[slot / 64] &= ~(1ul << (slot % 64));
	spin_unlock(&vm_lock);
	for (int i = 0; i < npages; i++)
		page_free(pages[i]);
}
