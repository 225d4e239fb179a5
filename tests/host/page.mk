HOST_TESTS += page
page_SRCS := kernel/mm/page.c
