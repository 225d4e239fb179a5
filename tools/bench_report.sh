#!/bin/sh
# bench_report.sh CONSOLE-LOG MAKE-COMMAND GENERATOR-ARGUMENTS - write
# docs/bench/loader.md (on standard output) from the `bench:` lines of a
# `make bench` boot.
#
# The lines come from the shell's `bench insmod` (kernel/shell/cmd_bench.c):
#   bench: FILE bytes=B relocations=R load=L per_relocation=P floor=F ratio=Q validate=V
# MAKE-COMMAND is the command that made the boot ("make bench ..."), and
# GENERATOR-ARGUMENTS what tools/gen_bench_module.py was given for big.ko.
#
# Linearity is read from the two generated modules (big.ko and mid.ko, a
# quarter of it, built alike): if a load costs c * R^k instructions, then
# k = ln(L_big / L_mid) / ln(R_big / R_mid); a linear loader gives k close
# to 1, a pass over all relocations for each symbol gives k close to 2.
set -eu
log=$1
make_command=$2
generator_arguments=$3
lines=$(tr -d '\r' < "$log" | grep '^bench: ' || true)
if [ -z "$lines" ]; then
	echo "bench_report: no 'bench:' lines in $log" >&2
	exit 1
fi
command=$(tr -d '\r' < "$log" | sed -n 's/^\$ \(bench insmod .*\)/\1/p' | head -1)

cat <<HEAD
# Module loader benchmark

Made on $(date -u +%Y-%m-%d) (command below) with QEMU $(qemu-system-riscv64 --version | head -1 | sed 's/.*version \([^ ]*\).*/\1/'): one hart,
\`-icount shift=0\`, so every count is an exact number of instructions
and is the same on every run. Counts are instructions retired, each the
smallest of three in one boot; the module is unloaded after each load.

| module | file bytes | relocations | load | per relocation | validate | floor | load / floor |
|---|---:|---:|---:|---:|---:|---:|---:|
HEAD
echo "$lines" | awk '{
	for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	name = $2; sub(".*/", "", name)
	printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", name, v["bytes"],
	       v["relocations"], v["load"], v["per_relocation"], v["validate"],
	       v["floor"], v["ratio"]
}'
cat <<'FIELDS'

- **load**: instructions retired by `module_load()`: validate, layout,
  allocate and map the regions, link (resolve, relocate), keep the symbols
  for backtraces and gdb, protect, fence.i, init (which returns at once).
- **validate**: `elf_validate()` alone, the first stage of a load.
- **floor**: a `memcpy` of the whole `.ko` file (debug information
  included): any loader touches every byte at least once.
- **relocations**: entries of the relocation sections the loader applies,
  `R_RISCV_RELAX` hints included; debug-information relocations are not
  applied and not counted.
FIELDS
case " $generator_arguments " in
*" --no-align "*)
	alignment="none aligned (the --no-align control: no ALIGN relocations)"
	kinds="64 and RELAX" ;;
*)
	alignment="every eighth aligned to 16 bytes"
	kinds="64, ALIGN and RELAX" ;;
esac
echo
fmt -w 76 <<GENERATED
big.ko and mid.ko are generated (\`tools/gen_bench_module.py\`): functions
shaped like driver code, calling printk, kmalloc, kfree and each other,
storing to a global, referring to strings, switching through jump tables,
listed in a table of function pointers, $alignment, so the load meets
CALL_PLT, BRANCH, RVC_BRANCH, RVC_JUMP, PCREL_HI20, PCREL_LO12_I/S,
ADD32/SUB32, $kinds relocations, and local and global
symbols interleaved. hello.ko is the smallest ordinary module.
GENERATED
printf '\n## Reading\n\n'
echo "$lines" | awk '
	{
		for (i = 3; i <= NF; i++) { split($i, kv, "="); v[$2, kv[1]] = kv[2] }
		file[$2] = 1
	}
	function find(name,    f) {
		for (f in file)
			if (f ~ ("/" name "\\.ko$")) return f
		return ""
	}
	END {
		big = find("big"); mid = find("mid"); small = find("hello")
		if (big == "" || mid == "") {
			print "big.ko or mid.ko is missing: no linearity reading."
			exit
		}
		rb = v[big, "relocations"]; rm = v[mid, "relocations"]
		lb = v[big, "load"]; lm = v[mid, "load"]
		k = log(lb / lm) / log(rb / rm)
		marginal = (lb - lm) / (rb - rm)
		printf "big.ko has %.2f times the relocations of mid.ko and its load costs\n", rb / rm
		printf "%.2f times the instructions: load cost grows as relocations^%.2f", lb / lm, k
		if (k <= 1.10) {
			printf ", linear.\n"
			printf "Per relocation, big.ko costs %s instructions and mid.ko %s;\n",
			       v[big, "per_relocation"], v[mid, "per_relocation"]
			printf "each relocation more costs %.0f.", marginal
		} else {
			printf ": NOT linear.\n"
			printf "Per relocation, big.ko costs %s instructions and mid.ko %s; each\n",
			       v[big, "per_relocation"], v[mid, "per_relocation"]
			printf "relocation more costs %.0f, and that grows with the module. Some\n", marginal
			printf "pass is run once per symbol, section or relocation over a list that\n"
			printf "grows with the module; validate is %.0f%% of the load of big.ko, so the\n",
			       100 * v[big, "validate"] / lb
			printf "time goes after it."
		}
		if (small != "")
			printf " hello.ko, with %s relocations, costs %s per relocation:\n" \
			       "its fixed costs (regions, page tables, the module list) dominate.",
			       v[small, "relocations"], v[small, "per_relocation"]
		printf "\n\nAgainst the floor, loading big.ko costs %s memcpys of the file and\n",
		       v[big, "ratio"]
		printf "hello.ko %s.\n", v[small, "ratio"]
	}' | fmt -w 76
cat <<TAIL

## Command

\`\`\`
$make_command
\`\`\`

It generates \`big.ko\` (\`tools/gen_bench_module.py $generator_arguments\`) and
\`mid.ko\` (a quarter of the functions), builds them as modules are built
(\`MODULE_CFLAGS\`, modpost), boots once with \`CPUS=1 MEM=512M
QEMU_EXTRA="-icount shift=0"\` and these files in \`/lib/modules\`, runs

\`\`\`
$command
\`\`\`

and writes this file with \`tools/bench_report.sh\`.
TAIL
