/*
 * parse.h - splitting a shell line into words and a redirection.
 *
 * Words are separated by spaces or tabs.  Single quotes keep everything up
 * to the next single quote; double quotes do the same but a backslash inside
 * them escapes `"` and `\`; outside quotes a backslash escapes the next
 * character.  An unquoted `>` or `>>` starts an output redirection whose
 * target is the next word (or the rest of the same word: `>out`).  A `#`
 * starting a word begins a comment.  Words are copied, unquoted, into the
 * struct's own buffer, so the line itself is left as it was.
 */
#ifndef KEEL_SHELL_PARSE_H
#define KEEL_SHELL_PARSE_H

#define SHELL_MAX_ARGS 32
#define SHELL_MAX_LINE 256

struct shell_words {
	char buf[SHELL_MAX_LINE + SHELL_MAX_ARGS + 2]; /* the words, unquoted */
	int argc;
	char *argv[SHELL_MAX_ARGS + 1]; /* NULL-terminated */
	char *redirect;                 /* target path, or NULL */
	int append;                     /* 1 for >>, 0 for > */
};

/*
 * Parse `line` (at most SHELL_MAX_LINE bytes are read) into `out`.  Returns 0, or a negative
 * errno with *error set to a message: -EINVAL for an unterminated quote or a
 * redirection without a target or given twice, -E2BIG for more than
 * SHELL_MAX_ARGS words.
 */
int shell_parse(const char *line, struct shell_words *out, const char **error);

#endif /* KEEL_SHELL_PARSE_H */
