/*
 * cmd_module.c - shell commands for modules: insmod, rmmod, lsmod,
 * modinfo, modprobe.
 *
 * Messages follow Linux's kmod so that what students see matches what they
 * will meet elsewhere:
 *
 *     insmod: ERROR: could not insert module hello.ko: <reason>
 *     rmmod: ERROR: Module hello is not currently loaded
 *     rmmod: ERROR: Module hello_dep is in use by: hello_user
 *     rmmod: ERROR: Module memfs is in use by mounts  (umount them first)
 *     rmmod: ERROR: Module hello is in use          (held, but not by a module)
 */
#include <keel/errno.h>

#include "fs/vfs.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "log/printk.h"
#include "mm/kmalloc.h"
#include "modinfo.h"
#include "module/module.h"
#include "shell/shell.h"

#define MAX_MODULE_FILE (32u << 20)
#define ARGS_MAX 512

static int read_file(struct shell *sh, const char *path, void **out, size_t *size)
{
	char *buf;
	int err = vfs_read_file(path, sh->cwd, MAX_MODULE_FILE, &buf, size);

	if (!err)
		*out = buf;
	return err;
}

static int cmd_insmod(struct shell *sh, int argc, char **argv)
{
	char args[ARGS_MAX] = "", reason[ELF_REASON_MAX];
	size_t length = 0, size;
	void *file;
	int err;

	if (argc < 2)
		return sh_error(sh, "insmod", "missing module file");
	for (int i = 2; i < argc; i++) {
		size_t n = strlen(argv[i]);

		if (length + n + 2 > sizeof(args))
			return sh_error(sh, "insmod", "parameters longer than %d bytes",
					ARGS_MAX - 1);
		memcpy(args + length, argv[i], n);
		length += n;
		args[length++] = ' ';
		args[length] = '\0';
	}
	err = read_file(sh, argv[1], &file, &size);
	if (err) {
		kprintf("insmod: ERROR: could not insert module %s: %s\n", argv[1],
			strerror(err));
		return 1;
	}
	err = module_load(file, size, args, reason);
	kfree(file);
	if (err) {
		kprintf("insmod: ERROR: could not insert module %s: %s\n", argv[1],
			reason[0] ? reason : strerror(err));
		return 1;
	}
	return 0;
}
SHELL_COMMAND(insmod, "insmod FILE.ko [NAME=VALUE...]",
	      "load a module, setting its parameters", cmd_insmod);

static int cmd_rmmod(struct shell *sh, int argc, char **argv)
{
	int status = 0;

	if (argc < 2)
		return sh_error(sh, "rmmod", "missing module name");
	for (int i = 1; i < argc; i++) {
		char name[KEEL_MODULE_NAME_MAX + 1], users[MODULE_USERS_MAX];
		const char *slash = strrchr(argv[i], '/');
		unsigned mounts;
		size_t n;
		int err;

		/* Accept "hello", "hello.ko" and "/lib/modules/hello.ko" as Linux does. */
		strlcpy(name, slash ? slash + 1 : argv[i], sizeof(name));
		n = strlen(name);
		if (n > 3 && strcmp(name + n - 3, ".ko") == 0)
			name[n - 3] = '\0';
		err = module_unload(name, users, sizeof(users), &mounts);
		if (err == -ENOENT)
			kprintf("rmmod: ERROR: Module %s is not currently loaded\n", name);
		else if (err == -EBUSY && users[0])
			kprintf("rmmod: ERROR: Module %s is in use by: %s\n", name, users);
		else if (err == -EBUSY && mounts)
			kprintf("rmmod: ERROR: Module %s is in use by mounts\n", name);
		else if (err == -EBUSY)
			kprintf("rmmod: ERROR: Module %s is in use\n", name);
		else if (err)
			kprintf("rmmod: ERROR: could not remove module %s: %s\n", name,
				strerror(err));
		status |= err != 0;
	}
	return status;
}
SHELL_COMMAND(rmmod, "rmmod NAME...", "unload modules", cmd_rmmod);

static int cmd_lsmod(struct shell *sh, int argc, char **argv)
{
	struct module_summary *list;
	int n, max = 64;

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "-a") != 0))
		return sh_error(sh, "lsmod", "unknown argument");
	list = kmalloc(sizeof(*list) * (size_t)max);
	if (!list)
		return sh_errno(sh, "lsmod", "list", -ENOMEM);
	n = module_list(list, max);
	if (argc == 2) {
		sh_printf(sh, "Module                  .text            .rodata          .data\n");
		for (int i = 0; i < n; i++)
			sh_printf(sh, "%-23s %016lx %016lx %016lx\n", list[i].name,
				  (unsigned long)list[i].text, (unsigned long)list[i].rodata,
				  (unsigned long)list[i].data);
	} else {
		sh_printf(sh, "Module                  Size  Used by\n");
		for (int i = 0; i < n; i++)
			sh_printf(sh, "%-19s %8lu  %d%s%s\n", list[i].name,
				  (unsigned long)list[i].size, list[i].refcount,
				  list[i].users[0] ? " " : "", list[i].users);
	}
	kfree(list);
	return 0;
}
SHELL_COMMAND(lsmod, "lsmod [-a]", "list loaded modules (-a: with section addresses)", cmd_lsmod);

static void to_shell(const char *text, size_t length, void *arg)
{
	sh_write(arg, text, length);
}

/* "hello" -> "/lib/modules/hello.ko"; a path is kept as it is. */
static void module_path(const char *arg, char *path, size_t size)
{
	if (strchr(arg, '/') || (strlen(arg) > 3 && !strcmp(arg + strlen(arg) - 3, ".ko")))
		strlcpy(path, arg, size);
	else
		snprintf(path, size, "/lib/modules/%s.ko", arg);
}

