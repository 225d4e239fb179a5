#!/usr/bin/env bash
# virtio_blk_cpus4.t - virtio_blk.t again on four harts.
CPUS=4 exec bash "$(dirname "$0")/virtio_blk.t"
