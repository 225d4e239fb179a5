/*
 * bench_fs_batch.c - a batch: OPS read futures, DEPTH of them in flight,
 * driven by one block_on, with a waker for each slot.
 *
 * A batch is itself a future (struct batch, "bench-batch").  It has
 * DEPTH slots; each holds one read future (made by the batch's start
 * function: a vfs_read_async of the file, a keel_block_read of the disk,
 * bench_fs_source.c) or nothing.  One poll of the batch fills the free
 * slots with the next reads, polling each once as it starts (that hands
 * it to the disk), then polls the slots woken since their last poll, and
 * goes round again while that made progress: a finished read frees a
 * slot for the next.  It is READY when all OPS reads have ended, or when
 * one failed and none is left in flight.
 *
 * Why a waker per slot.  Were the batch to give its own waker to every
 * read, a completion would only say "something finished", and the batch
 * would have to poll all DEPTH reads to find out which: DEPTH polls per
 * completion, a cost that grows with the depth being measured.  Each
 * slot's waker is {the slot, slot_waker_vtable}: waking it marks the slot
 * (`woken`) and wakes the batch's parent waker, so a completion costs one
 * poll of the read that finished.  The slots outlive every read in them
 * (a read ends, and is dropped, before its slot is reused or freed), so
 * the slots' wakers need no reference count: clone returns the same
 * waker, drop does nothing.
 *
 * The parent waker is the one of the batch's first poll, kept for good:
 * the batch is driven only by block_on, whose waker is the same at every
 * poll (future.h's rule 3 asks only for the latest poll's waker).
 *
 * Noting the full batch (note_full, for bench_fs_memory.c): the first
 * poll starts DEPTH reads with interrupts held off (irq_push), so no
 * completion can be taken before all are started, notes memory and the
 * disks' live requests, and only then lets interrupts in.  The note is
 * what DEPTH reads in flight hold, all of them at once.
 */
#include <keel/errno.h>

#include "exec/block_on.h"
#include "shell/bench_fs.h"
#include "sync/spinlock.h"

static struct keel_waker slot_clone(const void *data)
{
	return ((const struct batch_slot *)data)->waker;
}

static void slot_wake(const void *data)
{
	struct batch_slot *slot = (struct batch_slot *)data;

	__atomic_store_n(&slot->woken, 1, __ATOMIC_RELEASE);
	keel_waker_wake_by_ref(&slot->batch->parent);
}

static void slot_drop(const void *data)
{
}

static const struct keel_waker_vtable slot_waker_vtable = {
    .size = sizeof(struct keel_waker_vtable),
    .clone = slot_clone,
    .wake = slot_wake,
    .wake_by_ref = slot_wake,
    .drop = slot_drop,
};

/* Poll one busy slot with its own waker; true when its future ended. */
static bool slot_poll(struct batch *b, struct batch_slot *slot)
{
	struct keel_context cx = {sizeof(cx), 0, &slot->waker};
	struct keel_int_future *io = slot->io;

	if (keel_future_poll(&io->future, &cx) == KEEL_PENDING)
		return false;
	if (io->result != b->expect && !b->error)
		b->error = io->result < 0 ? io->result : -EIO;
	keel_future_drop(&io->future);
	slot->io = NULL;
	b->inflight--;
	return true;
}

static enum keel_poll batch_poll(struct keel_future *future,
				 struct keel_context *cx)
{
	struct batch *b = (struct batch *)future;
	bool progress;

	if (!b->parent.vtable)
		b->parent = keel_waker_clone(cx->waker);
	if (b->note_full && !b->noted)
		irq_push(); /* no completion is taken before the note */
	do {
		progress = false;
		for (uint32_t i = 0; i < b->depth && b->started < b->ops &&
				     !b->error && b->inflight < b->depth;
		     i++) {
			struct batch_slot *slot = &b->slots[i];

			if (slot->io)
				continue;
			slot->io = b->start(b->arg, b->started);
			if (!slot->io) {
				b->error = -ENOMEM;
				break;
			}
			b->started++;
			b->inflight++;
			__atomic_store_n(&slot->woken, 0, __ATOMIC_RELAXED);
			progress |= slot_poll(b, slot); /* the disk has it */
		}
		if (b->note_full && !b->noted) {
			b->noted = true;
			b->full_memory = memory_now();
			b->full_live = bench_disk_now().live;
			irq_pop();
		}
		for (uint32_t i = 0; i < b->depth; i++) {
			struct batch_slot *slot = &b->slots[i];

			if (slot->io &&
			    __atomic_exchange_n(&slot->woken, 0,
						__ATOMIC_ACQUIRE) &&
			    slot_poll(b, slot))
				progress = true;
		}
	} while (progress && (b->started < b->ops || b->inflight));
	if (b->inflight || (b->started < b->ops && !b->error))
		return KEEL_PENDING;
	b->base.result = b->error;
	return KEEL_READY;
}

/* Ends what is still in flight (an error stopped the batch early). */
static void batch_drop(struct keel_future *future)
{
	struct batch *b = (struct batch *)future;

	for (uint32_t i = 0; i < b->depth; i++)
		if (b->slots[i].io) {
			keel_future_drop(&b->slots[i].io->future);
			b->slots[i].io = NULL;
		}
	keel_waker_drop(&b->parent);
}

static const struct keel_future_vtable batch_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "bench-batch",
    .poll = batch_poll,
    .drop = batch_drop,
};

int bench_batch_run(struct batch *b, struct batch_slot *slots,
		    batch_start_fn start, void *arg, int64_t expect,
		    uint32_t ops, uint32_t depth)
{
	bool note_full = b->note_full;

	*b = (struct batch){.base.future.vtable = &batch_vtable,
			    .start = start,
			    .arg = arg,
			    .expect = expect,
			    .ops = ops,
			    .depth = depth,
			    .slots = slots,
			    .note_full = note_full};
	for (uint32_t i = 0; i < depth; i++)
		slots[i] = (struct batch_slot){
		    .batch = b, .waker = {&slots[i], &slot_waker_vtable}};
	return (int)block_on(&b->base);
}
