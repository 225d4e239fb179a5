HOST_TESTS += lineedit
lineedit_SRCS := kernel/shell/lineedit.c kernel/lib/text.c
