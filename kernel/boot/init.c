/*
 * init.c - the first kernel thread.
 *
 * Runs once the scheduler is up, so it may sleep and take mutexes: it reads
 * the boot arguments, mounts the root ramfs and fills it from the initramfs,
 * probes the disks, and hands the console to the shell, or runs the boot
 * script and powers off with its result.
 *
 * Boot arguments (QEMU -append, `make run BOOTARGS=...`):
 *   quiet            only warnings and errors reach the console
 *   script=PATH      run PATH line by line, then power off; the exit status
 *                    is 0 when every command succeeded, 1 otherwise
 *   modules=far      load modules beyond 2 GiB of the kernel (calls then go
 *                    through the loader's PLT entries)
 */
#include "arch/stack.h"
#include "boot/boot.h"
#include "drivers/poweroff.h"
#include "drivers/virtio.h"
#include "exec/exec.h"
#include "fs/initramfs.h"
#include "fs/vfs.h"
#include "lib/string.h"
#include "module/module.h"
#include "log/printk.h"
#include "sched/hart.h"
#include "sched/thread.h"
#include "shell/shell.h"

/* Harts the boot hart starts (the device tree's, up to MAX_HARTS). */
static int harts_expected(void)
{
	int n = 0;

	for (int i = 0; i < boot_info.nharts; i++)
		n += boot_info.harts[i].hartid < MAX_HARTS;
	return n;
}

int harts_online(void)
{
	int n = 0;

	for (int i = 0; i < MAX_HARTS; i++)
		n += harts[i].online;
	return n;
}

/*
 * Find `key=value` or a bare `key` among the space-separated boot
 * arguments.  Copies the value (or "") into out and returns 1 when found.
 */
static int bootarg(const char *key, char *out, size_t size)
{
	size_t klen = strlen(key);
	const char *p = boot_info.bootargs;

	while (*p) {
		const char *end;

		while (*p == ' ')
			p++;
		end = p;
		while (*end && *end != ' ')
			end++;
		if ((size_t)(end - p) >= klen && strncmp(p, key, klen) == 0 &&
		    (p[klen] == '=' || p + klen == end)) {
			size_t vlen = p[klen] == '=' ? (size_t)(end - p) - klen - 1 : 0;

			if (vlen >= size)
				vlen = size - 1;
			memcpy(out, p + klen + (p[klen] == '='), vlen);
			out[vlen] = '\0';
			return 1;
		}
		p = end;
	}
	return 0;
}

static void mount_root(void)
{
	int err = vfs_mount_root();

	if (err) {
		pr_err("init: cannot mount the root ramfs: %d", err);
		return;
	}
	/* Without an initrd this is (NULL, 0), and warns that the root is empty. */
	uint64_t size = boot_info.initrd_end > boot_info.initrd_start
				? boot_info.initrd_end - boot_info.initrd_start : 0;

	initramfs_unpack(size ? (const void *)(uintptr_t)boot_info.initrd_start : NULL,
			 size);
}

void init_main(void *arg)
{
	struct vfs_cwd cwd;
	char script[128], flag[4];
	int status = 0;

	(void)arg;
	if (bootarg("quiet", flag, sizeof(flag)))
		log_set_console_level(LOG_WARN);
	/* Let the other harts report in (slow on an over-committed host). */
	for (int waited = 0; harts_online() < harts_expected() && waited < 2000;
	     waited += 5)
		thread_sleep_ms(5);
	pr_info("smp: %d of %d harts online", harts_online(), harts_expected());
	exec_init(harts_expected());

	vfs_init();
	if (modules_init(bootarg("modules", flag, sizeof(flag)) && strcmp(flag, "far") == 0))
		pr_err("init: no memory for the module export table");
	mount_root();
	virtio_blk_probe(&boot_info);
	vfs_cwd_init(&cwd);

	if (bootarg("script", script, sizeof(script))) {
		status = shell_run_script(&cwd, script) ? 1 : 0;
	} else {
		kprintf("\nWelcome to Keel. Type 'help' for the commands.\n");
		shell_main(&cwd);
	}
	vfs_cwd_release(&cwd);
	if (vfs_sync_all())
		status = 1;
	pr_info("init: powering off (status %d)", status);
	machine_poweroff(status);
}
