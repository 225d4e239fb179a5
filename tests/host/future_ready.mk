HOST_TESTS += future_ready
future_ready_SRCS := kernel/exec/future_ready.c tests/host/block_on_host.c
