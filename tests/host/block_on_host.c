/*
 * block_on_host.c - kernel/exec/block_on.c built for the host tests.
 *
 * The kernel builds with -Wno-unused-parameter and block_on.c relies on
 * it (a waker's drop has nothing to do with its data); the host tests build
 * with every warning, so this wrapper switches that one off for the file.
 */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "../../kernel/exec/block_on.c"
