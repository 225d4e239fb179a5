/*
 * test_fdt.c - the device-tree parser, on real and on hostile blobs.
 *
 * Two kinds of fixture:
 *
 *   - Small blobs made in memory with fixtures/fdt_builder.h: a tiny machine
 *     (two harts, a PLIC, UARTs, a test device, virtio slots) in several
 *     variants, then bent in one way per case: a bad magic, a block past
 *     the end, an unterminated name, a property running off the block,
 *     nesting too deep...
 *   - Real blobs dumped by QEMU itself (fixtures/qemu_dtb.h) at run time,
 *     for 1, 2, 4 and 8 harts, 1 GiB of RAM, an initrd and a command line,
 *     a modern virtio-blk device.  Without qemu-system-riscv64 these cases
 *     are reported as skipped.
 *
 * Finally every byte of a real (or built) blob is flipped, every word set
 * to awkward values and the blob cut at every length: under ASan and UBSan
 * fdt_parse() must never read outside the buffer and must return 0 or a
 * negative errno, leaving *info zeroed when it fails.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <keel/errno.h>

#include "boot/fdt.h"
#include "fixtures/fdt_builder.h"
#include "fixtures/qemu_dtb.h"
#include "fixtures/tiny_machine.h"
#include "tap.h"

static struct boot_info info;

static int b_parse(void)
{
	return fdt_parse(b.blob, b.size, &info);
}

/* ---- the tiny machine ------------------------------------------------- */

/* What the plain tiny machine must come out as. */
static void check_tiny_machine(void)
{
	CHECK_EQ(info.nmemory, 1);
	CHECK_EQ(info.memory[0].base, 0x80000000);
	CHECK_EQ(info.memory[0].size, 0x8000000);
	CHECK_EQ(info.nharts, 2);
	CHECK_EQ(info.harts[0].hartid, 0);
	CHECK_EQ(info.harts[0].intc_phandle, 0x10);
	CHECK_EQ(info.harts[0].plic_context, 1);
	CHECK_EQ(info.harts[1].hartid, 1);
	CHECK_EQ(info.harts[1].intc_phandle, 0x11);
	CHECK_EQ(info.harts[1].plic_context, 3);
	CHECK_EQ(info.timebase_hz, 10000000);
	CHECK_EQ(info.plic.base, 0x0c000000);
	CHECK_EQ(info.plic.size, 0x600000);
	CHECK_EQ(info.plic_ndev, 95);
	CHECK_EQ(info.poweroff.base, 0x100000);
	CHECK_EQ(info.nvirtio, 2);
	CHECK_EQ(info.virtio[0].base, 0x10001000);
	CHECK_EQ(info.virtio[0].irq, 1);
	CHECK_EQ(info.virtio[1].base, 0x10002000);
	CHECK_EQ(info.virtio[1].irq, 2);
	CHECK_EQ(info.initrd_start, 0);
	CHECK_EQ(info.bootargs[0], '\0');
	CHECK_EQ(info.fdt_size, b.size);
}

static bool info_is_zero(void)
{
	static const struct boot_info zero;

	return memcmp(&info, &zero, sizeof(info)) == 0;
}

/* ---- built blobs: what is understood --------------------------------- */

static void test_tiny_machine(void)
{
	build_machine(&plain);
	CHECK_EQ(b_parse(), 0);
	check_tiny_machine();
	CHECK_EQ(info.uart.base, 0x10000000);
	CHECK_EQ(info.uart.size, 0x100);
	CHECK_EQ(info.uart.irq, 10);
	CHECK_EQ(info.nreserved, 0);
}

static void test_one_cell_addresses(void)
{
	struct machine m = plain;

	m.cells = 1;
	build_machine(&m);
	CHECK_EQ(b_parse(), 0);
	check_tiny_machine();
	CHECK_EQ(info.uart.base, 0x10000000);
}

static void test_default_cells_are_two_and_one(void)
{
	struct machine m = plain;

	m.cells = 0;
	build_machine(&m);
	CHECK_EQ(b_parse(), 0);
	check_tiny_machine();
	CHECK_EQ(info.uart.irq, 10);
}

static void test_stdout_path_names_second_uart(void)
{
	struct machine m = plain;

	m.stdout_path = "/soc/serial@10000100";
	build_machine(&m);
	CHECK_EQ(b_parse(), 0);
	CHECK_EQ(info.uart.base, 0x10000100);
	CHECK_EQ(info.uart.irq, 12);
}

static void test_stdout_path_alias_with_options(void)
{
	struct machine m = plain;

	m.stdout_path = "serial1:115200n8";
	build_machine(&m);
	CHECK_EQ(b_parse(), 0);
	CHECK_EQ(info.uart.base, 0x10000100);
	CHECK_EQ(info.uart.irq, 12);
}

