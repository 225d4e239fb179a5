HOST_TESTS += parse
parse_SRCS := kernel/shell/parse.c
