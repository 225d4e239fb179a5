/*
 * pcrel.c - PC-relative pairs: each PCREL_LO12 finds the auipc it completes.
 *
 * RISC-V builds a PC-relative address in two instructions: an auipc adds
 * the offset's high 20 bits to the pc (R_RISCV_PCREL_HI20; GOT_HI20 when
 * the address is read from a GOT slot), and an addi, load or store
 * adds the low 12 bits (R_RISCV_PCREL_LO12_I/S).  The low part does not
 * name the target: its symbol is a label on the auipc, and its 12 bits
 * must complete the offset that auipc was patched for, carry included.
 * The compiler may put the two far apart, let several LO12s share one
 * auipc, and emit the entries in any order.
 *
 * So step 5 of the link relocates each section in two passes (link.c).
 * Pass one applies every HI20 and records it in a hash table: the auipc's
 * offset in the section -> the hi_offset S + A - P it established.  Pass
 * two applies each PCREL_LO12_I/S: its label's offset finds the auipc's
 * entry, in any order and at any distance.  No entry there is an error
 * (-ENOEXEC), as in GNU ld.
 *
 * The table is open addressing with linear probing, sized to a power of
 * two at least twice the section's HI20 count (layout counted them), so
 * each insertion or lookup probes O(1) slots on average.  It is allocated
 * once per link, for the section with the most, and only the part a
 * section uses is cleared for it.  Keys are hashed with a full mixer:
 * auipcs often sit at regular distances (every function alike), and a
 * plain multiplicative hash clusters such keys badly for some distances.
 *
 * Data out of reach.  Like GNU ld for code that is not position
 * independent, a PCREL_HI20 whose target is beyond +-2 GiB of the auipc
 * but whose absolute address fits a lui (within 2 GiB of 0, as a missing
 * weak symbol's 0 does) turns the auipc into a lui of the absolute
 * address, and records that address as its hi_offset: its PCREL_LO12s
 * then add the low 12 bits of the address.  So a module placed far away
 * can still ask whether a weak symbol exists.
 */
#include <stddef.h>
#include <stdint.h>

#include <keel/errno.h>

#include "lib/printf.h"
#include "lib/string.h"

#include "link_internal.h"
#include "reloc_riscv.h"

#define OPCODE_MASK  0x7fu
#define OPCODE_AUIPC 0x17u
#define OPCODE_LUI   0x37u

/* ---- the table --------------------------------------------------------- */

/* log2 of the table size for n entries: at least 2n slots. */
static unsigned table_bits_for(unsigned long n)
{
	unsigned bits = 1;

	while ((1ul << bits) < 2 * n)
		bits++;
	return bits;
}

size_t pcrel_table_slots(unsigned long hi20s)
{
	return (size_t)1 << table_bits_for(hi20s);
}

void pcrel_start_section(struct link *l, unsigned long hi20s)
{
	if (!hi20s)
		return;
	l->table_bits = table_bits_for(hi20s);
	memset(l->table, 0, ((size_t)1 << l->table_bits) * sizeof(*l->table));
}

/* MurmurHash3's finalizer: every key bit affects every hash bit. */
static uint32_t mix(uint32_t key)
{
	key ^= key >> 16;
	key *= 0x85ebca6bu;
	key ^= key >> 13;
	key *= 0xc2b2ae35u;
	key ^= key >> 16;
	return key;
}

/* The table slot holding `auipc`, or the empty slot where it would go. */
static struct hi20_entry *table_find(struct link *l, uint64_t auipc)
{
	uint32_t mask = (1u << l->table_bits) - 1;
	uint32_t key = (uint32_t)auipc + 1;
	uint32_t at = mix(key) & mask;

	for (;; at = (at + 1) & mask) {
		l->stats->table_probes++;
		if (l->table[at].auipc_plus_one == key ||
		    !l->table[at].auipc_plus_one)
			return &l->table[at];
	}
}

int pcrel_record(struct link *l, const Elf64_Rela *r, uint64_t auipc,
		 int64_t hi_offset)
{
	struct hi20_entry *entry = table_find(l, auipc);

	if (entry->auipc_plus_one)
		return loader_explain(l->m, l->section, r, -ENOEXEC,
				      "a second HI20 relocation for the same "
				      "auipc",
				      l->reason);
	entry->auipc_plus_one = (uint32_t)auipc + 1;
	entry->hi_offset = hi_offset;
	l->stats->hi20s_recorded++;
	return 0;
}

/* ---- pass one: the auipc ----------------------------------------------- */

int pcrel_apply_hi20(struct link *l, uint8_t *place, uint64_t P, uint64_t S,
		     int64_t A, int64_t *hi_offset, const char **why)
{
	int err = riscv_reloc_apply(R_RISCV_PCREL_HI20, place, P, S, A, 0, why);
	uint32_t insn;

	*hi_offset = riscv_hi20_offset(P, S, A);
	if (err != -ERANGE)
		return err;
	insn = read32(place);
	if ((insn & OPCODE_MASK) != OPCODE_AUIPC)
		return err;
	write32(place, (insn & ~OPCODE_MASK) | OPCODE_LUI);
	if (riscv_reloc_apply(R_RISCV_HI20, place, P, S, A, 0, NULL)) {
		write32(place, insn);
		return err;
	}
	*hi_offset = (int64_t)(S + (uint64_t)A);
	l->stats->lui_rewrites++;
	return 0;
}

/* ---- pass two: the low 12 bits ----------------------------------------- */

int pcrel_apply_lo12(struct link *l, const Elf64_Rela *r)
{
	const struct elf_module *m = l->m;
	uint32_t symbol = ELF64_R_SYM(r->r_info);
	const Elf64_Sym *label = &m->symbols[symbol];
	const struct hi20_entry *entry = NULL;
	const char *why = "relocation failed";
	char message[80];
	uint64_t offset;
	int err;

	err = align_locate(l, r, &offset);
	if (err)
		return err;
	if (label->st_shndx != l->section)
		return loader_explain(m, l->section, r, -ENOEXEC,
				      "the auipc it names is not in this "
				      "section",
				      l->reason);
	if (ELF64_ST_TYPE(label->st_info) == STT_SECTION && r->r_addend)
		return loader_explain(m, l->section, r, -ENOEXEC,
				      "a section symbol with an addend cannot "
				      "name an auipc",
				      l->reason);
	if (l->layout->sections[l->section].hi20s)
		entry = table_find(l, l->value[symbol] - l->address);
	if (!entry || !entry->auipc_plus_one) {
		snprintf(message, sizeof(message),
			 "no PCREL_HI20 or GOT_HI20 at +0x%llx, the auipc it "
			 "names",
			 (unsigned long long)label->st_value);
		return loader_explain(m, l->section, r, -ENOEXEC, message,
				      l->reason);
	}
	l->stats->lo12s_matched++;
	err = riscv_reloc_apply(ELF64_R_TYPE(r->r_info), l->view + offset,
				l->address + offset, l->value[symbol],
				r->r_addend, entry->hi_offset, &why);
	if (err)
		return loader_explain(m, l->section, r, err, why, l->reason);
	return 0;
}