static void test_stdout_path_without_unit_address(void)
{
	struct machine m = plain;

	m.early_uart = true; /* the fallback would be 0x10000200 */
	m.stdout_path = "/soc/serial:115200n8";
	build_machine(&m);
	CHECK_EQ(b_parse(), 0);
	CHECK_EQ(info.uart.base, 0x10000000);
	m.stdout_path = "/soc//serial@10000100/";
	build_machine(&m);
	CHECK_EQ(b_parse(), 0);
	CHECK_EQ(info.uart.base, 0x10000100);
}

static void test_missing_stdout_path_falls_back(void)
{
	static char long_path[300], long_alias[300];
	struct machine m = plain;
	const char *paths[] = {
	    NULL,	 "serial7",	  "/soc/nothing@1", "/",
	    "/soc/test", "/soc/serial@1", "/soc/serial@",   "/soc/seria",
	    long_path,	 long_alias};

	memset(long_path, '/', sizeof(long_path) - 1);
	strcpy(long_path + sizeof(long_path) - 21, "/soc/serial@10000000");
	memset(long_alias, '/', sizeof(long_alias) - 1);
	memcpy(long_alias, "serial0", 7); /* expands past 255 bytes */

	/* None names a usable ns16550a: the first one in the tree is used. */
	m.early_uart = true;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		m.stdout_path = paths[i];
		build_machine(&m);
		CHECK_EQ(b_parse(), 0);
		CHECK_EQ(info.uart.base, 0x10000200);
		CHECK_EQ(info.uart.irq, 13);
	}
}

static void chosen_with_initrd64(void)
{
	b_cells("linux,initrd-start", 2, 0x1, 0x00000000);
	b_cells("linux,initrd-end", 2, 0x1, 0x00200000);
	b_str("bootargs", "script=/etc/x quiet");
}

static void chosen_with_initrd32(void)
{
	b_cells("linux,initrd-start", 1, 0x84200000);
	b_cells("linux,initrd-end", 1, 0x84200006);
}

static void test_initrd_cells_and_bootargs(void)
{
	struct machine m = plain;

	m.chosen_extra = chosen_with_initrd64;
	build_machine(&m);
	CHECK_EQ(b_parse(), 0);
	CHECK_EQ(info.initrd_start, 0x100000000);
	CHECK_EQ(info.initrd_end, 0x100200000);
	CHECK(strcmp(info.bootargs, "script=/etc/x quiet") == 0);
	m.chosen_extra = chosen_with_initrd32;
	build_machine(&m);
	CHECK_EQ(b_parse(), 0);
	CHECK_EQ(info.initrd_start, 0x84200000);
	CHECK_EQ(info.initrd_end, 0x84200006);
}

static void chosen_bad_initrd(void)
{
	b_cells("linux,initrd-start", 3, 0, 0, 0);
	b_cells("linux,initrd-end", 1, 0);
}

static void chosen_half_initrd(void)
{
	b_cells("linux,initrd-start", 1, 0x84200000);
}

static void chosen_reversed_initrd(void)
{
	b_cells("linux,initrd-start", 1, 0x84200000);
	b_cells("linux,initrd-end", 1, 0x84100000);
}

static void chosen_unterminated_bootargs(void)
{
	b_prop("bootargs", "quiet", 5);
}

static void chosen_long_bootargs(void)
{
	char text[600];

	memset(text, 'a', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	b_str("bootargs", text);
}

static void chosen_other_half_initrd(void)
{
	b_cells("linux,initrd-end", 1, 0x84200000);
}

static void test_bad_chosen_is_rejected(void)
{
	struct machine m = plain;
	void (*bad[])(void) = {chosen_bad_initrd, chosen_half_initrd,
			       chosen_other_half_initrd, chosen_reversed_initrd,
			       chosen_unterminated_bootargs};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m.chosen_extra = bad[i];
		build_machine(&m);
		CHECK_EQ(b_parse(), -EINVAL);
		CHECK(info_is_zero());
	}
	m.chosen_extra = chosen_long_bootargs;
	build_machine(&m);
	CHECK_EQ(b_parse(), 0);
	CHECK_EQ(strlen(info.bootargs), BOOT_BOOTARGS_MAX - 1);
}

