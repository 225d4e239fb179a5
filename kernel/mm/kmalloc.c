/*
 * kmalloc.c - small objects from one-page slabs, large ones from page runs.
 *
 * Every pointer kmalloc returns lies in a page that starts with a header, and
 * the header's first word is a magic number saying which of two kinds of
 * allocation the page belongs to.  kfree rounds the pointer down to its page,
 * reads the magic and knows what it holds:
 *
 * Slab (SLAB_MAGIC) - one page of equal objects of one size class (16, 32,
 * ... 2048 bytes).  The 64-byte header is followed by the objects, the first
 * one at max(64, class size) so every object is aligned to its class size:
 *
 *   page  +0   struct slab: magic, class, free count, free list,
 *              link in the class's partial list, allocated-object bitmap
 *         +max(64, size)  object 0, object 1, ... up to the end of the page
 *
 *   class   16   32   64  128  256  512 1024 2048
 *   objects 252  126   63   31   15    7    3    1
 *
 * Free objects are threaded on the slab's free list through their first
 * word; the bitmap records which objects are handed out, so kfree can tell
 * a double free or a pointer into the middle of an object from a valid one.
 * Slabs with at least one free object sit on their class's partial list;
 * full slabs are on no list.  A slab whose last object is freed goes back to
 * the page allocator at once, so after a workload frees everything, both
 * kmalloc_get_stats and page_get_stats are back where they started.
 *
 * Large (LARGE_MAGIC) - a request over KMALLOC_MAX_CLASS bytes takes a run of
 * whole pages from pages_alloc.  A 16-byte header (magic, page count) sits at
 * the start of the run and the caller gets the address just after it, so a
 * large pointer is 16-byte aligned and always in the run's first page:
 *
 *   run   +0   struct large: magic, pages
 *         +16  the caller's size bytes ... (the run is rounded up to pages)
 *
 * A request of n bytes thus holds ceil((n + 16) / PAGE_SIZE) pages: 2049 bytes
 * take one page, 4096 bytes take two.  Code that needs page alignment calls
 * page_alloc directly.
 *
 * Freeing clears a page's magic before the page leaves kmalloc, so a stale
 * pointer into a released page fails the magic check instead of corrupting
 * whatever the page holds next.  Any pointer kfree cannot validate is a
 * broken invariant in the caller: kfree panics and names the pointer.
 *
 * kmalloc_lock covers the classes, every slab header and the statistics; it
 * is taken before page_lock (inside page_alloc) and never the other way
 * round.  Memory is zeroed after the lock is dropped.
 */
#include <stdbool.h>
#include <stdint.h>

#include "lib/list.h"
#include "lib/string.h"
#include "log/printk.h"
#include "mm/kmalloc.h"
#include "module/export.h"
#include "mm/page.h"
#include "sync/spinlock.h"

#define SLAB_MAGIC 0x534c4142u  /* "SLAB" */
#define LARGE_MAGIC 0x4c415247u /* "LARG" */
#define SLAB_HEADER_SIZE 64
#define SLAB_MAX_OBJECTS 256 /* bits in struct slab.allocated */

struct free_object {
	struct free_object *next;
};

struct slab {
	uint32_t magic;                /* SLAB_MAGIC while kmalloc owns it */
	uint16_t class_index;          /* 0 for 16 bytes ... 7 for 2048 */
	uint16_t nfree;                /* objects on free_list */
	struct free_object *free_list; /* free objects, threaded through them */
	struct list partial;           /* link in the class's partial list */
	uint64_t allocated[SLAB_MAX_OBJECTS / 64]; /* bit i: object i in use */
};

struct large {
	uint32_t magic; /* LARGE_MAGIC while the run is allocated */
	uint32_t unused;
	size_t pages;   /* length of the run */
};

#define LARGE_HEADER_SIZE sizeof(struct large)

_Static_assert(sizeof(struct slab) <= SLAB_HEADER_SIZE,
	       "slab header must fit before the first object");
_Static_assert((PAGE_SIZE - SLAB_HEADER_SIZE) / KMALLOC_MIN_CLASS <=
		       SLAB_MAX_OBJECTS,
	       "allocated bitmap too small for the smallest class");
