HOST_TESTS += ringbuf
ringbuf_SRCS := kernel/lib/ringbuf.c
