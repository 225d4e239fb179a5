/*
 * test_loader_link.c - stages 2 and 3 of the module loader, against GNU ld.
 *
 * The main evidence is differential.  Each fixture module in
 * fixtures/link/ is compiled many ways - GCC at -O0, -O2 and -Os, with and
 * without the C extension, with and without -ffunction-sections
 * -fdata-sections, with -mno-relax as Keel modules are built and also with
 * relaxation (so the objects carry R_RISCV_ALIGN padding to trim); clang
 * likewise when it is installed - and every variant is linked twice: by
 * the loader into host memory standing for the three regions, and by
 * $(CROSS)ld --no-relax at exactly the addresses the layout chose (the
 * harness is link_fixture.c; test_loader_link_modules.c runs the in-tree
 * modules through it).  Every loaded section must come out with the same
 * address, size and bytes, and every global symbol with the same address;
 * each variant is tried with the regions in two orders.  The PLT and GOT,
 * which a static ld link does not have, are checked by decoding: each PLT
 * entry must load from its own GOT slot and each slot must hold its
 * symbol's address.  far.c is also compared 8 GiB from the kernel, its
 * calls to the kernel pointed at their PLT entries in ld's link too.
 *
 * Then what ld cannot show: each call of a module placed far away decoded
 * to its PLT entry; GOT_HI20 (ld orders its GOT its own way); the work
 * done on a module with tens of thousands of relocations, counted (never
 * timed) through loader_link_counted(); and the refusals, each of which
 * must name the section, offset, relocation type and symbol.
 *
 * Without the RISC-V cross tools the cases that need them are skipped.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <keel/errno.h>

#include "loader.h"
#include "reloc_riscv.h"
#include "shim.h"
#include "tap.h"
#include "link_fixture.h"

static bool need_tools(void)
{
	if (fixture_ready())
		return true;
	tap_skip_reason = fixture_skip;
	return false;
}

static bool need_clang(void)
{
	if (!need_tools())
		return false;
	if (fixture_have_clang)
		return true;
	tap_skip_reason = "clang not on PATH";
	return false;
}

/* ---- the differential runs --------------------------------------------- */

struct variant {
	enum compiler compiler;
	char flags[256];
	const char *source;
};

static unsigned variants_compared;

/* Compile v, then load and ld-link it at `base` in both region orders. */
static bool compare_variant(const struct variant *v, uint64_t base)
{
	static unsigned serial;
	struct subject s;
	char object[32], label[320];
	bool same = false;
	int err;

	snprintf(object, sizeof(object), "v%u.o", serial++);
	snprintf(label, sizeof(label), "%s compiled with %s", v->source,
		 v->flags);
	if (!compile(v->compiler, v->flags, v->source, object))
		return false;
	err = subject_open(&s, object);
	if (err)
		printf("#   %s: %d: %s\n", label, err, s.reason);
	else
		same = compare_with_ld(&s, base, label);
	variants_compared += same;
	subject_free(&s);
	return same;
}

static const char *const c_sources[] = {"calls.c", "switch.c", "weak.c",
					"far.c"};
static const char *const optimisations[] = {"-O0", "-O2", "-Os"};
static const char *const isas[] = {"rv64imac", "rv64ima"};
static const char *const sectionings[] = {
    "", "-ffunction-sections -fdata-sections"};

/* Every C fixture, every combination, -mno-relax: 48 variants. */
static void test_same_as_ld_gcc_norelax(void)
{
	struct variant v = {.compiler = GCC};

	if (!need_tools())
		return;
	for (size_t f = 0; f < TAP_COUNT(c_sources); f++)
		for (size_t o = 0; o < TAP_COUNT(optimisations); o++)
			for (size_t i = 0; i < TAP_COUNT(isas); i++)
				for (size_t c = 0; c < TAP_COUNT(sectionings);
				     c++) {
					snprintf(
					    v.flags, sizeof(v.flags),
					    "-march=%s %s %s -mno-relax %s",
					    isas[i], GCC_FLAGS,
					    optimisations[o], sectionings[c]);
					v.source = c_sources[f];
					CHECK(compare_variant(&v, NEAR_BASE));
				}
}

/*
 * Built with relaxation and aligned functions, jumps and loops: objects
 * full of R_RISCV_ALIGN padding, which the loader must trim exactly as ld.
 */
static void test_same_as_ld_gcc_relaxed(void)
{
	struct variant v = {.compiler = GCC};
	unsigned long cuts_seen = 0;

	if (!need_tools())
		return;
	for (size_t f = 0; f < TAP_COUNT(c_sources); f++)
		for (size_t o = 1; o < TAP_COUNT(optimisations); o++)
			for (size_t i = 0; i < TAP_COUNT(isas); i++) {
				snprintf(v.flags, sizeof(v.flags),
					 "-march=%s %s %s -mrelax "
					 "-falign-functions=16 "
					 "-falign-jumps=8 -falign-loops=8 "
					 "-falign-labels=4 %s",
					 isas[i], GCC_FLAGS, optimisations[o],
					 sectionings[(f + i) % 2]);
				v.source = c_sources[f];
				CHECK(compare_variant(&v, NEAR_BASE));
			}
	/* The padding really was there to trim. */
	snprintf(v.flags, sizeof(v.flags),
		 "-march=rv64imac %s -O2 -mrelax -falign-functions=16 "
		 "-falign-loops=8",
		 GCC_FLAGS);
	v.source = "switch.c";
	if (compile(GCC, v.flags, v.source, "relaxed.o")) {
		struct subject s;

		if (subject_open(&s, "relaxed.o") == 0)
			cuts_seen = s.layout.cuts;
		subject_free(&s);
	}
	CHECK(cuts_seen > 0);
}

