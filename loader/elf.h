/*
 * elf.h - the parts of the ELF64 format Keel's module loader reads.
 *
 * Written from the System V gABI ("ELF-64 Object File Format") and the
 * RISC-V ELF psABI; the kernel has no C library, so it has no <elf.h>.
 * Host tests include this header instead of the system's: the two define
 * the same names and must not meet in one file.
 *
 * A module (.ko) is a relocatable object, the file `gcc -c` writes:
 *
 *     +--------------------+ offset 0
 *     | Elf64_Ehdr         | identification, type, machine, flags, and
 *     |                    | where the section header table is
 *     +--------------------+
 *     | section data       | .text, .rodata, .data, .symtab, .strtab,
 *     | ...                | .rela.text, ... at each header's sh_offset
 *     +--------------------+ e_shoff
 *     | Elf64_Shdr [shnum] | one header per section; entry 0 is null
 *     +--------------------+
 *
 * Sections refer to each other by index: a symbol's st_shndx is the
 * section it is defined in, a RELA section's sh_link is its symbol table
 * and sh_info the section it patches, a symbol table's sh_link is its
 * string table.  Names are byte offsets into string tables (.shstrtab
 * for section names, .strtab for symbol names).  There are no program
 * headers: the loader decides where each SHF_ALLOC section goes.
 *
 * All multi-byte fields are little-endian (ELFDATA2LSB), the byte order of
 * every RISC-V hart Keel runs on and of every host its tests run on, so the
 * structures below are read in place.
 */
#ifndef KEEL_LOADER_ELF_H
#define KEEL_LOADER_ELF_H

#include <stddef.h>
#include <stdint.h>

/* ---- basic types (gABI names) ------------------------------------------ */

typedef uint64_t Elf64_Addr; /* program address */
typedef uint64_t Elf64_Off;  /* file offset */
typedef uint16_t Elf64_Half;
typedef uint32_t Elf64_Word;
typedef int32_t Elf64_Sword;
typedef uint64_t Elf64_Xword;
typedef int64_t Elf64_Sxword;

/* ---- the file header --------------------------------------------------- */

#define EI_NIDENT 16

typedef struct {
	unsigned char e_ident[EI_NIDENT]; /* magic, class, data, version */
	Elf64_Half e_type;		  /* ET_REL for a module */
	Elf64_Half e_machine;		  /* EM_RISCV */
	Elf64_Word e_version;		  /* EV_CURRENT */
	Elf64_Addr e_entry;		  /* 0 in a relocatable object */
	Elf64_Off e_phoff;		  /* program headers: none in ET_REL */
	Elf64_Off e_shoff;		  /* section header table offset */
	Elf64_Word e_flags;		  /* EF_RISCV_* */
	Elf64_Half e_ehsize;		  /* sizeof(Elf64_Ehdr) */
	Elf64_Half e_phentsize;
	Elf64_Half e_phnum;
	Elf64_Half e_shentsize; /* sizeof(Elf64_Shdr) */
	Elf64_Half e_shnum;	/* 0: extended numbering (see SHN_XINDEX) */
	Elf64_Half e_shstrndx;	/* section holding the section names */
} Elf64_Ehdr;

/* e_ident[] indices and values. */
#define EI_MAG0	      0
#define EI_MAG1	      1
#define EI_MAG2	      2
#define EI_MAG3	      3
#define EI_CLASS      4
#define EI_DATA	      5
#define EI_VERSION    6
#define EI_OSABI      7
#define EI_ABIVERSION 8

#define ELFMAG0 0x7f
#define ELFMAG1 'E'
#define ELFMAG2 'L'
#define ELFMAG3 'F'
#define ELFMAG	"\177ELF"
#define SELFMAG 4

#define ELFCLASSNONE 0
#define ELFCLASS32   1
#define ELFCLASS64   2

#define ELFDATANONE 0
#define ELFDATA2LSB 1 /* little-endian */
#define ELFDATA2MSB 2 /* big-endian */

#define EV_NONE	   0
#define EV_CURRENT 1

/* e_type */
#define ET_NONE 0
#define ET_REL	1 /* relocatable object: what a module is */
#define ET_EXEC 2 /* linked executable */
#define ET_DYN	3 /* shared object or position-independent executable */
#define ET_CORE 4 /* core dump */

