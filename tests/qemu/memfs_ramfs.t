#!/usr/bin/env bash
# memfs_ramfs.t - the built-in ramfs and memfs.ko are one filesystem
# (kernel/fs/ramfs_core/ compiled twice): the same steps, run on a ramfs
# mount and on a memfs mount, print the same thing but for the names; the
# size limit, holes and option errors work in both; and unloading memfs
# gives back all it took.
. "$(dirname "$0")/lib.sh"
plan 13
make -s -C "$ROOT" modules

# The steps, on the filesystem mounted at $1 (with -o size=8K).  Two small
# files fill the two chunks the limit allows, so the third is refused.
steps() {
  cat <<EOF
echo hello > $1/a
echo more >> $1/a
mkdir $1/d
mv $1/a $1/d/b
cat $1/d/b
ls -l $1/d
echo second > $1/c
echo third > $1/e
ls $1
df
mkdir $1/sub
mount -t $2 -o bogus none $1/sub
mount -t $2 -o size=12Q none $1/sub
mount -t $2 -o size=4K,,size=0x2000 none $1/sub
umount $1/sub
rm $1/e
rm $1/c
rm $1/d/b
rmdir $1/d $1/sub
ls $1
EOF
}
STEPS=$(steps /x x | wc -l)
DF=9                               # df lists both mounts: compared apart
FIRST_RAMFS=7                      # the command number of ramfs's first step
FIRST_MEMFS=$((FIRST_RAMFS + STEPS))
LAST=$((FIRST_MEMFS + STEPS + 5))  # the last meminfo

{
  cat <<'EOF'
meminfo
insmod /lib/modules/memfs.ko
mkdir /r
mkdir /m
mount -t ramfs -o size=8K none /r
mount -t memfs -o size=8K none /m
EOF
  steps /r ramfs
  steps /m memfs
  cat <<'EOF'
umount /r
umount /m
rmdir /r /m
rmmod memfs
lsmod
meminfo
EOF
} | boot

# What command N printed, log lines included but without their times.
printed() { output_of "$1" | sed -E 's/^\[ *[0-9.]+\] //'; }
# Whether command N printed a line matching REGEX.
printed_line() { printed "$1" | grep -Eq -- "$2"; }
# Everything the ramfs steps printed, named as on memfs; the memfs steps'.
ramfs_said() {
  for i in $(seq 0 $((STEPS - 1))); do
    echo "step $i:"
    [ "$i" = "$DF" ] ||
      printed $((FIRST_RAMFS + i)) | sed 's#/r\b#/m#g; s/ramfs/memfs/g'
  done
}
memfs_said() {
  for i in $(seq 0 $((STEPS - 1))); do
    echo "step $i:"
    [ "$i" = "$DF" ] || printed $((FIRST_MEMFS + i))
  done
}
diff <(ramfs_said) <(memfs_said) > "$WORK/diff"
check "every step prints the same on ramfs and on memfs" test ! -s "$WORK/diff"
sed 's/^/# /' "$WORK/diff"

check "contents survive append and rename" \
  test "$(printed $((FIRST_MEMFS + 4)))" = "$(printf 'hello\nmore')"
check "ls -l shows the renamed file's size" \
  printed_line $((FIRST_MEMFS + 5)) '^-rw-r--r-- +1 +0 +0 +11 b$'
check "ramfs: a third chunk is over size=8K" \
  printed_line $((FIRST_RAMFS + 7)) 'No space left on device'
check "memfs: a third chunk is over size=8K" \
  printed_line $((FIRST_MEMFS + 7)) 'No space left on device'
check "df shows ramfs's limit, full" \
  printed_line $((FIRST_RAMFS + DF)) '^none +8 +8 +0 +100% /r$'
check "df shows memfs's limit, full" \
  printed_line $((FIRST_MEMFS + DF)) '^none +8 +8 +0 +100% /m$'
check "an unknown option is refused in one line naming the type and option" \
  printed_line $((FIRST_MEMFS + 11)) "^memfs: unknown mount option 'bogus'$"
check "a bad size is refused in one line naming it" \
  printed_line $((FIRST_MEMFS + 12)) "^memfs: bad size in 'size=12Q'"
check "empty options are skipped, hex sizes read, the last size wins" \
  test -z "$(printed $((FIRST_RAMFS + 13)))$(printed $((FIRST_MEMFS + 13)))"
check "everything removed, the mounts are empty" \
  test -z "$(printed $((FIRST_RAMFS + STEPS - 1)))$(printed $((FIRST_MEMFS + STEPS - 1)))"
check "insmod, two mounts, umount, rmmod: kmalloc use as it was" \
  test "$(meminfo_value 1 KmallocBytes)" = "$(meminfo_value $LAST KmallocBytes)"
check "and free pages as they were" \
  test "$(meminfo_value 1 PagesFree)" = "$(meminfo_value $LAST PagesFree)"
finish
