/*
 * hello_dep.h - what the hello_dep module offers other modules.
 *
 * A module that uses it includes this header by its path in the tree
 * (#include "../hello_dep/hello_dep.h") and calls the function; the module
 * build records the dependency, and `modprobe` loads hello_dep first.
 */
#ifndef HELLO_DEP_H
#define HELLO_DEP_H

/*
 * Greet `who` on the console and return how many greetings hello_dep has
 * given since it was loaded, this one included.
 */
int hello_dep_greet(const char *who);

#endif /* HELLO_DEP_H */
