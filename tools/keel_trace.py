#!/usr/bin/env python3
"""keel_trace.py - turn an executor trace from Keel's console into Chrome
Trace Event JSON (opens in https://ui.perfetto.dev or chrome://tracing), and
optionally draw it as an SVG timeline.

    keel_trace.py console.log > trace.json
    keel_trace.py console.log --svg trace.svg > trace.json

The kernel's `trace` shell command (kernel/exec/trace.c) prints one line per
recorded event, between `trace: begin` and `trace: end`:

    trace: NS HART EVENT TASK NAME

NS is the time in nanoseconds since boot, HART the hart that recorded it,
TASK the task id and NAME its name. EVENT is one of

    spawn    the task was created (on the spawning hart)
    poll     an executor thread started polling it
    polled   that poll returned
    wake     its waker was woken (on the waking hart, maybe in an interrupt)
    done     its future finished (READY or cancelled) and was dropped

In the JSON each poll is a complete event ("X") on its hart's track, each
wake an instant with a flow arrow to the poll it caused, and each task's
life (spawn to done) an async slice on a "tasks" track. Lines
that are not trace lines (the rest of the console) are ignored; carriage
returns are stripped. Malformed trace lines are an error naming the line.
"""
import json
import sys

EVENTS = ("spawn", "poll", "polled", "wake", "done")


class TraceError(Exception):
    pass


def parse(lines):
    """Yield (ns, hart, event, task, name) for the trace lines of a log."""
    inside = False
    for number, raw in enumerate(lines, 1):
        line = raw.rstrip("\r\n").replace("\r", "")
        if line == "trace: begin":
            inside = True
            continue
        if line == "trace: end":
            inside = False
            continue
        if not inside or not line.startswith("trace: "):
            continue
        fields = line[len("trace: "):].split(" ", 4)
        if len(fields) < 4 or fields[2] not in EVENTS:
            raise TraceError(f"line {number}: not a trace event: {line!r}")
        try:
            ns, hart, task = int(fields[0]), int(fields[1]), int(fields[3])
        except ValueError:
            raise TraceError(f"line {number}: bad number in {line!r}")
        name = fields[4] if len(fields) == 5 else f"task{task}"
        yield ns, hart, fields[2], task, name


def to_chrome(events):
    """Chrome Trace Event objects for parsed events (times in microseconds)."""
    out = [
        {"ph": "M", "pid": 1, "name": "process_name", "args": {"name": "harts"}},
        {"ph": "M", "pid": 2, "name": "process_name", "args": {"name": "tasks"}},
    ]
    harts = set()
    polling = {}       # task -> (start ns, hart)
    pending_flow = {}  # task -> flow id of the last wake not yet followed
    flows = 0
    for ns, hart, event, task, name in events:
        us = ns / 1000.0
        harts.add(hart)
        if event == "spawn":
            out.append({"ph": "b", "cat": "task", "name": name, "id": task,
                        "pid": 2, "tid": 0, "ts": us})
        elif event == "poll":
            polling[task] = (ns, hart)
            flow = pending_flow.pop(task, None)
            if flow is not None:
                out.append({"ph": "f", "bp": "e", "cat": "wake", "name": "wake",
                            "id": flow, "pid": 1, "tid": hart, "ts": us})
        elif event == "polled":
            start = polling.pop(task, None)
            if start is None:
                continue
            out.append({"ph": "X", "cat": "poll", "name": name, "pid": 1,
                        "tid": start[1], "ts": start[0] / 1000.0,
                        "dur": max(ns - start[0], 0) / 1000.0,
                        "args": {"task": task}})
        elif event == "wake":
            flows += 1
            pending_flow[task] = flows
            out.append({"ph": "i", "s": "t", "cat": "wake", "name": f"wake {name}",
                        "pid": 1, "tid": hart, "ts": us, "args": {"task": task}})
            out.append({"ph": "s", "cat": "wake", "name": "wake", "id": flows,
                        "pid": 1, "tid": hart, "ts": us})
        elif event == "done":
            out.append({"ph": "e", "cat": "task", "name": name, "id": task,
                        "pid": 2, "tid": 0, "ts": us})
    for hart in sorted(harts):
        out.append({"ph": "M", "pid": 1, "tid": hart, "name": "thread_name",
                    "args": {"name": f"hart {hart}"}})
    return {"traceEvents": out, "displayTimeUnit": "ns"}


def colour(name):
    h = 0
    for c in name.encode():
        h = (h * 31 + c) & 0xffffff
    return f"hsl({h % 360},60%,55%)"


def to_svg(events, width=1200):
    """An SVG timeline: one row per hart, a box per poll, a tick per wake."""
    events = list(events)
    if not events:
        raise TraceError("no trace events to draw")
    t0 = min(e[0] for e in events)
    t1 = max(e[0] for e in events)
    span = max(t1 - t0, 1)
    harts = sorted({e[1] for e in events})
    row = {h: i for i, h in enumerate(harts)}
    left, top, height = 70, 30, 40
    scale = (width - left - 20) / span
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
           f'height="{top + height * len(harts) + 40}" font-family="monospace" '
           f'font-size="11">',
           f'<text x="{left}" y="18">Keel executor trace: {len(events)} events, '
           f'{span / 1000:.0f} us</text>']
    for h in harts:
        y = top + row[h] * height
        svg.append(f'<text x="4" y="{y + 24}">hart {h}</text>')
        svg.append(f'<line x1="{left}" y1="{y + height - 4}" x2="{width - 20}" '
                   f'y2="{y + height - 4}" stroke="#ccc"/>')
    polling = {}
    for ns, hart, event, task, name in events:
        x = left + (ns - t0) * scale
        y = top + row[hart] * height
        if event == "poll":
            polling[task] = (ns, hart)
        elif event == "polled" and task in polling:
            start, phart = polling.pop(task)
            sx = left + (start - t0) * scale
            py = top + row[phart] * height
            w = max(x - sx, 1.0)
            svg.append(f'<rect x="{sx:.1f}" y="{py + 6}" width="{w:.1f}" '
                       f'height="{height - 14}" fill="{colour(name)}">'
                       f'<title>{name} #{task}</title></rect>')
        elif event == "wake":
            svg.append(f'<line x1="{x:.1f}" y1="{y + 2}" x2="{x:.1f}" '
                       f'y2="{y + 8}" stroke="#000"/>')
    bottom = top + height * len(harts) + 15
    for i in range(6):
        x = left + (width - left - 20) * i / 5
        svg.append(f'<text x="{x:.0f}" y="{bottom}">{span * i / 5 / 1000:.0f} us</text>')
    svg.append("</svg>")
    return "\n".join(svg) + "\n"


def main(argv):
    args = argv[1:]
    svg_path = None
    if "--svg" in args:
        i = args.index("--svg")
        if i + 1 >= len(args):
            print("keel_trace: --svg needs a file name", file=sys.stderr)
            return 2
        svg_path = args[i + 1]
        del args[i:i + 2]
    if len(args) != 1:
        print("usage: keel_trace.py CONSOLE-LOG [--svg FILE] > trace.json",
              file=sys.stderr)
        return 2
    try:
        with open(args[0], encoding="utf-8", errors="replace") as f:
            events = list(parse(f))
        if not events:
            raise TraceError(f"{args[0]}: no trace events (run `trace` in the guest)")
        json.dump(to_chrome(events), sys.stdout, indent=1)
        sys.stdout.write("\n")
        if svg_path:
            with open(svg_path, "w") as f:
                f.write(to_svg(events))
    except (OSError, TraceError) as e:
        print(f"keel_trace: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
