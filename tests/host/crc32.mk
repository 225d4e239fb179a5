HOST_TESTS += crc32
crc32_SRCS := kernel/lib/crc32.c
