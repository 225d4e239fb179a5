#!/usr/bin/env bash
# ext2.t - the ext2 module on real QEMU disks, judged by e2fsprogs.
#
# Images are made on the host with mke2fs -d from trees tools/ext2img.py
# generates; after each boot the host's e2fsck -fn must find nothing and
# debugfs must read back what Keel wrote.
#
#   1. A tree with every corner (1 KiB blocks, several groups) on vda and
#      an empty 4 KiB-block volume on vdb: insmod, mount both, ls -l, cat,
#      cd, echo > and >>, mkdir, mv, rm, rmdir, rmmod refused while
#      mounted, every file copied from vda to vdb with cat, umount, rmmod,
#      memory back where it was.  On the host: both images clean, vdb holds
#      exactly the tree's files.
#   2. A seeded random workload (creates, writes, appends, copies over,
#      mkdir, rmdir, rm, mv of files and directories) run in the guest
#      and applied to a model on the host: the image must equal the model.
#      Once with 1 KiB blocks, once with 4 KiB blocks in synchronous mode,
#      once with a cache of 16 blocks (cache_blocks=16).
#   3. Bad input: ext4 features, a corrupt group descriptor and a missing
#      disk refused at mount with one line naming the problem; a corrupt
#      directory gives an I/O error for that directory only; bad module
#      parameters refused; no panic, memory back where it was.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ext2_lib.sh"
: "${TIMEOUT:=120}"

ext2_tools_or_skip

plan 42
make -s -C "$ROOT" modules
TOOL="python3 $ROOT/tools/ext2img.py"

# ---- 1. the scenario ------------------------------------------------------

$TOOL tree "$WORK/tree"
mke2fs -q -F -t ext2 -b 1024 -g 2048 -d "$WORK/tree" "$WORK/vda.img" 32M
mke2fs -q -F -t ext2 -b 4096 -g 2048 "$WORK/vdb.img" 32M
# Copies are made at the end, of what is still there then.
$TOOL copy-script "$WORK/tree" /mnt /out | grep -v hello.txt > "$WORK/copy"

boot DISK="$WORK/vda.img,$WORK/vdb.img" <<SCRIPT
mkdir /mnt
mkdir /out
meminfo
insmod /lib/modules/ext2.ko
mount -t ext2 /dev/vda /mnt
mount -t ext2 /dev/vdb /out
ls -l /mnt
cat /mnt/hello.txt
cat /mnt/fast_link > /mnt/link_copy.txt
echo >> /mnt/link_copy.txt
cat /mnt/link_copy.txt
cd /mnt/dir
ls
cd /
ls /mnt/level0/level1/level2
echo written by keel > /mnt/new.txt
echo appended >> /mnt/new.txt
cat /mnt/new.txt
mkdir /mnt/newdir
mv /mnt/new.txt /mnt/newdir/moved.txt
rm /mnt/hello.txt
rmdir /mnt/emptydir
rmmod ext2
$(cat "$WORK/copy")
df
umount /out
umount /mnt
rmmod ext2
meminfo
SCRIPT
NCOPY=$(wc -l < "$WORK/copy")
LAST=$((28 + NCOPY))
expect_line '^script: [0-9]+ commands, 1 failed$' \
  "every command succeeds but the refused rmmod"
check "the copies are all there" test "$NCOPY" -gt 400
expect_line 'ext2: vda: mounted, 1 KiB blocks, 16 groups' "vda mounts: 1 KiB blocks, 16 groups"
expect_line 'ext2: vdb: mounted, 4 KiB blocks, 4 groups' "vdb mounts: 4 KiB blocks, 4 groups"
ls_shows() { said 7 | grep -Eq -- "$1"; }
check "ls -l shows the large file's size" ls_shows ' 5242897 large$'
check "ls -l shows the sparse file's size" ls_shows ' 73400345 sparse$'
check "ls -l lists the 255-byte name" ls_shows ' L{255}$'
check "cat reads a file" test "$(said 8)" = "hello from the host"
check "cat follows a symlink to its file" test "$(said 11)" = "hello from the host"
check "cd and ls list a directory" test "$(said 13)" = "notes.txt"
check "deep directories resolve" test "$(said 15)" = "level3/"
check "echo > and >> write and append" \
  test "$(said 18)" = "$(printf 'written by keel\nappended')"
expect_line '^rmmod: ERROR: Module ext2 is in use by mounts$' \
  "rmmod is refused while mounted"
check "df shows both volumes" sh -c "grep -q '^/dev/vda ' '$LOG' && grep -q '^/dev/vdb ' '$LOG'"
expect_line 'module: ext2 unloaded' "rmmod after umount unloads"
check "memory is back where it was" \
  test "$(meminfo_value 3 KmallocBytes)" = "$(meminfo_value $LAST KmallocBytes)"
expect_no_line 'panic|oops|Oops' "no panic"
check "e2fsck finds vda clean" fsck_clean "$WORK/vda.img"
check "e2fsck finds vdb clean" fsck_clean "$WORK/vdb.img"
check "debugfs reads what echo wrote" \
  image_has "$WORK/vda.img" /newdir/moved.txt "$(printf 'written by keel\nappended')"
check "removed names are gone" \
  sh -c "! debugfs -R 'stat /hello.txt' '$WORK/vda.img' 2>&1 | grep -q Inode:"
