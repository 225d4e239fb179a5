#!/usr/bin/env bash
# bench_smoke.t - `bench insmod`, which `make bench` relies on, works: one
# well-formed line per module, the module unloaded again, its memory back,
# and bad input refused.  No count is checked: tests do not time (and
# without -icount the counts follow host time).
. "$(dirname "$0")/lib.sh"
plan 9
boot BOOTARGS=quiet <<'SCRIPT'
meminfo
bench insmod /lib/modules/hello.ko
lsmod
meminfo
bench insmod /lib/modules/no_such.ko
bench insmod /etc/script
bench
bench rmmod /lib/modules/hello.ko
bench insmod /lib/modules/hello.ko /lib/modules/hello_dep.ko
lsmod
SCRIPT
number='[0-9]+'
positive='[1-9][0-9]*'
quotient='[0-9]+\.[0-9]{2}'
line="^bench: /lib/modules/hello\.ko bytes=$positive relocations=$positive load=$positive per_relocation=$quotient floor=$positive ratio=$quotient validate=$positive\$"
check "bench prints one well-formed line" \
	test "$(output_of 2 | grep -Ec "$line")" = 1
check "bytes= is the size of the file" \
	grep -Eq "^bench: /lib/modules/hello\.ko bytes=$(stat -c %s "$ROOT/build/modules/hello.ko") " "$LOG"
check "the module is not loaded after the measurements" \
	test "$(output_of 3)" = "Module                  Size  Used by"
check "and its memory is back" \
	test "$(meminfo_value 1 PagesFree)" = "$(meminfo_value 4 PagesFree)"
expect_line '^bench: /lib/modules/no_such\.ko: No such file or directory' "a missing file is refused"
expect_line '^bench: /etc/script: ' "a file that is not a module is refused"
check "bench without a subcommand, or another one, is refused" \
	test "$(grep -c '^bench: expects insmod and module files' "$LOG")" = 2
check "several files give one line each, in order" \
	test "$(output_of 9 | sed -n 's/^bench: \([^ ]*\) bytes=.*/\1/p' | tr '\n' ' ')" = \
	"/lib/modules/hello.ko /lib/modules/hello_dep.ko "
expect_line '^script: 10 commands, 4 failed$' "exactly the four bad commands failed"
finish
