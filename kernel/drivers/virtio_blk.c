/*
 * virtio_blk.c - the virtio-mmio block device driver, for QEMU 7.2 started
 * with (virtio.h explains the transport)
 *
 *     -global virtio-mmio.force-legacy=false
 *     -drive file=IMG,if=none,format=raw,id=diskN
 *     -device virtio-blk-device,drive=diskN,bus=virtio-mmio-bus.K
 *
 * One disk, one queue (queue 0), up to VIRTIO_BLK_QUEUE_MAX descriptors, all
 * of them usable at once.  Requests are futures (block_request.c); this
 * file is the event source that completes them.  The driver's part of a
 * request's life:
 *
 *   submit     (from the request's first poll) under the disk's lock, take
 *              descriptors from the free list, build the chain, publish
 *              its head in the available ring, notify the device.  When
 *              the free list is too short, or other requests already wait,
 *              the request joins the end of the `waiting` list instead:
 *              its waker is already registered, so it simply stays PENDING
 *              until its turn comes.  A request never fails for lack of
 *              room, and any number may be outstanding at once.
 *   withdraw   (from a drop) a request still on the waiting list is taken
 *              off it and forgotten: the device never saw it.  One in the
 *              ring stays: its completion will free it.
 *   device     works on the chains in any order it likes, writes each
 *              finished head into the used ring, raises its interrupt.
 *   interrupt  under the lock: acknowledge, walk the used ring from the
 *              last index seen, map each head back to its request (the
 *              per-slot array is indexed by head descriptor), free the
 *              chain, then move waiting requests, in order, into the freed
 *              descriptors.  With the lock dropped, report each finished
 *              request with block_request_complete(), which wakes its own
 *              waker (or frees it, if it was cancelled).  Nothing assumes
 *              the device finishes requests in the order they were issued;
 *              the `reordered` counter shows how often it did not.
 *
 * The queue itself (descriptors, rings, notification, the order of memory
 * accesses the device needs) is virtqueue.c's; this file decides what goes
 * into it.  A chain is: header (device reads), data (device writes for a
 * read, reads for a write; absent for a flush), status byte (device writes).
 * The header and the status byte of the chain whose head is descriptor i live
 * in slots[i], a page the driver owns.  The data is the request's own buffer
 * (req->data), never the caller's memory: it comes from kmalloc, so it is
 * mapped at its physical address and contiguous, and is one descriptor
 * unless the device limits bytes per descriptor (VIRTIO_BLK_F_SIZE_MAX).
 *
 * Locks: each disk has its own spinlock (interrupts off while held).  It
 * protects the virtqueue, the waiting list, the slots and the counters.  A
 * request's own lock is never taken while holding it.
 */
#include <keel/errno.h>
#include <stdbool.h>

#include "drivers/block.h"
#include "drivers/virtio.h"
#include "drivers/virtqueue.h"
#include "lib/list.h"
#include "lib/string.h"
#include "log/printk.h"
#include "mm/kmalloc.h"
#include "mm/page.h"
#include "sync/spinlock.h"
#include "trap/plic.h"

/*
 * Per-head-descriptor request state.  The device reads `header` and writes
 * `status`; `req` is the driver's note of whose chain this is, `sequence`
 * the order it was issued in.
 */
struct request_slot {
	struct virtio_blk_req_header header;
	struct block_request *req; /* NULL while the head is free */
	uint32_t sequence;	   /* vblk->issued when this chain was issued */
	volatile uint8_t status;   /* VIRTIO_BLK_S_*, 0xff until written */
};
_Static_assert(VIRTIO_BLK_QUEUE_MAX * sizeof(struct request_slot) <= PAGE_SIZE,
	       "the request slots fit one page");
_Static_assert(VIRTIO_BLK_QUEUE_MAX <= VIRTQUEUE_MAX,
	       "virtqueue_setup takes the disk's queue size");

struct virtio_blk {
	struct block_device dev; /* what block.c sees; dev.driver = us */
	volatile uint32_t *regs; /* the virtio-mmio window */
	uint64_t base;		 /* its physical address, for messages */
	uint32_t irq;

	struct spinlock lock;	    /* everything below */
	struct virtqueue vq;	    /* queue 0; size <= VIRTIO_BLK_QUEUE_MAX */
	struct request_slot *slots; /* [vq.size], by head descriptor */
	struct list waiting;	    /* requests waiting for descriptors, FIFO */
	uint32_t issued;	    /* chains issued so far (wraps) */
	uint32_t newest_done;	    /* highest sequence completed so far */

