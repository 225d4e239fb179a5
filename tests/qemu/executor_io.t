#!/bin/bash
# executor_io.t - thousands of executor tasks sleeping, reading and writing
# a disk at once, on four harts and, as a control, on one: the in-kernel
# `exec_io` suite (kernel/ktest/ktest_exec_io.c).
#
# Each boot attaches a fresh 7168-sector disk (the size the suite looks
# for) in which 64-bit word w of sector s holds pattern(s, w), so every
# read in the guest is checked against what the host wrote.  The suite
# spawns 3000 tasks: reads checked against the pattern, reads lost to a
# timeout or a select (dropped with their request in flight), bursts of
# reads dropped while they wait for room in the disk's ring, writers
# that write and read back their own slice of a scratch region, writes
# cancelled by a 0 ms timeout, and tasks cancelled with keel_cancel while
# they wait for a read.  In the guest it checks that every task ended
# exactly once, every request came back from the driver and every byte of
# memory was freed; meminfo before and after shows the same from outside.
#
# Afterwards the host checks the image file against the suite's last note
# ("exec_io seed S scratch A+N crc32 C; cancel B+M: K of V writes
# landed"): the scratch sectors hold the writers' final stamps, computed
# here from the seed, and have the CRC the guest read; each cancelled
# write's slice is whole (all stamp or all pattern) and exactly K of them
# landed; every other sector still holds the pattern.
cd "$(dirname "$0")/../.." || exit 1
: "${TIMEOUT:=120}"
. tests/qemu/lib.sh

plan 18

# image_as_written FILE NOTE: the image against the suite's note (above).
# The stamp is stamp_word() of ktest_exec_io.c; a writer's last write is
# generation 0xf, a cancelled write generation 0xc, 2 sectors each.
image_as_written() {
  python3 - "$1" "$2" <<'PY'
import re, struct, sys, zlib
M = (1 << 64) - 1
note = re.search(r"exec_io seed 0x([0-9a-f]{16}) scratch (\d+)\+(\d+) crc32 0x([0-9a-f]{8}); "
                 r"cancel (\d+)\+(\d+): (\d+) of (\d+) writes landed", sys.argv[2])
if not note:
    print("# no exec_io note in the console log")
    sys.exit(1)
seed = int(note.group(1), 16)
scratch, nscratch = int(note.group(2)), int(note.group(3))
crc = int(note.group(4), 16)
cancel, ncancel = int(note.group(5)), int(note.group(6))
landed, slices = int(note.group(7)), int(note.group(8))
data = open(sys.argv[1], "rb").read()
if len(data) != 7168 * 512 or ncancel != 2 * slices:
    print("# image of %d bytes, %d cancel sectors for %d slices" % (len(data), ncancel, slices))
    sys.exit(1)

def sector(s):
    return data[s * 512:(s + 1) * 512]

def pattern(s):
    return b"".join(struct.pack("<Q", ((s * 64 + w + 1) * 0x9E3779B97F4A7C15) & M) for w in range(64))

def stamp(s, gen):
    return b"".join(struct.pack("<Q", (((s * 64 + w + 1) * 0xBF58476D1CE4E5B9) & M) ^ seed ^ (gen << 56))
                    for w in range(64))

bad = []
if zlib.crc32(data[scratch * 512:(scratch + nscratch) * 512]) != crc:
    bad.append("scratch CRC differs from the guest's 0x%08x" % crc)
for s in range(scratch, scratch + nscratch):
    if sector(s) != stamp(s, 0xF):
        bad.append("scratch sector %d is not the final stamp" % s)
        break
seen = 0
for v in range(slices):
    s = cancel + 2 * v
    if sector(s) + sector(s + 1) == stamp(s, 0xC) + stamp(s + 1, 0xC):
        seen += 1
    elif sector(s) + sector(s + 1) != pattern(s) + pattern(s + 1):
        bad.append("cancelled write at sector %d landed in part" % s)
if seen != landed:
    bad.append("%d cancelled writes landed, the guest saw %d" % (seen, landed))
for s in range(7168):
    if scratch <= s < scratch + nscratch or cancel <= s < cancel + ncancel:
        continue
    if sector(s) != pattern(s):
        bad.append("sector %d outside the written regions changed" % s)
        break
for line in bad:
    print("# " + line)
sys.exit(1 if bad else 0)
PY
}

# no_disk_errors N: the `blk` listing of command N shows vda with over
# 10000 requests completed, none failed.
no_disk_errors() {
  output_of "$1" | awk '
    $1 == "vda" { found = 1; good = ($7 > 10000 && $8 == 0) }
    END { exit !(found && good) }'
}

for n in 4 1; do
  DISK=$WORK/exec_io.img
  make_pattern_disk "$DISK" 7168
  start=$(date +%s)
  CPUS=$n boot DISK="$DISK" BOOTARGS=quiet <<'SCRIPT'
meminfo
ktest exec_io
meminfo
blk
SCRIPT
  echo "# CPUS=$n: booted and ran in $(($(date +%s) - start)) s"
  grep -E '^    # ' "$LOG" | grep -v 'Subtest:' | sed "s/^    # /# CPUS=$n: /"
  expect_status 0 "CPUS=$n: the scripted boot succeeds within ${TIMEOUT}s"
  expect_line '^ok [0-9]+ exec_io$' "CPUS=$n: suite exec_io"
  expect_line '^# ktest: 1 suites, 2 cases, 0 failed, 0 skipped$' \
    "CPUS=$n: both cases ran (none skipped) and passed"
  expect_line '^    ok [0-9]+ thousands_of_io_tasks_end_exactly_once$' \
    "CPUS=$n: 3000 tasks each ended exactly once, every request came back"
  for key in PagesFree KmallocBytes; do
    a=$(meminfo_value 1 $key)
    b=$(meminfo_value 3 $key)
    check "CPUS=$n: $key back to its start after the tasks ($a, $b)" \
      test -n "$a" -a "$a" = "$b"
  done
  note=$(grep -E '^    # exec_io seed ' "$LOG" || true)
  check "CPUS=$n: the suite printed the scratch CRC and the cancelled writes" \
    test -n "$note"
  check "CPUS=$n: the image holds exactly what the guest wrote (CRC, stamps, whole cancelled writes)" \
    image_as_written "$DISK" "$note"
  check "CPUS=$n: the disk completed over 10000 requests, none failed" \
    no_disk_errors 4
done
finish
