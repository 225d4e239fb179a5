#!/bin/sh
# bench_report.sh CONSOLE-LOG - turn the `bench insmod` lines of a `make bench`
# boot into docs/bench/loader.md (Markdown, on standard output).
set -eu
log=$1
lines=$(tr -d '\r' < "$log" | grep '^bench: ' || true)
if [ -z "$lines" ]; then
  echo "bench_report: no 'bench:' lines in $log" >&2
  exit 1
fi
cat <<HEAD
# Module loader benchmark

Made by \`make bench\` on $(date -u +%Y-%m-%d) (QEMU $(qemu-system-riscv64 --version | head -1 | sed 's/.*version //'), one hart,
\`-icount shift=0\`, so every count is exact and repeats run to run). Each
count is the smallest of three loads in one boot; the module is unloaded
between loads.

- **load**: instructions retired by \`module_load()\`: validate, layout,
  allocate and map the regions, link (resolve, relocate), protect, fence.i,
  init (empty here).
- **floor**: a \`memcpy\` of the whole \`.ko\` file: any loader touches every
  byte at least once.
- **relocations**: entries of the relocation sections the loader applies
  (debug-information relocations are not applied and not counted).

| module | file bytes | relocations | load (instructions) | per relocation | floor (memcpy) | load / floor |
|---|---:|---:|---:|---:|---:|---:|
HEAD
echo "$lines" | awk '{
  for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
  name = $2; sub(".*/", "", name)
  printf "| %s | %s | %s | %s | %s | %s | %s |\n", name, v["bytes"], v["relocations"], v["load"], v["per_relocation"], v["floor"], v["ratio"]
}'
echo
echo "$lines" | awk '
  { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[NR, kv[1]] = kv[2] } n = NR }
  END {
    if (n >= 2) {
      big = v[1, "per_relocation"]; small = v[2, "per_relocation"]
      printf "Reading: the large module costs %s instructions per relocation and the\n", big
      printf "small one %s (its fixed costs, page mapping and TLB flushes, are spread\n", small
      printf "over few relocations). A loader with a quadratic pass would cost more per\n"
      printf "relocation on the module with %s relocations, not less.\n", v[1, "relocations"]
    }
  }'
cat <<'TAIL'

Command: `make bench` (it builds the generated module with
`tools/gen_bench_module.py 4200`, boots once with `CPUS=1 MEM=512M
QEMU_EXTRA="-icount shift=0"`, runs `bench insmod /lib/modules/big.ko
/lib/modules/hello.ko`, and writes this file with `tools/bench_report.sh`).
TAIL
