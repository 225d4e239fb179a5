HOST_TESTS += block_request
block_request_SRCS := kernel/drivers/block_request.c
