/*
 * reloc_riscv.c - applying one RISC-V (RV64) relocation.
 *
 * Every relocation Keel applies is a small computation followed by one
 * write.  With S the symbol's value, A the addend, P the place's run-time
 * address and V the bytes already at the place:
 *
 *     S + A          32, 64, HI20, LO12_I/S, RVC_LUI, SET6/8/16/32
 *     S + A - P      BRANCH, JAL, CALL(_PLT), PCREL_HI20, GOT_HI20 (S is
 *                    the GOT slot), RVC_BRANCH, RVC_JUMP, 32_PCREL, PLT32
 *     V + S + A      ADD8/16/32/64
 *     V - S - A      SUB6/8/16/32/64
 *     hi_offset + A  PCREL_LO12_I/S, hi_offset being the paired HI20's S+A-P
 *
 * The write puts the value into a field.  Data fields are little-endian
 * words of 1, 2, 4 or 8 bytes (SET6/SUB6: the low 6 bits of a byte), read
 * and written a byte at a time because data may sit at any address; the
 * ULEB128 fields keep whatever length the assembler gave them.  Instruction
 * fields are the scattered immediate bits of one format:
 *
 *     B-type  beq/bne/...   imm[12|10:5] in 31:25, imm[4:1|11] in 11:7
 *     J-type  jal           imm[20|10:1|11|19:12] in 31:12
 *     U-type  lui/auipc     imm[31:12] in 31:12
 *     I-type  addi/ld/jalr  imm[11:0] in 31:20
 *     S-type  sd/sw         imm[11:5] in 31:25, imm[4:0] in 11:7
 *     CB      c.beqz/bnez   off[8|4:3] in 12:10, off[7:6|2:1|5] in 6:2
 *     CJ      c.j           off[11|4|9:8|10|6|7|3:1|5] in 12:2
 *     CI      c.lui         nzimm[17] in 12, nzimm[16:12] in 6:2
 *
 * and every other bit (opcode, registers, funct3) is kept.  With the C
 * extension a 32-bit instruction is only 2-byte aligned, so instructions
 * are read and written as 16-bit parcels, low parcel first.
 *
 * Ranges follow GNU ld: a branch or jump offset must fit its signed field
 * and be even (BRANCH 13 bits: +-4 KiB; JAL 21 bits: +-1 MiB; RVC_BRANCH 9
 * bits: +-256 B; RVC_JUMP 12 bits: +-2 KiB).  A 32-bit offset or address
 * split between a U-type and a 12-bit I/S-type immediate is rounded so the
 * sign-extended low part adds back to it:
 *
 *     hi = (value + 0x800) >> 12,   lo = value - (hi << 12)  (-2048..2047)
 *
 * so value + 0x800 must fit in signed 32 bits: -0x80000800..0x7ffff7ff.
 * RVC_LUI takes the same hi, which must be nonzero and fit 6 signed bits.
 * 32_PCREL and PLT32 must fit signed 32 bits, R_RISCV_32 signed or
 * unsigned 32 bits.  ADD, SUB and SET wrap modulo their width: they build
 * label differences whose intermediate values mean nothing on their own.
 *
 * Error policy: every case computes and checks first, then writes; a
 * refused relocation leaves the place exactly as it was.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <keel/errno.h>

#include "reloc_riscv.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "instruction parcels are accessed in host byte order");

/* ---- the type table --------------------------------------------------- */

struct reloc_type_info {
	const char *name; /* psABI name; NULL: a number the psABI leaves free */
	uint8_t kind;	  /* enum riscv_reloc_kind */
	uint8_t width;	  /* bytes read and written at the place */
};

#define TYPE(n, k, w) [R_RISCV_##n] = {"R_RISCV_" #n, RISCV_RELOC_##k, w}