static void test_same_as_ld_clang(void)
{
	struct variant v = {.compiler = CLANG};

	if (!need_clang())
		return;
	for (size_t f = 0; f < TAP_COUNT(c_sources); f++) {
		for (size_t o = 0; o < TAP_COUNT(optimisations); o++) {
			snprintf(v.flags, sizeof(v.flags),
				 "%s -march=rv64imac %s -mno-relax %s",
				 CLANG_FLAGS, optimisations[o],
				 sectionings[o % 2]);
			v.source = c_sources[f];
			CHECK(compare_variant(&v, NEAR_BASE));
		}
		snprintf(v.flags, sizeof(v.flags),
			 "%s -march=rv64imac -O2 %s -falign-functions=16 %s",
			 CLANG_FLAGS, CLANG_RELAXED, sectionings[f % 2]);
		CHECK(compare_variant(&v, NEAR_BASE));
	}
}

/* pairs.S and align.S, assembled by GNU as (both ISAs) and by clang. */
static void test_same_as_ld_assembly(void)
{
	static const char *const sources[] = {"pairs.S", "align.S"};
	struct variant v;

	if (!need_tools())
		return;
	for (size_t f = 0; f < TAP_COUNT(sources); f++) {
		v.source = sources[f];
		for (size_t i = 0; i < TAP_COUNT(isas); i++) {
			v.compiler = GCC;
			snprintf(v.flags, sizeof(v.flags),
				 "-march=%s -mabi=lp64 -mno-relax", isas[i]);
			CHECK(compare_variant(&v, NEAR_BASE));
		}
		if (fixture_have_clang) {
			v.compiler = CLANG;
			snprintf(v.flags, sizeof(v.flags),
				 "--target=riscv64-unknown-elf -march=rv64imac "
				 "-mabi=lp64 -mno-relax");
			CHECK(compare_variant(&v, NEAR_BASE));
		}
	}
}

/*
 * weak.c 8 GiB from the kernel and from address 0: ld turns the auipc of
 * each reference to a missing weak symbol into lui 0, and each call to
 * one into a jump to 0; the loader must do the same.
 */
static void test_same_as_ld_far_weak(void)
{
	struct variant v = {.compiler = GCC, .source = "weak.c"};
	struct subject s;

	if (!need_tools())
		return;
	for (size_t o = 0; o < TAP_COUNT(optimisations); o++) {
		snprintf(v.flags, sizeof(v.flags),
			 "-march=rv64imac %s %s -mno-relax", GCC_FLAGS,
			 optimisations[o]);
		CHECK(compare_variant(&v, FAR_BASE));
	}
	if (fixture_have_clang) {
		v.compiler = CLANG;
		snprintf(v.flags, sizeof(v.flags),
			 "%s -march=rv64imac -O2 -mno-relax", CLANG_FLAGS);
		CHECK(compare_variant(&v, FAR_BASE));
	}
	if (subject_build(&s, GCC,
			  "-march=rv64imac " GCC_FLAGS " -O2 -mno-relax",
			  "weak.c", "weak-far.o", FAR_BASE)) {
		CHECK(s.stats.lui_rewrites >= 2);
		CHECK(s.stats.weak_calls >= 1);
		CHECK_EQ(s.stats.plt_calls, 0);
	} else {
		CHECK(!"weak.c links far away");
	}
	subject_free(&s);
}

/*
 * far.c 8 GiB from the kernel: every call to the kernel goes through the
 * PLT, and ld, told those calls go to the PLT entries, must write the
 * same call sites (link_fixture.h).
 */
static void test_same_as_ld_far_calls(void)
{
	struct variant v = {.compiler = GCC, .source = "far.c"};
	unsigned long before = differential.plt_redirects;

	if (!need_tools())
		return;
	for (size_t o = 0; o < TAP_COUNT(optimisations); o++) {
		snprintf(v.flags, sizeof(v.flags),
			 "-march=%s %s %s -mno-relax %s", isas[o % 2],
			 GCC_FLAGS, optimisations[o], sectionings[o % 2]);
		CHECK(compare_variant(&v, FAR_BASE));
	}
	snprintf(v.flags, sizeof(v.flags),
		 "-march=rv64imac %s -O2 -mrelax -falign-functions=16",
		 GCC_FLAGS);
	CHECK(compare_variant(&v, FAR_BASE));
	if (fixture_have_clang) {
		v.compiler = CLANG;
		snprintf(v.flags, sizeof(v.flags),
			 "%s -march=rv64imac -O2 -mno-relax", CLANG_FLAGS);
		CHECK(compare_variant(&v, FAR_BASE));
	}
	/* kernel_log, kernel_value, kernel_alloc, kernel_free, each link */
	CHECK(differential.plt_redirects - before >= 4 * 2 * 4);
}

/* The one-line summary of the differential runs. */
static void test_differential_summary(void)
{
	if (!need_tools())
		return;
	printf("# %u module variants, %u links, %u sections and %lu bytes "
	       "identical to GNU ld; %lu symbol addresses, %lu GOT slots and "
	       "%lu PLT entries checked\n",
	       variants_compared, differential.links, differential.sections,
	       differential.bytes, differential.symbols, differential.got_slots,
	       differential.plt_entries);
	CHECK(variants_compared >= 60);
	CHECK(differential.bytes > 0);
}

/* ---- layout ------------------------------------------------------------ */

static const char *const sectioned_flags =
    "-march=rv64imac " GCC_FLAGS " -O2 -mno-relax -ffunction-sections "
    "-fdata-sections";

