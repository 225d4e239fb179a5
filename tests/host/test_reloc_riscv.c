/*
 * test_reloc_riscv.c - the RISC-V relocation engine, type by type.
 *
 * Three kinds of cases:
 *
 *   - Golden encodings: instruction words before and after, the after
 *     words taken from GNU as's own encoding of the same instruction
 *     with the same offset ("beq a0, a1, .+4094" is 0x7eb50fe3).
 *   - Tables of values per type: zero, positive, negative, the largest
 *     and smallest that fit and one beyond each, odd targets, the
 *     HI20/LO12 carries.  Each patched instruction is decoded by the
 *     decoders below - written from the ISA manual independently of the
 *     encoders under test - and must give the value back, with every bit
 *     outside the immediate unchanged.  A refused relocation must leave
 *     the whole buffer untouched.
 *   - The binutils oracle (fixtures/reloc/binutils_oracle.h): small
 *     objects assembled and linked by GNU as and ld at run time, relocated
 *     again here, byte-compared.  Skipped without the cross tools, or when
 *     they are too old for a relocation (ULEB128 and PLT32 need binutils
 *     2.41 or later).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <keel/errno.h>

#include "reloc_riscv.h"
#include "tap.h"
#include "fixtures/reloc/binutils_oracle.h"

#define CANARY 0xa5

/* ---- decoders, from the ISA manual ------------------------------------ */

static int64_t sext(uint64_t value, unsigned width)
{
	uint64_t sign = 1ull << (width - 1);

	value &= (sign << 1) - 1;
	return (int64_t)((value ^ sign) - sign);
}

static uint32_t field(uint32_t insn, unsigned high, unsigned low)
{
	return (insn >> low) & ((1u << (high - low + 1)) - 1);
}

static int64_t decode_b(uint32_t insn)
{
	return sext(field(insn, 31, 31) << 12 | field(insn, 7, 7) << 11 |
			field(insn, 30, 25) << 5 | field(insn, 11, 8) << 1,
		    13);
}

static int64_t decode_j(uint32_t insn)
{
	return sext(field(insn, 31, 31) << 20 | field(insn, 19, 12) << 12 |
			field(insn, 20, 20) << 11 | field(insn, 30, 21) << 1,
		    21);
}

static int64_t decode_u(uint32_t insn)
{
	return sext(insn & 0xfffff000u, 32);
}

static int64_t decode_i(uint32_t insn)
{
	return sext(field(insn, 31, 20), 12);
}

static int64_t decode_s(uint32_t insn)
{
	return sext(field(insn, 31, 25) << 5 | field(insn, 11, 7), 12);
}

static int64_t decode_cb(uint16_t insn)
{
	return sext(field(insn, 12, 12) << 8 | field(insn, 6, 5) << 6 |
			field(insn, 2, 2) << 5 | field(insn, 11, 10) << 3 |
			field(insn, 4, 3) << 1,
		    9);
}

static int64_t decode_cj(uint16_t insn)
{
	return sext(field(insn, 12, 12) << 11 | field(insn, 8, 8) << 10 |
			field(insn, 10, 9) << 8 | field(insn, 6, 6) << 7 |
			field(insn, 7, 7) << 6 | field(insn, 2, 2) << 5 |
			field(insn, 11, 11) << 4 | field(insn, 5, 3) << 1,
		    12);
}

/* c.lui's nzimm[17:12], as a signed 6-bit value. */
static int64_t decode_cilui(uint16_t insn)
{
	return sext(field(insn, 12, 12) << 5 | field(insn, 6, 2), 6);
}

