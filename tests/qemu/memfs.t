#!/usr/bin/env bash
# memfs.t - a filesystem module mounted, used and unloaded: a mount holds
# its module (rmmod refused while mounted), and everything is given back.
. "$(dirname "$0")/lib.sh"
plan 22
make -s -C "$ROOT" modules
# What command N printed, without the kernel's log lines.
said() { output_of "$1" | grep -v '^\[ *[0-9.]*\] '; }
# Whether command N printed a line matching REGEX.
said_line() { said "$1" | grep -Eq -- "$2"; }

boot <<'SCRIPT'
meminfo
insmod /lib/modules/memfs.ko
mkdir /m
mount -t memfs none /m
echo hello memfs > /m/greeting
echo again >> /m/greeting
mkdir /m/dir
echo inner > /m/dir/file
mv /m/dir/file /m/dir/moved
cat /m/greeting
cat /m/dir/moved
ls /m/dir
lsmod
rmmod memfs
mount
df
echo short > /m/greeting
cat /m/greeting
rm /m/greeting
rm /m/dir/moved
rmdir /m/dir
ls /m
umount /m
rmmod memfs
lsmod
mount -t memfs none /m
rmdir /m
meminfo
insmod /lib/modules/memfs.ko forget_unregister=1
rmmod memfs
meminfo
SCRIPT
expect_line '^\[ *[0-9.]+\] vfs: filesystem type memfs registered by module memfs$' \
  "the kernel records which module registered the type"
check "reads back what was written and appended" \
  test "$(said 10)" = "$(printf 'hello memfs\nagain')"
check "a renamed file keeps its contents" test "$(said 11)" = "inner"
check "ls lists the renamed entry" said_line 12 '^moved$'
check "lsmod counts the mount under Used by" said_line 13 '^memfs +[0-9]+  1$'
check "rmmod is refused while mounted" \
  test "$(said 14)" = "rmmod: ERROR: Module memfs is in use by mounts"
check "mount lists the memfs instance" said_line 15 '^none on /m type memfs'
check "df shows the memfs instance" said_line 16 ' /m$'
check "> truncates before writing" test "$(said 18)" = "short"
check "rm, rm and rmdir leave the root empty" test -z "$(said 22)"
check "umount succeeds" test -z "$(said 23)"
check "rmmod succeeds after umount" test -z "$(said 24)"
check "memfs is gone from lsmod" bash -c "! grep -q '^memfs' <<< \"$(said 25)\""
check "the type went with the module" \
  said_line 26 "^mount: unknown filesystem type 'memfs'"
check "insmod .. rmmod leaves free pages as they were" \
  test "$(meminfo_value 1 PagesFree)" = "$(meminfo_value 28 PagesFree)"
check "insmod .. rmmod leaves kmalloc use as it was" \
  test "$(meminfo_value 1 KmallocBytes)" = "$(meminfo_value 28 KmallocBytes)"
expect_line '^\[ *[0-9.]+\] vfs: module memfs left filesystem type memfs registered; unregistering it$' \
  "a type left registered is removed at rmmod, with a warning"
check "the forgetful module unloads" test -z "$(said 30)"
check "and leaves free pages as they were" \
  test "$(meminfo_value 1 PagesFree)" = "$(meminfo_value 31 PagesFree)"
check "and kmalloc use as it was" \
  test "$(meminfo_value 1 KmallocBytes)" = "$(meminfo_value 31 KmallocBytes)"
expect_no_line 'panic|oops' "no panic"
# 26 fails (unknown type) and 14 (in use): two failed commands.
expect_line '^script: 31 commands, 2 failed$' "exactly the two refused commands fail"
finish
