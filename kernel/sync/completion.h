/*
 * completion.h - "wait until something happened N times".
 *
 * complete() may be called from interrupt handlers and other threads;
 * completion_wait() sleeps until the count is positive and takes one.  The
 * wakeup is done while holding the completion's lock, so a waiter whose
 * completion lives on its own stack can return (ending its life) only after
 * complete() has stopped touching it.
 */
#ifndef KEEL_SYNC_COMPLETION_H
#define KEEL_SYNC_COMPLETION_H

#include <stdint.h>

#include "sync/spinlock.h"
#include "sync/waitq.h"

struct completion {
	struct spinlock lock;
	struct waitq wait;
	unsigned long count;
};

void completion_init(struct completion *c, const char *name);
void complete(struct completion *c);
void completion_wait(struct completion *c);
/* Returns 0, or -ETIMEDOUT when `ms` milliseconds passed first. */
int completion_wait_ms(struct completion *c, uint64_t ms);

#endif /* KEEL_SYNC_COMPLETION_H */
