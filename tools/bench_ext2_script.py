#!/usr/bin/env python3
"""bench_ext2_script.py - the shell script of make bench's ext2 boots.

  bench_ext2_script.py [CYCLES] > script

The disks vda and vdb show one image (bench_ext2_tree.py big=128M
seq=64M, mke2fs -d): vda bypasses the host's page cache, vdb reads
through it.  A cycle measures everything once, in this order:

  ext2 (async): mount vda, random reads, the sequential read, umount;
                the same on vdb
  ext2 sync_io=1: the same
  raw: the same blocks straight from vda, then vdb

and the script runs CYCLES (default 5) cycles, so that the modes take
turns through the boot: a slow spell of the shared host falls on all of
them rather than on whichever ran then.  Every mount starts with an empty
cache, so the same seeded blocks miss again in the next cycle.  The
first cycle also measures memory per read in flight, first thing after
its first mount, while ext2's cache is below its limit.  Each random
command makes 2 runs at 4 depths from a warm-up and 8 slices of 1024
distinct blocks: 9216 of big's 32768.
"""
import sys

DEPTHS = "1 8 32 64"
DISKS = ("vda", "vdb")


def cycle(number):
    lines = [f"# cycle {number}"]
    for mode in ("", " sync_io=1"):
        lines.append(f"insmod /lib/modules/ext2.ko{mode}")
        for disk in DISKS:
            lines.append(f"mount -t ext2 -o ro /dev/{disk} /mnt")
            if number == 1 and not mode and disk == DISKS[0]:
                lines.append("bench ext2 -m /mnt/big 64")
            lines.append(f"bench ext2 -r 2 /mnt/big {DEPTHS}")
            lines.append("bench ext2 -r 1 -s /mnt/seq")
            lines.append("umount /mnt")
        lines.append("rmmod ext2")
    for disk in DISKS:
        lines.append(f"bench raw -r 2 {disk} big {DEPTHS}")
        lines.append(f"bench raw -r 1 -s {disk} seq")
    return lines


def main(argv):
    cycles = int(argv[1]) if len(argv) > 1 else 5
    if cycles < 1:
        print("bench_ext2_script: CYCLES must be at least 1", file=sys.stderr)
        return 2
    print("# make bench's ext2 script (tools/bench_ext2_script.py)")
    print("mkdir /mnt")
    for number in range(1, cycles + 1):
        print("\n".join(cycle(number)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
