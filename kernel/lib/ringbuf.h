/*
 * ringbuf.h - a fixed-size byte ring buffer.
 *
 * The storage is supplied by the owner (static arrays: the kernel log, the
 * console input queue), so the ring never allocates and is safe in interrupt
 * handlers.  Two policies for a full ring: ringbuf_put() refuses the byte
 * (console input: the oldest keystrokes win), ringbuf_put_overwrite() drops
 * the oldest byte (the kernel log: the newest messages win).  No locking
 * here: the owner holds its lock around every call.
 */
#ifndef KEEL_LIB_RINGBUF_H
#define KEEL_LIB_RINGBUF_H

#include <stdbool.h>
#include <stddef.h>

struct ringbuf {
	char *data;
	size_t capacity;
	size_t head;  /* index of the oldest byte */
	size_t len;   /* bytes stored */
	size_t dropped; /* bytes refused or overwritten since init */
};

void ringbuf_init(struct ringbuf *r, char *storage, size_t capacity);
size_t ringbuf_len(const struct ringbuf *r);
bool ringbuf_put(struct ringbuf *r, char c);
void ringbuf_put_overwrite(struct ringbuf *r, char c);
/* Remove the oldest byte into *c; false when empty. */
bool ringbuf_get(struct ringbuf *r, char *c);
/* Copy up to `size` bytes starting `offset` bytes after the oldest; returns count. */
size_t ringbuf_peek(const struct ringbuf *r, size_t offset, char *out, size_t size);
/* Remove the newest byte (line editing's backspace); false when empty. */
bool ringbuf_unput(struct ringbuf *r);

#endif /* KEEL_LIB_RINGBUF_H */
