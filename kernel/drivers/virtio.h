/*
 * virtio.h - the virtio-mmio transport and the block device's request
 * format (Virtual I/O Device specification 1.1, sections 4.2 "Virtio Over
 * MMIO" and 5.2 "Block Device"); the queues are in virtqueue.h.
 *
 * A virtio device on QEMU's `virt` machine is a 512-byte window of 32-bit
 * registers (one per "virtio,mmio" node of the device tree, eight slots)
 * followed by a device-specific configuration space.  Keel speaks only the
 * modern interface, version 2: QEMU 7.2 must be started with
 *
 *     -global virtio-mmio.force-legacy=false
 *
 * or every slot reports version 1 (legacy), which Keel refuses with one
 * warning.  A disk is attached to slot K with
 *
 *     -drive file=IMG,if=none,format=raw,id=diskN
 *     -device virtio-blk-device,drive=diskN,bus=virtio-mmio-bus.K
 *
 * All fields are little-endian, which RISC-V is, so no byte swapping
 * appears anywhere.
 */
#ifndef KEEL_DRIVERS_VIRTIO_H
#define KEEL_DRIVERS_VIRTIO_H

#include <stddef.h>
#include <stdint.h>

#include <keel/block.h>

#include "boot/fdt.h"

struct block_device;

/* ---- virtio-mmio registers: byte offsets from the slot's base ---------- */

#define VIRTIO_MMIO_MAGIC_VALUE		0x000 /* R: 0x74726976, "virt" */
#define VIRTIO_MMIO_VERSION		0x004 /* R: 2 modern, 1 legacy */
#define VIRTIO_MMIO_DEVICE_ID		0x008 /* R: 0 empty slot, 2 block */
#define VIRTIO_MMIO_VENDOR_ID		0x00c /* R: 0x554d4551 "QEMU" */
#define VIRTIO_MMIO_DEVICE_FEATURES	0x010 /* R: 32 feature bits ... */
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014 /* W: ... of word 0 or 1 */
#define VIRTIO_MMIO_DRIVER_FEATURES	0x020 /* W: accepted bits ... */
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024 /* W: ... of word 0 or 1 */
#define VIRTIO_MMIO_QUEUE_SEL		0x030 /* W: queue the next 8 refer to */
#define VIRTIO_MMIO_QUEUE_NUM_MAX	0x034 /* R: largest size, 0 = none */
#define VIRTIO_MMIO_QUEUE_NUM		0x038 /* W: size the driver chose */
#define VIRTIO_MMIO_QUEUE_READY		0x044 /* RW: 1 once the rings are set */
#define VIRTIO_MMIO_QUEUE_NOTIFY	0x050 /* W: queue with new buffers */
#define VIRTIO_MMIO_INTERRUPT_STATUS	0x060 /* R: VIRTIO_INT_* bits pending */
#define VIRTIO_MMIO_INTERRUPT_ACK	0x064 /* W: bits handled */
#define VIRTIO_MMIO_STATUS		0x070 /* RW: status bits; 0 resets */
#define VIRTIO_MMIO_QUEUE_DESC_LOW	0x080 /* W: descriptor table address */
#define VIRTIO_MMIO_QUEUE_DESC_HIGH	0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW	0x090 /* W: available ring address */
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH	0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW	0x0a0 /* W: used ring address */
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH	0x0a4
#define VIRTIO_MMIO_CONFIG_GENERATION	0x0fc /* R: changes when config does */
#define VIRTIO_MMIO_CONFIG		0x100 /* device-specific config space */

#define VIRTIO_MMIO_MAGIC	   0x74726976u
#define VIRTIO_MMIO_VERSION_LEGACY 1
#define VIRTIO_MMIO_VERSION_MODERN 2

#define VIRTIO_DEVICE_ID_NONE  0 /* an empty slot */
#define VIRTIO_DEVICE_ID_BLOCK 2

/* Device status: the driver sets these bits in order during the handshake. */
#define VIRTIO_STATUS_ACKNOWLEDGE 1   /* a driver noticed the device */
#define VIRTIO_STATUS_DRIVER	  2   /* ... and knows how to drive it */
#define VIRTIO_STATUS_DRIVER_OK	  4   /* queues set up: device is live */
#define VIRTIO_STATUS_FEATURES_OK 8   /* feature set final (device may clear) */
#define VIRTIO_STATUS_NEEDS_RESET 64  /* device hit an error it cannot undo */
#define VIRTIO_STATUS_FAILED	  128 /* driver gave up on the device */

/* InterruptStatus / InterruptACK bits. */
#define VIRTIO_INT_USED_BUFFER	 1 /* a used ring advanced */
#define VIRTIO_INT_CONFIG_CHANGE 2 /* configuration space changed */

/* Transport feature bits (bit numbers in the 64-bit feature set). */
#define VIRTIO_F_INDIRECT_DESC 28 /* not used by Keel */
#define VIRTIO_F_EVENT_IDX     29 /* not used by Keel */
#define VIRTIO_F_VERSION_1     32 /* modern device; Keel requires it */

/* One 32-bit register of the window at `regs`. */
static inline uint32_t virtio_mmio_read(volatile uint32_t *regs,
					unsigned offset)
{
	return regs[offset / 4];
}

