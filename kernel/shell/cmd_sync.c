/*
 * cmd_sync.c - the `sync` command: write every mounted filesystem back.
 *
 * As on Linux, `sync` asks each mounted filesystem to write its dirty
 * data and metadata to its device and waits until they have: after it, a
 * machine that loses power (or panics) leaves every volume as consistent
 * as an unmount would, except that the volume still says it is mounted
 * (ext2's "not clean" state), which e2fsck notes but does not count as
 * damage.  The work is the filesystem type's `sync` operation
 * (keel_fs_type.sync, <keel/vfs.h>), run for each mount by vfs_sync_all;
 * a type without one (ramfs keeps everything in memory) has nothing to
 * write.  Like Linux's, the command prints nothing when all went well.
 */
#include <keel/errno.h>

#include "fs/vfs.h"
#include "lib/string.h"
#include "shell/shell.h"

static int cmd_sync(struct shell *sh, int argc, char **argv)
{
	int err;

	(void)argv;
	if (argc != 1)
		return sh_error(sh, "sync", "takes no arguments");
	err = vfs_sync_all();
	if (err)
		return sh_errno(sh, "sync", "writing back", err);
	return 0;
}
SHELL_COMMAND(sync, "sync", "write every mounted filesystem back to its device",
	      cmd_sync);
