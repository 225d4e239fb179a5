#!/bin/bash
# virtio_blk.t - the virtio-blk driver and the `blk` command, on real QEMU disks.
#
# Two boots.  The first uses one 4 MiB disk whose sector i is filled with the
# byte i % 251, and checks that what Keel reads, writes and stresses agrees
# with the image file seen from the host (Python's zlib computes the CRCs).  The second attaches two disks
# (vda, vdb) and feeds `blk` bad arguments: each must be refused with one
# line, change nothing on either disk, and make the scripted boot fail.
cd "$(dirname "$0")/../.." || exit 1
: "${TIMEOUT:=60}"
. tests/qemu/lib.sh

plan 22

# make_image FILE SECTORS: sector i filled with the byte i % 251.
make_image() {
  python3 - "$1" "$2" <<'EOF'
import sys
with open(sys.argv[1], "wb") as f:
    for i in range(int(sys.argv[2])):
        f.write(bytes([i % 251]) * 512)
EOF
}

# host_crc FILE SECTOR COUNT: zlib CRC-32 of those sectors, as 0x%08x.
host_crc() {
  python3 - "$@" <<'EOF'
import sys, zlib
with open(sys.argv[1], "rb") as f:
    f.seek(int(sys.argv[2]) * 512)
    print("0x%08x" % zlib.crc32(f.read(int(sys.argv[3]) * 512)))
EOF
}

# printed_crc N: the crc32 printed by the N-th command of the script.
printed_crc() {
  output_of "$1" | sed -n 's/.* crc32 \(0x[0-9a-f]\{8\}\)$/\1/p' | head -n 1
}

# written_as_expected IMAGE ORIGINAL: sectors 100..103 are 0x5a in IMAGE,
# every other byte equals ORIGINAL.
written_as_expected() {
  python3 - "$1" "$2" <<'EOF'
import sys
new = open(sys.argv[1], "rb").read()
old = open(sys.argv[2], "rb").read()
lo, hi = 100 * 512, 104 * 512
sys.exit(0 if len(new) == len(old) and new[lo:hi] == b"\x5a" * (hi - lo)
         and new[:lo] == old[:lo] and new[hi:] == old[hi:] else 1)
EOF
}

# one_error_line N TEXT: the N-th command printed exactly one line, a
# "blk: ..." error containing TEXT.
one_error_line() {
  local out
  out=$(output_of "$1")
  [ "$(printf '%s\n' "$out" | grep -c .)" = 1 ] &&
    printf '%s\n' "$out" | grep -q "^blk: .*$2"
}

# counters_after_stress N: the `blk` listing printed by command N shows vda
# with >= 1600 requests submitted, as many completed, and no errors.
counters_after_stress() {
  output_of "$1" | awk '
    $1 == "vda" { found = 1; good = ($6 >= 1600 && $6 == $7 && $8 == 0) }
    END { exit !(found && good) }'
}

# ---- boot 1: one disk: read, write, verify, stress -----------------------

DISK1=$WORK/disk.img
make_image "$DISK1" 8192
cp "$DISK1" "$WORK/disk.orig"

boot DISK="$DISK1" <<'EOF'
blk
blk read vda 5 3
blk write vda 100 4 0x5a
blk verify vda 100 4
blk stress vda 8 200
blk
blk stress vda 64 50
EOF

expect_status 0 "scripted boot with one disk succeeds"
expect_line '^(\[[^]]*\] *)?virtio-blk: vda: 8192 sectors \(4 MiB\), queue 128, read-write' \
  "probe logs vda: 8192 sectors, 4 MiB, queue 128"
check "blk lists vda with 8192 sectors" \
  eval 'output_of 1 | grep -Eq "^vda +8192 +4 +rw +128 "'

want=$(host_crc "$WORK/disk.orig" 5 3)
got=$(printed_crc 2)
if [ -n "$got" ] && [ "$got" = "$want" ]; then
  ok "blk read vda 5 3: crc32 $got matches the host"