static void test_reserved_ranges(void)
{
	struct machine m = plain;

	m.reserved_memory = true;
	build_machine(&m);
	/* build_machine reset the builder: add memreserve and re-lay out. */
	b.reserve[0][0] = 0x87000000;
	b.reserve[0][1] = 0x10000;
	b.nreserve = 1;
	b.structure_len -= 4; /* drop the END token b_finish added */
	b_finish();
	CHECK_EQ(b_parse(), 0);
	CHECK_EQ(info.nreserved, 3);
	CHECK_EQ(info.reserved[0].base, 0x87000000);
	CHECK_EQ(info.reserved[0].size, 0x10000);
	CHECK_EQ(info.reserved[1].base, 0x80000000);
	CHECK_EQ(info.reserved[1].size, 0x40000);
	CHECK_EQ(info.reserved[2].base, 0x80040000);
	CHECK_EQ(info.reserved[2].size, 0x20000);
	check_tiny_machine();
}

static void test_too_many_reserved_is_rejected(void)
{
	build_machine(&plain);
	for (int i = 0; i <= BOOT_MAX_RESERVED; i++) {
		b.reserve[i][0] = 0x81000000 + i * 0x1000;
		b.reserve[i][1] = 0x1000;
	}
	b.nreserve = BOOT_MAX_RESERVED + 1;
	b.structure_len -= 4;
	b_finish();
	CHECK_EQ(b_parse(), -EINVAL);
	b.reserve[0][0] = 0xfffffffffffff000; /* wraps around 2^64 */
	b.nreserve = 1;
	b.structure_len -= 4;
	b_finish();
	CHECK_EQ(b_parse(), -EINVAL);
	b.reserve[0][0] = 0x81000000;
	b.nreserve = BOOT_MAX_RESERVED;
	b.structure_len -= 4;
	b_finish();
	CHECK_EQ(b_parse(), 0);
	CHECK_EQ(info.nreserved, BOOT_MAX_RESERVED);
}

static void test_disabled_cpu_is_skipped(void)
{
	struct machine m = plain;

	m.disabled_cpu = true;
	build_machine(&m);
	CHECK_EQ(b_parse(), 0);
	check_tiny_machine();
}

static void test_virtio_sorted_and_capped(void)
{
	struct machine m = plain;

	m.extra_virtio = 9; /* 1, 2, then 3..11 scattered, then 12 */
	build_machine(&m);
	CHECK_EQ(b_parse(), 0);
	CHECK_EQ(info.nvirtio, BOOT_MAX_VIRTIO);
	for (int i = 0; i < info.nvirtio; i++) {
		CHECK_EQ(info.virtio[i].base, 0x10001000 + i * 0x1000);
		CHECK_EQ(info.virtio[i].irq, i + 1);
	}
}

static void test_missing_memory_or_harts_is_enodev(void)
{
	struct machine m = plain;

	m.no_memory = true;
	build_machine(&m);
	CHECK_EQ(b_parse(), -ENODEV);
	CHECK(info_is_zero());
	m = plain;
	m.no_cpus = true;
	build_machine(&m);
	CHECK_EQ(b_parse(), -ENODEV);
	CHECK(info_is_zero());
}

static void test_nops_are_ignored(void)
{
	b_reset();
	b_word(4);
	b_begin("");
	b_word(4);
	b_begin("memory@0");
	b_word(4);
	b_str("device_type", "memory");
	b_word(4);
	b_cells("reg", 3, 0, 0x1000, 0x2000);
	b_end();
	b_begin("cpus");
	b_begin("cpu@3");
	b_str("device_type", "cpu");
	b_cells("reg", 3, 0, 3, 0); /* /cpus says nothing: cells 2 and 1 */
	b_cells("timebase-frequency", 2, 0, 1000000);
	b_end();
	b_word(4);
	b_end();
	b_end();
	b_word(4);
	b_finish();
	CHECK_EQ(b_parse(), 0);
	CHECK_EQ(info.memory[0].size, 0x2000);
	CHECK_EQ(info.nharts, 1);
	CHECK_EQ(info.harts[0].hartid, 3);
	CHECK_EQ(info.harts[0].plic_context, -1);
	CHECK_EQ(info.timebase_hz, 1000000);
	CHECK_EQ(info.uart.base, 0);
	CHECK_EQ(info.plic.base, 0);
}

