#!/bin/sh
# bench_exec_report.sh CONSOLE-LOG MAKE-COMMAND - write docs/bench/executor.md
# (on standard output) from the `bench: exec` lines of a `make bench` boot.
#
# The lines come from the shell's `bench exec` (kernel/shell/cmd_bench_exec.c,
# whose header lists every field):
#   bench: exec NAME key=value ...
# NAME is lock, yield, spawn, thread_spawn, hop, thread_hop (spawn and the
# hops twice, at two sizes), task_memory, thread_memory or sleepers.
# MAKE-COMMAND is the command that made the boot ("make bench ...").
#
# The table compares each measurement with the executor's targets (issue
# "Kernel executor", Benchmarks); the reading below it explains every
# target missed with the numbers of the same boot.  Shape: if a cost is
# c * N^k, then k = ln(I_big / I_small) / ln(N_big / N_small); 1 is linear.
set -eu
log=$1
make_command=$2
lines=$(tr -d '\r' < "$log" | grep '^bench: exec ' || true)
for name in lock yield spawn thread_spawn hop thread_hop task_memory \
	thread_memory sleepers; do
	if ! echo "$lines" | grep -q "^bench: exec $name "; then
		echo "bench_exec_report: no 'bench: exec $name' line in $log" >&2
		exit 1
	fi
done
qemu=$(qemu-system-riscv64 --version | head -1 | sed 's/.*version \([^ ]*\).*/\1/')

cat <<HEAD
# Executor benchmark

