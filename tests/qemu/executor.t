#!/usr/bin/env bash
# executor.t - the kernel executor under load on four and eight harts, and
# tasks owned by a module.
#
# CPUS=4 and CPUS=8: the exec suites (thousands of tasks with random
# sleeps, woken by timer interrupts on every hart while others are polled,
# each ending exactly once; 100,000 sleeping tasks), with meminfo before
# and after equal.  Then the ticker module spawns tasks from its init:
# `tasks` names the module, rmmod is refused while they live and succeeds
# once they ended, and a module whose init fails after spawning has its
# tasks cancelled and leaves memory as it was.
. "$(dirname "$0")/lib.sh"
plan 22
TIMEOUT=240

# output_lacks N PATTERN: command N printed something, but no line matching.
output_lacks() {
  local out
  out=$(output_of "$1")
  [ -n "$out" ] && ! grep -Eq -- "$2" <<< "$out"
}

for n in 4 8; do
  CPUS=$n boot BOOTARGS=quiet <<'SCRIPT'
meminfo
ktest exec exec_stress
meminfo
tasks
SCRIPT
  expect_line '^ok [0-9]+ exec$' "CPUS=$n: suite exec"
  expect_line '^ok [0-9]+ exec_stress$' "CPUS=$n: suite exec_stress (3000 tasks, 100,000 sleepers)"
  expect_line '^    ok [0-9]+ thousands_of_tasks_end_exactly_once$' \
    "CPUS=$n: every one of 3000 tasks ends exactly once"
  for key in PagesFree KmallocBytes; do
    a=$(meminfo_value 1 $key)
    b=$(meminfo_value 3 $key)
    check "CPUS=$n: $key back to its start after the stress ($a, $b)" \
      test -n "$a" -a "$a" = "$b"
  done
  check "CPUS=$n: no test task left" output_lacks 4 ' kt-' 
  expect_line '^tasks: [0-9]+ live, [0-9]+ spawned, [0-9]+ completed, '"$n"' executor threads' \
    "CPUS=$n: one executor thread per hart"
done

CPUS=4 boot <<'SCRIPT'
meminfo
insmod /lib/modules/ticker.ko tasks=2 ticks=4 interval=150
tasks
rmmod ticker
sleep 1000
rmmod ticker
insmod /lib/modules/ticker.ko tasks=3 fail=1
tasks
meminfo
SCRIPT
expect_line '^ +[0-9]+ ticker/1 +ticker +(queued|running|waiting) ' \
  "tasks lists the module's task with its module"
expect_line '^rmmod: ERROR: Module ticker is in use by: 2 tasks$' \
  "rmmod is refused while the module's tasks live"
expect_line 'ticker: task 1 tick 4 of 4$' "the tasks ran to their end"
expect_line 'module: ticker unloaded$' "rmmod succeeds once they ended"
expect_line "^insmod: ERROR: could not insert module /lib/modules/ticker.ko: ticker's init failed" \
  "a failing init is refused"
check "the failed module's three tasks were cancelled" output_lacks 8 ticker
for key in PagesFree KmallocBytes; do
  a=$(meminfo_value 1 $key)
  b=$(meminfo_value 9 $key)
  check "$key back to its start after the module ($a, $b)" test -n "$a" -a "$a" = "$b"
done
finish