static inline void virtio_mmio_write(volatile uint32_t *regs, unsigned offset,
				     uint32_t value)
{
	regs[offset / 4] = value;
}

/*
 * The device is another agent reading and writing our memory: a full
 * `fence iorw, iorw` orders what it must see, or we must read, in turn.
 */
static inline void virtio_fence(void)
{
	__asm__ volatile("fence iorw, iorw" ::: "memory");
}

/* ---- the block device (device id 2) ------------------------------------- */

/* Feature bits of the block device. */
#define VIRTIO_BLK_F_SIZE_MAX 1 /* config.size_max: bytes per data segment */
#define VIRTIO_BLK_F_SEG_MAX  2 /* config.seg_max: data segments per request */
#define VIRTIO_BLK_F_RO	      5 /* the disk is read-only */
#define VIRTIO_BLK_F_FLUSH    9 /* VIRTIO_BLK_T_FLUSH is supported */

/* Configuration space, offsets from VIRTIO_MMIO_CONFIG. */
#define VIRTIO_BLK_CONFIG_CAPACITY 0x00 /* le64: size in 512-byte sectors */
#define VIRTIO_BLK_CONFIG_SIZE_MAX 0x08 /* le32, valid with F_SIZE_MAX */
#define VIRTIO_BLK_CONFIG_SEG_MAX  0x0c /* le32, valid with F_SEG_MAX */

/* Request types (virtio_blk_req_header.type). */
#define VIRTIO_BLK_T_IN	   0 /* read sectors into the data buffer */
#define VIRTIO_BLK_T_OUT   1 /* write the data buffer to sectors */
#define VIRTIO_BLK_T_FLUSH 4 /* make earlier writes durable; no data */

/* The status byte the device writes last. */
#define VIRTIO_BLK_S_OK	    0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2

/*
 * A block request is a descriptor chain: this header (device reads), the
 * data buffer (device writes it for T_IN, reads it for T_OUT; absent for
 * T_FLUSH), then one status byte (device writes).
 */
struct virtio_blk_req_header {
	uint32_t type;	   /* VIRTIO_BLK_T_* */
	uint32_t reserved; /* 0 */
	uint64_t sector;   /* first 512-byte sector; 0 for a flush */
};
_Static_assert(sizeof(struct virtio_blk_req_header) == 16, "virtio_blk header");
_Static_assert(offsetof(struct virtio_blk_req_header, sector) == 8,
	       "virtio_blk_req_header.sector");

/* ---- Keel's virtio-blk driver (virtio_blk.c) ---------------------------- */

/* Largest queue Keel sets up; the device may offer more. */
#define VIRTIO_BLK_QUEUE_MAX	128
/* Smallest queue Keel uses: room for a header + data + status chain. */
#define VIRTIO_BLK_QUEUE_MIN	4
/* Largest single request (data bytes): what keel/block.h promises. */
#define VIRTIO_BLK_MAX_REQUEST	(KEEL_BLOCK_MAX_SECTORS * KEEL_BLOCK_SECTOR_SIZE)
/*
 * Most data descriptors one request may use.  A request's buffer is one
 * physically contiguous allocation, so it needs more than one only when
 * the device limits the bytes per descriptor (VIRTIO_BLK_F_SIZE_MAX).
 */
#define VIRTIO_BLK_MAX_SEGMENTS 8

/*
 * Find every virtio block device in info->virtio[], set it up and register it
 * as vda, vdb, ... in slot-address order.  Called once by the init thread
 * (it sleeps on nothing, but allocates).  A device that fails its handshake
 * is reset, logged and skipped; the others still come up.
 */
void virtio_blk_probe(const struct boot_info *info);

/*
 * Counters of one disk, for the `blk` shell command and the tests.  At any
 * moment submitted = completed + in_flight + pending + withdrawn.
 */
struct virtio_blk_stats {
	uint64_t submitted;	/* requests handed to the driver */
	uint64_t completed;	/* requests the device finished */
	uint64_t errors;	/* ... of them with a nonzero status */
	unsigned in_flight;	/* chains in the ring right now */
	unsigned max_in_flight; /* peak of in_flight */
	unsigned pending;	/* requests waiting for free descriptors now */
	unsigned pending_peak;	/* peak of pending */
	unsigned queue_size;	/* descriptors in the ring */
	int has_flush;		/* device negotiated VIRTIO_BLK_F_FLUSH */
	uint64_t withdrawn;	/* waiting requests taken back by a cancel */
	uint64_t reordered;	/* completions after a later-issued one's */
};

/*
 * Copy the counters of `dev` into out.  Returns 0, or -ENODEV when dev is not
 * a virtio-blk disk.
 */
int virtio_blk_get_stats(struct block_device *dev,
			 struct virtio_blk_stats *out);
/*
 * Restart the peaks (max_in_flight, pending_peak) from the current values,
 * so a benchmark can report the depth it reached itself.  -ENODEV as above.
 */
int virtio_blk_reset_peaks(struct block_device *dev);

#endif /* KEEL_DRIVERS_VIRTIO_H */
