/*
 * test_lineedit.c - the shell's line editor, fed keystrokes as a terminal
 * would send them.
 */
#include <string.h>

#include "shell/lineedit.h"
#include "tap.h"

static struct lineedit le;
static char screen[4096];
static size_t screen_len;

static void capture(const char *s, size_t n, void *arg)
{
	(void)arg;
	if (screen_len + n < sizeof(screen)) {
		memcpy(screen + screen_len, s, n);
		screen_len += n;
		screen[screen_len] = '\0';
	}
}

static void fresh(void)
{
	lineedit_init(&le, capture, NULL);
	screen_len = 0;
	screen[0] = '\0';
}

/* Feed keys; return the result of the last one. */
static enum lineedit_result type(const char *keys)
{
	enum lineedit_result r = LINEEDIT_MORE;

	for (; *keys; keys++)
		r = lineedit_feed(&le, *keys);
	return r;
}

/* Type a line and Enter, remember it, start over. */
static void enter(const char *text)
{
	type(text);
	if (type("\r") == LINEEDIT_DONE)
		lineedit_remember(&le, lineedit_line(&le));
	lineedit_reset(&le);
}

static void test_plain_line_is_echoed_and_finished(void)
{
	fresh();
	CHECK(type("ls -l") == LINEEDIT_MORE);
	CHECK(type("\r") == LINEEDIT_DONE);
	CHECK(strcmp(lineedit_line(&le), "ls -l") == 0);
	CHECK(strcmp(screen, "ls -l\n") == 0);
}

static void test_backspace_and_delete_erase(void)
{
	fresh();
	type("catx\x7f");
	type("y\b");
	CHECK(type("\n") == LINEEDIT_DONE);
	CHECK(strcmp(lineedit_line(&le), "cat") == 0);
	CHECK(strstr(screen, "\b \b") != NULL);
}

static void test_backspace_on_empty_line_does_nothing(void)
{
	fresh();
	type("\x7f\x7f");
	CHECK_EQ(screen_len, 0);
	CHECK(type("\r") == LINEEDIT_DONE);
	CHECK(strcmp(lineedit_line(&le), "") == 0);
}

static void test_ctrl_u_kills_the_line(void)
{
	fresh();
	type("rm -rf /\x15");
	type("pwd");
	type("\r");
	CHECK(strcmp(lineedit_line(&le), "pwd") == 0);
}

static void test_ctrl_c_cancels(void)
{
	fresh();
	type("mkdir a");
	CHECK(lineedit_feed(&le, 0x03) == LINEEDIT_CANCEL);
	CHECK(strcmp(lineedit_line(&le), "") == 0);
	CHECK(strstr(screen, "^C") != NULL);
}

static void test_up_recalls_history_newest_first(void)
{
	fresh();
	enter("one");
	enter("two");
	type("\x1b[A");
	CHECK(strcmp(lineedit_line(&le), "two") == 0);
	type("\x1b[A");
	CHECK(strcmp(lineedit_line(&le), "one") == 0);
	type("\x1b[A"); /* past the oldest: stays */
	CHECK(strcmp(lineedit_line(&le), "one") == 0);
	CHECK(type("\r") == LINEEDIT_DONE);
	CHECK(strcmp(lineedit_line(&le), "one") == 0);
}

static void test_down_returns_to_the_line_being_typed(void)
{
	fresh();
	enter("old");
	type("new");
	type("\x1b[A");
	CHECK(strcmp(lineedit_line(&le), "old") == 0);
	type("\x1b[B");
	CHECK(strcmp(lineedit_line(&le), "new") == 0);
	type("\x1b[B"); /* already newest: stays */
	CHECK(strcmp(lineedit_line(&le), "new") == 0);
}

static void test_history_keeps_the_last_sixteen(void)
{
	char line[16];

	fresh();
	for (int i = 0; i < 20; i++) {
		snprintf(line, sizeof(line), "c%d", i);
		enter(line);
	}
	CHECK_EQ(le.history_count, LINEEDIT_HISTORY);
	for (int i = 0; i < 30; i++)
		type("\x1b[A");
	CHECK(strcmp(lineedit_line(&le), "c4") == 0);
}

static void test_empty_and_repeated_lines_not_remembered(void)
{
	fresh();
	enter("");
	enter("ls");
	enter("ls");
	CHECK_EQ(le.history_count, 1);
}

static void test_other_escape_sequences_are_swallowed(void)
{
	fresh();
	type("a\x1b[C\x1b[3~b"); /* right arrow, delete key */
	type("\r");
	CHECK(strcmp(lineedit_line(&le), "ab") == 0);
}

static void test_line_length_is_bounded(void)
{
	fresh();
	for (int i = 0; i < 1000; i++)
		lineedit_feed(&le, 'x');
	type("\r");
	CHECK_EQ(strlen(lineedit_line(&le)), LINEEDIT_MAX - 1);
}

static void test_control_bytes_are_ignored(void)
{
	fresh();
	type("a\x01\x02\tb\r");
	CHECK(strcmp(lineedit_line(&le), "ab") == 0);
}

static const struct tap_case cases[] = {
	TAP_CASE(test_plain_line_is_echoed_and_finished),
	TAP_CASE(test_backspace_and_delete_erase),
	TAP_CASE(test_backspace_on_empty_line_does_nothing),
	TAP_CASE(test_ctrl_u_kills_the_line),
	TAP_CASE(test_ctrl_c_cancels),
	TAP_CASE(test_up_recalls_history_newest_first),
	TAP_CASE(test_down_returns_to_the_line_being_typed),
	TAP_CASE(test_history_keeps_the_last_sixteen),
	TAP_CASE(test_empty_and_repeated_lines_not_remembered),
	TAP_CASE(test_other_escape_sequences_are_swallowed),
	TAP_CASE(test_line_length_is_bounded),
	TAP_CASE(test_control_bytes_are_ignored),
};

int main(void)
{
	return tap_run(cases, TAP_COUNT(cases));
}
