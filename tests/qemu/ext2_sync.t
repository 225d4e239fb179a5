#!/usr/bin/env bash
# ext2_sync.t - `sync` writes a mounted ext2 volume back without unmounting.
#
# A seeded random workload (tools/ext2img.py: creates, writes, appends,
# copies, mkdir, rmdir, rm, mv) runs on a mounted volume, then `sync`, then
# the kernel panics on purpose (`crash panic`): no umount, and none of the
# write-back a clean poweroff would do.  On the host the image must be what
# an unmount would have left: e2fsck -fn finds nothing wrong (the volume
# still says "not clean", which is no damage), and debugfs reads back a
# tree equal to the workload's model, byte for byte.  The same boot without
# the `sync` is the control: the crash loses the work (metadata stays in
# the cache until a write-back), so the checks above can fail.
#
# File times: mke2fs dates the volume to 2001 (E2FSPROGS_FAKE_TIME), and a
# file the guest creates must carry the host's time within a minute, as
# debugfs reads it: Keel's wall clock is QEMU's goldfish RTC
# (kernel/drivers/rtc.c), not the volume's last write time.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ext2_lib.sh"
: "${TIMEOUT:=120}"

ext2_tools_or_skip

plan 12
make -s -C "$ROOT" modules
TOOL="python3 $ROOT/tools/ext2img.py"

mkdir -p "$WORK/empty"
$TOOL workload 21 300 "$WORK/model" "$WORK/workload"
echo stamped > "$WORK/model/stamped.txt"

run() { # SYNC-COMMAND: the workload, then SYNC-COMMAND, then a panic
  rm -f "$WORK/w.img"
  E2FSPROGS_FAKE_TIME=1000000000 \
    mke2fs -q -F -t ext2 -b 1024 -g 1024 -d "$WORK/empty" "$WORK/w.img" 24M
  boot DISK="$WORK/w.img" <<SCRIPT
insmod /lib/modules/ext2.ko
mkdir /mnt
mount -t ext2 /dev/vda /mnt
$(cat "$WORK/workload")
echo stamped > /mnt/stamped.txt
$1
crash panic
SCRIPT
}

run "echo no sync"
expect_failure "control: the machine stops at the panic"
# The image's root holds lost+found and nothing else (debugfs ls -p).
root_is_bare() {
  local names
  names=$(debugfs -R 'ls -p /' "$1" 2>/dev/null) || return 1
  printf '%s\n' "$names" | grep -q '/lost+found/' || return 1
  ! printf '%s\n' "$names" |
    awk -F/ 'NF > 5 && $6 != "." && $6 != ".." && $6 != "lost+found"' | grep -q .
}
check "the model's root is not empty" test -n "$(ls "$WORK/model")"
check "control: without sync the work is lost" root_is_bare "$WORK/w.img"

HOST_TIME=$(date +%s)
run sync
expect_failure "the machine stops at the panic"
expect_line '^Kernel panic on hart [0-9]+: crash: panic requested' \
  "it stopped at the panic, after the script"
expect_no_line '^sync: ' "sync reports no error"
expect_no_line 'init: powering off' "no clean poweroff wrote anything back"
check "e2fsck finds the synced volume clean" fsck_clean "$WORK/w.img"
check "the image equals the model" image_equals "$WORK/w.img" "$WORK/model"

expect_line '^\[ *[0-9.]+\] rtc: [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} UTC \(goldfish at 101000\)$' \
  "the kernel reads the RTC at boot"
# mtime of PATH in IMAGE, in seconds since 1970 (debugfs stat).
mtime_of() {
  debugfs -R "stat $2" "$1" 2>/dev/null |
    sed -n 's/^ *mtime: 0x\([0-9a-f]*\).*/\1/p' | head -1
}
MTIME_HEX=$(mtime_of "$WORK/w.img" /stamped.txt)
MTIME=$((16#${MTIME_HEX:-0}))
echo "# host time $HOST_TIME, mtime of /stamped.txt $MTIME"
check "a file made in the guest has the host's time (within a minute)" \
  test "$MTIME" -ge $((HOST_TIME - 60)) -a "$MTIME" -le $((HOST_TIME + 60))
check "the volume's own time was 2001" \
  sh -c "dumpe2fs -h '$WORK/w.img' 2>/dev/null | grep -q '^Filesystem created: .* 2001'"
finish
