/*
 * timer_heap.h - the deadlines of waiting timers, earliest first.
 *
 * A pairing heap: a tree in which every node's deadline is no earlier than
 * its parent's, each node keeping its children as a linked list.  It is
 * intrusive (the node lives inside the timer, so arming a timer never
 * allocates, which matters for 100,000 sleeping tasks) and cheap where
 * timers need it:
 *
 *   insert          O(1)       meld the node with the root
 *   earliest        O(1)       the root
 *   remove any      O(log n)   amortised: unlink, pair up its children
 *   pop earliest    O(log n)   amortised
 *
 * A sorted list would make arming O(n): 100,000 sleepers would cost five
 * billion steps.  Every operation here is iterative (no recursion on a
 * 16 KiB stack).  The caller provides the locking.
 */
#ifndef KEEL_EXEC_TIMER_HEAP_H
#define KEEL_EXEC_TIMER_HEAP_H

#include <stdbool.h>
#include <stdint.h>

struct timer_node {
	uint64_t deadline;	  /* ticks of the time CSR */
	struct timer_node *child; /* first child */
	struct timer_node *next;  /* next sibling */
	struct timer_node *prev;  /* previous sibling, or the parent for a
				     first child; NULL for the root and for
				     a node not in any heap */
};

struct timer_heap {
	struct timer_node *root; /* the earliest deadline; NULL when empty */
	uint64_t count;		 /* nodes in the heap */
};

#define TIMER_HEAP_INIT                                                        \
	{                                                                      \
		NULL, 0                                                        \
	}

/* Whether `node` is in `heap` (its links are cleared when it leaves). */
static inline bool timer_heap_contains(const struct timer_heap *heap,
				       const struct timer_node *node)
{
	return node->prev != 0 || heap->root == node;
}

/* The node with the earliest deadline, or NULL. */
static inline struct timer_node *timer_heap_first(const struct timer_heap *heap)
{
	return heap->root;
}

/* Add `node` (not in a heap) with its deadline already set. */
void timer_heap_insert(struct timer_heap *heap, struct timer_node *node);
/* Take `node` (in `heap`) out. */
void timer_heap_remove(struct timer_heap *heap, struct timer_node *node);
/* Take out and return the earliest node, or NULL when empty. */
struct timer_node *timer_heap_pop(struct timer_heap *heap);

#endif /* KEEL_EXEC_TIMER_HEAP_H */