/* e_machine: RISC-V, and the machines a wrong .ko is most often built for. */
#define EM_NONE	     0
#define EM_SPARC     2
#define EM_386	     3
#define EM_68K	     4
#define EM_MIPS	     8
#define EM_PPC	     20
#define EM_PPC64     21
#define EM_S390	     22
#define EM_ARM	     40
#define EM_SH	     42
#define EM_SPARCV9   43
#define EM_IA_64     50
#define EM_X86_64    62
#define EM_AARCH64   183
#define EM_RISCV     243
#define EM_BPF	     247
#define EM_LOONGARCH 258

/*
 * e_flags for EM_RISCV (psABI "File Header").  RVC: the code may contain
 * compressed instructions.  The float ABI is a two-bit field saying in
 * which registers floating-point arguments travel.  RVE: built for the
 * 16-register RV32E/RV64E base.  TSO: relies on the Ztso memory model.
 */
#define EF_RISCV_RVC		  0x0001
#define EF_RISCV_FLOAT_ABI	  0x0006
#define EF_RISCV_FLOAT_ABI_SOFT	  0x0000
#define EF_RISCV_FLOAT_ABI_SINGLE 0x0002
#define EF_RISCV_FLOAT_ABI_DOUBLE 0x0004
#define EF_RISCV_FLOAT_ABI_QUAD	  0x0006
#define EF_RISCV_RVE		  0x0008
#define EF_RISCV_TSO		  0x0010

/* ---- section headers --------------------------------------------------- */

typedef struct {
	Elf64_Word sh_name;	  /* offset of the name in .shstrtab */
	Elf64_Word sh_type;	  /* SHT_* */
	Elf64_Xword sh_flags;	  /* SHF_* */
	Elf64_Addr sh_addr;	  /* 0 in a relocatable object */
	Elf64_Off sh_offset;	  /* where the data is in the file */
	Elf64_Xword sh_size;	  /* bytes (in memory, for SHT_NOBITS) */
	Elf64_Word sh_link;	  /* a related section; meaning per type */
	Elf64_Word sh_info;	  /* extra information; meaning per type */
	Elf64_Xword sh_addralign; /* 0 or 1: none; else a power of two */
	Elf64_Xword sh_entsize;	  /* entry size for tables, else 0 */
} Elf64_Shdr;

/* Special section indices (st_shndx, e_shstrndx). */
#define SHN_UNDEF     0	     /* undefined symbol; the null section */
#define SHN_LORESERVE 0xff00 /* first reserved index */
#define SHN_ABS	      0xfff1 /* absolute value, not in any section */
#define SHN_COMMON    0xfff2 /* common block the linker would allocate */
#define SHN_XINDEX    0xffff /* real index kept elsewhere (SHT_SYMTAB_SHNDX) */

/* sh_type */
#define SHT_NULL	     0
#define SHT_PROGBITS	     1
#define SHT_SYMTAB	     2 /* sh_link: string table; sh_info: 1st global */
#define SHT_STRTAB	     3
#define SHT_RELA	     4 /* sh_link: symbol table; sh_info: target */
#define SHT_HASH	     5
#define SHT_DYNAMIC	     6
#define SHT_NOTE	     7
#define SHT_NOBITS	     8 /* occupies memory, not file: .bss */
#define SHT_REL		     9 /* relocations without addends */
#define SHT_SHLIB	     10
#define SHT_DYNSYM	     11
#define SHT_INIT_ARRAY	     14
#define SHT_FINI_ARRAY	     15
#define SHT_PREINIT_ARRAY    16
#define SHT_GROUP	     17 /* sh_link: symtab; sh_info: signature */
#define SHT_SYMTAB_SHNDX     18
#define SHT_LOOS	     0x60000000
#define SHT_HIOS	     0x6fffffff
#define SHT_LOPROC	     0x70000000
#define SHT_RISCV_ATTRIBUTES 0x70000003 /* .riscv.attributes */
#define SHT_HIPROC	     0x7fffffff

/* sh_flags */
#define SHF_WRITE	     0x001
#define SHF_ALLOC	     0x002 /* occupies memory at run time */
#define SHF_EXECINSTR	     0x004
#define SHF_MERGE	     0x010
#define SHF_STRINGS	     0x020
#define SHF_INFO_LINK	     0x040 /* sh_info holds a section index */
#define SHF_LINK_ORDER	     0x080
#define SHF_OS_NONCONFORMING 0x100
#define SHF_GROUP	     0x200 /* member of a SHT_GROUP */
#define SHF_TLS		     0x400 /* thread-local storage */
#define SHF_COMPRESSED	     0x800

