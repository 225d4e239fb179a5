#!/usr/bin/env bash
# module_macros.t - the module declaration macros of <keel/module.h> compile
# with only the ABI headers, under GCC and Clang, and put the metadata where
# the loader and host tools look for it.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
CROSS=${CROSS:-riscv64-unknown-elf-}
FLAGS="-std=gnu11 -ffreestanding -nostdinc -isystem $(${CROSS}gcc -print-file-name=include) -I$ROOT/abi/include -O2 -Wall -Wextra -Werror -c"
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; [ -n "${2:-}" ] && echo "# $2"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }

echo "1..11"
for cc in gcc clang; do
  obj=$WORK/params-$cc.o
  if [ $cc = gcc ]; then
    ${CROSS}gcc -march=rv64imac -mabi=lp64 -mcmodel=medany $FLAGS "$ROOT/tests/abi/fixtures/params.c" -o "$obj" 2> "$WORK/err"
  else
    clang --target=riscv64-unknown-elf -march=rv64imac -mabi=lp64 -mcmodel=medany $FLAGS \
      "$ROOT/tests/abi/fixtures/params.c" -o "$obj" 2> "$WORK/err"
  fi
  check "$cc: a module using every macro compiles against abi/include only" test -s "$obj"
  ${CROSS}objcopy -O binary --only-section=.keel.modinfo "$obj" "$WORK/modinfo" 2>/dev/null
  tr '\0' '\n' < "$WORK/modinfo" | sort > "$WORK/modinfo.txt"
  cat > "$WORK/want" <<'WANT'
author=Keel developers
description=declares every kind of metadata
license=GPL
name=params
parm=count:how many greetings
parm=loud:shout
parm=who:whom to greet
parmtype=count:int
parmtype=loud:bool
parmtype=who:string
version=1.0
WANT
  check "$cc: .keel.modinfo holds exactly the tag=value strings" cmp -s "$WORK/want" "$WORK/modinfo.txt"
  check "$cc: .keel.module holds one 32-byte header" \
    bash -c "${CROSS}readelf -SW '$obj' | grep -Eq '\.keel\.module +PROGBITS +[0-9a-f]+ [0-9a-f]+ 000020 '"
  check "$cc: .keel.params holds three 40-byte parameters" \
    bash -c "${CROSS}readelf -SW '$obj' | grep -Eq '\.keel\.params +PROGBITS +[0-9a-f]+ [0-9a-f]+ 000078 '"
  check "$cc: .keel.modinfo has no relocations (host tools read it raw)" \
    bash -c "! ${CROSS}readelf -SW '$obj' | grep -q 'rela\.keel\.modinfo'"
done
if ${CROSS}gcc -march=rv64imac -mabi=lp64 $FLAGS "$ROOT/tests/abi/fixtures/bad_param.c" \
     -o "$WORK/bad.o" 2> "$WORK/bad.err"; then
  not_ok "a parameter of the wrong type does not compile"
else
  check "a parameter of the wrong type does not compile, naming it" grep -q "count must be an int" "$WORK/bad.err"
fi
exit $((fails > 0))