static void test_first_plic_and_test_device_win(void)
{
	b_start_board();
	b_begin("cpu@0"); /* a hart with no interrupt controller */
	b_str("device_type", "cpu");
	b_cells("reg", 1, 0);
	b_end();
	b_begin("cpu@1");
	b_str("device_type", "cpu");
	b_cells("reg", 1, 1);
	b_begin("interrupt-controller"); /* named, with an old-style phandle */
	b_cells("linux,phandle", 1, 0x42);
	b_end();
	b_end();
	b_end();
	build_device("test@100000", LIT("sifive,test0"), 1, 1, 0x100000, 0x1000,
		     0);
	build_device("test@200000", LIT("sifive,test0"), 1, 1, 0x200000, 0x1000,
		     0);
	b_begin("uart@300000");
	b_cells("interrupts-extended", 2, 0x5, 7);
	b_reg(1, 1, 0x300000, 0x100);
	b_str("compatible", "ns16550a");
	b_end();
	for (uint32_t base = 0x0c000000; base <= 0x0d000000;
	     base += 0x01000000) {
		b_begin("plic");
		b_reg(1, 1, base, 0x1000);
		b_cells("riscv,ndev", 1, base >> 24);
		b_cells("interrupts-extended", 6, 0, 9, 0x42, 11, 0x42, 9);
		b_str("compatible", "riscv,plic0");
		b_end();
	}
	b_end();
	b_finish();
	CHECK_EQ(b_parse(), 0);
	CHECK_EQ(info.poweroff.base, 0x100000);
	CHECK_EQ(info.plic.base, 0x0c000000);
	CHECK_EQ(info.plic_ndev, 12);
	CHECK_EQ(info.uart.base, 0x300000);
	CHECK_EQ(info.uart.irq, 7);
	CHECK_EQ(info.nharts, 2);
	CHECK_EQ(info.harts[0].intc_phandle, 0);
	CHECK_EQ(info.harts[0].plic_context, -1); /* phandle 0 names nothing */
	CHECK_EQ(info.harts[1].intc_phandle, 0x42);
	CHECK_EQ(info.harts[1].plic_context, 2);
}

static void test_rejects_bad_interrupts(void)
{
	for (int shape = 0; shape < 3; shape++) {
		b_start_board();
		b_begin("cpu@0");
		b_str("device_type", "cpu");
		b_cells("reg", 1, 0);
		b_end();
		b_end();
		b_begin(shape == 2 ? "plic" : "virtio");
		b_reg(1, 1, 0x10001000, 0x1000);
		b_cells("riscv,ndev", 1, 31);
		if (shape == 0) /* 5 bytes of interrupts */
			b_prop("interrupts", "\0\0\0\1\0", 5);
		else /* one and a half (phandle, irq) pairs */
			b_cells("interrupts-extended", 3, 0x10, 9, 0x11);
		b_str("compatible", shape == 2 ? "riscv,plic0" : "virtio,mmio");
		b_end();
		b_end();
		b_finish();
		CHECK_EQ(b_parse(), -EINVAL);
	}
}

static void test_rejects_bad_hart_id(void)
{
	b_start_board();
	b_cells("#address-cells", 1, 2); /* overrides the one above */
	b_begin("cpu@100000000");
	b_str("device_type", "cpu");
	b_cells("reg", 2, 1, 0); /* hart ids are 32 bits */
	b_end();
	b_end();
	b_end();
	b_finish();
	CHECK_EQ(b_parse(), -EINVAL);
	b_start_board();
	b_begin("cpu@0");
	b_str("device_type", "cpu"); /* and a cpu without reg has none */
	b_end();
	b_end();
	b_end();
	b_finish();
	CHECK_EQ(b_parse(), -EINVAL);
}

static void test_version_16_blob(void)
{
	build_machine(&plain);
	put_be32(b.blob + 20, 16);
	CHECK_EQ(b_parse(), 0);
	check_tiny_machine();
	put_be32(b.blob + 20, 15);
	CHECK_EQ(b_parse(), -EINVAL);
	put_be32(b.blob + 20, 18);
	put_be32(b.blob + 24, 18); /* a reader of 17 cannot read it */
	CHECK_EQ(b_parse(), -EINVAL);
}

/* ---- built blobs: what is refused ------------------------------------ */

static void test_rejects_bad_magic(void)
{
	build_machine(&plain);
	b.blob[0] ^= 1;
	CHECK_EQ(b_parse(), -EINVAL);
	CHECK(info_is_zero());
}

static void test_rejects_truncated_header(void)
{
	build_machine(&plain);
	CHECK_EQ(fdt_parse(b.blob, 0, &info), -EINVAL);
	CHECK_EQ(fdt_parse(b.blob, 20, &info), -EINVAL);
	CHECK_EQ(fdt_parse(b.blob, 39, &info), -EINVAL);
	CHECK_EQ(fdt_parse(NULL, 4096, &info), -EINVAL);
	put_be32(b.blob + 4, 39); /* totalsize smaller than a v17 header */
	CHECK_EQ(b_parse(), -EINVAL);
}

