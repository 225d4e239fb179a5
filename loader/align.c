/*
 * align.c - R_RISCV_ALIGN: the padding the loader removes, as GNU ld does.
 *
 * Why there is padding to remove.  An assembler that leaves room for
 * linker relaxation cannot know where a section will land, so for
 * `.p2align 4` it emits 14 bytes of NOPs (the most a 2-byte-aligned
 * position can need) and an ALIGN entry at their start with addend 14.
 * Once the section's place is known, the padding at position p needs only
 * (16 - p % 16) % 16 of them; GNU ld removes the rest, and so does Keel,
 * so that code aligned in the source is aligned in memory and a module
 * built with the compiler's default flags just loads.
 *
 * Removing bytes moves everything after them: the paddings further on, the
 * symbols, the places relocations patch.  This file holds all of that:
 *
 *   The walk (stage 2).  Paddings are worked out in file order, each one's
 *   position counted after the bytes removed before it
 *   (loader_cuts_feed()).  Layout feeds it a section's ALIGN entries as it
 *   scans the relocations, and so learns the size the section keeps.  A
 *   padding that cannot give its alignment, overlaps the previous one, is
 *   odd or asks for more than a page is refused.  The walk gives a cut
 *   per padding: `keep` NOP bytes stay at its start, `removed` go.
 *
 *   The copy (stage 3, step 2).  A section with cuts is copied piecewise:
 *   up to each padding, the NOPs it keeps (rewritten as GNU ld writes
 *   them), then on after the bytes removed.  The copy walks the cuts again
 *   and records each in the section's part of l->cuts as (first byte
 *   removed, bytes removed so far): sorted, as the walk is in file order.
 *
 *   Moved offsets (stage 3, steps 3 and 5).  A binary search in that table
 *   tells how many cuts come before an offset, and so how far it moved.  A
 *   symbol moves back by every cut that starts before it: a label just
 *   after a padding lands just after the NOPs kept.  A relocation's place
 *   moves the same way; one inside removed bytes is an error.
 *
 *   After the link (loader_offsets).  The cut tables went with the link's
 *   scratch block, so the addresses of places in one section come from a
 *   forward walk over its paddings, asked for offsets in increasing order:
 *   n places cost O(n + relocations), not their product.
 *
 * A module built with -mno-relax has no ALIGN entries, and a section
 * without cuts costs none of this: it is copied whole and its offsets do
 * not move.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <keel/errno.h>

#include "lib/printf.h"
#include "lib/string.h"

#include "link_internal.h"
#include "reloc_riscv.h"

#define INSN_C_NOP 0x0001u /* c.nop */

/* value rounded up to a multiple of alignment (a power of two). */
static uint64_t align_up(uint64_t value, uint64_t alignment)
{
	return (value + alignment - 1) & ~(alignment - 1);
}

/* ---- the walk ---------------------------------------------------------- */

void loader_cuts_start(struct loader_cuts *walk, const struct elf_module *m,
		       const struct loader_layout *layout, unsigned section)
{
	walk->m = m;
	walk->layout = layout;
	walk->section = section;
	walk->rela = layout->sections[section].first_rela;
	walk->next = 0;
	walk->removed = 0;
	walk->padding_end = 0;
}

int loader_cuts_feed(struct loader_cuts *walk, const Elf64_Rela *r,
		     struct loader_cut *cut, char reason[ELF_REASON_MAX])
{
	const struct elf_module *m = walk->m;
	const Elf64_Shdr *sh = &m->sections[walk->section];
	uint64_t offset = walk->layout->sections[walk->section].offset;
	uint64_t padding = r->r_offset;
	uint64_t alignment = 1, position, keep, bytes;
	char why[128];

