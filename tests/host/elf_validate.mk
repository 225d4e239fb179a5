HOST_TESTS += elf_validate
elf_validate_SRCS := loader/elf_validate.c loader/elf_validate_symbols.c loader/reloc_riscv.c
