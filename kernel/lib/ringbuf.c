/*
 * ringbuf.c - byte ring buffer; see ringbuf.h for the two full-ring policies.
 */
#include "lib/ringbuf.h"

void ringbuf_init(struct ringbuf *r, char *storage, size_t capacity)
{
	r->data = storage;
	r->capacity = capacity;
	r->head = 0;
	r->len = 0;
	r->dropped = 0;
}

size_t ringbuf_len(const struct ringbuf *r)
{
	return r->len;
}

bool ringbuf_put(struct ringbuf *r, char c)
{
	if (r->len == r->capacity) {
		r->dropped++;
		return false;
	}
	r->data[(r->head + r->len) % r->capacity] = c;
	r->len++;
	return true;
}

void ringbuf_put_overwrite(struct ringbuf *r, char c)
{
	if (r->capacity == 0) {
		r->dropped++;
		return;
	}
	if (r->len == r->capacity) {
		r->head = (r->head + 1) % r->capacity;
		r->len--;
		r->dropped++;
	}
	ringbuf_put(r, c);
}

bool ringbuf_get(struct ringbuf *r, char *c)
{
	if (r->len == 0)
		return false;
	*c = r->data[r->head];
	r->head = (r->head + 1) % r->capacity;
	r->len--;
	return true;
}

size_t ringbuf_peek(const struct ringbuf *r, size_t offset, char *out,
		    size_t size)
{
	size_t n = 0;

	while (n < size && offset + n < r->len) {
		out[n] = r->data[(r->head + offset + n) % r->capacity];
		n++;
	}
	return n;
}

bool ringbuf_unput(struct ringbuf *r)
{
	if (r->len == 0)
		return false;
	r->len--;
	return true;
}