	/* The validator checked r_offset <= sh_size for a marker. */
	if (r->r_addend < 0 || (uint64_t)r->r_addend > sh->sh_size - padding)
		return loader_explain(m, walk->section, r, -ENOEXEC,
				      "the padding runs past the section's end",
				      reason);
	bytes = (uint64_t)r->r_addend;
	if (padding < walk->padding_end)
		return loader_explain(m, walk->section, r, -ENOEXEC,
				      "overlaps the padding before it (entries "
				      "out of order)",
				      reason);
	if ((padding | bytes) & 1)
		return loader_explain(m, walk->section, r, -ENOEXEC,
				      "odd padding: code is 2-byte aligned",
				      reason);
	while (alignment <= bytes)
		alignment <<= 1;
	if (alignment > LOADER_PAGE_SIZE) {
		snprintf(why, sizeof(why),
			 "asks for %llu-byte alignment, more than a page",
			 (unsigned long long)alignment);
		return loader_explain(m, walk->section, r, -ENOEXEC, why,
				      reason);
	}
	position = offset + padding - walk->removed;
	keep = align_up(position, alignment) - position;
	if (keep > bytes) {
		snprintf(why, sizeof(why),
			 "%llu bytes of padding cannot reach a %llu-byte "
			 "boundary (%llu needed)",
			 (unsigned long long)bytes,
			 (unsigned long long)alignment,
			 (unsigned long long)keep);
		return loader_explain(m, walk->section, r, -ENOEXEC, why,
				      reason);
	}
	cut->padding = padding;
	cut->keep = keep;
	cut->removed = bytes - keep;
	walk->removed += cut->removed;
	walk->padding_end = padding + bytes;
	return 0;
}

int loader_cuts_next(struct loader_cuts *walk, struct loader_cut *cut,
		     char reason[ELF_REASON_MAX])
{
	const struct elf_module *m = walk->m;

	while (walk->rela) {
		const Elf64_Shdr *rs = &m->sections[walk->rela];
		const Elf64_Rela *entries =
		    (const Elf64_Rela *)(m->file + rs->sh_offset);
		unsigned long count = rs->sh_size / sizeof(Elf64_Rela);

		while (walk->next < count) {
			const Elf64_Rela *r = &entries[walk->next++];
			int err;

			if (ELF64_R_TYPE(r->r_info) != R_RISCV_ALIGN)
				continue;
			err = loader_cuts_feed(walk, r, cut, reason);
			return err ? err : 1;
		}
		walk->rela = walk->layout->sections[walk->rela].next_rela;
		walk->next = 0;
	}
	return 0;
}

/* ---- the copy ---------------------------------------------------------- */

/* `bytes` (even) of NOPs at p, as GNU ld writes kept padding. */
static void write_nops(uint8_t *p, uint64_t bytes)
{
	uint64_t at = 0;

	for (; at + 4 <= bytes; at += 4)
		write32(p + at, INSN_NOP);
	if (at < bytes) {
		p[at] = (uint8_t)INSN_C_NOP;
		p[at + 1] = (uint8_t)(INSN_C_NOP >> 8);
	}
}

int align_copy_section(struct link *l, unsigned index, uint8_t *dst)
{
	const struct elf_module *m = l->m;
	const Elf64_Shdr *sh = &m->sections[index];
	const struct loader_place *place = &l->layout->sections[index];
	const uint8_t *src = m->file + sh->sh_offset;
	struct cut_mark *marks = l->cuts + place->first_cut;
	uint64_t from = 0, removed = 0;
	unsigned long n = 0;
	struct loader_cuts walk;
	struct loader_cut cut;
	int found;

	loader_cuts_start(&walk, m, l->layout, index);
	while ((found = loader_cuts_next(&walk, &cut, l->reason)) > 0) {
		uint64_t kept_end = cut.padding + cut.keep;

		if (!cut.removed)
			continue;
		if (n == place->cuts)
			break;
		memcpy(dst + from - removed, src + from, kept_end - from);
		write_nops(dst + cut.padding - removed, cut.keep);
		removed += cut.removed;
		from = kept_end + cut.removed;
		marks[n++] = (struct cut_mark){kept_end, removed};
	}
	if (found < 0)
		return found;
	if (n != place->cuts || sh->sh_size - removed != place->size)
		return link_fail(l, -EINVAL,
				 "the layout does not match the module "
				 "(section %u, %lu cuts)",
				 index, place->cuts);
	memcpy(dst + from - removed, src + from, sh->sh_size - from);
	return 0;
}

