/*
 * reloc_riscv.h - applying one RISC-V (RV64) relocation.
 *
 * The loader's architecture layer.  The pipeline (validate, layout, symbols,
 * relocate) works out, for each relocation entry, the run-time address of the
 * place being patched (P), the symbol's value (S) and the addend (A); this
 * layer turns them into patched bytes, following the RISC-V ELF psABI.  It
 * knows nothing of sections or symbol tables, so it is tested on the host
 * one relocation type at a time, and the kernel and host builds of the
 * loader share it unchanged.
 *
 * Pairs.  R_RISCV_PCREL_LO12_I/S do not name their own target: their symbol
 * is the `auipc` that carries the matching R_RISCV_PCREL_HI20 or
 * R_RISCV_GOT_HI20, which may be anywhere in the section, before or after.
 * The relocate stage records each HI20's full offset (S + A - P of the
 * auipc) in a table keyed by the auipc's address in one pass, then looks it
 * up for each LO12 in a second; riscv_reloc_apply() receives that offset as
 * `hi_offset`.  ADD/SUB/SET pairs patch the same place one after the other
 * (read, modify, write, modulo the field's width), so applying the entries
 * in file order combines them.
 *
 * ULEB128 pairs are the exception.  The psABI requires every
 * R_RISCV_SET_ULEB128 to be followed immediately by an R_RISCV_SUB_ULEB128
 * at the same offset, and the assembler reserves only the bytes the final
 * difference needs (often one): the SET's own value, an absolute address,
 * does not fit there.  The relocate stage therefore hands the pair to
 * riscv_reloc_apply_uleb128_pair() in one call, as GNU ld does.
 *
 * Instruction patching reads and writes 16 bits at a time: with the C
 * extension, a 32-bit instruction is only 2-byte aligned.
 */
#ifndef KEEL_LOADER_RELOC_RISCV_H
#define KEEL_LOADER_RELOC_RISCV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Relocation type numbers from the psABI. */
#define R_RISCV_NONE		  0
#define R_RISCV_32		  1
#define R_RISCV_64		  2
#define R_RISCV_RELATIVE	  3
#define R_RISCV_COPY		  4
#define R_RISCV_JUMP_SLOT	  5
#define R_RISCV_TLS_DTPMOD32	  6
#define R_RISCV_TLS_DTPMOD64	  7
#define R_RISCV_TLS_DTPREL32	  8
#define R_RISCV_TLS_DTPREL64	  9
#define R_RISCV_TLS_TPREL32	  10
#define R_RISCV_TLS_TPREL64	  11
#define R_RISCV_TLSDESC		  12
#define R_RISCV_BRANCH		  16
#define R_RISCV_JAL		  17
#define R_RISCV_CALL		  18
#define R_RISCV_CALL_PLT	  19
#define R_RISCV_GOT_HI20	  20
#define R_RISCV_TLS_GOT_HI20	  21
#define R_RISCV_TLS_GD_HI20	  22
#define R_RISCV_PCREL_HI20	  23
#define R_RISCV_PCREL_LO12_I	  24
#define R_RISCV_PCREL_LO12_S	  25
#define R_RISCV_HI20		  26
#define R_RISCV_LO12_I		  27
#define R_RISCV_LO12_S		  28
#define R_RISCV_TPREL_HI20	  29
#define R_RISCV_TPREL_LO12_I	  30
#define R_RISCV_TPREL_LO12_S	  31
#define R_RISCV_TPREL_ADD	  32
#define R_RISCV_ADD8		  33
#define R_RISCV_ADD16		  34
#define R_RISCV_ADD32		  35
#define R_RISCV_ADD64		  36
#define R_RISCV_SUB8		  37
#define R_RISCV_SUB16		  38
#define R_RISCV_SUB32		  39
#define R_RISCV_SUB64		  40
#define R_RISCV_ALIGN		  43
#define R_RISCV_RVC_BRANCH	  44
#define R_RISCV_RVC_JUMP	  45
#define R_RISCV_RVC_LUI		  46
#define R_RISCV_GPREL_LO12_I	  47
#define R_RISCV_GPREL_LO12_S	  48
#define R_RISCV_GPREL_HI20	  49
#define R_RISCV_RELAX		  51
#define R_RISCV_SUB6		  52
#define R_RISCV_SET6		  53
#define R_RISCV_SET8		  54
#define R_RISCV_SET16		  55
#define R_RISCV_SET32		  56
#define R_RISCV_32_PCREL	  57
#define R_RISCV_IRELATIVE	  58
#define R_RISCV_PLT32		  59
#define R_RISCV_SET_ULEB128	  60
#define R_RISCV_SUB_ULEB128	  61
#define R_RISCV_TLSDESC_HI20	  62
#define R_RISCV_TLSDESC_LOAD_LO12 63
#define R_RISCV_TLSDESC_ADD_LO12  64
#define R_RISCV_TLSDESC_CALL	  65

