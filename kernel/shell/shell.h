/*
 * shell.h - the kernel shell on the serial console, and how commands plug in.
 *
 * A command is a function taking (shell, argc, argv) and returning 0 on
 * success or 1 on failure.  It is declared anywhere in the kernel with
 *
 *     SHELL_COMMAND(mkdir, "mkdir DIR...", "create directories", cmd_mkdir);
 *
 * which puts a struct shell_command into the .shell_commands section; the
 * linker script gathers them, sorted by name, so `help` lists them in order
 * and no table needs editing when a command is added.
 *
 * Output: commands print with sh_printf()/sh_write(), which follow the
 * line's redirection (`> file`, `>> file`) when there is one.  Errors go to
 * the console with sh_error(), always one line: "cmd: what is wrong (usage:
 * ...)".  A command validates its arguments before it changes anything.
 */
#ifndef KEEL_SHELL_SHELL_H
#define KEEL_SHELL_SHELL_H

#include <stddef.h>

#include "shell/lineedit.h"

struct vfs_file;
struct vfs_cwd;

struct shell {
	struct lineedit editor;
	struct vfs_cwd *cwd;       /* current directory */
	struct vfs_file *redirect; /* output file of this line, or NULL */
	int redirect_error;        /* a write to the redirect failed */
	int script;                /* running /etc/script: no prompt */
	int exit_requested;        /* `poweroff` was typed */
	int exit_status;
};

struct shell_command {
	const char *name;
	const char *usage;
	const char *help;
	int (*run)(struct shell *sh, int argc, char **argv);
};

#define SHELL_COMMAND(cmdname, usage_text, help_text, fn)                       \
	static const struct shell_command shell_command_##cmdname               \
		__attribute__((used, section(".shell_commands." #cmdname),     \
			       aligned(8))) = { #cmdname, usage_text,          \
						help_text, fn }

/* Run the interactive shell on the console; returns when `poweroff` runs. */
int shell_main(struct vfs_cwd *cwd);
/*
 * Run each line of the file at `path` as a command, echoing "$ line" first.
 * Returns the number of commands that failed (or 1 if the script cannot be
 * read).
 */
int shell_run_script(struct vfs_cwd *cwd, const char *path);
/* Run one command line; 0 on success. */
int shell_execute(struct shell *sh, const char *line);

int sh_printf(struct shell *sh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sh_write(struct shell *sh, const char *s, size_t n);
/* Print "name: message (usage: ...)" on the console; returns 1. */
int sh_error(struct shell *sh, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "cmd: PATH: strerror" for a failed VFS call; returns 1. */
int sh_errno(struct shell *sh, const char *name, const char *what, int err);

const struct shell_command *shell_find(const char *name);

#endif /* KEEL_SHELL_SHELL_H */
