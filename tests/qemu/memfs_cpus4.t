#!/usr/bin/env bash
# memfs_cpus4.t - memfs.t again on four harts.
CPUS=4 exec bash "$(dirname "$0")/memfs.t"
