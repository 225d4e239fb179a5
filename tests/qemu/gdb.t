#!/usr/bin/env bash
# gdb.t - `make qemu-gdb` starts QEMU halted with a gdb stub, and the
# .gdbinit it writes lets gdb-multiarch stop at kmain with symbols.
. "$(dirname "$0")/lib.sh"
plan 4

port=$((27000 + RANDOM % 2000))
make -s -C "$ROOT" qemu-gdb GDBPORT=$port \
  QEMU="timeout --foreground -k 5 $TIMEOUT qemu-system-riscv64" < /dev/null > "$LOG" 2>&1 &
qemu_make=$!
for _ in $(seq 100); do
  (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break
  sleep 0.2
done
check ".gdbinit written for port $port" grep -q "target remote localhost:$port" "$ROOT/.gdbinit"

(cd "$ROOT" && timeout 60 gdb-multiarch -nx -batch -x .gdbinit \
  -ex 'break kmain' -ex 'continue' -ex 'bt 1' -ex 'print/x $pc' -ex 'kill') \
  > "$WORK/gdb.log" 2>&1
cat "$WORK/gdb.log" >> "$LOG"
wait $qemu_make
check "gdb connects and stops at the breakpoint in kmain" grep -q 'Breakpoint 1, kmain' "$WORK/gdb.log"
check "the backtrace names kmain with its source file" grep -Eq '#0 +kmain .* at kernel/boot/main.c' "$WORK/gdb.log"
check "the stop address is kmain's" bash -c "grep -q \"\$(grep ' kmain\$' '$ROOT/build/kernel.sym' | cut -c9-16)\" '$WORK/gdb.log'"
finish
