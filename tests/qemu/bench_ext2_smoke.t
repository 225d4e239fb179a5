#!/usr/bin/env bash
# bench_ext2_smoke.t - `bench ext2` and `bench raw`, which make bench's
# ext2 benchmark relies on, work: on a small image made as make bench
# makes its own (tools/bench_ext2_tree.py, mke2fs -d), every kind of line
# is printed, well formed, once per run and depth, and says every block
# it read matched the checksum the host wrote; random reads reach the
# disk once each; the memory lines come in their order; the raw disk
# finds the file's blocks; bad input is refused with one line and leaves
# memory as it was.  No number is judged: tests do not time.
. "$(dirname "$0")/lib.sh"
: "${TIMEOUT:=120}"

if ! command -v mke2fs >/dev/null; then
  echo "1..0 # SKIP e2fsprogs (mke2fs) not installed"
  exit 0
fi

plan 20
python3 "$ROOT/tools/bench_ext2_tree.py" "$WORK/tree" big=1M seq=512K
mke2fs -q -F -t ext2 -b 4096 -d "$WORK/tree" "$WORK/disk.img" 8M >/dev/null 2>&1

boot DISK="$WORK/disk.img" BOOTARGS=quiet <<'SCRIPT'
insmod /lib/modules/ext2.ko
mkdir /mnt
mount -t ext2 -o ro /dev/vda /mnt
bench ext2 -m -r 2 /mnt/big 8
bench ext2 -n 16 -r 2 /mnt/big 1 8
bench ext2 -r 2 -s /mnt/seq
umount /mnt
rmmod ext2
insmod /lib/modules/ext2.ko sync_io=1
mount -t ext2 -o ro /dev/vda /mnt
bench ext2 -n 16 -r 2 /mnt/big 1 8
umount /mnt
rmmod ext2
meminfo
bench raw -n 16 -r 2 vda big 1 8
bench raw -r 2 -s vda seq
meminfo
bench ext2 /mnt/big 1
bench ext2 /etc/motd 1
bench ext2 /etc/motd 0
bench ext2 -s /etc/motd 8
bench raw vda nosuch 1
bench raw vdz big 1
bench raw -m vda big 1
bench raw -n 4096 vda big 1 8
meminfo
SCRIPT

n='[0-9]+'
q='[0-9]+\.[0-9]{2}'
times="ns=$n instructions=$n idle_ns=$n requests=$n peak=$n verified=$n"

# lines N: the lines of command N that start "bench: ".
lines() { output_of "$1" | grep '^bench: '; }
# all_match N REGEX COUNT: command N printed COUNT "bench:" lines, and
# every one matches REGEX.
all_match() {
  local out
  out=$(lines "$1")
  [ "$(wc -l <<< "$out")" = "$3" ] && ! grep -Evq -- "$2" <<< "$out"
}
# verified N: in every run line of command N, verified= equals the blocks
# read (ops=, or bytes= / 4096).
verified() {
  lines "$1" | grep ' run=' | awk '{
    for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
    want = ("ops" in f) ? f["ops"] : f["bytes"] / 4096
    if (f["verified"] != want) bad = 1
    delete f
  } END { exit bad }'
}
# one_request N: every random read of command N was one disk request.
one_request() {
  lines "$1" | grep ' run=' | awk '{
    for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
    if (f["requests"] != f["ops"]) bad = 1
    delete f
  } END { exit bad }'
}

check "memory: one line for futures, then one for threads" \
  all_match 4 "^bench: ext2 (memory /mnt/big reads=8 in_flight=$n kmalloc_per_read=$q bytes_per_read=$q|thread_memory /mnt/big threads=8 in_flight=$n kmalloc_per_thread=$q bytes_per_thread=$q stack=$n)\$" 2
check "memory: the futures' line first" \
  grep -q '^bench: ext2 memory ' <<< "$(lines 4 | head -1)"
check "random, async: 2 runs x 2 depths, well formed" \
  all_match 5 "^bench: ext2 random /mnt/big depth=(1|8) run=(1|2) ops=16 size=4096 $times\$" 4
check "random, async: the depths take turns within each run" \
  test "$(lines 5 | sed 's/.* depth=\([0-9]*\) run=\([0-9]*\) .*/\2:\1/' | tr '\n' ' ')" = "1:1 1:8 2:1 2:8 "
check "random, async: every block verified" verified 5
check "random, async: every read reached the disk once" one_request 5
check "sequential, async: 2 runs of the whole file, every block verified" \
  eval 'all_match 6 "^bench: ext2 seq /mnt/seq run=(1|2) bytes=524288 $times\$" 2 && verified 6'
check "random, sync_io=1: well formed, every block verified" \
  eval 'all_match 11 "^bench: ext2 random /mnt/big depth=(1|8) run=(1|2) ops=16 size=4096 $times\$" 4 && verified 11'
check "random, sync_io=1: the disk never held two requests" \
  eval '! lines 11 | grep -vq " peak=1 "'
check "raw random: the floor first, then the runs, well formed, every block verified, one request each" \
  eval 'all_match 15 "^bench: raw (floor copy_4k=$n alloc_4k=$n|random vda big depth=(1|8) run=(1|2) ops=16 size=4096 $times)\$" 5 && lines 15 | head -1 | grep -q "^bench: raw floor " && verified 15 && one_request 15'
check "raw sequential: 4 KiB and big requests, 2 runs each, verified" \
  eval 'all_match 16 "^bench: raw seq vda seq request=(4096 depth=32|1048576 depth=4) run=(1|2) bytes=524288 $times\$" 4 && verified 16'
for key in PagesFree KmallocBytes; do
  a=$(meminfo_value 14 $key)
  b=$(meminfo_value 17 $key)
  check "$key back where it was after the raw runs ($a, $b)" \
    test -n "$a" -a "$a" = "$b"
done
check "a missing file is refused with one line" \
  test "$(output_of 18)" = "bench ext2: /mnt/big: No such file or directory"
check "a file not made for the benchmark is refused" \
  grep -q '^bench ext2: /etc/motd is not a file tools/bench_ext2_tree.py made (usage: ' <<< "$(output_of 19)"
check "depth 0, -s with a depth, a missing NAME, a missing disk, an unknown option: one line each" \
  eval 'for i in 20 21 22 23 24; do test "$(output_of $i | wc -l)" = 1 || exit 1; done'
check "too few blocks for distinct reads is refused, naming the need" \
  grep -q "^bench raw: 'big' has 256 blocks; 2 depths x 5 runs of 4096 distinct reads, and a warm-up, need 45056 (usage: " <<< "$(output_of 25)"
for key in PagesFree KmallocBytes; do
  a=$(meminfo_value 17 $key)
  b=$(meminfo_value 26 $key)
  check "$key unchanged by the refused commands ($a, $b)" \
    test -n "$a" -a "$a" = "$b"
done
expect_line '^script: 26 commands, 8 failed$' "only the bad commands failed"
finish
