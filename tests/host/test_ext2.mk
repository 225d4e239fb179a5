# ext2's on-disk layer (modules/ext2/ondisk.h), tested on the host against
# images made by mke2fs and judged by e2fsck and debugfs.
EXT2_ONDISK_SRCS := $(addprefix modules/ext2/,message.c super.c group.c \
	bitmap.c inode.c bmap.c dir.c) tests/host/test_ext2_volume.c

HOST_TESTS += ext2_super
ext2_super_SRCS := $(EXT2_ONDISK_SRCS)

HOST_TESTS += ext2_read
ext2_read_SRCS := $(EXT2_ONDISK_SRCS)

HOST_TESTS += ext2_write
ext2_write_SRCS := $(EXT2_ONDISK_SRCS)

HOST_TESTS += ext2_corrupt
ext2_corrupt_SRCS := $(EXT2_ONDISK_SRCS)

HOST_TESTS += ext2_dir
ext2_dir_SRCS := $(EXT2_ONDISK_SRCS)

# The module itself,
# with the kernel's async mutex, ready futures and spinlocks, under a disk
# and an executor of the test's own (test_ext2_harness.c).
EXT2_MODULE_SRCS := $(EXT2_ONDISK_SRCS) $(addprefix modules/ext2/,cache.c disk.c writeback.c \
	alloc.c map.c fs.c vnode.c file.c namei.c rwlock.c) \
	tests/host/test_ext2_harness.c \
	kernel/exec/async_mutex.c kernel/exec/future_ready.c kernel/sync/spinlock_abi.c

HOST_TESTS += ext2_module
ext2_module_SRCS := $(EXT2_MODULE_SRCS)
