/*
 * test_parse.c - shell word splitting, quoting and redirection.
 */
#include <string.h>

#include <keel/errno.h>

#include "shell/parse.h"
#include "tap.h"

static struct shell_words words;
static const char *error;

static int parse(const char *line)
{
	return shell_parse(line, &words, &error);
}

static void test_splits_on_spaces_and_tabs(void)
{
	CHECK_EQ(parse("  ls \t -l   /lib  "), 0);
	CHECK_EQ(words.argc, 3);
	CHECK(strcmp(words.argv[0], "ls") == 0);
	CHECK(strcmp(words.argv[1], "-l") == 0);
	CHECK(strcmp(words.argv[2], "/lib") == 0);
	CHECK(words.argv[3] == NULL);
	CHECK(words.redirect == NULL);
}

static void test_empty_and_comment_lines_have_no_words(void)
{
	CHECK_EQ(parse(""), 0);
	CHECK_EQ(words.argc, 0);
	CHECK_EQ(parse("   # a comment"), 0);
	CHECK_EQ(words.argc, 0);
	CHECK_EQ(parse("echo a # trailing"), 0);
	CHECK_EQ(words.argc, 2);
}

static void test_quotes_keep_spaces(void)
{
	CHECK_EQ(parse("echo 'a  b' \"c d\" e'f g'h"), 0);
	CHECK_EQ(words.argc, 4);
	CHECK(strcmp(words.argv[1], "a  b") == 0);
	CHECK(strcmp(words.argv[2], "c d") == 0);
	CHECK(strcmp(words.argv[3], "ef gh") == 0);
}

static void test_escapes(void)
{
	CHECK_EQ(parse("echo a\\ b \"q\\\"uote\" '\\n'"), 0);
	CHECK_EQ(words.argc, 4);
	CHECK(strcmp(words.argv[1], "a b") == 0);
	CHECK(strcmp(words.argv[2], "q\"uote") == 0);
	CHECK(strcmp(words.argv[3], "\\n") == 0);
}

static void test_quoted_greater_than_is_a_word(void)
{
	CHECK_EQ(parse("echo '>' \">>\""), 0);
	CHECK_EQ(words.argc, 3);
	CHECK(words.redirect == NULL);
	CHECK(strcmp(words.argv[1], ">") == 0);
}

static void test_redirect_truncate(void)
{
	CHECK_EQ(parse("echo hello > /tmp/out"), 0);
	CHECK_EQ(words.argc, 2);
	CHECK(strcmp(words.redirect, "/tmp/out") == 0);
	CHECK_EQ(words.append, 0);
}

static void test_redirect_append_attached(void)
{
	CHECK_EQ(parse("echo hi>>log"), 0);
	CHECK_EQ(words.argc, 2);
	CHECK(strcmp(words.argv[1], "hi") == 0);
	CHECK(strcmp(words.redirect, "log") == 0);
	CHECK_EQ(words.append, 1);
}

static void test_redirect_in_the_middle(void)
{
	CHECK_EQ(parse("echo a > f b"), 0);
	CHECK_EQ(words.argc, 3);
	CHECK(strcmp(words.argv[2], "b") == 0);
	CHECK(strcmp(words.redirect, "f") == 0);
}

static void test_errors(void)
{
	CHECK_EQ(parse("echo 'open"), -EINVAL);
	CHECK(strstr(error, "single quote") != NULL);
	CHECK_EQ(parse("echo \"open"), -EINVAL);
	CHECK(strstr(error, "double quote") != NULL);
	CHECK_EQ(parse("echo >"), -EINVAL);
	CHECK(strstr(error, "missing file name") != NULL);
	CHECK_EQ(parse("echo > a > b"), -EINVAL);
	CHECK_EQ(parse("echo >> > b"), -EINVAL);
}

static void test_too_many_arguments(void)
{
	char line[256] = "echo";

	for (int i = 0; i < SHELL_MAX_ARGS; i++)
		strcat(line, " x");
	CHECK_EQ(parse(line), -E2BIG);
	line[strlen(line) - 2] = '\0';
	CHECK_EQ(parse(line), 0);
	CHECK_EQ(words.argc, SHELL_MAX_ARGS);
}

static void test_longest_line_fits(void)
{
	char line[SHELL_MAX_LINE + 1];

	memset(line, 'a', SHELL_MAX_LINE);
	line[SHELL_MAX_LINE] = '\0';
	CHECK_EQ(parse(line), 0);
	CHECK_EQ(strlen(words.argv[0]), SHELL_MAX_LINE);
}

static const struct tap_case cases[] = {
	TAP_CASE(test_splits_on_spaces_and_tabs),
	TAP_CASE(test_empty_and_comment_lines_have_no_words),
	TAP_CASE(test_quotes_keep_spaces),
	TAP_CASE(test_escapes),
	TAP_CASE(test_quoted_greater_than_is_a_word),
	TAP_CASE(test_redirect_truncate),
	TAP_CASE(test_redirect_append_attached),
	TAP_CASE(test_redirect_in_the_middle),
	TAP_CASE(test_errors),
	TAP_CASE(test_too_many_arguments),
	TAP_CASE(test_longest_line_fits),
};

int main(void)
{
	return tap_run(cases, TAP_COUNT(cases));
}