else
  not_ok "blk read vda 5 3: crc32 matches the host" "printed '$got', host $want"
fi
check "blk read hexdump shows sector 5's bytes" \
  eval 'output_of 2 | grep -Eq "^00000000 ( 05){8} ( 05){8}  \|\.{16}\|$"'
check "blk read prints 4 hexdump lines" \
  eval '[ "$(output_of 2 | grep -c "^000000[0-3]0 ")" = 4 ]'

check "host sees sectors 100..103 = 0x5a, nothing else changed" \
  written_as_expected "$DISK1" "$WORK/disk.orig"
want=$(host_crc "$DISK1" 100 4)
got=$(printed_crc 4)
if [ -n "$got" ] && [ "$got" = "$want" ]; then
  ok "blk verify vda 100 4: crc32 of the written sectors matches the host"
else
  not_ok "blk verify vda 100 4: crc32 matches the host" "printed '$got', host $want"
fi

stress=$(output_of 5)
check "stress ran 1600 requests with 0 errors" \
  eval 'printf "%s\n" "$stress" | grep -q ": 1600 requests, 0 errors,"'
inflight=$(printf '%s\n' "$stress" | sed -n 's/.*max in flight \([0-9]*\).*/\1/p')
if [ -n "$inflight" ] && [ "$inflight" -gt 1 ]; then
  ok "stress kept $inflight requests in flight at once"
else
  not_ok "stress kept more than one request in flight" "max in flight '$inflight'"
fi
check "blk list counts the stress requests, all completed, no errors" \
  counters_after_stress 6

# 64 threads want 192 descriptors, more than the ring's 128: when they all
# wait at once, the rest queue on the driver's pending list.
check "stress with 64 threads (more than the ring holds) has 0 errors" \
  eval 'output_of 7 | grep -q ": 3200 requests, 0 errors,"'

# ---- boot 2: two disks, bad arguments ------------------------------------

DISK2=$WORK/second.img
make_image "$DISK1" 8192
make_image "$DISK2" 2048
python3 -c 'import sys; f = open(sys.argv[1], "r+b"); f.write(b"vdb!"); f.close()' "$DISK2"
sum_before=$(md5sum "$DISK1" "$DISK2" | awk '{ print $1 }')

boot DISK="$DISK1,$DISK2" <<'EOF'
blk
blk read vdb 0 2
blk read vda 8192 1
blk read vdz 0
blk write vda 0 1 256
blk verify vda 8190 3
blk write vda 0 1
blk frobnicate vda
EOF

if [ "$STATUS" != 0 ] && [ "$STATUS" != 124 ]; then
  ok "failing commands make the scripted boot fail (status $STATUS)"
else
  not_ok "failing commands make the scripted boot fail" "exit status $STATUS"
fi
check "blk lists vda and vdb" \
  eval 'output_of 1 | grep -Eq "^vda +8192 " && output_of 1 | grep -Eq "^vdb +2048 +1 "'
want=$(host_crc "$DISK2" 0 2)
got=$(printed_crc 2)
if [ -n "$got" ] && [ "$got" = "$want" ]; then
  ok "blk read vdb 0 2 reads the second disk (crc32 $got)"
else
  not_ok "blk read vdb 0 2 reads the second disk" "printed '$got', host $want"
fi
check "reading beyond the end is refused with one line" one_error_line 3 "beyond the end of vda"
check "unknown device: 'blk: no such device: vdz'" one_error_line 4 "no such device: vdz"
check "a byte above 255 is refused with one line" one_error_line 5 "BYTE must be"
check "a range crossing the end is refused with one line" one_error_line 6 "beyond the end of vda"
check "a missing argument is refused with one line" one_error_line 7 "write expects"
check "an unknown subcommand is refused with one line" one_error_line 8 "unknown subcommand"
sum_after=$(md5sum "$DISK1" "$DISK2" | awk '{ print $1 }')
check "refused commands changed neither disk" [ "$sum_before" = "$sum_after" ]

finish
