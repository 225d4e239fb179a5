/*
 * keel/abi.h - the version of the module ABI.
 *
 * The ABI is everything a module may touch: the headers in abi/include/keel/
 * and the kernel symbols they declare.  Its version is MAJOR.MINOR:
 *
 *   MINOR grows when something is added: a new exported function, a new
 *         field appended to the end of a size-carrying struct, a new
 *         constant.  A module built against 1.2 runs on any kernel 1.x with
 *         x >= the minor it actually needs (the module build stamps the
 *         highest minor among the symbols and fields it uses).
 *   MAJOR changes when something existing changes meaning, layout or
 *         calling convention.  A kernel refuses modules of another major.
 *
 * Structs that cross the boundary start with their size (as the side that
 * filled them in was compiled); a reader uses a field only if it lies inside
 * that size.  docs/abi.md states the rules in full.
 */
#ifndef KEEL_ABI_H
#define KEEL_ABI_H

#include <stdint.h>

#define KEEL_ABI_MAJOR 1
#define KEEL_ABI_MINOR 1

/* One 32-bit number: major in the upper 16 bits, minor in the lower 16. */
#define KEEL_ABI_VERSION(major, minor)                                         \
	((uint32_t)(((uint32_t)(major) << 16) | ((uint32_t)(minor) & 0xffffu)))
#define KEEL_ABI_CURRENT KEEL_ABI_VERSION(KEEL_ABI_MAJOR, KEEL_ABI_MINOR)
#define KEEL_ABI_VERSION_MAJOR(v) ((uint32_t)(v) >> 16)
#define KEEL_ABI_VERSION_MINOR(v) ((uint32_t)(v) & 0xffffu)

/*
 * True when a struct that begins with `uint32_t size` and was filled in by
 * the other side is large enough to contain `field`: the rule for reading
 * any size-carrying ABI struct.
 */
#define KEEL_ABI_HAS_FIELD(ptr, type, field)                                   \
	((ptr)->size >= offsetof(type, field) + sizeof(((type *)0)->field))

#endif /* KEEL_ABI_H */
