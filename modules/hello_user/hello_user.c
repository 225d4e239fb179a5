/*
 * hello_user.c - a module that uses another module's export.
 *
 * It calls hello_dep_greet(), which the hello_dep module exports.  Nothing
 * here names the dependency: the module build sees the undefined symbol,
 * finds it among hello_dep's exports and stamps `depends=hello_dep` into
 * this module's metadata, from which modules.dep is made.  So
 * `modprobe hello_user` loads hello_dep first, and while hello_user is
 * loaded hello_dep cannot be removed.
 */
#include <keel/log.h>
#include <keel/module.h>

#include "../hello_dep/hello_dep.h"

static int hello_user_init(void)
{
	int count = hello_dep_greet("hello_user");

	pr_info("hello_user: hello_dep has greeted %d time%s", count, count == 1 ? "" : "s");
	return 0;
}

static void hello_user_exit(void)
{
	hello_dep_greet("hello_user, goodbye");
}

KEEL_MODULE(hello_user, hello_user_init, hello_user_exit);
KEEL_MODULE_LICENSE("GPL");
KEEL_MODULE_AUTHOR("Keel developers");
KEEL_MODULE_DESCRIPTION("calls hello_dep_greet, so it depends on hello_dep");
KEEL_MODULE_VERSION("1.0");
