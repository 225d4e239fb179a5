/*
 * link_fixture.h - building, loading and GNU-ld-linking RISC-V modules on
 * the host, and comparing the two links (link_fixture.c).
 *
 * The loader's layout and link stages are tested on what compilers really
 * write.  A test compiles a module at run time into a private mkdtemp()
 * directory (fixture_dir) with $(CROSS)gcc (CROSS defaults to
 * riscv64-unknown-elf-, as in the Makefile) or clang, then:
 *
 *   - loads it the Keel way (struct subject): elf_validate(),
 *     loader_layout() and loader_link() into malloc'd views standing for
 *     the three regions, at run-time addresses the test picks;
 *   - links it the GNU way (ld_link()): $(CROSS)ld --no-relax with a
 *     generated script that gives every loaded section its own output
 *     section at exactly the address loader_layout() chose, the kernel's
 *     symbols as --defsym, missing weak symbols left undefined;
 *   - compares (same_as_ld()): every loaded section's address, size and
 *     bytes, and every global symbol's address.  compare_with_ld() does
 *     all three for both orders of the regions.
 *
 * Two users: test_loader_link.c, whose fixtures (fixtures/link/) are
 * modules of a small "kernel" (fixtures/link/kernel_side.c, compiled and
 * linked at 0x80200000, where Keel's kernel starts, by fixture_ready();
 * its global symbols are the exports), and test_loader_link_modules.c,
 * which runs every in-tree module through the same comparison and gives
 * the symbols those import addresses of its own (export_add()).  Either
 * way kernel_resolve() answers the loader and find_export() tells ld.
 * A symbol named missing_* is never exported.
 *
 * What differs by design, and how it is still checked:
 *
 *   - The PLT and GOT.  A static ld link has neither; the loader puts
 *     them after the sections of the text and read-only regions, outside
 *     every section same_as_ld() compares.  plt_and_got_hold() decodes
 *     them instead: each PLT entry must be auipc t2 / ld t2 / jr t2 / nop
 *     loading its own GOT slot, and each slot must hold its symbol's
 *     address as the kernel side or ld's symbol table give it.
 *   - Calls that cannot reach the kernel.  Placed beyond +-2 GiB of the
 *     kernel, the loader sends each call to a kernel function through the
 *     function's PLT entry, where ld (told the kernel's address) could
 *     only fail.  So in the copy of the module ld links, those calls (and
 *     only those: a pointer to the function in data still means the
 *     function) name a new undefined symbol, __keel_plt_<name>, and ld is
 *     told it is the PLT entry.  The call sites must then come out byte
 *     for byte as the loader wrote them, and the entry itself is checked
 *     as above.
 *   - Mergeable strings.  The copy of a module ld links has SHF_MERGE and
 *     SHF_STRINGS cleared: ld would share identical strings between
 *     mergeable sections, while the loader keeps every section whole.
 *     Nothing else is changed but the calls above.
 *
 * Compiles run in the repository's root (fixture_root), so flags naming
 * its folders (the Makefile's -Iabi/include) mean what they mean to make;
 * a test run from elsewhere has its cases skipped.  Without the cross
 * compiler and ld every case using them is skipped, and without clang the
 * clang variants; fixture_skip says why.  Tool errors are printed as TAP
 * comments.
 */
#ifndef KEEL_TESTS_LINK_FIXTURE_H
#define KEEL_TESTS_LINK_FIXTURE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loader.h"

#define KERNEL_BASE 0x80200000ull
#define NEAR_BASE   0x70000000ull		 /* Keel's VM_MODULE_NEAR */
#define FAR_BASE    (KERNEL_BASE + (8ull << 30)) /* 8 GiB from the kernel */
#define LD_GOT_BASE 0x7f000000ull /* where ld may put its own .got */

enum compiler { GCC, CLANG };

#define GCC_FLAGS                                                              \
	"-mabi=lp64 -mcmodel=medany -fno-common -ffreestanding -fno-pic "      \
	"-fno-asynchronous-unwind-tables -fno-unwind-tables"
