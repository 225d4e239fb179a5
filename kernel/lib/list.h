/*
 * list.h - intrusive circular doubly linked lists.
 *
 * A `struct list` is embedded in the object it links, so putting an object on a
 * list never allocates (which matters in interrupt handlers).  The head is a
 * `struct list` too; an empty list points at itself.  container_of() turns a
 * link back into its object.
 */
#ifndef KEEL_LIB_LIST_H
#define KEEL_LIB_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct list {
	struct list *next, *prev;
};

#define container_of(ptr, type, member)                                        \
	((type *)((char *)(ptr) - offsetof(type, member)))

#define LIST_INIT(name) { &(name), &(name) }

static inline void list_init(struct list *head)
{
	head->next = head;
	head->prev = head;
}

static inline bool list_empty(const struct list *head)
{
	return head->next == head;
}

/* Insert `node` right after `at`. */
static inline void list_insert_after(struct list *at, struct list *node)
{
	node->next = at->next;
	node->prev = at;
	at->next->prev = node;
	at->next = node;
}

static inline void list_push_front(struct list *head, struct list *node)
{
	list_insert_after(head, node);
}

static inline void list_push_back(struct list *head, struct list *node)
{
	list_insert_after(head->prev, node);
}

/* Unlink `node` and leave it pointing at itself, so a second remove is safe. */
static inline void list_remove(struct list *node)
{
	node->prev->next = node->next;
	node->next->prev = node->prev;
	node->next = node;
	node->prev = node;
}

/* Remove and return the first node, or NULL when the list is empty. */
static inline struct list *list_pop_front(struct list *head)
{
	struct list *node = head->next;

	if (node == head)
		return NULL;
	list_remove(node);
	return node;
}

#define list_for_each(pos, head)                                               \
	for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)

/* Safe against removal of `pos` inside the loop body. */
#define list_for_each_safe(pos, tmp, head)                                     \
	for ((pos) = (head)->next, (tmp) = (pos)->next; (pos) != (head);        \
	     (pos) = (tmp), (tmp) = (pos)->next)

#endif /* KEEL_LIB_LIST_H */
