HOST_TESTS += kmalloc
kmalloc_SRCS := kernel/mm/kmalloc.c kernel/mm/page.c
