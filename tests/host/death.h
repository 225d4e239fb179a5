/*
 * death.h - checking that code panics, for host unit tests.
 *
 * The host shim's panic() prints to stderr and calls abort().  A case that
 * expects a panic runs the code in a forked child and checks that the child
 * died of SIGABRT after printing the expected message.
 */
#ifndef KEEL_TESTS_DEATH_H
#define KEEL_TESTS_DEATH_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Run `body` in a child; true if it died of SIGABRT after writing a message
 * that contains `expected` to stderr.
 */
static inline bool panics_with(void (*body)(void), const char *expected)
{
	char message[512] = "";
	size_t got = 0;
	ssize_t n;
	int pipefd[2], status;
	pid_t child;

	fflush(stdout);
	if (pipe(pipefd))
		return false;
	child = fork();
	if (child == 0) {
		close(pipefd[0]);
		dup2(pipefd[1], STDERR_FILENO);
		body();
		_exit(0);
	}
	close(pipefd[1]);
	while (got < sizeof(message) - 1) {
		n = read(pipefd[0], message + got, sizeof(message) - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	message[got] = '\0';
	close(pipefd[0]);
	if (child < 0 || waitpid(child, &status, 0) != child)
		return false;
	if (!strstr(message, expected))
		printf("#   child said: %s", got ? message : "(nothing)\n");
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT &&
	       strstr(message, expected);
}

#endif /* KEEL_TESTS_DEATH_H */
