#!/usr/bin/env python3
"""bench_ext2_tree.py - the files the ext2 benchmark reads, made on the host.

  bench_ext2_tree.py DIR NAME=SIZE [NAME=SIZE...]

writes DIR/NAME for each argument, SIZE bytes (a number with an optional K
or M suffix, a multiple of 4 KiB).  `make bench` runs

  bench_ext2_tree.py build/bench/ext2/tree big=128M seq=64M
  mke2fs -t ext2 -b 4096 -d build/bench/ext2/tree disk.img 256M

Every 4 KiB block of such a file describes itself, so the guest can check
each block it reads without a copy of the file (kernel/shell/bench_fs.h
has the same layout, kernel/shell/bench_fs_blocks.c the check):

  offset  bytes  what
       0      8  magic "KEELBNCH"
       8     16  the file's NAME, NUL-padded
      24      8  this block's index in the file (little-endian)
      32      8  blocks in the file (little-endian)
      40   4048  pseudo-random bytes (Python's random, seeded by NAME and
                 the index: the same files every time)
    4088      8  checksum: bytes 0..4087 read as one little-endian number,
                 modulo 2**61 - 1 (little-endian)

A block read from the wrong place fails the index; a block of zeroes, a
torn or shifted one fails the checksum, which the host computed.  The raw
benchmark finds a file's blocks on the disk by these headers, so it reads
exactly the sectors ext2 reads, without knowing ext2.
"""
import os
import random
import struct
import sys

BLOCK = 4096
MAGIC = b"KEELBNCH"
NAME_SIZE = 16
SUM_OFFSET = BLOCK - 8
MODULUS = (1 << 61) - 1


def block(name, index, count):
    """Block `index` of the `count`-block file `name`."""
    head = MAGIC + name.encode().ljust(NAME_SIZE, b"\0") + struct.pack(
        "<QQ", index, count)
    body = random.Random(f"{name}/{index}").randbytes(SUM_OFFSET - len(head))
    data = head + body
    checksum = int.from_bytes(data, "little") % MODULUS
    return data + struct.pack("<Q", checksum)


def parse_size(text):
    scale = {"K": 1 << 10, "M": 1 << 20}.get(text[-1:].upper(), 1)
    number = text[:-1] if scale != 1 else text
    if not number.isdigit():
        raise ValueError(f"not a size: {text}")
    return int(number) * scale


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    folder = argv[1]
    files = []
    for arg in argv[2:]:
        name, _, size = arg.partition("=")
        if not name or len(name.encode()) >= NAME_SIZE or "/" in name:
            print(f"bench_ext2_tree: bad name in '{arg}' (1..15 bytes)",
                  file=sys.stderr)
            return 2
        try:
            size = parse_size(size)
        except ValueError as err:
            print(f"bench_ext2_tree: {err}", file=sys.stderr)
            return 2
        if size <= 0 or size % BLOCK:
            print(f"bench_ext2_tree: {arg}: size must be a positive "
                  f"multiple of {BLOCK}", file=sys.stderr)
            return 2
        files.append((name, size // BLOCK))
    os.makedirs(folder, exist_ok=True)
    for name, count in files:
        with open(os.path.join(folder, name), "wb") as out:
            for index in range(count):
                out.write(block(name, index, count))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
