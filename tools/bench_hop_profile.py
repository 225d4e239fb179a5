# bench_hop_profile.py - gdb script: where the instructions of a hop go.
#
# Run by tools/bench_hop_profile.sh inside gdb-multiarch, attached to a
# halted QEMU (one hart, -icount shift=0) whose script runs `bench exec`.
# For each game (a task waking itself, the task ping-pong and the thread
# ping-pong) it lets the kernel run until the game is well under way, then
# single-steps a number of hops, recording every program counter, and
# prints per function the instructions and the calls (entries at the
# function's first instruction) per hop.  A hop is measured from one entry of the game's `mark` function
# to the next (yielder_poll and player_poll: one poll per hop; complete:
# one completion per hop), so each hop is counted whole, whatever it runs
# in between.
#
# Timer and software interrupts are masked (sie) while stepping, so a tick
# falling inside the window does not land in the profile; under -icount
# the instruction stream is otherwise the one `bench exec` counts.
import bisect
import os
import subprocess

import gdb

GAMES = [
    # (title, function that starts the game, function entered once a hop),
    # in the order `bench exec` plays them
    ("yield", "measure_yield", "yielder_poll"),
    ("task hop", "measure_hop", "player_poll"),
    ("thread hop", "measure_thread_hop", "complete"),
]
HOPS = int(os.environ.get("HOP_PROFILE_HOPS", "8"))
SKIP = 200  # entries of `mark` let pass first: the game is steady by then


def symbols(elf):
    out = subprocess.run(["riscv64-unknown-elf-nm", "-n", elf],
                         capture_output=True, text=True, check=True).stdout
    table = []
    for line in out.splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[1] in "tTwW":
            table.append((int(fields[0], 16), fields[2]))
    return table


def address(name):
    return int(gdb.parse_and_eval("(long)&%s" % name)) & (2**64 - 1)


def pc():
    return int(gdb.parse_and_eval("$pc")) & (2**64 - 1)


def profile(title, start, mark, table):
    starts = [a for a, _ in table]
    where = gdb.Breakpoint(start, internal=True)
    gdb.execute("continue", to_string=True)
    where.delete()
    where = gdb.Breakpoint(mark, internal=True)
    for _ in range(SKIP):
        gdb.execute("continue", to_string=True)
    where.delete()
    sie = int(gdb.parse_and_eval("$sie"))
    gdb.execute("set $sie = %d" % (sie & ~0x22))
    target = address(mark)
    pcs, hops = [], 0
    while True:
        at = pc()
        if at == target:
            hops += 1
            if hops > HOPS:
                break
        pcs.append(at)
        gdb.execute("stepi", to_string=True)
    gdb.execute("set $sie = %d" % sie)
    count, calls = {}, {}
    for at in pcs:
        i = bisect.bisect_right(starts, at) - 1
        base, name = table[i]
        count[name] = count.get(name, 0) + 1
        if at == base:
            calls[name] = calls.get(name, 0) + 1
    print("hop_profile: %s: %d hops, %d instructions, %.2f per hop"
          % (title, HOPS, len(pcs), len(pcs) / HOPS))
    for name, n in sorted(count.items(), key=lambda kv: (-kv[1], kv[0])):
        print("hop_profile: %s: %s instructions=%.2f calls=%.2f"
              % (title, name, n / HOPS, calls.get(name, 0) / HOPS))


gdb.execute("set pagination off")
table = symbols(gdb.current_progspace().filename)
for title, start, mark in GAMES:
    profile(title, start, mark, table)
gdb.execute("kill")