/* The first word of a SHT_GROUP section; the rest are section indices. */
#define GRP_COMDAT 0x1 /* keep one copy of groups with the same signature */

/* ---- symbols ----------------------------------------------------------- */

typedef struct {
	Elf64_Word st_name;	/* offset of the name in the string table */
	unsigned char st_info;	/* binding (high 4 bits) and type (low 4) */
	unsigned char st_other; /* visibility (low 2 bits) */
	Elf64_Half st_shndx;	/* section defined in, or SHN_* */
	Elf64_Addr st_value;	/* offset within that section (ET_REL) */
	Elf64_Xword st_size;
} Elf64_Sym;

#define ELF64_ST_BIND(info)	  ((info) >> 4)
#define ELF64_ST_TYPE(info)	  ((info)&0xf)
#define ELF64_ST_INFO(bind, type) (((bind) << 4) + ((type)&0xf))
#define ELF64_ST_VISIBILITY(o)	  ((o)&0x3)

#define STN_UNDEF 0 /* symbol index 0: "no symbol" */

/* Binding. */
#define STB_LOCAL      0
#define STB_GLOBAL     1
#define STB_WEAK       2
#define STB_GNU_UNIQUE 10

/* Type. */
#define STT_NOTYPE    0
#define STT_OBJECT    1
#define STT_FUNC      2
#define STT_SECTION   3
#define STT_FILE      4
#define STT_COMMON    5
#define STT_TLS	      6
#define STT_GNU_IFUNC 10

/* Visibility. */
#define STV_DEFAULT   0
#define STV_INTERNAL  1
#define STV_HIDDEN    2
#define STV_PROTECTED 3

/* ---- relocations ------------------------------------------------------- */

/* SHT_RELA entry: patch r_offset of the target section. */
typedef struct {
	Elf64_Addr r_offset;   /* place, as an offset into the target */
	Elf64_Xword r_info;    /* symbol index (high 32), type (low 32) */
	Elf64_Sxword r_addend; /* A */
} Elf64_Rela;

/* SHT_REL entry: the addend is whatever the place already holds. */
typedef struct {
	Elf64_Addr r_offset;
	Elf64_Xword r_info;
} Elf64_Rel;

#define ELF64_R_SYM(info)	((uint32_t)((info) >> 32))
#define ELF64_R_TYPE(info)	((uint32_t)(info))
#define ELF64_R_INFO(sym, type) (((uint64_t)(sym) << 32) + (uint32_t)(type))

/* The layouts are fixed by the gABI; the loader reads files in place. */
_Static_assert(sizeof(Elf64_Ehdr) == 64, "Elf64_Ehdr");
_Static_assert(offsetof(Elf64_Ehdr, e_type) == 16, "e_type");
_Static_assert(offsetof(Elf64_Ehdr, e_shoff) == 40, "e_shoff");
_Static_assert(offsetof(Elf64_Ehdr, e_flags) == 48, "e_flags");
_Static_assert(offsetof(Elf64_Ehdr, e_shentsize) == 58, "e_shentsize");
_Static_assert(offsetof(Elf64_Ehdr, e_shstrndx) == 62, "e_shstrndx");
_Static_assert(sizeof(Elf64_Shdr) == 64, "Elf64_Shdr");
_Static_assert(offsetof(Elf64_Shdr, sh_offset) == 24, "sh_offset");
_Static_assert(offsetof(Elf64_Shdr, sh_link) == 40, "sh_link");
_Static_assert(offsetof(Elf64_Shdr, sh_entsize) == 56, "sh_entsize");
_Static_assert(sizeof(Elf64_Sym) == 24, "Elf64_Sym");
_Static_assert(offsetof(Elf64_Sym, st_shndx) == 6, "st_shndx");
_Static_assert(offsetof(Elf64_Sym, st_value) == 8, "st_value");
_Static_assert(sizeof(Elf64_Rela) == 24, "Elf64_Rela");
_Static_assert(offsetof(Elf64_Rela, r_addend) == 16, "r_addend");
_Static_assert(sizeof(Elf64_Rel) == 16, "Elf64_Rel");

#endif /* KEEL_LOADER_ELF_H */