static int cmd_modinfo(struct shell *sh, int argc, char **argv)
{
	char path[128], reason[ELF_REASON_MAX];
	const char *problem = NULL, *field = NULL;
	struct elf_module m;
	int err, index = -1, status = 0, first = 1;
	size_t size;
	void *file;

	if (argc >= 3 && strcmp(argv[1], "-F") == 0) {
		field = argv[2];
		first = 3;
	}
	if (first >= argc)
		return sh_error(sh, "modinfo", "missing module name or file");
	for (int a = first; a < argc; a++) {
		uint32_t abi = 0;

		module_path(argv[a], path, sizeof(path));
		err = read_file(sh, path, &file, &size);
		if (err) {
			kprintf("modinfo: ERROR: Module %s not found.\n", argv[a]);
			status = 1;
			continue;
		}
		err = elf_validate(file, size, &m, reason);
		for (unsigned i = 1; !err && i < m.nsections; i++) {
			if (!strcmp(elf_section_name(&m, i), ".keel.modinfo"))
				index = (int)i;
			if (!strcmp(elf_section_name(&m, i), ".keel.module") &&
			    m.sections[i].sh_size >= 8)
				memcpy(&abi, m.file + m.sections[i].sh_offset + 4, sizeof(abi));
		}
		if (!err && index < 0) {
			err = -ENOEXEC;
			strlcpy(reason, "no .keel.modinfo section (not a Keel module)", sizeof(reason));
		}
		if (!err) {
			const char *text = (const char *)m.file + m.sections[index].sh_offset;
			size_t length = m.sections[index].sh_size;

			err = modinfo_check(text, length, &problem);
			if (err)
				strlcpy(reason, problem, sizeof(reason));
			else if (field)
				modinfo_print_field(field, text, length, abi, to_shell, sh);
			else
				modinfo_print(path, text, length, abi, to_shell, sh);
		}
		if (err) {
			kprintf("modinfo: ERROR: %s: %s\n", path, reason);
			status = 1;
		}
		kfree(file);
	}
	return status;
}
SHELL_COMMAND(modinfo, "modinfo [-F FIELD] NAME|FILE.ko...",
	      "show a module's metadata (NAME looks in /lib/modules)", cmd_modinfo);

/* Load one module file unless a module of that name is loaded already. */
static int load_path(struct shell *sh, const char *path, const char *args,
		     const char *command)
{
	char reason[ELF_REASON_MAX];
	size_t size;
	void *file;
	int err = read_file(sh, path, &file, &size);

	if (!err) {
		err = module_load(file, size, args, reason);
		kfree(file);
		if (err == -EEXIST)
			return 0; /* already loaded: nothing to do, as in Linux */
	} else {
		strlcpy(reason, strerror(err), sizeof(reason));
	}
	if (err)
		kprintf("%s: ERROR: could not insert module %s: %s\n", command, path,
			reason[0] ? reason : strerror(err));
	return err;
}

/*
 * The dependencies of `name` from /lib/modules/modules.dep (depmod's
 * format: "name.ko: dep1.ko dep2.ko", deepest last), copied into deps.
 * Returns 0, or -ENOENT when the module is not listed.
 */
static int find_dependencies(struct shell *sh, const char *name, char *deps, size_t size)
{
	char want[KEEL_MODULE_NAME_MAX + 5];
	size_t length;
	char *text, *line, *next;
	void *file;
	int err = read_file(sh, "/lib/modules/modules.dep", &file, &length);

	if (err)
		return err;
	text = file;
	snprintf(want, sizeof(want), "%s.ko:", name);
	err = -ENOENT;
	for (line = text; line && line < text + length; line = next) {
		next = memchr(line, '\n', (size_t)(text + length - line));
		if (next)
			*next++ = '\0';
		if (strncmp(line, want, strlen(want)) == 0) {
			strlcpy(deps, line + strlen(want), size);
			err = 0;
			break;
		}
	}
	kfree(file);
	return err;
}

static int cmd_modprobe(struct shell *sh, int argc, char **argv)
{
	char deps[256], path[128], args[ARGS_MAX] = "";
	const char *words[16];
	int nwords = 0, err;
	size_t length = 0;

	if (argc < 2 || strchr(argv[1], '/'))
		return sh_error(sh, "modprobe", "expects a module name");
	for (int i = 2; i < argc; i++) {
		size_t n = strlen(argv[i]);

		if (length + n + 2 > sizeof(args))
			return sh_error(sh, "modprobe", "parameters too long");
		memcpy(args + length, argv[i], n);
		length += n;
		args[length++] = ' ';
		args[length] = '\0';
	}
	err = find_dependencies(sh, argv[1], deps, sizeof(deps));
	if (err) {
		kprintf("modprobe: FATAL: Module %s not found in /lib/modules/modules.dep\n",
			argv[1]);
		return 1;
	}
	/* Split the dependency list, then load it deepest first. */
	for (char *p = deps; *p && nwords < 16;) {
		while (*p == ' ')
			*p++ = '\0';
		if (!*p)
			break;
		words[nwords++] = p;
		while (*p && *p != ' ')
			p++;
	}
	for (int i = nwords - 1; i >= 0; i--) {
		snprintf(path, sizeof(path), "/lib/modules/%s", words[i]);
		if (load_path(sh, path, "", "modprobe"))
			return 1;
	}
	snprintf(path, sizeof(path), "/lib/modules/%s.ko", argv[1]);
	return load_path(sh, path, args, "modprobe") ? 1 : 0;
}
SHELL_COMMAND(modprobe, "modprobe NAME [NAME=VALUE...]",
	      "load a module from /lib/modules and what it depends on", cmd_modprobe);