static const struct reloc_type_info reloc_types[] = {
    TYPE(NONE, MARKER, 0),
    TYPE(32, APPLY, 4),
    TYPE(64, APPLY, 8),
    TYPE(RELATIVE, REFUSED, 0),
    TYPE(COPY, REFUSED, 0),
    TYPE(JUMP_SLOT, REFUSED, 0),
    TYPE(TLS_DTPMOD32, REFUSED, 0),
    TYPE(TLS_DTPMOD64, REFUSED, 0),
    TYPE(TLS_DTPREL32, REFUSED, 0),
    TYPE(TLS_DTPREL64, REFUSED, 0),
    TYPE(TLS_TPREL32, REFUSED, 0),
    TYPE(TLS_TPREL64, REFUSED, 0),
    TYPE(TLSDESC, REFUSED, 0),
    TYPE(BRANCH, APPLY, 4),
    TYPE(JAL, APPLY, 4),
    TYPE(CALL, APPLY, 8),
    TYPE(CALL_PLT, APPLY, 8),
    TYPE(GOT_HI20, APPLY, 4),
    TYPE(TLS_GOT_HI20, REFUSED, 0),
    TYPE(TLS_GD_HI20, REFUSED, 0),
    TYPE(PCREL_HI20, APPLY, 4),
    TYPE(PCREL_LO12_I, LO12, 4),
    TYPE(PCREL_LO12_S, LO12, 4),
    TYPE(HI20, APPLY, 4),
    TYPE(LO12_I, APPLY, 4),
    TYPE(LO12_S, APPLY, 4),
    TYPE(TPREL_HI20, REFUSED, 0),
    TYPE(TPREL_LO12_I, REFUSED, 0),
    TYPE(TPREL_LO12_S, REFUSED, 0),
    TYPE(TPREL_ADD, REFUSED, 0),
    TYPE(ADD8, APPLY, 1),
    TYPE(ADD16, APPLY, 2),
    TYPE(ADD32, APPLY, 4),
    TYPE(ADD64, APPLY, 8),
    TYPE(SUB8, APPLY, 1),
    TYPE(SUB16, APPLY, 2),
    TYPE(SUB32, APPLY, 4),
    TYPE(SUB64, APPLY, 8),
    TYPE(ALIGN, MARKER, 0),
    TYPE(RVC_BRANCH, APPLY, 2),
    TYPE(RVC_JUMP, APPLY, 2),
    TYPE(RVC_LUI, APPLY, 2),
    TYPE(GPREL_LO12_I, REFUSED, 0),
    TYPE(GPREL_LO12_S, REFUSED, 0),
    TYPE(GPREL_HI20, REFUSED, 0),
    TYPE(RELAX, MARKER, 0),
    TYPE(SUB6, APPLY, 1),
    TYPE(SET6, APPLY, 1),
    TYPE(SET8, APPLY, 1),
    TYPE(SET16, APPLY, 2),
    TYPE(SET32, APPLY, 4),
    TYPE(32_PCREL, APPLY, 4),
    TYPE(IRELATIVE, REFUSED, 0),
    TYPE(PLT32, APPLY, 4),
    TYPE(SET_ULEB128, APPLY, 1),
    TYPE(SUB_ULEB128, APPLY, 1),
    TYPE(TLSDESC_HI20, REFUSED, 0),
    TYPE(TLSDESC_LOAD_LO12, REFUSED, 0),
    TYPE(TLSDESC_ADD_LO12, REFUSED, 0),
    TYPE(TLSDESC_CALL, REFUSED, 0),
};

#undef TYPE

#define RELOC_TYPE_COUNT (sizeof(reloc_types) / sizeof(reloc_types[0]))

static const struct reloc_type_info *type_info(uint32_t type)
{
	if (type >= RELOC_TYPE_COUNT || !reloc_types[type].name)
		return NULL;
	return &reloc_types[type];
}

enum riscv_reloc_kind riscv_reloc_kind(uint32_t type, const char **name)
{
	const struct reloc_type_info *info = type_info(type);

	if (name)
		*name = info ? info->name : NULL;
	return info ? (enum riscv_reloc_kind)info->kind : RISCV_RELOC_REFUSED;
}

unsigned riscv_reloc_width(uint32_t type)
{
	const struct reloc_type_info *info = type_info(type);

	return info ? info->width : 0;
}

