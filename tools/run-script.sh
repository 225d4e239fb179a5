#!/bin/sh
# run-script.sh TIMEOUT QEMU-COMMAND... - run a scripted boot of Keel.
#
# The kernel runs /etc/script (from the initramfs) line by line and powers
# off through QEMU's test device with status 0 when every command succeeded,
# 1 otherwise; QEMU exits with that status, and so does this script.  A run
# that takes longer than TIMEOUT seconds is killed and reported, exit 124.
# The console output goes to standard output as it comes.
set -u
limit=$1
shift
timeout --foreground -k 5 "$limit" "$@" < /dev/null
status=$?
if [ "$status" = 124 ] || [ "$status" = 137 ]; then
  echo
  echo "run-script: timed out after ${limit}s" >&2
  exit 124
fi
exit "$status"
