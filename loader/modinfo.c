/*
 * modinfo.c - the module metadata strings, parsed and printed.
 *
 * The section is a run of NUL-terminated "tag=value" strings, possibly with
 * extra NULs between them (alignment).  Compilers emit the strings of one
 * file in reverse source order, so fields are printed walking backwards,
 * which gives the order the author wrote them in.  Everything here is
 * bounded by the section's size; nothing is allocated.
 */
#include <stdarg.h>

#include <keel/abi.h>
#include <keel/errno.h>

#include "modinfo.h"

#ifdef KEEL_HOST_TOOL
#include <stdio.h>
#include <string.h>
#else
#include "lib/printf.h"
#include "lib/string.h"
#endif

static void emit(modinfo_sink_fn sink, void *arg, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void emit(modinfo_sink_fn sink, void *arg, const char *fmt, ...)
{
	char line[400];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 1)
		n = (int)sizeof(line) - 1;
	sink(line, (size_t)n, arg);
}

int modinfo_check(const char *section, size_t size, const char **problem)
{
	if (size && section[size - 1] != '\0') {
		*problem = "the last .keel.modinfo entry is not NUL-terminated";
		return -ENOEXEC;
	}
	for (size_t at = 0; at < size; at += strlen(section + at) + 1) {
		if (section[at] && !strchr(section + at, '=')) {
			*problem = "a .keel.modinfo entry has no '='";
			return -ENOEXEC;
		}
	}
	return 0;
}

/*
 * Find the entry before `end` (exclusive) whose tag is `tag`, walking
 * backwards; returns its value or NULL.  *end is moved to that entry.
 */
static const char *previous(const char *section, size_t *end, const char *tag)
{
	size_t tag_length = strlen(tag);

	while (*end > 0) {
		size_t start = *end - 1;

		/* *end is just past a NUL; find the start of that string. */
		while (start > 0 && section[start - 1] != '\0')
			start--;
		*end = start;
		if (!strncmp(section + start, tag, tag_length) &&
		    section[start + tag_length] == '=')
			return section + start + tag_length + 1;
	}
	return NULL;
}

/* The type of parameter `name` ("count:..." -> "int"), or NULL. */
static const char *param_type(const char *section, size_t size, const char *parm)
{
	size_t name_length = strcspn(parm, ":");
	size_t end = size;
	const char *type;

	while ((type = previous(section, &end, "parmtype")))
		if (!strncmp(type, parm, name_length) && type[name_length] == ':')
			return type + name_length + 1;
	return NULL;
}

static int has_tag(const char *section, size_t size, const char *tag)
{
	size_t end = size;

	return previous(section, &end, tag) != NULL;
}

static void print_values(const char *label, const char *tag, const char *section,
			 size_t size, modinfo_sink_fn sink, void *arg)
{
	size_t end = size;
	const char *value;
	int found = 0;

	while ((value = previous(section, &end, tag))) {
		if (label)
			emit(sink, arg, "%-15s %s\n", label, value);
		else
			emit(sink, arg, "%s\n", value);
		found = 1;
	}
	if (!found && label && !strcmp(tag, "depends"))
		emit(sink, arg, "%s\n", label);
}

void modinfo_print(const char *filename, const char *section, size_t size,
		   uint32_t abi_version, modinfo_sink_fn sink, void *arg)
{
	static const char *const fields[][2] = {
		{ "name:", "name" },       { "version:", "version" },
		{ "license:", "license" }, { "description:", "description" },
		{ "author:", "author" },   { "depends:", "depends" },
	};
	size_t end = size;
	const char *parm;

	emit(sink, arg, "%-15s %s\n", "filename:", filename);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		print_values(fields[i][0], fields[i][1], section, size, sink, arg);
	/* The build's abi= stamp (the minor the module really needs) wins
	 * over the version of the headers it was compiled with. */
	if (has_tag(section, size, "abi"))
		print_values("abi:", "abi", section, size, sink, arg);
	else if (abi_version)
		emit(sink, arg, "%-15s %u.%u\n", "abi:",
		     (unsigned)KEEL_ABI_VERSION_MAJOR(abi_version),
		     (unsigned)KEEL_ABI_VERSION_MINOR(abi_version));
	while ((parm = previous(section, &end, "parm"))) {
		const char *type = param_type(section, size, parm);

		if (type)
			emit(sink, arg, "%-15s %s (%.*s)\n", "parm:", parm,
			     (int)strcspn(type, "\n"), type);
		else
			emit(sink, arg, "%-15s %s\n", "parm:", parm);
	}
}

void modinfo_print_field(const char *field, const char *section, size_t size,
			 uint32_t abi_version, modinfo_sink_fn sink, void *arg)
{
	if (!strcmp(field, "abi") && !has_tag(section, size, "abi")) {
		if (abi_version)
			emit(sink, arg, "%u.%u\n",
			     (unsigned)KEEL_ABI_VERSION_MAJOR(abi_version),
			     (unsigned)KEEL_ABI_VERSION_MINOR(abi_version));
		return;
	}
	print_values(NULL, field, section, size, sink, arg);
}