/* ---- small helpers ---------------------------------------------------- */

static int fail(const char **error, int err, const char *reason)
{
	if (error)
		*error = reason;
	return err;
}

/* Bits high..low of value, moved down to bit 0. */
static uint32_t bits(uint64_t value, unsigned high, unsigned low)
{
	return (uint32_t)(value >> low) & ((1u << (high - low + 1)) - 1);
}

static bool fits_signed(int64_t value, unsigned width)
{
	int64_t limit = (int64_t)1 << (width - 1);

	return value >= -limit && value < limit;
}

/* True when value splits into a U-type hi and an I/S-type lo (see top). */
static bool fits_hi20_lo12(int64_t value)
{
	return value >= (int64_t)INT32_MIN - 0x800 &&
	       value <= (int64_t)INT32_MAX - 0x800;
}

/* ---- data fields: little-endian, any alignment ------------------------ */

static uint64_t data_read(const uint8_t *place, unsigned width)
{
	uint64_t value = 0;

	for (unsigned i = 0; i < width; i++)
		value |= (uint64_t)place[i] << (8 * i);
	return value;
}

static void data_write(uint8_t *place, unsigned width, uint64_t value)
{
	for (unsigned i = 0; i < width; i++)
		place[i] = (uint8_t)(value >> (8 * i));
}

/* ---- instruction fields: 16-bit parcels ------------------------------- */

typedef uint16_t __attribute__((may_alias)) insn_parcel;

static uint16_t insn16_read(const uint8_t *place)
{
	return *(const insn_parcel *)place;
}

static void insn16_write(uint8_t *place, uint16_t insn)
{
	*(insn_parcel *)place = insn;
}

static uint32_t insn32_read(const uint8_t *place)
{
	const insn_parcel *parcel = (const insn_parcel *)place;

	return (uint32_t)parcel[0] | (uint32_t)parcel[1] << 16;
}

static void insn32_write(uint8_t *place, uint32_t insn)
{
	insn_parcel *parcel = (insn_parcel *)place;

	parcel[0] = (uint16_t)insn;
	parcel[1] = (uint16_t)(insn >> 16);
}

/* Replace the bits of `mask` in the instruction at place with imm's. */
static void insn32_patch(uint8_t *place, uint32_t mask, uint32_t imm)
{
	insn32_write(place, (insn32_read(place) & ~mask) | (imm & mask));
}

static void insn16_patch(uint8_t *place, uint16_t mask, uint16_t imm)
{
	insn16_write(place, (insn16_read(place) & ~mask) | (imm & mask));
}

#define BTYPE_MASK  0xfe000f80u
#define JTYPE_MASK  0xfffff000u
#define UTYPE_MASK  0xfffff000u
#define ITYPE_MASK  0xfff00000u
#define STYPE_MASK  0xfe000f80u
#define CBTYPE_MASK 0x1c7cu
#define CJTYPE_MASK 0x1ffcu
#define CILUI_MASK  0x107cu

static uint32_t btype_imm(uint64_t v)
{
	return bits(v, 12, 12) << 31 | bits(v, 10, 5) << 25 |
	       bits(v, 4, 1) << 8 | bits(v, 11, 11) << 7;
}

static uint32_t jtype_imm(uint64_t v)
{
	return bits(v, 20, 20) << 31 | bits(v, 10, 1) << 21 |
	       bits(v, 11, 11) << 20 | bits(v, 19, 12) << 12;
}

/* The U-type immediate of the hi/lo split: bits 31:12 of value + 0x800. */
static uint32_t utype_hi_imm(uint64_t v)
{
	return bits(v + 0x800, 31, 12) << 12;
}

static uint32_t itype_imm(uint64_t v)
{
	return bits(v, 11, 0) << 20;
}

static uint32_t stype_imm(uint64_t v)
{
	return bits(v, 11, 5) << 25 | bits(v, 4, 0) << 7;
}

