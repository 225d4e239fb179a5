#!/usr/bin/env bash
# bench_hop_profile.sh - where the instructions of the wake->poll hop go.
#
# `make bench` counts a hop's instructions; this says which functions they
# are spent in.  It boots the kernel as `make bench` does (one hart,
# -icount shift=0) but halted, with a gdb stub, and runs `bench exec`;
# tools/bench_hop_profile.py single-steps a few hops of the task game and
# of the thread game and prints, per function, instructions and calls per
# hop.  Run from the top of the tree after `make kernel modules`:
#
#   tools/bench_hop_profile.sh > docs/bench/executor-hop-profile.txt
#
# tools/bench_exec_report.sh turns that file into the breakdown tables of
# docs/bench/executor.md.  Takes a minute or two (gdb steps one
# instruction at a time).  HOP_PROFILE_HOPS (default 8) hops per game.
set -eu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf 'bench exec\n' > "$work/script"
port=$((29000 + $$ % 2000))
make -s qemu-gdb GDBPORT=$port CPUS=1 MEM=512M BOOTARGS=quiet \
	QEMU_EXTRA="-icount shift=0" SCRIPT="$work/script" \
	QEMU="timeout --foreground -k 5 900 qemu-system-riscv64" \
	< /dev/null > "$work/console.log" 2>&1 &
qemu=$!
tries=0
until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
	tries=$((tries + 1))
	if [ $tries -gt 150 ]; then
		echo "bench_hop_profile: no gdb stub on port $port" >&2
		cat "$work/console.log" >&2
		exit 1
	fi
	sleep 0.2
done
gdb-multiarch -nx -batch -ex 'set architecture riscv:rv64' \
	-ex 'file build/kernel.elf' -ex "target remote localhost:$port" \
	-x tools/bench_hop_profile.py 2>&1 | grep '^hop_profile: '
wait $qemu || true
