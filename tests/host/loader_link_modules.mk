HOST_TESTS += loader_link_modules
loader_link_modules_SRCS := loader/elf_validate.c loader/elf_validate_symbols.c loader/reloc_riscv.c loader/layout.c loader/align.c loader/link.c loader/symbols.c loader/plt.c loader/pcrel.c tests/host/link_fixture.c
# The test compiles the modules again with the module build's own flags,
# and reads what that build made; rebuilt when the Makefile changes them.
loader_link_modules_CFLAGS = -DKEEL_MODULE_CFLAGS='"$(MODULE_CFLAGS)"' -DKEEL_BUILD_DIR='"$(B)"'
$(B)/host/test_loader_link_modules: Makefile
# It needs the modules built; without the cross compiler it skips instead.
ifneq ($(shell command -v $(CC) 2>/dev/null),)
host-tests: modules
endif
