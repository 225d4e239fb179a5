/*
 * hello_dep.c - a module that exports a function to other modules.
 *
 *     keel:/$ modprobe hello_user        loads hello_dep, then hello_user
 *     hello_dep: ready
 *     hello_dep: hello, hello_user (greeting 1)
 *     keel:/$ lsmod
 *     Module                  Size  Used by
 *     hello_user             12288  0
 *     hello_dep              12288  1 hello_user
 *     keel:/$ rmmod hello_dep
 *     rmmod: ERROR: Module hello_dep is in use by: hello_user
 *
 * KEEL_EXPORT_SYMBOL puts the function's name and address in the module's
 * .keel.exports section; once hello_dep is loaded, modules loaded after it
 * link against it as they link against the kernel.
 */
#include <keel/export.h>
#include <keel/log.h>
#include <keel/module.h>

#include "hello_dep.h"

static int greetings;

int hello_dep_greet(const char *who)
{
	greetings++;
	pr_info("hello_dep: hello, %s (greeting %d)", who, greetings);
	return greetings;
}
KEEL_EXPORT_SYMBOL(hello_dep_greet);

static int hello_dep_init(void)
{
	pr_info("hello_dep: ready");
	return 0;
}

static void hello_dep_exit(void)
{
	pr_info("hello_dep: gone after %d greetings", greetings);
}

KEEL_MODULE(hello_dep, hello_dep_init, hello_dep_exit);
KEEL_MODULE_LICENSE("GPL");
KEEL_MODULE_AUTHOR("Keel developers");
KEEL_MODULE_DESCRIPTION("exports hello_dep_greet to other modules");
KEEL_MODULE_VERSION("1.0");
