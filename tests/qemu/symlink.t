#!/usr/bin/env bash
# symlink.t - symbolic links in the shell, on the ramfs root and on ext2.
#
# ramfs: ln -s, cat through a link, ls -l showing "l" and "name -> target",
# readlink, rm of the link (not its file), ln without -s refused.  ext2:
# an image made by mke2fs -d from a host tree holding a fast link (target
# in the inode), a slow one (target in a block), an absolute one and a
# loop; the guest reads them all, follows a ramfs link into ext2, makes
# fast, slow, absolute and dangling links, creates a file through the
# dangling one, removes a slow link, and gets "Too many levels of symbolic
# links" and "Not a directory" where it should.  On the host: e2fsck -fn
# finds the image clean, and debugfs `stat` shows the new links' type and
# targets.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ext2_lib.sh"
: "${TIMEOUT:=90}"

ext2_tools_or_skip

plan 30
make -s -C "$ROOT" modules

SLOW=$(printf 'dir/../%.0s' 1 2 3 4 5 6 7 8 9 10)dir/notes.txt     # 83 bytes
NEW_SLOW=$(printf './%.0s' $(seq 1 40))hello.txt                  # 89 bytes
GONE=$(printf 'gone/%.0s' $(seq 1 20))                            # 100 bytes
mkdir -p "$WORK/tree/dir"
echo "hello from the host" > "$WORK/tree/hello.txt"
echo "notes" > "$WORK/tree/dir/notes.txt"
ln -s hello.txt "$WORK/tree/fast_link"
ln -s "$SLOW" "$WORK/tree/slow_link"
ln -s /mnt/dir "$WORK/tree/abs_link"
ln -s loop "$WORK/tree/loop"
mke2fs -q -F -t ext2 -b 1024 -d "$WORK/tree" "$WORK/vda.img" 8M

boot DISK="$WORK/vda.img" <<SCRIPT
mkdir /r
echo ramfs > /r/file
ln -s file /r/link
ln -s /mnt/fast_link /r/to_ext2
cat /r/link
ls -l /r
readlink /r/to_ext2
rm /r/link
ls /r
ln /r/file /r/hard
mkdir /mnt
meminfo
insmod /lib/modules/ext2.ko
mount -t ext2 /dev/vda /mnt
ls -l /mnt
cat /mnt/fast_link
cat /mnt/slow_link
readlink /mnt/slow_link
cat /mnt/abs_link/notes.txt
cat /r/to_ext2
cat /mnt/loop
ln -s hello.txt /mnt/new_fast
ln -s $NEW_SLOW /mnt/new_slow
ln -s /mnt/dir /mnt/dir_abs
cat /mnt/new_slow
ls /mnt/dir_abs
readlink /mnt/new_fast
ln -s nowhere /mnt/dangling
cat /mnt/dangling
echo made through a link > /mnt/dangling
cat /mnt/nowhere
ln -s $GONE /mnt/gone
rm /mnt/gone
ls -l /mnt/new_fast
rmdir /mnt/dir_abs
umount /mnt
rmmod ext2
meminfo
SCRIPT
expect_line '^script: 38 commands, 4 failed$' "every command succeeds but the four refused"

# ramfs
check "cat follows a ramfs link" test "$(said 5)" = "ramfs"
said_matches() { said "$1" | grep -Eq -- "$2"; }
check "ls -l shows a ramfs link with l and its target" \
  said_matches 6 '^lrwxrwxrwx +1 .* link -> file$'
check "readlink prints the target" test "$(said 7)" = "/mnt/fast_link"
check "rm removes the link, not its file" test "$(said 9 | tr '\n' ' ')" = "file to_ext2 "
expect_line '^ln: hard links are not supported: use ln -s' "ln without -s is refused by name"

# ext2: what mke2fs copied
ls_mnt() { said 15 | grep -Eq -- "$1"; }
check "ls -l shows the fast link" ls_mnt '^lrwxrwxrwx +1 +0 +0 +9 fast_link -> hello.txt$'
check "ls -l shows the slow link" ls_mnt "^lrwxrwxrwx +1 +0 +0 +83 slow_link -> $SLOW\$"
check "ls -l shows the absolute link" ls_mnt '^l.* abs_link -> /mnt/dir$'
check "cat follows a fast link" test "$(said 16)" = "hello from the host"
check "cat follows a slow link" test "$(said 17)" = "notes"
check "readlink reads a slow link's block" test "$(said 18)" = "$SLOW"
check "an absolute link in the middle of a path" test "$(said 19)" = "notes"
check "a ramfs link into ext2 and on through an ext2 link" \
  test "$(said 20)" = "hello from the host"
expect_line '^cat: /mnt/loop: Too many levels of symbolic links$' "a loop gives ELOOP"

# ext2: made in the guest
check "cat follows a new slow link" test "$(said 25)" = "hello from the host"
check "ls through a new absolute link" test "$(said 26)" = "notes.txt"
check "readlink of a new fast link" test "$(said 27)" = "hello.txt"
expect_line '^cat: /mnt/dangling: No such file or directory$' "a dangling link names nothing"
check "a file is made through a dangling link" test "$(said 31)" = "made through a link"
check "ls -l of a link names it" \
  said_matches 34 '^lrwxrwxrwx .* /mnt/new_fast -> hello.txt$'
expect_line '^rmdir: /mnt/dir_abs: Not a directory$' "rmdir refuses a link to a directory"
check "memory is back where it was" \
  test "$(meminfo_value 12 KmallocBytes)" = "$(meminfo_value 38 KmallocBytes)"
expect_no_line 'panic|oops|Oops' "no panic"

# The host's view
check "e2fsck finds the image clean" fsck_clean "$WORK/vda.img"
stat_shows() { # PATH REGEX...: debugfs's stat of PATH matches every one
  local out
  out=$(debugfs -R "stat $1" "$WORK/vda.img" 2>/dev/null) || return 1
  shift
  for re in "$@"; do printf '%s\n' "$out" | grep -Eq -- "$re" || return 1; done
}
check "debugfs: a fast symlink with its target in the inode" \
  stat_shows /new_fast 'Type: symlink' 'Fast link dest: "hello.txt"' 'Blockcount: 0'
check "debugfs: a slow symlink holding one block" \
  stat_shows /new_slow 'Type: symlink' 'Blockcount: 2' "Size: ${#NEW_SLOW}\$"
check "debugfs reads the slow link's target" image_has "$WORK/vda.img" /new_slow "$NEW_SLOW"
check "the file made through the link is there" \
  image_has "$WORK/vda.img" /nowhere "made through a link"
check "the removed slow link is gone" \
  sh -c "! debugfs -R 'stat /gone' '$WORK/vda.img' 2>&1 | grep -q Inode:"
finish
