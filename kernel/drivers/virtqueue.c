/*
 * virtqueue.c - a split virtqueue's mechanics, for any virtio-mmio device
 * (virtqueue.h has the layout and the order of calls).
 *
 * Free descriptors.  The descriptors no chain uses form a list threaded
 * through their own `next` fields, starting at free_head; num_free counts
 * them.  A chain is built by taking descriptors off the front of that list
 * and is given back whole, its tail linked to the old free_head.  The
 * descriptor a chain starts with is known before the chain is built
 * (virtqueue_next_free), so a driver can name per-request state after it.
 *
 * Memory ordering: the device is another agent reading and writing our
 * memory, so descriptors are made visible before the available index that
 * publishes them, the index before the notify register write, and the used
 * index is read before the used entries it covers.  virtio_fence() is the
 * full `fence iorw, iorw` for each of those points.
 */
#include <keel/errno.h>

#include "drivers/virtio.h"
#include "drivers/virtqueue.h"
#include "mm/page.h"

_Static_assert(VIRTQ_DESC_BYTES(VIRTQUEUE_MAX) <= PAGE_SIZE &&
		   VIRTQ_AVAIL_BYTES(VIRTQUEUE_MAX) <= PAGE_SIZE &&
		   VIRTQ_USED_BYTES(VIRTQUEUE_MAX) <= PAGE_SIZE,
	       "each part of the virtqueue fits one page");

static void write_address(volatile uint32_t *regs, unsigned low, const void *p)
{
	uint64_t address = (uintptr_t)p; /* identity mapped (page_alloc) */

	virtio_mmio_write(regs, low, (uint32_t)address);
	virtio_mmio_write(regs, low + 4, (uint32_t)(address >> 32));
}

int virtqueue_setup(struct virtqueue *vq, volatile uint32_t *regs,
		    uint16_t index, uint32_t size_max, uint32_t size_min)
{
	uint32_t max, size;

	virtio_mmio_write(regs, VIRTIO_MMIO_QUEUE_SEL, index);
	if (virtio_mmio_read(regs, VIRTIO_MMIO_QUEUE_READY) != 0)
		return -EIO;
	max = virtio_mmio_read(regs, VIRTIO_MMIO_QUEUE_NUM_MAX);
	if (max < size_min)
		return -EIO;
	size = size_max;
	while (size > max)
		size /= 2; /* ring indices wrap at 65536: keep a power of two */

	vq->desc = page_alloc();
	vq->avail = page_alloc();
	vq->used = page_alloc();
	if (!vq->desc || !vq->avail || !vq->used)
		return -ENOMEM;

	vq->regs = regs;
	vq->index = index;
	vq->size = (uint16_t)size;
	for (uint32_t i = 0; i + 1 < size; i++)
		vq->desc[i].next = (uint16_t)(i + 1);
	vq->free_head = 0;
	vq->num_free = (uint16_t)size;

	virtio_mmio_write(regs, VIRTIO_MMIO_QUEUE_NUM, size);
	write_address(regs, VIRTIO_MMIO_QUEUE_DESC_LOW, vq->desc);
	write_address(regs, VIRTIO_MMIO_QUEUE_DRIVER_LOW, vq->avail);
	write_address(regs, VIRTIO_MMIO_QUEUE_DEVICE_LOW, vq->used);
	virtio_fence(); /* zeroed rings visible before the device may look */
	virtio_mmio_write(regs, VIRTIO_MMIO_QUEUE_READY, 1);
	return 0;
}

void virtqueue_free(struct virtqueue *vq)
{
	if (vq->desc)
		page_free(vq->desc);
	if (vq->avail)
		page_free(vq->avail);
	if (vq->used)
		page_free(vq->used);
}

/* ---- descriptors -------------------------------------------------------- */

uint16_t virtqueue_next_free(const struct virtqueue *vq)
{
	return vq->free_head;
}

/* Take a descriptor off the free list.  Caller checked num_free. */
static uint16_t desc_alloc(struct virtqueue *vq)
{
	uint16_t i = vq->free_head;

	vq->free_head = vq->desc[i].next;
	vq->num_free--;
	return i;
}

void virtqueue_chain_append(struct virtqueue *vq, int *tail, uint64_t addr,
			    uint32_t len, uint16_t flags)
{
	uint16_t d = desc_alloc(vq);

	vq->desc[d].addr = addr;
	vq->desc[d].len = len;
	vq->desc[d].flags = flags;
	vq->desc[d].next = 0;
	if (*tail >= 0) {
		vq->desc[*tail].flags |= VIRTQ_DESC_F_NEXT;
		vq->desc[*tail].next = d;
	}
	*tail = d;
}

void virtqueue_chain_free(struct virtqueue *vq, uint16_t head)
{
	uint16_t tail = head, count = 1;

	while (vq->desc[tail].flags & VIRTQ_DESC_F_NEXT) {
		tail = vq->desc[tail].next;
		count++;
	}
	vq->desc[tail].next = vq->free_head;
	vq->free_head = head;
	vq->num_free += count;
}

/* ---- the rings ---------------------------------------------------------- */

void virtqueue_publish(struct virtqueue *vq, uint16_t head)
{
	vq->avail->ring[vq->avail_idx % vq->size] = head;
	vq->avail_idx++;
	virtio_fence(); /* the chain and ring entry before the index */
	*(volatile uint16_t *)&vq->avail->idx = vq->avail_idx;
}

void virtqueue_notify(struct virtqueue *vq)
{
	virtio_fence(); /* avail->idx before the register write */
	virtio_mmio_write(vq->regs, VIRTIO_MMIO_QUEUE_NOTIFY, vq->index);
}

bool virtqueue_take_used(struct virtqueue *vq, uint32_t *head)
{
	if (vq->last_used_idx == *(volatile uint16_t *)&vq->used->idx)
		return false;
	virtio_fence(); /* used->idx before the entries it covers */
	*head = vq->used->ring[vq->last_used_idx++ % vq->size].id;
	return true;
}