Made on $(date -u +%Y-%m-%d) (command below) with QEMU $qemu: one hart,
\`-icount shift=0\`, so every count is a number of instructions, not
time. Counts repeat from boot to boot to within a few hundred
instructions (a timer tick lands a little elsewhere), under 0.01%. Each
is the smallest of three runs in one boot; tasks are measured beside the
kernel threads they stand in for, in the same boot. Memory is what
kmalloc and the page allocator hand out while the tasks or threads exist.

HEAD

# One awk program, run twice: mode=table prints the table as it is,
# mode=reading the paragraphs, which fmt then fills.
program='
	{
		name = $3
		n = ++seen[name]
		for (i = 4; i <= NF; i++) {
			split($i, kv, "=")
			v[name, n, kv[1]] = kv[2]
		}
	}
	function shape(name, items,    cost, size) {
		cost = v[name, 2, "instructions"] / v[name, 1, "instructions"]
		size = v[name, 2, items] / v[name, 1, items]
		return sprintf("%.2f", log(cost) / log(size))
	}
	function yes(ok) { return ok ? "yes" : "**no**" }
	END {
		pair = v["lock", 1, "per_pair"]
		hop = v["hop", 2, "per_hop"]; thop = v["thread_hop", 2, "per_hop"]
		spawn = v["spawn", 2, "per_task"]
		tspawn = v["thread_spawn", 2, "per_thread"]
		tb = v["task_memory", 1, "kmalloc_per_task"]
		tp = v["task_memory", 1, "bytes_per_task"]
		hb = v["thread_memory", 1, "bytes_per_thread"]
		kib = v["sleepers", 1, "kib"]; n = v["sleepers", 1, "tasks"]
		default_kib = 256 * 1024
		if (mode == "reading")
			reading()
		else
			table()
	}
	function table() {
		print "| measurement | value | target | met? |"
		print "|---|---:|---|---|"
		printf "| wake→poll hop: two tasks ping-pong through one-slot channels (%s hops) | %s instructions per hop | ≤ 150 | %s |\n",
		       v["hop", 2, "hops"], hop, yes(hop <= 150)
		printf "| the same hop between two kernel threads (completions) | %s instructions per hop | | |\n", thop
		printf "| ping-pong: thread hop ÷ task hop | %.2f× | ≥ 10× | %s |\n",
		       thop / hop, yes(thop / hop >= 10)
		printf "| executor bytes per task (kmalloc; with slab pages) | %s (%s) | ≤ 64 | %s |\n",
		       tb, tp, yes(tb <= 64)
		printf "| bytes per kernel thread (stack + struct thread'"'"'s kmalloc; with slab pages) | %d (%s) | | |\n",
		       v["thread_memory", 1, "stack"] + v["thread_memory", 1, "kmalloc_per_thread"], hb
		printf "| memory: kernel thread ÷ task (pages) | %.0f× | | |\n", hb / tp
		printf "| %d sleeping tasks: memory held | %s KiB, %.1f%% of the default 256 MiB | fits in 256 MiB | %s |\n",
		       n, kib, 100 * kib / default_kib, yes(kib < default_kib)
		printf "| %d sleeping tasks: asleep at once, then completed (worst run) | %s, %s | all %d | %s |\n",
		       n, v["sleepers", 1, "asleep"], v["sleepers", 1, "completed"], n,
		       yes(v["sleepers", 1, "asleep"] == n && v["sleepers", 1, "completed"] == n)
		printf "| %d sleeping tasks: instructions per task, spawn to join | %s (spawn alone %s) | | |\n",
		       n, v["sleepers", 1, "per_task"], v["sleepers", 1, "spawn_per_task"]
		printf "| spawn + complete a trivial task (%s / %s tasks) | %s / %s instructions per task | | |\n",
		       v["spawn", 1, "tasks"], v["spawn", 2, "tasks"], v["spawn", 1, "per_task"], spawn
		printf "| create + run + exit a kernel thread (%s / %s threads) | %s / %s instructions per thread | | |\n",
		       v["thread_spawn", 1, "threads"], v["thread_spawn", 2, "threads"],
		       v["thread_spawn", 1, "per_thread"], tspawn
		printf "| spawn: thread ÷ task | %.2f× | | |\n", tspawn / spawn
		printf "| the executor alone: a task waking itself, per poll (yield) | %s instructions | | |\n",
		       v["yield", 1, "per_poll"]
		printf "| spin_lock + spin_unlock | %s instructions | | |\n", pair
	}
	function reading() {
		printf "**The wake→poll hop misses its target: %s instructions, not 150.**\n", hop
		printf "A hop is one value crossing from one task to the other. In the\n"
		printf "receiving task'"'"'s poll, `channel_poll_recv` takes the value (lock pair\n"
		printf "1, the channel'"'"'s), `channel_poll_send` puts the answer in the other\n"
		printf "channel (pair 2) and wakes the other task, which queues it under\n"
		printf "`exec_lock` (pair 3), and the next `channel_poll_recv` finds its\n"
		printf "channel empty and keeps the waker (pair 4); around the poll the\n"
		printf "executor took `exec_lock` twice (pairs 5 and 6: pop the task; count\n"
		printf "the poll and settle its state). Six pairs at %s instructions are\n", pair
		printf "%.0f instructions, %.0f%% of the hop. A pair costs that much because\n", 6 * pair, 600 * pair / hop
		printf "Keel'"'"'s spinlock is more than an atomic swap and a store: it turns\n"
		printf "interrupts off with a nesting count kept in the hart'"'"'s struct,\n"
		printf "checks on lock and again on unlock that this hart does not already\n"
		printf "hold it (a panic naming the lock instead of a silent deadlock), and\n"
		printf "records the holder. Two pairs, the least a wake and a pop from a\n"
		printf "locked run queue can take, are %.0f instructions: nearly the whole\n", 2 * pair
		printf "target before any poll has run. The other %.0f instructions of the hop are the calls\n", hop - 6 * pair
		printf "through the future and waker vtables, the task state bits, the\n"
		printf "per-task statistics (polls, and the time in poll from two reads of\n"
		printf "the time CSR), the waker clone and release (one atomic each) and the\n"
		printf "players'"'"' own loop. The executor alone, a task waking itself with no\n"
		printf "channel (`yield`), costs %s per round trip: three lock pairs, and the\n", v["yield", 1, "per_poll"]
		printf "wake of a running task also asks `in_interrupt()` for its statistics,\n"
		printf "another interrupt push and pop. What would reach 150: a lock of a few\n"
		printf "instructions on these paths (the bare spin word `async_mutex.c`\n"
		printf "already uses, or the checks compiled only into debug builds), or a\n"
		printf "lock-free run queue and channel (an atomic state word, as Tokio'"'"'s\n"
		printf "`AtomicWaker`); both change code outside the executor core.\n\n"

		printf "**Tasks ping-pong only %.2f times cheaper than threads, not 10.**\n", thop / hop
		printf "Between two kernel threads a hop costs %s instructions. It takes six\n", thop
		printf "lock pairs as well (the completion'"'"'s lock and `sched_lock` on each\n"
		printf "side, `sched_lock` again in the scheduler loop between the threads),\n"
		printf "%.0f instructions, and two context switches, which in Keel save and\n", 6 * pair
		printf "restore 14 registers each: no address space, no floating-point state,\n"
		printf "no user/kernel crossing to switch. Under `-icount` every instruction\n"
		printf "costs the same and nothing else costs anything, so what makes a\n"
		printf "thread switch dear on hardware (a cold stack, the cache lines and TLB\n"
		printf "entries it pulls in) does not show. Where tasks do win in this\n"
		printf "measure is creating them, %.2f times cheaper (%s against %s\n", tspawn / spawn, spawn, tspawn
		printf "instructions), and memory, %.0f times less.\n\n", hb / tp

		printf "**A task costs %s bytes of kmalloc, not 64.** `struct task` is %s\n", tb, v["task_memory", 1, "header"]
		printf "bytes and kmalloc'"'"'s classes are powers of two. Its first %s bytes are\n", v["task_memory", 1, "scheduling"]
		printf "what scheduling and joining need: the run-queue link (8), the\n"
		printf "all-tasks link (16), the reference count (4), the state and join\n"
		printf "state bits (2 + 2), the join future, whose result slot holds the\n"
		printf "task'"'"'s future pointer while it runs (16), and the joiner'"'"'s waker\n"
		printf "(16); that part meets the target, and a `_Static_assert` in\n"
		printf "`kernel/exec/exec.h` keeps it so. The other %d bytes are for\n", v["task_memory", 1, "header"] - v["task_memory", 1, "scheduling"]
		printf "observing: the owning module (8; `rmmod` counts tasks by it), the\n"
		printf "name (16), the id (4), polls and wakes (4 + 4), padding (4) and the\n"
		printf "time spent in poll (8). With the slab'"'"'s page header (31 tasks to a\n"
		printf "page) a task holds %s bytes of pages. Reaching 64 means moving the\n", tp
		printf "observing fields out of the header, into a table kept only while\n"
		printf "`tasks` or a trace wants them. A kernel thread holds %s bytes: a\n", hb
		printf "%s-byte stack (the unmapped guard below it costs no memory) and a\n", v["thread_memory", 1, "stack"]
		printf "%s-byte `struct thread` in the 512-byte class.\n\n", v["thread_memory", 1, "struct"]

		printf "**%d sleeping tasks fit.** All %s were asleep at once and all %s\n", n, v["sleepers", 1, "asleep"], v["sleepers", 1, "completed"]
		printf "ended with result 0, in every run. They held %s KiB (%s bytes of\n", kib, v["sleepers", 1, "bytes_per_task"]
		printf "pages each: the task, %s bytes of kmalloc with the 64-byte sleep\n", v["sleepers", 1, "kmalloc_per_task"]
		printf "future, and slab headers), %.1f%% of the default 256 MiB guest\n", 100 * kib / default_kib
		printf "(`tests/qemu/bench_exec_smoke.t` runs them in that guest); as\n"
		printf "kernel threads they would need %.2f GiB, and Keel has stack slots\n", n * hb / 1073741824
		printf "for 1024 threads. Each task costs %s instructions from spawn to\n", v["sleepers", 1, "per_task"]
		printf "join: %s to allocate and spawn it with its sleep, the rest to poll\n", v["sleepers", 1, "spawn_per_task"]
		printf "it (arming its timer in the heap), wake it from the timer interrupt,\n"
		printf "poll it again, join it and free it. The run took %s ms, %s of\n", v["sleepers", 1, "elapsed_ms"], v["sleepers", 1, "sleep_ms"]
		printf "them asleep.\n\n"

		printf "**Shape.** Spawning %s tasks costs %s per task and %s tasks %s:\n",
		       v["spawn", 1, "tasks"], v["spawn", 1, "per_task"], v["spawn", 2, "tasks"], spawn
		printf "cost grows as tasks^%s. Kernel threads grow as threads^%s (%s\n",
		       shape("spawn", "tasks"), shape("thread_spawn", "threads"), v["thread_spawn", 1, "per_thread"]
		printf "and %s per thread): the search for a free stack slot\n", tspawn
		printf "(`vm_stack_alloc`) tests one slot after another from the first,\n"
		printf "and with up to %s threads alive at once it goes up to %s times\n",
		       v["thread_spawn", 2, "threads"], v["thread_spawn", 2, "threads"] / v["thread_spawn", 1, "threads"]
		printf "further. The hops grow as hops^%s (tasks) and\n", shape("hop", "hops")
		printf "hops^%s (threads): a hop costs the same however long the game.\n", shape("thread_hop", "hops")
		printf "The task game made %s polls for %s hops: one poll per hop, and\n",
		       v["hop", 2, "polls"], v["hop", 2, "hops"]
		printf "two to start.\n"
	}'
echo "$lines" | awk -v mode=table "$program"
printf '\n## Reading\n\n'
echo "$lines" | awk -v mode=reading "$program" | fmt -w 76

cat <<TAIL

## What each measurement is

- **lock**: a \`spin_lock\` and \`spin_unlock\` of an uncontended lock.
- **yield**: one task waking its own waker and returning PENDING, 20,000
  times: the executor's wake → queue → poll round trip with no reactor.
- **spawn**: allocate a 24-byte future, \`keel_spawn\` it detached; the
  executor polls it once (READY), drops and frees it, and frees the task;
  per task, until the last header is freed.
- **thread_spawn**: \`thread_create\` a thread that returns at once; per
  thread, until the scheduler has freed its stack.
- **hop**: two tasks, each a hand-written future calling
  \`channel_poll_send\`/\`channel_poll_recv\` of \`kernel/exec/channel.c\`
  (no allocation per hop), pass a counter back and forth; instructions
  from the first value sent to the last received, per value.
- **thread_hop**: two kernel threads do the same with two completions.
- **task_memory**: 10,000 tasks whose futures never finish (Rust's
  \`std::future::pending()\`), polled once; their futures are allocated
  before the count starts, so what is counted is the executor's.
- **thread_memory**: 256 kernel threads asleep on a wait queue.
- **sleepers**: 100,000 tasks each awaiting \`keel_sleep_until\` of one
  deadline a second ahead; memory when all are asleep, instructions from
  the first spawn to the last join.

Under \`-icount\`, QEMU's instret is its virtual clock, which also moves
while the hart waits in \`wfi\`; \`bench exec\` subtracts the idle time the
scheduler records, so the counts are instructions even across the
sleepers' one-second wait.

## Command

\`\`\`
$make_command
\`\`\`

It boots once with \`CPUS=1 MEM=512M QEMU_EXTRA="-icount shift=0"\`, runs
the loader benchmark (\`loader.md\`) and then

\`\`\`
bench exec
\`\`\`

(\`kernel/shell/cmd_bench_exec.c\`), and writes this file with
\`tools/bench_exec_report.sh\`.
TAIL
