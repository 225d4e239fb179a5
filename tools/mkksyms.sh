#!/bin/sh
# mkksyms.sh NM ELF - print the assembly of the kernel symbol table (.ksyms)
# for the function symbols of ELF, in the layout log/panic.c documents.
# With no ELF, print an empty table (the first link of a two-pass build).
set -eu
nm=$1
elf=${2:-}
{
  if [ -n "$elf" ]; then
    "$nm" -n "$elf" | awk '$2 ~ /^[tTwW]$/ && $3 !~ /^\.L/ && $3 !~ /^\$/ { print $1, $3 }'
  fi
} | awk '
BEGIN { n = 0 }
{ addr[n] = $1; name[n] = $2; n++ }
END {
  print "\t.section .ksyms, \"a\""
  print "\t.balign 8"
  print "\t.globl ksyms_count, ksyms_addr, ksyms_name_offset, ksyms_names"
  print "ksyms_count:\n\t.quad " n
  print "ksyms_addr:"
  for (i = 0; i < n; i++) print "\t.quad 0x" addr[i]
  print "ksyms_name_offset:"
  off = 0
  for (i = 0; i < n; i++) { print "\t.word " off; off += length(name[i]) + 1 }
  print "ksyms_names:"
  for (i = 0; i < n; i++) print "\t.asciz \"" name[i] "\""
}'
