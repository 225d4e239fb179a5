/*
 * modinfo.c - show the metadata of Keel modules, on the host.
 *
 *     modinfo [-F field] module.ko...
 *
 * Reads the `tag=value` strings of the .keel.modinfo section and the ABI
 * version in the .keel.module header straight from the file (neither needs
 * relocating), with libelf, and prints them in the layout Linux's modinfo
 * uses and Keel's in-kernel `modinfo` shares:
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

#define MAX_TAGS 256

struct tag {
	const char *key;  /* points into the section copy */
	size_t key_length;
	const char *value;
};

struct module_meta {
	char *modinfo;    /* a NUL-terminated copy of .keel.modinfo */
	struct tag tags[MAX_TAGS];
	int ntags;
	int has_abi;
	uint32_t abi_version;
};

/* Copy section `name` of elf into a malloc'd buffer (NUL added); NULL if absent. */
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
	size_t size = 0, header_size = 0;
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
	meta->modinfo = section_copy(elf, ".keel.modinfo", &size);
	if (!meta->modinfo) {
		reason = "no .keel.modinfo section (not a Keel module)";
		goto out;
	}
	for (size_t at = 0; at < size; at += strlen(meta->modinfo + at) + 1) {
		char *entry = meta->modinfo + at, *eq = strchr(entry, '=');

		if (!*entry)
			continue; /* padding between strings */
		if (!eq || meta->ntags == MAX_TAGS) {
			reason = eq ? "too many .keel.modinfo entries"
				    : "a .keel.modinfo entry has no '='";
			goto out;
		}
		meta->tags[meta->ntags++] =
			(struct tag){ entry, (size_t)(eq - entry), eq + 1 };
	}
	header = section_copy(elf, ".keel.module", &header_size);
	if (header && header_size >= 8) {
		memcpy(&meta->abi_version, header + 4, sizeof(uint32_t));
		meta->has_abi = 1;
	}
	free(header);
out:
	if (elf)
		elf_end(elf);
	close(fd);
	return reason;
}

/* Call fn for every value of `key`, in source order. */
static int each_value(const struct module_meta *meta, const char *key,
		      void (*fn)(const char *value, const struct module_meta *meta))
{
	int found = 0;

	/* The compiler emits the strings in reverse order of the source. */
	for (int i = meta->ntags - 1; i >= 0; i--) {
		const struct tag *t = &meta->tags[i];

		if (t->key_length == strlen(key) && !strncmp(t->key, key, t->key_length)) {
			fn(t->value, meta);
			found++;
		}
	}
	return found;
}

static const char *current_field;

static void print_field(const char *value, const struct module_meta *meta)
{
	(void)meta;
	printf("%-15s %s\n", current_field, value);
}

static void print_value(const char *value, const struct module_meta *meta)
{
	(void)meta;
	printf("%s\n", value);
}

/* "count:how many greetings" + parmtype "count:int" -> "count:how many greetings (int)" */
static void print_parm(const char *value, const struct module_meta *meta)
{
	const char *colon = strchr(value, ':');
	size_t name_length = colon ? (size_t)(colon - value) : strlen(value);
	const char *type = NULL;

	for (int i = 0; i < meta->ntags; i++) {
		const struct tag *t = &meta->tags[i];

		if (t->key_length == 8 && !strncmp(t->key, "parmtype", 8) &&
		    !strncmp(t->value, value, name_length) && t->value[name_length] == ':')
			type = t->value + name_length + 1;
	}
	printf("%-15s %s", "parm:", value);
	if (type)
		printf(" (%s)", type);
	printf("\n");
}

static void show(const char *path, const struct module_meta *meta)
{
	static const char *const fields[] = { "name", "version", "license",
					      "description", "author" };

	printf("%-15s %s\n", "filename:", path);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		char label[32];

		snprintf(label, sizeof(label), "%s:", fields[i]);
		current_field = label;
		each_value(meta, fields[i], print_field);
	}
	current_field = "depends:";
	if (!each_value(meta, "depends", print_field))
		printf("%-15s\n", "depends:");
	if (meta->has_abi)
		printf("%-15s %u.%u\n", "abi:", KEEL_ABI_VERSION_MAJOR(meta->abi_version),
		       KEEL_ABI_VERSION_MINOR(meta->abi_version));
	each_value(meta, "parm", print_parm);
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
		} else if (only && !strcmp(only, "abi")) {
			if (meta.has_abi)
				printf("%u.%u\n", KEEL_ABI_VERSION_MAJOR(meta.abi_version),
				       KEEL_ABI_VERSION_MINOR(meta.abi_version));
		} else if (only) {
			each_value(&meta, only, print_value);
		} else {
			show(argv[i], &meta);
		}
		free(meta.modinfo);
	}
	return status;
}
