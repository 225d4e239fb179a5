/*
 * completion.c - counted completions on top of a wait queue.
 */
#include <keel/errno.h>

#include "sync/completion.h"
#include "trap/timer.h"

void completion_init(struct completion *c, const char *name)
{
	spin_init(&c->lock, name);
	waitq_init(&c->wait, name);
	c->count = 0;
}

void complete(struct completion *c)
{
	spin_lock(&c->lock);
	c->count++;
	waitq_wake_all(&c->wait);
	spin_unlock(&c->lock);
}

void completion_wait(struct completion *c)
{
	spin_lock(&c->lock);
	while (c->count == 0)
		waitq_sleep(&c->wait, &c->lock);
	c->count--;
	spin_unlock(&c->lock);
}

int completion_wait_ms(struct completion *c, uint64_t ms)
{
	uint64_t deadline = timer_now() + timer_ms_to_ticks(ms);
	int err = 0;

	spin_lock(&c->lock);
	while (c->count == 0 && err == 0)
		err = waitq_sleep_until(&c->wait, &c->lock, deadline);
	if (c->count) {
		c->count--;
		err = 0;
	}
	spin_unlock(&c->lock);
	return err;
}