static void test_layout_places_sections_by_flags(void)
{
	uint64_t end[LOADER_REGIONS] = {0};
	struct subject s;
	unsigned loaded = 0;

	if (!need_tools())
		return;
	CHECK(compile(GCC, sectioned_flags, "calls.c", "layout.o"));
	CHECK_EQ(subject_open(&s, "layout.o"), 0);
	CHECK_EQ(s.layout.nsections, s.m.nsections);
	for (unsigned i = 1; i < s.m.nsections && s.layout.sections; i++) {
		const Elf64_Shdr *sh = &s.m.sections[i];
		const struct loader_place *place = &s.layout.sections[i];
		int region = (sh->sh_flags & SHF_EXECINSTR) ? LOADER_TEXT
			     : (sh->sh_flags & SHF_WRITE)   ? LOADER_DATA
							    : LOADER_RODATA;

		if (!(sh->sh_flags & SHF_ALLOC)) {
			CHECK_EQ(place->region, LOADER_NOT_LOADED);
			continue;
		}
		loaded++;
		CHECK_EQ(place->region, region);
		CHECK(sh->sh_addralign < 2 ||
		      place->offset % sh->sh_addralign == 0);
		/* in section order, never overlapping, no gap to spare */
		CHECK(place->offset >= end[region]);
		CHECK(place->offset - end[region] <
		      (sh->sh_addralign ? sh->sh_addralign : 1));
		CHECK_EQ(place->size, sh->sh_size);
		end[region] = place->offset + place->size;
	}
	CHECK(loaded > 10);
	CHECK(s.layout.got_slots > 0 && s.layout.plt_slots > 0);
	CHECK_EQ(s.layout.got_offset % 8, 0);
	CHECK(s.layout.got_offset >= end[LOADER_RODATA] &&
	      s.layout.got_offset < end[LOADER_RODATA] + 8);
	CHECK_EQ(s.layout.plt_offset % 16, 0);
	CHECK(s.layout.plt_offset >= end[LOADER_TEXT] &&
	      s.layout.plt_offset < end[LOADER_TEXT] + 16);
	end[LOADER_RODATA] = s.layout.got_offset + 8ull * s.layout.got_slots;
	end[LOADER_TEXT] = s.layout.plt_offset + 16ull * s.layout.plt_slots;
	for (int r = 0; r < LOADER_REGIONS; r++) {
		CHECK_EQ(s.layout.region_size[r] % LOADER_PAGE_SIZE, 0);
		CHECK(s.layout.region_size[r] >= end[r]);
		CHECK(s.layout.region_size[r] < end[r] + LOADER_PAGE_SIZE);
	}
	subject_free(&s);
}

/* Slots counted the slow, obvious way: a list of distinct symbols. */
static unsigned naive_count(const struct elf_module *m, bool got_too,
			    uint32_t *seen, unsigned capacity)
{
	unsigned n = 0;

	for (unsigned i = 1; i < m->nsections; i++) {
		const Elf64_Shdr *sh = &m->sections[i];
		const Elf64_Rela *r =
		    (const Elf64_Rela *)(m->file + sh->sh_offset);

		if (sh->sh_type != SHT_RELA ||
		    !(m->sections[sh->sh_info].sh_flags & SHF_ALLOC))
			continue;
		for (size_t j = 0; j < sh->sh_size / sizeof(*r); j++) {
			uint32_t type = ELF64_R_TYPE(r[j].r_info);
			uint32_t symbol = ELF64_R_SYM(r[j].r_info);
			bool counted = false;

			if (type != R_RISCV_CALL && type != R_RISCV_CALL_PLT &&
			    type != R_RISCV_PLT32 &&
			    !(got_too && type == R_RISCV_GOT_HI20))
				continue;
			for (unsigned k = 0; k < n && !counted; k++)
				counted = seen[k] == symbol;
			if (!counted && n < capacity)
				seen[n++] = symbol;
		}
	}
	return n;
}

static void check_slots(const char *source, const char *flags)
{
	uint32_t seen[512];
	struct subject s;
	bool *used;

	CHECK(compile(GCC, flags, source, "slots.o"));
	CHECK_EQ(subject_open(&s, "slots.o"), 0);
	if (!s.layout.slot_of_symbol) {
		subject_free(&s);
		return;
	}
	CHECK_EQ(s.layout.plt_slots, naive_count(&s.m, false, seen, 512));
	CHECK_EQ(s.layout.got_slots, naive_count(&s.m, true, seen, 512));
	used = calloc(s.layout.got_slots + 1, sizeof(*used));
	for (unsigned i = 0; i < s.m.nsymbols && used; i++) {
		int32_t slot = s.layout.slot_of_symbol[i];

		if (slot < 0)
			continue;
		CHECK((unsigned)slot < s.layout.got_slots);
		CHECK(!used[slot]);
		used[slot] = true;
	}
	/* PLT targets hold the first slots. */
	for (unsigned k = 0, n = naive_count(&s.m, false, seen, 512); k < n;
	     k++)
		CHECK(s.layout.slot_of_symbol[seen[k]] >= 0 &&
		      (unsigned)s.layout.slot_of_symbol[seen[k]] <
			  s.layout.plt_slots);
	free(used);
	subject_free(&s);
}

static void test_layout_counts_slots_once_per_symbol(void)
{
	if (!need_tools())
		return;
	check_slots("calls.c", sectioned_flags);
	check_slots("pairs.S", "-march=rv64imac -mabi=lp64 -mno-relax");
	check_slots("got.S", "-march=rv64imac -mabi=lp64 -mno-relax");
}

static void test_layout_refuses_missing_arrays(void)
{
	struct subject s;
	char reason[ELF_REASON_MAX];
	struct loader_place *sections;

	if (!need_tools())
		return;
	CHECK(compile(GCC, sectioned_flags, "weak.c", "arrays.o"));
	CHECK_EQ(subject_open(&s, "arrays.o"), 0);
	sections = s.layout.sections;
	s.layout.sections = NULL;
	CHECK_EQ(loader_layout(&s.m, &s.layout, reason), -EINVAL);
	CHECK(reason[0] != '\0');
	s.layout.sections = sections;
	CHECK_EQ(loader_layout(NULL, &s.layout, reason), -EINVAL);
	CHECK_EQ(loader_layout(&s.m, NULL, NULL), -EINVAL);
	CHECK_EQ(loader_layout(&s.m, &s.layout, NULL), 0);
	subject_free(&s);
}

