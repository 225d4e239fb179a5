HOST_TESTS += loader_link
loader_link_SRCS := loader/elf_validate.c loader/elf_validate_symbols.c loader/reloc_riscv.c loader/layout.c loader/align.c loader/link.c loader/symbols.c loader/plt.c loader/pcrel.c tests/host/link_fixture.c
