#!/usr/bin/env bash
# panic.t - kernel faults print an oops with named functions and stop the
# machine with a failure status instead of hanging.
. "$(dirname "$0")/lib.sh"
plan 12

crash() {
  boot <<SCRIPT
crash $1
SCRIPT
}

crash null
expect_failure "crash null: machine stops with status 1"
expect_line '^Oops: store page fault at [0-9a-f]+ \(address 0000000000000000\)' "crash null: oops names the fault and address"
expect_line '^ epc: [0-9a-f]+ write_null\+0x' "crash null: faulting function named"
expect_line '\] shell_execute\+0x' "crash null: backtrace names its callers"
expect_line '^---\[ end Kernel panic \]---$' "crash null: panic trailer"

crash stack
expect_failure "crash stack: machine stops"
expect_line '^Oops: kernel stack overflow on hart [0-9]+' "crash stack: the guard page caught the overflow"

crash text
expect_line '^Oops: store page fault .* on hart' "crash text: kernel text is not writable"

crash rodata
expect_line '^Oops: store page fault' "crash rodata: rodata is not writable"

crash exec
expect_line '^Oops: instruction page fault' "crash exec: data is not executable"

crash panic
expect_line '^Kernel panic on hart [0-9]+: crash: panic requested' "crash panic: message printed"
expect_failure "crash panic: machine stops"
finish
