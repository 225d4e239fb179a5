/*
 * test_param.c - module parameters as `insmod m.ko ...` passes them.
 */
#include <stdbool.h>
#include <string.h>

#include <keel/errno.h>

#include "module/param.h"
#include "tap.h"

static int count;
static bool loud;
static char who[8];
static const struct keel_module_param params[] = {
	{ sizeof(struct keel_module_param), KEEL_PARAM_INT, "count", &count, sizeof(count), 0, "n" },
	{ sizeof(struct keel_module_param), KEEL_PARAM_BOOL, "loud", &loud, sizeof(loud), 0, "l" },
	{ sizeof(struct keel_module_param), KEEL_PARAM_STRING, "who", who, sizeof(who), 0, "w" },
};
static char reason[PARAM_REASON_MAX];

static int apply(const char *args)
{
	count = 1;
	loud = false;
	strcpy(who, "world");
	reason[0] = '\0';
	return params_apply(params, 3, args, reason);
}

static void test_no_arguments_change_nothing(void)
{
	CHECK_EQ(apply(""), 0);
	CHECK_EQ(apply(NULL), 0);
	CHECK_EQ(count, 1);
	CHECK(strcmp(who, "world") == 0);
}

static void test_every_type_is_set(void)
{
	CHECK_EQ(apply("count=3 loud=y who=bar"), 0);
	CHECK_EQ(count, 3);
	CHECK(loud);
	CHECK(strcmp(who, "bar") == 0);
}

static void test_int_forms_and_limits(void)
{
	CHECK_EQ(apply("count=-7"), 0);
	CHECK_EQ(count, -7);
	CHECK_EQ(apply("count=0x10"), 0);
	CHECK_EQ(count, 16);
	CHECK_EQ(apply("count=2147483647"), 0);
	CHECK_EQ(count, 2147483647);
	CHECK_EQ(apply("count=-2147483648"), 0);
	CHECK_EQ(count, -2147483647 - 1);
	CHECK_EQ(apply("count=2147483648"), -EINVAL);
	CHECK(strstr(reason, "out of range") != NULL);
	CHECK_EQ(apply("count=12abc"), -EINVAL);
	CHECK(strstr(reason, "'12abc' is not an int") != NULL);
	CHECK_EQ(apply("count="), -EINVAL);
}

static void test_bool_forms(void)
{
	const char *truths[] = { "loud", "loud=1", "loud=y", "loud=yes", "loud=true", "loud=on" };
	const char *lies[] = { "loud=0", "loud=n", "loud=no", "loud=false", "loud=off" };

	for (size_t i = 0; i < 6; i++) {
		CHECK_EQ(apply(truths[i]), 0);
		CHECK(loud);
	}
	for (size_t i = 0; i < 5; i++) {
		loud = true;
		CHECK_EQ(params_apply(params, 3, lies[i], reason), 0);
		CHECK(!loud);
	}
	CHECK_EQ(apply("loud=maybe"), -EINVAL);
	CHECK(strstr(reason, "not a bool") != NULL);
}

static void test_string_must_fit(void)
{
	CHECK_EQ(apply("who=1234567"), 0);
	CHECK(strcmp(who, "1234567") == 0);
	CHECK_EQ(apply("who=12345678"), -EINVAL);
	CHECK(strstr(reason, "longer than 7 bytes") != NULL);
	CHECK(strcmp(who, "world") == 0);
}

static void test_a_bad_word_sets_nothing(void)
{
	CHECK_EQ(apply("count=5 who=x nosuch=1"), -EINVAL);
	CHECK(strcmp(reason, "unknown parameter 'nosuch'") == 0);
	CHECK_EQ(count, 1);
	CHECK(strcmp(who, "world") == 0);
	CHECK_EQ(apply("count=5 count"), -EINVAL);
	CHECK(strstr(reason, "needs a value") != NULL);
	CHECK_EQ(count, 1);
}

static void test_extra_spaces_are_fine(void)
{
	CHECK_EQ(apply("   count=2    loud  "), 0);
	CHECK_EQ(count, 2);
	CHECK(loud);
}

static void test_too_many_or_too_long_words(void)
{
	char line[600] = "";
	char long_word[200];

	for (int i = 0; i < 17; i++)
		strcat(line, "loud ");
	CHECK_EQ(apply(line), -EINVAL);
	CHECK(strstr(reason, "more than 16") != NULL);
	memset(long_word, 'a', sizeof(long_word) - 1);
	long_word[sizeof(long_word) - 1] = '\0';
	CHECK_EQ(apply(long_word), -EINVAL);
}

static const struct tap_case cases[] = {
	TAP_CASE(test_no_arguments_change_nothing),
	TAP_CASE(test_every_type_is_set),
	TAP_CASE(test_int_forms_and_limits),
	TAP_CASE(test_bool_forms),
	TAP_CASE(test_string_must_fit),
	TAP_CASE(test_a_bad_word_sets_nothing),
	TAP_CASE(test_extra_spaces_are_fine),
	TAP_CASE(test_too_many_or_too_long_words),
};

int main(void)
{
	return tap_run(cases, TAP_COUNT(cases));
}
