# `=`, not `:=`: EXECUTOR_CORE is set by executor.mk, read when the rule is made.
HOST_TESTS += executor_channel
executor_channel_SRCS = $(EXECUTOR_CORE) kernel/exec/channel.c
