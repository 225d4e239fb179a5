#!/usr/bin/env bash
# modpost.t - the module build's symbol check (tools/modpost.c): undefined
# symbols outside the ABI are refused with a suggestion, imports are
# recorded with the ABI minor each needs, the module's minimum ABI and its
# dependencies on other modules are stamped, and depmod's modules.dep lists
# every module's dependencies in load order.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
CROSS=${CROSS:-riscv64-unknown-elf-}
MODPOST=$ROOT/build/tools/modpost
KERNEL=$ROOT/build/kernel.elf
FLAGS="-std=gnu11 -march=rv64imac -mabi=lp64 -mcmodel=medany -ffreestanding -fno-common -I$ROOT/abi/include -O2 -Wall -Wextra -Werror -c"
n=0; fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; [ -n "${2:-}" ] && sed 's/^/# /' "$2"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
# expect_error DESCRIPTION PATTERN command... : fails (status 1), prints a
# line matching PATTERN, and writes no .mod.c.
expect_error() {
  local d=$1 pattern=$2; shift 2
  rm -f "$WORK/out.mod.c"
  if "$@" 2> "$WORK/err" > /dev/null; then not_ok "$d (modpost succeeded)"; return; fi
  if grep -Eq -- "$pattern" "$WORK/err" && [ ! -e "$WORK/out.mod.c" ]; then ok "$d"; else not_ok "$d" "$WORK/err"; fi
}
# module NAME 'C body' : compile a module declaring KEEL_MODULE(NAME) to NAME.o
module() {
  { echo '#include <keel/export.h>'; echo '#include <keel/log.h>'
    echo '#include <keel/memory.h>'; echo '#include <keel/module.h>'; echo "$2"
    echo "KEEL_MODULE($1, 0, 0);"; } > "$WORK/$1.c"
  ${CROSS}gcc $FLAGS "$WORK/$1.c" -o "$WORK/$1.o"
}
# finish NAME [modpost args...] : modpost NAME.o, then link NAME.ko from it
finish_module() {
  local name=$1; shift
  "$MODPOST" -k "$KERNEL" "$@" -o "$WORK/$name.mod.c" "$WORK/$name.o" &&
    ${CROSS}gcc $FLAGS "$WORK/$name.mod.c" -o "$WORK/$name.mod.o" &&
    ${CROSS}ld -r -o "$WORK/$name.ko" "$WORK/$name.o" "$WORK/$name.mod.o"
}

echo "1..25"
make -s -C "$ROOT" build/tools/modpost build/kernel.elf modules

# ---- checking undefined symbols against the real kernel ----------------
module good 'void *use(void) { printk(LOG_INFO, "x"); return kmalloc(8); }'
"$MODPOST" -k "$KERNEL" -o "$WORK/out.mod.c" "$WORK/good.o" 2> "$WORK/err"; status=$?
check "a module using only the ABI is accepted" test $status = 0 -a ! -s "$WORK/err"
check "it is stamped abi=1.0" grep -qx 'KEEL_MODULE_INFO(abi, "1.0");' "$WORK/out.mod.c"
check "it is stamped with no dependencies" grep -qx 'KEEL_MODULE_INFO(depends, "");' "$WORK/out.mod.c"
check "each import is recorded with its ABI minor" \
  bash -c "grep -qx 'KEEL_MODULE_IMPORT(printk, 0, \"\");' '$WORK/out.mod.c' && grep -qx 'KEEL_MODULE_IMPORT(kmalloc, 0, \"\");' '$WORK/out.mod.c' && [ \$(grep -c KEEL_MODULE_IMPORT '$WORK/out.mod.c') = 2 ]"
check "the .mod.c compiles with GCC" ${CROSS}gcc $FLAGS "$WORK/out.mod.c" -o "$WORK/out.mod.o"
check "the .mod.c compiles with Clang" clang --target=riscv64-unknown-elf -march=rv64imac -mabi=lp64 \
  -ffreestanding -nostdinc -isystem "$(${CROSS}gcc -print-file-name=include)" -I"$ROOT/abi/include" \
  -Wall -Wextra -Werror -O2 -c "$WORK/out.mod.c" -o "$WORK/out.clang.o"
