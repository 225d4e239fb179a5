/*
 * ktest_mm.c - in-kernel tests of memory: exact accounting, running out of
 * memory cleanly, and the W^X layout of the kernel map.
 */
#include <keel/errno.h>

#include "fs/vfs.h"
#include "ktest/ktest.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "mm/page.h"
#include "mm/vm.h"
#include "sched/thread.h"

extern char _text_start[], _rodata_start[], _data_start[];

/* Singly linked list threaded through the pages themselves. */
struct hoard {
	struct hoard *next;
};

static size_t free_pages(void)
{
	struct page_stats ps;

	page_get_stats(&ps);
	return ps.free;
}

static void exhausting_pages_then_freeing_restores_count(struct ktest *t)
{
	struct hoard *list = NULL, *p;
	size_t before = free_pages(), taken = 0;

	while ((p = page_alloc())) {
		p->next = list;
		list = p;
		taken++;
	}
	KT_EXPECT_EQ(t, free_pages(), 0);
	KT_EXPECT_EQ(t, taken, before);
	/* With no memory left, allocators fail cleanly. */
	KT_EXPECT(t, kmalloc(5000) == NULL);
	KT_EXPECT(t, pages_alloc(2) == NULL);
	KT_EXPECT_EQ(t, thread_create("kt-oom", NULL, NULL), -ENOMEM);
	while (list) {
		p = list->next;
		page_free(list);
		list = p;
	}
	KT_EXPECT_EQ(t, free_pages(), before);
}

static void kmalloc_accounting_is_exact(struct ktest *t)
{
	struct kmalloc_stats before, during, after;
	void *small[40], *large;

	kmalloc_get_stats(&before);
	for (int i = 0; i < 40; i++)
		small[i] = kmalloc(100); /* class 128 */
	large = kmalloc(3 * PAGE_SIZE + 1);
	kmalloc_get_stats(&during);
	KT_EXPECT(t, large != NULL);
	KT_EXPECT_EQ(t, during.bytes_in_use - before.bytes_in_use,
		     40 * 128 + 4 * PAGE_SIZE);
	KT_EXPECT_EQ(t, during.cls[3].in_use - before.cls[3].in_use, 40);
	for (int i = 0; i < 40; i++)
		kfree(small[i]);
	kfree(large);
	kmalloc_get_stats(&after);
	KT_EXPECT_EQ(t, after.bytes_in_use, before.bytes_in_use);
	KT_EXPECT_EQ(t, after.cls[3].in_use, before.cls[3].in_use);
}

static void ramfs_write_fails_cleanly_when_memory_runs_out(struct ktest *t)
{
	struct hoard *list = NULL, *p;
	struct vfs_file *file;
	struct keel_stat st;
	size_t before = free_pages();
	static char chunk[4096];
	long n = 0;
	int err;

	memset(chunk, 'k', sizeof(chunk));
	err = vfs_open("/ktest-oom", VFS_O_WRITE | VFS_O_CREATE | VFS_O_TRUNCATE,
		       0644, NULL, &file);
	KT_EXPECT_EQ(t, err, 0);
	if (err)
		return;
	KT_EXPECT_EQ(t, vfs_write(file, chunk, 100), 100);
	/* Leave only a few pages. */
	while (free_pages() > 2 && (p = page_alloc())) {
		p->next = list;
		list = p;
	}
	for (int i = 0; i < 16 && n >= 0; i++)
		n = vfs_write(file, chunk, sizeof(chunk));
	KT_EXPECT(t, n == -ENOMEM || n == -ENOSPC);
	KT_EXPECT_EQ(t, vfs_fstat(file, &st), 0);
	KT_EXPECT_EQ(t, st.size % sizeof(chunk), 100); /* whole writes only */
	vfs_close(file);
	while (list) {
		p = list->next;
		page_free(list);
		list = p;
	}
	KT_EXPECT_EQ(t, vfs_unlink("/ktest-oom", NULL), 0);
	KT_EXPECT_EQ(t, free_pages(), before);
}

static void kernel_map_is_w_xor_x(struct ktest *t)
{
	/* Text, rodata and data are identity mapped... */
	KT_EXPECT_EQ(t, vm_translate((uintptr_t)_text_start), (uintptr_t)_text_start);
	KT_EXPECT_EQ(t, vm_translate((uintptr_t)_rodata_start), (uintptr_t)_rodata_start);
	KT_EXPECT_EQ(t, vm_translate((uintptr_t)_data_start), (uintptr_t)_data_start);
	/* ...and a mapping that is both writable and executable is refused. */
	KT_EXPECT_EQ(t, vm_map(VM_STACK_BASE - PAGE_SIZE, (uintptr_t)_data_start,
			       PAGE_SIZE, VM_R | VM_W | VM_X), -EINVAL);
	KT_EXPECT_EQ(t, vm_translate(VM_STACK_BASE - PAGE_SIZE), 0);
}

static void stack_guard_pages_are_unmapped(struct ktest *t)
{
	uintptr_t top = vm_stack_alloc();

	KT_EXPECT(t, top != 0);
	if (!top)
		return;
	KT_EXPECT(t, vm_translate(top - PAGE_SIZE) != 0);
	KT_EXPECT(t, vm_translate(top - KSTACK_SIZE) != 0);
	KT_EXPECT_EQ(t, vm_translate(top - KSTACK_SIZE - 1), 0);
	KT_EXPECT_EQ(t, vm_translate(top - STACK_SLOT_SIZE), 0);
	vm_stack_free(top);
	KT_EXPECT_EQ(t, vm_translate(top - PAGE_SIZE), 0);
}

static const struct ktest_case cases[] = {
	KTEST_CASE(exhausting_pages_then_freeing_restores_count),
	KTEST_CASE(kmalloc_accounting_is_exact),
	KTEST_CASE(ramfs_write_fails_cleanly_when_memory_runs_out),
	KTEST_CASE(kernel_map_is_w_xor_x),
	KTEST_CASE(stack_guard_pages_are_unmapped),
};
KTEST_SUITE(mm, cases);
