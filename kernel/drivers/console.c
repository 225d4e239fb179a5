/*
 * console.c - serial console output and the input stream.
 *
 * Output is written synchronously, byte by byte, under console_lock: printk
 * must work from any context, so it cannot wait for a transmit interrupt.
 *
 * Input is a stream of futures, like blog_os's keyboard task: the UART
 * interrupt calls console_receive() for each byte, which queues it and
 * wakes every waiting reader; a reader's poll takes the oldest queued byte
 * or, finding none, keeps its waker and joins the waiting list.  Both run
 * under input_lock, so a byte can never arrive between a poll's "queue
 * empty" and its joining the list (no lost wakeup), and a wake has returned
 * before the poll that sees its byte can end the waker.  Waking every
 * reader, not one, means no byte is stranded when the woken reader is
 * dropped before it is polled again; with one reader (the shell) it is the
 * same thing.  console_getc() is block_on() of one reader.
 */
#include <keel/errno.h>

#include "arch/sbi.h"
#include "drivers/console.h"
#include "exec/block_on.h"
#include "lib/ringbuf.h"
#include "mm/kmalloc.h"
#include "sync/spinlock.h"

static struct spinlock console_lock = SPINLOCK_INIT("console");
static struct spinlock input_lock = SPINLOCK_INIT("console_input");
static struct list readers = LIST_INIT(readers); /* struct console_read */
static char input_storage[1024];
static struct ringbuf input = {input_storage, sizeof(input_storage), 0, 0, 0};

static void firmware_putc(char c)
{
	sbi_console_putchar(c);
}

static void (*output)(char c) = firmware_putc;

void console_set_output(void (*putc)(char c))
{
	output = putc;
}

void console_write_unlocked(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			output('\r');
		output(s[i]);
	}
}

void console_write(const char *s, size_t n)
{
	spin_lock(&console_lock);
	console_write_unlocked(s, n);
	spin_unlock(&console_lock);
}

void console_receive(char c)
{
	struct list *node;

	spin_lock(&input_lock);
	ringbuf_put(&input, c);
	while ((node = list_pop_front(&readers)) != NULL) {
		struct console_read *r =
		    container_of(node, struct console_read, link);

		r->waiting = false;
		keel_waker_wake(&r->waker); /* under input_lock: rule 6 */
	}
	spin_unlock(&input_lock);
}

size_t console_input_queued(void)
{
	size_t n;

	spin_lock(&input_lock);
	n = ringbuf_len(&input);
	spin_unlock(&input_lock);
	return n;
}

/* ---- the reader future -------------------------------------------------- */

static enum keel_poll reader_poll(struct keel_future *future,
				  struct keel_context *cx)
{
	struct console_read *r = (struct console_read *)future;
	char c;

	spin_lock(&input_lock);
	if (ringbuf_get(&input, &c)) {
		if (r->waiting) {
			list_remove(&r->link);
			r->waiting = false;
		}
		spin_unlock(&input_lock);
		r->future.result = (unsigned char)c;
		return KEEL_READY;
	}
	keel_waker_register(&r->waker, cx);
	if (!r->waiting) {
		list_push_back(&readers, &r->link);
		r->waiting = true;
	}
	spin_unlock(&input_lock);
	return KEEL_PENDING;
}

static void reader_drop(struct keel_future *future)
{
	struct console_read *r = (struct console_read *)future;

	spin_lock(&input_lock);
	if (r->waiting) {
		list_remove(&r->link);
		r->waiting = false;
	}
	keel_waker_drop(&r->waker);
	spin_unlock(&input_lock);
	if (r->allocated)
		kfree(r);
}

static const struct keel_future_vtable reader_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "console_read",
    .poll = reader_poll,
    .drop = reader_drop,
};

void console_read_init(struct console_read *r)
{
	r->future.future.vtable = &reader_vtable;
	r->future.result = 0;
	r->waker = (struct keel_waker){NULL, NULL};
	list_init(&r->link);
	r->waiting = false;
	r->allocated = false;
}

struct keel_int_future *console_read_byte(void)
{
	struct console_read *r = kmalloc(sizeof(*r));

	if (!r)
		return NULL;
	console_read_init(r);
	r->allocated = true;
	return &r->future;
}

int console_getc(void)
{
	struct console_read r;

	/* In our own frame: reading a key never fails for lack of memory. */
	console_read_init(&r);
	return (int)block_on(&r.future);
}