check ".keel.imports holds two 104-byte records" \
  bash -c "${CROSS}readelf -SW '$WORK/out.mod.o' | grep -Eq '\.keel\.imports +PROGBITS +[0-9a-f]+ [0-9a-f]+ 0000d0 '"

module typo 'int printkk(int, const char *); void use(void) { printkk(LOG_INFO, "x"); }'
expect_error "a symbol outside the ABI is refused, suggesting the nearest name" \
  '^modpost: ERROR: typo: undefined symbol printkk is not in the Keel ABI \(did you mean printk\?\)$' \
  "$MODPOST" -k "$KERNEL" -o "$WORK/out.mod.c" "$WORK/typo.o"
module far 'int vfs_secret(void); int use(void) { return vfs_secret(); }'
expect_error "a name far from every export gets no suggestion" \
  'undefined symbol vfs_secret is not in the Keel ABI \(modules may use what abi/include/keel/ declares' \
  "$MODPOST" -k "$KERNEL" -o "$WORK/out.mod.c" "$WORK/far.o"
check "... and no guess" bash -c "! grep -q 'did you mean' '$WORK/err'"
module weak 'extern int maybe(void) __attribute__((weak)); int use(void) { return maybe ? maybe() : 0; }'
"$MODPOST" -k "$KERNEL" -o "$WORK/out.mod.c" "$WORK/weak.o" 2> "$WORK/err"; status=$?
check "an unknown weak symbol is allowed, and not imported" \
  bash -c "[ $status = 0 ] && ! grep -q 'IMPORT(maybe' '$WORK/out.mod.c'"
module stamped 'KEEL_MODULE_INFO(depends, "x");'
expect_error "a module stamping depends= itself is refused" 'declares depends= itself' \
  "$MODPOST" -k "$KERNEL" -o "$WORK/out.mod.c" "$WORK/stamped.o"
module steal 'void *kmalloc(size_t n) { return (void *)n; } KEEL_EXPORT_SYMBOL(kmalloc);'
expect_error "exporting a kernel symbol is refused" 'steal: exports kmalloc, which the kernel exports already' \
  "$MODPOST" -k "$KERNEL" -o "$WORK/out.mod.c" "$WORK/steal.o"

# ---- a kernel of ABI 1.3: the stamp is the highest minor imported ------
cat > "$WORK/kernel.c" <<'SRC'
#include "module/export.h"
int old_call(void) { return 0; }
int new_call(void) { return 1; }
KEEL_EXPORT(old_call, 0);
KEEL_EXPORT(new_call, 3);
SRC
printf 'ENTRY(old_call)\nSECTIONS { . = 0x80200000; .text : { *(.text*) } .rodata : { *(.rodata* .srodata*) . = ALIGN(8); __keel_exports_start = .; KEEP(*(SORT(.keel_exports.*))) __keel_exports_end = .; } }\n' > "$WORK/kernel.ld"
${CROSS}gcc $FLAGS -I"$ROOT/kernel" "$WORK/kernel.c" -o "$WORK/kernel.o" &&
  ${CROSS}ld -T "$WORK/kernel.ld" -o "$WORK/kernel13.elf" "$WORK/kernel.o"
${CROSS}ld -e old_call -o "$WORK/no_table.elf" "$WORK/kernel.o"
expect_error "a kernel without an export table is refused" 'no export table between __keel_exports_start' \
  "$MODPOST" -k "$WORK/no_table.elf" -o "$WORK/out.mod.c" "$WORK/good.o"
module newer 'int old_call(void); int new_call(void); int use(void) { return old_call() + new_call(); }'
"$MODPOST" -k "$WORK/kernel13.elf" -o "$WORK/out.mod.c" "$WORK/newer.o" 2> "$WORK/err"
check "using a symbol of minor 3 stamps abi=1.3" grep -qx 'KEEL_MODULE_INFO(abi, "1.3");' "$WORK/out.mod.c"
check "the import records minor 3" grep -qx 'KEEL_MODULE_IMPORT(new_call, 3, "");' "$WORK/out.mod.c"
module older 'int old_call(void); int use(void) { return old_call(); }'
"$MODPOST" -k "$WORK/kernel13.elf" -o "$WORK/out.mod.c" "$WORK/older.o" 2> "$WORK/err"
check "using only symbols of 1.0 stamps abi=1.0 on the same kernel" grep -qx 'KEEL_MODULE_INFO(abi, "1.0");' "$WORK/out.mod.c"

