HOST_TESTS += fdt
fdt_SRCS := kernel/boot/fdt.c kernel/lib/text.c