static uint16_t cbtype_imm(uint64_t v)
{
	return (uint16_t)(bits(v, 8, 8) << 12 | bits(v, 4, 3) << 10 |
			  bits(v, 7, 6) << 5 | bits(v, 2, 1) << 3 |
			  bits(v, 5, 5) << 2);
}

static uint16_t cjtype_imm(uint64_t v)
{
	return (uint16_t)(bits(v, 11, 11) << 12 | bits(v, 4, 4) << 11 |
			  bits(v, 9, 8) << 9 | bits(v, 10, 10) << 8 |
			  bits(v, 6, 6) << 7 | bits(v, 7, 7) << 6 |
			  bits(v, 3, 1) << 3 | bits(v, 5, 5) << 2);
}

/* c.lui's nonzero immediate, hi = nzimm[17:12], a 6-bit signed value. */
static uint16_t cilui_imm(int64_t hi)
{
	return (uint16_t)(bits((uint64_t)hi, 5, 5) << 12 |
			  bits((uint64_t)hi, 4, 0) << 2);
}

/* ---- ULEB128 ---------------------------------------------------------- */

int riscv_uleb128_length(const uint8_t *place, size_t available)
{
	for (size_t i = 0; i < available && i < RISCV_ULEB128_MAX_BYTES; i++) {
		if (!(place[i] & 0x80))
			return (int)i + 1;
	}
	return -EINVAL;
}

/* Decode the ULEB128 at place: its length and value, or -EINVAL. */
static int uleb128_read(const uint8_t *place, unsigned *length, uint64_t *value,
			const char **error)
{
	int len = riscv_uleb128_length(place, RISCV_ULEB128_MAX_BYTES);
	uint64_t result = 0;

	if (len < 0)
		return fail(error, -EINVAL,
			    "ULEB128 not terminated within 10 bytes");
	/* The tenth byte holds bit 63 only. */
	if (len == RISCV_ULEB128_MAX_BYTES && place[len - 1] > 1)
		return fail(error, -EINVAL, "ULEB128 value wider than 64 bits");
	for (int i = 0; i < len; i++)
		result |= (uint64_t)(place[i] & 0x7f) << (7 * i);
	*length = (unsigned)len;
	*value = result;
	return 0;
}

/* Write value in exactly length bytes, padding with 0x80 continuations. */
static void uleb128_write(uint8_t *place, unsigned length, uint64_t value)
{
	for (unsigned i = 0; i < length; i++) {
		uint8_t byte = value & 0x7f;

		value >>= 7;
		place[i] = i + 1 < length ? byte | 0x80 : byte;
	}
}

/* Store value in the length bytes of an existing ULEB128, if it fits. */
static int uleb128_store(uint8_t *place, unsigned length, uint64_t value,
			 const char **error)
{
	if (length * 7 < 64 && value >> (length * 7) != 0)
		return fail(error, -ERANGE,
			    "ULEB128 value does not fit its bytes");
	uleb128_write(place, length, value);
	return 0;
}

/* Overwrite the ULEB128 at place with value, keeping its length. */
static int uleb128_overwrite(uint8_t *place, uint64_t value, const char **error)
{
	unsigned length;
	uint64_t old;
	int err = uleb128_read(place, &length, &old, error);

	return err ? err : uleb128_store(place, length, value, error);
}

int riscv_reloc_apply_uleb128_pair(uint8_t *place, uint64_t set_value,
				   uint64_t sub_value, const char **error)
{
	return uleb128_overwrite(place, set_value - sub_value, error);
}

/* ---- the relocation types --------------------------------------------- */

/* A PC-relative branch or jump: its field width and refusal messages. */
struct jump_format {
	unsigned width;
	const char *odd;
	const char *range;
};

static const struct jump_format branch_format = {13, "BRANCH target is odd",
						 "BRANCH target out of range"};
static const struct jump_format jal_format = {21, "JAL target is odd",
					      "JAL target out of range"};
static const struct jump_format rvc_branch_format = {
    9, "RVC_BRANCH target is odd", "RVC_BRANCH target out of range"};