static void test_rejects_totalsize_past_max_size(void)
{
	build_machine(&plain);
	CHECK_EQ(fdt_parse(b.blob, b.size - 1, &info), -EINVAL);
	CHECK_EQ(fdt_parse(b.blob, b.size, &info), 0);
	CHECK_EQ(fdt_parse(b.blob, sizeof(b.blob), &info), 0);
	put_be32(b.blob + 4, 0xffffffff);
	CHECK_EQ(fdt_parse(b.blob, sizeof(b.blob), &info), -EINVAL);
}

static void test_rejects_blocks_past_end(void)
{
	static const struct {
		uint32_t field; /* header offset */
		bool from_end;	/* value is added to totalsize */
		int64_t value;
		const char *why;
	} bent[] = {
	    {8, true, 0, "off_dt_struct at the very end"},
	    {36, true, 0, "size_dt_struct = totalsize"},
	    {12, false, 0, "off_dt_strings inside the header"},
	    {12, true, 1, "off_dt_strings past the end"},
	    {32, true, 0, "size_dt_strings = totalsize"},
	    {16, true, 0, "off_mem_rsvmap at the end: no terminator"},
	    {16, true, -8, "off_mem_rsvmap 8 bytes before the end"},
	    {16, false, 44, "off_mem_rsvmap misaligned"},
	    {8, false, 20, "off_dt_struct inside the header"},
	    {8, false, 58, "off_dt_struct misaligned"},
	    {8, false, 0xfffffffc, "off_dt_struct + size wraps 32 bits"},
	};

	for (size_t i = 0; i < sizeof(bent) / sizeof(bent[0]); i++) {
		build_machine(&plain);
		put_be32(b.blob + bent[i].field,
			 bent[i].value + (bent[i].from_end ? b.size : 0));
		if (b_parse() != -EINVAL) {
			printf("#   accepted: %s\n", bent[i].why);
			CHECK(!"refused");
		}
	}
}

/* Parse the first len bytes of the built blob from a buffer of that size. */
static int parse_exact(uint32_t len)
{
	uint8_t *copy = malloc(len);
	int err;

	memcpy(copy, b.blob, len);
	err = fdt_parse(copy, len, &info);
	free(copy);
	return err;
}

static void test_rejects_unterminated_node_name(void)
{
	uint32_t at;

	b_reset();
	b.strings_first = true;
	b_begin("");
	at = b_begin("memory@80000000");
	b_end();
	b_end();
	b_finish();
	/* The blob, and its structure block, end inside the name. */
	b.size = b.struct_offset + at + 4 + 6;
	put_be32(b.blob + 4, b.size);
	put_be32(b.blob + 36, at + 4 + 6);
	CHECK_EQ(parse_exact(b.size), -EINVAL);
}

static void test_rejects_property_length_past_end(void)
{
	uint32_t at;

	b_reset();
	b_begin("");
	at = b_str("model", "keel");
	b_end();
	b_finish();
	put_be32(b.blob + b.struct_offset + at + 4, 0xfffffff0);
	CHECK_EQ(b_parse(), -EINVAL);
	/* One byte more than the block holds after the value starts. */
	put_be32(b.blob + b.struct_offset + at + 4,
		 get_be32(b.blob + 36) - (at + 12) + 1);
	CHECK_EQ(b_parse(), -EINVAL);
}

static void test_rejects_string_offset_past_strings(void)
{
	uint32_t at;

	build_machine(&plain);
	at = 4 + 4; /* the root's first property follows BEGIN_NODE "" */
	CHECK_EQ(get_be32(b.blob + b.struct_offset + at), 3);
	put_be32(b.blob + b.struct_offset + at + 8, b.strings_len);
	CHECK_EQ(b_parse(), -EINVAL);
	put_be32(b.blob + b.struct_offset + at + 8, 0xffffffff);
	CHECK_EQ(b_parse(), -EINVAL);
	/* The last name loses its NUL when the strings block shrinks. */
	build_machine(&plain);
	put_be32(b.blob + 32, b.strings_len - 1);
	CHECK_EQ(b_parse(), -EINVAL);
}

static void test_rejects_deep_nesting(void)
{
	for (int depth = 15; depth <= 16; depth++) {
		b_reset();
		b_begin("");
		b_begin("memory@0");
		b_str("device_type", "memory");
		b_cells("reg", 3, 0, 0, 0x1000);
		b_end();
		b_begin("cpus");
		b_begin("cpu@0");
		b_str("device_type", "cpu");
		b_cells("reg", 3, 0, 0, 0);
		b_end();
		b_end();
		for (int i = 0; i < depth; i++)
			b_begin("n");
		for (int i = 0; i < depth; i++)
			b_end();
		b_end();
		b_finish();
		/* The root plus 15 levels fit; one more does not. */
		CHECK_EQ(b_parse(), depth == 15 ? 0 : -EINVAL);
	}
}

