#!/usr/bin/env python3
"""bench_ext2_report.py - docs/bench/ext2.md and its plot, from the console
logs of the two ext2 benchmark boots of `make bench`.

  bench_ext2_report.py --command CMD --wall LOG --icount LOG \\
      --svg OUT.svg --disk vda=TEXT [--disk vdb=TEXT] > ext2.md

--wall is the boot timed by the host's clock (no -icount), --icount the
same script under `-icount shift=0` (instructions exact).  Each log holds
the lines of `bench ext2` / `bench raw` (kernel/shell/cmd_bench_fs.c); the
mode of ext2 (async or sync_io=1) and the disk are taken from the
`$ insmod` and `$ mount` lines echoed before them, so the labels are what
really ran.  The markdown goes to standard output, the plot to --svg.

Every number in the report is computed here from the lines: medians and
spreads of the runs, ratios of medians from the same boot, and the
reasons a target is missed, from the time each run spent busy and idle.
"""
import argparse
import datetime
import os
import re
import statistics
import subprocess
import sys

DEPTHS = (1, 8, 32, 64)
MODES = ("async", "sync", "raw")
TARGET_DEPTH = 32
SYNC_TARGET = 4.0
RAW_TARGET = 0.80


# ---- reading the logs -------------------------------------------------------

def fields(words):
    return dict(w.split("=", 1) for w in words if "=" in w)


def parse(path):
    """{(disk, test, mode, param): [run fields...]}, memory lines."""
    runs, memory = {}, {}
    mode, disk = None, None
    with open(path, errors="replace") as log:
        for line in log:
            line = line.strip().replace("\r", "")
            m = re.match(r"\$ insmod \S*ext2\.ko(.*)$", line)
            if m:
                mode = "sync" if re.search(r"\bsync_io=(1|y|yes|on|true)\b",
                                           m.group(1)) else "async"
                continue
            m = re.match(r"\$ mount .*-t ext2 .*?/dev/(\w+) ", line + " ")
            if m:
                disk = m.group(1)
                continue
            if not line.startswith("bench: "):
                continue
            words = line.split()
            f = fields(words)
            if words[1] == "ext2" and words[2] in ("memory", "thread_memory"):
                memory[words[2]] = f
                continue
            if words[1] == "raw" and words[2] == "floor":
                memory["floor"] = f
                continue
            if words[1] == "raw":
                key = (words[3], words[2], "raw",
                       int(f["depth"]) if words[2] == "random"
                       else f"{f['request']}x{f['depth']}")
            elif words[1] == "ext2" and words[2] in ("random", "seq"):
                if mode is None or disk is None:
                    continue
                key = (disk, words[2], mode,
                       int(f["depth"]) if words[2] == "random" else "file")
            else:
                continue
            run = {k: int(v) for k, v in f.items()
                   if k != "request" and v.isdigit()}
            run["blocks"] = run["ops"] if "ops" in run else run["bytes"] // 4096
            runs.setdefault(key, []).append(run)
    return runs, memory


# ---- numbers ------------------------------------------------------------------

def per_second(run):
    return run["blocks"] * 1e9 / run["ns"]


def summary(runs):
    """median, min, max of reads per second; busy and idle us per read."""
    rates = [per_second(r) for r in runs]
    busy = [(r["ns"] - r["idle_ns"]) / r["blocks"] / 1e3 for r in runs]
    idle = [r["idle_ns"] / r["blocks"] / 1e3 for r in runs]
    return {
        "median": statistics.median(rates),
        "low": min(rates),
        "high": max(rates),
        "busy_us": statistics.median(busy),
        "idle_us": statistics.median(idle),
        "instructions": min(r["instructions"] for r in runs) / runs[0]["blocks"],
        "runs": len(runs),
    }


def checks(runs):
    """(every block verified, every random read one disk request)."""
    verified = all(r["verified"] == r["blocks"] for rs in runs.values()
                   for r in rs)
    one_request = all(r["requests"] == r["ops"]
                      for key, rs in runs.items() if key[1] == "random"
                      for r in rs)
    total = sum(r["blocks"] for rs in runs.values() for r in rs)
    return verified, one_request, total


