#!/usr/bin/env bash
# modules.t - insmod, lsmod, rmmod of a real module; parameters; refusals of
# bad modules and bad parameters, each leaving memory exactly as it was.
. "$(dirname "$0")/lib.sh"
plan 23
CROSS=${CROSS:-riscv64-unknown-elf-}
MODFLAGS="-std=gnu11 -march=rv64imac -mabi=lp64 -mcmodel=medany -ffreestanding -I$ROOT/abi/include -O2 -c"
fixtures=$WORK/extra/lib/modules/test
mkdir -p "$fixtures"
hello=$ROOT/build/modules/hello.ko
make -s -C "$ROOT" modules
head -c 1000 "$hello" > "$fixtures/truncated.ko"
# Unknown symbol: a module calling a function the kernel does not export.
cat > "$WORK/unknown.c" <<'SRC'
#include <keel/module.h>
extern int vfs_secret(void);
static int unknown_init(void) { return vfs_secret(); }
KEEL_MODULE(unknown, unknown_init, 0);
SRC
${CROSS}gcc $MODFLAGS "$WORK/unknown.c" -o "$fixtures/unknown.ko"
# Wrong float ABI, and another major / a newer minor of the ABI.
${CROSS}gcc $MODFLAGS -march=rv64imafd -mabi=lp64d "$WORK/unknown.c" -o "$fixtures/float.ko"
sed 's/KEEL_MODULE(unknown, unknown_init, 0);/const struct keel_module_header h __attribute__((section(".keel.module"))) = { sizeof(h), KEEL_ABI_VERSION(2, 0), "major", 0, 0 };/' \
  "$WORK/unknown.c" | grep -v vfs_secret > "$WORK/major.c"
${CROSS}gcc $MODFLAGS "$WORK/major.c" -o "$fixtures/major.ko"
sed 's/KEEL_ABI_VERSION(2, 0), "major"/KEEL_ABI_VERSION(1, 9), "minor"/' "$WORK/major.c" > "$WORK/minor.c"
${CROSS}gcc $MODFLAGS "$WORK/minor.c" -o "$fixtures/minor.ko"
# A newer minor as the module build stamps it: abi= and the import needing it.
cat > "$WORK/newer.c" <<'SRC'
#include <keel/export.h>
#include <keel/module.h>
KEEL_MODULE(newer, 0, 0);
KEEL_MODULE_INFO(abi, "1.3");
KEEL_MODULE_IMPORT(printk, 0, "");
KEEL_MODULE_IMPORT(future_fn, 3, "");
SRC
${CROSS}gcc $MODFLAGS "$WORK/newer.c" -o "$fixtures/newer.ko"
# Wrong machine: a host object.
echo 'int f(void) { return 1; }' > "$WORK/host.c"
gcc -c "$WORK/host.c" -o "$fixtures/x86.ko"

boot EXTRA="$WORK/extra" <<'SCRIPT'
meminfo
insmod /lib/modules/hello.ko
lsmod
rmmod hello
meminfo
insmod /lib/modules/hello.ko count=2 who=students
rmmod hello.ko
insmod /lib/modules/hello.ko count=zz
insmod /lib/modules/hello.ko nosuch=1
insmod /lib/modules/hello.ko fail=1
insmod /lib/modules/test/truncated.ko
insmod /lib/modules/test/unknown.ko
insmod /lib/modules/test/float.ko
insmod /lib/modules/test/x86.ko
insmod /lib/modules/test/major.ko
insmod /lib/modules/test/minor.ko
insmod /lib/modules/test/newer.ko
rmmod hello
lsmod
meminfo
SCRIPT
expect_line '^\[ *[0-9.]+\] hello: hello, world! \(1 of 1\)$' "insmod runs init"
check "lsmod shows hello in Linux's layout" bash -c "[ \"\$(echo '$(output_of 3)' | head -1)\" = 'Module                  Size  Used by' ] && echo '$(output_of 3)' | grep -Eq '^hello +[0-9]+  0$'"
expect_line '^\[ *[0-9.]+\] hello: goodbye, world$' "rmmod runs exit"
check "insmod then rmmod leaves free pages as they were" test "$(meminfo_value 1 PagesFree)" = "$(meminfo_value 5 PagesFree)"
check "insmod then rmmod leaves kmalloc use as it was" test "$(meminfo_value 1 KmallocBytes)" = "$(meminfo_value 5 KmallocBytes)"
expect_line '^\[ *[0-9.]+\] hello: hello, students! \(2 of 2\)$' "parameters reach the module"
expect_line '^\[ *[0-9.]+\] hello: goodbye, students$' "rmmod accepts NAME.ko"
expect_line "^insmod: ERROR: could not insert module /lib/modules/hello.ko: count: 'zz' is not an int$" "a bad int parameter is refused"
expect_line "^insmod: ERROR: could not insert module /lib/modules/hello.ko: unknown parameter 'nosuch'$" "an unknown parameter is refused"
expect_line "^insmod: ERROR: could not insert module /lib/modules/hello.ko: hello's init failed: Operation canceled$" "a failing init is reported"
expect_line "^insmod: ERROR: could not insert module /lib/modules/test/truncated.ko: .*" "a truncated module is refused"
expect_line "^insmod: ERROR: could not insert module /lib/modules/test/unknown.ko: unknown symbol vfs_secret" "an unknown symbol is named"
expect_line "^insmod: ERROR: could not insert module /lib/modules/test/float.ko: .*double-float" "the float ABI is checked"
expect_line "^insmod: ERROR: could not insert module /lib/modules/test/x86.ko: .*x86-64" "the machine is checked"
expect_line "^insmod: ERROR: could not insert module /lib/modules/test/major.ko: built for ABI 2.0; this kernel has ABI 1.1" "another ABI major is refused, naming both"
expect_line "^insmod: ERROR: could not insert module /lib/modules/test/minor.ko: needs ABI 1.9 .*this kernel has ABI 1.1" "a newer ABI minor is refused, naming both"
expect_line "^insmod: ERROR: could not insert module /lib/modules/test/newer.ko: needs ABI 1.3 \\(first for future_fn\\); this kernel has ABI 1.1$" "the refusal names the first symbol needing the newer minor"
expect_line '^rmmod: ERROR: Module hello is not currently loaded$' "rmmod of a module not loaded"
check "lsmod is empty at the end" test "$(output_of 19)" = "Module                  Size  Used by"
check "every refusal left free pages as they were" test "$(meminfo_value 1 PagesFree)" = "$(meminfo_value 20 PagesFree)"
check "every refusal left kmalloc use as it was" test "$(meminfo_value 1 KmallocBytes)" = "$(meminfo_value 20 KmallocBytes)"
expect_line '^script: 20 commands, 11 failed$' "exactly the eleven bad commands failed"
expect_failure "make reports the failures"
finish
