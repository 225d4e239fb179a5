#!/usr/bin/env bash
# console.t - the shell reading real keystrokes from the serial console
# (interrupt-driven UART input): line editing keys and history.
. "$(dirname "$0")/lib.sh"
plan 6

# Backspace (DEL), Ctrl-U, Ctrl-C, and Up-arrow history, as a terminal sends them.
# The first byte is an empty line: a byte that reaches the UART before the
# firmware initialises it is lost.
printf '\r'                                         >  "$WORK/typed"
printf 'echo helo\177lo world\r'                    >> "$WORK/typed"
printf 'echo discarded\025echo kept\r'              >> "$WORK/typed"
printf 'echo never run\003'                         >> "$WORK/typed"
printf 'echo history test\r'                        >> "$WORK/typed"
printf '\033[A\r'                                   >> "$WORK/typed"
printf 'poweroff\r'                                 >> "$WORK/typed"
boot_interactive BOOTARGS=quiet < "$WORK/typed"

expect_status 0 "poweroff typed on the console ends the run with status 0"
expect_line '^hello world$' "backspace erases the character before it"
expect_line '^kept$' "Ctrl-U erases the line"
expect_no_line '^never run$' "Ctrl-C abandons the line"
check "Up arrow recalls and runs the previous line" \
  test "$(grep -c '^history test$' "$LOG")" = 2
expect_line '^keel:/\$ ' "the prompt shows the current directory"
finish
