#!/bin/bash
# block_async.t - disk I/O as futures (keel/block.h) and the console input
# stream, by the in-kernel `block` and `console` ktest suites, on one hart
# and on four.
#
# Each boot attaches a fresh 6000-sector disk (the size ktest_block.c looks
# for) in which 64-bit word w of sector s holds pattern(s, w), so every read
# is checked against what the host wrote.  The suites read it with
# block_on and with many futures at once, cancel requests in flight, fill
# the ring until requests wait, and write the complement of the pattern to
# sectors 5000..5063; afterwards the host checks the image file: those
# sectors changed, nothing else did.  meminfo before and after shows that
# all those requests, cancelled ones included, gave their memory back.
cd "$(dirname "$0")/../.." || exit 1
: "${TIMEOUT:=90}"
. tests/qemu/lib.sh

plan 16

# image_as_expected FILE: sectors 5000..5063 hold the complement of the
# pattern, every other sector the pattern itself.
image_as_expected() {
  python3 - "$1" <<'PY'
import struct, sys
M = (1 << 64) - 1
data = open(sys.argv[1], "rb").read()
if len(data) != 6000 * 512:
    sys.exit(1)
for s in range(6000):
    flip = M if 5000 <= s < 5064 else 0
    want = b"".join(struct.pack("<Q", (((s * 64 + w + 1) * 0x9E3779B97F4A7C15) & M) ^ flip)
                    for w in range(64))
    if data[s * 512:(s + 1) * 512] != want:
        print("# sector %d differs" % s)
        sys.exit(1)
PY
}

# no_disk_errors N: the `blk` listing of command N shows vda with requests
# completed and none of them failed.  (Submitted may exceed completed: the
# requests withdrawn while waiting never reach the device; ktest_block.c
# checks the exact balance.)
no_disk_errors() {
  output_of "$1" | awk '
    $1 == "vda" { found = 1; good = ($7 > 1000 && $8 == 0) }
    END { exit !(found && good) }'
}

for n in 1 4; do
  DISK=$WORK/pattern.img
  make_pattern_disk "$DISK" 6000
  CPUS=$n boot DISK="$DISK" BOOTARGS=quiet <<'SCRIPT'
meminfo
ktest block console
meminfo
blk
SCRIPT
  expect_status 0 "CPUS=$n: the scripted boot succeeds"
  expect_line '^ok [0-9]+ block$' "CPUS=$n: suite block"
  expect_line '^ok [0-9]+ console$' "CPUS=$n: suite console"
  expect_line '^# ktest: 2 suites, 12 cases, 0 failed, 0 skipped$' \
    "CPUS=$n: all 12 cases ran (none skipped) and passed"
  check "CPUS=$n: the image holds the written sectors and nothing else changed" \
    image_as_expected "$DISK"
  check "CPUS=$n: kmalloc use is back where it was" \
    test "$(meminfo_value 1 KmallocBytes)" = "$(meminfo_value 3 KmallocBytes)"
  check "CPUS=$n: free pages are back where they were" \
    test "$(meminfo_value 1 PagesFree)" = "$(meminfo_value 3 PagesFree)"
  check "CPUS=$n: the disk completed over 1000 requests, none failed" \
    no_disk_errors 4
done
finish
