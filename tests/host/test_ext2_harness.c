/*
 * test_ext2_harness.c - a disk, an executor and the VFS's part for the
 * ext2 module on the host (see test_ext2_harness.h).
 *
 * The module's own module.c is included here, so its init and exit (static
 * there, as in every module) can be called as insmod and rmmod would.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shim.h"
#include "test_ext2_harness.h"

#include "../../modules/ext2/module.c"

/* ---- the disk -------------------------------------------------------------
 */

struct hdisk hdisk;

enum { REQ_NEW, REQ_QUEUED, REQ_DONE };
enum { OP_READ, OP_WRITE, OP_FLUSH };

struct hreq {
	struct keel_int_future base;
	int op, state;
	uint64_t sector;
	uint32_t count;
	void *user;    /* read: where the data goes at READY */
	uint8_t *data; /* the request's own buffer */
	int64_t result;
	struct keel_waker waker;
	struct hreq *next; /* in the queue */
};

struct keel_block_device {
	int unused;
};

static struct hreq *queue;
static unsigned queued;

void hdisk_attach(uint8_t *image, uint64_t bytes)
{
	hdisk.image = image;
	hdisk.bytes = bytes;
}

uint8_t *hdisk_detach(void)
{
	uint8_t *image = hdisk.image;

	hdisk.image = NULL;
	hdisk.bytes = 0;
	free(hdisk.reads_of_block);
	hdisk.reads_of_block = NULL;
	return image;
}

void hdisk_count_blocks(uint32_t block_size)
{
	free(hdisk.reads_of_block);
	hdisk.block_size = block_size;
	hdisk.blocks_counted = hdisk.bytes / block_size;
	hdisk.reads_of_block = calloc(hdisk.blocks_counted, sizeof(unsigned));
}

void hdisk_reset_counts(void)
{
	hdisk.reads = hdisk.writes = hdisk.flushes = hdisk.cancelled = 0;
	hdisk.max_inflight = hdisk.inflight;
	if (hdisk.reads_of_block)
		memset(hdisk.reads_of_block, 0,
		       hdisk.blocks_counted * sizeof(unsigned));
}

unsigned hdisk_queued(void)
{
	return queued;
}

/* Do the transfer of a request: the "DMA". */
static void transfer(struct hreq *r)
{
	uint64_t at = r->sector * 512, n = (uint64_t)r->count * 512;

	r->state = REQ_DONE;
	hdisk.inflight--;
	if (r->op == OP_FLUSH) {
		r->result = 0;
		return;
	}
	if (hdisk.fail_sector && hdisk.fail_sector >= r->sector &&
	    hdisk.fail_sector < r->sector + r->count) {
		r->result = -EIO;
		return;
	}
	if (r->op == OP_READ)
		memcpy(r->data, hdisk.image + at, n);
	else
		memcpy(hdisk.image + at, r->data, n);
	r->result = 0;
}

bool hdisk_complete_one(void)
{
	struct hreq **link = &queue, *r;
	unsigned pick;

	if (!queued)
		return false;
	hdisk.seed =
	    hdisk.seed * 6364136223846793005ull + 1442695040888963407ull;
	pick = (unsigned)(hdisk.seed >> 33) % queued;
	while (pick--)
		link = &(*link)->next;
	r = *link;
	*link = r->next;
	queued--;
	transfer(r);
	keel_waker_wake(&r->waker); /* the interrupt */
	return true;
}

static enum keel_poll hreq_poll(struct keel_future *f, struct keel_context *cx)
{
	struct hreq *r = (struct hreq *)f;

	if (r->state == REQ_NEW) {
		if (++hdisk.inflight > hdisk.max_inflight)
			hdisk.max_inflight = hdisk.inflight;
		if (r->op == OP_READ) {
			hdisk.reads++;
			if (hdisk.reads_of_block) {
				uint64_t b = r->sector * 512 / hdisk.block_size;

				if (b < hdisk.blocks_counted)
					hdisk.reads_of_block[b]++;
			}
		}
		hdisk.writes += r->op == OP_WRITE;
		hdisk.flushes += r->op == OP_FLUSH;
		if (hdisk.eager) {
			transfer(r);
			keel_waker_wake_by_ref(cx->waker);
			return KEEL_PENDING;
		}
		r->state = REQ_QUEUED;
		r->next = queue;
		queue = r;
		queued++;
	}
	if (r->state == REQ_QUEUED) {
		keel_waker_register(&r->waker, cx);
		return KEEL_PENDING;
	}
	if (r->op == OP_READ && r->result == 0)
		memcpy(r->user, r->data, (size_t)r->count * 512);
	r->base.result = r->result;
	return KEEL_READY;
}

static void hreq_drop(struct keel_future *f)
{
	struct hreq *r = (struct hreq *)f;

	if (r->state == REQ_QUEUED) {
		struct hreq **link = &queue;

		while (*link != r)
			link = &(*link)->next;
		*link = r->next;
		queued--;
		hdisk.inflight--;
		hdisk.cancelled++;
	}
	keel_waker_drop(&r->waker);
	kfree(r->data);
	kfree(r);
}

