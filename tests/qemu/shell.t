#!/usr/bin/env bash
# shell.t - the shell commands of a first session, their errors, and that a
# refused command changes nothing (meminfo before and after is the same).
. "$(dirname "$0")/lib.sh"
plan 26

boot <<'SCRIPT'
ls /lib/modules
ls -l /etc
echo hello keel > /note
cat /note
echo second line >> /note
cat /note
mkdir /work
cd /work
pwd
mkdir sub
cd sub/..
ls
cd ..
rm /note
ls /
rmdir /work/sub
rmdir /work
help
dmesg
ps
uptime
df
mount
SCRIPT
expect_status 0 "a session of valid commands succeeds"
expect_line '^modules\.dep$' "ls /lib/modules shows modules.dep"
expect_line '^-rw-r--r-- +1 +0 +0 +47 motd$' "ls -l shows mode, links, owner and size"
check "cat prints what echo > wrote" test "$(output_of 4)" = "hello keel"
check "echo >> appends" test "$(output_of 6 | tr '\n' '|')" = "hello keel|second line|"
check "pwd after cd" test "$(output_of 9)" = "/work"
check "cd sub/.. stays in /work, ls shows sub" test "$(output_of 12)" = "sub/"
check "rm removed /note" test "$(output_of 15 | tr '\n' ' ')" = "etc/ lib/ work/ "
expect_line '^  mkdir DIR\.\.\. +make directories$' "help lists commands with usage"
expect_line 'initramfs: .* unpacked' "dmesg shows the boot log"
expect_line '^ +[0-9]+ running +[0-9]+ .* init' "ps lists the running init thread"
expect_line '^none +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+% /$' "df shows the root ramfs"
expect_line '^none on / type ramfs \(rw\)$' "mount lists the root"

# Wrong commands and arguments: one line each, nothing changes.
boot <<'SCRIPT'
meminfo
frobnicate
mkdir
rm /no/such/file
rm /etc/motd /missing
rmdir /etc
cat /etc
cd /etc/motd
mount -t nofs none /mnt
echo 'unterminated
ls -z
meminfo
ls /etc
SCRIPT
expect_failure "make exits non-zero when commands fail"
expect_line '^script: 13 commands, 10 failed$' "the summary counts the failures"
check "unknown command: one line" test "$(output_of 2 | grep -v '^script:')" = "sh: frobnicate: command not found (type 'help' for the list)"
check "missing operand: one line with usage" test "$(output_of 3 | grep -v '^script:')" = "mkdir: missing operand (usage: mkdir DIR...)"
check "rm of a missing file names it" test "$(output_of 4 | grep -v '^script:')" = "rm: /no/such/file: No such file or directory"
check "rm with one missing name removes nothing" bash -c "echo '$(output_of 13)' | grep -q '^motd\$'"
check "rmdir of a non-empty directory is refused" test "$(output_of 6 | grep -v '^script:')" = "rmdir: /etc: Directory not empty"
check "cat of a directory is refused" test "$(output_of 7 | grep -v '^script:')" = "cat: /etc: Is a directory"
check "cd into a file is refused" test "$(output_of 8 | grep -v '^script:')" = "cd: /etc/motd: Not a directory"
check "unknown filesystem type" test "$(output_of 9 | grep -v '^script:')" = "mount: unknown filesystem type 'nofs' (usage: mount [-t TYPE [-o OPTIONS] SOURCE DIR])"
check "parse error" test "$(output_of 10 | grep -v '^script:')" = "sh: unterminated single quote"
free1=$(meminfo_value 1 PagesFree); free2=$(meminfo_value 12 PagesFree)
bytes1=$(meminfo_value 1 KmallocBytes); bytes2=$(meminfo_value 12 KmallocBytes)
check "free pages unchanged by refused commands ($free1 -> $free2)" test -n "$free1" -a "$free1" = "$free2"
check "kmalloc bytes unchanged by refused commands ($bytes1 -> $bytes2)" test -n "$bytes1" -a "$bytes1" = "$bytes2"
finish
