/*
 * modinfo.h - reading and printing a module's .keel.modinfo strings.
 *
 * Shared by the kernel's `modinfo` command and the host's tools/modinfo, so
 * both print the same thing in Linux's layout:
 *
 *     filename:       /lib/modules/hello.ko
 *     name:           hello
 *     version:        1.0
 *     license:        GPL
 *     description:    greets
 *     author:         Keel developers
 *     depends:
 *     abi:            1.0
 *     parm:           count:how many times to greet (int)
 */
#ifndef KEEL_LOADER_MODINFO_H
#define KEEL_LOADER_MODINFO_H

#include <stddef.h>
#include <stdint.h>

/* Where formatted lines go (console, shell, stdout). */
typedef void (*modinfo_sink_fn)(const char *text, size_t length, void *arg);

/*
 * Check that the section holds only "tag=value" strings; returns 0 or
 * -ENOEXEC with *problem set.
 */
int modinfo_check(const char *section, size_t size, const char **problem);

/*
 * Print every field of the module (see above).  `abi_version` is the
 * header's KEEL_ABI_VERSION, or 0 when unknown (no abi line).
 */
void modinfo_print(const char *filename, const char *section, size_t size,
		   uint32_t abi_version, modinfo_sink_fn sink, void *arg);

/* Print the values of one field, one per line (modinfo -F field). */
void modinfo_print_field(const char *field, const char *section, size_t size,
			 uint32_t abi_version, modinfo_sink_fn sink, void *arg);

#endif /* KEEL_LOADER_MODINFO_H */
