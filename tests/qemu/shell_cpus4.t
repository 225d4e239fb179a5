#!/usr/bin/env bash
# shell_cpus4.t - shell.t again on four harts.
CPUS=4 exec bash "$(dirname "$0")/shell.t"
