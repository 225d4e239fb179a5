/*
 * test_executor_timer_heap.c - the pairing heap of timer deadlines
 * (kernel/exec/timer_heap.c) against a plain array doing the same thing.
 */
#include <stdlib.h>

#include "exec/timer_heap.h"
#include "tap.h"

/* Walk the tree: every child's deadline >= its parent's, links agree. */
static long check_subtree(const struct timer_node *parent)
{
	long count = 0;
	const struct timer_node *prev = parent;

	for (const struct timer_node *c = parent->child; c; c = c->next) {
		if (c->deadline < parent->deadline || c->prev != prev)
			return -1;
		long below = check_subtree(c);
		if (below < 0)
			return -1;
		count += 1 + below;
		prev = c;
	}
	return count;
}

static int heap_is_sound(const struct timer_heap *heap)
{
	if (!heap->root)
		return heap->count == 0;
	if (heap->root->prev || heap->root->next)
		return 0;
	return check_subtree(heap->root) + 1 == (long)heap->count;
}

static void empty_heap_pops_nothing(void)
{
	struct timer_heap heap = TIMER_HEAP_INIT;

	CHECK(timer_heap_first(&heap) == NULL);
	CHECK(timer_heap_pop(&heap) == NULL);
	CHECK_EQ(heap.count, 0);
}

static void pops_in_deadline_order(void)
{
	enum { N = 1000 };
	static struct timer_node nodes[N];
	struct timer_heap heap = TIMER_HEAP_INIT;
	uint64_t last = 0;

	srand(1);
	for (int i = 0; i < N; i++) {
		nodes[i].deadline = (uint64_t)(rand() % 500);
		timer_heap_insert(&heap, &nodes[i]);
	}
	CHECK(heap_is_sound(&heap));
	for (int i = 0; i < N; i++) {
		struct timer_node *n = timer_heap_pop(&heap);

		CHECK(n != NULL);
		if (!n)
			return;
		CHECK(n->deadline >= last);
		CHECK(!timer_heap_contains(&heap, n));
		last = n->deadline;
		if (i % 97 == 0)
			CHECK(heap_is_sound(&heap));
	}
	CHECK_EQ(heap.count, 0);
}

static void removes_any_node(void)
{
	enum { N = 300 };
	static struct timer_node nodes[N];
	struct timer_heap heap = TIMER_HEAP_INIT;
	int in[N];

	srand(2);
	for (int i = 0; i < N; i++) {
		nodes[i].deadline = (uint64_t)(rand() % 1000);
		timer_heap_insert(&heap, &nodes[i]);
		in[i] = 1;
	}
	timer_heap_pop(&heap); /* give the root some structure */
	for (int i = 0; i < N; i++)
		in[i] = timer_heap_contains(&heap, &nodes[i]);
	for (int i = 0; i < N; i += 3) {
		if (!in[i])
			continue;
		timer_heap_remove(&heap, &nodes[i]);
		in[i] = 0;
		CHECK(!timer_heap_contains(&heap, &nodes[i]));
	}
	CHECK(heap_is_sound(&heap));
	/* What is left pops sorted and is exactly the nodes still in. */
	uint64_t last = 0;
	int left = 0;
	struct timer_node *n;

	for (int i = 0; i < N; i++)
		left += in[i];
	CHECK_EQ(heap.count, left);
	while ((n = timer_heap_pop(&heap))) {
		CHECK(in[n - nodes]);
		in[n - nodes] = 0;
		CHECK(n->deadline >= last);
		last = n->deadline;
		left--;
	}
	CHECK_EQ(left, 0);
}

/* Random insert / remove / pop, checked against an array at each step. */
static void random_operations_match_a_reference(void)
{
	enum { N = 200, STEPS = 20000 };
	static struct timer_node nodes[N];
	struct timer_heap heap = TIMER_HEAP_INIT;
	int in[N] = {0};

	srand(3);
	for (int step = 0; step < STEPS; step++) {
		int i = rand() % N, op = rand() % 3;
		uint64_t min = UINT64_MAX;

		if (op == 0 && !in[i]) {
			nodes[i].deadline = (uint64_t)(rand() % 100);
			timer_heap_insert(&heap, &nodes[i]);
			in[i] = 1;
		} else if (op == 1 && in[i]) {
			timer_heap_remove(&heap, &nodes[i]);
			in[i] = 0;
		} else if (op == 2) {
			struct timer_node *n = timer_heap_pop(&heap);

			if (n)
				in[n - nodes] = 0;
		}
		for (int k = 0; k < N; k++) {
			if (in[k] && nodes[k].deadline < min)
				min = nodes[k].deadline;
			if (in[k] != timer_heap_contains(&heap, &nodes[k])) {
				CHECK(!"membership differs");
				return;
			}
		}
		if (heap.root ? heap.root->deadline != min
			      : min != UINT64_MAX) {
			CHECK(!"earliest differs");
			return;
		}
	}
	CHECK(heap_is_sound(&heap));
}

/* 100,000 timers armed at once (the sleeping-tasks scenario). */
static void hundred_thousand_timers(void)
{
	enum { N = 100000 };
	struct timer_node *nodes = calloc(N, sizeof(*nodes));
	struct timer_heap heap = TIMER_HEAP_INIT;
	uint64_t last = 0;
	int popped = 0;

	for (int i = 0; i < N; i++) {
		nodes[i].deadline = (uint64_t)((i * 7919) % N);
		timer_heap_insert(&heap, &nodes[i]);
	}
	CHECK_EQ(heap.count, N);
	for (int i = 0; i < N; i += 2)
		timer_heap_remove(&heap, &nodes[i]);
	for (struct timer_node *n; (n = timer_heap_pop(&heap)); popped++) {
		CHECK(n->deadline >= last);
		last = n->deadline;
	}
	CHECK_EQ(popped, N / 2);
	free(nodes);
}

static const struct tap_case cases[] = {
    TAP_CASE(empty_heap_pops_nothing),
    TAP_CASE(pops_in_deadline_order),
    TAP_CASE(removes_any_node),
    TAP_CASE(random_operations_match_a_reference),
    TAP_CASE(hundred_thousand_timers),
};

int main(void)
{
	return tap_run(cases, TAP_COUNT(cases));
}
