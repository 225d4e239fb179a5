/*
 * rwlock.c - a file's readers-writer lock, held across awaits.
 *
 * A read maps a logical block to a physical one, waits for the block,
 * then copies it out.  If a truncate freed that block in between, and a
 * write took it again for other bytes, the read would copy out somebody
 * else's data as the file's.  So the reads of a file share this lock for
 * their whole length (any number at once), and what frees or allocates a
 * file's blocks - truncate and write - holds it alone.  This is the rule
 * XFS keeps with its per-inode I/O lock: buffered reads shared, writes and
 * truncates exclusive.  (A write filling a hole needs it as much as a
 * truncate: the new block's pointer is in the inode before its bytes are
 * on the disk, and a read must not see the block's old contents.)
 *
 * Taking the lock is a future embedded in its user (struct ext2_rw_wait),
 * so it costs no allocation.  Waiters queue first come, first served: a
 * reader arriving while a writer waits queues behind it, so a stream of
 * reads cannot starve a truncate.  Unlocking hands the lock on - to the
 * writer at the head of the queue, or to every reader up to the next
 * writer - and wakes them; the hand-over happens under the guard, so no
 * newcomer can barge in between.  A waiter moves through:
 *
 *   IDLE     not polled yet.  First poll: take the lock if nobody holds
 *            it against us and nobody waits (OWNED, READY); else queue
 *            (WAITING, PENDING).
 *   WAITING  queued, its waker kept for the unlock that serves it.
 *   GRANTED  an unlock handed it the lock and woke it.
 *   OWNED    it returned READY: its user holds the lock and unlocks it
 *            once, with the same `exclusive`.
 *
 * Dropping a waiter undoes what it holds: WAITING leaves the queue (which
 * may let the readers behind a departing writer in); GRANTED holds the
 * lock without its user knowing, so it is released as unlock would.
 * `guard` is held for a few instructions and never across an await;
 * wakers are woken under it (rule 6 of keel/future.h).
 */
#include "ext2.h"

enum { RW_IDLE, RW_WAITING, RW_GRANTED, RW_OWNED };

void ext2_rwlock_init(struct ext2_rwlock *lock)
{
	keel_spin_init(&lock->guard, "ext2-file");
	lock->readers = 0;
	lock->writer = false;
	lock->first = lock->last = NULL;
}

/* Whether `exclusive` can hold the lock beside its present holders. */
static bool compatible(const struct ext2_rwlock *lock, bool exclusive)
{
	return exclusive ? !lock->writer && !lock->readers : !lock->writer;
}

static void hold(struct ext2_rwlock *lock, bool exclusive)
{
	if (exclusive)
		lock->writer = true;
	else
		lock->readers++;
}

/* Grant the lock to the head of the queue while it fits; guard held. */
static void hand_over_locked(struct ext2_rwlock *lock)
{
	struct ext2_rw_wait *w;

	while ((w = lock->first) && compatible(lock, w->exclusive)) {
		lock->first = w->next;
		if (!lock->first)
			lock->last = NULL;
		w->next = NULL;
		hold(lock, w->exclusive);
		w->state = RW_GRANTED;
		keel_waker_wake(&w->waker);
	}
}

static void release_locked(struct ext2_rwlock *lock, bool exclusive)
{
	if (exclusive)
		lock->writer = false;
	else
		lock->readers--;
	hand_over_locked(lock);
}

static enum keel_poll rw_wait_poll(struct keel_future *future,
				   struct keel_context *cx)
{
	struct ext2_rw_wait *w = (struct ext2_rw_wait *)future;
	struct ext2_rwlock *lock = w->lock;
	enum keel_poll poll = KEEL_PENDING;

	keel_spin_lock(&lock->guard);
	if (w->state == RW_IDLE && !lock->first &&
	    compatible(lock, w->exclusive)) {
		hold(lock, w->exclusive);
		w->state = RW_OWNED;
	} else if (w->state == RW_GRANTED) {
		w->state = RW_OWNED;
	} else if (w->state == RW_IDLE) {
		w->state = RW_WAITING;
		if (lock->last)
			lock->last->next = w;
		else
			lock->first = w;
		lock->last = w;
	}
	if (w->state == RW_OWNED)
		poll = KEEL_READY;
	else
		keel_waker_register(&w->waker, cx);
	keel_spin_unlock(&lock->guard);
	return poll;
}

static void rw_wait_drop(struct keel_future *future)
{
	struct ext2_rw_wait *w = (struct ext2_rw_wait *)future;
	struct ext2_rwlock *lock = w->lock;
	struct keel_waker waker;

	keel_spin_lock(&lock->guard);
	if (w->state == RW_WAITING) {
		struct ext2_rw_wait **link = &lock->first, *prev = NULL;

		while (*link != w) {
			prev = *link;
			link = &(*link)->next;
		}
		*link = w->next;
		if (lock->last == w)
			lock->last = prev;
		/* A writer leaving the head may let readers in. */
		hand_over_locked(lock);
	} else if (w->state == RW_GRANTED) {
		release_locked(lock, w->exclusive);
	}
	w->state = RW_IDLE;
	waker = w->waker;
	w->waker.vtable = NULL;
	keel_spin_unlock(&lock->guard);
	keel_waker_drop(&waker);
}

static const struct keel_future_vtable rw_wait_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "ext2-file-lock",
    .poll = rw_wait_poll,
    .drop = rw_wait_drop,
};

struct keel_int_future *ext2_rwlock_lock(struct ext2_rw_wait *w,
					 struct ext2_rwlock *lock,
					 bool exclusive)
{
	w->base.future.vtable = &rw_wait_vtable;
	w->base.result = 0;
	w->lock = lock;
	w->next = NULL;
	w->waker.vtable = NULL;
	w->exclusive = exclusive;
	w->state = RW_IDLE;
	return &w->base;
}

void ext2_rwlock_unlock(struct ext2_rwlock *lock, bool exclusive)
{
	keel_spin_lock(&lock->guard);
	release_locked(lock, exclusive);
	keel_spin_unlock(&lock->guard);
}