def k(rate):
    return f"{rate / 1e3:.1f}"


def spread(s):
    return f"{k(s['median'])} ({k(s['low'])}–{k(s['high'])})"


def mib(rate):
    return rate * 4096 / (1 << 20)


def mib_spread(s):
    return f"{mib(s['median']):.0f} ({mib(s['low']):.0f}–{mib(s['high']):.0f})"


def verdict(ok):
    return "**met**" if ok else "**missed**"


# ---- the plot -----------------------------------------------------------------

COLOURS = {"async": "#1f77b4", "sync": "#d62728", "raw": "#2ca02c"}


def svg_panel(out, x0, title, stats):
    """One panel of reads per second against depth (log2 axis)."""
    width, height, left, bottom, top = 400, 300, 60, 50, 40
    top_rate = max((s["high"] for s in stats.values()), default=1) * 1.1
    step = 10 ** len(str(int(top_rate / 1e3 / 5))) / 10
    while top_rate / 1e3 / step > 6:
        step *= 2
    ticks = [i * step for i in range(0, int(top_rate / 1e3 / step) + 2)]
    top_rate = ticks[-1] * 1e3

    def x(depth):
        return x0 + left + (width - left - 20) * DEPTHS.index(depth) / 3

    def y(rate):
        return top + (height - top - bottom) * (1 - rate / top_rate)

    out.append(f'<text x="{x0 + width / 2}" y="22" text-anchor="middle" '
               f'font-weight="bold">{title}</text>')
    out.append(f'<line x1="{x0 + left}" y1="{y(0)}" x2="{x0 + width - 10}" '
               f'y2="{y(0)}" stroke="black"/>')
    out.append(f'<line x1="{x0 + left}" y1="{y(0)}" x2="{x0 + left}" '
               f'y2="{top - 5}" stroke="black"/>')
    for t in ticks:
        out.append(f'<line x1="{x0 + left - 4}" y1="{y(t * 1e3):.1f}" '
                   f'x2="{x0 + width - 10}" y2="{y(t * 1e3):.1f}" '
                   f'stroke="#ddd"/>')
        out.append(f'<text x="{x0 + left - 8}" y="{y(t * 1e3) + 4:.1f}" '
                   f'text-anchor="end">{t:g}</text>')
    for d in DEPTHS:
        out.append(f'<text x="{x(d):.1f}" y="{y(0) + 18:.1f}" '
                   f'text-anchor="middle">{d}</text>')
    out.append(f'<text x="{x0 + (width + left) / 2}" y="{height - 8}" '
               f'text-anchor="middle">reads in flight (depth)</text>')
    out.append(f'<text transform="translate({x0 + 16},{(height + top) / 2}) '
               f'rotate(-90)" text-anchor="middle">thousand 4 KiB reads / s'
               f'</text>')
    for shift, mode in zip((-4, 0, 4), MODES):
        points = [(d, stats[(mode, d)]) for d in DEPTHS if (mode, d) in stats]
        if not points:
            continue
        colour = COLOURS[mode]

        def x(depth, shift=shift):  # the modes side by side at each depth
            return x0 + left + (width - left - 20) * DEPTHS.index(depth) / 3 \
                + shift

        path = " ".join(f"{x(d):.1f},{y(s['median']):.1f}" for d, s in points)
        out.append(f'<polyline points="{path}" fill="none" '
                   f'stroke="{colour}" stroke-width="2"/>')
        for d, s in points:
            out.append(f'<line x1="{x(d):.1f}" y1="{y(s["low"]):.1f}" '
                       f'x2="{x(d):.1f}" y2="{y(s["high"]):.1f}" '
                       f'stroke="{colour}"/>')
            out.append(f'<circle cx="{x(d):.1f}" cy="{y(s["median"]):.1f}" '
                       f'r="3" fill="{colour}"/>')