	bool has_flush;		    /* VIRTIO_BLK_F_FLUSH negotiated */
	unsigned max_segments;	    /* data descriptors per request */
	uint32_t max_segment_bytes; /* bytes per data descriptor */
	struct virtio_blk_stats stats;
};

static const struct block_ops virtio_blk_ops;

/* ---- requests ----------------------------------------------------------- */

/* Data descriptors a request of `bytes` takes (0 for a flush). */
static unsigned data_segments(const struct virtio_blk *vblk, uint32_t bytes)
{
	return (bytes + vblk->max_segment_bytes - 1) / vblk->max_segment_bytes;
}

/*
 * Put req into the ring if enough descriptors are free.  Returns true when
 * it was issued (the caller notifies the device once per batch), false when
 * it must wait.  Lock held.  Cannot fail otherwise: the block layer kept
 * the request within dev.max_sectors, which probe chose so that any request
 * fits in max_segments descriptors.
 */
static bool request_issue(struct virtio_blk *vblk, struct block_request *req)
{
	unsigned nseg = data_segments(vblk, req->bytes);
	struct request_slot *slot;
	uint16_t head, data_flags;
	uintptr_t data = (uintptr_t)req->data; /* kmalloc: identity mapped */
	uint32_t left = req->bytes;
	int tail = -1;

	if (vblk->vq.num_free < nseg + 2)
		return false;

	/* The head is known before the header is written: it names the slot. */
	head = virtqueue_next_free(&vblk->vq);
	slot = &vblk->slots[head];
	slot->req = req;
	slot->sequence = vblk->issued++;
	slot->status = 0xff;
	slot->header.reserved = 0;
	switch (req->op) {
	case BLOCK_READ:
		slot->header.type = VIRTIO_BLK_T_IN;
		slot->header.sector = req->sector;
		break;
	case BLOCK_WRITE:
		slot->header.type = VIRTIO_BLK_T_OUT;
		slot->header.sector = req->sector;
		break;
	case BLOCK_FLUSH:
		slot->header.type = VIRTIO_BLK_T_FLUSH;
		slot->header.sector = 0;
		break;
	}

	virtqueue_chain_append(&vblk->vq, &tail, (uintptr_t)&slot->header,
			       sizeof(slot->header), 0);
	data_flags = req->op == BLOCK_READ ? VIRTQ_DESC_F_WRITE : 0;
	while (left > 0) {
		uint32_t len = left < vblk->max_segment_bytes
				   ? left
				   : vblk->max_segment_bytes;

		virtqueue_chain_append(&vblk->vq, &tail, data, len, data_flags);
		data += len;
		left -= len;
	}
	virtqueue_chain_append(&vblk->vq, &tail, (uintptr_t)&slot->status, 1,
			       VIRTQ_DESC_F_WRITE);
	req->slot = head;

	virtqueue_publish(&vblk->vq, head);

	vblk->stats.in_flight++;
	if (vblk->stats.in_flight > vblk->stats.max_in_flight)
		vblk->stats.max_in_flight = vblk->stats.in_flight;
	return true;
}

/* Move waiting requests into free descriptors, in order.  Lock held. */
static bool waiting_issue(struct virtio_blk *vblk)
{
	bool issued = false;

	while (!list_empty(&vblk->waiting)) {
		struct list *first = vblk->waiting.next;
		struct block_request *req =
		    container_of(first, struct block_request, link);

		if (!request_issue(vblk, req))
			break;
		list_remove(&req->link);
		vblk->stats.pending--;
		issued = true;
	}
	return issued;
}

/*
 * block_ops.submit: issue req, or queue it behind the requests already
 * waiting (so they keep their order).  Called from the request's first
 * poll with no lock held; never fails (block.h).
 */
static void virtio_blk_submit(struct block_device *dev,
			      struct block_request *req)
{
	struct virtio_blk *vblk = dev->driver;

	req->slot = -1;
	spin_lock(&vblk->lock);
	vblk->stats.submitted++;
	if (list_empty(&vblk->waiting) && request_issue(vblk, req)) {
		virtqueue_notify(&vblk->vq);
	} else {
		list_push_back(&vblk->waiting, &req->link);
		vblk->stats.pending++;
		if (vblk->stats.pending > vblk->stats.pending_peak)
			vblk->stats.pending_peak = vblk->stats.pending;
	}
	spin_unlock(&vblk->lock);
}

