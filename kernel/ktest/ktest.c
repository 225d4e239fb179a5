/*
 * ktest.c - the KTAP runner behind the shell's `ktest` command.
 *
 * Output for two suites, the second with a failing case:
 *
 *     KTAP version 1
 *     1..2
 *         KTAP version 1
 *         # Subtest: sched
 *         1..3
 *         ok 1 create_and_exit
 *         ...
 *     ok 1 sched
 *         ...
 *         # ktest_mm.c:40: check failed: free == before
 *         not ok 2 pages_come_back
 *     not ok 2 mm
 *     # ktest: 2 suites, 11 cases, 1 failed, 0 skipped
 */
#include <stdarg.h>

#include "ktest/ktest.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "sched/thread.h"
#include "shell/shell.h"

extern const struct ktest_suite __ktest_suites_start[];
extern const struct ktest_suite __ktest_suites_end[];

void ktest_fail(struct ktest *t, const char *file, int line, const char *expr)
{
	const char *base = strrchr(file, '/');

	t->failures++;
	sh_printf(t->sh, "    # %s:%d: check failed: %s\n", base ? base + 1 : file,
		  line, expr);
}

void ktest_note(struct ktest *t, const char *fmt, ...)
{
	char buf[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sh_printf(t->sh, "    # %s\n", buf);
}

static int threads_at_start;

void ktest_settle(void)
{
	for (int waited = 0; thread_count() > threads_at_start && waited < 2000;
	     waited += 5)
		thread_sleep_ms(5);
}

static int wanted(const struct ktest_suite *s, int argc, char **argv)
{
	if (argc < 2)
		return 1;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], s->name) == 0)
			return 1;
	return 0;
}

static int cmd_ktest(struct shell *sh, int argc, char **argv)
{
	const struct ktest_suite *s;
	int nsuites = 0, index = 0, cases = 0, failed = 0, skipped = 0;

	for (int i = 1; i < argc; i++) {
		int found = 0;
		for (s = __ktest_suites_start; s < __ktest_suites_end; s++)
			found |= strcmp(s->name, argv[i]) == 0;
		if (!found)
			return sh_error(sh, "ktest", "no such suite: %s", argv[i]);
	}
	for (s = __ktest_suites_start; s < __ktest_suites_end; s++)
		nsuites += wanted(s, argc, argv);

	threads_at_start = thread_count_live();
	sh_printf(sh, "KTAP version 1\n1..%d\n", nsuites);
	for (s = __ktest_suites_start; s < __ktest_suites_end; s++) {
		int suite_failed = 0;

		if (!wanted(s, argc, argv))
			continue;
		index++;
		ktest_settle(); /* threads left by earlier commands or suites */
		sh_printf(sh, "    KTAP version 1\n    # Subtest: %s\n    1..%d\n",
			  s->name, (int)s->ncases);
		for (size_t i = 0; i < s->ncases; i++) {
			struct ktest t = { .sh = sh };

			s->cases[i].run(&t);
			cases++;
			if (t.failures) {
				failed++;
				suite_failed = 1;
				sh_printf(sh, "    not ok %d %s\n", (int)i + 1,
					  s->cases[i].name);
			} else if (t.skipped) {
				skipped++;
				sh_printf(sh, "    ok %d %s # SKIP %s\n", (int)i + 1,
					  s->cases[i].name, t.skip_reason);
			} else {
				sh_printf(sh, "    ok %d %s\n", (int)i + 1,
					  s->cases[i].name);
			}
		}
		sh_printf(sh, "%s %d %s\n", suite_failed ? "not ok" : "ok", index,
			  s->name);
	}
	sh_printf(sh, "# ktest: %d suites, %d cases, %d failed, %d skipped\n",
		  nsuites, cases, failed, skipped);
	return failed ? 1 : 0;
}
SHELL_COMMAND(ktest, "ktest [SUITE...]", "run in-kernel tests, print KTAP", cmd_ktest);
