#!/usr/bin/env bash
# modules_deps.t - modules using each other's exports: modprobe loads the
# dependency first (modules.dep), lsmod shows who uses whom, rmmod refuses a
# module in use naming its users, and every load and refusal leaves memory
# exactly as it was once the modules are gone.
. "$(dirname "$0")/lib.sh"
plan 23
CROSS=${CROSS:-riscv64-unknown-elf-}
MODFLAGS="-std=gnu11 -march=rv64imac -mabi=lp64 -mcmodel=medany -ffreestanding -I$ROOT/abi/include -O2 -c"
make -s -C "$ROOT" modules
fixtures=$WORK/extra/lib/modules/test
mkdir -p "$fixtures"

# Built without modpost: calls hello_dep_greet, declares no dependency.  The
# loader still records the use when the symbol resolves to hello_dep.
cat > "$WORK/plain.c" <<'SRC'
#include <keel/module.h>
extern int hello_dep_greet(const char *who);
static int plain_init(void) { return hello_dep_greet("plain") > 0 ? 0 : -1; }
static void plain_exit(void) { }
KEEL_MODULE(plain, plain_init, plain_exit);
SRC
${CROSS}gcc $MODFLAGS "$WORK/plain.c" -o "$WORK/plain.o"
# The same with only an import table naming hello_dep (no depends=): the
# refusal says where the symbol should have come from.
cat > "$WORK/imports.c" <<'SRC'
#include <keel/export.h>
KEEL_MODULE_IMPORT(hello_dep_greet, 0, "hello_dep");
SRC
${CROSS}gcc $MODFLAGS "$WORK/imports.c" -o "$WORK/imports.o"
${CROSS}ld -r -o "$fixtures/plain.ko" "$WORK/plain.o"
${CROSS}ld -r -o "$fixtures/plain_imports.ko" "$WORK/plain.o" "$WORK/imports.o"
# Exporting a name the kernel or a loaded module exports already.
for clash in kmalloc:clash_kernel hello_dep_greet:clash_dep; do
  cat > "$WORK/${clash#*:}.c" <<SRC
