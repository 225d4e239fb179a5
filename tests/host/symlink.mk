# Symbolic links in the VFS, on the ramfs root (tests/host/test_symlink.c).
HOST_TESTS += symlink
symlink_SRCS := kernel/fs/fstype.c kernel/fs/fsops.c kernel/fs/node.c kernel/fs/mount.c kernel/fs/path.c kernel/fs/dir.c kernel/fs/file.c kernel/fs/ramfs.c $(RAMFS_CORE_C) kernel/sync/spinlock_abi.c kernel/lib/text.c tests/host/block_on_host.c kernel/exec/future_ready.c