/* ---- buffers ----------------------------------------------------------- */

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint64_t getn(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void putn(uint8_t *p, unsigned n, uint64_t v)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/*
 * A 32-byte buffer of canaries with `bytes` at offset `at`; the place is
 * 16-bit aligned for at even, and never 4-byte aligned for at = 2 mod 4.
 */
struct scratch {
	_Alignas(8) uint8_t bytes[32];
	uint8_t saved[32];
};

static uint8_t *scratch_fill(struct scratch *s, unsigned at, const void *src,
			     unsigned n)
{
	memset(s->bytes, CANARY, sizeof(s->bytes));
	memcpy(s->bytes + at, src, n);
	memcpy(s->saved, s->bytes, sizeof(s->bytes));
	return s->bytes + at;
}

static uint8_t *scratch_insn32(struct scratch *s, unsigned at, uint32_t insn)
{
	uint8_t le[4];

	putn(le, 4, insn);
	return scratch_fill(s, at, le, 4);
}

static uint8_t *scratch_insn64(struct scratch *s, unsigned at, uint32_t first,
			       uint32_t second)
{
	uint8_t le[8];

	putn(le, 4, first);
	putn(le + 4, 4, second);
	return scratch_fill(s, at, le, 8);
}

static uint8_t *scratch_insn16(struct scratch *s, unsigned at, uint16_t insn)
{
	uint8_t le[2];

	putn(le, 2, insn);
	return scratch_fill(s, at, le, 2);
}

static bool scratch_untouched(const struct scratch *s)
{
	return memcmp(s->bytes, s->saved, sizeof(s->bytes)) == 0;
}

/* Only bytes [at, at + n) changed. */
static bool scratch_only(const struct scratch *s, unsigned at, unsigned n)
{
	for (unsigned i = 0; i < sizeof(s->bytes); i++) {
		if ((i < at || i >= at + n) && s->bytes[i] != s->saved[i])
			return false;
	}
	return true;
}

static int apply(uint32_t type, uint8_t *place, uint64_t P, uint64_t S,
		 int64_t A, int64_t hi_offset)
{
	const char *error = NULL;
	int err = riscv_reloc_apply(type, place, P, S, A, hi_offset, &error);

	if (err && !error) {
		printf("#   refusal %d without a reason\n", err);
		tap_case_failed = 1;
	}
	if (!err && error) {
		printf("#   success with a reason: %s\n", error);
		tap_case_failed = 1;
	}
	return err;
}

/* ---- type numbers, kinds, names, widths -------------------------------- */

struct type_expect {
	uint32_t type;
	enum riscv_reloc_kind kind;
	const char *name;
	unsigned width;
};

static const struct type_expect named_types[] = {
    {0, RISCV_RELOC_MARKER, "R_RISCV_NONE", 0},
    {1, RISCV_RELOC_APPLY, "R_RISCV_32", 4},
    {2, RISCV_RELOC_APPLY, "R_RISCV_64", 8},
    {3, RISCV_RELOC_REFUSED, "R_RISCV_RELATIVE", 0},
    {4, RISCV_RELOC_REFUSED, "R_RISCV_COPY", 0},
    {5, RISCV_RELOC_REFUSED, "R_RISCV_JUMP_SLOT", 0},
    {6, RISCV_RELOC_REFUSED, "R_RISCV_TLS_DTPMOD32", 0},
    {7, RISCV_RELOC_REFUSED, "R_RISCV_TLS_DTPMOD64", 0},
    {8, RISCV_RELOC_REFUSED, "R_RISCV_TLS_DTPREL32", 0},
    {9, RISCV_RELOC_REFUSED, "R_RISCV_TLS_DTPREL64", 0},
    {10, RISCV_RELOC_REFUSED, "R_RISCV_TLS_TPREL32", 0},
    {11, RISCV_RELOC_REFUSED, "R_RISCV_TLS_TPREL64", 0},
    {12, RISCV_RELOC_REFUSED, "R_RISCV_TLSDESC", 0},
    {16, RISCV_RELOC_APPLY, "R_RISCV_BRANCH", 4},
    {17, RISCV_RELOC_APPLY, "R_RISCV_JAL", 4},
    {18, RISCV_RELOC_APPLY, "R_RISCV_CALL", 8},
    {19, RISCV_RELOC_APPLY, "R_RISCV_CALL_PLT", 8},
    {20, RISCV_RELOC_APPLY, "R_RISCV_GOT_HI20", 4},
    {21, RISCV_RELOC_REFUSED, "R_RISCV_TLS_GOT_HI20", 0},
    {22, RISCV_RELOC_REFUSED, "R_RISCV_TLS_GD_HI20", 0},
    {23, RISCV_RELOC_APPLY, "R_RISCV_PCREL_HI20", 4},
    {24, RISCV_RELOC_LO12, "R_RISCV_PCREL_LO12_I", 4},
    {25, RISCV_RELOC_LO12, "R_RISCV_PCREL_LO12_S", 4},
    {26, RISCV_RELOC_APPLY, "R_RISCV_HI20", 4},
    {27, RISCV_RELOC_APPLY, "R_RISCV_LO12_I", 4},
    {28, RISCV_RELOC_APPLY, "R_RISCV_LO12_S", 4},
    {29, RISCV_RELOC_REFUSED, "R_RISCV_TPREL_HI20", 0},
    {30, RISCV_RELOC_REFUSED, "R_RISCV_TPREL_LO12_I", 0},
    {31, RISCV_RELOC_REFUSED, "R_RISCV_TPREL_LO12_S", 0},
    {32, RISCV_RELOC_REFUSED, "R_RISCV_TPREL_ADD", 0},
    {33, RISCV_RELOC_APPLY, "R_RISCV_ADD8", 1},
    {34, RISCV_RELOC_APPLY, "R_RISCV_ADD16", 2},
    {35, RISCV_RELOC_APPLY, "R_RISCV_ADD32", 4},
    {36, RISCV_RELOC_APPLY, "R_RISCV_ADD64", 8},
    {37, RISCV_RELOC_APPLY, "R_RISCV_SUB8", 1},
    {38, RISCV_RELOC_APPLY, "R_RISCV_SUB16", 2},
    {39, RISCV_RELOC_APPLY, "R_RISCV_SUB32", 4},
    {40, RISCV_RELOC_APPLY, "R_RISCV_SUB64", 8},
    {43, RISCV_RELOC_MARKER, "R_RISCV_ALIGN", 0},
    {44, RISCV_RELOC_APPLY, "R_RISCV_RVC_BRANCH", 2},
    {45, RISCV_RELOC_APPLY, "R_RISCV_RVC_JUMP", 2},
    {46, RISCV_RELOC_APPLY, "R_RISCV_RVC_LUI", 2},
    {47, RISCV_RELOC_REFUSED, "R_RISCV_GPREL_LO12_I", 0},
    {48, RISCV_RELOC_REFUSED, "R_RISCV_GPREL_LO12_S", 0},
    {49, RISCV_RELOC_REFUSED, "R_RISCV_GPREL_HI20", 0},
    {51, RISCV_RELOC_MARKER, "R_RISCV_RELAX", 0},
    {52, RISCV_RELOC_APPLY, "R_RISCV_SUB6", 1},
    {53, RISCV_RELOC_APPLY, "R_RISCV_SET6", 1},
    {54, RISCV_RELOC_APPLY, "R_RISCV_SET8", 1},
    {55, RISCV_RELOC_APPLY, "R_RISCV_SET16", 2},
    {56, RISCV_RELOC_APPLY, "R_RISCV_SET32", 4},
    {57, RISCV_RELOC_APPLY, "R_RISCV_32_PCREL", 4},
    {58, RISCV_RELOC_REFUSED, "R_RISCV_IRELATIVE", 0},
    {59, RISCV_RELOC_APPLY, "R_RISCV_PLT32", 4},
    {60, RISCV_RELOC_APPLY, "R_RISCV_SET_ULEB128", 1},
    {61, RISCV_RELOC_APPLY, "R_RISCV_SUB_ULEB128", 1},
    {62, RISCV_RELOC_REFUSED, "R_RISCV_TLSDESC_HI20", 0},
    {63, RISCV_RELOC_REFUSED, "R_RISCV_TLSDESC_LOAD_LO12", 0},
    {64, RISCV_RELOC_REFUSED, "R_RISCV_TLSDESC_ADD_LO12", 0},
    {65, RISCV_RELOC_REFUSED, "R_RISCV_TLSDESC_CALL", 0},
};

static const struct type_expect *named_type(uint32_t type)
{
	for (size_t i = 0; i < TAP_COUNT(named_types); i++) {
		if (named_types[i].type == type)
			return &named_types[i];
	}
	return NULL;
}

static void test_every_type_number_has_its_kind_name_and_width(void)
{
	for (uint32_t type = 0; type < 256; type++) {
		const struct type_expect *want = named_type(type);
		const char *name = "unset";
		enum riscv_reloc_kind kind = riscv_reloc_kind(type, &name);

		if (want) {
			CHECK_EQ(kind, want->kind);
			CHECK(name && strcmp(name, want->name) == 0);
			CHECK_EQ(riscv_reloc_width(type), want->width);
		} else {
			/* 13-15, 41-42, 50, 66-255: free numbers. */
			CHECK_EQ(kind, RISCV_RELOC_REFUSED);
			CHECK(name == NULL);
			CHECK_EQ(riscv_reloc_width(type), 0);
		}
		if (tap_case_failed) {
			printf("#   at type %u\n", type);
			return;
		}
	}
}

static void test_huge_type_numbers_are_unknown(void)
{
	const char *name = "unset";

	CHECK_EQ(riscv_reloc_kind(0xffffffffu, &name), RISCV_RELOC_REFUSED);
	CHECK(name == NULL);
	CHECK_EQ(riscv_reloc_kind(256, &name), RISCV_RELOC_REFUSED);
	CHECK(name == NULL);
	CHECK_EQ(riscv_reloc_width(0xffffffffu), 0);
}

static void test_kind_accepts_a_null_name(void)
{
	CHECK_EQ(riscv_reloc_kind(R_RISCV_CALL_PLT, NULL), RISCV_RELOC_APPLY);
	CHECK_EQ(riscv_reloc_kind(R_RISCV_TPREL_ADD, NULL),
		 RISCV_RELOC_REFUSED);
}

static void test_markers_refused_and_unknown_are_not_applied(void)
{
	for (uint32_t type = 0; type < 300; type++) {
		enum riscv_reloc_kind kind = riscv_reloc_kind(type, NULL);
		struct scratch s;
		uint8_t *place;
		const char *error = NULL;

		if (kind == RISCV_RELOC_APPLY || kind == RISCV_RELOC_LO12)
			continue;
		place = scratch_insn64(&s, 8, 0x00000317, 0x000300e7);
		CHECK_EQ(riscv_reloc_apply(type, place, 0x1000, 0x2000, 0, 0,
					   &error),
			 -ENOEXEC);
		CHECK(error != NULL);
		CHECK(scratch_untouched(&s));
		/* error may be NULL. */
		CHECK_EQ(
		    riscv_reloc_apply(type, place, 0x1000, 0x2000, 0, 0, NULL),
		    -ENOEXEC);
	}
}

/* ---- golden instruction encodings -------------------------------------- */

struct golden {
	const char *name;
	uint32_t type;
	unsigned size;	   /* 2, 4 or 8 bytes of instruction */
	uint32_t before;   /* the (first) instruction */
	uint32_t before_2; /* the jalr of a CALL pair */
	uint64_t P, S;
	int64_t A;
	uint32_t after, after_2;
};

/* `after` is GNU as's encoding of the same instruction and offset. */
static const struct golden goldens[] = {
    {"beq a0, a1, .+8", R_RISCV_BRANCH, 4, 0x00b50063, 0, 0x1000, 0x1008, 0,
     0x00b50463, 0},
    {"beq a0, a1, .+4094", R_RISCV_BRANCH, 4, 0x00b50063, 0, 0x1000, 0x1ffe, 0,
     0x7eb50fe3, 0},
    {"beq a0, a1, .-4096", R_RISCV_BRANCH, 4, 0x00b50063, 0, 0x2000, 0x1000, 0,
     0x80b50063, 0},
    {"bne s0, t6, .-2", R_RISCV_BRANCH, 4, 0x01f41063, 0, 0x1000, 0x0ffe, 0,
     0xfff41fe3, 0},
    {"jal ra, .+0xffffe", R_RISCV_JAL, 4, 0x000000ef, 0, 0x80000000, 0x800ffff0,
     14, 0x7ffff0ef, 0},
    {"jal ra, .-0x100000", R_RISCV_JAL, 4, 0x000000ef, 0, 0x80100000,
     0x80000000, 0, 0x800000ef, 0},
    {"jal zero, .+0x7fe", R_RISCV_JAL, 4, 0x0000006f, 0, 0x1000, 0x17fe, 0,
     0x7fe0006f, 0},
    {"c.beqz a0, .+254", R_RISCV_RVC_BRANCH, 2, 0xc101, 0, 0x1000, 0x10fe, 0,
     0xcd7d, 0},
    {"c.beqz a0, .-256", R_RISCV_RVC_BRANCH, 2, 0xc101, 0, 0x1100, 0x1000, 0,
     0xd101, 0},
    {"c.bnez s1, .-2", R_RISCV_RVC_BRANCH, 2, 0xe081, 0, 0x1002, 0x1000, 0,
     0xfcfd, 0},
    {"c.j .+2046", R_RISCV_RVC_JUMP, 2, 0xa001, 0, 0x1000, 0x17fe, 0, 0xaffd,
     0},
    {"c.j .-2048", R_RISCV_RVC_JUMP, 2, 0xa001, 0, 0x1800, 0x1000, 0, 0xb001,
     0},
    {"c.j .+0x2aa", R_RISCV_RVC_JUMP, 2, 0xa001, 0, 0x1000, 0x12aa, 0, 0xa46d,
     0},
    {"c.lui a0, 0x1f", R_RISCV_RVC_LUI, 2, 0x6505, 0, 0, 0x1f000, 0, 0x657d, 0},
    {"c.lui a0, -32", R_RISCV_RVC_LUI, 2, 0x6505, 0, 0, (uint64_t)-0x20000, 0,
     0x7501, 0},
    {"c.lui s1, 1 (from 0x7ff + 1)", R_RISCV_RVC_LUI, 2, 0x64fd, 0, 0, 0x7ff, 1,
     0x6485, 0},
    {"call: auipc t1 / jalr ra, 0x12345678", R_RISCV_CALL_PLT, 8, 0x00000317,
     0x000300e7, 0x10000000, 0x22345678, 0, 0x12345317, 0x678300e7},
    {"call: lo -0x7ff carries into hi", R_RISCV_CALL, 8, 0x00000317, 0x000300e7,
     0, 0x12345801, 0, 0x12346317, 0x801300e7},
    {"addi a0, a0, %lo(-1)", R_RISCV_LO12_I, 4, 0x00050513, 0, 0, (uint64_t)-1,
     0, 0xfff50513, 0},
    {"sw a1, %lo(-1)(a0)", R_RISCV_LO12_S, 4, 0x00b52023, 0, 0, (uint64_t)-1, 0,
     0xfeb52fa3, 0},
    {"sw a1, %lo(0x7ff)(a0)", R_RISCV_LO12_S, 4, 0x00b52023, 0, 0, 0x7ff, 0,
     0x7eb52fa3, 0},
    {"lui a0, %hi(0x7ffff7ff)", R_RISCV_HI20, 4, 0x00000537, 0, 0, 0x7ffff7ff,
     0, 0x7ffff537, 0},
    {"lui a0, %hi(-0x80000800)", R_RISCV_HI20, 4, 0x00000537, 0, 0,
     (uint64_t)-0x80000800ll, 0, 0x80000537, 0},
    {"sd s2, %pcrel_lo(-2048)(sp)", R_RISCV_PCREL_LO12_S, 4, 0x01213023, 0, 0,
     0, 0, 0x81213023, 0},
};

static void test_golden_encodings(void)
{
	for (size_t i = 0; i < TAP_COUNT(goldens); i++) {
		const struct golden *g = &goldens[i];
		/* PCREL_LO12: the value comes in as hi_offset. */
		int64_t hi = g->type == R_RISCV_PCREL_LO12_S ? -2048 : 0;
		struct scratch s;
		uint8_t *place;
		bool ok;

		if (g->size == 2)
			place = scratch_insn16(&s, 6, (uint16_t)g->before);
		else if (g->size == 4)
			place = scratch_insn32(&s, 6, g->before);
		else
			place = scratch_insn64(&s, 6, g->before, g->before_2);
		CHECK_EQ(apply(g->type, place, g->P, g->S, g->A, hi), 0);
		if (g->size == 2)
			ok = get16(place) == g->after;
		else
			ok = get32(place) == g->after &&
			     (g->size == 4 || get32(place + 4) == g->after_2);
		CHECK(ok);
		CHECK(scratch_only(&s, 6, g->size));
		if (!ok)
			printf("#   %s: got 0x%08x 0x%08x\n", g->name,
			       get32(place), get32(place + 4));
	}
}

/* ---- branches and jumps: every limit ----------------------------------- */

struct jump_type {
	uint32_t type;
	unsigned size;
	uint32_t insn; /* a real instruction with a zero offset */
	int64_t max, min;
};

static const struct jump_type jump_types[] = {
    {R_RISCV_BRANCH, 4, 0x00b50063, 4094, -4096},     /* beq a0,a1 */
    {R_RISCV_JAL, 4, 0x000000ef, 0xffffe, -0x100000}, /* jal ra */
    {R_RISCV_RVC_BRANCH, 2, 0xc101, 254, -256},	      /* c.beqz a0 */
    {R_RISCV_RVC_JUMP, 2, 0xa001, 2046, -2048},	      /* c.j */
};

static int64_t decode_jump(uint32_t type, const uint8_t *place)
{
	switch (type) {
	case R_RISCV_BRANCH:
		return decode_b(get32(place));
	case R_RISCV_JAL:
		return decode_j(get32(place));
	case R_RISCV_RVC_BRANCH:
		return decode_cb(get16(place));
	default:
		return decode_cj(get16(place));
	}
}

static uint32_t jump_imm_mask(uint32_t type)
{
	switch (type) {
	case R_RISCV_BRANCH:
		return 0xfe000f80u;
	case R_RISCV_JAL:
		return 0xfffff000u;
	case R_RISCV_RVC_BRANCH:
		return 0x1c7cu;
	default:
		return 0x1ffcu;
	}
}

/* Apply an offset of `offset` at P = 0x80000000 + 2; check the result. */
static void check_jump(const struct jump_type *j, int64_t offset, int want)
{
	uint64_t P = 0x80000002;
	struct scratch s;
	uint8_t *place = j->size == 2 ? scratch_insn16(&s, 2, (uint16_t)j->insn)
				      : scratch_insn32(&s, 2, j->insn);
	int err = apply(j->type, place, P, P + (uint64_t)offset, 0, 0);
	uint32_t insn = j->size == 2 ? get16(place) : get32(place);

	CHECK_EQ(err, want);
	if (want) {
		CHECK(scratch_untouched(&s));
	} else {
		CHECK_EQ(decode_jump(j->type, place), offset);
		CHECK_EQ(insn & ~jump_imm_mask(j->type), j->insn);
		CHECK(scratch_only(&s, 2, j->size));
	}
	if (tap_case_failed)
		printf("#   type %u offset %lld\n", j->type, (long long)offset);
}

static void test_jump_offsets_zero_positive_negative(void)
{
	for (size_t i = 0; i < TAP_COUNT(jump_types); i++) {
		const struct jump_type *j = &jump_types[i];

		check_jump(j, 0, 0);
		check_jump(j, 2, 0);
		check_jump(j, -2, 0);
		check_jump(j, 0xaa, 0);
		check_jump(j, -0xaa, 0);
		check_jump(j, j->max & 0x555, 0);
		check_jump(j, -(j->max & 0x2aa), 0);
	}
}

static void test_jump_limits_and_one_beyond(void)
{
	for (size_t i = 0; i < TAP_COUNT(jump_types); i++) {
		const struct jump_type *j = &jump_types[i];

		check_jump(j, j->max, 0);
		check_jump(j, j->min, 0);
		check_jump(j, j->max + 2, -ERANGE);
		check_jump(j, j->min - 2, -ERANGE);
		check_jump(j, j->max * 64, -ERANGE);
		check_jump(j, INT64_MIN, -ERANGE);
	}
}

static void test_odd_jump_targets_are_einval(void)
{
	for (size_t i = 0; i < TAP_COUNT(jump_types); i++) {
		const struct jump_type *j = &jump_types[i];

		check_jump(j, 1, -EINVAL);
		check_jump(j, -1, -EINVAL);
		check_jump(j, j->max + 1, -EINVAL);
		check_jump(j, j->max + 3, -EINVAL); /* odd beats range */
	}
}

static void test_jump_addend_counts(void)
{
	struct scratch s;
	uint8_t *place = scratch_insn32(&s, 0, 0x000000ef);

	/* S + A - P = 0x1000 - 0x20 + 0x10 */
	CHECK_EQ(apply(R_RISCV_JAL, place, 0x1000, 0x2000 - 0x20, 0x10, 0), 0);
	CHECK_EQ(decode_j(get32(place)), 0xff0);
	place = scratch_insn32(&s, 0, 0x000000ef);
	CHECK_EQ(apply(R_RISCV_JAL, place, 0x1000, 0x2000, -0x3001, 0),
		 -EINVAL);
	CHECK(scratch_untouched(&s));
}

/* ---- the hi/lo split --------------------------------------------------- */

struct split_value {
	int64_t value;
	bool fits;
};

static const struct split_value split_values[] = {
    {0, true},
    {1, true},
    {-1, true},
    {0x7ff, true},
    {0x800, true}, /* lo = -0x800, hi = 1 */
    {0xfff, true},
    {0x1000, true},
    {-0x800, true},
    {-0x801, true},
    {0x12345678, true},
    {-0x12345678, true},
    {0x7ffff7ff, true}, /* the largest */
    {0x7ffff800, false},
    {0x7fffffff, false},
    {-0x80000000ll, true},
    {-0x80000800ll, true}, /* the smallest */
    {-0x80000801ll, false},
    {0x100000000ll, false},
    {INT64_MAX, false},
    {INT64_MIN, false},
};

/* hi (a U-type) and lo (I or S) must add back to value. */
static void check_split(int64_t hi_part, int64_t lo_part, int64_t value)
{
	CHECK_EQ(hi_part + lo_part, value);
	CHECK(lo_part >= -2048 && lo_part <= 2047);
	CHECK_EQ(hi_part & 0xfff, 0);
}

static void test_call_pair_splits_every_value(void)
{
	static const uint32_t types[] = {R_RISCV_CALL, R_RISCV_CALL_PLT};

	for (size_t t = 0; t < TAP_COUNT(types); t++) {
		for (size_t i = 0; i < TAP_COUNT(split_values); i++) {
			int64_t v = split_values[i].value;
			uint64_t P = 0x80000000;
			struct scratch s;
			/* auipc t1, 0 ; jalr ra, 0(t1), 4-byte misaligned */
			uint8_t *place =
			    scratch_insn64(&s, 2, 0x00000317, 0x000300e7);
			int err =
			    apply(types[t], place, P, P + (uint64_t)v, 0, 0);

			if (!split_values[i].fits) {
				CHECK_EQ(err, -ERANGE);
				CHECK(scratch_untouched(&s));
				continue;
			}
			CHECK_EQ(err, 0);
			check_split(decode_u(get32(place)),
				    decode_i(get32(place + 4)), v);
			CHECK_EQ(get32(place) & 0xfffu, 0x317);
			CHECK_EQ(get32(place + 4) & 0xfffffu, 0x300e7);
			CHECK(scratch_only(&s, 2, 8));
			if (tap_case_failed) {
				printf("#   value %lld\n", (long long)v);
				return;
			}
		}
	}
}

static void test_pcrel_hi20_and_lo12_split_every_value(void)
{
	static const uint32_t hi_types[] = {R_RISCV_PCREL_HI20,
					    R_RISCV_GOT_HI20};

	for (size_t t = 0; t < TAP_COUNT(hi_types); t++) {
		for (size_t i = 0; i < TAP_COUNT(split_values); i++) {
			int64_t v = split_values[i].value;
			uint64_t P = 0xffffffc000001000ull; /* a high address */
			struct scratch hi, lo_i, lo_s;
			uint8_t *auipc = scratch_insn32(&hi, 0, 0x00000517);
			uint8_t *addi = scratch_insn32(&lo_i, 2, 0x00050513);
			uint8_t *sw = scratch_insn32(&lo_s, 4, 0x00b52023);
			int64_t offset =
			    riscv_hi20_offset(P, P + (uint64_t)v, 0);
			int err =
			    apply(hi_types[t], auipc, P, P + (uint64_t)v, 0, 0);

			CHECK_EQ(offset, v);
			if (!split_values[i].fits) {
				CHECK_EQ(err, -ERANGE);
				CHECK(scratch_untouched(&hi));
				continue;
			}
			CHECK_EQ(err, 0);
			/* The LO12 entries' S is the auipc, P their own. */
			CHECK_EQ(apply(R_RISCV_PCREL_LO12_I, addi, P + 8, P, 0,
				       offset),
				 0);
			CHECK_EQ(apply(R_RISCV_PCREL_LO12_S, sw, P + 12, P, 0,
				       offset),
				 0);
			check_split(decode_u(get32(auipc)),
				    decode_i(get32(addi)), v);
			check_split(decode_u(get32(auipc)), decode_s(get32(sw)),
				    v);
			CHECK_EQ(get32(auipc) & 0xfffu, 0x517);
			CHECK_EQ(get32(addi) & 0xfffffu, 0x50513);
			CHECK_EQ(get32(sw) & 0x01fff07fu, 0x00b52023);
			CHECK(scratch_only(&hi, 0, 4));
			CHECK(scratch_only(&lo_i, 2, 4));
			CHECK(scratch_only(&lo_s, 4, 4));
			if (tap_case_failed) {
				printf("#   value %lld\n", (long long)v);
				return;
			}
		}
	}
}

static void test_absolute_hi20_and_lo12_split_every_value(void)
{
	for (size_t i = 0; i < TAP_COUNT(split_values); i++) {
		int64_t v = split_values[i].value;
		struct scratch hi, lo_i, lo_s;
		uint8_t *lui = scratch_insn32(&hi, 0, 0x00000537);
		uint8_t *addi = scratch_insn32(&lo_i, 0, 0x00050513);
		uint8_t *sw = scratch_insn32(&lo_s, 0, 0x00b52023);
		/* P plays no part: absolute. */
		int err =
		    apply(R_RISCV_HI20, lui, 0x12340000, (uint64_t)v - 5, 5, 0);

		/* LO12 is never out of range: it takes the low 12 bits. */
		CHECK_EQ(
		    apply(R_RISCV_LO12_I, addi, 0x776, (uint64_t)v - 5, 5, 0),
		    0);
		CHECK_EQ(
		    apply(R_RISCV_LO12_S, sw, 0x776, (uint64_t)v - 5, 5, 0), 0);
		CHECK_EQ(decode_i(get32(addi)), sext((uint64_t)v, 12));
		CHECK_EQ(decode_s(get32(sw)), sext((uint64_t)v, 12));
		if (!split_values[i].fits) {
			CHECK_EQ(err, -ERANGE);
			CHECK(scratch_untouched(&hi));
			continue;
		}
		CHECK_EQ(err, 0);
		check_split(decode_u(get32(lui)), decode_i(get32(addi)), v);
		check_split(decode_u(get32(lui)), decode_s(get32(sw)), v);
		CHECK_EQ(get32(lui) & 0xfffu, 0x537);
		if (tap_case_failed) {
			printf("#   value %lld\n", (long long)v);
			return;
		}
	}
}

static void test_pcrel_lo12_takes_hi_offset_not_its_own_s_and_p(void)
{
	struct scratch s;
	uint8_t *addi = scratch_insn32(&s, 0, 0x00050513);

	/* S and P would give 0x10; the HI20's offset says 0x1234. */
	CHECK_EQ(apply(R_RISCV_PCREL_LO12_I, addi, 0x1000, 0x1010, 0, 0x1234),
		 0);
	CHECK_EQ(decode_i(get32(addi)), 0x234);
}

static void test_pcrel_lo12_addend_must_keep_the_high_part(void)
{
	struct scratch s;
	uint8_t *addi = scratch_insn32(&s, 0, 0x00050513);

	/* 0x1234 + 4 keeps hi = 1. */
	CHECK_EQ(apply(R_RISCV_PCREL_LO12_I, addi, 0, 0, 4, 0x1234), 0);
	CHECK_EQ(decode_i(get32(addi)), 0x238);
	/* 0x17fc + 4 = 0x1800 rounds to hi = 2: the auipc would be wrong. */
	addi = scratch_insn32(&s, 0, 0x00050513);
	CHECK_EQ(apply(R_RISCV_PCREL_LO12_I, addi, 0, 0, 4, 0x17fc), -ERANGE);
	CHECK(scratch_untouched(&s));
	addi = scratch_insn32(&s, 0, 0x00b52023);
	CHECK_EQ(apply(R_RISCV_PCREL_LO12_S, addi, 0, 0, -1, 0x800), -ERANGE);
	CHECK(scratch_untouched(&s));
}

static void test_rvc_lui_range(void)
{
	static const struct {
		int64_t value;
		int64_t hi; /* 0: refused */
	} values[] = {
	    {0x800, 1},	  {0x1000, 1},	   {0x1f7ff, 31},   {0x1f800, 0},
	    {-0x801, -1}, {-0x20800, -32}, {-0x20801, 0},   {0x7ff, 0},
	    {0, 0},	  {-0x800, 0},	   {0x80000000, 0}, {0x12345, 0x12},
	};

	for (size_t i = 0; i < TAP_COUNT(values); i++) {
		struct scratch s;
		/* c.lui s1, 1 */
		uint8_t *place = scratch_insn16(&s, 2, 0x6485);
		int err = apply(R_RISCV_RVC_LUI, place, 0x1000,
				(uint64_t)values[i].value, 0, 0);

		if (!values[i].hi) {
			CHECK_EQ(err, -ERANGE);
			CHECK(scratch_untouched(&s));
		} else {
			CHECK_EQ(err, 0);
			CHECK_EQ(decode_cilui(get16(place)), values[i].hi);
			CHECK_EQ(get16(place) & ~0x107cu, 0x6485 & ~0x107cu);
		}
		if (tap_case_failed) {
			printf("#   value %lld\n", (long long)values[i].value);
			return;
		}
	}
}

static void test_instructions_at_odd_addresses_are_refused(void)
{
	struct scratch s;
	uint8_t *place = scratch_insn32(&s, 4, 0x00b50063);

	/* P odd */
	CHECK_EQ(apply(R_RISCV_BRANCH, place, 0x1001, 0x1001, 0, 0), -EINVAL);
	CHECK(scratch_untouched(&s));
	/* the loader's view odd */
	place = scratch_insn32(&s, 5, 0x00b50063);
	CHECK_EQ(apply(R_RISCV_BRANCH, place, 0x1000, 0x1000, 0, 0), -EINVAL);
	CHECK(scratch_untouched(&s));
	place = scratch_insn16(&s, 3, 0xa001);
	CHECK_EQ(apply(R_RISCV_RVC_JUMP, place, 0x1000, 0x1000, 0, 0), -EINVAL);
	CHECK(scratch_untouched(&s));
	place = scratch_insn32(&s, 1, 0x00050513);
	CHECK_EQ(apply(R_RISCV_LO12_I, place, 0x1000, 5, 0, 0), -EINVAL);
	CHECK(scratch_untouched(&s));
}

/* ---- data -------------------------------------------------------------- */

static void test_32_takes_signed_or_unsigned_32_bit_values(void)
{
	static const struct {
		int64_t value;
		int want;
	} values[] = {
	    {0, 0},
	    {0xffffffffll, 0},
	    {-0x80000000ll, 0},
	    {0x7fffffff, 0},
	    {-1, 0},
	    {0x100000000ll, -ERANGE},
	    {-0x80000001ll, -ERANGE},
	    {INT64_MIN, -ERANGE},
	};

	for (size_t i = 0; i < TAP_COUNT(values); i++) {
		struct scratch s;
		uint8_t zero[4] = {0};
		uint8_t *place = scratch_fill(&s, 3, zero, 4); /* odd */

		CHECK_EQ(apply(R_RISCV_32, place, 0, (uint64_t)values[i].value,
			       0, 0),
			 values[i].want);
		if (values[i].want)
			CHECK(scratch_untouched(&s));
		else
			CHECK_EQ(get32(place), (uint32_t)values[i].value);
		CHECK(scratch_only(&s, 3, 4));
	}
}

static void test_64_at_an_odd_address(void)
{
	struct scratch s;
	uint8_t zero[8] = {0};
	uint8_t *place = scratch_fill(&s, 7, zero, 8);

	CHECK_EQ(apply(R_RISCV_64, place, 0, 0xffffffc012345678ull, 0x10, 0),
		 0);
	CHECK(getn(place, 8) == 0xffffffc012345688ull);
	CHECK_EQ(place[0], 0x88); /* little-endian */
	CHECK(scratch_only(&s, 7, 8));
}

static void test_32_pcrel_and_plt32_limits(void)
{
	static const uint32_t types[] = {R_RISCV_32_PCREL, R_RISCV_PLT32};
	static const struct {
		int64_t offset;
		int want;
	} offsets[] = {
	    {0, 0},
	    {-4, 0},
	    {0x7fffffff, 0},
	    {-0x80000000ll, 0},
	    {0x80000000ll, -ERANGE},
	    {-0x80000001ll, -ERANGE},
	};

	for (size_t t = 0; t < TAP_COUNT(types); t++) {
		for (size_t i = 0; i < TAP_COUNT(offsets); i++) {
			uint64_t P = 0xffffffc000000001ull;
			struct scratch s;
			uint8_t zero[4] = {0};
			uint8_t *place = scratch_fill(&s, 1, zero, 4);
			int err =
			    apply(types[t], place, P,
				  P + (uint64_t)offsets[i].offset - 3, 3, 0);

			CHECK_EQ(err, offsets[i].want);
			if (err)
				CHECK(scratch_untouched(&s));
			else
				CHECK_EQ(sext(get32(place), 32),
					 offsets[i].offset);
		}
	}
}

struct width_type {
	uint32_t add, sub, set;
	unsigned width;
};

static const struct width_type width_types[] = {
    {R_RISCV_ADD8, R_RISCV_SUB8, R_RISCV_SET8, 1},
    {R_RISCV_ADD16, R_RISCV_SUB16, R_RISCV_SET16, 2},
    {R_RISCV_ADD32, R_RISCV_SUB32, R_RISCV_SET32, 4},
    {R_RISCV_ADD64, R_RISCV_SUB64, 0, 8},
};

static void test_add_sub_set_wrap_modulo_their_width(void)
{
	for (size_t i = 0; i < TAP_COUNT(width_types); i++) {
		const struct width_type *w = &width_types[i];
		uint64_t mask =
		    w->width == 8 ? ~0ull : (1ull << (8 * w->width)) - 1;
		uint8_t v[8];
		struct scratch s;
		uint8_t *place;

		/* V + S + A, wrapping */
		putn(v, w->width, mask - 1);
		place = scratch_fill(&s, 1, v, w->width);
		CHECK_EQ(apply(w->add, place, 0, 0xffffffc000000005ull, -2, 0),
			 0);
		CHECK(getn(place, w->width) ==
		      ((mask - 1 + 0xffffffc000000003ull) & mask));
		CHECK(scratch_only(&s, 1, w->width));
		/* V - S - A, going below zero */
		putn(v, w->width, 2);
		place = scratch_fill(&s, 1, v, w->width);
		CHECK_EQ(apply(w->sub, place, 0, 4, 1, 0), 0);
		CHECK(getn(place, w->width) == ((2 - 5) & mask));
		CHECK(scratch_only(&s, 1, w->width));
		/* S + A, truncated */
		if (w->set) {
			putn(v, w->width, 0x5a5a5a5a);
			place = scratch_fill(&s, 1, v, w->width);
			CHECK_EQ(apply(w->set, place, 0, 0x123456789abcdef0ull,
				       1, 0),
				 0);
			CHECK(getn(place, w->width) ==
			      (0x123456789abcdef1ull & mask));
			CHECK(scratch_only(&s, 1, w->width));
		}
	}
}

static void test_add32_then_sub32_is_the_difference(void)
{
	struct scratch s;
	uint8_t zero[4] = {0};
	uint8_t *place = scratch_fill(&s, 5, zero, 4);

	/* .word b - a, with b = 0x80001234 and a = 0x80000010 */
	CHECK_EQ(apply(R_RISCV_ADD32, place, 0x90000005, 0x80001234, 0, 0), 0);
	CHECK_EQ(apply(R_RISCV_SUB32, place, 0x90000005, 0x80000010, 0, 0), 0);
	CHECK_EQ(get32(place), 0x1224);
	/* and a - b, negative */
	place = scratch_fill(&s, 5, zero, 4);
	CHECK_EQ(apply(R_RISCV_ADD32, place, 0, 0x80000010, 0, 0), 0);
	CHECK_EQ(apply(R_RISCV_SUB32, place, 0, 0x80001234, 0, 0), 0);
	CHECK_EQ(sext(get32(place), 32), -0x1224);
	CHECK(scratch_only(&s, 5, 4));
}

static void test_sub_subtracts_the_addend_as_the_psabi_says(void)
{
	struct scratch s;
	uint8_t v[4] = {0x00, 0x10, 0, 0};
	uint8_t *place = scratch_fill(&s, 0, v, 4);

	/* V - S - A = 0x1000 - 0x100 - 5 (GNU ld computes V - S + A) */
	CHECK_EQ(apply(R_RISCV_SUB32, place, 0, 0x100, 5, 0), 0);
	CHECK_EQ(get32(place), 0x1000 - 0x105);
}

static void test_set6_and_sub6_keep_the_top_two_bits(void)
{
	struct scratch s;
	uint8_t byte = 0xc5; /* 11 000101 */
	uint8_t *place = scratch_fill(&s, 3, &byte, 1);

	CHECK_EQ(apply(R_RISCV_SET6, place, 0, 0x1234567b, 0, 0), 0);
	CHECK_EQ(place[0], 0xc0 | 0x3b);
	CHECK(scratch_only(&s, 3, 1));
	byte = 0x45; /* 01 000101: 5 - 7 wraps within 6 bits */
	place = scratch_fill(&s, 3, &byte, 1);
	CHECK_EQ(apply(R_RISCV_SUB6, place, 0, 6, 1, 0), 0);
	CHECK_EQ(place[0], 0x40 | ((5 - 7) & 0x3f));
	CHECK(scratch_only(&s, 3, 1));
	/* SET6 then SUB6: a DW_CFA_advance_loc delta */
	byte = 0x40;
	place = scratch_fill(&s, 3, &byte, 1);
	CHECK_EQ(apply(R_RISCV_SET6, place, 0, 0x80000036, 0, 0), 0);
	CHECK_EQ(apply(R_RISCV_SUB6, place, 0, 0x80000010, 0, 0), 0);
	CHECK_EQ(place[0], 0x40 | 0x26);
}

/* ---- ULEB128 ----------------------------------------------------------- */

static void test_uleb128_set_keeps_the_length(void)
{
	static const struct {
		uint8_t before[5];
		unsigned length;
		uint64_t value;
		uint8_t after[5];
	} cases[] = {
	    {{0x00}, 1, 0x7f, {0x7f}},
	    {{0x80, 0x00}, 2, 0x3fff, {0xff, 0x7f}},
	    {{0x80, 0x00}, 2, 5, {0x85, 0x00}},
	    {{0x80, 0x80, 0x80, 0x80, 0x00},
	     5,
	     0xffffffff,
	     {0xff, 0xff, 0xff, 0xff, 0x0f}},
	    {{0x80, 0x80, 0x80, 0x80, 0x00},
	     5,
	     0x12,
	     {0x92, 0x80, 0x80, 0x80, 0x00}},
	    {{0x85, 0x80, 0x00}, 3, 0, {0x80, 0x80, 0x00}},
	};

	for (size_t i = 0; i < TAP_COUNT(cases); i++) {
		struct scratch s;
		uint8_t *place =
		    scratch_fill(&s, 1, cases[i].before, cases[i].length);

		CHECK_EQ(riscv_uleb128_length(place, 16), cases[i].length);
		CHECK_EQ(apply(R_RISCV_SET_ULEB128, place, 0,
			       cases[i].value - 7, 7, 0),
			 0);
		CHECK(memcmp(place, cases[i].after, cases[i].length) == 0);
		CHECK(scratch_only(&s, 1, cases[i].length));
	}
}

static void test_uleb128_too_large_for_its_bytes_is_erange(void)
{
	static const struct {
		uint8_t before[5];
		unsigned length;
		uint64_t value;
	} cases[] = {
	    {{0x00}, 1, 0x80},
	    {{0x80, 0x00}, 2, 0x4000},
	    {{0x80, 0x80, 0x80, 0x80, 0x00}, 5, 0x800000000ull},
	    {{0x7f}, 1, 0xffffffc000001234ull}, /* a lone SET */
	};

	for (size_t i = 0; i < TAP_COUNT(cases); i++) {
		struct scratch s;
		uint8_t *place =
		    scratch_fill(&s, 0, cases[i].before, cases[i].length);

		CHECK_EQ(
		    apply(R_RISCV_SET_ULEB128, place, 0, cases[i].value, 0, 0),
		    -ERANGE);
		CHECK(scratch_untouched(&s));
	}
}

static void test_uleb128_ten_bytes_hold_any_value(void)
{
	uint8_t ten[10] = {0x80, 0x80, 0x80, 0x80, 0x80,
			   0x80, 0x80, 0x80, 0x80, 0x00};
	struct scratch s;
	uint8_t *place = scratch_fill(&s, 0, ten, 10);

	CHECK_EQ(apply(R_RISCV_SET_ULEB128, place, 0, UINT64_MAX, 0, 0), 0);
	for (unsigned i = 0; i < 9; i++)
		CHECK_EQ(place[i], 0xff);
	CHECK_EQ(place[9], 0x01);
	/* and back: V - S - A */
	CHECK_EQ(apply(R_RISCV_SUB_ULEB128, place, 0, UINT64_MAX - 1, 0, 0), 0);
	CHECK_EQ(place[0], 0x81);
	CHECK_EQ(place[9], 0x00);
}

static void test_uleb128_sub(void)
{
	uint8_t v[2] = {0xe4, 0x00}; /* 100, in two bytes */
	struct scratch s;
	uint8_t *place = scratch_fill(&s, 3, v, 2);

	CHECK_EQ(apply(R_RISCV_SUB_ULEB128, place, 0, 30, 6, 0), 0);
	CHECK_EQ(place[0], 0x80 | 64);
	CHECK_EQ(place[1], 0x00);
	CHECK(scratch_only(&s, 3, 2));
	/* below zero wraps to a huge value, which does not fit */
	place = scratch_fill(&s, 3, v, 2);
	CHECK_EQ(apply(R_RISCV_SUB_ULEB128, place, 0, 101, 0, 0), -ERANGE);
	CHECK(scratch_untouched(&s));
}

static void test_uleb128_malformed_is_einval(void)
{
	uint8_t endless[12];
	uint8_t wide[10] = {0xff, 0xff, 0xff, 0xff, 0xff,
			    0xff, 0xff, 0xff, 0xff, 0x02};
	struct scratch s;
	uint8_t *place;

	memset(endless, 0x80, sizeof(endless));
	place = scratch_fill(&s, 0, endless, sizeof(endless));
	CHECK_EQ(riscv_uleb128_length(place, sizeof(endless)), -EINVAL);
	CHECK_EQ(apply(R_RISCV_SET_ULEB128, place, 0, 1, 0, 0), -EINVAL);
	CHECK(scratch_untouched(&s));
	CHECK_EQ(apply(R_RISCV_SUB_ULEB128, place, 0, 1, 0, 0), -EINVAL);
	CHECK(scratch_untouched(&s));
	CHECK_EQ(riscv_reloc_apply_uleb128_pair(place, 5, 1, NULL), -EINVAL);
	CHECK(scratch_untouched(&s));
	/* terminated, but wider than 64 bits */
	place = scratch_fill(&s, 0, wide, sizeof(wide));
	CHECK_EQ(riscv_uleb128_length(place, sizeof(wide)), 10);
	CHECK_EQ(apply(R_RISCV_SUB_ULEB128, place, 0, 1, 0, 0), -EINVAL);
	CHECK(scratch_untouched(&s));
}

static void test_uleb128_length_stays_inside_the_section(void)
{
	uint8_t bytes[4] = {0x80, 0x80, 0x05, 0x00};

	CHECK_EQ(riscv_uleb128_length(bytes, 4), 3);
	CHECK_EQ(riscv_uleb128_length(bytes, 3), 3);
	CHECK_EQ(riscv_uleb128_length(bytes, 2), -EINVAL);
	CHECK_EQ(riscv_uleb128_length(bytes, 0), -EINVAL);
	CHECK_EQ(riscv_uleb128_length(bytes + 3, 1), 1);
}

static void test_uleb128_pair_writes_the_difference(void)
{
	const char *error = NULL;
	struct scratch s;
	uint8_t one = 0x08, two[2] = {0x80, 0x01};
	uint8_t *place = scratch_fill(&s, 1, &one, 1);

	/* b - a with both at kernel addresses: the SET alone cannot fit */
	CHECK_EQ(riscv_reloc_apply_uleb128_pair(place, 0xffffffc000001234ull,
						0xffffffc000001200ull, &error),
		 0);
	CHECK_EQ(place[0], 0x34);
	CHECK(scratch_only(&s, 1, 1));
	place = scratch_fill(&s, 1, two, 2);
	CHECK_EQ(riscv_reloc_apply_uleb128_pair(place, 0x80000100, 0x80000000,
						&error),
		 0);
	CHECK_EQ(place[0], 0x80);
	CHECK_EQ(place[1], 0x02);
	/* a difference that needs more bytes than reserved */
	place = scratch_fill(&s, 1, &one, 1);
	CHECK_EQ(riscv_reloc_apply_uleb128_pair(place, 0x80000100, 0x80000000,
						&error),
		 -ERANGE);
	CHECK(error != NULL);
	CHECK(scratch_untouched(&s));
	/* a negative difference */
	place = scratch_fill(&s, 1, two, 2);
	CHECK_EQ(
	    riscv_reloc_apply_uleb128_pair(place, 0x80000000, 0x80000001, NULL),
	    -ERANGE);
	CHECK(scratch_untouched(&s));
}

/* ---- the binutils oracle ----------------------------------------------- */

#define T0 0x80000000ull	 /* text, as in a RAM kernel */
#define D0 0x80100000ull	 /* data */
#define TH 0xffffffc000000000ull /* text at a Sv39 kernel address */
#define DH 0xffffffc000100000ull

static const char branch_forms[] = "	.text\n"
				   "a:	beq a0, a1, 1f\n"
				   "	bne a2, a3, a\n"
				   "	blt a4, a5, 1f\n"
				   "	bgeu s0, s1, a\n"
				   "	.skip 2000\n"
				   "1:	c.beqz a0, 2f\n"
				   "	c.bnez s1, 1b\n"
				   "	c.j 2f\n"
				   "	c.j 1b\n"
				   "	.skip 100\n"
				   "2:	jal ra, a\n"
				   "	jal zero, 2b\n"
				   "	jal s0, 3f\n"
				   "	.skip 60000\n"
				   "3:	ret\n";

static const char raw_branch[] = "	.text\n"
				 "	.reloc ., R_RISCV_BRANCH, sym\n"
				 "	.4byte 0x00b50063\n";

static const char jal_sym[] = "	.text\n"
			      "	.option norvc\n"
			      "	nop\n"
			      "	jal ra, sym\n";

static const char raw_rvc_branch[] = "	.text\n"
				     "	.reloc ., R_RISCV_RVC_BRANCH, sym\n"
				     "	.2byte 0xc101\n"
				     "	.reloc ., R_RISCV_RVC_BRANCH, sym\n"
				     "	.2byte 0xe081\n";

static const char raw_rvc_jump[] = "	.text\n"
				   "	.reloc ., R_RISCV_RVC_JUMP, sym\n"
				   "	.2byte 0xa001\n";

static const char calls[] = "	.text\n"
			    "	.option norvc\n"
			    "	call sym\n"
			    "	tail sym\n"
			    "	.reloc ., R_RISCV_CALL, sym\n"
			    "	.4byte 0x00000097, 0x000080e7\n";

static const char pcrel[] = "	.text\n"
			    "	.option norvc\n"
			    "	j 3f\n"
			    "2:	addi a2, a2, %pcrel_lo(3f)\n"
			    "	nop\n"
			    "3:	auipc a2, %pcrel_hi(sym)\n"
			    "1:	auipc a0, %pcrel_hi(sym)\n"
			    "	addi a0, a0, %pcrel_lo(1b)\n"
			    "	ld a1, %pcrel_lo(1b)(a0)\n"
			    "	sw a1, %pcrel_lo(1b)(a0)\n"
			    "	sd a1, %pcrel_lo(1b)(a0)\n";

static const char got[] = "	.text\n"
			  "	.option pic\n"
			  "1:	auipc a0, %got_pcrel_hi(sym)\n"
			  "	ld a0, %pcrel_lo(1b)(a0)\n";

static const char absolute[] = "	.text\n"
			       "	.option norvc\n"
			       "	lui a0, %hi(sym)\n"
			       "	addi a0, a0, %lo(sym)\n"
			       "	lw a1, %lo(sym)(a0)\n"
			       "	sw a1, %lo(sym)(a0)\n"
			       "	lui a2, %hi(sym+0x7ff)\n"
			       "	sd a2, %lo(sym+0x7ff)(a0)\n";

static const char rvc_lui[] = "	.text\n"
			      "	.reloc ., R_RISCV_RVC_LUI, sym\n"
			      "	.2byte 0x6505\n";

static const char words[] = "	.data\n"
			    "	.word sym\n"
			    "	.byte 1\n"
			    "	.quad sym\n"
			    "	.word sym2\n";

static const char word_only[] = "	.data\n"
				"	.byte 1\n"
				"	.word sym\n";

static const char pcrel_word[] = "	.data\n"
				 "	.byte 0\n"
				 "x:	.reloc x, R_RISCV_32_PCREL, sym\n"
				 "	.word 0\n";

static const char differences[] = "	.text\n"
				  "a:	nop\n"
				  "	call f\n"
				  "b:	.skip 300\n"
				  "f:	ret\n"
				  "	.data\n"
				  "	.byte b - a\n"
				  "	.half b - a\n"
				  "	.word f - a\n"
				  "	.quad f - a\n"
				  "	.word a - f\n"
				  "	.half a - f + 7\n";

static const char sets[] = "	.data\n"
			   "x:	.reloc x, R_RISCV_SET6, sym\n"
			   "	.byte 0xc5\n"
			   "y:	.reloc y, R_RISCV_SUB6, sym2\n"
			   "	.byte 0x85\n"
			   "z:	.reloc z, R_RISCV_SET8, sym\n"
			   "	.byte 0\n"
			   "u:	.reloc u, R_RISCV_SET16, sym\n"
			   "	.half 0\n"
			   "v:	.reloc v, R_RISCV_SET32, sym\n"
			   "	.word 0\n"
			   "w:	.reloc w, R_RISCV_ADD64, sym\n"
			   "	.reloc w, R_RISCV_SUB64, sym2\n"
			   "	.quad 5\n";

static const char sub_addend[] = "	.data\n"
				 "y:	.word 0x1000\n"
				 "	.reloc y, R_RISCV_SUB32, sym+5\n";

static const char uleb[] = "	.text\n"
			   "a:	nop\n"
			   "	call f\n"
			   "b:	.skip 200\n"
			   "f:	ret\n"
			   "	.data\n"
			   "	.uleb128 b - a\n"
			   "	.uleb128 f - a\n"
			   "	.byte 7\n"
			   "	.uleb128 f - b\n";

static const char plt32[] = "	.data\n"
			    "x:	.reloc x, R_RISCV_PLT32, sym\n"
			    "	.word 0\n";

/* Spread over many lines by clang-format, these stay as written. */
/* clang-format off */
#define SYM(v)	   {{"sym", (v)}}
#define NO_SYMBOLS {{0}}
#define TYPES(...) {__VA_ARGS__}
/* clang-format on */
#define NEED_ULEB  "binutils without R_RISCV_SET_ULEB128 (2.41+ needed)"
#define NEED_PLT32 "binutils without R_RISCV_PLT32 (2.41+ needed)"

static const struct oracle_case oracle_cases[] = {
    {"oracle: branches, c.beqz/c.j and jal to labels", branch_forms, T0, D0,
     NO_SYMBOLS,
     TYPES(R_RISCV_BRANCH, R_RISCV_RVC_BRANCH, R_RISCV_RVC_JUMP, R_RISCV_JAL),
     NULL, ORACLE_SAME},
    {"oracle: same, at a kernel address", branch_forms, TH, DH, NO_SYMBOLS,
     TYPES(R_RISCV_BRANCH, R_RISCV_JAL), NULL, ORACLE_SAME},
    {"oracle: BRANCH +4094", raw_branch, T0, D0, SYM(T0 + 4094),
     TYPES(R_RISCV_BRANCH), NULL, ORACLE_SAME},
    {"oracle: BRANCH -4096", raw_branch, T0, D0, SYM(T0 - 4096),
     TYPES(R_RISCV_BRANCH), NULL, ORACLE_SAME},
    {"oracle: BRANCH +4096 refused", raw_branch, T0, D0, SYM(T0 + 4096),
     TYPES(R_RISCV_BRANCH), NULL, ORACLE_BOTH_REFUSE},
    {"oracle: BRANCH -4098 refused", raw_branch, T0, D0, SYM(T0 - 4098),
     TYPES(R_RISCV_BRANCH), NULL, ORACLE_BOTH_REFUSE},
    {"oracle: BRANCH to an odd target refused", raw_branch, T0, D0, SYM(T0 + 7),
     TYPES(R_RISCV_BRANCH), NULL, ORACLE_BOTH_REFUSE},
    {"oracle: JAL +0xffffe", jal_sym, T0, D0, SYM(T0 + 4 + 0xffffe),
     TYPES(R_RISCV_JAL), NULL, ORACLE_SAME},
    {"oracle: JAL -0x100000", jal_sym, T0, D0, SYM(T0 + 4 - 0x100000),
     TYPES(R_RISCV_JAL), NULL, ORACLE_SAME},
    {"oracle: JAL +0x100000 refused", jal_sym, T0, D0, SYM(T0 + 4 + 0x100000),
     TYPES(R_RISCV_JAL), NULL, ORACLE_BOTH_REFUSE},
    {"oracle: RVC_BRANCH +254 and +252", raw_rvc_branch, T0, D0, SYM(T0 + 254),
     TYPES(R_RISCV_RVC_BRANCH), NULL, ORACLE_SAME},
    {"oracle: RVC_BRANCH -256 and -258 refused", raw_rvc_branch, T0, D0,
     SYM(T0 - 256), TYPES(R_RISCV_RVC_BRANCH), NULL, ORACLE_BOTH_REFUSE},
    {"oracle: RVC_BRANCH -254 and -256", raw_rvc_branch, T0, D0,
     SYM(T0 + 2 - 256), TYPES(R_RISCV_RVC_BRANCH), NULL, ORACLE_SAME},
    {"oracle: RVC_BRANCH +256 refused", raw_rvc_branch, T0, D0, SYM(T0 + 256),
     TYPES(R_RISCV_RVC_BRANCH), NULL, ORACLE_BOTH_REFUSE},
    {"oracle: RVC_JUMP +2046", raw_rvc_jump, T0, D0, SYM(T0 + 2046),
     TYPES(R_RISCV_RVC_JUMP), NULL, ORACLE_SAME},
    {"oracle: RVC_JUMP -2048", raw_rvc_jump, T0, D0, SYM(T0 - 2048),
     TYPES(R_RISCV_RVC_JUMP), NULL, ORACLE_SAME},
    {"oracle: RVC_JUMP +2048 refused", raw_rvc_jump, T0, D0, SYM(T0 + 2048),
     TYPES(R_RISCV_RVC_JUMP), NULL, ORACLE_BOTH_REFUSE},
    {"oracle: RVC_JUMP to an odd target refused", raw_rvc_jump, T0, D0,
     SYM(T0 + 5), TYPES(R_RISCV_RVC_JUMP), NULL, ORACLE_BOTH_REFUSE},
    {"oracle: CALL_PLT and CALL, +0x12345678", calls, T0, D0,
     SYM(T0 + 0x12345678), TYPES(R_RISCV_CALL_PLT, R_RISCV_CALL), NULL,
     ORACLE_SAME},
    {"oracle: CALL, lo negative (+0x800)", calls, T0, D0, SYM(T0 + 0x800),
     TYPES(R_RISCV_CALL_PLT, R_RISCV_CALL), NULL, ORACLE_SAME},
    {"oracle: CALL, -0x7f9, -0x801, -0x809", calls, T0, D0, SYM(T0 + 8 - 0x801),
     TYPES(R_RISCV_CALL_PLT), NULL, ORACLE_SAME},
    {"oracle: CALL at the top, +0x7ffff7ff", calls, T0, D0,
     SYM(T0 + 0x7ffff7ff), TYPES(R_RISCV_CALL_PLT), NULL, ORACLE_SAME},
    {"oracle: CALL +0x7ffff800 refused", calls, T0, D0,
     SYM(T0 + 16 + 0x7ffff800), TYPES(R_RISCV_CALL_PLT), NULL,
     ORACLE_BOTH_REFUSE},
    {"oracle: CALL at the bottom, -0x80000800", calls, TH, DH,
     SYM(TH + 16 - 0x80000800), TYPES(R_RISCV_CALL_PLT), NULL, ORACLE_SAME},
    {"oracle: CALL -0x80000801 refused", calls, TH, DH, SYM(TH - 0x80000801),
     TYPES(R_RISCV_CALL_PLT), NULL, ORACLE_BOTH_REFUSE},
    {"oracle: PCREL_HI20/LO12_I/LO12_S, +0xfff", pcrel, T0, D0,
     SYM(T0 + 0xfff + 12),
     TYPES(R_RISCV_PCREL_HI20, R_RISCV_PCREL_LO12_I, R_RISCV_PCREL_LO12_S),
     NULL, ORACLE_SAME},
    {"oracle: PCREL, -0x7fd and -0x801", pcrel, T0, D0, SYM(T0 + 16 - 0x801),
     TYPES(R_RISCV_PCREL_HI20), NULL, ORACLE_SAME},
    {"oracle: PCREL at a kernel address to 0x80200000", pcrel, TH, DH,
     SYM(0x80200000), TYPES(R_RISCV_PCREL_HI20), NULL, ORACLE_BOTH_REFUSE},
    {"oracle: PCREL at the top, +0x7ffff7ff", pcrel, T0, D0,
     SYM(T0 + 12 + 0x7ffff7ff), TYPES(R_RISCV_PCREL_HI20), NULL, ORACLE_SAME},
    {"oracle: PCREL +0x7ffff800 refused", pcrel, TH, DH,
     SYM(TH + 12 + 0x7ffff800), TYPES(R_RISCV_PCREL_HI20), NULL,
     ORACLE_BOTH_REFUSE},
    {"oracle: PCREL at the bottom, -0x80000800", pcrel, TH, DH,
     SYM(TH + 16 - 0x80000800), TYPES(R_RISCV_PCREL_HI20), NULL, ORACLE_SAME},
    {"oracle: PCREL out of range, where ld rewrites auipc to lui", pcrel, TH,
     DH, SYM(0x100), TYPES(R_RISCV_PCREL_HI20), NULL, ORACLE_LD_ONLY},
    {"oracle: GOT_HI20 and its PCREL_LO12_I", got, T0, D0,
     SYM(0x123456789abcull), TYPES(R_RISCV_GOT_HI20, R_RISCV_PCREL_LO12_I),
     NULL, ORACLE_SAME},
    {"oracle: HI20/LO12_I/LO12_S, 0x12345678", absolute, T0, D0,
     SYM(0x12345678), TYPES(R_RISCV_HI20, R_RISCV_LO12_I, R_RISCV_LO12_S), NULL,
     ORACLE_SAME},
    {"oracle: HI20/LO12, 0x800 and 0xfff", absolute, T0, D0, SYM(0x800),
     TYPES(R_RISCV_HI20), NULL, ORACLE_SAME},
    {"oracle: HI20/LO12, -0x801", absolute, T0, D0, SYM(-0x801ull),
     TYPES(R_RISCV_HI20), NULL, ORACLE_SAME},
    {"oracle: HI20/LO12, 0x7ffff000 (top with +0x7ff)", absolute, T0, D0,
     SYM(0x7ffff000), TYPES(R_RISCV_HI20), NULL, ORACLE_SAME},
    {"oracle: HI20, -0x80000800", absolute, T0, D0, SYM(-0x80000800ull),
     TYPES(R_RISCV_HI20), NULL, ORACLE_SAME},
    {"oracle: HI20 0x7ffff800 refused", absolute, T0, D0, SYM(0x7ffff800),
     TYPES(R_RISCV_HI20), NULL, ORACLE_BOTH_REFUSE},
    {"oracle: HI20 0x80000000 refused", absolute, T0, D0, SYM(0x80000000),
     TYPES(R_RISCV_HI20), NULL, ORACLE_BOTH_REFUSE},
    {"oracle: RVC_LUI 0x1f7ff", rvc_lui, T0, D0, SYM(0x1f7ff),
     TYPES(R_RISCV_RVC_LUI), NULL, ORACLE_SAME},
    {"oracle: RVC_LUI -0x20800", rvc_lui, T0, D0, SYM(-0x20800ull),
     TYPES(R_RISCV_RVC_LUI), NULL, ORACLE_SAME},
    {"oracle: RVC_LUI 0x1f800 refused", rvc_lui, T0, D0, SYM(0x1f800),
     TYPES(R_RISCV_RVC_LUI), NULL, ORACLE_BOTH_REFUSE},
    {"oracle: RVC_LUI 0x7ff, where ld writes c.li", rvc_lui, T0, D0, SYM(0x7ff),
     TYPES(R_RISCV_RVC_LUI), NULL, ORACLE_LD_ONLY},
    {"oracle: 32 and 64 at odd addresses",
     words,
     T0,
     D0,
     {{"sym", 0xffffffff}, {"sym2", -0x80000000ull}},
     TYPES(R_RISCV_32, R_RISCV_64),
     NULL,
     ORACLE_SAME},
    {"oracle: 32 with 0x100000000, which ld truncates", word_only, T0, D0,
     SYM(0x100000000ull), TYPES(R_RISCV_32), NULL, ORACLE_LD_ONLY},
    {"oracle: 32_PCREL -0x80000000", pcrel_word, T0, D0,
     SYM(D0 + 1 - 0x80000000ull), TYPES(R_RISCV_32_PCREL), NULL, ORACLE_SAME},
    {"oracle: 32_PCREL +0x7fffffff", pcrel_word, T0, D0,
     SYM(D0 + 1 + 0x7fffffff), TYPES(R_RISCV_32_PCREL), NULL, ORACLE_SAME},
    {"oracle: 32_PCREL +0x80000000, which ld truncates", pcrel_word, T0, D0,
     SYM(D0 + 1 + 0x80000000ull), TYPES(R_RISCV_32_PCREL), NULL,
     ORACLE_LD_ONLY},
    {"oracle: ADD/SUB 8, 16, 32, 64 from label differences", differences, T0,
     D0, NO_SYMBOLS,
     TYPES(R_RISCV_ADD8, R_RISCV_SUB8, R_RISCV_ADD16, R_RISCV_SUB16,
	   R_RISCV_ADD32, R_RISCV_SUB32, R_RISCV_ADD64, R_RISCV_SUB64),
     NULL, ORACLE_SAME},
    {"oracle: same, at a kernel address", differences, TH, DH, NO_SYMBOLS,
     TYPES(R_RISCV_ADD32, R_RISCV_SUB32), NULL, ORACLE_SAME},
    {"oracle: SET6/SUB6/SET8/SET16/SET32, ADD64+SUB64",
     sets,
     T0,
     D0,
     {{"sym", 0x8000127b}, {"sym2", 0x80000017}},
     TYPES(R_RISCV_SET6, R_RISCV_SUB6, R_RISCV_SET8, R_RISCV_SET16,
	   R_RISCV_SET32, R_RISCV_ADD64, R_RISCV_SUB64),
     NULL,
     ORACLE_SAME},
    {"oracle: SUB32 with an addend (ld: V - S + A)", sub_addend, T0, D0,
     SYM(0x80000000), TYPES(R_RISCV_SUB32), NULL, ORACLE_LD_DIFFERS},
    {"oracle: SET_ULEB128/SUB_ULEB128, 1 and 2 bytes", uleb, T0, D0, NO_SYMBOLS,
     TYPES(R_RISCV_SET_ULEB128, R_RISCV_SUB_ULEB128), NEED_ULEB, ORACLE_SAME},
    {"oracle: same, at a kernel address", uleb, TH, DH, NO_SYMBOLS,
     TYPES(R_RISCV_SET_ULEB128, R_RISCV_SUB_ULEB128), NEED_ULEB, ORACLE_SAME},
    {"oracle: PLT32", plt32, T0, D0, SYM(D0 - 0x1234), TYPES(R_RISCV_PLT32),
     NEED_PLT32, ORACLE_SAME},
};

/* ---- the run ----------------------------------------------------------- */

static const struct tap_case cases[] = {
    TAP_CASE(test_every_type_number_has_its_kind_name_and_width),
    TAP_CASE(test_huge_type_numbers_are_unknown),
    TAP_CASE(test_kind_accepts_a_null_name),
    TAP_CASE(test_markers_refused_and_unknown_are_not_applied),
    TAP_CASE(test_golden_encodings),
    TAP_CASE(test_jump_offsets_zero_positive_negative),
    TAP_CASE(test_jump_limits_and_one_beyond),
    TAP_CASE(test_odd_jump_targets_are_einval),
    TAP_CASE(test_jump_addend_counts),
    TAP_CASE(test_call_pair_splits_every_value),
    TAP_CASE(test_pcrel_hi20_and_lo12_split_every_value),
    TAP_CASE(test_absolute_hi20_and_lo12_split_every_value),
    TAP_CASE(test_pcrel_lo12_takes_hi_offset_not_its_own_s_and_p),
    TAP_CASE(test_pcrel_lo12_addend_must_keep_the_high_part),
    TAP_CASE(test_rvc_lui_range),
    TAP_CASE(test_instructions_at_odd_addresses_are_refused),
    TAP_CASE(test_32_takes_signed_or_unsigned_32_bit_values),
    TAP_CASE(test_64_at_an_odd_address),
    TAP_CASE(test_32_pcrel_and_plt32_limits),
    TAP_CASE(test_add_sub_set_wrap_modulo_their_width),
    TAP_CASE(test_add32_then_sub32_is_the_difference),
    TAP_CASE(test_sub_subtracts_the_addend_as_the_psabi_says),
    TAP_CASE(test_set6_and_sub6_keep_the_top_two_bits),
    TAP_CASE(test_uleb128_set_keeps_the_length),
    TAP_CASE(test_uleb128_too_large_for_its_bytes_is_erange),
    TAP_CASE(test_uleb128_ten_bytes_hold_any_value),
    TAP_CASE(test_uleb128_sub),
    TAP_CASE(test_uleb128_malformed_is_einval),
    TAP_CASE(test_uleb128_length_stays_inside_the_section),
    TAP_CASE(test_uleb128_pair_writes_the_difference),
};

/* tap_run() over cases[], then one TAP case per oracle case. */
int main(void)
{
	size_t total = TAP_COUNT(cases) + TAP_COUNT(oracle_cases);
	int failures = 0;

	printf("TAP version 13\n1..%zu\n", total);
	for (size_t i = 0; i < TAP_COUNT(cases); i++) {
		tap_case_failed = 0;
		cases[i].run();
		printf("%s %zu - %s\n", tap_case_failed ? "not ok" : "ok",
		       i + 1, cases[i].name);
		fflush(stdout);
		failures += tap_case_failed;
	}
	for (size_t i = 0; i < TAP_COUNT(oracle_cases); i++) {
		const char *skip = NULL;
		enum oracle_result r = oracle_run(&oracle_cases[i], &skip);
		size_t n = TAP_COUNT(cases) + i + 1;

		if (r == ORACLE_SKIP)
			printf("ok %zu - %s # SKIP %s\n", n,
			       oracle_cases[i].name, skip);
		else
			printf("%s %zu - %s\n",
			       r == ORACLE_PASS ? "ok" : "not ok", n,
			       oracle_cases[i].name);
		fflush(stdout);
		failures += r == ORACLE_FAIL;
	}
	return failures ? 1 : 0;
}
