# Keel - a RISC-V teaching kernel whose filesystems are loadable modules.
#
#   make run                 build and boot QEMU to the shell (Ctrl-A x quits)
#   make run SCRIPT=file     run each line of file as a shell command, power off;
#                            exits non-zero if a command failed
#   make test                everything CI runs (host unit tests, QEMU scenarios)
#   make qemu-gdb            QEMU halted with a gdb stub; then gdb-multiarch
#   make bench               module loader benchmark -> docs/bench/loader.md,
#                            executor benchmark -> docs/bench/executor.md,
#                            ext2 benchmark -> docs/bench/ext2.md (bench-ext2)
#
# Variables: CPUS=2 (1..8), MEM=256M, DISK=img[,img2...], BOOTARGS=...,
# INITRD=none|file, TIMEOUT=120 (scripted runs), EXTRA=dir (more files for
# the initramfs of a scripted run), QEMU_EXTRA=... (more QEMU options), V=1.

CROSS    ?= riscv64-unknown-elf-
CC       := $(CROSS)gcc
LD       := $(CROSS)ld
OBJDUMP  := $(CROSS)objdump
NM       := $(CROSS)nm
HOSTCC   ?= gcc
QEMU     ?= qemu-system-riscv64

CPUS     ?= 2
MEM      ?= 256M
DISK     ?=
SCRIPT   ?=
BOOTARGS ?=
GDBPORT  ?= 26000
TIMEOUT  ?= 120

B := build
Q := $(if $(V),,@)

# RV64IMAC, no floating point.  Binutils 2.38+ lists the CSR and fence.i
# instructions as their own extensions, so the same ISA is spelled out in full;
# libgcc comes from the plain rv64imac/lp64 multilib.
ARCHFLAGS := -march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany
CFLAGS := -std=gnu11 $(ARCHFLAGS) -ffreestanding -nostdlib -fno-common \
	  -fno-omit-frame-pointer -fno-stack-protector -fno-pie \
	  -fno-asynchronous-unwind-tables -O2 -g -Wall -Wextra -Werror \
	  -Wno-unused-parameter -Iabi/include -Ikernel -Iloader -MMD -MP
ASFLAGS := $(ARCHFLAGS) -Ikernel -g -MMD -MP
LIBGCC = $(shell $(CC) -march=rv64imac -mabi=lp64 -print-libgcc-file-name 2>/dev/null)

# What a module sees: the ABI headers and the compiler's freestanding ones.
ABI_ONLY_INCLUDES := -nostdinc -isystem $(shell $(CC) -print-file-name=include) \
	-Iabi/include

