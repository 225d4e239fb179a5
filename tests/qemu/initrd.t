#!/usr/bin/env bash
# initrd.t - a missing or corrupt initrd gives one warning and an empty root,
# and the shell still works (typed on the serial console).
. "$(dirname "$0")/lib.sh"
plan 8

boot_interactive INITRD=none <<'KEYS'

ls /
echo still alive
poweroff
KEYS
expect_status 0 "no initrd: the shell runs and powers off"
expect_line 'initramfs: no initrd; root is empty' "no initrd: one warning"
expect_line '^still alive$' "no initrd: commands typed on the console run"
expect_no_line '^etc/$' "no initrd: the root is empty"

head -c 3000 /dev/urandom > "$WORK/garbage.cpio"
boot_interactive INITRD="$WORK/garbage.cpio" <<'KEYS'

ls /
poweroff
KEYS
expect_status 0 "corrupt initrd: the shell runs and powers off"
expect_line 'initramfs: corrupt cpio archive' "corrupt initrd: one warning naming the problem"
expect_no_line '^etc/$' "corrupt initrd: the root is empty"

# A truncated but otherwise valid archive is refused whole.
make -s -C "$ROOT" build/initramfs.cpio
head -c 200 "$ROOT/build/initramfs.cpio" > "$WORK/short.cpio"
boot_interactive INITRD="$WORK/short.cpio" <<'KEYS'

ls /
poweroff
KEYS
expect_line 'initramfs: .*(truncated|corrupt)' "truncated initrd: refused with a warning"
finish