/* ---- moved offsets ----------------------------------------------------- */

/*
 * How many of section `section`'s cuts start before `offset` (or at it,
 * when `at_too`): a binary search in its cut table.
 */
static unsigned long cuts_before(struct link *l, unsigned section,
				 uint64_t offset, bool at_too)
{
	const struct loader_place *place = &l->layout->sections[section];
	const struct cut_mark *marks = l->cuts + place->first_cut;
	unsigned long low = 0, high = place->cuts;

	while (low < high) {
		unsigned long middle = low + (high - low) / 2;

		l->stats->cut_searches++;
		if (marks[middle].start < offset ||
		    (at_too && marks[middle].start == offset))
			low = middle + 1;
		else
			high = middle;
	}
	return low;
}

/* Bytes section `section` lost in its first n cuts. */
static uint64_t removed_by(const struct link *l, unsigned section,
			   unsigned long n)
{
	const struct loader_place *place = &l->layout->sections[section];

	return n ? l->cuts[place->first_cut + n - 1].removed : 0;
}

/*
 * Where the byte at file offset `offset` of section `section` ended up
 * (*moved); false when it was removed.
 */
static bool place_offset(struct link *l, unsigned section, uint64_t offset,
			 uint64_t *moved)
{
	const struct loader_place *place = &l->layout->sections[section];
	const struct cut_mark *cut;
	unsigned long n;

	*moved = offset;
	if (!place->cuts)
		return true;
	n = cuts_before(l, section, offset, true);
	if (!n)
		return true;
	/* The last cut at or before offset removed [start, start + own). */
	cut = &l->cuts[place->first_cut + n - 1];
	if (offset - cut->start < cut->removed - removed_by(l, section, n - 1))
		return false;
	*moved = offset - cut->removed;
	return true;
}

int align_locate(struct link *l, const Elf64_Rela *r, uint64_t *offset)
{
	if (!place_offset(l, l->section, r->r_offset, offset))
		return loader_explain(l->m, l->section, r, -ENOEXEC,
				      "patches padding removed for alignment",
				      l->reason);
	return 0;
}

uint64_t align_symbol_offset(struct link *l, unsigned section, uint64_t value)
{
	if (!l->layout->sections[section].cuts)
		return value;
	return value -
	       removed_by(l, section, cuts_before(l, section, value, false));
}

/* ---- after the link ---------------------------------------------------- */

void loader_offsets_start(struct loader_offsets *o, const struct elf_module *m,
			  const struct loader_layout *layout,
			  const struct loader_target *target, unsigned section)
{
	o->base = loader_section_address(layout, target, section);
	o->removed = 0;
	o->have_cut = 0;
	o->done = !o->base || !layout->sections[section].cuts;
	if (!o->done)
		loader_cuts_start(&o->walk, m, layout, section);
}

uint64_t loader_offsets_address(struct loader_offsets *o, uint64_t offset)
{
	if (!o->base)
		return 0;
	while (!o->done) {
		if (!o->have_cut) {
			if (loader_cuts_next(&o->walk, &o->cut, NULL) <= 0) {
				o->done = 1;
				break;
			}
			o->have_cut = 1;
		}
		/* A symbol at the padding's kept end stays before the cut. */
		if (o->cut.padding + o->cut.keep >= offset)
			break;
		o->removed += o->cut.removed;
		o->have_cut = 0;
	}
	return o->base + offset - o->removed;
}
