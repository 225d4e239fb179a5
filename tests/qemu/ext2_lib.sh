# ext2_lib.sh - what the ext2 scenarios share (sourced after lib.sh).
#
#   ext2_tools_or_skip    skip the whole file (TAP "1..0 # SKIP") without
#                         e2fsprogs; call before `plan`
#   said N                command N's output without kernel log lines
#   fsck_clean IMAGE      e2fsck -fn has nothing to say (else prints it)
#   image_has IMAGE PATH TEXT   debugfs reads TEXT from PATH
#   image_equals IMAGE MODEL    debugfs's dump of the tree equals folder
#                               MODEL (lost+found aside)

ext2_tools_or_skip() {
  if ! command -v mke2fs >/dev/null || ! command -v e2fsck >/dev/null ||
     ! command -v debugfs >/dev/null; then
    echo "1..0 # SKIP e2fsprogs (mke2fs, e2fsck, debugfs) not installed"
    exit 0
  fi
}

said() { output_of "$1" | grep -v '^\[ *[0-9.]*\] '; }

fsck_clean() {
  local out
  out=$(e2fsck -fn "$1" 2>&1)
  local status=$?
  if [ $status -ne 0 ] || printf '%s\n' "$out" |
       grep -v '^e2fsck \|^Pass [1-5]\|files (' | grep -q .; then
    printf '%s\n' "$out" | sed 's/^/# e2fsck: /'
    return 1
  fi
}

image_has() {
  [ "$(debugfs -R "cat $2" "$1" 2>/dev/null)" = "$3" ]
}

image_equals() {
  rm -rf "$WORK/dump" && mkdir "$WORK/dump"
  debugfs -R "rdump / $WORK/dump" "$1" >/dev/null 2>&1 || return 1
  rmdir "$WORK/dump/lost+found" 2>/dev/null
  diff -r --no-dereference "$2" "$WORK/dump" | head -20 | sed 's/^/# diff: /' |
    grep . && return 1
  return 0
}
