#!/usr/bin/env bash
# modules_deps_far.t - modules_deps.t again with modules placed beyond 2 GiB of the kernel
# (boot argument modules=far): every call into the kernel goes through a PLT.
BOOTARGS=modules=far exec bash "$(dirname "$0")/modules_deps.t"
