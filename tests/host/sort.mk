HOST_TESTS += sort
sort_SRCS := kernel/lib/sort.c