static void test_rejects_malformed_streams(void)
{
	/* Each is a structure block that must not be accepted. */
	for (int shape = 0; shape < 7; shape++) {
		b_reset();
		if (shape == 0)
			b_str("model", "outside"); /* a property before root */
		b_begin("");
		b_begin("chosen");
		b_end();
		if (shape == 1)
			b_str("model", "late"); /* after a subnode */
		if (shape == 2)
			b_word(7); /* an unknown token */
		if (shape != 3)
			b_end(); /* shape 3: the root never closes */
		if (shape == 4)
			b_end(); /* one END_NODE too many */
		if (shape == 5) {
			b_begin(""); /* a second root */
			b_end();
		}
		b_finish();
		if (shape == 6)
			put_be32(b.blob + 36, get_be32(b.blob + 36) - 4);
		CHECK_EQ(b_parse(), -EINVAL); /* shape 6: no END token */
	}
}

static void test_rejects_bad_reg(void)
{
	/* addresses wider than 64 bits */
	b_reset();
	b_begin("");
	b_cells("#address-cells", 1, 3);
	b_begin("memory@0");
	b_str("device_type", "memory");
	b_cells("reg", 4, 0, 0, 0, 0x1000);
	b_end();
	b_end();
	b_finish();
	CHECK_EQ(b_parse(), -EINVAL);
	/* 2 + 1 cells do not divide a 16-byte reg */
	b_reset();
	b_begin("");
	b_begin("memory@0");
	b_str("device_type", "memory");
	b_cells("reg", 4, 0, 0, 0x1000, 0);
	b_end();
	b_end();
	b_finish();
	CHECK_EQ(b_parse(), -EINVAL);
	/* a range that wraps around 2^64 */
	b_reset();
	b_begin("");
	b_cells("#size-cells", 1, 2);
	b_begin("memory@0");
	b_str("device_type", "memory");
	b_cells("reg", 4, 0xffffffff, 0xfffff000, 0, 0x2000);
	b_end();
	b_end();
	b_finish();
	CHECK_EQ(b_parse(), -EINVAL);
	/* a #size-cells that is not one cell */
	b_reset();
	b_begin("");
	b_prop("#size-cells", "\0\0", 2);
	b_end();
	b_finish();
	CHECK_EQ(b_parse(), -EINVAL);
}

/* ---- fuzzing: never a crash, never a stray read ----------------------- */

static int fuzz_bad; /* results that broke a promise of fdt.h */

/* What any accepted blob must come out as. */
static bool info_is_sane(void)
{
	bool ok = info.nmemory >= 1 && info.nmemory <= BOOT_MAX_MEMORY &&
		  info.nharts >= 1 && info.nharts <= BOOT_MAX_HARTS &&
		  info.nreserved >= 0 && info.nreserved <= BOOT_MAX_RESERVED &&
		  info.nvirtio >= 0 && info.nvirtio <= BOOT_MAX_VIRTIO &&
		  info.initrd_end >= info.initrd_start &&
		  memchr(info.bootargs, '\0', sizeof(info.bootargs)) != NULL;

	for (int i = 1; ok && i < info.nvirtio; i++)
		ok = info.virtio[i - 1].base <= info.virtio[i].base;
	for (int i = 0; ok && i < info.nharts; i++)
		ok = info.harts[i].plic_context >= -1;
	return ok;
}

/* Parse a copy in a heap buffer of exactly `len` bytes, so ASan sees any
 * read past it; `word_at`, when below len - 3, is first set to `word`. */
static void fuzz_parse(const uint8_t *blob, uint32_t len, uint32_t totalsize,
		       uint32_t word_at, uint32_t word)
{
	uint8_t *copy = malloc(len ? len : 1);
	int err;

	memcpy(copy, blob, len);
	if (len >= 8)
		put_be32(copy + 4, totalsize);
	if (len >= 4 && word_at <= len - 4)
		put_be32(copy + word_at, word);
	err = fdt_parse(copy, len, &info);
	free(copy);
	if ((err != 0 && err != -EINVAL && err != -ENODEV) ||
	    (err != 0 && !info_is_zero()) || (err == 0 && !info_is_sane())) {
		if (fuzz_bad++ < 5)
			printf("#   len %u word %u=%#x: result %d\n", len,
			       word_at, word, err);
	}
}

