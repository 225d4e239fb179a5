/*
 * modinfo.c - show the metadata of Keel modules, on the host.
 *
 *     modinfo [-F field] module.ko...
 *
 * Reads the `tag=value` strings of the .keel.modinfo section and the ABI
 * version in the .keel.module header straight from the file (neither needs
 * relocating), with libelf, and prints them with loader/modinfo.c, the same
 * code as the kernel's `modinfo` command, in Linux's layout:
 *
 *     filename:       build/modules/hello.ko
 *     name:           hello
 *     version:        1.0
 *     license:        GPL
 *     description:    says hello
 *     author:         A. Student
 *     depends:
 *     abi:            1.0
 *     parm:           count:how many greetings (int)
 *
 * With -F field, only that field's values are printed, one per line.
 * Exit status 0, or 1 if a file could not be read as a Keel module (one
 * line on stderr naming the file and the problem).
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <keel/abi.h>

#include "modinfo.h"

struct module_meta {
	char *modinfo; /* a copy of .keel.modinfo */
	size_t size;
	uint32_t abi_version; /* 0 when the module has no header */
};

/* Copy section `name` of elf into a malloc'd buffer; NULL if absent. */
static char *section_copy(Elf *elf, const char *name, size_t *size)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr shdr;
		const char *sname;
		Elf_Data *data;
		char *copy;

		if (!gelf_getshdr(scn, &shdr))
			return NULL;
		sname = elf_strptr(elf, shstrndx, shdr.sh_name);
		if (!sname || strcmp(sname, name) != 0)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data || shdr.sh_type != SHT_PROGBITS)
			return NULL;
		copy = calloc(1, data->d_size + 1);
		if (!copy)
			return NULL;
		memcpy(copy, data->d_buf, data->d_size);
		*size = data->d_size;
		return copy;
	}
	return NULL;
}

/* Read the module's metadata; returns NULL on success or a reason. */
static const char *read_meta(const char *path, struct module_meta *meta)
{
	const char *reason = NULL;
	size_t header_size = 0;
	char *header;
	Elf *elf;
	int fd;

	memset(meta, 0, sizeof(*meta));
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return strerror(errno);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		reason = "not an ELF file";
		goto out;
	}
	meta->modinfo = section_copy(elf, ".keel.modinfo", &meta->size);
	if (!meta->modinfo) {
		reason = "no .keel.modinfo section (not a Keel module)";
		goto out;
	}
	if (modinfo_check(meta->modinfo, meta->size, &reason))
		goto out;
	header = section_copy(elf, ".keel.module", &header_size);
	if (header && header_size >= 8)
		memcpy(&meta->abi_version, header + 4, sizeof(uint32_t));
	free(header);
out:
	if (elf)
		elf_end(elf);
	close(fd);
	return reason;
}

static void to_stdout(const char *text, size_t length, void *arg)
{
	(void)arg;
	fwrite(text, 1, length, stdout);
}

static void usage(void)
{
	fprintf(stderr, "usage: modinfo [-F field] module.ko...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *only = NULL;
	int status = 0, opt;

	while ((opt = getopt(argc, argv, "F:")) != -1) {
		if (opt == 'F')
			only = optarg;
		else
			usage();
	}
	if (optind == argc)
		usage();
	if (elf_version(EV_CURRENT) == EV_NONE) {
		fprintf(stderr, "modinfo: libelf is too old\n");
		return 1;
	}
	for (int i = optind; i < argc; i++) {
		struct module_meta meta;
		const char *reason = read_meta(argv[i], &meta);

		if (reason) {
			fprintf(stderr, "modinfo: ERROR: %s: %s\n", argv[i], reason);
			status = 1;
		} else if (only) {
			modinfo_print_field(only, meta.modinfo, meta.size,
					    meta.abi_version, to_stdout, NULL);
		} else {
			modinfo_print(argv[i], meta.modinfo, meta.size,
				      meta.abi_version, to_stdout, NULL);
		}
		free(meta.modinfo);
	}
	return status;
}
