/*
 * lineedit.c - line editing over a serial terminal.
 *
 * The terminal is VT100-like: "\b \b" erases the character before the
 * cursor, and replacing the whole line is done by erasing it character by
 * character, which works on every terminal without cursor addressing.
 * History is a ring of the last LINEEDIT_HISTORY lines; while browsing it,
 * the line being typed is kept aside and comes back on Down past the newest.
 */
#include "lib/string.h"
#include "shell/lineedit.h"

#define KEY_CTRL_C 0x03
#define KEY_BACKSPACE 0x08
#define KEY_CTRL_U 0x15
#define KEY_ESC 0x1b
#define KEY_DELETE 0x7f

static void echo(struct lineedit *le, const char *s, size_t n)
{
	if (le->echo)
		le->echo(s, n, le->echo_arg);
}

void lineedit_init(struct lineedit *le,
		   void (*echo_fn)(const char *s, size_t n, void *arg), void *arg)
{
	memset(le, 0, sizeof(*le));
	le->echo = echo_fn;
	le->echo_arg = arg;
}

void lineedit_reset(struct lineedit *le)
{
	le->len = 0;
	le->line[0] = '\0';
	le->escape = 0;
	le->browsing = 0;
}

const char *lineedit_line(const struct lineedit *le)
{
	return le->line;
}

void lineedit_remember(struct lineedit *le, const char *line)
{
	int last = (le->history_next + LINEEDIT_HISTORY - 1) % LINEEDIT_HISTORY;

	if (!line[0])
		return;
	if (le->history_count && strcmp(le->history[last], line) == 0)
		return;
	strlcpy(le->history[le->history_next], line, LINEEDIT_MAX);
	le->history_next = (le->history_next + 1) % LINEEDIT_HISTORY;
	if (le->history_count < LINEEDIT_HISTORY)
		le->history_count++;
}

static void erase_line(struct lineedit *le)
{
	while (le->len) {
		echo(le, "\b \b", 3);
		le->len--;
	}
	le->line[0] = '\0';
}

static void replace_line(struct lineedit *le, const char *text)
{
	erase_line(le);
	le->len = strlcpy(le->line, text, LINEEDIT_MAX);
	if (le->len >= LINEEDIT_MAX)
		le->len = LINEEDIT_MAX - 1;
	echo(le, le->line, le->len);
}

/* The k-th most recent history line, k >= 1. */
static const char *history_entry(const struct lineedit *le, int k)
{
	int slot = (le->history_next + LINEEDIT_HISTORY - k) % LINEEDIT_HISTORY;

	return le->history[slot];
}

static void history_move(struct lineedit *le, int delta)
{
	int target = le->browsing + delta;

	if (target < 0 || target > le->history_count)
		return;
	if (le->browsing == 0)
		strlcpy(le->saved, le->line, LINEEDIT_MAX);
	le->browsing = target;
	replace_line(le, target == 0 ? le->saved : history_entry(le, target));
}

enum lineedit_result lineedit_feed(struct lineedit *le, char c)
{
	if (le->escape == 1) {
		le->escape = c == '[' ? 2 : 0;
		return LINEEDIT_MORE;
	}
	if (le->escape == 2) {
		/* Parameters (digits, ';') continue the sequence; a letter ends it. */
		if ((c >= '0' && c <= '9') || c == ';')
			return LINEEDIT_MORE;
		le->escape = 0;
		if (c == 'A')
			history_move(le, 1);
		else if (c == 'B')
			history_move(le, -1);
		return LINEEDIT_MORE;
	}

	switch (c) {
	case '\r':
	case '\n':
		le->line[le->len] = '\0';
		echo(le, "\n", 1);
		return LINEEDIT_DONE;
	case KEY_CTRL_C:
		echo(le, "^C\n", 3);
		le->len = 0;
		le->line[0] = '\0';
		return LINEEDIT_CANCEL;
	case KEY_CTRL_U:
		erase_line(le);
		return LINEEDIT_MORE;
	case KEY_BACKSPACE:
	case KEY_DELETE:
		if (le->len) {
			le->len--;
			le->line[le->len] = '\0';
			echo(le, "\b \b", 3);
		}
		return LINEEDIT_MORE;
	case KEY_ESC:
		le->escape = 1;
		return LINEEDIT_MORE;
	default:
		if ((unsigned char)c < 0x20 || le->len + 1 >= LINEEDIT_MAX)
			return LINEEDIT_MORE; /* other controls; a full line */
		le->line[le->len++] = c;
		le->line[le->len] = '\0';
		echo(le, &c, 1);
		return LINEEDIT_MORE;
	}
}