/*
 * block_ops.withdraw: true, and req forgotten, when it is still waiting
 * for descriptors; false when the device has it (slot >= 0: its
 * completion will come).  No lock held on entry.
 */
static bool virtio_blk_withdraw(struct block_device *dev,
				struct block_request *req)
{
	struct virtio_blk *vblk = dev->driver;
	bool waiting;

	spin_lock(&vblk->lock);
	waiting = req->slot < 0;
	if (waiting) {
		list_remove(&req->link);
		vblk->stats.pending--;
		vblk->stats.withdrawn++;
	}
	spin_unlock(&vblk->lock);
	return waiting;
}

static const struct block_ops virtio_blk_ops = {
    .submit = virtio_blk_submit,
    .withdraw = virtio_blk_withdraw,
};

static int status_to_errno(uint8_t status)
{
	switch (status) {
	case VIRTIO_BLK_S_OK:
		return 0;
	case VIRTIO_BLK_S_UNSUPP:
		return -EINVAL;
	default: /* VIRTIO_BLK_S_IOERR, or a byte the device never wrote */
		return -EIO;
	}
}

/*
 * The chain at `head` is finished: take its request out of the slot, free
 * the descriptors, count it.  Returns the request, or NULL for a head the
 * driver did not issue.  Lock held.
 */
static struct block_request *chain_finish(struct virtio_blk *vblk,
					  uint32_t head, int *status)
{
	struct request_slot *slot;
	struct block_request *req;

	if (head >= vblk->vq.size || !vblk->slots[head].req) {
		pr_err("virtio-blk: %s: device returned unknown chain %u",
		       vblk->dev.name, head);
		return NULL;
	}
	slot = &vblk->slots[head];
	req = slot->req;
	slot->req = NULL;
	*status = status_to_errno(slot->status);
	/* Later-issued chains finished first?  Sequences wrap: compare the
	 * signed difference. */
	if ((int32_t)(slot->sequence - vblk->newest_done) < 0 &&
	    vblk->stats.completed > 0)
		vblk->stats.reordered++;
	else
		vblk->newest_done = slot->sequence;
	virtqueue_chain_free(&vblk->vq, (uint16_t)head);
	vblk->stats.in_flight--;
	vblk->stats.completed++;
	if (*status)
		vblk->stats.errors++;
	return req;
}

/*
 * The disk's interrupt handler (plic_register).  Runs in interrupt context
 * with no lock held; takes the disk's lock, releases it before completing
 * the finished requests.
 */
static void virtio_blk_interrupt(void *arg)
{
	struct virtio_blk *vblk = arg;
	struct list finished = LIST_INIT(finished);
	struct list *node;
	uint32_t pending_bits, head;

	spin_lock(&vblk->lock);
	pending_bits =
	    virtio_mmio_read(vblk->regs, VIRTIO_MMIO_INTERRUPT_STATUS);
	virtio_mmio_write(vblk->regs, VIRTIO_MMIO_INTERRUPT_ACK, pending_bits);
	virtio_fence(); /* acknowledge before reading used->idx: none is lost */

	while (virtqueue_take_used(&vblk->vq, &head)) {
		struct block_request *req;
		int status;

		req = chain_finish(vblk, head, &status);
		if (!req)
			continue;
		req->device_status = status;
		list_push_back(&finished, &req->link);
	}
	if (waiting_issue(vblk))
		virtqueue_notify(&vblk->vq);
	spin_unlock(&vblk->lock);

	/* Each request may be freed by its completion: unlink it first. */
	while ((node = list_pop_front(&finished)) != NULL) {
		struct block_request *req =
		    container_of(node, struct block_request, link);

		block_request_complete(req, req->device_status);
	}
}

/* ---- statistics --------------------------------------------------------- */

static struct virtio_blk *to_virtio_blk(struct block_device *dev)
{
	return dev && dev->ops == &virtio_blk_ops ? dev->driver : NULL;
}

int virtio_blk_get_stats(struct block_device *dev, struct virtio_blk_stats *out)
{
	struct virtio_blk *vblk = to_virtio_blk(dev);

	if (!vblk)
		return -ENODEV;
	spin_lock(&vblk->lock);
	*out = vblk->stats;
	spin_unlock(&vblk->lock);
	return 0;
}