_Static_assert(LARGE_HEADER_SIZE == 16, "large pointers are 16-byte aligned");
_Static_assert(KMALLOC_MAX_CLASS == KMALLOC_MIN_CLASS << (KMALLOC_NCLASSES - 1),
	       "classes are the powers of two from MIN to MAX");

struct size_class {
	struct list partial; /* slabs with at least one free object */
	size_t in_use;       /* objects handed out */
	size_t slabs;        /* pages held */
};

#define CLASS_INIT(i) { LIST_INIT(classes[i].partial), 0, 0 }

static struct spinlock kmalloc_lock = SPINLOCK_INIT("kmalloc");
static struct size_class classes[KMALLOC_NCLASSES] = {
	CLASS_INIT(0), CLASS_INIT(1), CLASS_INIT(2), CLASS_INIT(3),
	CLASS_INIT(4), CLASS_INIT(5), CLASS_INIT(6), CLASS_INIT(7),
};
static size_t large_allocs, large_pages;

static size_t class_size(unsigned int index)
{
	return (size_t)KMALLOC_MIN_CLASS << index;
}

/* Offset of object 0 in a slab: past the header, aligned to the class. */
static size_t first_object_offset(unsigned int index)
{
	size_t size = class_size(index);

	return size > SLAB_HEADER_SIZE ? size : SLAB_HEADER_SIZE;
}

static size_t objects_per_slab(unsigned int index)
{
	return (PAGE_SIZE - first_object_offset(index)) / class_size(index);
}

/* The smallest class that holds `size` bytes (size <= KMALLOC_MAX_CLASS). */
static unsigned int class_for(size_t size)
{
	unsigned int index = 0;

	while (class_size(index) < size)
		index++;
	return index;
}

static void *page_of(const void *ptr)
{
	return (void *)PAGE_ROUND_DOWN((uintptr_t)ptr);
}

static char *object_at(struct slab *slab, size_t object)
{
	return (char *)slab + first_object_offset(slab->class_index) +
	       object * class_size(slab->class_index);
}

static bool object_allocated(const struct slab *slab, size_t object)
{
	return (slab->allocated[object / 64] >> (object % 64)) & 1;
}

static void set_allocated(struct slab *slab, size_t object, bool allocated)
{
	if (allocated)
		slab->allocated[object / 64] |= 1ull << (object % 64);
	else
		slab->allocated[object / 64] &= ~(1ull << (object % 64));
}

/*
 * Take a fresh page and make it an empty slab of class `index` on the
 * partial list.  Called with kmalloc_lock held; NULL when out of pages.
 */
static struct slab *slab_create(unsigned int index)
{
	struct slab *slab = page_alloc();
	size_t count = objects_per_slab(index);

	if (!slab)
		return NULL;
	slab->magic = SLAB_MAGIC;
	slab->class_index = (uint16_t)index;
	slab->nfree = (uint16_t)count;
	slab->free_list = NULL;
	for (size_t i = count; i-- > 0;) {
		struct free_object *object = (void *)object_at(slab, i);

		object->next = slab->free_list;
		slab->free_list = object;
	}
	list_init(&slab->partial);
	list_push_front(&classes[index].partial, &slab->partial);
	classes[index].slabs++;
	return slab;
}

/* An object of class `index`, not yet zeroed.  kmalloc_lock held. */
static void *slab_alloc(unsigned int index)
{
	struct size_class *class = &classes[index];
	struct free_object *object;
	struct slab *slab;
	size_t index_in_slab;

	if (list_empty(&class->partial) && !slab_create(index))
		return NULL;
	slab = container_of(class->partial.next, struct slab, partial);
	object = slab->free_list;
	slab->free_list = object->next;
	slab->nfree--;
	index_in_slab = (size_t)((char *)object - object_at(slab, 0)) /
			class_size(index);
	set_allocated(slab, index_in_slab, true);
	if (slab->nfree == 0)
		list_remove(&slab->partial);
	class->in_use++;
	return object;
}

static void *large_alloc(size_t size)
{
	size_t pages;
	struct large *run;

	if (size > SIZE_MAX - LARGE_HEADER_SIZE - PAGE_SIZE)
		return NULL;
	pages = PAGE_ROUND_UP(size + LARGE_HEADER_SIZE) / PAGE_SIZE;
	run = pages_alloc(pages);
	if (!run)
		return NULL;
	spin_lock(&kmalloc_lock);
	run->magic = LARGE_MAGIC;
	run->pages = pages;
	large_allocs++;
	large_pages += pages;
	spin_unlock(&kmalloc_lock);
	return (char *)run + LARGE_HEADER_SIZE;
}

