#!/usr/bin/env bash
# gdb_modules.t - gdb follows modules: after insmod, a breakpoint in the
# module's init is hit with source lines; after rmmod the symbols go away;
# an oops inside a module names the module's function.
. "$(dirname "$0")/lib.sh"
plan 6

cat > "$WORK/script" <<'SCRIPT'
insmod /lib/modules/hello.ko who=gdb
rmmod hello
SCRIPT
port=$((29000 + RANDOM % 2000))
make -s -C "$ROOT" qemu-gdb GDBPORT=$port SCRIPT="$WORK/script" \
  QEMU="timeout --foreground -k 5 $TIMEOUT qemu-system-riscv64" < /dev/null > "$LOG" 2>&1 &
qemu_make=$!
for _ in $(seq 150); do
  (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break
  sleep 0.2
done
(cd "$ROOT" && timeout 90 gdb-multiarch -nx -batch -x .gdbinit \
  -ex 'set breakpoint pending on' -ex 'break hello_init' -ex 'continue' \
  -ex 'bt 1' -ex 'info symbol $pc' -ex 'delete 1' -ex 'break machine_poweroff' -ex 'continue' \
  -ex 'info symbol hello_init' -ex 'kill') > "$WORK/gdb.log" 2>&1
wait $qemu_make
cat "$WORK/gdb.log" >> "$LOG"
check "gdb is told when hello loads" grep -q 'keel: hello loaded at 0x' "$WORK/gdb.log"
check "a breakpoint in the module's init is hit" grep -Eq 'Breakpoint [0-9.]+, hello_init' "$WORK/gdb.log"
check "with the module's source file" grep -q 'modules/hello/hello.c' "$WORK/gdb.log"
check "gdb is told when hello unloads" grep -q 'keel: hello unloaded, symbols removed' "$WORK/gdb.log"
check "after rmmod the module's symbols are gone" grep -q 'No symbol "hello_init" in current context' "$WORK/gdb.log"

# An oops in a module names the module and the function.
cat > "$WORK/oops.c" <<'SRC'
#include <keel/module.h>
static int __attribute__((noinline)) oops_deeper(volatile int *p) { return *p + 1; }
static int oops_init(void) { return oops_deeper((volatile int *)0x10) ? 0 : 1; }
KEEL_MODULE(oops, oops_init, 0);
SRC
mkdir -p "$WORK/extra/lib/modules"
${CROSS:-riscv64-unknown-elf-}gcc -std=gnu11 -march=rv64imac -mabi=lp64 -mcmodel=medany \
  -ffreestanding -fno-omit-frame-pointer -I"$ROOT/abi/include" -O2 -c "$WORK/oops.c" \
  -o "$WORK/extra/lib/modules/oops.ko"
boot EXTRA="$WORK/extra" <<'SCRIPT'
insmod /lib/modules/oops.ko
SCRIPT
expect_line '^ epc: [0-9a-f]+ \[oops\] oops_deeper[.a-z0-9]*\+0x' "an oops in a module names [module] function+offset"
finish