int virtio_blk_reset_peaks(struct block_device *dev)
{
	struct virtio_blk *vblk = to_virtio_blk(dev);

	if (!vblk)
		return -ENODEV;
	spin_lock(&vblk->lock);
	vblk->stats.max_in_flight = vblk->stats.in_flight;
	vblk->stats.pending_peak = vblk->stats.pending;
	spin_unlock(&vblk->lock);
	return 0;
}

/* ---- probe -------------------------------------------------------------- */

/*
 * Is the slot at `regs` a modern block device?  0 if so; -ENODEV for an
 * empty slot or another kind of device (skipped silently), and also, after
 * one warning line, for a block device this driver cannot speak to.
 */
static int slot_check(volatile uint32_t *regs, uint64_t base)
{
	uint32_t version;

	if (virtio_mmio_read(regs, VIRTIO_MMIO_MAGIC_VALUE) !=
	    VIRTIO_MMIO_MAGIC) {
		pr_warn("virtio-blk: %lx is not a virtio-mmio device "
			"(bad magic)",
			(unsigned long)base);
		return -ENODEV;
	}
	if (virtio_mmio_read(regs, VIRTIO_MMIO_DEVICE_ID) !=
	    VIRTIO_DEVICE_ID_BLOCK)
		return -ENODEV;
	version = virtio_mmio_read(regs, VIRTIO_MMIO_VERSION);
	if (version == VIRTIO_MMIO_VERSION_LEGACY) {
		pr_warn("virtio-blk: %lx is a legacy (version 1) device; start "
			"QEMU with "
			"-global virtio-mmio.force-legacy=false",
			(unsigned long)base);
		return -ENODEV;
	}
	if (version != VIRTIO_MMIO_VERSION_MODERN) {
		pr_warn("virtio-blk: %lx has unknown virtio-mmio version %u",
			(unsigned long)base, version);
		return -ENODEV;
	}
	return 0;
}

