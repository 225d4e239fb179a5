#!/usr/bin/env python3
"""ext2img.py - trees, scripts and models for trying ext2 on Keel.

Images themselves are made by e2fsprogs (mke2fs -d), checked by e2fsck and
read back by debugfs: nothing in the chain is Keel's alone.  This tool makes
what goes around them:

  ext2img.py tree DIR
      A tree with a little of everything ext2 has corners for: small and
      empty files, files ending on block boundaries, files through single,
      double and (with 1 KiB blocks) triple-indirect blocks, a sparse file,
      deep directories, a directory of several hundred entries, 255-byte
      names, fast and slow symlinks.  The same tree every time.

  ext2img.py copy-script TREE FROM TO
      Keel shell commands that copy every regular file of TREE, as mounted
      at FROM, to the same path under TO (`cat FROM/x > TO/x`, with the
      mkdirs first).  Files of more than 8 MiB, and paths too long for one
      shell line (255 bytes), are left out.

  ext2img.py workload SEED STEPS MODEL SCRIPT [PREFIX]
      A seeded random workload: STEPS shell commands (create, write with
      echo >, append with >>, copy over with cat >, mkdir, rmdir, rm, mv)
      written to SCRIPT for Keel, each run under PREFIX (default /mnt), and
      the same changes applied to the directory MODEL on the host.  Every
      command is valid in the model, so every one must succeed in Keel;
      afterwards the image (debugfs rdump) must equal MODEL.

Example, by hand:

  python3 tools/ext2img.py tree /tmp/tree
  mke2fs -t ext2 -b 1024 -d /tmp/tree /tmp/disk.img 64M
  make run DISK=/tmp/disk.img
  keel:/$ insmod /lib/modules/ext2.ko
  keel:/$ mkdir /mnt && mount -t ext2 /dev/vda /mnt
"""
import os
import random
import shutil
import sys


def det_bytes(seed, n):
    """n pseudo-random bytes, the same for the same seed."""
    r = random.Random(seed)
    return bytes(r.getrandbits(8) for _ in range(n))


def text(seed, n):
    r = random.Random(seed)
    words = ["ext2", "keel", "future", "waker", "block", "inode", "poll",
             "await", "disk", "cache", "group", "bitmap"]
    out = []
    while sum(len(w) + 1 for w in out) < n:
        out.append(r.choice(words))
    return (" ".join(out)[: n - 1] + "\n").encode()


