#!/usr/bin/env bash
# modinfo.t - the host's modinfo (tools/modinfo.c, libelf) reads a module's
# metadata in Linux's layout, and refuses what is not a Keel module.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
CROSS=${CROSS:-riscv64-unknown-elf-}
MODINFO=$ROOT/build/tools/modinfo
n=0; fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }

echo "1..6"
make -s -C "$ROOT" build/tools/modinfo
${CROSS}gcc -march=rv64imac -mabi=lp64 -mcmodel=medany -std=gnu11 -ffreestanding \
  -I"$ROOT/abi/include" -O2 -c "$ROOT/tests/abi/fixtures/params.c" -o "$WORK/params.ko"

"$MODINFO" "$WORK/params.ko" > "$WORK/out"
cat > "$WORK/want" <<WANT
filename:       $WORK/params.ko
name:           params
version:        1.0
license:        GPL
description:    declares every kind of metadata
author:         Keel developers
depends:
abi:            1.1
parm:           count:how many greetings (int)
parm:           who:whom to greet (string)
parm:           loud:shout (bool)
WANT
if diff -u "$WORK/want" "$WORK/out" > "$WORK/diff"; then ok "all fields, in order"; else not_ok "all fields, in order"; sed 's/^/# /' "$WORK/diff"; fi
check "-F license prints the value alone" test "$("$MODINFO" -F license "$WORK/params.ko")" = "GPL"
check "-F abi prints the ABI version" test "$("$MODINFO" -F abi "$WORK/params.ko")" = "1.1"
"$MODINFO" /bin/sh > /dev/null 2> "$WORK/err"; status=$?
check "an ELF file without metadata is refused with one line" \
  bash -c "[ $status = 1 ] && grep -q '^modinfo: ERROR: /bin/sh: no .keel.modinfo section' '$WORK/err' && [ \$(wc -l < '$WORK/err') = 1 ]"
"$MODINFO" "$ROOT/README.md" > /dev/null 2> "$WORK/err"; status=$?
check "a file that is not ELF is refused" bash -c "[ $status = 1 ] && grep -q 'not an ELF file' '$WORK/err'"
"$MODINFO" "$WORK/missing.ko" > /dev/null 2> "$WORK/err"; status=$?
check "a missing file is refused naming the error" bash -c "[ $status = 1 ] && grep -q 'No such file' '$WORK/err'"
exit $((fails > 0))