static uint64_t device_features(volatile uint32_t *regs)
{
	uint64_t features;

	virtio_mmio_write(regs, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	features = (uint64_t)virtio_mmio_read(regs, VIRTIO_MMIO_DEVICE_FEATURES)
		   << 32;
	virtio_mmio_write(regs, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	return features | virtio_mmio_read(regs, VIRTIO_MMIO_DEVICE_FEATURES);
}

static void driver_features(volatile uint32_t *regs, uint64_t features)
{
	virtio_mmio_write(regs, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	virtio_mmio_write(regs, VIRTIO_MMIO_DRIVER_FEATURES,
			  (uint32_t)(features >> 32));
	virtio_mmio_write(regs, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	virtio_mmio_write(regs, VIRTIO_MMIO_DRIVER_FEATURES,
			  (uint32_t)features);
}

static void status_set(volatile uint32_t *regs, uint32_t bits)
{
	virtio_mmio_write(regs, VIRTIO_MMIO_STATUS,
			  virtio_mmio_read(regs, VIRTIO_MMIO_STATUS) | bits);
}

/* A 32-bit config field, read consistently (the generation loop). */
static uint32_t config_read32(volatile uint32_t *regs, unsigned offset)
{
	uint32_t generation, value;

	do {
		generation =
		    virtio_mmio_read(regs, VIRTIO_MMIO_CONFIG_GENERATION);
		value = virtio_mmio_read(regs, VIRTIO_MMIO_CONFIG + offset);
	} while (generation !=
		 virtio_mmio_read(regs, VIRTIO_MMIO_CONFIG_GENERATION));
	return value;
}

static uint64_t config_read64(volatile uint32_t *regs, unsigned offset)
{
	uint32_t generation, low, high;

	do {
		generation =
		    virtio_mmio_read(regs, VIRTIO_MMIO_CONFIG_GENERATION);
		low = virtio_mmio_read(regs, VIRTIO_MMIO_CONFIG + offset);
		high = virtio_mmio_read(regs, VIRTIO_MMIO_CONFIG + offset + 4);
	} while (generation !=
		 virtio_mmio_read(regs, VIRTIO_MMIO_CONFIG_GENERATION));
	return (uint64_t)high << 32 | low;
}

#define FEATURE(bit) (1ull << (bit))

/*
 * Reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK; read the limits and
 * the capacity into vblk.  Returns 0, -ENODEV (VIRTIO_F_VERSION_1 missing
 * or the feature set refused) or -EIO (the device would not reset).
 */
static int handshake(struct virtio_blk *vblk)
{
	volatile uint32_t *regs = vblk->regs;
	uint64_t offered, wanted;

	virtio_mmio_write(regs, VIRTIO_MMIO_STATUS, 0);
	if (virtio_mmio_read(regs, VIRTIO_MMIO_STATUS) != 0)
		return -EIO;
	status_set(regs, VIRTIO_STATUS_ACKNOWLEDGE);
	status_set(regs, VIRTIO_STATUS_DRIVER);

	offered = device_features(regs);
	if (!(offered & FEATURE(VIRTIO_F_VERSION_1))) {
		pr_warn("virtio-blk: %lx does not offer VIRTIO_F_VERSION_1",
			(unsigned long)vblk->base);
		return -ENODEV;
	}
	wanted = FEATURE(VIRTIO_F_VERSION_1) | FEATURE(VIRTIO_BLK_F_FLUSH) |
		 FEATURE(VIRTIO_BLK_F_RO) | FEATURE(VIRTIO_BLK_F_SEG_MAX) |
		 FEATURE(VIRTIO_BLK_F_SIZE_MAX);
	wanted &= offered;
	driver_features(regs, wanted);
	status_set(regs, VIRTIO_STATUS_FEATURES_OK);
	if (!(virtio_mmio_read(regs, VIRTIO_MMIO_STATUS) &
	      VIRTIO_STATUS_FEATURES_OK)) {
		pr_warn("virtio-blk: %lx refused features %lx",
			(unsigned long)vblk->base, (unsigned long)wanted);
		return -ENODEV;
	}

	vblk->has_flush = (wanted & FEATURE(VIRTIO_BLK_F_FLUSH)) != 0;
	vblk->dev.read_only = (wanted & FEATURE(VIRTIO_BLK_F_RO)) != 0;
	vblk->max_segments = VIRTIO_BLK_MAX_SEGMENTS;
	if (wanted & FEATURE(VIRTIO_BLK_F_SEG_MAX)) {
		uint32_t limit = config_read32(regs, VIRTIO_BLK_CONFIG_SEG_MAX);

		if (limit && limit < vblk->max_segments)
			vblk->max_segments = limit;
	}
	vblk->max_segment_bytes = VIRTIO_BLK_MAX_REQUEST;
	if (wanted & FEATURE(VIRTIO_BLK_F_SIZE_MAX)) {
		uint32_t limit;

		limit = config_read32(regs, VIRTIO_BLK_CONFIG_SIZE_MAX);
		if (limit && limit < vblk->max_segment_bytes)
			vblk->max_segment_bytes = limit;
	}
	vblk->dev.sectors = config_read64(regs, VIRTIO_BLK_CONFIG_CAPACITY);
	return 0;
}

static void rings_free(struct virtio_blk *vblk)
{
	virtqueue_free(&vblk->vq);
	if (vblk->slots)
		page_free(vblk->slots);
}

/*
 * Allocate the request slots and hand queue 0 to the device.  Returns 0,
 * -ENOMEM, or -EIO when the device has no queue 0 big enough or it is
 * already live.  On failure the caller frees with rings_free.
 */
static int queue_setup(struct virtio_blk *vblk)
{
	unsigned size;
	int err;

	vblk->slots = page_alloc();
	if (!vblk->slots)
		return -ENOMEM;
	err = virtqueue_setup(&vblk->vq, vblk->regs, 0, VIRTIO_BLK_QUEUE_MAX,
			      VIRTIO_BLK_QUEUE_MIN);
	if (err)
		return err;
	size = vblk->vq.size;
	vblk->stats.queue_size = size;
	if (vblk->max_segments > size - 2)
		vblk->max_segments = size - 2;
	return 0;
}

/*
 * keel/block.h promises requests of up to KEEL_BLOCK_MAX_SECTORS: a disk
 * whose segment limits cannot carry that in one chain is not used.  Sets
 * the block layer's view of the limits.  Returns 0 or -ENODEV.
 */
static int limits_check(struct virtio_blk *vblk)
{
	uint64_t most = (uint64_t)vblk->max_segments * vblk->max_segment_bytes;

	if (most < VIRTIO_BLK_MAX_REQUEST) {
		pr_warn(
		    "virtio-blk: %lx takes at most %u segments of %u bytes, "
		    "less than one %lu-byte request",
		    (unsigned long)vblk->base, vblk->max_segments,
		    vblk->max_segment_bytes,
		    (unsigned long)VIRTIO_BLK_MAX_REQUEST);
		return -ENODEV;
	}
	vblk->dev.max_sectors = KEEL_BLOCK_MAX_SECTORS;
	vblk->dev.write_cache = vblk->has_flush;
	return 0;
}

/*
 * Bring up the block device in slot `dev_info` as `name`.  Error policy: the
 * steps before plic_register undo themselves through one ladder (the device
 * is reset and marked FAILED, its memory freed).  After plic_register the
 * handler holds a pointer to vblk, which then lives forever.
 */
static int disk_attach(const struct boot_mmio_device *dev_info,
		       const char *name)
{
	volatile uint32_t *regs = (void *)(uintptr_t)dev_info->base;
	struct virtio_blk *vblk;
	int err;

	err = slot_check(regs, dev_info->base);
	if (err)
		return err;
	if (dev_info->irq == 0) {
		pr_warn("virtio-blk: %lx has no interrupt",
			(unsigned long)dev_info->base);
		return -ENODEV;
	}
	vblk = kmalloc(sizeof(*vblk));
	if (!vblk)
		return -ENOMEM;
	vblk->regs = regs;
	vblk->base = dev_info->base;
	vblk->irq = dev_info->irq;
	spin_init(&vblk->lock, "virtio_blk");
	list_init(&vblk->waiting);
	strlcpy(vblk->dev.name, name, sizeof(vblk->dev.name));
	vblk->dev.ops = &virtio_blk_ops;
	vblk->dev.driver = vblk;

	err = handshake(vblk);
	if (err)
		goto fail_device;
	err = queue_setup(vblk);
	if (err)
		goto fail_rings;
	err = limits_check(vblk);
	if (err)
		goto fail_rings;
	err = plic_register(vblk->irq, virtio_blk_interrupt, vblk);
	if (err)
		goto fail_rings;
	status_set(regs, VIRTIO_STATUS_DRIVER_OK);
	vblk->stats.has_flush = vblk->has_flush;

	err = block_register(&vblk->dev);
	if (err) {
		/* Silence the device; the handler keeps vblk, so it stays. */
		virtio_mmio_write(regs, VIRTIO_MMIO_STATUS, 0);
		virtio_mmio_write(regs, VIRTIO_MMIO_STATUS,
				  VIRTIO_STATUS_FAILED);
		pr_err("virtio-blk: %s: cannot register: %d", name, err);
		return err;
	}
	pr_info("virtio-blk: %s: %lu sectors (%lu MiB), queue %u, %s%s (at "
		"%lx, irq %u)",
		name, (unsigned long)vblk->dev.sectors,
		(unsigned long)(vblk->dev.sectors / 2048), vblk->vq.size,
		vblk->dev.read_only ? "read-only" : "read-write",
		vblk->has_flush ? ", write cache" : "",
		(unsigned long)vblk->base, vblk->irq);
	return 0;

fail_rings:
	/* The device forgets the rings. */
	virtio_mmio_write(regs, VIRTIO_MMIO_STATUS, 0);
	rings_free(vblk);
fail_device:
	virtio_mmio_write(regs, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_FAILED);
	pr_warn("virtio-blk: %lx: setup failed (%d); disk skipped",
		(unsigned long)dev_info->base, err);
	kfree(vblk);
	return err;
}

void virtio_blk_probe(const struct boot_info *info)
{
	static bool probed;
	const struct boot_mmio_device *order[BOOT_MAX_VIRTIO];
	int count = 0, disks = 0;

	if (probed) {
		pr_warn("virtio-blk: probe called twice; ignored");
		return;
	}
	probed = true;

	/* Slot-address order, so -device ...,bus=virtio-mmio-bus.0 is vda. */
	for (int i = 0; i < info->nvirtio && i < BOOT_MAX_VIRTIO; i++) {
		const struct boot_mmio_device *d = &info->virtio[i];
		int at = count++;

		while (at > 0 && order[at - 1]->base > d->base) {
			order[at] = order[at - 1];
			at--;
		}
		order[at] = d;
	}
	for (int i = 0; i < count; i++) {
		char name[8] = {'v', 'd', (char)('a' + disks), '\0'};

		if (disk_attach(order[i], name) == 0)
			disks++;
	}
}
