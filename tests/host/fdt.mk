HOST_TESTS += fdt
fdt_SRCS := kernel/boot/fdt.c kernel/boot/fdt_walk.c kernel/lib/text.c
