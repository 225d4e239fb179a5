/*
 * ticker.c - a module that runs tasks on the kernel's executor.
 *
 *     keel:/$ insmod /lib/modules/ticker.ko tasks=2 ticks=3 interval=100
 *     ticker: task 0 tick 1 of 3
 *     ticker: task 1 tick 1 of 3
 *     ...
 *     keel:/$ tasks
 *        ID NAME            MODULE           STATE ...
 *         4 ticker/0        ticker           waiting ...
 *     keel:/$ rmmod ticker
 *     rmmod: ERROR: Module ticker is in use by: 2 tasks
 *
 * Each task is a coroutine (keel/async.h) that sleeps `interval`
 * milliseconds `ticks` times; the module spawns them detached in its init
 * and they end on their own, after which the module can be removed.  The
 * kernel counts the tasks as the module's because their poll function is
 * in its code, and refuses to unload it while they run.  fail=1 makes init
 * fail after spawning, to show the kernel cancelling a failed module's
 * tasks before it frees the module.
 */
#include <keel/async.h>
#include <keel/errno.h>
#include <keel/log.h>
#include <keel/memory.h>
#include <keel/module.h>
#include <keel/task.h>
#include <keel/time.h>

static int tasks = 1;
KEEL_MODULE_PARAM(tasks, int, "how many ticking tasks (1..8)");

static int ticks = 3;
KEEL_MODULE_PARAM(ticks, int, "ticks per task (1..100)");

static int interval = 100;
KEEL_MODULE_PARAM(interval, int, "milliseconds between ticks (1..10000)");

static _Bool fail;
KEEL_MODULE_PARAM(fail, bool, "make init fail after spawning");

struct ticker {
	struct keel_int_future base;
	struct keel_async co;
	int id;
	int tick;
};

static enum keel_poll ticker_poll(struct keel_future *f,
				  struct keel_context *cx)
{
	struct ticker *t = (struct ticker *)f;
	int64_t r;

	KEEL_ASYNC_BEGIN(&t->co);
	for (t->tick = 1; t->tick <= ticks; t->tick++) {
		KEEL_AWAIT(&t->co, cx, keel_sleep_ms((uint64_t)interval), r);
		if (r < 0)
			KEEL_ASYNC_RETURN(&t->co, &t->base, r);
		pr_info("ticker: task %d tick %d of %d", t->id, t->tick, ticks);
	}
	KEEL_ASYNC_END(&t->co, &t->base, 0);
}

static void ticker_drop(struct keel_future *f)
{
	keel_async_drop(&((struct ticker *)f)->co);
	kfree(f);
}

static const struct keel_future_vtable ticker_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "ticker",
    .poll = ticker_poll,
    .drop = ticker_drop,
};

static int ticker_init(void)
{
	static const char names[][10] = {"ticker/0", "ticker/1", "ticker/2",
					 "ticker/3", "ticker/4", "ticker/5",
					 "ticker/6", "ticker/7"};

	if (tasks < 1 || tasks > 8 || ticks < 1 || ticks > 100 ||
	    interval < 1 || interval > 10000) {
		pr_err("ticker: tasks must be 1..8, ticks 1..100, interval "
		       "1..10000");
		return -EINVAL;
	}
	for (int i = 0; i < tasks; i++) {
		struct ticker *t = kmalloc(sizeof(*t));
		int err;

		if (t) {
			t->base.future.vtable = &ticker_vtable;
			t->id = i;
		}
		err = keel_spawn(names[i], t ? &t->base : NULL, NULL);
		if (err)
			return err; /* the kernel cancels those spawned */
	}
	if (fail) {
		pr_err("ticker: failing on purpose, %d tasks spawned", tasks);
		return -ECANCELED;
	}
	return 0;
}

static void ticker_exit(void)
{
	pr_info("ticker: all tasks ended, goodbye");
}

KEEL_MODULE(ticker, ticker_init, ticker_exit);
KEEL_MODULE_LICENSE("GPL");
KEEL_MODULE_AUTHOR("Keel developers");
KEEL_MODULE_DESCRIPTION("tasks on the kernel executor, written as coroutines");
KEEL_MODULE_VERSION("1.0");
