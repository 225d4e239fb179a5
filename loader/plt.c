/*
 * plt.c - the GOT and the PLT: how a module calls code out of reach.
 *
 * An auipc+jalr call reaches +-2 GiB.  A module loaded near the kernel
 * reaches all of it; one placed far away (boot argument modules=far)
 * cannot call the kernel directly.  So its far calls go, as in a shared
 * library, to a PLT entry in the module's own text, always in reach, which
 * jumps through a GOT slot holding the target's full address.
 *
 * Layout (layout.c) reserved them in its one pass over the relocations: a
 * PLT entry for every distinct symbol a CALL, CALL_PLT or PLT32 targets,
 * and a GOT slot for each of these and for every symbol a GOT_HI20 names;
 * slot k serves PLT entry k.  loader.h shows where they sit and the
 * entry's four instructions.
 *
 * Step 4 of the link fills them, once every symbol has its value: each
 * slot receives its symbol's S; each entry is written and pointed at its
 * slot, its auipc and ld patched as a PCREL_HI20 and PCREL_LO12_I pair
 * (reloc_riscv.c).  An entry and its slot must be within 2 GiB of each
 * other, that is the text and read-only data regions; a caller placing
 * them further apart is told so.
 *
 * Step 5 decides each call on its own (plt_apply_call()).  A call whose
 * target is in reach goes straight to it, as GNU ld would link it; one
 * out of reach goes to its PLT entry.  A call with an addend cannot use
 * the entry, which jumps to the symbol itself, and is refused when out of
 * reach.  A call (CALL, CALL_PLT) to a missing weak symbol is linked as
 * GNU ld links it: the jalr's base register becomes x0 and the auipc adds
 * 0, so it jumps to address 0.  A GOT_HI20 needs no decision: its S is the
 * slot's address (link.c).
 */
#include <stddef.h>
#include <stdint.h>

#include <keel/errno.h>

#include "link_internal.h"
#include "reloc_riscv.h"

/* The PLT entry of loader.h, before its two immediates are filled in. */
#define PLT_AUIPC_T2 0x00000397u /* auipc t2, 0 */
#define PLT_LD_T2    0x0003b383u /* ld t2, 0(t2) */
#define PLT_JR_T2    0x00038067u /* jalr x0, 0(t2) */

#define RS1_MASK (0x1fu << 15) /* of an I-type instruction, as jalr */

uint64_t plt_got_slot_address(const struct link *l, int32_t slot)
{
	return region_address(l, LOADER_RODATA) + l->layout->got_offset +
	       (uint64_t)slot * LOADER_GOT_SLOT_SIZE;
}

static uint64_t plt_entry_address(const struct link *l, int32_t slot)
{
	return region_address(l, LOADER_TEXT) + l->layout->plt_offset +
	       (uint64_t)slot * LOADER_PLT_ENTRY_SIZE;
}

/* ---- step 4: filling them ---------------------------------------------- */

static int write_plt_entry(struct link *l, int32_t slot)
{
	uint8_t *entry = l->target->view[LOADER_TEXT] + l->layout->plt_offset +
			 (uint64_t)slot * LOADER_PLT_ENTRY_SIZE;
	uint64_t at = plt_entry_address(l, slot);
	uint64_t got = plt_got_slot_address(l, slot);
	int64_t hi_offset = riscv_hi20_offset(at, got, 0);
	const char *why = NULL;
	int err;

	write32(entry, PLT_AUIPC_T2);
	write32(entry + 4, PLT_LD_T2);
	write32(entry + 8, PLT_JR_T2);
	write32(entry + 12, INSN_NOP);
	err = riscv_reloc_apply(R_RISCV_PCREL_HI20, entry, at, got, 0, 0, &why);
	if (!err)
		err = riscv_reloc_apply(R_RISCV_PCREL_LO12_I, entry + 4, at + 4,
					got, 0, hi_offset, &why);
	if (err)
		return link_fail(l, err,
				 "PLT entry at 0x%llx cannot reach its GOT "
				 "slot at 0x%llx: place the text and "
				 "read-only data regions within 2 GiB",
				 (unsigned long long)at,
				 (unsigned long long)got);
	return 0;
}

int plt_fill(struct link *l)
{
	const struct loader_layout *layout = l->layout;
	int err;

	if (!layout->got_slots)
		return 0;
	for (unsigned s = 0; s < l->m->nsymbols; s++) {
		int32_t slot = layout->slot_of_symbol[s];

		if (slot < 0)
			continue;
		write64(l->target->view[LOADER_RODATA] + layout->got_offset +
			    (uint64_t)slot * LOADER_GOT_SLOT_SIZE,
			l->value[s]);
		if ((unsigned)slot < layout->plt_slots) {
			err = write_plt_entry(l, slot);
			if (err)
				return err;
		}
	}
	return 0;
}

/* ---- step 5: calls ----------------------------------------------------- */

int plt_apply_call(struct link *l, uint32_t type, uint32_t symbol,
		   uint8_t *place, uint64_t P, uint64_t S, int64_t A,
		   const char **why)
{
	int32_t slot = l->layout->slot_of_symbol[symbol];
	int err;

	if (type != R_RISCV_PLT32 && l->missing[symbol]) {
		/* GNU ld's call to a missing weak symbol: jalr 0(x0). */
		write32(place + 4, read32(place + 4) & ~RS1_MASK);
		l->stats->weak_calls++;
		return riscv_reloc_apply(type, place, P, P, A, 0, why);
	}
	err = riscv_reloc_apply(type, place, P, S, A, 0, why);
	if (err != -ERANGE || slot < 0 ||
	    (unsigned)slot >= l->layout->plt_slots)
		return err;
	if (A) {
		*why = "target out of range, and a call with an addend cannot "
		       "go through the PLT";
		return err;
	}
	err = riscv_reloc_apply(type, place, P, plt_entry_address(l, slot), 0,
				0, why);
	if (!err)
		l->stats->plt_calls++;
	return err;
}
