HOST_TESTS += param
param_SRCS := kernel/module/param.c kernel/lib/text.c