static const struct jump_format rvc_jump_format = {
    12, "RVC_JUMP target is odd", "RVC_JUMP target out of range"};

static int check_jump(const struct jump_format *format, int64_t offset,
		      const char **error)
{
	if (offset & 1)
		return fail(error, -EINVAL, format->odd);
	if (!fits_signed(offset, format->width))
		return fail(error, -ERANGE, format->range);
	return 0;
}

static bool is_instruction(uint32_t type)
{
	switch (type) {
	case R_RISCV_BRANCH:
	case R_RISCV_JAL:
	case R_RISCV_CALL:
	case R_RISCV_CALL_PLT:
	case R_RISCV_GOT_HI20:
	case R_RISCV_PCREL_HI20:
	case R_RISCV_PCREL_LO12_I:
	case R_RISCV_PCREL_LO12_S:
	case R_RISCV_HI20:
	case R_RISCV_LO12_I:
	case R_RISCV_LO12_S:
	case R_RISCV_RVC_BRANCH:
	case R_RISCV_RVC_JUMP:
	case R_RISCV_RVC_LUI:
		return true;
	default:
		return false;
	}
}

/* The instruction relocations; place and P are known to be even. */
static int apply_instruction(uint32_t type, uint8_t *place, uint64_t S_A,
			     int64_t pcrel, int64_t A, int64_t hi_offset,
			     const char **error)
{
	int err;

	switch (type) {
	case R_RISCV_BRANCH:
		err = check_jump(&branch_format, pcrel, error);
		if (!err)
			insn32_patch(place, BTYPE_MASK, btype_imm(pcrel));
		return err;
	case R_RISCV_JAL:
		err = check_jump(&jal_format, pcrel, error);
		if (!err)
			insn32_patch(place, JTYPE_MASK, jtype_imm(pcrel));
		return err;
	case R_RISCV_RVC_BRANCH:
		err = check_jump(&rvc_branch_format, pcrel, error);
		if (!err)
			insn16_patch(place, CBTYPE_MASK, cbtype_imm(pcrel));
		return err;
	case R_RISCV_RVC_JUMP:
		err = check_jump(&rvc_jump_format, pcrel, error);
		if (!err)
			insn16_patch(place, CJTYPE_MASK, cjtype_imm(pcrel));
		return err;
	case R_RISCV_CALL:
	case R_RISCV_CALL_PLT:
		/* auipc at place, jalr at place + 4. */
		if (!fits_hi20_lo12(pcrel))
			return fail(error, -ERANGE, "CALL target out of range");
		insn32_patch(place, UTYPE_MASK, utype_hi_imm(pcrel));
		insn32_patch(place + 4, ITYPE_MASK, itype_imm(pcrel));
		return 0;
	case R_RISCV_PCREL_HI20:
	case R_RISCV_GOT_HI20:
		if (!fits_hi20_lo12(pcrel))
			return fail(error, -ERANGE,
				    type == R_RISCV_GOT_HI20
					? "GOT_HI20 offset out of range"
					: "PCREL_HI20 offset out of range");
		insn32_patch(place, UTYPE_MASK, utype_hi_imm(pcrel));
		return 0;
	case R_RISCV_HI20:
		if (!fits_hi20_lo12((int64_t)S_A))
			return fail(error, -ERANGE, "HI20 value out of range");
		insn32_patch(place, UTYPE_MASK, utype_hi_imm(S_A));
		return 0;
	case R_RISCV_LO12_I:
		insn32_patch(place, ITYPE_MASK, itype_imm(S_A));
		return 0;
	case R_RISCV_LO12_S:
		insn32_patch(place, STYPE_MASK, stype_imm(S_A));
		return 0;
	case R_RISCV_PCREL_LO12_I:
	case R_RISCV_PCREL_LO12_S: {
		uint64_t value = (uint64_t)hi_offset + (uint64_t)A;

		/* The auipc was patched for hi_offset alone. */
		if (((uint64_t)hi_offset + 0x800) >> 12 !=
		    (value + 0x800) >> 12)
			return fail(error, -ERANGE,
				    "PCREL_LO12 addend changes the high part");
		if (type == R_RISCV_PCREL_LO12_I)
			insn32_patch(place, ITYPE_MASK, itype_imm(value));
		else
			insn32_patch(place, STYPE_MASK, stype_imm(value));
		return 0;
	}
	case R_RISCV_RVC_LUI: {
		int64_t value = (int64_t)S_A;

		/* hi = (value + 0x800) >> 12 must be in -32..-1 or 1..31. */
		if (value < -0x20800 || value > 0x1f7ff ||
		    (value >= -0x800 && value <= 0x7ff))
			return fail(error, -ERANGE,
				    "RVC_LUI value out of range");
		insn16_patch(place, CILUI_MASK,
			     cilui_imm((value + 0x800) >> 12));
		return 0;
	}
	default:
		return fail(error, -ENOEXEC,
			    "relocation type not applied here");
	}
}