static const struct keel_future_vtable hreq_vtable = {
    .size = sizeof(struct keel_future_vtable),
    .name = "hdisk",
    .poll = hreq_poll,
    .drop = hreq_drop,
};

static struct keel_int_future *request(int op, uint64_t sector, void *user,
				       const void *data, uint32_t count)
{
	struct hreq *r = kmalloc(sizeof(*r));

	if (!r)
		return NULL;
	r->base.future.vtable = &hreq_vtable;
	r->op = op;
	r->sector = sector;
	r->count = count;
	r->user = user;
	if (op != OP_FLUSH &&
	    (!hdisk.image || (sector + count) * 512 > hdisk.bytes || !count)) {
		r->state = REQ_DONE;
		r->result = -EINVAL;
		return &r->base;
	}
	if (count) {
		r->data = kmalloc((size_t)count * 512);
		if (!r->data) {
			kfree(r);
			return NULL;
		}
		if (data)
			memcpy(r->data, data, (size_t)count * 512);
	}
	return &r->base;
}

struct keel_block_device *keel_block_open(const char *name)
{
	if (!hdisk.image ||
	    (strcmp(name, "vda") != 0 && strcmp(name, "/dev/vda") != 0))
		return NULL;
	return kmalloc(sizeof(struct keel_block_device));
}

void keel_block_close(struct keel_block_device *dev)
{
	kfree(dev);
}

uint64_t keel_block_sectors(struct keel_block_device *dev)
{
	return dev ? hdisk.bytes / 512 : 0;
}

uint32_t keel_block_sector_size(struct keel_block_device *dev)
{
	(void)dev;
	return 512;
}

struct keel_int_future *keel_block_read(struct keel_block_device *dev,
					uint64_t sector, void *buf,
					uint32_t count)
{
	(void)dev;
	return request(OP_READ, sector, buf, NULL, count);
}

struct keel_int_future *keel_block_write(struct keel_block_device *dev,
					 uint64_t sector, const void *buf,
					 uint32_t count)
{
	(void)dev;
	return request(OP_WRITE, sector, NULL, buf, count);
}

struct keel_int_future *keel_block_flush(struct keel_block_device *dev)
{
	(void)dev;
	return request(OP_FLUSH, 0, NULL, NULL, 0);
}

/* The clock: a second per thousand polls, so times move. */
static uint64_t fake_ns = 5000000000ull;

uint64_t keel_now_ns(void)
{
	return fake_ns += 1000000;
}

/* The wall clock: the host's, or none (0) when a test says so. */
bool hx_no_wall_clock;

