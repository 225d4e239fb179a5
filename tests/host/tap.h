/*
 * tap.h - a TAP 13 producer for Keel's host unit tests.
 *
 * Each test binary is a table of named cases; `prove` reads the output.
 *
 *     static void test_empty(void) { CHECK(ring_len(&r) == 0); }
 *     static const struct tap_case cases[] = { TAP_CASE(test_empty), };
 *     int main(void) { return tap_run(cases, TAP_COUNT(cases)); }
 *
 * CHECK records a failure with file, line and expression and lets the case go
 * on; a case passes when none of its checks failed.  A case that cannot run
 * here (a tool is missing) sets tap_skip_reason and is reported as
 * "ok N - name # SKIP reason".
 */
#ifndef KEEL_TESTS_TAP_H
#define KEEL_TESTS_TAP_H

#include <stdio.h>

struct tap_case {
	const char *name;
	void (*run)(void);
};

#define TAP_CASE(fn) { #fn, fn }
#define TAP_COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int tap_case_failed;
static const char *tap_skip_reason;

#define CHECK(expr)                                                            \
	do {                                                                   \
		if (!(expr)) {                                                 \
			printf("#   %s:%d: check failed: %s\n", __FILE__,      \
			       __LINE__, #expr);                               \
			tap_case_failed = 1;                                   \
		}                                                              \
	} while (0)

#define CHECK_EQ(a, b)                                                         \
	do {                                                                   \
		long long _a = (long long)(a), _b = (long long)(b);            \
		if (_a != _b) {                                                \
			printf("#   %s:%d: %s == %s: %lld != %lld\n",          \
			       __FILE__, __LINE__, #a, #b, _a, _b);            \
			tap_case_failed = 1;                                   \
		}                                                              \
	} while (0)

static inline int tap_run(const struct tap_case *cases, size_t n)
{
	int failures = 0;

	printf("TAP version 13\n1..%zu\n", n);
	for (size_t i = 0; i < n; i++) {
		tap_case_failed = 0;
		tap_skip_reason = NULL;
		cases[i].run();
		printf("%s %zu - %s", tap_case_failed ? "not ok" : "ok", i + 1,
		       cases[i].name);
		if (tap_skip_reason && !tap_case_failed)
			printf(" # SKIP %s", tap_skip_reason);
		printf("\n");
		fflush(stdout);
		failures += tap_case_failed;
	}
	fflush(stdout);
	return failures ? 1 : 0;
}

#endif /* KEEL_TESTS_TAP_H */