/* The data relocations: little-endian words and ULEB128s. */
static int apply_data(uint32_t type, uint8_t *place, uint64_t S_A,
		      int64_t pcrel, const char **error)
{
	unsigned width = riscv_reloc_width(type);
	uint64_t old = data_read(place, width);

	switch (type) {
	case R_RISCV_32:
		if ((int64_t)S_A < INT32_MIN ||
		    (int64_t)S_A > (int64_t)UINT32_MAX)
			return fail(error, -ERANGE,
				    "32-bit value out of range");
		data_write(place, width, S_A);
		return 0;
	case R_RISCV_32_PCREL:
	case R_RISCV_PLT32:
		if (!fits_signed(pcrel, 32))
			return fail(error, -ERANGE,
				    type == R_RISCV_PLT32
					? "PLT32 offset out of range"
					: "32_PCREL offset out of range");
		data_write(place, width, (uint64_t)pcrel);
		return 0;
	case R_RISCV_64:
	case R_RISCV_SET8:
	case R_RISCV_SET16:
	case R_RISCV_SET32:
		data_write(place, width, S_A);
		return 0;
	case R_RISCV_ADD8:
	case R_RISCV_ADD16:
	case R_RISCV_ADD32:
	case R_RISCV_ADD64:
		data_write(place, width, old + S_A);
		return 0;
	case R_RISCV_SUB8:
	case R_RISCV_SUB16:
	case R_RISCV_SUB32:
	case R_RISCV_SUB64:
		data_write(place, width, old - S_A);
		return 0;
	case R_RISCV_SET6:
		data_write(place, 1, (old & 0xc0) | (S_A & 0x3f));
		return 0;
	case R_RISCV_SUB6:
		data_write(place, 1, (old & 0xc0) | ((old - S_A) & 0x3f));
		return 0;
	case R_RISCV_SET_ULEB128:
		return uleb128_overwrite(place, S_A, error);
	case R_RISCV_SUB_ULEB128: {
		unsigned length;
		uint64_t value;
		int err = uleb128_read(place, &length, &value, error);

		return err ? err
			   : uleb128_store(place, length, value - S_A, error);
	}
	default:
		return fail(error, -ENOEXEC,
			    "relocation type not applied here");
	}
}

int riscv_reloc_apply(uint32_t type, uint8_t *place, uint64_t P, uint64_t S,
		      int64_t A, int64_t hi_offset, const char **error)
{
	enum riscv_reloc_kind kind = riscv_reloc_kind(type, NULL);
	uint64_t S_A = S + (uint64_t)A;
	int64_t pcrel = riscv_hi20_offset(P, S, A);

	if (kind != RISCV_RELOC_APPLY && kind != RISCV_RELOC_LO12)
		return fail(error, -ENOEXEC,
			    "relocation type not applied here");
	if (!is_instruction(type))
		return apply_data(type, place, S_A, pcrel, error);
	if ((P & 1) || ((uintptr_t)place & 1))
		return fail(error, -EINVAL, "instruction at an odd address");
	return apply_instruction(type, place, S_A, pcrel, A, hi_offset, error);
}
