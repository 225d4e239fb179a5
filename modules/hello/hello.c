/*
 * hello.c - the smallest useful Keel module.
 *
 *     keel:/$ insmod /lib/modules/hello.ko count=2 who=students
 *     hello: hello, students! (1 of 2)
 *     hello: hello, students! (2 of 2)
 *     keel:/$ rmmod hello
 *     hello: goodbye, students
 *
 * It includes only ABI headers, declares itself with KEEL_MODULE, takes
 * three parameters, and uses two kernel services (printk, kmalloc).
 */
#include <keel/errno.h>
#include <keel/log.h>
#include <keel/memory.h>
#include <keel/module.h>

static int count = 1;
KEEL_MODULE_PARAM(count, int, "how many times to greet (0..10)");

static char who[32] = "world";
KEEL_MODULE_PARAM(who, string, "whom to greet");

static _Bool fail;
KEEL_MODULE_PARAM(fail, bool, "make init fail, to see a load undone");

static char *greeting;

static int hello_init(void)
{
	if (count < 0 || count > 10) {
		pr_err("hello: count must be 0..10, not %d", count);
		return -EINVAL;
	}
	if (fail) {
		pr_err("hello: failing on purpose");
		return -ECANCELED;
	}
	greeting = kmalloc(64);
	if (!greeting)
		return -ENOMEM;
	for (int i = 0; i < count; i++)
		pr_info("hello: hello, %s! (%d of %d)", who, i + 1, count);
	return 0;
}

static void hello_exit(void)
{
	pr_info("hello: goodbye, %s", who);
	kfree(greeting);
}

KEEL_MODULE(hello, hello_init, hello_exit);
KEEL_MODULE_LICENSE("GPL");
KEEL_MODULE_AUTHOR("Keel developers");
KEEL_MODULE_DESCRIPTION("greets, to show a module's life from insmod to rmmod");
KEEL_MODULE_VERSION("1.0");
