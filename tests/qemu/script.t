#!/usr/bin/env bash
# script.t - `make run SCRIPT=file`: each line echoed as "$ line", comments
# and blank lines skipped, exit status 0 only when every command succeeded.
. "$(dirname "$0")/lib.sh"
plan 6

boot <<'SCRIPT'
# a comment

echo one
   echo two
SCRIPT
expect_status 0 "all commands succeed: status 0"
expect_line '^\$ echo one$' "lines are echoed with \$"
expect_no_line '^\$ # a comment' "comments are not run"
expect_line '^script: 2 commands, 0 failed$' "summary line"

boot <<'SCRIPT'
echo before
nosuchcommand
echo after
SCRIPT
expect_failure "one failing command: status 1"
expect_line '^after$' "the script goes on after a failure"
finish