static void fuzz_blob(const uint8_t *blob, uint32_t size)
{
	static const uint32_t words[] = {
	    0, 1, 2, 3, 4, 9, 0x7fffffff, 0xfffffffc, 0xffffffff};
	uint8_t *flipped = malloc(size);
	uint32_t byte, mask, off;

	fuzz_bad = 0;
	memcpy(flipped, blob, size);
	for (uint32_t len = 0; len < size; len++) {
		fuzz_parse(blob, len, size, UINT32_MAX, 0); /* cut short */
		fuzz_parse(blob, len, len, UINT32_MAX, 0);  /* and says so */
	}
	for (off = 0; off < size; off++) {
		for (mask = 1; mask < 0x100; mask = mask * 2 + 1) {
			byte = flipped[off];
			flipped[off] ^= mask;
			fuzz_parse(flipped, size, get_be32(flipped + 4),
				   UINT32_MAX, 0);
			flipped[off] = byte;
		}
	}
	for (off = 0; off + 4 <= size; off += 4) {
		for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			fuzz_parse(blob, size, size, off, words[i]);
		fuzz_parse(blob, size, size, off, size - off);
	}
	free(flipped);
	CHECK_EQ(fuzz_bad, 0);
	CHECK_EQ(fdt_parse(blob, size, &info), 0); /* the original is fine */
}

/* Both initrd bounds, bootargs, and a #address-cells to bend as well. */
static void chosen_for_fuzz(void)
{
	chosen_with_initrd64();
	b_cells("#address-cells", 1, 1);
}

static void test_fuzz_built_blob(void)
{
	struct machine m = plain;

	m.stdout_path = "serial1:115200";
	m.reserved_memory = true;
	m.disabled_cpu = true;
	m.chosen_extra = chosen_for_fuzz;
	build_machine(&m);
	CHECK_EQ(b_parse(), 0);
	fuzz_blob(b.blob, b.size);
}

/* ---- real blobs from QEMU -------------------------------------------- */


/* True when QEMU can be used; otherwise the case is marked skipped. */
static bool need_qemu(void)
{
	if (qemu_dtb_ready())
		return true;
	tap_skip_reason = "qemu-system-riscv64 not found";
	return false;
}

static uint8_t *dump_dtb(const char *args, size_t *size)
{
	uint8_t *blob = qemu_dtb_dump(args, size);

	CHECK(blob != NULL);
	return blob;
}

/* Everything QEMU virt's tree must say, with `harts` harts and `mem` RAM. */
static void check_virt(const uint8_t *blob, size_t size, int harts,
		       uint64_t mem)
{
	CHECK_EQ(fdt_parse(blob, size, &info), 0);
	CHECK_EQ(info.fdt_size, get_be32(blob + 4));
	CHECK_EQ(info.nmemory, 1);
	CHECK_EQ(info.memory[0].base, 0x80000000);
	CHECK_EQ(info.memory[0].size, mem);
	CHECK_EQ(info.nharts, harts);
	for (int i = 0; i < info.nharts; i++) {
		CHECK_EQ(info.harts[i].hartid, i);
		CHECK_EQ(info.harts[i].plic_context, 2 * i + 1);
		CHECK(info.harts[i].intc_phandle != 0);
		for (int j = 0; j < i; j++)
			CHECK(info.harts[j].intc_phandle !=
			      info.harts[i].intc_phandle);
	}
	CHECK_EQ(info.timebase_hz, 10000000);
	CHECK_EQ(info.uart.base, 0x10000000);
	CHECK_EQ(info.uart.size, 0x100);
	CHECK_EQ(info.uart.irq, 10);
	CHECK_EQ(info.plic.base, 0x0c000000);
	CHECK_EQ(info.plic.size, 0x600000);
	/* QEMU 7.2 writes 96 (0x60) here; other versions write 95 (0x5f). */
	CHECK(info.plic_ndev == 95 || info.plic_ndev == 96);
	CHECK_EQ(info.poweroff.base, 0x100000);
	CHECK_EQ(info.poweroff.size, 0x1000);
	CHECK_EQ(info.nvirtio, 8);
	for (int i = 0; i < info.nvirtio; i++) {
		CHECK_EQ(info.virtio[i].base, 0x10001000 + 0x1000 * i);
		CHECK_EQ(info.virtio[i].size, 0x1000);
		CHECK_EQ(info.virtio[i].irq, i + 1);
	}
	/* The tree as QEMU builds it, before OpenSBI reserves anything. */
	CHECK_EQ(info.nreserved, 0);
}

static void qemu_case(const char *args, int harts, uint64_t mem)
{
	uint8_t *blob;
	size_t size;

	if (!need_qemu() || !(blob = dump_dtb(args, &size)))
		return;
	check_virt(blob, size, harts, mem);
	CHECK_EQ(info.initrd_start, 0);
	CHECK_EQ(info.initrd_end, 0);
	CHECK_EQ(info.bootargs[0], '\0');
	free(blob);
}

