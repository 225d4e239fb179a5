/*
 * lineedit.h - the shell's line editor, as a pure state machine.
 *
 * Keystrokes go in one at a time through lineedit_feed(); what the terminal
 * should show comes out through the `echo` callback.  Nothing here reads the
 * console, so the editor is unit-tested on the host by feeding it bytes.
 *
 * Keys: printable bytes insert at the end; Backspace (0x7f or 0x08) deletes
 * the last byte; Ctrl-U deletes the line; Ctrl-C abandons it; Enter (CR or
 * LF) finishes it; Up and Down (ESC [ A, ESC [ B) walk the history of the
 * last LINEEDIT_HISTORY lines.  Other escape sequences are swallowed.
 */
#ifndef KEEL_SHELL_LINEEDIT_H
#define KEEL_SHELL_LINEEDIT_H

#include <stddef.h>

#define LINEEDIT_MAX 256
#define LINEEDIT_HISTORY 16

enum lineedit_result {
	LINEEDIT_MORE,   /* keep feeding */
	LINEEDIT_DONE,   /* line complete: lineedit_line() */
	LINEEDIT_CANCEL, /* Ctrl-C */
};

struct lineedit {
	char line[LINEEDIT_MAX];
	size_t len;
	int escape;     /* 0, 1 after ESC, 2 after ESC [ */
	char history[LINEEDIT_HISTORY][LINEEDIT_MAX];
	int history_count;  /* lines stored, at most LINEEDIT_HISTORY */
	int history_next;   /* slot the next line goes to */
	int browsing;       /* 0 = editing a new line, k = k-th most recent */
	char saved[LINEEDIT_MAX]; /* the new line while browsing history */
	void (*echo)(const char *s, size_t n, void *arg);
	void *echo_arg;
};

void lineedit_init(struct lineedit *le,
		   void (*echo)(const char *s, size_t n, void *arg), void *arg);
/* Start a new line (after DONE or CANCEL). */
void lineedit_reset(struct lineedit *le);
enum lineedit_result lineedit_feed(struct lineedit *le, char c);
/* The finished line (NUL-terminated); valid until the next feed or reset. */
const char *lineedit_line(const struct lineedit *le);
/* Record a line in the history (empty lines and repeats of the last are not). */
void lineedit_remember(struct lineedit *le, const char *line);

#endif /* KEEL_SHELL_LINEEDIT_H */