def write_svg(path, panels):
    width = 400 * len(panels) + 20
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
           f'height="340" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="340" fill="white"/>']
    for i, (title, stats) in enumerate(panels):
        svg_panel(out, 400 * i, title, stats)
    labels = {"async": "ext2 (async)", "sync": "ext2 sync_io=1",
              "raw": "raw virtio-blk"}
    for i, mode in enumerate(MODES):
        lx = 80 + 150 * i
        out.append(f'<line x1="{lx}" y1="322" x2="{lx + 24}" y2="322" '
                   f'stroke="{COLOURS[mode]}" stroke-width="2"/>')
        out.append(f'<text x="{lx + 30}" y="326">{labels[mode]}</text>')
    out.append('<text x="{0}" y="326" text-anchor="end" fill="#555">'
               'median of runs; bars: fastest to slowest run</text>'
               .format(width - 10))
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


# ---- the report ---------------------------------------------------------------

def random_stats(runs, disk):
    return {(mode, d): summary(runs[(disk, "random", mode, d)])
            for mode in MODES for d in DEPTHS
            if (disk, "random", mode, d) in runs}


def random_table(p, stats):
    p("| depth | ext2 async | ext2 sync_io=1 | raw | async / sync | "
      "async / raw | idle: async, sync, raw |")
    p("|---:|---:|---:|---:|---:|---:|---|")
    for d in DEPTHS:
        a, s, r = (stats.get((m, d)) for m in MODES)
        if not (a and s and r):
            continue
        idle = ", ".join(
            f"{100 * x['idle_us'] / (x['idle_us'] + x['busy_us']):.0f}%"
            for x in (a, s, r))
        p(f"| {d} | {spread(a)} | {spread(s)} | {spread(r)} | "
          f"{a['median'] / s['median']:.2f}× | "
          f"{100 * a['median'] / r['median']:.0f}% | {idle} |")


def explain_sync(p, a, s, ia, isy):
    """Why async/sync at the target depth is what it is."""
    sync_total = s["busy_us"] + s["idle_us"]
    async_idle = 100 * a["idle_us"] / (a["idle_us"] + a["busy_us"])
    needed = SYNC_TARGET * a["busy_us"]
    p(f"At depth {TARGET_DEPTH} a synchronous read took {sync_total:.1f} µs "
      f"(medians): {s['busy_us']:.1f} µs with the hart busy, "
      f"{s['idle_us']:.1f} µs idle waiting for the disk.  An asynchronous "
      f"read took {a['busy_us'] + a['idle_us']:.1f} µs of the run, the hart "
      f"idle {async_idle:.0f}% of it: async is CPU-bound.  Concurrency hides "
      f"the wait, not the work, so async cannot beat its own "
      f"{a['busy_us']:.1f} µs of CPU per read, and the ratio stays below "
      f"about "
      f"{sync_total:.1f} / {a['busy_us']:.1f} = **{sync_total / a['busy_us']:.2f}×** "
      f"on this disk.  {SYNC_TARGET:g}× needs a synchronous read of "
      f"{needed:.0f} µs, that is a disk that keeps a read waiting "
      f"{needed - s['busy_us']:.0f} µs where this one took "
      f"{s['idle_us']:.0f} µs.  Real hardware has the two the other way "
      f"round: a CPU retires a read's "
      f"{ia['instructions'] if ia else 0:,.0f} instructions (`-icount` "
      f"boot) in a few µs and a flash disk answers in tens; under QEMU's "
      f"TCG the CPU is slow and the disk is the host's.")
    if ia and isy:
        fast = 1e3 * s["busy_us"] / isy["instructions"]
        slow = 1e3 * a["busy_us"] / ia["instructions"]
        if slow > 1.2 * fast:
            p("")
            p(f"The busy time is not the instructions alone: the hart ran "
              f"{slow:.1f} ns per instruction in the asynchronous runs and "
              f"{fast:.1f} in the synchronous ones.  The host has "
              f"{os.cpu_count()} CPUs for QEMU's vCPU, QEMU's I/O threads "
              f"(busy with {TARGET_DEPTH} reads at once) and whatever else "
              f"runs there, so overlapping the disk's work with the CPU's "
              f"slows the CPU.")


