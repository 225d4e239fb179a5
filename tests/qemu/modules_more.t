#!/usr/bin/env bash
# modules_more.t - modules placed far from the kernel (calls through the
# PLT), a module built by Clang, modinfo and modprobe in the guest, and
# modules that break W^X being stopped by the MMU.
. "$(dirname "$0")/lib.sh"
plan 13
CROSS=${CROSS:-riscv64-unknown-elf-}
make -s -C "$ROOT" modules
fixtures=$WORK/extra/lib/modules/test
mkdir -p "$fixtures"
clang --target=riscv64-unknown-elf -march=rv64imac -mabi=lp64 -mcmodel=medany \
  -std=gnu11 -ffreestanding -I"$ROOT/abi/include" -O2 -c \
  "$ROOT/modules/hello/hello.c" -o "$fixtures/hello_clang.ko"
cat > "$WORK/wx.c" <<'SRC'
#include <keel/module.h>
static int mode;
KEEL_MODULE_PARAM(mode, int, "1: write own text, 2: run own data");
static unsigned int data_code[1] = { 0x00008067 }; /* ret */
static int wx_init(void)
{
	if (mode == 1)
		*(volatile unsigned int *)(void *)&wx_init = 0;
	if (mode == 2)
		((void (*)(void))(void *)data_code)();
	return 0;
}
KEEL_MODULE(wx, wx_init, 0);
SRC
${CROSS}gcc -std=gnu11 -march=rv64imac -mabi=lp64 -mcmodel=medany -ffreestanding \
  -I"$ROOT/abi/include" -O2 -c "$WORK/wx.c" -o "$fixtures/wx.ko"

BOOTARGS=modules=far boot EXTRA="$WORK/extra" BOOTARGS=modules=far <<'SCRIPT'
insmod /lib/modules/hello.ko who=far
lsmod -a
rmmod hello
SCRIPT
expect_status 0 "modules=far: insmod, lsmod and rmmod succeed"
expect_line '^\[ *[0-9.]+\] hello: hello, far! \(1 of 1\)$' "modules=far: the module's calls into the kernel work"
expect_line '^hello +00000030000[0-9a-f]{5} ' "modules=far: the module sits beyond 2 GiB of the kernel"

boot EXTRA="$WORK/extra" <<'SCRIPT'
insmod /lib/modules/test/hello_clang.ko who=clang
rmmod hello
modinfo -F license hello
modinfo /lib/modules/nosuch.ko
modprobe hello count=2
modprobe hello
lsmod
rmmod hello
modprobe nosuch
SCRIPT
expect_line '^\[ *[0-9.]+\] hello: hello, clang! \(1 of 1\)$' "a module built by Clang loads and runs"
check "modinfo -F prints one field" test "$(output_of 3)" = "GPL"
expect_line '^modinfo: ERROR: Module /lib/modules/nosuch.ko not found\.$' "modinfo of a missing module"
expect_line '^\[ *[0-9.]+\] hello: hello, world! \(2 of 2\)$' "modprobe loads from /lib/modules with parameters"
check "modprobe of a loaded module does nothing" bash -c "[ \$(grep -c 'hello: hello, world!' '$LOG') = 2 ]"
expect_line "^modprobe: FATAL: Module nosuch not found in /lib/modules/modules.dep$" "modprobe of an unknown module"
expect_line '^script: 9 commands, 2 failed$' "only the two bad commands failed"

boot EXTRA="$WORK/extra" <<'SCRIPT'
insmod /lib/modules/test/wx.ko mode=1
SCRIPT
expect_line '^Oops: store page fault' "a module writing its own text is stopped"
boot EXTRA="$WORK/extra" <<'SCRIPT'
insmod /lib/modules/test/wx.ko mode=2
SCRIPT
expect_line '^Oops: instruction page fault' "a module running its own data is stopped"
expect_failure "the machine stops with a failure status"
finish