#define CLANG_FLAGS                                                            \
	"--target=riscv64-unknown-elf -mabi=lp64 -mcmodel=medany -fno-common " \
	"-ffreestanding -fno-addrsig -fno-asynchronous-unwind-tables "         \
	"-fno-unwind-tables"

/*
 * Clang 14 leaves out R_RISCV_RELAX and R_RISCV_ALIGN when it compiles C
 * straight to an object, -mrelax or not; it writes them when it assembles
 * its own output in a step of its own, which -save-temps=obj makes it do
 * (the .i, .bc and .s files land beside the object).
 */
#define CLANG_RELAXED "-mrelax -save-temps=obj"

extern char fixture_dir[];	       /* the scratch directory */
extern char fixture_root[PATH_MAX];    /* the repository, absolute */
extern char fixture_sources[PATH_MAX]; /* tests/host/fixtures/link */
extern char fixture_cross[128];	       /* "riscv64-unknown-elf-" */
extern bool fixture_have_clang;
extern const char *fixture_skip; /* why the cross-tool cases are skipped */

/*
 * Find the repository (the working directory must be its root, as for
 * make); false when it is not there.  Needs no tools.
 */
bool fixture_locate(void);

/*
 * True when the cross compiler and ld are on PATH and the scratch
 * directory exists (made once, removed at exit); else fixture_skip says
 * why.
 */
bool fixture_tools_ready(void);

/* fixture_tools_ready(), and the kernel side built and exported. */
bool fixture_ready(void);

/* ---- files and tools --------------------------------------------------- */

/* Run a shell command; true when it exits 0. */
bool shell(const char *command);

/* Print fixture_dir/name (a tool's saved stderr) as TAP comments. */
void show_file(const char *name);

struct object {
	uint8_t *bytes; /* malloc'd: 16-byte aligned, exactly size bytes */
	size_t size;
};

bool read_object(const char *path, struct object *object);
bool write_file(const char *path, const void *bytes, size_t size);

/*
 * Compile `source` into fixture_dir/object with `flags`, from the
 * repository's root.  A relative `source` is a fixture in
 * fixture_sources, compiled with -I fixture_sources; an absolute one is
 * compiled as it is.  False, with the compiler's errors as comments, on
 * failure.
 */
bool compile(enum compiler compiler, const char *flags, const char *source,
	     const char *object);

/* ---- a linked ELF (ld's output), read without the loader's code ------- */

struct linked {
	struct object file;
	const Elf64_Shdr *sections;
	unsigned nsections;
	const Elf64_Sym *symbols;
	unsigned nsymbols;
	const char *strings;
	size_t strings_size;
};

/* ---- the kernel side --------------------------------------------------- */

struct export
{
	char name[64];
	uint64_t address;
};

/* The export called `name`, or NULL (always for missing_*). */
const struct export *find_export(const char *name);

/*
 * Export `name` at `address` unless it is exported already; false when
 * the table is full or the name too long.
 */
bool export_add(const char *name, uint64_t address);

/*
 * What a resolver was asked, for the tests that check the order and the
 * weak flag; `hide` names exports to pretend are absent.
 */
struct resolver_log {
	const char *const *hide;
	int fail_with; /* nonzero: every lookup returns this */
	unsigned calls, weak_calls;
	char first[48];
};

/* A loader_resolve_fn over the exports; ctx is a resolver_log or NULL. */
int kernel_resolve(void *ctx, const char *name, int weak, uint64_t *address);

/* ---- a module loaded by Keel's loader ---------------------------------- */

struct subject {
	char object[96]; /* file name in fixture_dir */
	struct object file;
	struct elf_module m;
	struct loader_layout layout;
	struct loader_target target;
	struct loader_link_stats stats;
	char reason[ELF_REASON_MAX];
};

void subject_free(struct subject *s);

/*
 * Section `name` of a compiler's object not yet validated (trusted: the
 * tests patch their own fixtures with it), or NULL.
 */
