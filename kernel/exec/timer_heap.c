/*
 * timer_heap.c - a pairing heap of timer deadlines; see timer_heap.h.
 *
 * The whole structure is one operation, meld: of two heaps, the root with
 * the later deadline becomes the first child of the other.  Insert melds a
 * one-node heap with the root.  Removing a node leaves its children, a list
 * of heaps; they are melded back into one in two passes (pair neighbours
 * left to right, then meld the pairs right to left), which is what keeps
 * the amortised cost logarithmic.  A node's links:
 *
 *          root
 *           | child
 *           v
 *           a ---next--> b ---next--> c
 *           ^  <--prev--   <--prev--
 *           prev = root
 *
 * so the first child's prev is its parent and every other child's prev is
 * its left sibling: unlinking a node is O(1) either way.
 */
#include <stddef.h>

#include "exec/timer_heap.h"

static void node_clear(struct timer_node *node)
{
	node->child = NULL;
	node->next = NULL;
	node->prev = NULL;
}

/* Meld two roots (prev and next NULL); returns the new root. */
static struct timer_node *meld(struct timer_node *a, struct timer_node *b)
{
	struct timer_node *t;

	if (!a)
		return b;
	if (!b)
		return a;
	if (b->deadline < a->deadline) {
		t = a;
		a = b;
		b = t;
	}
	b->prev = a;
	b->next = a->child;
	if (a->child)
		a->child->prev = b;
	a->child = b;
	return a;
}

/*
 * Meld a list of sibling heaps (linked through next) into one, in the two
 * passes of the pairing heap.  Returns the root, its prev and next NULL.
 */
static struct timer_node *merge_siblings(struct timer_node *first)
{
	struct timer_node *pairs = NULL, *root, *a, *b;

	/* Pass 1: meld neighbours, pushing each pair on a stack (via next). */
	while (first) {
		a = first;
		b = a->next;
		first = b ? b->next : NULL;
		a->next = a->prev = NULL;
		if (b)
			b->next = b->prev = NULL;
		a = meld(a, b);
		a->next = pairs;
		pairs = a;
	}
	/* Pass 2: meld the pairs, the last one first. */
	root = pairs;
	if (!root)
		return NULL;
	pairs = root->next;
	root->next = NULL;
	while (pairs) {
		a = pairs;
		pairs = a->next;
		a->next = NULL;
		root = meld(root, a);
	}
	return root;
}

void timer_heap_insert(struct timer_heap *heap, struct timer_node *node)
{
	node_clear(node);
	heap->root = meld(heap->root, node);
	heap->count++;
}

struct timer_node *timer_heap_pop(struct timer_heap *heap)
{
	struct timer_node *root = heap->root;

	if (!root)
		return NULL;
	heap->root = merge_siblings(root->child);
	heap->count--;
	node_clear(root);
	return root;
}

void timer_heap_remove(struct timer_heap *heap, struct timer_node *node)
{
	struct timer_node *rest;

	if (node == heap->root) {
		timer_heap_pop(heap);
		return;
	}
	/* Unlink from the parent's child list. */
	if (node->prev->child == node)
		node->prev->child = node->next;
	else
		node->prev->next = node->next;
	if (node->next)
		node->next->prev = node->prev;
	rest = merge_siblings(node->child);
	heap->root = meld(heap->root, rest);
	heap->count--;
	node_clear(node);
}