void *kmalloc(size_t size)
{
	unsigned int index;
	void *object;

	if (size == 0)
		return NULL;
	if (size > KMALLOC_MAX_CLASS)
		return large_alloc(size); /* pages_alloc zeroes */

	index = class_for(size);
	spin_lock(&kmalloc_lock);
	object = slab_alloc(index);
	spin_unlock(&kmalloc_lock);
	if (object)
		memset(object, 0, class_size(index));
	return object;
}
KEEL_EXPORT(kmalloc, 0);

/*
 * Validate `ptr` as a live object of `slab` and free it.  Returns the slab's
 * page if that was its last object (the caller gives the page back after
 * dropping the lock), else NULL.  kmalloc_lock held.
 */
static void *slab_free(struct slab *slab, void *ptr)
{
	size_t offset = (size_t)((char *)ptr - (char *)slab), size, first;
	struct size_class *class;
	size_t object;

	if (slab->class_index >= KMALLOC_NCLASSES)
		panic("kfree: slab at %p has a corrupt header (class %u)",
		      (void *)slab, (unsigned int)slab->class_index);
	size = class_size(slab->class_index);
	first = first_object_offset(slab->class_index);
	if (offset < first || (offset - first) % size != 0 ||
	    (offset - first) / size >= objects_per_slab(slab->class_index))
		panic("kfree: %p is not the start of a %zu-byte object", ptr,
		      size);
	object = (offset - first) / size;
	if (!object_allocated(slab, object))
		panic("kfree: double free of %p (%zu-byte object)", ptr, size);

	class = &classes[slab->class_index];
	set_allocated(slab, object, false);
	((struct free_object *)ptr)->next = slab->free_list;
	slab->free_list = ptr;
	slab->nfree++;
	class->in_use--;
	if (slab->nfree == objects_per_slab(slab->class_index)) {
		list_remove(&slab->partial);
		slab->magic = 0;
		class->slabs--;
		return slab;
	}
	if (slab->nfree == 1)
		list_push_front(&class->partial, &slab->partial);
	return NULL;
}

/*
 * Validate `ptr` as the pointer large_alloc returned for `run` and retire the
 * run; returns its page count for the caller to pages_free after dropping the
 * lock.  kmalloc_lock held.
 */
static size_t large_free(struct large *run, void *ptr)
{
	size_t pages = run->pages;

	if ((char *)ptr != (char *)run + LARGE_HEADER_SIZE)
		panic("kfree: %p is inside a large allocation, not its start",
		      ptr);
	run->magic = 0;
	large_allocs--;
	large_pages -= pages;
	return pages;
}

void kfree(void *ptr)
{
	void *page = page_of(ptr);
	void *release = NULL;
	size_t release_pages = 0;
	uint32_t magic;

	if (!ptr)
		return;
	spin_lock(&kmalloc_lock);
	magic = *(const uint32_t *)page;
	if (magic == SLAB_MAGIC) {
		release = slab_free(page, ptr);
		release_pages = 1;
	} else if (magic == LARGE_MAGIC) {
		release = page;
		release_pages = large_free(page, ptr);
	} else {
		panic("kfree: %p is not a kmalloc pointer (already freed?)",
		      ptr);
	}
	spin_unlock(&kmalloc_lock);
	if (release)
		pages_free(release, release_pages);
}
KEEL_EXPORT(kfree, 0);

void kmalloc_get_stats(struct kmalloc_stats *out)
{
	size_t bytes = 0;

	spin_lock(&kmalloc_lock);
	for (unsigned int i = 0; i < KMALLOC_NCLASSES; i++) {
		out->cls[i].size = class_size(i);
		out->cls[i].in_use = classes[i].in_use;
		out->cls[i].slabs = classes[i].slabs;
		bytes += classes[i].in_use * class_size(i);
	}
	out->large_allocs = large_allocs;
	out->large_pages = large_pages;
	spin_unlock(&kmalloc_lock);
	out->bytes_in_use = bytes + out->large_pages * PAGE_SIZE;
}
