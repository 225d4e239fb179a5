#!/usr/bin/env bash
# trace.t - the executor trace: `trace` refuses what makes no sense with one
# line each, records spawns, polls, wakes and completions of a module's
# tasks on two harts, frees its buffer on `trace clear` (meminfo as
# before), and tools/keel_trace.py turns the console log into Chrome Trace
# Event JSON with one complete event per poll, and an SVG timeline.
. "$(dirname "$0")/lib.sh"
plan 15

CPUS=2 boot <<'SCRIPT'
meminfo
trace show
trace start 0
trace start 4096
trace start
insmod /lib/modules/ticker.ko tasks=3 ticks=3 interval=5
sleep 100
trace show
trace stop
trace show
trace clear
rmmod ticker
meminfo
trace bogus
SCRIPT
expect_failure "the script reports the refused commands"
expect_line '^trace: nothing recorded \(trace start first\)' "show before start is refused"
expect_line "^trace: RECORDS must be 1\.\.1000000, not '0'" "a zero-sized buffer is refused"
expect_line '^trace: already recording \(trace stop first\)' "a second start is refused"
expect_line '^trace: still recording \(trace stop first\)' "show while recording is refused"
expect_line "^trace: unknown subcommand 'bogus'" "an unknown subcommand is named"
expect_line '^trace: stopped, [1-9][0-9]* of 4096 records, 0 dropped$' "the recording is summarised"
for event in spawn poll polled wake done; do
  expect_line "^trace: [0-9]+ [01] $event [0-9]+ ticker/[012]$" "a $event of a ticker task is recorded"
done
for key in PagesFree KmallocBytes; do
  a=$(meminfo_value 1 $key)
  b=$(meminfo_value 13 $key)
  check "trace clear gives back the buffer: $key ($a, $b)" test -n "$a" -a "$a" = "$b"
done

# The host tool: every poll that started and returned becomes an X event.
polls=$(grep -c '^trace: [0-9]* [01] polled ' "$LOG")
python3 "$ROOT/tools/keel_trace.py" "$LOG" --svg "$WORK/trace.svg" > "$WORK/trace.json" 2> "$WORK/tool.err"
check "keel_trace.py makes one complete event per poll ($polls) and an SVG" python3 - "$WORK/trace.json" "$polls" "$WORK/trace.svg" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
xs = [e for e in d["traceEvents"] if e["ph"] == "X"]
flows = [e for e in d["traceEvents"] if e["ph"] in ("s", "f")]
svg = open(sys.argv[3]).read()
sys.exit(0 if len(xs) == int(sys.argv[2]) > 0 and flows and svg.count("<rect") == len(xs) else 1)
PY
finish