static void test_qemu_virt_1_hart(void)
{
	qemu_case("-smp 1 -m 128M", 1, 128 << 20);
}

static void test_qemu_virt_2_harts(void)
{
	qemu_case("-smp 2 -m 128M", 2, 128 << 20);
}

static void test_qemu_virt_4_harts(void)
{
	qemu_case("-smp 4 -m 128M", 4, 128 << 20);
}

static void test_qemu_virt_8_harts(void)
{
	qemu_case("-smp 8 -m 128M", 8, 128 << 20);
}

static void test_qemu_virt_1g_memory(void)
{
	qemu_case("-smp 2 -m 1G", 2, 1ull << 30);
}

static void test_qemu_modern_virtio_blk(void)
{
	qemu_case("-smp 2 -m 128M -global virtio-mmio.force-legacy=false "
		  "-drive file=disk.img,if=none,format=raw,id=d0 "
		  "-device virtio-blk-device,drive=d0",
		  2, 128 << 20);
}

static void test_qemu_initrd_and_bootargs(void)
{
	uint8_t *blob;
	size_t size;

	if (!need_qemu())
		return;
	blob = dump_dtb("-smp 2 -m 128M -kernel kernel.bin -initrd initrd.img "
			"-append 'script=/etc/x quiet'",
			&size);
	if (!blob)
		return;
	check_virt(blob, size, 2, 128 << 20);
	CHECK_EQ(info.initrd_end - info.initrd_start, QEMU_DTB_INITRD_SIZE);
	CHECK(info.initrd_start >= 0x80000000);
	CHECK(info.initrd_end <= 0x80000000 + (128 << 20));
	CHECK(strcmp(info.bootargs, "script=/etc/x quiet") == 0);
	free(blob);
}

static void test_qemu_blob_fuzzed(void)
{
	uint8_t *blob;
	size_t size;

	if (!need_qemu() || !(blob = dump_dtb("-smp 2 -m 128M", &size)))
		return;
	/* Only the header's totalsize bytes, in an exact-size buffer. */
	CHECK(get_be32(blob + 4) <= size);
	fuzz_blob(blob, get_be32(blob + 4));
	free(blob);
}

/* ---- the table -------------------------------------------------------- */

static const struct tap_case cases[] = {
    TAP_CASE(test_tiny_machine),
    TAP_CASE(test_one_cell_addresses),
    TAP_CASE(test_default_cells_are_two_and_one),
    TAP_CASE(test_stdout_path_names_second_uart),
    TAP_CASE(test_stdout_path_alias_with_options),
    TAP_CASE(test_stdout_path_without_unit_address),
    TAP_CASE(test_missing_stdout_path_falls_back),
    TAP_CASE(test_initrd_cells_and_bootargs),
    TAP_CASE(test_bad_chosen_is_rejected),
    TAP_CASE(test_reserved_ranges),
    TAP_CASE(test_too_many_reserved_is_rejected),
    TAP_CASE(test_disabled_cpu_is_skipped),
    TAP_CASE(test_virtio_sorted_and_capped),
    TAP_CASE(test_missing_memory_or_harts_is_enodev),
    TAP_CASE(test_nops_are_ignored),
    TAP_CASE(test_first_plic_and_test_device_win),
    TAP_CASE(test_rejects_bad_hart_id),
    TAP_CASE(test_rejects_bad_interrupts),
    TAP_CASE(test_version_16_blob),
    TAP_CASE(test_rejects_bad_magic),
    TAP_CASE(test_rejects_truncated_header),
    TAP_CASE(test_rejects_totalsize_past_max_size),
    TAP_CASE(test_rejects_blocks_past_end),
    TAP_CASE(test_rejects_unterminated_node_name),
    TAP_CASE(test_rejects_property_length_past_end),
    TAP_CASE(test_rejects_string_offset_past_strings),
    TAP_CASE(test_rejects_deep_nesting),
    TAP_CASE(test_rejects_malformed_streams),
    TAP_CASE(test_rejects_bad_reg),
    TAP_CASE(test_fuzz_built_blob),
    TAP_CASE(test_qemu_virt_1_hart),
    TAP_CASE(test_qemu_virt_2_harts),
    TAP_CASE(test_qemu_virt_4_harts),
    TAP_CASE(test_qemu_virt_8_harts),
    TAP_CASE(test_qemu_virt_1g_memory),
    TAP_CASE(test_qemu_modern_virtio_blk),
    TAP_CASE(test_qemu_initrd_and_bootargs),
    TAP_CASE(test_qemu_blob_fuzzed),
};

int main(void)
{
	return tap_run(cases, TAP_COUNT(cases));
}
