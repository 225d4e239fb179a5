#!/usr/bin/env bash
# bench_exec_smoke.t - `bench exec`, which `make bench` relies on, works:
# every measurement prints one well-formed line per size, in the
# documented order (tools/bench_exec_report.sh reads them so), every task
# and thread it made is gone afterwards with memory back to the byte, all
# 100,000 sleeping tasks complete, and bad input is refused with one line.
# No count is checked: tests do not time.  Two harts, so the command is
# also seen working where wakes and polls land on different harts.
. "$(dirname "$0")/lib.sh"
plan 19
TIMEOUT=180
boot BOOTARGS=quiet <<'SCRIPT'
meminfo
bench exec
meminfo
bench exec extra
meminfo
tasks -s
ps
SCRIPT

n='[0-9]+'
q='[0-9]+\.[0-9]{2}'
# NAME, then its fields in order; one regular expression per line kind.
lines=(
  "lock pairs=$n instructions=$n per_pair=$q"
  "yield polls=$n instructions=$n per_poll=$q"
  "spawn tasks=$n instructions=$n per_task=$q"
  "spawn tasks=$n instructions=$n per_task=$q"
  "thread_spawn threads=$n instructions=$n per_thread=$q"
  "thread_spawn threads=$n instructions=$n per_thread=$q"
  "hop hops=$n instructions=$n per_hop=$q polls=$n"
  "hop hops=$n instructions=$n per_hop=$q polls=$n"
  "thread_hop hops=$n instructions=$n per_hop=$q"
  "thread_hop hops=$n instructions=$n per_hop=$q"
  "task_memory tasks=$n kmalloc_per_task=$q bytes_per_task=$q header=$n scheduling=$n"
  "thread_memory threads=$n kmalloc_per_thread=$q bytes_per_thread=$q struct=$n stack=$n"
  "sleepers tasks=$n asleep=$n completed=$n kib=$n kmalloc_per_task=$q bytes_per_task=$q sleep_ms=$n elapsed_ms=$n instructions=$n per_task=$q spawn_per_task=$q"
)
out=$(output_of 2)

# well_formed INDEX: line INDEX of the output matches lines[INDEX].
well_formed() {
  sed -n "$(($1 + 1))p" <<< "$out" | grep -Eq "^bench: exec ${lines[$1]}\$"
}

check "bench exec prints ${#lines[@]} lines and nothing else" \
  test "$(wc -l <<< "$out")" = "${#lines[@]}"
for name in lock yield spawn thread_spawn hop thread_hop task_memory \
  thread_memory sleepers; do
  indexes=()
  for i in "${!lines[@]}"; do
    [ "${lines[$i]%% *}" = "$name" ] && indexes+=("$i")
  done
  ok_all=1
  for i in "${indexes[@]}"; do well_formed "$i" || ok_all=0; done
  check "$name: ${#indexes[@]} well-formed line(s), in place" test $ok_all = 1
done
# sizes NAME: the size field (the first) of NAME's lines, in order.
sizes() {
  sed -n "s/^bench: exec $1 [a-z]*=\([0-9]*\) .*/\1/p" <<< "$out" | tr '\n' ' '
}
ascending=1
for name in spawn thread_spawn hop thread_hop; do
  read -r small big more <<< "$(sizes $name)"
  [ -n "$big" ] && [ -z "$more" ] && [ "$small" -lt "$big" ] || ascending=0
done
check "spawn, thread_spawn and both hops at two sizes, the second larger" \
  test $ascending = 1
check "every sleeping task completed" \
  grep -Eq '^bench: exec sleepers tasks=100000 asleep=[0-9]+ completed=100000 ' <<< "$out"
for key in PagesFree KmallocBytes; do
  a=$(meminfo_value 1 $key)
  b=$(meminfo_value 3 $key)
  check "$key back to its start after bench exec ($a, $b)" \
    test -n "$a" -a "$a" = "$b"
done
check "an argument is refused with one line" \
  test "$(output_of 4)" = \
  "bench: exec takes no arguments (usage: bench insmod FILE.ko... | bench exec)"
check "and changes no memory" \
  test "$(output_of 3 | grep -E '^(PagesFree|KmallocBytes):')" = \
  "$(output_of 5 | grep -E '^(PagesFree|KmallocBytes):')"
expect_line '^tasks: 0 live, ' "no task is left"
check "no thread is left" test "$(output_of 7 | grep -c ' bench')" = 0
expect_line '^script: 7 commands, 1 failed$' "only the bad command failed"
finish