/* What the loader must do with a relocation type. */
enum riscv_reloc_kind {
	RISCV_RELOC_APPLY,   /* riscv_reloc_apply() patches it */
	RISCV_RELOC_LO12,    /* apply with the matching HI20's offset */
	RISCV_RELOC_MARKER,  /* RELAX, ALIGN: no bytes to patch here */
	RISCV_RELOC_REFUSED, /* TLS, dynamic, or unknown: refuse the module */
};

/*
 * Classify `type`.  For a refused type, *name is its psABI name
 * ("R_RISCV_TLS_GD_HI20") or NULL when the number is unknown.  For every
 * other type *name is its name too, for error messages and listings.
 */
enum riscv_reloc_kind riscv_reloc_kind(uint32_t type, const char **name);

/*
 * Bytes a relocation of `type` reads and writes at its place: 0 for markers
 * and for refused or unknown types.  For SET_ULEB128 and SUB_ULEB128 it is
 * 1, the shortest encoding; the place's real length, up to
 * RISCV_ULEB128_MAX_BYTES, is what riscv_uleb128_length() finds there.
 */
unsigned riscv_reloc_width(uint32_t type);

/*
 * Patch `place` (the loader's writable view of the bytes at run-time
 * address P) for a relocation of `type` against value S with addend A.
 * For the LO12 kinds, `hi_offset` is the full offset computed for the
 * paired HI20 (S + A - P of the auipc); otherwise it is ignored.
 * Returns 0, or a negative errno with *error set to a short reason:
 *   -ERANGE   the value does not fit the field ("JAL target out of range")
 *   -EINVAL   misaligned target for a branch or jump, an instruction at an
 *             odd address, or a bad ULEB128
 *   -ENOEXEC  the type is not one this function applies (markers, refused
 *             and unknown types)
 * On error nothing was written.  `error` may be NULL.
 *
 * The LO12 kinds compute hi_offset + A (A is 0 in practice) and refuse an
 * addend that would need a different high part than the auipc has.  For a
 * ULEB128 place the caller must first check that the whole encoding lies
 * inside the section (riscv_uleb128_length()); a lone SET_ULEB128 must fit
 * S + A in the existing bytes, which is why pairs go through
 * riscv_reloc_apply_uleb128_pair() instead.
 */
int riscv_reloc_apply(uint32_t type, uint8_t *place, uint64_t P, uint64_t S,
		      int64_t A, int64_t hi_offset, const char **error);

/* The longest ULEB128 encoding of a 64-bit value. */
#define RISCV_ULEB128_MAX_BYTES 10

/*
 * The length in bytes (1..RISCV_ULEB128_MAX_BYTES) of the ULEB128 encoding
 * at `place`, reading no further than `available` bytes; -EINVAL when no
 * terminating byte (top bit clear) comes within those bounds.
 */
int riscv_uleb128_length(const uint8_t *place, size_t available);

/*
 * Apply an R_RISCV_SET_ULEB128 (value set_value = S + A of that entry) and
 * the R_RISCV_SUB_ULEB128 that follows it at the same place (sub_value =
 * its S + A) as one: write set_value - sub_value, modulo 2^64, over the
 * ULEB128 at `place` without changing its length.  Returns 0, -ERANGE
 * when the result needs more bytes than are there, or -EINVAL for a bad
 * existing encoding; *error as for riscv_reloc_apply().  On error nothing
 * was written.
 */
int riscv_reloc_apply_uleb128_pair(uint8_t *place, uint64_t set_value,
				   uint64_t sub_value, const char **error);

/*
 * The offset a HI20-type relocation (PCREL_HI20, GOT_HI20 with S being the
 * GOT slot's address) establishes for its auipc: S + A - P.  Kept here so
 * the LO12 side and the HI20 side agree on rounding.
 */
static inline int64_t riscv_hi20_offset(uint64_t P, uint64_t S, int64_t A)
{
	return (int64_t)(S + (uint64_t)A - P);
}

#endif /* KEEL_LOADER_RELOC_RISCV_H */
