#!/usr/bin/env bash
# bench_smoke.t - the `bench insmod` command `make bench` relies on works and
# prints a well-formed line (no counts are checked: tests do not time).
. "$(dirname "$0")/lib.sh"
plan 3
boot BOOTARGS=quiet <<'SCRIPT'
meminfo
bench insmod /lib/modules/hello.ko
lsmod
meminfo
SCRIPT
expect_line '^bench: /lib/modules/hello\.ko bytes=[0-9]+ relocations=[1-9][0-9]* load=[1-9][0-9]* per_relocation=[0-9]+\.[0-9]{2} floor=[1-9][0-9]* ratio=[0-9]+\.[0-9]{2}$' "bench prints one well-formed line"
check "the module is unloaded after the measurements" test "$(output_of 3)" = "Module                  Size  Used by"
check "and its memory is back" test "$(meminfo_value 1 PagesFree)" = "$(meminfo_value 4 PagesFree)"
finish