/* Layout allocates nothing; link frees its scratch, even on error. */
static void test_no_allocation_survives(void)
{
	static const char *const hide[] = {"kernel_value", NULL};
	struct resolver_log log = {.hide = hide};
	struct subject s;
	long before;

	if (!need_tools())
		return;
	CHECK(compile(GCC, sectioned_flags, "calls.c", "alloc.o"));
	CHECK_EQ(subject_open(&s, "alloc.o"), 0);
	before = shim_live_allocations;
	CHECK_EQ(loader_layout(&s.m, &s.layout, s.reason), 0);
	CHECK_EQ(shim_live_allocations, before);
	subject_place(&s, NEAR_BASE, IN_ORDER);
	CHECK_EQ(subject_link(&s, NULL), 0);
	CHECK_EQ(shim_live_allocations, before);
	CHECK_EQ(subject_link(&s, &log), -ENOENT);
	CHECK_EQ(shim_live_allocations, before);
	subject_free(&s);
}

/* ---- the PLT in use ---------------------------------------------------- */

/* Near the kernel every call goes direct, yet the PLT is ready. */
static void test_near_calls_are_direct(void)
{
	struct subject s;

	if (!need_tools())
		return;
	if (subject_build(&s, GCC, sectioned_flags, "calls.c", "near.o",
			  NEAR_BASE)) {
		CHECK_EQ(s.stats.plt_calls, 0);
		CHECK(s.layout.plt_slots > 0);
		CHECK(plt_and_got_hold(&s, NULL));
	} else {
		CHECK(!"calls.c links near the kernel");
	}
	subject_free(&s);
}

/*
 * far.c 8 GiB away: decode every call to the kernel - auipc+jalr must
 * reach the symbol's PLT entry, whose GOT slot holds the kernel address.
 */
static void check_far_calls(const char *flags)
{
	unsigned long calls = 0;
	struct subject s;

	if (!subject_build(&s, GCC, flags, "far.c", "far.o", FAR_BASE)) {
		CHECK(!"far.c links 8 GiB from the kernel");
		subject_free(&s);
		return;
	}
	CHECK(plt_and_got_hold(&s, NULL));
	for (unsigned i = 1; i < s.m.nsections; i++) {
		const Elf64_Shdr *sh = &s.m.sections[i];
		const Elf64_Rela *r =
		    (const Elf64_Rela *)(s.m.file + sh->sh_offset);

		if (sh->sh_type != SHT_RELA ||
		    s.layout.sections[sh->sh_info].region != LOADER_TEXT)
			continue;
		for (size_t j = 0; j < sh->sh_size / sizeof(*r); j++) {
			uint32_t type = ELF64_R_TYPE(r[j].r_info);
			uint32_t symbol = ELF64_R_SYM(r[j].r_info);
			uint64_t P =
			    section_address(&s, sh->sh_info) + r[j].r_offset;
			const uint8_t *place =
			    section_view(&s, sh->sh_info) + r[j].r_offset;
			int32_t slot = s.layout.slot_of_symbol[symbol];
			uint64_t plt, got;

			if ((type != R_RISCV_CALL &&
			     type != R_RISCV_CALL_PLT) ||
			    s.m.symbols[symbol].st_shndx != SHN_UNDEF)
				continue;
			calls++;
			CHECK(slot >= 0 && (unsigned)slot < s.layout.plt_slots);
			plt = s.target.address[LOADER_TEXT] +
			      s.layout.plt_offset + 16ull * (uint64_t)slot;
			CHECK_EQ(OPCODE(insn_at(place)), 0x17);
			CHECK_EQ(OPCODE(insn_at(place + 4)), 0x67);
			CHECK_EQ(P + (uint64_t)u_imm(insn_at(place)) +
				     (uint64_t)i_imm(insn_at(place + 4)),
				 plt);
			got =
			    u64_at(s.target.view[LOADER_RODATA] +
				   s.layout.got_offset + 8ull * (uint64_t)slot);
			CHECK(find_export(elf_symbol_name(&s.m, symbol)));
			CHECK_EQ(got, find_export(elf_symbol_name(&s.m, symbol))
					  ->address);
		}
	}
	CHECK(calls >= 5);
	CHECK_EQ(s.stats.plt_calls, calls);
	subject_free(&s);
}

static void test_far_calls_go_through_plt(void)
{
	if (!need_tools())
		return;
	check_far_calls("-march=rv64imac " GCC_FLAGS " -O2 -mno-relax");
	check_far_calls("-march=rv64ima " GCC_FLAGS " -O0 -mno-relax "
			"-ffunction-sections");
}

/* calls.c also reads kernel data, which no auipc reaches from 8 GiB. */
static void test_far_kernel_data_is_refused(void)
{
	struct subject s;
	int err;

	if (!need_tools())
		return;
	CHECK(compile(GCC, sectioned_flags, "calls.c", "far-data.o"));
	CHECK_EQ(subject_open(&s, "far-data.o"), 0);
	subject_place(&s, FAR_BASE, IN_ORDER);
	err = subject_link(&s, NULL);
	CHECK_EQ(err, -ERANGE);
	printf("#   %s\n", s.reason);
	CHECK(strstr(s.reason, "R_RISCV_PCREL_HI20 at .text.use_kernel_data+"));
	CHECK(strstr(s.reason, "against kernel_"));
	CHECK(strstr(s.reason, "out of range"));
	subject_free(&s);
}

/* Text and read-only data more than 2 GiB apart: no PLT entry reaches. */
static void test_plt_out_of_reach_of_got(void)
{
	struct subject s;

	if (!need_tools())
		return;
	CHECK(compile(GCC, sectioned_flags, "far.c", "split.o"));
	CHECK_EQ(subject_open(&s, "split.o"), 0);
	subject_place(&s, NEAR_BASE, IN_ORDER);
	s.target.address[LOADER_RODATA] = NEAR_BASE + (4ull << 30);
	CHECK_EQ(subject_link(&s, NULL), -ERANGE);
	CHECK(strstr(s.reason, "PLT entry at 0x"));
	subject_free(&s);
}

