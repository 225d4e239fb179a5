/*
 * virtqueue.h - a split virtqueue, the rings a driver shares with a virtio
 * device (Virtual I/O Device specification 1.1, section 2.6 "Split
 * Virtqueues").  Any virtio device uses it; virtio_blk.c is the first.
 *
 * A virtqueue is three arrays in guest memory that driver and device share:
 *
 *   descriptor table   queue_size entries of (address, length, flags, next);
 *                      a request is a chain of descriptors linked by `next`
 *   available ring     the driver writes the head index of each new chain,
 *                      then advances avail->idx
 *   used ring          the device writes (head index, bytes written) of each
 *                      finished chain, in any order, then advances used->idx
 *
 * Both idx fields are free-running 16-bit counters; ring slot = idx modulo
 * queue_size, which is why the queue size is a power of two.  All fields are
 * little-endian, which RISC-V is, so no byte swapping appears anywhere.
 *
 * A driver's use of one queue:
 *
 *   virtqueue_setup          once: allocate the three arrays, one page each,
 *                            and hand them to the device
 *   virtqueue_chain_append   build a chain from free descriptors (the driver
 *                            first checks num_free covers the whole chain)
 *   virtqueue_publish        offer the chain's head to the device
 *   virtqueue_notify         tell the device, once per batch of chains
 *   virtqueue_take_used      on an interrupt: the heads the device finished
 *   virtqueue_chain_free     give a finished chain's descriptors back
 *
 * The queue has no lock of its own: the driver serialises every call on
 * one queue (virtio_blk.c holds its disk's spinlock).
 */
#ifndef KEEL_DRIVERS_VIRTQUEUE_H
#define KEEL_DRIVERS_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- split virtqueue layout (shared with the device) -------------------- */

#define VIRTQ_DESC_F_NEXT  1 /* the chain continues at `next` */
#define VIRTQ_DESC_F_WRITE 2 /* the device writes this buffer (else reads) */

#define VIRTQ_AVAIL_F_NO_INTERRUPT 1 /* driver: no interrupts (unused) */
#define VIRTQ_USED_F_NO_NOTIFY	   1 /* device: notifications not needed */

struct virtq_desc {
	uint64_t addr;	/* physical address of the buffer */
	uint32_t len;	/* its length in bytes */
	uint16_t flags; /* VIRTQ_DESC_F_* */
	uint16_t next;	/* next descriptor of the chain, if F_NEXT */
};
_Static_assert(sizeof(struct virtq_desc) == 16, "virtq_desc is 16 bytes");
_Static_assert(offsetof(struct virtq_desc, len) == 8, "virtq_desc.len");
_Static_assert(offsetof(struct virtq_desc, next) == 14, "virtq_desc.next");

/* Written by the driver, read by the device.  16-bit aligned. */
struct virtq_avail {
	uint16_t flags;	 /* VIRTQ_AVAIL_F_* */
	uint16_t idx;	 /* where the driver puts the next entry (mod size) */
	uint16_t ring[]; /* queue_size head indices, then a used_event word */
};
_Static_assert(offsetof(struct virtq_avail, ring) == 4, "virtq_avail.ring");

struct virtq_used_elem {
	uint32_t id;  /* head descriptor of the finished chain */
	uint32_t len; /* bytes the device wrote into the chain */
};
_Static_assert(sizeof(struct virtq_used_elem) == 8,
	       "virtq_used_elem is 8 bytes");

/* Written by the device, read by the driver.  32-bit aligned. */
struct virtq_used {
	uint16_t flags; /* VIRTQ_USED_F_* */
	uint16_t idx;	/* where the device puts the next entry (mod size) */
	struct virtq_used_elem
	    ring[]; /* queue_size entries, then avail_event */
};
_Static_assert(offsetof(struct virtq_used, ring) == 4, "virtq_used.ring");

/* Bytes each part of a split virtqueue of `size` entries needs. */
#define VIRTQ_DESC_BYTES(size)	(16ul * (size))
#define VIRTQ_AVAIL_BYTES(size) (6ul + 2ul * (size))
#define VIRTQ_USED_BYTES(size)	(6ul + 8ul * (size))

/* ---- Keel's virtqueue (virtqueue.c) ------------------------------------- */

/* Largest queue virtqueue_setup takes: each part then fits one page. */
#define VIRTQUEUE_MAX 256

/*
 * One queue of one device.  Zeroed before virtqueue_setup (kmalloc does).
 * The driver may read `size` and `num_free`; the rest is virtqueue.c's.
 */
struct virtqueue {
	volatile uint32_t *regs; /* the device's virtio-mmio window */
	uint16_t index;		 /* the queue's number on the device */
	uint16_t size;		 /* entries: a power of two */
	struct virtq_desc *desc; /* one page each */
	struct virtq_avail *avail;
	struct virtq_used *used;
	uint16_t free_head; /* free descriptors, linked by .next */
	uint16_t num_free;
	uint16_t avail_idx;	/* our copy of avail->idx */
	uint16_t last_used_idx; /* used entries consumed so far */
};

/*
 * Set up queue `index` of the device at `regs` (status DRIVER, features
 * negotiated) and hand it to the device.  The size is the largest power of
 * two up to size_max (at most VIRTQUEUE_MAX) that the device allows.
 * Returns 0, -ENOMEM, or -EIO when the queue is already live or the device
 * allows fewer than size_min entries.  On failure the caller frees with
 * virtqueue_free, after resetting the device if it got this far.
 */
int virtqueue_setup(struct virtqueue *vq, volatile uint32_t *regs,
		    uint16_t index, uint32_t size_max, uint32_t size_min);
/* Free the arrays of vq, whatever of them setup allocated.  Device reset. */
void virtqueue_free(struct virtqueue *vq);

/*
 * The descriptor the next virtqueue_chain_append takes: a new chain's head,
 * known before the chain is built.  num_free > 0.
 */
uint16_t virtqueue_next_free(const struct virtqueue *vq);
/*
 * Take a descriptor for (addr, len, flags) and append it to the chain whose
 * last descriptor is `*tail` (no chain yet when *tail < 0); it becomes the
 * new tail.  The caller checked num_free.
 */
void virtqueue_chain_append(struct virtqueue *vq, int *tail, uint64_t addr,
			    uint32_t len, uint16_t flags);
/* Return the whole chain starting at `head` to the free list. */
void virtqueue_chain_free(struct virtqueue *vq, uint16_t head);

/* Put the chain at `head` in the available ring, visible to the device. */
void virtqueue_publish(struct virtqueue *vq, uint16_t head);
/* Tell the device the queue has new chains. */
void virtqueue_notify(struct virtqueue *vq);
/*
 * The head of the next chain the device finished, into *head; false when
 * there is none.  Any head the device writes: the driver checks it.
 */
bool virtqueue_take_used(struct virtqueue *vq, uint32_t *head);

#endif /* KEEL_DRIVERS_VIRTQUEUE_H */