def idle_share(x):
    return 100 * x["idle_us"] / (x["idle_us"] + x["busy_us"])


def explain_raw(p, a, r, ia, ir, floor):
    """Why async/raw at the target depth is what it is."""
    text = (f"At depth {TARGET_DEPTH} ext2 reached "
            f"{100 * a['median'] / r['median']:.0f}% of the raw disk.  Its "
            f"hart was idle {idle_share(a):.0f}% of the run, the raw "
            f"reads' {idle_share(r):.0f}%: ")
    if idle_share(a) < 5:
        text += "ext2 was limited by its CPU time per read, not by the disk"
        text += ("; so was raw.  " if idle_share(r) < 5 else
                 ", which still had time to spare.  ")
    else:
        text += "ext2 waited for the disk too.  "
    if ia and ir:
        extra = ia["instructions"] - ir["instructions"]
        text += (f"Per read ext2 retires {ia['instructions']:,.0f} "
                 f"instructions, the raw path {ir['instructions']:,.0f} "
                 f"(`-icount` boot).  ")
        if floor:
            copy, alloc = int(floor["copy_4k"]), int(floor["alloc_4k"])
            text += (f"A raw read pays once for a 4 KiB buffer (the "
                     f"request's own: kmalloc zeroes it, {alloc:,} "
                     f"instructions with its free) and once for a 4 KiB "
                     f"copy ({copy:,}); a read through ext2's cache pays "
                     f"twice for each (the cache buffer a miss allocates, "
                     f"an old one freed, and the copy out to the caller): "
                     f"{alloc + copy:,} of its {extra:,.0f} more, the rest "
                     f"being the VFS's and ext2's futures and the block "
                     f"mapping.  ")
            text += (f"Where both are CPU-bound, {100 * RAW_TARGET:.0f}% "
                     f"of raw needs ext2 within "
                     f"{(1 / RAW_TARGET - 1) * ir['instructions']:,.0f} "
                     f"instructions of the raw path: less than the copy "
                     f"out alone.")
    p(text)


def seq_table(p, runs, disk):
    rows = [("ext2 async: one read of the file", ("async", "file")),
            ("ext2 sync_io=1: one read of the file", ("sync", "file")),
            ("raw: 4 KiB reads, 32 in flight", ("raw", "4096x32")),
            ("raw: reads of up to 1 MiB, 4 in flight", ("raw", "1048576x4"))]
    p("| what | MiB/s, median (runs) | busy |")
    p("|---|---:|---:|")
    for label, (mode, param) in rows:
        key = (disk, "seq", mode, param)
        if key not in runs:
            continue
        s = summary(runs[key])
        busy = 100 * s["busy_us"] / (s["busy_us"] + s["idle_us"])
        p(f"| {label} | {mib_spread(s)} | {busy:.0f}% |")