/* ---- GOT_HI20 ---------------------------------------------------------- */

static void test_got_hi20_loads_from_its_slot(void)
{
	struct subject s;
	const uint8_t *text;
	uint64_t at;
	unsigned text_index = 0;

	if (!need_tools())
		return;
	if (!subject_build(&s, GCC, "-march=rv64imac -mabi=lp64 -mno-relax",
			   "got.S", "got.o", NEAR_BASE)) {
		CHECK(!"got.S links");
		subject_free(&s);
		return;
	}
	CHECK_EQ(s.layout.got_slots, 3); /* kernel_ticks once, got_local,
					    kernel_table */
	CHECK_EQ(s.layout.plt_slots, 0);
	CHECK(plt_and_got_hold(&s, NULL));
	for (unsigned i = 1; i < s.m.nsections; i++)
		if (strcmp(elf_section_name(&s.m, i), ".text") == 0)
			text_index = i;
	text = section_view(&s, text_index);
	at = section_address(&s, text_index);
	/* Four `la`: auipc rd + ld rd, each pair loading the right slot. */
	for (unsigned k = 0; k < 4; k++) {
		static const char *const names[] = {"kernel_ticks", "got_local",
						    "kernel_ticks",
						    "kernel_table"};
		uint32_t auipc = insn_at(text + 8 * k);
		uint32_t load = insn_at(text + 8 * k + 4);
		uint64_t slot_address =
		    at + 8 * k + (uint64_t)u_imm(auipc) + (uint64_t)i_imm(load);
		uint64_t slot_offset =
		    slot_address - s.target.address[LOADER_RODATA];
		uint64_t expected =
		    k == 1 ? loader_symbol_address(&s.m, &s.layout, &s.target,
						   "got_local")
			   : find_export(names[k])->address;

		CHECK_EQ(OPCODE(auipc), 0x17);
		CHECK_EQ(OPCODE(load), 0x03);
		CHECK(slot_offset >= s.layout.got_offset &&
		      slot_offset < s.layout.got_offset + 8 * 3);
		CHECK_EQ(u64_at(s.target.view[LOADER_RODATA] + slot_offset),
			 expected);
	}
	subject_free(&s);
}

/* ---- symbols ----------------------------------------------------------- */

static void test_unknown_symbol_is_the_first_in_the_table(void)
{
	static const char *const hide[] = {"kernel_log", "kernel_free", NULL};
	struct resolver_log log = {.hide = hide};
	const char *first = NULL;
	char expected[64];
	struct subject s;

	if (!need_tools())
		return;
	CHECK(compile(GCC, sectioned_flags, "calls.c", "unknown.o"));
	CHECK_EQ(subject_open(&s, "unknown.o"), 0);
	for (unsigned i = 1; i < s.m.nsymbols && !first; i++) {
		const char *name = elf_symbol_name(&s.m, i);

		if (s.m.symbols[i].st_shndx == SHN_UNDEF &&
		    (!strcmp(name, hide[0]) || !strcmp(name, hide[1])))
			first = name;
	}
	CHECK(first != NULL);
	subject_place(&s, NEAR_BASE, IN_ORDER);
	CHECK_EQ(subject_link(&s, &log), -ENOENT);
	snprintf(expected, sizeof(expected), "unknown symbol %s",
		 first ? first : "?");
	CHECK(strcmp(s.reason, expected) == 0);
	printf("#   %s\n", s.reason);
	subject_free(&s);
}

/* One call per undefined symbol, in table order, weak ones flagged. */
static void test_resolver_sees_each_undefined_symbol_once(void)
{
	struct resolver_log log = {0};
	unsigned undefined = 0, weak = 0;
	const char *first = NULL;
	struct subject s;

	if (!need_tools())
		return;
	CHECK(compile(GCC, sectioned_flags, "calls.c", "resolve.o"));
	CHECK_EQ(subject_open(&s, "resolve.o"), 0);
	for (unsigned i = 1; i < s.m.nsymbols; i++) {
		if (s.m.symbols[i].st_shndx != SHN_UNDEF)
			continue;
		if (!first)
			first = elf_symbol_name(&s.m, i);
		undefined++;
		weak += ELF64_ST_BIND(s.m.symbols[i].st_info) == STB_WEAK;
	}
	subject_place(&s, NEAR_BASE, IN_ORDER);
	CHECK_EQ(subject_link(&s, &log), 0);
	CHECK_EQ(log.calls, undefined);
	CHECK_EQ(s.stats.symbols_resolved, undefined);
	CHECK_EQ(log.weak_calls, weak);
	CHECK(weak >= 1); /* kernel_optional_hook */
	CHECK(first && strcmp(log.first, first) == 0);
	subject_free(&s);
}

static void test_resolver_error_is_passed_on(void)
{
	struct resolver_log log = {.fail_with = -EIO};
	struct subject s;

	if (!need_tools())
		return;
	CHECK(compile(GCC, sectioned_flags, "far.c", "eio.o"));
	CHECK_EQ(subject_open(&s, "eio.o"), 0);
	subject_place(&s, NEAR_BASE, IN_ORDER);
	CHECK_EQ(subject_link(&s, &log), -EIO);
	CHECK(strncmp(s.reason, "cannot resolve ", 15) == 0);
	CHECK_EQ(log.calls, 1);
	subject_free(&s);
}

