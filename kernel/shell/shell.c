/*
 * shell.c - the read-parse-run loop on the serial console.
 *
 * Interactive mode reads a line with the line editor (lineedit.c), splits it
 * into words (parse.c), opens the redirection target if there is one, finds
 * the command in the linker-built table (shell.h) and runs it.  Script mode
 * (`make run SCRIPT=file`: the boot argument script=/etc/script) reads the
 * lines of a file instead, prints each as "$ line" before running it, keeps
 * going after a failure, and reports how many failed; init.c then powers off
 * with that count as the exit status.
 */
#include <stdarg.h>

#include <keel/errno.h>

#include "drivers/console.h"
#include "fs/vfs.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "log/printk.h"
#include "mm/kmalloc.h"
#include "shell/parse.h"
#include "shell/shell.h"

#define PROMPT_MAX 300

void sh_write(struct shell *sh, const char *s, size_t n)
{
	if (!sh->redirect) {
		console_write(s, n);
		return;
	}
	if (!sh->redirect_error) {
		long written = vfs_write(sh->redirect, s, n);
		if (written < 0 || (size_t)written != n)
			sh->redirect_error = written < 0 ? (int)written : -ENOSPC;
	}
}

static void shell_sink(const char *s, size_t n, void *arg)
{
	sh_write(arg, s, n);
}

int sh_printf(struct shell *sh, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf_sink(shell_sink, sh, fmt, ap);
	va_end(ap);
	return n;
}

int sh_error(struct shell *sh, const char *name, const char *fmt, ...)
{
	const struct shell_command *c = shell_find(name);
	char msg[200];
	va_list ap;

	(void)sh;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c)
		kprintf("%s: %s (usage: %s)\n", name, msg, c->usage);
	else
		kprintf("%s: %s\n", name, msg);
	return 1;
}

int sh_errno(struct shell *sh, const char *name, const char *what, int err)
{
	(void)sh;
	kprintf("%s: %s: %s\n", name, what, strerror(err));
	return 1;
}

static void echo_to_console(const char *s, size_t n, void *arg)
{
	(void)arg;
	console_write(s, n);
}

int shell_execute(struct shell *sh, const char *line)
{
	struct shell_words *words = kmalloc(sizeof(*words));
	const struct shell_command *cmd;
	const char *error;
	int status, err;

	if (!words)
		return sh_errno(sh, "sh", "line", -ENOMEM);
	err = shell_parse(line, words, &error);
	if (err) {
		kprintf("sh: %s\n", error);
		kfree(words);
		return 1;
	}
	if (words->argc == 0) {
		kfree(words);
		return 0;
	}
	cmd = shell_find(words->argv[0]);
	if (!cmd) {
		kprintf("sh: %s: command not found (type 'help' for the list)\n",
			words->argv[0]);
		kfree(words);
		return 1;
	}
	if (words->redirect) {
		int flags = VFS_O_WRITE | VFS_O_CREATE |
			    (words->append ? VFS_O_APPEND : VFS_O_TRUNCATE);

		err = vfs_open(words->redirect, flags, 0644, sh->cwd, &sh->redirect);
		if (err) {
			sh_errno(sh, "sh", words->redirect, err);
			kfree(words);
			return 1;
		}
		sh->redirect_error = 0;
	}
	status = cmd->run(sh, words->argc, words->argv);
	if (sh->redirect) {
		vfs_close(sh->redirect);
		sh->redirect = NULL;
		if (sh->redirect_error) {
			sh_errno(sh, cmd->name, words->redirect, sh->redirect_error);
			status = 1;
		}
	}
	kfree(words);
	return status;
}

static void prompt(struct shell *sh)
{
	char *path = kmalloc(PROMPT_MAX);

	if (path && vfs_getcwd(sh->cwd, path, PROMPT_MAX) == 0)
		kprintf("keel:%s$ ", path);
	else
		kprintf("keel$ ");
	kfree(path);
}

int shell_main(struct vfs_cwd *cwd)
{
	struct shell *sh = kmalloc(sizeof(*sh));

	if (!sh)
		return -ENOMEM;
	sh->cwd = cwd;
	lineedit_init(&sh->editor, echo_to_console, NULL);
	while (!sh->exit_requested) {
		enum lineedit_result r;

		prompt(sh);
		lineedit_reset(&sh->editor);
		do {
			r = lineedit_feed(&sh->editor, (char)console_getc());
		} while (r == LINEEDIT_MORE);
		if (r == LINEEDIT_CANCEL)
			continue;
		lineedit_remember(&sh->editor, lineedit_line(&sh->editor));
		shell_execute(sh, lineedit_line(&sh->editor));
	}
	kfree(sh);
	return 0;
}

int shell_run_script(struct vfs_cwd *cwd, const char *path)
{
	struct shell *sh;
	char *text, *line, *next;
	int err, commands = 0, failed = 0;
	size_t size;

	err = vfs_read_file(path, cwd, 1u << 20, &text, &size);
	if (err) {
		kprintf("script: cannot read %s: %s\n", path, strerror(err));
		return 1;
	}
	sh = kmalloc(sizeof(*sh));
	if (!sh) {
		kfree(text);
		return 1;
	}
	sh->cwd = cwd;
	sh->script = 1;
	for (line = text; line && *line && !sh->exit_requested; line = next) {
		size_t len;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		len = strlen(line);
		if (len && line[len - 1] == '\r')
			line[len - 1] = '\0';
		if (len >= SHELL_MAX_LINE) {
			kprintf("$ %.40s...\nsh: line longer than %d bytes\n", line,
				SHELL_MAX_LINE - 1);
			commands++;
			failed++;
			continue;
		}
		{
			const char *p = line;
			while (*p == ' ' || *p == '\t')
				p++;
			if (!*p || *p == '#')
				continue;
		}
		kprintf("$ %s\n", line);
		commands++;
		if (shell_execute(sh, line) != 0) {
			kprintf("script: command failed: %s\n", line);
			failed++;
		}
	}
	kprintf("script: %d commands, %d failed\n", commands, failed);
	kfree(sh);
	kfree(text);
	return failed;
}
