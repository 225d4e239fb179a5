/*
 * parse.c - the shell's word splitter; the rules are in parse.h.
 *
 * One pass over the line.  Each word is copied, without its quotes and
 * escapes, into out->buf and NUL-terminated there; a word can only shrink
 * while being unquoted, and there are at most SHELL_MAX_ARGS + 1 words, so
 * the buffer is large enough by construction.
 */
#include <stddef.h>

#include <keel/errno.h>

#include "lib/string.h"
#include "shell/parse.h"

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Copy one word starting at *pos into *w.  Stops at an unquoted space,
 * '>' or the end.  Returns 0 or -EINVAL (unterminated quote).
 */
static int copy_word(const char **pos, const char *end, char **w,
		     const char **error)
{
	const char *r = *pos;

	while (r < end && !is_space(*r) && *r != '>') {
		char c = *r++;

		if (c == '\'' || c == '"') {
			while (r < end && *r != c) {
				if (c == '"' && *r == '\\' && r + 1 < end &&
				    (r[1] == '"' || r[1] == '\\'))
					r++;
				*(*w)++ = *r++;
			}
			if (r == end) {
				*error = c == '\'' ? "unterminated single quote"
						   : "unterminated double quote";
				return -EINVAL;
			}
			r++;
		} else if (c == '\\' && r < end) {
			*(*w)++ = *r++;
		} else {
			*(*w)++ = c;
		}
	}
	*(*w)++ = '\0';
	*pos = r;
	return 0;
}

int shell_parse(const char *line, struct shell_words *out, const char **error)
{
	const char *r = line, *end = line + strnlen(line, SHELL_MAX_LINE);
	char *w = out->buf;
	int want_redirect = 0;

	out->argc = 0;
	out->redirect = NULL;
	out->append = 0;
	*error = NULL;

	for (;;) {
		char *word = w;
		int err;

		while (r < end && is_space(*r))
			r++;
		if (r == end || *r == '#')
			break;
		if (*r == '>') {
			if (out->redirect || want_redirect) {
				*error = "only one output redirection is allowed";
				return -EINVAL;
			}
			r++;
			if (r < end && *r == '>') {
				out->append = 1;
				r++;
			}
			want_redirect = 1;
			continue;
		}
		if (!want_redirect && out->argc == SHELL_MAX_ARGS) {
			*error = "too many arguments";
			return -E2BIG;
		}
		err = copy_word(&r, end, &w, error);
		if (err)
			return err;
		if (want_redirect) {
			out->redirect = word;
			want_redirect = 0;
		} else {
			out->argv[out->argc++] = word;
		}
	}
	if (want_redirect) {
		*error = "missing file name after '>'";
		return -EINVAL;
	}
	out->argv[out->argc] = NULL;
	return 0;
}
