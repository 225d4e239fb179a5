#!/bin/sh
# bootstrap.sh - make sure the tools Keel builds and runs with are installed.
#
# Every user-facing make target runs this first, so `make run` and `make test`
# work as the very first command on a fresh Debian machine.  Missing Debian
# packages are installed with apt-get when running as root; otherwise the
# exact command to run is printed and the build stops.
set -eu

# command-to-check:package
needs="
riscv64-unknown-elf-gcc:gcc-riscv64-unknown-elf
riscv64-unknown-elf-ld:binutils-riscv64-unknown-elf
qemu-system-riscv64:qemu-system-misc
cpio:cpio
mke2fs:e2fsprogs
e2fsck:e2fsprogs
debugfs:e2fsprogs
gdb-multiarch:gdb-multiarch
clang:clang
abidiff:abigail-tools
prove:perl
python3:python3
gcc:gcc
make:make
"
missing=""
for pair in $needs; do
  cmd=${pair%%:*}
  pkg=${pair#*:}
  if ! command -v "$cmd" >/dev/null 2>&1; then
    case " $missing " in *" $pkg "*) ;; *) missing="$missing $pkg" ;; esac
  fi
done
# Files rather than commands.
[ -f /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin ] || missing="$missing opensbi"
[ -f /usr/include/libelf.h ] || [ -f /usr/include/elfutils/libelf.h ] || missing="$missing libelf-dev"
# The sanitizer runtimes the host unit tests link with come with gcc on Debian.

if [ -z "$missing" ]; then
  exit 0
fi
missing=$(echo $missing)
if [ "$(id -u)" = 0 ]; then
  echo "bootstrap: installing $missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
  echo "bootstrap: done"
else
  echo "bootstrap: missing packages: $missing"
  echo "bootstrap: run this, then try again:"
  echo "  sudo apt-get update && sudo apt-get install -y $missing"
  exit 1
fi
