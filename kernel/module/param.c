/*
 * param.c - parsing and setting module parameters.
 *
 * Two passes over the words: the first finds each parameter and parses its
 * value into a small record, refusing the whole line at the first problem;
 * the second stores the parsed values.  A refused insmod therefore leaves
 * every variable as the module initialised it.
 */
#include <stdbool.h>
#include <stdint.h>

#include <keel/errno.h>

#include "lib/printf.h"
#include "lib/string.h"
#include "module/param.h"

#define MAX_WORDS 16
#define WORD_MAX 128

struct parsed {
	const struct keel_module_param *param;
	long number;          /* int and bool */
	char text[WORD_MAX];  /* string */
};

static const struct keel_module_param *find(const struct keel_module_param *params,
					    size_t count, const char *name,
					    size_t length)
{
	for (size_t i = 0; i < count; i++)
		if (params[i].name && strlen(params[i].name) == length &&
		    strncmp(params[i].name, name, length) == 0)
			return &params[i];
	return NULL;
}

static int parse_int(const char *text, long *out)
{
	unsigned long magnitude;
	int negative = text[0] == '-';

	if (parse_u64(text + negative, &magnitude))
		return -EINVAL;
	if (negative ? magnitude > 2147483648ul : magnitude > 2147483647ul)
		return -ERANGE;
	*out = negative ? -(long)magnitude : (long)magnitude;
	return 0;
}

static int parse_bool(const char *text, long *out)
{
	static const char *const truths[] = { "1", "y", "yes", "true", "on" };
	static const char *const lies[] = { "0", "n", "no", "false", "off" };

	for (size_t i = 0; i < sizeof(truths) / sizeof(truths[0]); i++) {
		if (strcmp(text, truths[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcmp(text, lies[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -EINVAL;
}

/* Parse one "name[=value]" word into *p. */
static int parse_word(const struct keel_module_param *params, size_t count,
		      const char *word, size_t length, struct parsed *p,
		      char reason[PARAM_REASON_MAX])
{
	const char *eq = memchr(word, '=', length);
	size_t name_length = eq ? (size_t)(eq - word) : length;
	char value[WORD_MAX];
	int err = 0;

	p->param = find(params, count, word, name_length);
	if (!p->param) {
		snprintf(reason, PARAM_REASON_MAX, "unknown parameter '%.*s'",
			 (int)name_length, word);
		return -EINVAL;
	}
	if (eq) {
		memcpy(value, eq + 1, length - name_length - 1);
		value[length - name_length - 1] = '\0';
	} else if (p->param->type == KEEL_PARAM_BOOL) {
		strlcpy(value, "1", sizeof(value));
	} else {
		snprintf(reason, PARAM_REASON_MAX, "parameter '%s' needs a value",
			 p->param->name);
		return -EINVAL;
	}
	switch (p->param->type) {
	case KEEL_PARAM_INT:
		if (p->param->value_size != sizeof(int))
			err = -EINVAL;
		else
			err = parse_int(value, &p->number);
		if (err)
			snprintf(reason, PARAM_REASON_MAX, "%.40s: '%.40s' is %s", p->param->name,
				 value, err == -ERANGE ? "out of range for an int"
						       : "not an int");
		break;
	case KEEL_PARAM_BOOL:
		err = parse_bool(value, &p->number);
		if (err)
			snprintf(reason, PARAM_REASON_MAX,
				 "%.40s: '%.40s' is not a bool (1/0, y/n, true/false, on/off)",
				 p->param->name, value);
		break;
	case KEEL_PARAM_STRING:
		if (strlen(value) + 1 > p->param->value_size) {
			snprintf(reason, PARAM_REASON_MAX, "%.40s: '%.40s' is longer than %u bytes",
				 p->param->name, value, p->param->value_size - 1);
			err = -EINVAL;
		}
		strlcpy(p->text, value, sizeof(p->text));
		break;
	default:
		snprintf(reason, PARAM_REASON_MAX, "%s: unknown parameter type %u",
			 p->param->name, p->param->type);
		err = -EINVAL;
	}
	return err ? -EINVAL : 0;
}

int params_apply(const struct keel_module_param *params, size_t count,
		 const char *args, char reason[PARAM_REASON_MAX])
{
	struct parsed parsed[MAX_WORDS];
	int nwords = 0;
	const char *p = args ? args : "";

	while (*p) {
		const char *end;
		int err;

		while (*p == ' ')
			p++;
		if (!*p)
			break;
		end = p;
		while (*end && *end != ' ')
			end++;
		if (nwords == MAX_WORDS || (size_t)(end - p) >= WORD_MAX) {
			snprintf(reason, PARAM_REASON_MAX, nwords == MAX_WORDS
				 ? "more than %d parameters" : "parameter longer than %d bytes",
				 nwords == MAX_WORDS ? MAX_WORDS : WORD_MAX - 1);
			return -EINVAL;
		}
		err = parse_word(params, count, p, (size_t)(end - p), &parsed[nwords], reason);
		if (err)
			return err;
		nwords++;
		p = end;
	}
	for (int i = 0; i < nwords; i++) {
		const struct keel_module_param *param = parsed[i].param;

		if (param->type == KEEL_PARAM_INT)
			*(int *)param->value = (int)parsed[i].number;
		else if (param->type == KEEL_PARAM_BOOL)
			*(bool *)param->value = parsed[i].number != 0;
		else
			strlcpy(param->value, parsed[i].text, param->value_size);
	}
	return 0;
}