uint64_t keel_time_real_ns(void)
{
	struct timespec ts;

	if (hx_no_wall_clock)
		return 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- the executor
 * ------------------------------------------------------------ */

static struct keel_waker task_clone(const void *data);
static void task_wake(const void *data)
{
	((struct hx_task *)data)->woken = true;
}
static void task_drop(const void *data)
{
	(void)data;
}

static const struct keel_waker_vtable task_waker_vtable = {
    .size = sizeof(struct keel_waker_vtable),
    .clone = task_clone,
    .wake = task_wake,
    .wake_by_ref = task_wake,
    .drop = task_drop,
};

static struct keel_waker task_clone(const void *data)
{
	return (struct keel_waker){data, &task_waker_vtable};
}

static uint64_t pick_state = 99;

int hx_run_cancelling(struct hx_task *tasks, unsigned n, unsigned index,
		      unsigned after_polls)
{
	for (unsigned i = 0; i < n; i++) {
		tasks[i].woken = true;
		tasks[i].done = tasks[i].future == NULL;
		tasks[i].polls = 0;
		if (!tasks[i].future)
			tasks[i].result = -ENOMEM;
	}
	for (;;) {
		unsigned woken = 0, pending = 0, pick;

		for (unsigned i = 0; i < n; i++) {
			woken += tasks[i].woken && !tasks[i].done;
			pending += !tasks[i].done;
		}
		if (!pending)
			return 0;
		if (!woken) {
			if (hdisk_complete_one())
				continue;
			printf(
			    "#   harness: %u operations pending, none woken, "
			    "nothing in flight: a lost wakeup\n",
			    pending);
			return -1;
		}
		pick_state = pick_state * 6364136223846793005ull + 1;
		pick = (unsigned)(pick_state >> 33) % woken;
		for (unsigned i = 0; i < n; i++) {
			struct hx_task *t = &tasks[i];
			struct keel_waker waker = {t, &task_waker_vtable};
			struct keel_context cx = {sizeof(cx), 0, &waker};

			if (!t->woken || t->done || pick--)
				continue;
			t->woken = false;
			t->polls++;
			if (after_polls && i == index &&
			    t->polls > after_polls) {
				keel_future_drop(&t->future->future);
				t->future = NULL;
				t->done = true;
				t->result = -ECANCELED;
				break;
			}
			if (keel_future_poll(&t->future->future, &cx) ==
			    KEEL_READY) {
				t->result = t->future->result;
				keel_future_drop(&t->future->future);
				t->future = NULL;
				t->done = true;
			}
			if (shim_locks_held) {
				printf(
				    "#   harness: a spinlock is held after a "
				    "poll returned\n");
				return -1;
			}
			break;
		}
	}
}

/* Poll one task with its own waker; false after a broken rule. */
static bool poll_task(struct hx_task *t)
{
	struct keel_waker waker = {t, &task_waker_vtable};
	struct keel_context cx = {sizeof(cx), 0, &waker};

	t->woken = false;
	t->polls++;
	if (keel_future_poll(&t->future->future, &cx) == KEEL_READY) {
		t->result = t->future->result;
		keel_future_drop(&t->future->future);
		t->future = NULL;
		t->done = true;
	}
	if (shim_locks_held) {
		printf("#   harness: a spinlock is held after a poll "
		       "returned\n");
		return false;
	}
	return true;
}

int hx_run_pair(struct hx_task tasks[2], unsigned first, unsigned turns)
{
	for (unsigned i = 0; i < 2; i++) {
		tasks[i].woken = true;
		tasks[i].done = tasks[i].future == NULL;
		tasks[i].polls = 0;
		if (!tasks[i].future)
			tasks[i].result = -ENOMEM;
	}
	while (!tasks[0].done || !tasks[1].done) {
		unsigned favoured =
		    tasks[first].polls < turns ? first : 1 - first;
		struct hx_task *a = &tasks[favoured], *b = &tasks[1 - favoured];

		if (a->woken && !a->done) {
			if (!poll_task(a))
				return -1;
		} else if (b->woken && !b->done) {
			if (!poll_task(b))
				return -1;
		} else if (!hdisk_complete_one()) {
			printf("#   harness: operations pending, none woken, "
			       "nothing in flight: a lost wakeup\n");
			return -1;
		}
	}
	return 0;
}

int hx_run(struct hx_task *tasks, unsigned n)
{
	return hx_run_cancelling(tasks, n, 0, 0);
}

int64_t hx_block_on(struct keel_int_future *f)
{
	struct hx_task t = {.future = f};

	if (hx_run(&t, 1))
		return -1000; /* reported */
	return t.result;
}

/* ---- the VFS's part
 * ------------------------------------------------------------- */

const struct keel_fs_type *hx_fs_type;

int vfs_register_fs(const struct keel_fs_type *type)
{
	if (hx_fs_type)
		return -EEXIST;
	hx_fs_type = type;
	return 0;
}

int vfs_unregister_fs(const struct keel_fs_type *type)
{
	if (hx_fs_type != type)
		return -ENOENT;
	hx_fs_type = NULL;
	return 0;
}

void hx_params(int depth_, bool sync_io_, int cache_blocks_)
{
	depth = depth_;
	sync_io = sync_io_;
	cache_blocks = cache_blocks_;
}

int hx_load_module(void)
{
	return ext2_init();
}

void hx_unload_module(void)
{
	ext2_exit();
}

int hx_mount(struct hx_mount *m, const char *source, const char *options)
{
	memset(m, 0, sizeof(*m));
	m->mount.type = hx_fs_type;
	return (int)hx_block_on(hx_fs_type->mount(&m->mount, source, options));
}

struct keel_vnode *hx_vnode(struct hx_mount *m, uint64_t ino)
{
	struct keel_vnode *v;

	if (ino >= sizeof(m->vnodes) / sizeof(m->vnodes[0]))
		return NULL;
	if (m->vnodes[ino])
		return m->vnodes[ino];
	v = calloc(1, sizeof(*v));
	v->ino = ino;
	v->mount = &m->mount;
	if (hx_block_on(hx_fs_type->read_node(&m->mount, v))) {
		free(v);
		return NULL;
	}
	m->vnodes[ino] = v;
	return v;
}

int hx_release(struct hx_mount *m, uint64_t ino)
{
	struct keel_vnode *v = m->vnodes[ino];
	int r;

	if (!v)
		return 0;
	m->vnodes[ino] = NULL;
	r = (int)hx_block_on(hx_fs_type->node_ops->release(v));
	free(v);
	return r;
}

int hx_unmount(struct hx_mount *m)
{
	for (uint64_t ino = 0; ino < sizeof(m->vnodes) / sizeof(m->vnodes[0]);
	     ino++)
		hx_release(m, ino);
	return (int)hx_block_on(hx_fs_type->unmount(&m->mount));
}

int hx_resolve(struct hx_mount *m, const char *path, uint64_t *ino)
{
	uint64_t at = m->mount.root_ino;
	char part[256];

	while (*path) {
		size_t n = 0;
		struct keel_vnode *dir;
		int r;

		while (*path == '/')
			path++;
		if (!*path)
			break;
		while (path[n] && path[n] != '/')
			n++;
		if (n > 255)
			return -ENAMETOOLONG;
		memcpy(part, path, n);
		part[n] = '\0';
		path += n;
		dir = hx_vnode(m, at);
		if (!dir)
			return -EIO;
		r = (int)hx_block_on(
		    hx_fs_type->node_ops->lookup(dir, part, &at));
		if (r)
			return r;
	}
	*ino = at;
	return 0;
}
