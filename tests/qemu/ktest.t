#!/usr/bin/env bash
# ktest.t - the in-kernel KTAP suites (threads, wait queues, mutexes,
# preemption, memory) on 1, 2 and 4 harts.  Each suite's result becomes one
# TAP line; the KTAP of a failing run is printed with the console log.
. "$(dirname "$0")/lib.sh"
suites="mm sched"
plan $((3 * (1 + $(echo $suites | wc -w))))

for n in 1 2 4; do
  CPUS=$n boot BOOTARGS=quiet <<'SCRIPT'
ktest
SCRIPT
  expect_status 0 "CPUS=$n: ktest passes"
  for s in $suites; do
    expect_line "^ok [0-9]+ $s$" "CPUS=$n: suite $s"
  done
done
finish
