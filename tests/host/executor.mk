EXECUTOR_CORE := kernel/exec/task.c kernel/exec/timers.c kernel/exec/timer_heap.c \
	kernel/exec/combinators.c kernel/exec/async_mutex.c tests/host/executor_fake.c
HOST_TESTS += executor
executor_SRCS := $(EXECUTOR_CORE)
HOST_TESTS += executor_combinators
executor_combinators_SRCS := $(EXECUTOR_CORE)
HOST_TESTS += executor_state
executor_state_SRCS :=
HOST_TESTS += executor_timer_heap
executor_timer_heap_SRCS := kernel/exec/timer_heap.c