Elf64_Shdr *raw_section(struct subject *s, const char *name);

/*
 * Read fixture_dir/object, let patch() (if any) edit the bytes, then
 * validate it and lay it out; 0 or the loader's error (s->reason says).
 */
int subject_open_patched(struct subject *s, const char *object,
			 void (*patch)(struct subject *s));
int subject_open(struct subject *s, const char *object);

enum placement {
	IN_ORDER, /* text, rodata, data upwards from the base */
	SHUFFLED, /* data, text, rodata */
};

/* Give the regions poisoned views and addresses from `base`, a page apart. */
void subject_place(struct subject *s, uint64_t base, enum placement placement);

/* loader_link_counted() against the exports, into s->stats. */
int subject_link(struct subject *s, struct resolver_log *log);

/* Compile, open, place at base and link; false (and a comment) on error. */
bool subject_build(struct subject *s, enum compiler compiler, const char *flags,
		   const char *source, const char *object, uint64_t base);

uint64_t section_address(const struct subject *s, unsigned i);
uint8_t *section_view(const struct subject *s, unsigned i);

/* ---- the same module linked by GNU ld, and the comparison -------------- */

/*
 * Link s's object with ld at the addresses s's layout and target chose,
 * into fixture_dir/<object>.elf, and read it into *out (free
 * out->file.bytes).  Calls the loader sends through the PLT go to the
 * PLT entries in ld's link too (see above).  False, with a comment
 * saying why, when ld fails.
 */
bool ld_link(const struct subject *s, struct linked *out);

/*
 * True when every loaded section of s has the address, size and bytes ld
 * gave it, and every global symbol the same address.
 */
bool same_as_ld(const struct subject *s, const struct linked *ld);

/*
 * True when every PLT entry is auipc t2 / ld t2 / jr t2 / nop reaching
 * its own GOT slot, and every GOT slot holds its symbol's value (from the
 * exports or, for the module's own symbols, ld's output; ld may be NULL).
 */
bool plt_and_got_hold(const struct subject *s, const struct linked *ld);

/*
 * Link the opened subject s at `base` in both region orders, and compare
 * each link with ld's (same_as_ld and plt_and_got_hold).  `label` names
 * the variant in comments.  True when both matched; s->stats are the
 * last link's.
 */
bool compare_with_ld(struct subject *s, uint64_t base, const char *label);

/* What the comparisons covered, for the summary lines. */
struct differential_totals {
	unsigned links;		     /* compare_with_ld links made */
	unsigned sections;	     /* sections compared */
	unsigned long bytes;	     /* ... holding this many bytes */
	unsigned long symbols;	     /* global symbol addresses compared */
	unsigned long got_slots;     /* GOT slots checked */
	unsigned long plt_entries;   /* PLT entries decoded */
	unsigned long plt_redirects; /* functions whose calls ld was told go
					to a PLT entry */
};
extern struct differential_totals differential;

/* ---- decoders, from the ISA manual ------------------------------------ */

static inline int64_t sext(uint64_t value, unsigned width)
{
	uint64_t sign = 1ull << (width - 1);

	value &= (sign << 1) - 1;
	return (int64_t)((value ^ sign) - sign);
}

static inline uint32_t insn_at(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t u64_at(const uint8_t *p)
{
	return insn_at(p) | (uint64_t)insn_at(p + 4) << 32;
}

static inline int64_t u_imm(uint32_t insn)
{
	return sext(insn & 0xfffff000u, 32);
}

static inline int64_t i_imm(uint32_t insn)
{
	return sext(insn >> 20, 12);
}

#define OPCODE(insn) ((insn)&0x7f)
#define RD(insn)     (((insn) >> 7) & 0x1f)
#define RS1(insn)    (((insn) >> 15) & 0x1f)
#define FUNCT3(insn) (((insn) >> 12) & 7)

#endif /* KEEL_TESTS_LINK_FIXTURE_H */
