#!/usr/bin/env bash
# boot.t - Keel boots on 1, 2, 4 and 8 harts and every hart comes online.
. "$(dirname "$0")/lib.sh"
plan 12

for n in 1 2 4 8; do
  CPUS=$n boot <<'SCRIPT'
uptime
SCRIPT
  expect_status 0 "CPUS=$n: script runs and powers off with status 0"
  expect_line "^\[ *[0-9.]+\] smp: $n of $n harts online" "CPUS=$n: all $n harts online"
  expect_line "^up [0-9.]+ s, $n harts online" "CPUS=$n: uptime sees $n harts"
done
finish
