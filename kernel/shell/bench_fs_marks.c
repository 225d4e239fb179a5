/*
 * bench_fs_marks.c - what one run of `bench ext2` or `bench raw`
 * measured: the clocks and the disks, marked at its start and its end.
 *
 * The clock mark reads three counters: the time CSR (QEMU's virtual
 * clock, which follows the host's without -icount), instret, and the
 * time every hart spent idle in wfi, which the scheduler counts.  Under
 * -icount QEMU's instret is its virtual clock too, which runs on while a
 * hart waits (the wait is skipped over, but counted), so instructions are
 * instret less the idle time, as `bench exec` counts them: exact only
 * under -icount.  Which of the three means what under which QEMU options
 * is docs/bench/README.md's subject.
 *
 * The disk mark sums over every disk (block_for_each): the requests
 * handed to the drivers (`requests=`: a random read that missed ext2's
 * cache is one), the requests alive (what bench_fs_memory.c counts as in
 * flight), and the most one disk held at once since the run began
 * (`peak=`: the depth the disk really saw).  A run resets the peaks,
 * marks the disks, then the clocks; at its end, the clocks first, so the
 * disk's bookkeeping is not timed.
 */
#include "arch/riscv.h"
#include "drivers/block.h"
#include "drivers/virtio.h"
#include "exec/exec.h"
#include "sched/hart.h"
#include "shell/bench_fs.h"
#include "shell/shell.h"

struct clock_mark bench_clock_now(void)
{
	struct clock_mark m = {read_time(), read_instret(), 0};

	for (int i = 0; i < MAX_HARTS; i++)
		m.idle +=
		    __atomic_load_n(&harts[i].idle_time, __ATOMIC_RELAXED);
	return m;
}

static void disk_add(struct block_device *dev, void *arg)
{
	struct disk_mark *m = arg;
	struct virtio_blk_stats stats;

	m->live += __atomic_load_n(&dev->counters.live, __ATOMIC_RELAXED);
	if (virtio_blk_get_stats(dev, &stats))
		return;
	m->submitted += stats.submitted;
	if (stats.max_in_flight > m->peak)
		m->peak = stats.max_in_flight;
}

struct disk_mark bench_disk_now(void)
{
	struct disk_mark m = {0, 0, 0};

	block_for_each(disk_add, &m);
	return m;
}

static void reset_peak(struct block_device *dev, void *arg)
{
	virtio_blk_reset_peaks(dev);
}

void bench_run_begin(struct run *run)
{
	block_for_each(reset_peak, NULL);
	run->disk_start = bench_disk_now();
	run->start = bench_clock_now();
}

void bench_run_end(struct run *run)
{
	run->end = bench_clock_now();
	run->disk_end = bench_disk_now();
}

void bench_run_print(struct shell *sh, const struct run *run, uint64_t verified)
{
	uint64_t ns = exec_ticks_to_ns(run->end.time - run->start.time);
	uint64_t idle = exec_ticks_to_ns(run->end.idle - run->start.idle);
	uint64_t retired = run->end.instret - run->start.instret;

	sh_printf(sh,
		  "ns=%lu instructions=%lu idle_ns=%lu requests=%lu peak=%u "
		  "verified=%lu\n",
		  (unsigned long)ns,
		  (unsigned long)(idle < retired ? retired - idle : 0),
		  (unsigned long)idle,
		  (unsigned long)(run->disk_end.submitted -
				  run->disk_start.submitted),
		  run->disk_end.peak, (unsigned long)verified);
}