/* Missing weak symbols: no error, value 0, calls become jumps to 0. */
static void test_missing_weak_symbols_are_zero(void)
{
	struct resolver_log log = {0};
	struct subject s;

	if (!need_tools())
		return;
	CHECK(compile(GCC, sectioned_flags, "weak.c", "weak.o"));
	CHECK_EQ(subject_open(&s, "weak.o"), 0);
	subject_place(&s, NEAR_BASE, IN_ORDER);
	CHECK_EQ(subject_link(&s, &log), 0);
	CHECK_EQ(log.weak_calls, 3); /* missing_hook, _counter, _name */
	CHECK_EQ(s.stats.weak_calls, 1);
	CHECK_EQ(
	    loader_symbol_address(&s.m, &s.layout, &s.target, "missing_hook"),
	    0);
	CHECK(loader_symbol_address(&s.m, &s.layout, &s.target, "weak_user") >=
	      NEAR_BASE);
	CHECK(loader_symbol_address(&s.m, &s.layout, &s.target, "weak_user") <
	      NEAR_BASE + s.layout.region_size[LOADER_TEXT]);
	CHECK_EQ(
	    loader_symbol_address(&s.m, &s.layout, &s.target, "no_such_symbol"),
	    0);
	subject_free(&s);
}

/* ---- refusals ---------------------------------------------------------- */

static void test_lo12_without_hi20_is_refused(void)
{
	struct subject s;

	if (!need_tools())
		return;
	CHECK(compile(GCC, "-march=rv64imac -mabi=lp64 -mno-relax",
		      "lo12_orphan.S", "orphan.o"));
	CHECK_EQ(subject_open(&s, "orphan.o"), 0);
	subject_place(&s, NEAR_BASE, IN_ORDER);
	CHECK_EQ(subject_link(&s, NULL), -ENOEXEC);
	printf("#   %s\n", s.reason);
	CHECK(
	    strstr(s.reason, "R_RISCV_PCREL_LO12_I at .text+0x2 against .L1"));
	CHECK(strstr(s.reason, "no PCREL_HI20 or GOT_HI20 at +0x0"));
	subject_free(&s);
}

static void test_branch_out_of_range_is_refused(void)
{
	struct subject s;

	if (!need_tools())
		return;
	CHECK(compile(GCC, "-march=rv64imac -mabi=lp64 -mno-relax",
		      "branch_far.S", "branch.o"));
	CHECK_EQ(subject_open(&s, "branch.o"), 0);
	subject_place(&s, NEAR_BASE, IN_ORDER);
	CHECK_EQ(subject_link(&s, NULL), -ERANGE);
	printf("#   %s\n", s.reason);
	CHECK(strcmp(s.reason, "R_RISCV_BRANCH at .text.near+0x0 against "
			       "faraway: BRANCH target out of range") == 0);
	subject_free(&s);
}

/* The first entry of type `type` in the module's first RELA section. */
static Elf64_Rela *find_entry(struct subject *s, uint32_t type)
{
	for (unsigned i = 1; i < s->m.nsections; i++) {
		const Elf64_Shdr *sh = &s->m.sections[i];
		Elf64_Rela *r = (Elf64_Rela *)(s->file.bytes + sh->sh_offset);

		if (sh->sh_type != SHT_RELA)
			continue;
		for (size_t j = 0; j < sh->sh_size / sizeof(*r); j++)
			if (ELF64_R_TYPE(r[j].r_info) == type)
				return &r[j];
	}
	return NULL;
}

/* align_short.S's padding, tampered with: each must be refused. */
static void test_impossible_alignment_is_refused(void)
{
	static const struct {
		uint64_t offset;
		int64_t addend;
		const char *reason;
	} cases[] = {
	    {2, 6, NULL}, /* as assembled: fine */
	    {2, 4,
	     "R_RISCV_ALIGN at .text+0x2: 4 bytes of padding cannot reach a "
	     "8-byte boundary (6 needed)"},
	    {3, 6,
	     "R_RISCV_ALIGN at .text+0x3: odd padding: code is 2-byte "
	     "aligned"},
	    {2, 0x4000,
	     "R_RISCV_ALIGN at .text+0x2: the padding runs past the "
	     "section's end"},
	    {2, -2,
	     "R_RISCV_ALIGN at .text+0x2: the padding runs past the "
	     "section's end"},
	};
	struct subject s;
	Elf64_Rela *align;

	if (!need_tools())
		return;
	CHECK(compile(GCC, "-march=rv64imac -mabi=lp64 -mno-relax",
		      "align_short.S", "short.o"));
	CHECK_EQ(subject_open(&s, "short.o"), 0);
	align = find_entry(&s, R_RISCV_ALIGN);
	CHECK(align && align->r_offset == 2 && align->r_addend == 6);
	for (size_t i = 0; align && i < TAP_COUNT(cases); i++) {
		align->r_offset = cases[i].offset;
		align->r_addend = cases[i].addend;
		CHECK_EQ(loader_layout(&s.m, &s.layout, s.reason),
			 cases[i].reason ? -ENOEXEC : 0);
		if (cases[i].reason && strcmp(s.reason, cases[i].reason)) {
			printf("#   got \"%s\"\n", s.reason);
			CHECK(!"the reason expected");
		}
	}
	subject_free(&s);
}

/* The validator refuses 8 KiB section alignment; lower it to a page. */
static void lower_to_a_page(struct subject *s)
{
	Elf64_Shdr *text = raw_section(s, ".text");

	if (text && text->sh_addralign > LOADER_PAGE_SIZE)
		text->sh_addralign = LOADER_PAGE_SIZE;
}

/* Padding for 8 KiB alignment: more than a page, so never satisfiable. */
static void test_alignment_beyond_a_page_is_refused(void)
{
	static const char source[] = ".option relax\n.text\nnop\n"
				     ".p2align 13\nret\n";
	char path[PATH_MAX];
	struct subject s;

	if (!need_tools())
		return;
	snprintf(path, sizeof(path), "%s/page.S", fixture_dir);
	CHECK(write_file(path, source, sizeof(source) - 1));
	CHECK(compile(GCC, "-march=rv64imac -mabi=lp64 -mno-relax", path,
		      "page.o"));
	CHECK_EQ(subject_open_patched(&s, "page.o", lower_to_a_page), -ENOEXEC);
	CHECK(strstr(s.reason, "R_RISCV_ALIGN at .text+0x"));
	CHECK(strstr(s.reason, "asks for 8192-byte alignment, more than a "
			       "page"));
	subject_free(&s);
}