# ---- modules using each other's exports --------------------------------
module base 'int base_call(void) { return 1; } KEEL_EXPORT_SYMBOL(base_call);'
module mid 'int base_call(void); static int mid_call(void) { return base_call(); } KEEL_EXPORT_SYMBOL(mid_call);'
module side 'int side_call(void) { return 2; } KEEL_EXPORT_SYMBOL(side_call);'
module top 'int mid_call(void); int side_call(void); int base_call(void);
int use(void) { return mid_call() + side_call() + base_call() + (kmalloc(1) != 0); }'
finish_module base -e "$WORK/mid.o" -e "$WORK/side.o" -e "$WORK/top.o"
finish_module mid -e "$WORK/base.o" -e "$WORK/side.o" -e "$WORK/top.o"
finish_module side -e "$WORK/base.o" -e "$WORK/mid.o" -e "$WORK/top.o"
finish_module top -e "$WORK/base.o" -e "$WORK/mid.o" -e "$WORK/side.o"
check "depends= names each module used once, sorted" grep -qx 'KEEL_MODULE_INFO(depends, "base,mid,side");' "$WORK/top.mod.c"
check "an import from a module names it (a static function exported too)" \
  bash -c "grep -qx 'KEEL_MODULE_IMPORT(mid_call, 0, \"mid\");' '$WORK/top.mod.c' && grep -qx 'KEEL_MODULE_IMPORT(kmalloc, 0, \"\");' '$WORK/top.mod.c'"
module rival 'int base_call(void) { return 3; } KEEL_EXPORT_SYMBOL(base_call);'
expect_error "two modules exporting one name are refused" 'rival: exports base_call, which module base exports already' \
  "$MODPOST" -k "$KERNEL" -e "$WORK/base.o" -o "$WORK/out.mod.c" "$WORK/rival.o"

# ---- depmod ------------------------------------------------------------
"$MODPOST" -D "$WORK/modules.dep" "$WORK/top.ko" "$WORK/base.ko" "$WORK/mid.ko" "$WORK/side.ko" 2> "$WORK/err"
printf '%s\n' 'top.ko: side.ko mid.ko base.ko' 'base.ko:' 'mid.ko: base.ko' 'side.ko:' > "$WORK/want"
if cmp -s "$WORK/want" "$WORK/modules.dep"; then ok "modules.dep lists every dependency, deepest last"
else not_ok "modules.dep lists every dependency, deepest last" "$WORK/modules.dep"; fi
cp "$WORK/base.ko" "$WORK/renamed.ko"
expect_error "a file not named after its module is refused" 'declares module base; .* must be base.ko' \
  "$MODPOST" -D "$WORK/modules.dep" "$WORK/renamed.ko"
expect_error "a dependency missing from the set is refused" 'mid depends on base, which is not among the modules given' \
  "$MODPOST" -D "$WORK/modules.dep" "$WORK/mid.ko"
# A cycle: c1 stamped to depend on c2 and c2 on c1 (written by hand).
for pair in c1:c2 c2:c1; do
  printf '#include <keel/module.h>\nKEEL_MODULE(%s, 0, 0);\nKEEL_MODULE_INFO(depends, "%s");\nKEEL_MODULE_INFO(abi, "1.0");\n' \
    "${pair%:*}" "${pair#*:}" > "$WORK/${pair%:*}.c"
  ${CROSS}gcc $FLAGS "$WORK/${pair%:*}.c" -o "$WORK/${pair%:*}.ko"
done
expect_error "a dependency cycle is refused, naming it" 'dependency cycle: c1 -> c2 -> c1' \
  "$MODPOST" -D "$WORK/modules.dep" "$WORK/c1.ko" "$WORK/c2.ko"
check "the in-tree modules.dep makes hello_user need hello_dep" grep -qx 'hello_user.ko: hello_dep.ko' "$ROOT/build/modules/modules.dep"
exit $((fails > 0))