# vdb holds every copied file, byte for byte.
copied_ok() {
  local src dst n=0
  rm -rf "$WORK/dump" && mkdir "$WORK/dump"
  debugfs -R "rdump / $WORK/dump" "$WORK/vdb.img" >/dev/null 2>&1 || return 1
  while read -r _ src _ dst; do
    cmp -s "$WORK/tree/${src#/mnt/}" "$WORK/dump/${dst#/out/}" ||
      { echo "# differs: ${src#/mnt/}"; return 1; }
    n=$((n + 1))
  done < <(grep '^cat ' "$WORK/copy")
  echo "# $n files compared"
  [ "$n" -gt 400 ]
}
check "every file read in the guest equals the host's" copied_ok

# ---- 2. random workloads ---------------------------------------------------

workload() { # SEED STEPS MKE2FS-OPTIONS INSMOD-PARAMETERS
  mkdir -p "$WORK/empty"
  $TOOL workload "$1" "$2" "$WORK/model" "$WORK/workload"
  rm -f "$WORK/w.img"
  mke2fs -q -F -t ext2 $3 -d "$WORK/empty" "$WORK/w.img" 24M
  boot DISK="$WORK/w.img" <<SCRIPT
insmod /lib/modules/ext2.ko $4
mkdir /mnt
mount -t ext2 /dev/vda /mnt
$(cat "$WORK/workload")
umount /mnt
rmmod ext2
SCRIPT
}

workload 11 400 "-b 1024 -g 1024" ""
expect_status 0 "a 400-step workload runs (1 KiB blocks)"
check "e2fsck finds it clean" fsck_clean "$WORK/w.img"
check "the image equals the model" image_equals "$WORK/w.img" "$WORK/model"

workload 12 400 "-b 4096 -g 1024" "sync_io=1"
expect_status 0 "a 400-step workload runs (4 KiB blocks, synchronous mode)"
check "e2fsck finds it clean" fsck_clean "$WORK/w.img"
check "the image equals the model" image_equals "$WORK/w.img" "$WORK/model"

# A cache of 16 buffers: blocks are evicted and read again all the time,
# while their writes are in flight and while metadata waits for sync.
workload 13 400 "-b 1024 -g 1024" "cache_blocks=16"
expect_status 0 "a 400-step workload runs (a cache of 16 blocks)"
check "e2fsck finds it clean" fsck_clean "$WORK/w.img"
check "the image equals the model" image_equals "$WORK/w.img" "$WORK/model"

# ---- 3. bad input -----------------------------------------------------------

rm -f "$WORK/ext4.img" "$WORK/gd.img" "$WORK/dir.img"
mke2fs -q -F -t ext4 "$WORK/ext4.img" 16M
mke2fs -q -F -t ext2 -b 1024 -d "$WORK/tree" "$WORK/gd.img" 16M
cp "$WORK/gd.img" "$WORK/dir.img"
# gd.img: group 0's inode table pointer (block 2, byte 8) far past the group.
printf '\xff\xff\xff\x00' | dd of="$WORK/gd.img" bs=1 seek=$((2 * 1024 + 8)) conv=notrunc 2>/dev/null
# dir.img: the rec_len of ".." in /dir's first block becomes 0.
DIRBLOCK=$(debugfs -R "bmap /dir 0" "$WORK/dir.img" 2>/dev/null)
printf '\x00\x00' | dd of="$WORK/dir.img" bs=1 seek=$((DIRBLOCK * 1024 + 16)) conv=notrunc 2>/dev/null

boot DISK="$WORK/ext4.img,$WORK/gd.img,$WORK/dir.img" <<'SCRIPT'
mkdir /mnt
meminfo
insmod /lib/modules/ext2.ko depth=99
insmod /lib/modules/ext2.ko
mount -t ext2 /dev/vda /mnt
mount -t ext2 /dev/vdb /mnt
mount -t ext2 /dev/vdd /mnt
mount -t ext2 -o noatime /dev/vdc /mnt
mount -t ext2 /dev/vdc /mnt
ls /mnt/dir
cat /mnt/dir/notes.txt
cat /mnt/hello.txt
umount /mnt
rmmod ext2
meminfo
SCRIPT
expect_line '^script: 15 commands, 7 failed$' "exactly the bad commands fail"
expect_line 'ext2: depth must be 1\.\.64, not 99' "a bad parameter is refused by name"
expect_line 'ext2: vda: incompatible features not supported: .*extents' \
  "ext4 features are refused by name"
expect_line 'ext2: vdb: group 0: inode table [0-9]+\.\.[0-9]+ outside the group' \
  "a corrupt group descriptor is refused with what is wrong"
expect_line "ext2: no disk named '/dev/vdd'" "a missing disk is named"
expect_line "ext2: unknown mount option in 'noatime'" "an unknown option is named"
expect_line 'ext2: vdc: directory entry at offset 12: rec_len 0' \
  "a corrupt directory is named in the log"
io_error() { said 10 | grep -q '^ls: /mnt/dir: Input/output error$'; }
check "the corrupt directory gives an I/O error" io_error
check "the rest of the volume still reads" test "$(said 12)" = "hello from the host"
check "memory is back where it was" \
  test "$(meminfo_value 2 KmallocBytes)" = "$(meminfo_value 15 KmallocBytes)"
expect_no_line 'panic|oops|Oops' "no panic"
finish