/* align_offset.S's .text.b may then start 2 bytes into the region. */
static void lower_text_b(struct subject *s)
{
	Elf64_Shdr *b = raw_section(s, ".text.b");

	if (b)
		b->sh_addralign = 2;
}

/*
 * How much padding stays depends on where the section lands, which only
 * shows when the padding asks for more alignment than its section has.
 */
static void test_padding_follows_the_section_offset(void)
{
	struct subject s;
	struct linked ld;
	unsigned b = 0;
	uint64_t aligned;

	if (!need_tools())
		return;
	CHECK(compile(GCC, "-march=rv64imac -mabi=lp64 -mno-relax",
		      "align_offset.S", "offset.o"));
	CHECK_EQ(subject_open_patched(&s, "offset.o", lower_text_b), 0);
	for (unsigned i = 1; i < s.m.nsections; i++)
		if (strcmp(elf_section_name(&s.m, i), ".text.b") == 0)
			b = i;
	CHECK(b && s.layout.sections[b].offset == 2);
	/* c.nop at 4 (region offset), then 4 of the 6 padding bytes */
	CHECK(b && s.layout.sections[b].size == s.m.sections[b].sh_size - 2);
	subject_place(&s, NEAR_BASE, IN_ORDER);
	CHECK_EQ(subject_link(&s, NULL), 0);
	aligned =
	    loader_symbol_address(&s.m, &s.layout, &s.target, "b_aligned");
	CHECK_EQ(aligned, NEAR_BASE + 8);
	CHECK(ld_link(&s, &ld));
	CHECK(ld.file.bytes && same_as_ld(&s, &ld));
	free(ld.file.bytes);
	subject_free(&s);
}

/* uleb.S's SET8/SUB8 pairs become the ULEB128 pairs they stand for. */
static void make_uleb128_pairs(struct subject *s)
{
	Elf64_Shdr *rela = raw_section(s, ".rela.data");
	Elf64_Rela *r;

	if (!rela)
		return;
	r = (Elf64_Rela *)(s->file.bytes + rela->sh_offset);
	for (size_t j = 0; j < rela->sh_size / sizeof(*r); j++) {
		uint32_t type = ELF64_R_TYPE(r[j].r_info);
		uint32_t symbol = ELF64_R_SYM(r[j].r_info);

		if (type == R_RISCV_SET8)
			r[j].r_info = ELF64_R_INFO(symbol, R_RISCV_SET_ULEB128);
		if (type == R_RISCV_SUB8)
			r[j].r_info = ELF64_R_INFO(symbol, R_RISCV_SUB_ULEB128);
	}
}

static uint64_t st_value_of(const struct subject *s, const char *name)
{
	for (unsigned i = 1; i < s->m.nsymbols; i++)
		if (strcmp(elf_symbol_name(&s->m, i), name) == 0)
			return s->m.symbols[i].st_value;
	return ~0ull;
}

static void test_uleb128_pairs_keep_their_length(void)
{
	static const struct {
		unsigned offset, length;
		const char *to;
	} fields[] = {
	    {0, 1, "uleb_near"}, {1, 2, "uleb_far"}, {3, 3, "uleb_near"}};
	struct subject s;
	uint64_t data;

	if (!need_tools())
		return;
	CHECK(compile(GCC, "-march=rv64imac -mabi=lp64 -mno-relax", "uleb.S",
		      "uleb.o"));
	CHECK_EQ(subject_open_patched(&s, "uleb.o", make_uleb128_pairs), 0);
	subject_place(&s, NEAR_BASE, IN_ORDER);
	CHECK_EQ(subject_link(&s, NULL), 0);
	data = loader_symbol_address(&s.m, &s.layout, &s.target, "uleb_fields");
	CHECK(data >= s.target.address[LOADER_DATA]);
	for (size_t f = 0; f < TAP_COUNT(fields) && data; f++) {
		const uint8_t *p = s.target.view[LOADER_DATA] +
				   (data - s.target.address[LOADER_DATA]) +
				   fields[f].offset;
		uint64_t value = 0;
		unsigned n = 0;

		do
			value |= (uint64_t)(p[n] & 0x7f) << (7 * n);
		while (p[n++] & 0x80 && n < 10);
		CHECK_EQ(n, fields[f].length);
		CHECK_EQ(value, st_value_of(&s, fields[f].to) -
				    st_value_of(&s, "uleb_start"));
	}
	CHECK_EQ(s.stats.relocations, 6);
	subject_free(&s);
}

static void test_link_refuses_a_bad_target(void)
{
	struct subject s;
	uint8_t *view;

	if (!need_tools())
		return;
	CHECK(compile(GCC, sectioned_flags, "weak.c", "target.o"));
	CHECK_EQ(subject_open(&s, "target.o"), 0);
	subject_place(&s, NEAR_BASE, IN_ORDER);
	view = s.target.view[LOADER_TEXT];
	s.target.view[LOADER_TEXT] = NULL;
	CHECK_EQ(subject_link(&s, NULL), -EINVAL);
	s.target.view[LOADER_TEXT] = view;
	s.target.address[LOADER_DATA] += 8;
	CHECK_EQ(subject_link(&s, NULL), -EINVAL);
	CHECK(strstr(s.reason, "not page-aligned"));
	s.target.address[LOADER_DATA] -= 8;
	CHECK_EQ(subject_link(&s, NULL), 0);
	CHECK_EQ(loader_link(NULL, &s.layout, &s.target, kernel_resolve, NULL,
			     s.reason),
		 -EINVAL);
	subject_free(&s);
}

/* ---- linear work ------------------------------------------------------- */

/*
 * A module of `blocks` functions, each with a PC-relative pair (its LO12s
 * after the auipc and one, in the next function, before it), a GOT load,
 * two calls and a pointer in data: 9 relocations each, in one .text.
 */