def report(args):
    wall, memory = parse(args.wall)
    icount, memory_i = parse(args.icount)
    floor = memory_i.get("floor")  # instructions: the -icount boot's
    disks = dict(d.split("=", 1) for d in args.disk)
    primary = list(disks)[0]
    lines = []
    p = lines.append
    qemu = subprocess.run(["qemu-system-riscv64", "--version"],
                          capture_output=True, text=True).stdout.split("\n")[0]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())

    p("# ext2: asynchronous reads against synchronous ones and the raw disk")
    p("")
    p(f"Made by `{args.command}` on {datetime.date.today().isoformat()} "
      f"with `tools/bench_ext2_report.py`; {qemu}, host of "
      f"{os.cpu_count()} CPUs, load average {load} when the report was "
      f"written (the host is shared: read the spreads).")
    p("")
    p("The image: `tools/bench_ext2_tree.py` writes `big` (128 MiB) and "
      "`seq` (64 MiB), every 4 KiB block of them self-describing and "
      "checksummed on the host; `mke2fs -t ext2 -b 4096 -d` makes a 256 MiB "
      "volume of them.  Two disks show the same image, read-only:")
    p("")
    for disk, text in disks.items():
        p(f"- `{disk}`: {text}")
    p("")
    p("One boot runs everything with the host's clock (the numbers below), "
      "a second the same commands under `-icount shift=0`, for the "
      "instructions; [README.md](README.md) says why the time comes from "
      "the first.  One hart, 512 MiB.  In each cycle of the script "
      "(`tools/bench_ext2_script.py`) ext2 is loaded, mounted and run "
      "(`bench ext2`) on each disk, reloaded with `sync_io=1` and run "
      "again, and `bench raw` reads the same blocks from each disk with "
      "`keel_block_read`, found on it by their headers; the cycles repeat "
      "so that the modes take turns through the boot.")
    p("")
    for name, runs in (("host clock", wall), ("-icount", icount)):
        verified, one_request, total = checks(runs)
        p(f"- {name} boot: {total} blocks read in timed runs, "
          f"{'every one' if verified else '**not every one**'} verified "
          f"against the checksum the host wrote; "
          f"{'every' if one_request else '**not every**'} random read "
          f"reached the disk as one request (no block is read twice in a "
          f"command, so ext2's cache never answers).")
    p("")

    p("## Random 4 KiB reads")
    p("")
    counts = sorted({len(v) for key, v in wall.items() if key[1] == "random"})
    ops = sorted({r["ops"] for key, v in wall.items() if key[1] == "random"
                  for r in v})
    p(f"Thousands of reads per second, median of "
      f"{'/'.join(map(str, counts))} runs (fastest–slowest), all from the "
      f"host-clock boot.  A run is {'/'.join(map(str, ops))} reads of "
      f"distinct blocks of `big` at seeded offsets; the depths take turns "
      f"within a command, the modes through the boot.  *idle*: the share "
      f"of the run the hart spent in `wfi`, waiting for the disk.")
    for disk in disks:
        stats = random_stats(wall, disk)
        if not stats:
            continue
        p("")
        p(f"### `{disk}`: {disks[disk]}")
        p("")
        random_table(p, stats)
    p("")
    p("![reads per second against depth](ext2-depth.svg)")
    p("")

    p("## Targets")
    p("")
    stats = random_stats(wall, primary)
    istats = random_stats(icount, primary)
    a, s, r = (stats.get((m, TARGET_DEPTH)) for m in MODES)
    if a and s and r:
        sync_ratio = a["median"] / s["median"]
        raw_ratio = a["median"] / r["median"]
        p(f"On `{primary}`, depth {TARGET_DEPTH}:")
        p("")
        p(f"- async ≥ {SYNC_TARGET:g}× synchronous: {sync_ratio:.2f}× "
          f"(fastest runs: {a['high'] / s['high']:.2f}×), "
          f"{verdict(sync_ratio >= SYNC_TARGET)}.")
        p(f"- async ≥ {100 * RAW_TARGET:.0f}% of raw: {100 * raw_ratio:.0f}% "
          f"(fastest runs: {100 * a['high'] / r['high']:.0f}%), "
          f"{verdict(raw_ratio >= RAW_TARGET)}.")
        p("")
        if sync_ratio < SYNC_TARGET:
            explain_sync(p, a, s, istats.get(("async", TARGET_DEPTH)),
                         istats.get(("sync", TARGET_DEPTH)))
            p("")
        if raw_ratio < RAW_TARGET:
            explain_raw(p, a, r, istats.get(("async", TARGET_DEPTH)),
                        istats.get(("raw", TARGET_DEPTH)), floor)
            p("")
        for disk in list(disks)[1:]:
            o = random_stats(wall, disk)
            oa, os_, orr = (o.get((m, TARGET_DEPTH)) for m in MODES)
            if oa and os_ and orr:
                p(f"On `{disk}` the same ratios are "
                  f"{oa['median'] / os_['median']:.2f}× and "
                  f"{100 * oa['median'] / orr['median']:.0f}%.")
                p("")

    p("## Instructions per read (`-icount shift=0`)")
    p("")
    p("The CPU cost, the part that does not depend on the host: "
      "instructions retired per 4 KiB read, idle time excluded, the "
      "smallest of the runs.  Throughput in this boot's virtual clock "
      "(1 ns per instruction, plus idle time at the host's pace) is in "
      "the last columns, for comparison only: there the disk works for "
      "free while the CPU is busy (README.md).")
    p("")
    wr, ir = stats.get(("raw", TARGET_DEPTH)), istats.get(("raw", TARGET_DEPTH))
    if wr and ir:
        p(f"Raw reads at depth {TARGET_DEPTH} reach {k(ir['median'])} "
          f"thousand/s in virtual time against {k(wr['median'])} thousand/s "
          f"by the host's clock: {ir['median'] / wr['median']:.1f}× what the "
          f"disk can do, because virtual time stands still while the disk "
          f"works and the CPU is busy.")
        p("")
    p("| depth | ext2 async | ext2 sync_io=1 | raw | virtual k reads/s: "
      "async, sync, raw |")
    p("|---:|---:|---:|---:|---|")
    for d in DEPTHS:
        row = [istats.get((m, d)) for m in MODES]
        if not all(row):
            continue
        p(f"| {d} | " + " | ".join(f"{x['instructions']:.0f}" for x in row)
          + " | " + ", ".join(k(x["median"]) for x in row) + " |")
    p("")

    p("## Sequential: the 64 MiB file")
    p("")
    for disk in disks:
        if not any(key[0] == disk and key[1] == "seq" for key in wall):
            continue
        p(f"### `{disk}`")
        p("")
        seq_table(p, wall, disk)
        p("")
    ia = icount.get((primary, "seq", "async", "file"))
    ir = icount.get((primary, "seq", "raw", "4096x32"))
    if ia and ir:
        p(f"Instructions per 4 KiB block (`-icount`): ext2 "
          f"{summary(ia)['instructions']:.0f}, raw 4 KiB reads "
          f"{summary(ir)['instructions']:.0f}.  ext2 issues one request per "
          f"block, `depth` of them in flight; it does not merge neighbours "
          f"into larger requests, which is what the 1 MiB row is worth.")
        p("")

    m, t = memory.get("memory"), memory.get("thread_memory")
    if m or t:
        p("## Memory per read in flight")
        p("")
        p("Bytes taken from the page allocator (slabs, kmalloc's page runs, "
          "stacks) per read while N reads are in flight, measured when "
          "the disks hold N more live requests (checked, `in_flight`).")
        p("")
        p("| N reads in flight as | N | in flight | bytes per read | "
          "of which kmalloc |")
        p("|---|---:|---:|---:|---:|")
        if m:
            p(f"| futures on one thread (`vfs_read_async`) | {m['reads']} | "
              f"{m['in_flight']} | {float(m['bytes_per_read']):.0f} | "
              f"{float(m['kmalloc_per_read']):.0f} |")
        if t:
            p(f"| one kernel thread each, blocked in the read | "
              f"{t['threads']} | {t['in_flight']} | "
              f"{float(t['bytes_per_thread']):.0f} | "
              f"{float(t['kmalloc_per_thread']):.0f} |")
        if m and t:
            extra = float(t["bytes_per_thread"]) - float(m["bytes_per_read"])
            p("")
            p(f"A thread per read costs {extra:.0f} bytes more per read "
              f"({float(t['bytes_per_thread']) / float(m['bytes_per_read']):.2f}× "
              f"the future's): its {t['stack']}-byte stack and its struct "
              f"thread.  What both have is the read itself: ext2's read "
              f"future, the cache buffer it fills (4 KiB of data in two "
              f"pages), the block request and its 4 KiB bounce buffer (two "
              f"pages).")
        p("")

    write_svg(args.svg, [(f"{disk}: {disks[disk].split(':')[0]}",
                          random_stats(wall, disk)) for disk in disks])
    print("\n".join(lines))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--command", required=True)
    ap.add_argument("--wall", required=True)
    ap.add_argument("--icount", required=True)
    ap.add_argument("--svg", required=True)
    ap.add_argument("--disk", action="append", required=True)
    report(ap.parse_args())
    return 0


if __name__ == "__main__":
    sys.exit(main())
