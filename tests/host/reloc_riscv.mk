HOST_TESTS += reloc_riscv
reloc_riscv_SRCS := loader/reloc_riscv.c