static bool write_big_module(const char *name, unsigned blocks)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", fixture_dir, name);
	f = fopen(path, "w");
	if (!f)
		return false;
	fprintf(f, "\t.option norelax\n\t.text\n");
	for (unsigned k = 0; k < blocks; k++) {
		fprintf(f, "\t.globl f%u\nf%u:\n", k, k);
		if (k)
			fprintf(f, "\tsw a0, %%pcrel_lo(.Lh%u)(a5)\n", k - 1);
		fprintf(f, ".Lh%u:\tauipc a5, %%pcrel_hi(t%u)\n", k, k);
		fprintf(f, "\tlw a0, %%pcrel_lo(.Lh%u)(a5)\n", k);
		fprintf(f,
			"\t.option push\n\t.option pic\n\tla a4, t%u\n"
			"\t.option pop\n",
			k);
		fprintf(f, "\tcall kernel_value\n\tcall f%u\n\tret\n",
			(k + 1) % blocks);
	}
	fprintf(f, "\tsw a0, %%pcrel_lo(.Lh%u)(a5)\n\tret\n", blocks - 1);
	fprintf(f, "\t.data\n");
	for (unsigned k = 0; k < blocks; k++)
		fprintf(f, "t%u:\t.word %u\n", k, k);
	fprintf(f, "\t.section .rodata\n\t.p2align 3\n");
	for (unsigned k = 0; k < blocks; k++)
		fprintf(f, "\t.dword f%u\n", k);
	return fclose(f) == 0;
}

static bool link_big_module(unsigned blocks, struct loader_link_stats *stats,
			    struct subject *s)
{
	char name[32], source[PATH_MAX], object[32];

	snprintf(name, sizeof(name), "big%u.S", blocks);
	snprintf(source, sizeof(source), "%s/%s", fixture_dir, name);
	snprintf(object, sizeof(object), "big%u.o", blocks);
	if (!write_big_module(name, blocks))
		return false;
	if (!subject_build(s, GCC, "-march=rv64imac -mabi=lp64 -mno-relax",
			   source, object, NEAR_BASE))
		return false;
	*stats = s->stats;
	return true;
}

static void test_link_work_is_linear(void)
{
	struct loader_link_stats small = {0}, large = {0};
	struct subject s;
	double small_probes, large_probes;

	if (!need_tools())
		return;
	CHECK(link_big_module(800, &small, &s));
	subject_free(&s);
	CHECK(link_big_module(3200, &large, &s));
	if (!large.relocations) {
		subject_free(&s);
		return;
	}
	CHECK(large.relocations >= 20000);
	printf("#   %lu relocations: %lu HI20s and %lu LO12s, %lu probes; "
	       "%lu relocations: %lu probes\n",
	       large.relocations, large.hi20s_recorded, large.lo12s_matched,
	       large.table_probes, small.relocations, small.table_probes);
	/* every pair matched, each with a handful of probes */
	CHECK_EQ(large.hi20s_recorded, 2 * 3200);
	CHECK_EQ(large.lo12s_matched, 3 * 3200);
	large_probes = (double)large.table_probes /
		       (double)(large.hi20s_recorded + large.lo12s_matched);
	small_probes = (double)small.table_probes /
		       (double)(small.hi20s_recorded + small.lo12s_matched);
	CHECK(large_probes <= 2.0);
	CHECK(small_probes <= 2.0);
	/* four times the module, four times the work (give or take 10%) */
	CHECK(large.relocations * 10 >= small.relocations * 36 &&
	      large.relocations * 10 <= small.relocations * 44);
	CHECK(large.table_probes * 10 >= small.table_probes * 36 &&
	      large.table_probes * 10 <= small.table_probes * 44);
	CHECK_EQ(large.cut_searches, 0);
	/* slots: t0.. via GOT, f0.. and kernel_value via the PLT */
	CHECK_EQ(s.layout.plt_slots, 3200 + 1);
	CHECK_EQ(s.layout.got_slots, 2 * 3200 + 1);
	CHECK(plt_and_got_hold(&s, NULL));
	subject_free(&s);
}

static const struct tap_case cases[] = {
    TAP_CASE(test_layout_places_sections_by_flags),
    TAP_CASE(test_layout_counts_slots_once_per_symbol),
    TAP_CASE(test_layout_refuses_missing_arrays),
    TAP_CASE(test_no_allocation_survives),
    TAP_CASE(test_same_as_ld_gcc_norelax),
    TAP_CASE(test_same_as_ld_gcc_relaxed),
    TAP_CASE(test_same_as_ld_clang),
    TAP_CASE(test_same_as_ld_assembly),
    TAP_CASE(test_same_as_ld_far_weak),
    TAP_CASE(test_same_as_ld_far_calls),
    TAP_CASE(test_differential_summary),
    TAP_CASE(test_near_calls_are_direct),
    TAP_CASE(test_far_calls_go_through_plt),
    TAP_CASE(test_far_kernel_data_is_refused),
    TAP_CASE(test_plt_out_of_reach_of_got),
    TAP_CASE(test_got_hi20_loads_from_its_slot),
    TAP_CASE(test_unknown_symbol_is_the_first_in_the_table),
    TAP_CASE(test_resolver_sees_each_undefined_symbol_once),
    TAP_CASE(test_resolver_error_is_passed_on),
    TAP_CASE(test_missing_weak_symbols_are_zero),
    TAP_CASE(test_lo12_without_hi20_is_refused),
    TAP_CASE(test_branch_out_of_range_is_refused),
    TAP_CASE(test_impossible_alignment_is_refused),
    TAP_CASE(test_alignment_beyond_a_page_is_refused),
    TAP_CASE(test_padding_follows_the_section_offset),
    TAP_CASE(test_uleb128_pairs_keep_their_length),
    TAP_CASE(test_link_refuses_a_bad_target),
    TAP_CASE(test_link_work_is_linear),
};

int main(void)
{
	return tap_run(cases, TAP_COUNT(cases));
}
