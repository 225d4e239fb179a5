# lib.sh - helpers for Keel's QEMU scenario tests (sourced by tests/qemu/*.t).
#
# A scenario writes shell commands into a script, boots Keel with
# `make run SCRIPT=...` (bounded by TIMEOUT seconds), and checks the console
# log.  Output is TAP for `prove`; when a check fails, the whole console log
# of that boot is printed as TAP diagnostics ("# ...").
#
#   . "$(dirname "$0")/lib.sh"
#   plan 2
#   boot <<'EOF'
#   echo hello
#   EOF
#   expect_status 0 "script succeeds"
#   expect_line '^hello$' "echo prints"

set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
LOG=$WORK/console.log
STATUS=0
TEST_NUMBER=0
FAILED=0
: "${CPUS:=2}"
: "${TIMEOUT:=90}"

plan() { echo "1..$1"; }

# boot [make variables...] < script : run a scripted boot, set LOG and STATUS.
boot() {
  cat > "$WORK/script"
  make -s -C "$ROOT" run SCRIPT="$WORK/script" CPUS="$CPUS" TIMEOUT="$TIMEOUT" "$@" \
    > "$LOG" 2>&1
  STATUS=$?
  # The console uses CRLF line ends.
  tr -d '\r' < "$LOG" > "$LOG.clean" && mv "$LOG.clean" "$LOG"
}

dump_log() {
  echo "# ---- console log (status $STATUS) ----"
  sed 's/^/# /' "$LOG"
  echo "# ---- end of console log ----"
}

ok() {
  TEST_NUMBER=$((TEST_NUMBER + 1))
  echo "ok $TEST_NUMBER - $1"
}

not_ok() {
  TEST_NUMBER=$((TEST_NUMBER + 1))
  FAILED=$((FAILED + 1))
  echo "not ok $TEST_NUMBER - $1"
  [ -n "${2:-}" ] && echo "# $2"
  dump_log
}

# check CONDITION-COMMAND... -- DESCRIPTION
check() {
  local desc=$1
  shift
  if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

expect_status() {
  if [ "$STATUS" = "$1" ]; then ok "$2"; else not_ok "$2" "exit status $STATUS, wanted $1"; fi
}

expect_line() {
  if grep -Eq -- "$1" "$LOG"; then ok "$2"; else not_ok "$2" "no line matches /$1/"; fi
}

expect_no_line() {
  if grep -Eq -- "$1" "$LOG"; then not_ok "$2" "a line matches /$1/"; else ok "$2"; fi
}

# The output of the N-th command of the script (lines after "$ cmd" up to
# the next "$ " line or the script summary).
output_of() {
  awk -v n="$1" '
    /^\$ / { count++; inside = (count == n); next }
    /^script: / { inside = 0 }
    inside { print }' "$LOG"
}

# Value of the "Key:  number" line in the N-th command's output (meminfo).
meminfo_value() {
  output_of "$1" | awk -v key="$2:" '$1 == key { print $2; exit }'
}

finish() {
  exit $((FAILED > 0))
}

# boot_interactive [make variables...] < keystrokes : boot to the interactive
# shell and type the input on the serial console (end it with poweroff).
boot_interactive() {
  cat > "$WORK/keys"
  make -s -C "$ROOT" run CPUS="$CPUS" "$@" \
    QEMU="timeout --foreground -k 5 $TIMEOUT qemu-system-riscv64" \
    < "$WORK/keys" > "$LOG" 2>&1
  STATUS=$?
  tr -d '\r' < "$LOG" > "$LOG.clean" && mv "$LOG.clean" "$LOG"
}

# make itself exits with 2 whatever status the failing recipe had.
expect_failure() {
  if [ "$STATUS" != 0 ]; then ok "$1"; else not_ok "$1" "exit status 0, wanted a failure"; fi
}

# make_pattern_disk FILE SECTORS: the disk the block and executor suites
# check their reads against: 64-bit little-endian word w of sector s is
# ((s * 64 + w + 1) * 0x9E3779B97F4A7C15) mod 2^64 (kernel/ktest/ktest_block.c).
make_pattern_disk() {
  python3 - "$1" "$2" <<'PY'
import struct, sys
M = (1 << 64) - 1
with open(sys.argv[1], "wb") as f:
    for s in range(int(sys.argv[2])):
        f.write(b"".join(struct.pack("<Q", ((s * 64 + w + 1) * 0x9E3779B97F4A7C15) & M)
                         for w in range(64)))
PY
}