# The RAM filesystem core is compiled into the kernel (the built-in ramfs)
# and into memfs.ko (modules/memfs/sources).  The kernel compiles it with a
# module's includes, so that neither build can reach a private header.
RAMFS_CORE_C := $(sort $(wildcard kernel/fs/ramfs_core/*.c))
$(RAMFS_CORE_C:%.c=$(B)/%.o): CFLAGS := \
	$(filter-out -Iabi/include -Ikernel -Iloader,$(CFLAGS)) $(ABI_ONLY_INCLUDES)

KERNEL_C := $(sort $(wildcard kernel/*/*.c) $(wildcard loader/*.c) $(RAMFS_CORE_C))
KERNEL_S := $(sort $(wildcard kernel/arch/*.S))
KERNEL_OBJS := $(KERNEL_C:%.c=$(B)/%.o) $(KERNEL_S:%.S=$(B)/%.o)

HOST_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -g -O1 \
	       -fsanitize=address,undefined -fno-sanitize-recover=all \
	       -Iabi/include -Ikernel -Iloader -Itests/host
HOST_TESTS :=
include $(sort $(wildcard tests/host/*.mk))

.PHONY: all kernel tools modules run test bench bench-ext2 host-tests qemu-tests bootstrap qemu-gdb clean \
	initramfs compile_commands.json check-format
all: kernel modules compile_commands.json

bootstrap:
	$(Q)sh tools/bootstrap.sh

# ---- kernel -------------------------------------------------------------

kernel: $(B)/kernel.elf $(B)/kernel.asm $(B)/kernel.sym

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(B)/%.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)$(CC) $(ASFLAGS) -c $< -o $@

# Two links: the first without symbol table, which is then generated from
# it and linked last in the image (.ksyms comes after everything else, so no
# other address moves; the build checks that).
$(B)/ksyms0.S:
	@mkdir -p $(B)
	$(Q)sh tools/mkksyms.sh $(NM) > $@

$(B)/ksyms0.o $(B)/ksyms.o: $(B)/%.o: $(B)/%.S
	$(Q)$(CC) $(ASFLAGS) -c $< -o $@

$(B)/kernel.pass1.elf: $(KERNEL_OBJS) $(B)/ksyms0.o kernel/kernel.ld
	@echo "  LD      $@"
	$(Q)$(LD) -T kernel/kernel.ld -o $@ $(KERNEL_OBJS) $(B)/ksyms0.o $(LIBGCC)

$(B)/ksyms.S: $(B)/kernel.pass1.elf tools/mkksyms.sh
	$(Q)sh tools/mkksyms.sh $(NM) $< > $@

$(B)/kernel.elf: $(B)/kernel.pass1.elf $(B)/ksyms.o
	@echo "  LD      $@"
	$(Q)$(LD) -T kernel/kernel.ld -o $@ $(KERNEL_OBJS) $(B)/ksyms.o $(LIBGCC)
	$(Q)$(NM) -n $(B)/kernel.pass1.elf | grep -v ' ksyms_\| _ksyms_end$$\| _kernel_end$$' > $(B)/syms.pass1
	$(Q)$(NM) -n $@ | grep -v ' ksyms_\| _ksyms_end$$\| _kernel_end$$' > $(B)/syms.final
	$(Q)cmp -s $(B)/syms.pass1 $(B)/syms.final || \
		{ echo "kernel: symbol table moved code between links"; exit 1; }

$(B)/kernel.asm: $(B)/kernel.elf
	$(Q)$(OBJDUMP) -S $< > $@

$(B)/kernel.sym: $(B)/kernel.elf
	$(Q)$(NM) -n $< > $@

# ---- modules ------------------------------------------------------------

# Modules see only the ABI headers and the compiler's freestanding ones.
MODULE_CFLAGS := -std=gnu11 -march=rv64imac -mabi=lp64 -mcmodel=medany \
	-ffreestanding $(ABI_ONLY_INCLUDES) \
	-O2 -g -Wall -Wextra -Werror -fno-common -fno-pie -MMD -MP
MODULES := $(notdir $(wildcard modules/*))
MODULE_KOS := $(MODULES:%=$(B)/modules/%.ko)

$(B)/modules/%.o: modules/%.c
	@mkdir -p $(dir $@)
	@echo "  CC [M]  $<"
	$(Q)$(CC) $(MODULE_CFLAGS) -c $< -o $@

MODULE_OBJS := $(MODULES:%=$(B)/modules/%.o)
MODULES_DEP := $(B)/modules/modules.dep
MODPOST := $(B)/tools/modpost

$(B)/modules/%.mod.o: $(B)/modules/%.mod.c
	@echo "  CC [M]  $<"
	$(Q)$(CC) $(MODULE_CFLAGS) -c $< -o $@

# Code a module shares with the kernel: modules/NAME/sources, if there is
# one, lists more files for NAME.ko, one path (or glob) from the top of the
# tree a line, '#' starting a comment; memfs lists kernel/fs/ramfs_core/*.c.
# They are compiled with MODULE_CFLAGS into build/modules/NAME/, their
# folders go on the quote-include path of all of NAME's files (so such a
# folder must hold only code written against the ABI headers), and
# build/modules/NAME.sources lists them as found, for the tests that
# compile the module again (tests/host/test_loader_link_modules.c).
module_sources = $(if $(wildcard modules/$(1)/sources),$(sort $(wildcard \
	$(shell sed 's/#.*//' modules/$(1)/sources))))
module_shared_objs = $(patsubst %.c,$(B)/modules/$(1)/%.o,$(call module_sources,$(1)))
MODULE_SHARED_OBJS := $(foreach m,$(MODULES),$(call module_shared_objs,$(m)))

# A module is all the objects of its folder and of its sources, linked into
# one ET_REL (NAME.o).  modpost (tools/modpost.c) checks its undefined
# symbols against the kernel's exports and the other modules'
# KEEL_EXPORT_SYMBOLs and writes NAME.mod.c (depends=, abi=, the import
# table), which is compiled and linked in to make NAME.ko.
define module_rule
$(B)/modules/$(1).o: $(patsubst %.c,$(B)/%.o,$(wildcard modules/$(1)/*.c)) \
		$(call module_shared_objs,$(1))
	@echo "  LD [M]  $$@"
	$$(Q)$$(LD) -r -o $$@ $$^

ifneq ($(call module_sources,$(1)),)
$(patsubst %.c,$(B)/%.o,$(wildcard modules/$(1)/*.c)) $(call module_shared_objs,$(1)): \
		MODULE_CFLAGS += $(addprefix -iquote ,$(sort $(dir $(call module_sources,$(1)))))

$(call module_shared_objs,$(1)): $(B)/modules/$(1)/%.o: %.c
	@mkdir -p $$(dir $$@)
	@echo "  CC [M]  $$< ($(1))"
	$$(Q)$$(CC) $$(MODULE_CFLAGS) -c $$< -o $$@

$(B)/modules/$(1).sources: modules/$(1)/sources $(call module_sources,$(1))
	@mkdir -p $$(dir $$@)
	$$(Q)printf '%s\n' $(call module_sources,$(1)) > $$@

$(B)/modules/$(1).ko: | $(B)/modules/$(1).sources
endif

$(B)/modules/$(1).mod.c: $(B)/modules/$(1).o $(filter-out $(B)/modules/$(1).o,$(MODULE_OBJS)) $(B)/kernel.elf $(MODPOST)
	@echo "  MODPOST $$@"
	$$(Q)$(MODPOST) -k $(B)/kernel.elf $(addprefix -e ,$(filter-out $(B)/modules/$(1).o,$(MODULE_OBJS))) -o $$@ $$<

$(B)/modules/$(1).ko: $(B)/modules/$(1).o $(B)/modules/$(1).mod.o
	@echo "  LD [M]  $$@"
	$$(Q)$$(LD) -r -o $$@ $$^
endef
$(foreach m,$(MODULES),$(eval $(call module_rule,$(m))))

# depmod: "name.ko: dep.ko ..." for every module, from their depends=.
$(MODULES_DEP): $(MODULE_KOS) $(MODPOST)
	@echo "  DEPMOD  $@"
	$(Q)$(MODPOST) -D $@ $(MODULE_KOS)

modules: $(MODULE_KOS) $(MODULES_DEP)

# ---- initramfs ----------------------------------------------------------

ROOTFS_FILES := $(shell find kernel/rootfs -type f 2>/dev/null)

# $(1) = output archive, $(2) = optional script file placed at /etc/script.
# EXTRA=dir adds the files of dir to the root (tests use it for fixtures).
define make_initramfs
	@rm -rf $(1).d && mkdir -p $(1).d/lib/modules $(1).d/etc
	$(Q)cp -R kernel/rootfs/. $(1).d/
	$(if $(EXTRA),$(Q)cp -R $(EXTRA)/. $(1).d/)
	$(Q)cp $(MODULE_KOS) $(1).d/lib/modules/
	$(Q)cp $(MODULES_DEP) $(1).d/lib/modules/modules.dep
	$(if $(2),$(Q)cp $(2) $(1).d/etc/script)
	$(Q)cd $(1).d && find . -mindepth 1 | LC_ALL=C sort | \
		cpio --quiet -o -H newc -R 0:0 > $(abspath $(1))
	@rm -rf $(1).d
endef

$(B)/initramfs.cpio: $(ROOTFS_FILES) $(MODULE_KOS) $(MODULES_DEP)
	@mkdir -p $(B)
	@echo "  CPIO    $@"
	$(call make_initramfs,$@,)

# ---- running ------------------------------------------------------------

# Disk N of DISK=a,b,... sits in virtio-mmio slot N-1, so it is vda, vdb, ...
comma := ,
DISK_LIST := $(subst $(comma), ,$(DISK))
QEMU_DISKS := $(foreach i,$(shell seq 1 $(words $(DISK_LIST))), \
	-drive file=$(word $(i),$(DISK_LIST)),if=none,format=raw,id=disk$(i) \
	-device virtio-blk-device,drive=disk$(i),bus=virtio-mmio-bus.$(shell expr $(i) - 1))
QEMU_BASE = $(QEMU) -machine virt -bios default -m $(MEM) -smp $(CPUS) $(QEMU_EXTRA) \
	-nographic -global virtio-mmio.force-legacy=false \
	-kernel $(B)/kernel.elf $(QEMU_DISKS)

# INITRD=none boots without an initrd; INITRD=file uses another archive.
INITRD ?= $(B)/initramfs.cpio
QEMU_INITRD = $(if $(filter none,$(INITRD)),,-initrd $(INITRD))

ifeq ($(SCRIPT),)
run: bootstrap kernel $(B)/initramfs.cpio
	@echo "Keel: booting QEMU ($(CPUS) harts, $(MEM)); quit with Ctrl-A x"
	$(QEMU_BASE) $(QEMU_INITRD) -append "$(BOOTARGS)"
else
run: bootstrap kernel $(MODULE_KOS) $(MODULES_DEP)
	@mkdir -p $(B)
	$(call make_initramfs,$(B)/initramfs-script.cpio,$(SCRIPT))
	$(Q)sh tools/run-script.sh $(TIMEOUT) $(QEMU_BASE) \
		-initrd $(B)/initramfs-script.cpio -append "script=/etc/script $(BOOTARGS)"
endif

# SCRIPT=file works here too: debug a scripted run.
qemu-gdb: bootstrap kernel $(B)/initramfs.cpio $(MODULE_KOS)
	$(Q)sed "s/@GDBPORT@/$(GDBPORT)/" tools/gdbinit.in > .gdbinit
	$(if $(SCRIPT),$(call make_initramfs,$(B)/initramfs-gdb.cpio,$(SCRIPT)))
	@echo "Keel: QEMU halted, gdb stub on port $(GDBPORT)."
	@echo "      In another terminal: gdb-multiarch   (reads ./.gdbinit)"
	$(QEMU_BASE) $(if $(SCRIPT),-initrd $(B)/initramfs-gdb.cpio -append "script=/etc/script $(BOOTARGS)",$(QEMU_INITRD) -append "$(BOOTARGS)") -S -gdb tcp::$(GDBPORT)

# ---- host tools ---------------------------------------------------------

TOOLS_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -O2 -g -Iabi/include -iquote loader \
	-DKEEL_HOST_TOOL

$(B)/tools/modinfo: tools/modinfo.c loader/modinfo.c $(wildcard abi/include/keel/*.h loader/*.h)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOSTCC) $(TOOLS_CFLAGS) -o $@ tools/modinfo.c loader/modinfo.c -lelf

MODPOST_SRCS := tools/modpost.c tools/depmod.c tools/module_reader.c
$(B)/tools/modpost: $(MODPOST_SRCS) tools/modpost.h $(wildcard abi/include/keel/*.h)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOSTCC) $(TOOLS_CFLAGS) -o $@ $(MODPOST_SRCS) -lelf

tools: $(B)/tools/modinfo $(B)/tools/modpost

# ---- tests --------------------------------------------------------------

HOST_TEST_BINS := $(HOST_TESTS:%=$(B)/host/test_%)

define host_test_rule
$(B)/host/test_$(1): tests/host/test_$(1).c $$($(1)_SRCS) tests/host/shim.c $$(wildcard tests/host/*.h tests/host/fixtures/*/*.h) $$(wildcard kernel/*/*.h kernel/*/*/*.h loader/*.h abi/include/keel/*.h)
	@mkdir -p $$(dir $$@)
	@echo "  HOSTCC  $$@"
	$$(Q)$$(HOSTCC) $$(HOST_CFLAGS) $$($(1)_CFLAGS) -o $$@ tests/host/test_$(1).c $$($(1)_SRCS) $$(if $$($(1)_NO_SHIM),,tests/host/shim.c)
endef
$(foreach t,$(HOST_TESTS),$(eval $(call host_test_rule,$(t))))

host-tests: $(HOST_TEST_BINS)
	prove -f $(HOST_TEST_BINS)

qemu-tests: kernel
	prove -f tests/qemu/*.t

test: bootstrap
	$(Q)$(MAKE) --no-print-directory -j2 kernel modules tools $(HOST_TEST_BINS)
	prove -f $(HOST_TEST_BINS) tests/abi/*.t tests/qemu/*.t

# For clangd and other editors: one entry per kernel source file.
compile_commands.json:
	$(Q){ echo '['; sep=''; for f in $(KERNEL_C); do \
		printf '%s{"directory":"%s","file":"%s","command":"%s %s -c %s"}\n' \
			"$$sep" "$(CURDIR)" "$$f" "$(CC)" "$(CFLAGS)" "$$f"; sep=','; \
	done; echo ']'; } > $@
	@echo "  GEN     $@"

# ---- benchmarks -----------------------------------------------------------

# Two generated modules (tools/gen_bench_module.py NAME FUNCTIONS), built
# as any module is (modpost included): big.ko, over 250,000 relocations,
# and mid.ko, a quarter of it, so that linear cost shows as equal cost per
# relocation.  hello.ko is the small one.  BENCH_GEN_FLAGS=--no-align
# builds the control without alignment padding; each configuration has its
# own folder, BENCH_REPORT says where the table goes.
BENCH_FUNCTIONS ?= 2000
BENCH_GEN_FLAGS ?=
BENCH_REPORT ?= docs/bench/loader.md
bench_empty :=
BENCH_DIR := $(B)/bench/$(BENCH_FUNCTIONS)$(subst $(bench_empty) $(bench_empty),,$(BENCH_GEN_FLAGS))
bench_functions = $(if $(filter big,$(1)),$(BENCH_FUNCTIONS),$(shell expr $(BENCH_FUNCTIONS) / 4))
BENCH_KOS := $(BENCH_DIR)/root/lib/modules/big.ko $(BENCH_DIR)/root/lib/modules/mid.ko

$(BENCH_DIR)/gen/%.c: tools/gen_bench_module.py
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	$(Q)python3 tools/gen_bench_module.py $(BENCH_GEN_FLAGS) $* $(call bench_functions,$*) > $@

$(BENCH_DIR)/gen/%.o: $(BENCH_DIR)/gen/%.c $(wildcard abi/include/keel/*.h)
	@echo "  CC [M]  $< (under a minute)"
	$(Q)$(CC) $(filter-out -MMD -MP,$(MODULE_CFLAGS)) -c $< -o $@

$(BENCH_DIR)/post/%.mod.c: $(BENCH_DIR)/gen/%.o $(B)/kernel.elf $(MODPOST)
	@mkdir -p $(dir $@)
	@echo "  MODPOST $@"
	$(Q)$(MODPOST) -k $(B)/kernel.elf -o $@ $<

$(BENCH_DIR)/post/%.mod.o: $(BENCH_DIR)/post/%.mod.c
	$(Q)$(CC) $(filter-out -MMD -MP,$(MODULE_CFLAGS)) -c $< -o $@

$(BENCH_DIR)/root/lib/modules/%.ko: $(BENCH_DIR)/gen/%.o $(BENCH_DIR)/post/%.mod.o
	@mkdir -p $(dir $@)
	@echo "  LD [M]  $@"
	$(Q)$(LD) -r -o $@ $^

.PRECIOUS: $(BENCH_DIR)/gen/%.c $(BENCH_DIR)/gen/%.o $(BENCH_DIR)/post/%.mod.c \
	$(BENCH_DIR)/post/%.mod.o

# One boot, one hart, instructions counted exactly (-icount shift=0); the
# table goes to $(BENCH_REPORT) with the command and the date.  The modules
# last measured are linked from build/bench, where gdb looks for them.
# `bench exec` (tasks against kernel threads) runs next in the same boot
# and its table goes to $(BENCH_EXEC_REPORT).
BENCH_EXEC_REPORT ?= docs/bench/executor.md
BENCH_COMMAND := bench insmod /lib/modules/big.ko /lib/modules/mid.ko /lib/modules/hello.ko
BENCH_EXEC_COMMAND := bench exec
BENCH_MAKE := $(strip make bench $(foreach v,BENCH_FUNCTIONS BENCH_GEN_FLAGS BENCH_REPORT \
	BENCH_EXEC_REPORT BENCH_EXT2_REPORT BENCH_EXT2_CYCLES,$(if $(filter command line environment,$(origin $(v))),$(v)=$($(v)))))
bench: bootstrap kernel tools $(MODULE_KOS) $(MODULES_DEP) $(BENCH_KOS)
	$(Q)printf '%s\n' '$(BENCH_COMMAND)' '$(BENCH_EXEC_COMMAND)' > $(BENCH_DIR)/script
	$(Q)for ko in $(BENCH_KOS); do ln -sf $${ko#$(B)/bench/} $(B)/bench/$${ko##*/}; done
	$(Q)$(MAKE) --no-print-directory run SCRIPT=$(BENCH_DIR)/script EXTRA=$(BENCH_DIR)/root \
		CPUS=1 MEM=512M TIMEOUT=900 BOOTARGS=quiet QEMU_EXTRA="-icount shift=0" \
		> $(BENCH_DIR)/console.log 2>&1 || { cat $(BENCH_DIR)/console.log; exit 1; }
	$(Q)grep -v '^bench: exec' $(BENCH_DIR)/console.log > $(BENCH_DIR)/loader.log
	$(Q)sh tools/bench_report.sh $(BENCH_DIR)/loader.log '$(BENCH_MAKE)' \
		'$(strip $(BENCH_GEN_FLAGS) big $(BENCH_FUNCTIONS))' > $(BENCH_DIR)/loader.md
	$(Q)sh tools/bench_exec_report.sh $(BENCH_DIR)/console.log '$(BENCH_MAKE)' \
		> $(BENCH_DIR)/executor.md
	$(Q)mkdir -p $(dir $(BENCH_REPORT)) && cp $(BENCH_DIR)/loader.md $(BENCH_REPORT)
	$(Q)mkdir -p $(dir $(BENCH_EXEC_REPORT)) && cp $(BENCH_DIR)/executor.md $(BENCH_EXEC_REPORT)
	@cat $(BENCH_REPORT) $(BENCH_EXEC_REPORT)
	$(Q)$(MAKE) --no-print-directory bench-ext2 BENCH_EXT2_MAKE='$(BENCH_MAKE)' \
		BENCH_EXT2_REPORT='$(BENCH_EXT2_REPORT)' BENCH_EXT2_CYCLES='$(BENCH_EXT2_CYCLES)'

# ext2 (kernel/shell/cmd_bench_fs.c): random 4 KiB reads at depths 1..64
# and a 64 MiB sequential read, through ext2 (async, then sync_io=1) and
# from the raw disk, and memory per read in flight, in
# BENCH_EXT2_CYCLES turns (tools/bench_ext2_script.py says what runs).
# One image on two read-only disks: vda bypasses the host's page cache
# (cache=none: the build folder must allow O_DIRECT), vdb reads through
# it.  The script runs twice, by the host's clock and under -icount for
# instructions (docs/bench/README.md says why), and
# tools/bench_ext2_report.py writes $(BENCH_EXT2_REPORT) and the plot
# next to it.  About two and a half minutes.
BENCH_EXT2_REPORT ?= docs/bench/ext2.md
BENCH_EXT2_CYCLES ?= 5
BENCH_EXT2_MAKE ?= $(strip make bench-ext2 $(foreach v,BENCH_EXT2_REPORT BENCH_EXT2_CYCLES,\
	$(if $(filter command line environment,$(origin $(v))),$(v)=$($(v)))))
BENCH_EXT2_DIR := $(B)/bench/ext2
BENCH_EXT2_IMAGE := $(BENCH_EXT2_DIR)/disk.img
BENCH_EXT2_DISKS := \
	-drive file=$(BENCH_EXT2_IMAGE),if=none,format=raw,readonly=on,cache=none,id=bench0 \
	-device virtio-blk-device,drive=bench0,bus=virtio-mmio-bus.0 \
	-drive file=$(BENCH_EXT2_IMAGE),if=none,format=raw,readonly=on,id=bench1 \
	-device virtio-blk-device,drive=bench1,bus=virtio-mmio-bus.1
BENCH_EXT2_RUN = $(MAKE) --no-print-directory run SCRIPT=$(BENCH_EXT2_DIR)/script \
	CPUS=1 MEM=512M TIMEOUT=600 BOOTARGS=quiet

$(BENCH_EXT2_IMAGE): tools/bench_ext2_tree.py
	@mkdir -p $(dir $@)
	@echo "  MKE2FS  $@"
	$(Q)rm -rf $(BENCH_EXT2_DIR)/tree
	$(Q)python3 tools/bench_ext2_tree.py $(BENCH_EXT2_DIR)/tree big=128M seq=64M
	$(Q)mke2fs -q -F -t ext2 -b 4096 -d $(BENCH_EXT2_DIR)/tree $@.tmp 256M > /dev/null
	$(Q)mv $@.tmp $@ && rm -rf $(BENCH_EXT2_DIR)/tree

bench-ext2: bootstrap kernel $(MODULE_KOS) $(MODULES_DEP) $(BENCH_EXT2_IMAGE)
	$(Q)python3 tools/bench_ext2_script.py $(BENCH_EXT2_CYCLES) > $(BENCH_EXT2_DIR)/script
	$(Q)$(BENCH_EXT2_RUN) QEMU_EXTRA="$(BENCH_EXT2_DISKS)" > $(BENCH_EXT2_DIR)/wall.log 2>&1 \
		|| { cat $(BENCH_EXT2_DIR)/wall.log; exit 1; }
	$(Q)$(BENCH_EXT2_RUN) QEMU_EXTRA="-icount shift=0 $(BENCH_EXT2_DISKS)" \
		> $(BENCH_EXT2_DIR)/icount.log 2>&1 || { cat $(BENCH_EXT2_DIR)/icount.log; exit 1; }
	$(Q)python3 tools/bench_ext2_report.py --command '$(BENCH_EXT2_MAKE)' \
		--wall $(BENCH_EXT2_DIR)/wall.log --icount $(BENCH_EXT2_DIR)/icount.log \
		--svg $(BENCH_EXT2_DIR)/ext2-depth.svg \
		--disk 'vda=the host'"'"'s storage (cache=none): every read goes to it' \
		--disk 'vdb=the host'"'"'s page cache (QEMU'"'"'s default): every read is a copy from host memory' \
		> $(BENCH_EXT2_DIR)/ext2.md
	$(Q)mkdir -p $(dir $(BENCH_EXT2_REPORT))
	$(Q)cp $(BENCH_EXT2_DIR)/ext2.md $(BENCH_EXT2_REPORT)
	$(Q)cp $(BENCH_EXT2_DIR)/ext2-depth.svg $(dir $(BENCH_EXT2_REPORT))ext2-depth.svg
	@cat $(BENCH_EXT2_REPORT)

clean:
	rm -rf $(B) .gdbinit compile_commands.json

-include $(KERNEL_OBJS:.o=.d) $(wildcard $(B)/modules/*/*.d) $(wildcard $(B)/modules/*.d) \
	$(MODULE_SHARED_OBJS:.o=.d)
