/*
 * ktest.h - in-kernel tests that report in KTAP.
 *
 * Some things can only be tested inside the running kernel: threads moving
 * between harts, preemption, interrupts, page tables.  A suite is a table of
 * named cases declared with KTEST_SUITE; the shell's `ktest` command runs
 * all suites (or the ones named) and prints KTAP version 1, the format of
 * Linux's KUnit, which the host test scripts turn into TAP for `prove`.
 *
 *     static void counter_starts_at_zero(struct ktest *t)
 *     {
 *         KT_EXPECT(t, counter == 0);
 *     }
 *     static const struct ktest_case cases[] = {
 *         KTEST_CASE(counter_starts_at_zero),
 *     };
 *     KTEST_SUITE(counter, cases);
 */
#ifndef KEEL_KTEST_KTEST_H
#define KEEL_KTEST_KTEST_H

#include <stddef.h>

struct shell;

struct ktest {
	struct shell *sh; /* where output goes */
	int failures;     /* checks failed in the current case */
	int skipped;
	const char *skip_reason;
};

struct ktest_case {
	const char *name;
	void (*run)(struct ktest *t);
};

struct ktest_suite {
	const char *name;
	const struct ktest_case *cases;
	size_t ncases;
};

#define KTEST_CASE(fn) { #fn, fn }

#define KTEST_SUITE(suitename, table)                                          \
	static const struct ktest_suite ktest_suite_##suitename                 \
		__attribute__((used, section(".ktest_suites." #suitename),     \
			       aligned(8))) = {                                \
			#suitename, table, sizeof(table) / sizeof((table)[0])  \
		}

void ktest_fail(struct ktest *t, const char *file, int line, const char *expr);
void ktest_note(struct ktest *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define KT_EXPECT(t, cond)                                                     \
	do {                                                                   \
		if (!(cond))                                                   \
			ktest_fail((t), __FILE__, __LINE__, #cond);            \
	} while (0)

#define KT_EXPECT_EQ(t, a, b)                                                  \
	do {                                                                   \
		long long _a = (long long)(a), _b = (long long)(b);            \
		if (_a != _b) {                                                \
			ktest_fail((t), __FILE__, __LINE__, #a " == " #b);     \
			ktest_note((t), "  %lld != %lld", _a, _b);             \
		}                                                              \
	} while (0)

/*
 * Wait (at most two seconds) until every thread that had exited, or that a
 * test created, is gone and its memory freed: thread_count() is back to the
 * number of live threads when `ktest` started.  Cases that compare memory before and after
 * call it first.
 */
void ktest_settle(void);

/* Mark the current case skipped (it still must not fail). */
static inline void ktest_skip(struct ktest *t, const char *reason)
{
	t->skipped = 1;
	t->skip_reason = reason;
}

#endif /* KEEL_KTEST_KTEST_H */