def put(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def make_tree(root):
    os.makedirs(root, exist_ok=True)
    put(f"{root}/hello.txt", b"hello from the host\n")
    put(f"{root}/empty", b"")
    put(f"{root}/exact_1k", det_bytes(1, 1024))
    put(f"{root}/exact_4k", det_bytes(2, 4096))
    put(f"{root}/twelve_blocks", det_bytes(3, 12 * 1024 + 1))
    put(f"{root}/medium", det_bytes(4, 300 * 1024))
    put(f"{root}/large", det_bytes(5, 5 * 1024 * 1024 + 17))
    put(f"{root}/dir/notes.txt", text(6, 3000))
    os.makedirs(f"{root}/emptydir", exist_ok=True)
    # Sparse: data, a hole through the triple-indirect range, data.
    with open(f"{root}/sparse", "wb") as f:
        f.write(text(7, 1000))
        f.seek(70 * 1024 * 1024)
        f.write(b"the end of a sparse file\n")
    deep = root
    for d in range(24):
        deep = f"{deep}/level{d}"
    put(f"{deep}/bottom.txt", b"twenty-four levels down\n")
    for i in range(400):
        put(f"{root}/many/entry_{i:03d}_{'x' * (i % 37)}", text(100 + i, 20 + i % 50))
    put(f"{root}/{'L' * 255}", b"a name of 255 bytes\n")
    os.makedirs(f"{root}/{'D' * 255}", exist_ok=True)
    put(f"{root}/{'D' * 255}/inside", b"inside a long-named directory\n")
    os.symlink("hello.txt", f"{root}/fast_link")
    os.symlink("s" * 59, f"{root}/fast_59")
    os.symlink("dir/" + "t" * 120, f"{root}/slow_link")


def copy_script(tree, src, dst):
    lines = []
    for dirpath, dirnames, filenames in sorted(os.walk(tree)):
        dirnames.sort()
        rel = os.path.relpath(dirpath, tree)
        rel = "" if rel == "." else "/" + rel
        if rel and len(f"mkdir {dst}{rel}") <= 240:
            lines.append(f"mkdir {dst}{rel}")
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            if os.path.islink(path) or os.path.getsize(path) > 8 << 20:
                continue
            line = f"cat {src}{rel}/{name} > {dst}{rel}/{name}"
            if len(line) <= 240:  # the shell's line limit
                lines.append(line)
    return lines


class Workload:
    """Random valid operations, applied to a model as they are chosen."""

    def __init__(self, seed, model, prefix):
        self.r = random.Random(seed)
        self.model = model
        self.prefix = prefix
        self.lines = []
        os.makedirs(model, exist_ok=True)

    def files(self):
        out = []
        for dirpath, dirnames, filenames in os.walk(self.model):
            for n in filenames:
                out.append(os.path.relpath(os.path.join(dirpath, n), self.model))
        return sorted(out)

    def dirs(self):
        out = [""]
        for dirpath, dirnames, filenames in os.walk(self.model):
            for n in dirnames:
                out.append(os.path.relpath(os.path.join(dirpath, n), self.model))
        return sorted(out)

    def new_name(self, parent):
        while True:
            n = "".join(self.r.choice("abcdefghijklmnop") for _ in range(self.r.randint(1, 12)))
            p = os.path.join(parent, n) if parent else n
            if not os.path.lexists(os.path.join(self.model, p)):
                return p

    def word(self):
        return "".join(self.r.choice("abcdefghijklmnopqrstuvwxyz0123456789")
                       for _ in range(self.r.randint(1, 60)))

    def emit(self, command):
        """Queue a command; False (and nothing queued) if the shell's line
        limit (255 bytes) would cut it: the caller then changes nothing."""
        if len(command) > 240:
            return False
        self.lines.append(command)
        return True

    def m(self, p):
        return os.path.join(self.model, p)

    def k(self, p):
        return f"{self.prefix}/{p}" if p else self.prefix

    def step(self):
        files, dirs = self.files(), self.dirs()
        op = self.r.choice(["create", "create", "append", "overwrite", "copy",
                            "mkdir", "rmdir", "rm", "mv", "mvdir"])
        if op == "create" or (op in ("append", "overwrite", "rm", "mv", "copy") and not files):
            p = self.new_name(self.r.choice(dirs))
            words = [self.word() for _ in range(self.r.randint(1, 6))]
            if self.emit(f"echo {' '.join(words)} > {self.k(p)}"):
                put(self.m(p), (" ".join(words) + "\n").encode())
        elif op == "append":
            p = self.r.choice(files)
            words = [self.word() for _ in range(self.r.randint(1, 6))]
            if self.emit(f"echo {' '.join(words)} >> {self.k(p)}"):
                with open(self.m(p), "ab") as f:
                    f.write((" ".join(words) + "\n").encode())
        elif op == "overwrite":
            p = self.r.choice(files)
            w = self.word()
            if self.emit(f"echo -n {w} > {self.k(p)}"):
                put(self.m(p), w.encode())
        elif op == "copy":
            src = self.r.choice(files)
            dst = self.new_name(self.r.choice(dirs)) if self.r.random() < 0.7 else self.r.choice(files)
            if dst == src:
                return
            if self.emit(f"cat {self.k(src)} > {self.k(dst)}"):
                with open(self.m(src), "rb") as f:
                    data = f.read()
                put(self.m(dst), data)
        elif op == "mkdir":
            p = self.new_name(self.r.choice(dirs))
            if self.emit(f"mkdir {self.k(p)}"):
                os.makedirs(self.m(p))
        elif op == "rmdir":
            empty = [d for d in dirs if d and not os.listdir(self.m(d))]
            if not empty:
                return
            p = self.r.choice(empty)
            if self.emit(f"rmdir {self.k(p)}"):
                os.rmdir(self.m(p))
        elif op == "rm":
            p = self.r.choice(files)
            if self.emit(f"rm {self.k(p)}"):
                os.unlink(self.m(p))
        elif op == "mv":
            src = self.r.choice(files)
            dst = self.new_name(self.r.choice(dirs)) if self.r.random() < 0.7 else self.r.choice(files)
            if dst == src:
                return
            if self.emit(f"mv {self.k(src)} {self.k(dst)}"):
                os.replace(self.m(src), self.m(dst))
        elif op == "mvdir":
            movable = [d for d in dirs if d]
            if not movable:
                return
            src = self.r.choice(movable)
            targets = [d for d in dirs if d != src and not (d + "/").startswith(src + "/")]
            dst = self.new_name(self.r.choice(targets))
            if self.emit(f"mv {self.k(src)} {self.k(dst)}"):
                os.rename(self.m(src), self.m(dst))


def main(argv):
    if len(argv) >= 3 and argv[1] == "tree":
        make_tree(argv[2])
        return 0
    if len(argv) == 5 and argv[1] == "copy-script":
        print("\n".join(copy_script(argv[2], argv[3], argv[4])))
        return 0
    if len(argv) in (6, 7) and argv[1] == "workload":
        seed, steps, model, script = int(argv[2]), int(argv[3]), argv[4], argv[5]
        prefix = argv[6] if len(argv) == 7 else "/mnt"
        shutil.rmtree(model, ignore_errors=True)
        w = Workload(seed, model, prefix)
        while len(w.lines) < steps:
            w.step()
        with open(script, "w") as f:
            f.write("\n".join(w.lines) + "\n")
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
