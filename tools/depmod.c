/*
 * depmod.c - modules.dep for modprobe, the second form of modpost:
 *
 *     modpost -D modules.dep NAME.ko...
 *
 * It reads the name= and depends= strings of finished modules and writes,
 * for each, a line in Linux's modules.dep format, "name.ko: dep.ko
 * deeper.ko", listing every module it needs, directly or not, ordered so
 * that loading the list from its end to its start loads each module after
 * everything it depends on.  A dependency cycle or a dependency that is
 * not among the files is an error.
 *
 * Each file must be called after the module it declares (modprobe finds
 * modules by name), and no two may declare the same module.  The output
 * is written under a temporary name and renamed, so an interrupted build
 * leaves no half-written file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "modpost.h"

struct depmod {
	struct module_object *modules;
	int count;
	int **needs; /* needs[i]: indices of module i's depends=, -1 ended */
	int *state;  /* 0 unseen, 1 on the current path, 2 done */
	int *path;   /* the current path, for naming a cycle */
	int *order;  /* post-order of one walk: dependencies first */
	int ordered;
};

/* Walk module i's dependencies depth first; -1 on a cycle. */
static int walk(struct depmod *d, int i, int depth)
{
	d->path[depth] = i;
	if (d->state[i] == 2)
		return 0;
	if (d->state[i] == 1) {
		char cycle[1024] = "";
		int from = depth - 1;

		while (from > 0 && d->path[from] != i)
			from--;
		for (int k = from; k <= depth; k++)
			snprintf(cycle + strlen(cycle),
				 sizeof(cycle) - strlen(cycle), "%s%s",
				 k > from ? " -> " : "",
				 d->modules[d->path[k]].name);
		error("dependency cycle: %s", cycle);
		return -1;
	}
	d->state[i] = 1;
	for (int *n = d->needs[i]; *n >= 0; n++)
		if (walk(d, *n, depth + 1))
			return -1;
	d->state[i] = 2;
	d->order[d->ordered++] = i;
	return 0;
}

int depmod(const char *output, int count, char **paths)
{
	struct depmod d = {.count = count};
	char *temporary;
	FILE *f = NULL;

	d.modules = xrealloc(NULL, count * sizeof(*d.modules));
	d.needs = xrealloc(NULL, count * sizeof(*d.needs));
	d.state = xrealloc(NULL, count * sizeof(int));
	d.path = xrealloc(NULL, (count + 1) * sizeof(int));
	d.order = xrealloc(NULL, count * sizeof(int));
	for (int i = 0; i < count; i++) {
		char expected[KEEL_MODULE_NAME_MAX + 4];

		if (read_module(paths[i], 1, &d.modules[i]))
			return 1;
		snprintf(expected, sizeof(expected), "%s.ko",
			 d.modules[i].name);
		if (strcmp(base_name(paths[i]), expected))
			error("%s: declares module %s; modprobe finds it by "
			      "name, so the "
			      "file must be %s",
			      paths[i], d.modules[i].name, expected);
		for (int j = 0; j < i; j++)
			if (!strcmp(d.modules[j].name, d.modules[i].name))
				error("%s and %s both declare module %s",
				      paths[j], paths[i], d.modules[i].name);
	}
	for (int i = 0; i < count && !errors; i++) {
		const char *p = modinfo_value(&d.modules[i], "depends");
		int n = 0;

		d.needs[i] = xrealloc(NULL, (strlen(p) / 2 + 2) * sizeof(int));
		while (*p) {
			size_t length = strcspn(p, ",");
			int found = -1;

			for (int j = 0; j < count; j++)
				if (strlen(d.modules[j].name) == length &&
				    !strncmp(d.modules[j].name, p, length))
					found = j;
			if (found < 0)
				error("%s depends on %.*s, which is not among "
				      "the modules given",
				      d.modules[i].name, (int)length, p);
			else
				d.needs[i][n++] = found;
			p += length + (p[length] == ',');
		}
		d.needs[i][n] = -1;
	}
	if (errors)
		return 1;

	temporary = xrealloc(NULL, strlen(output) + 5);
	sprintf(temporary, "%s.tmp", output);
	f = fopen(temporary, "w");
	if (!f) {
		error("%s: %s", temporary, strerror(errno));
		return 1;
	}
	for (int i = 0; i < count; i++) {
		memset(d.state, 0, count * sizeof(int));
		d.ordered = 0;
		if (walk(&d, i, 0))
			break;
		/* order[] ends with i itself; print the rest from the end. */
		fprintf(f, "%s.ko:", d.modules[i].name);
		for (int k = d.ordered - 2; k >= 0; k--)
			fprintf(f, " %s.ko", d.modules[d.order[k]].name);
		fputc('\n', f);
	}
	if (fclose(f) != 0 && !errors)
		error("%s: %s", temporary, strerror(errno));
	if (!errors && rename(temporary, output) != 0)
		error("%s: %s", output, strerror(errno));
	if (errors)
		unlink(temporary);
	free(temporary);
	return errors ? 1 : 0;
}
