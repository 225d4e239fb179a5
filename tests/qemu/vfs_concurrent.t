#!/usr/bin/env bash
# vfs_concurrent.t - a mounted ext2 volume under hundreds of executor tasks
# and a handful of kernel threads at once, on four harts: the in-kernel
# `vfs_concurrent` suite (kernel/ktest/ktest_vfs_concurrent.c).
#
# The host makes the volume the suite needs with mke2fs -d: /vfsc/p0..p5,
# files in which 64-bit little-endian word w of file f is
# ((f << 40) + w + 1) * 0x9E3779B97F4A7C15 mod 2^64 (the suite checks
# every byte it reads against this), and /vfsc/churn (pattern 200).  In the
# guest: insmod, mount, the suite (300 reader tasks, 8 writer threads, a
# thread truncating and rewriting `churn` while tasks read it whole),
# umount, rmmod; memory must be back where it was.  On the host: e2fsck
# -fn finds the image clean, and debugfs reads every file the writers
# kept (d<t>/f<k> for even k: pattern 100 + 16t + k, writer_size(t, k)
# bytes), none of the files they removed, and `churn` as pattern 200.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ext2_lib.sh"
: "${TIMEOUT:=300}"
CPUS=4

ext2_tools_or_skip

plan 8
make -s -C "$ROOT" modules

# The pattern, and the writers' files, as the suite computes them.
PATTERN_PY='
import struct
M = (1 << 64) - 1
def pattern(fid, size):
    words = (size + 7) // 8
    base = (fid << 40) + 1
    data = b"".join(struct.pack("<Q", ((base + w) * 0x9E3779B97F4A7C15) & M)
                    for w in range(words))
    return data[:size]
def writer_size(t, k):
    return 1000 + (t * 7919 + k * 104729) % 150000 + (300 * 1024 if k == 0 else 0)
SIZES = [5 * 1024 * 1024 + 17, 1024 * 1024, 300 * 1024 + 1, 70000, 4096, 13]
'

mkdir -p "$WORK/tree/vfsc"
python3 - "$WORK/tree/vfsc" <<PY
$PATTERN_PY
import sys
for f, size in enumerate(SIZES):
    open("%s/p%d" % (sys.argv[1], f), "wb").write(pattern(f, size))
open("%s/churn" % sys.argv[1], "wb").write(pattern(200, 16384))
PY
mke2fs -q -F -t ext2 -b 1024 -g 2048 -d "$WORK/tree" "$WORK/vfs.img" 48M

boot DISK="$WORK/vfs.img" <<'SCRIPT'
mkdir /mnt
meminfo
insmod /lib/modules/ext2.ko
mount -t ext2 /dev/vda /mnt
ktest vfs_concurrent
umount /mnt
rmmod ext2
meminfo
SCRIPT
expect_status 0 "the script succeeds"
expect_line '^ok 1 vfs_concurrent$' "the suite passes"
expect_no_line '# SKIP' "the suite ran (it found /mnt/vfsc)"
expect_line '^ +# 300 tasks: [0-9]+ reads checked' "the readers' reads were checked"
expect_no_line 'panic|oops|Oops' "no panic"
check "memory is back where it was after umount and rmmod" \
  test "$(meminfo_value 2 KmallocBytes)" = "$(meminfo_value 8 KmallocBytes)"

check "e2fsck finds the volume clean" fsck_clean "$WORK/vfs.img"

# debugfs's dump of /vfsc: the writers' files as kept, the churn file.
as_written() {
  rm -rf "$WORK/dump" && mkdir "$WORK/dump"
  debugfs -R "rdump /vfsc $WORK/dump" "$WORK/vfs.img" >/dev/null 2>&1 || return 1
  python3 - "$WORK/dump/vfsc" <<PY
$PATTERN_PY
import os, sys
root = sys.argv[1]
bad = []
want = {"churn": pattern(200, 16384)}
want.update(("p%d" % f, pattern(f, s)) for f, s in enumerate(SIZES))
for t in range(8):
    for k in range(0, 6, 2):
        want["d%d/f%d" % (t, k)] = pattern(100 + t * 16 + k, writer_size(t, k))
have = {}
for d, _, files in os.walk(root):
    for name in files:
        path = os.path.join(d, name)
        have[os.path.relpath(path, root)] = open(path, "rb").read()
dirs = sorted(os.path.relpath(d, root) for d, _, _ in os.walk(root))[1:]
for name in sorted(set(want) | set(have)):
    if name not in have:
        bad.append("missing " + name)
    elif name not in want:
        bad.append("left over " + name)
    elif have[name] != want[name]:
        bad.append("%s: %d bytes, not as written" % (name, len(have[name])))
if dirs != ["d%d" % t for t in range(8)]:
    bad.append("directories " + " ".join(dirs))
for line in bad[:10]:
    print("# " + line)
print("# %d files compared" % len(have))
sys.exit(1 if bad else 0)
PY
}
check "debugfs reads what the writers kept, and nothing they removed" as_written
finish