#include <keel/export.h>
#include <keel/module.h>
int ${clash%:*}(const char *who) { return who != 0; }
KEEL_EXPORT_SYMBOL(${clash%:*});
KEEL_MODULE(${clash#*:}, 0, 0);
SRC
  ${CROSS}gcc $MODFLAGS "$WORK/${clash#*:}.c" -o "$fixtures/${clash#*:}.ko"
done
# depends= naming a module that does not exist.
cat > "$WORK/ghost.c" <<'SRC'
#include <keel/module.h>
KEEL_MODULE(ghost, 0, 0);
KEEL_MODULE_INFO(depends, "nosuch");
KEEL_MODULE_INFO(abi, "1.0");
SRC
${CROSS}gcc $MODFLAGS "$WORK/ghost.c" -o "$fixtures/ghost.ko"
# The abi= stamp, not the headers' version, says which kernels a module runs
# on: headers of 1.9 with a stamp of 1.0 load; a stamp of 1.3 does not.
for stamp in newer:1.3 older:1.0 bad:1.x; do
  cat > "$WORK/stamp_${stamp%:*}.c" <<SRC
#include <keel/module.h>
const struct keel_module_header h __attribute__((section(".keel.module"))) =
	{ sizeof(h), KEEL_ABI_VERSION(1, 9), "stamp_${stamp%:*}", 0, 0 };
KEEL_MODULE_INFO(depends, "");
KEEL_MODULE_INFO(abi, "${stamp#*:}");
SRC
  ${CROSS}gcc $MODFLAGS "$WORK/stamp_${stamp%:*}.c" -o "$fixtures/stamp_${stamp%:*}.ko"
done

boot EXTRA="$WORK/extra" <<'SCRIPT'
meminfo
insmod /lib/modules/hello_user.ko
modprobe hello_user
lsmod
rmmod hello_dep
rmmod hello_user
rmmod hello_dep
lsmod
meminfo
insmod /lib/modules/test/plain_imports.ko
insmod /lib/modules/test/ghost.ko
insmod /lib/modules/test/clash_kernel.ko
insmod /lib/modules/hello_dep.ko
insmod /lib/modules/test/clash_dep.ko
insmod /lib/modules/test/plain.ko
modprobe hello_user
lsmod
rmmod hello_dep
rmmod plain hello_user hello_dep
insmod /lib/modules/test/stamp_newer.ko
insmod /lib/modules/test/stamp_older.ko
rmmod stamp_older
insmod /lib/modules/test/stamp_bad.ko
meminfo
SCRIPT
check "insmod without the dependency loaded is refused, naming it" \
  grep -q '^insmod: ERROR: could not insert module /lib/modules/hello_user.ko: needs module hello_dep, which is not loaded' "$LOG"
check "modprobe loads hello_dep before hello_user" \
  bash -c "[ \"\$(grep -o 'module: hello_[a-z]* loaded' '$LOG' | head -2 | tr '\n' ' ')\" = 'module: hello_dep loaded module: hello_user loaded ' ]"
expect_line '^\[ *[0-9.]+\] hello_user: hello_dep has greeted 1 time$' "hello_user's init calls into hello_dep"
check "lsmod: hello_dep is used once, by hello_user" bash -c "echo '$(output_of 4)' | grep -Eq '^hello_dep +[0-9]+  1 hello_user$'"
check "lsmod: hello_user is used by nobody" bash -c "echo '$(output_of 4)' | grep -Eq '^hello_user +[0-9]+  0$'"
check "rmmod of a module in use names its user" test "$(output_of 5)" = "rmmod: ERROR: Module hello_dep is in use by: hello_user"
expect_line '^\[ *[0-9.]+\] hello_dep: hello, hello_user, goodbye \(greeting 2\)$' "hello_user's exit still reaches hello_dep"
expect_line '^\[ *[0-9.]+\] hello_dep: gone after 2 greetings$' "hello_dep unloads once unused"
check "lsmod is empty after both are removed" test "$(output_of 8)" = "Module                  Size  Used by"
check "loading and unloading both leaves free pages as they were" test "$(meminfo_value 1 PagesFree)" = "$(meminfo_value 9 PagesFree)"
check "loading and unloading both leaves kmalloc use as it was" test "$(meminfo_value 1 KmallocBytes)" = "$(meminfo_value 9 KmallocBytes)"
expect_line '^insmod: ERROR: could not insert module /lib/modules/test/plain_imports.ko: unknown symbol hello_dep_greet \(exported by module hello_dep, which is not loaded\)$' \
  "an unresolved import names the module that exports it"
expect_line '^insmod: ERROR: could not insert module /lib/modules/test/ghost.ko: needs module nosuch, which is not loaded' \
  "a depends= naming an unknown module is refused"
expect_line '^insmod: ERROR: could not insert module /lib/modules/test/clash_kernel.ko: exports kmalloc, which the kernel exports already$' \
  "exporting a kernel symbol is refused"
expect_line '^insmod: ERROR: could not insert module /lib/modules/test/clash_dep.ko: exports hello_dep_greet, which module hello_dep exports already$' \
  "exporting another module's symbol is refused"
check "a module built without modpost is recorded as a user when it links against hello_dep" \
  bash -c "echo '$(output_of 17)' | grep -Eq '^hello_dep +[0-9]+  2 (hello_user,plain|plain,hello_user)$'"
check "rmmod names every user" test "$(output_of 18)" = "rmmod: ERROR: Module hello_dep is in use by: hello_user plain"
expect_line '^insmod: ERROR: could not insert module /lib/modules/test/stamp_newer.ko: needs ABI 1.3 \(its abi= stamp\); this kernel has ABI 1.1$' \
  "a module stamped for a newer minor is refused"
check "a module stamped 1.0 loads though its headers were 1.9" \
  bash -c "grep -q 'module: stamp_older loaded' '$LOG' && grep -q 'module: stamp_older unloaded' '$LOG'"
expect_line "^insmod: ERROR: could not insert module /lib/modules/test/stamp_bad.ko: abi= stamp '1.x' is not MAJOR.MINOR$" \
  "a malformed abi= stamp is refused"
check "every refusal and unload left free pages as they were" test "$(meminfo_value 1 PagesFree)" = "$(meminfo_value 24 PagesFree)"
check "every refusal and unload left kmalloc use as it was" test "$(meminfo_value 1 KmallocBytes)" = "$(meminfo_value 24 KmallocBytes)"
expect_line '^script: 24 commands, 9 failed$' "exactly the nine bad commands failed"
finish
