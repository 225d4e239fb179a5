HOST_TESTS += page
page_SRCS := kernel/mm/page.c
page_NO_SHIM := 1
