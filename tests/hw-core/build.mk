# Device core (registers, rings, command processor, DMA, interrupts), driven
# through MMIO like a driver.
TEST_BINS += test-hw-core
test-hw-core_SRCS := tests/hw-core/test_hw_core.c tests/hw-core/harness.c
test-hw-core_LIBS := csahw csacommon
test-hw-core_LDLIBS := -lcunit
# The two engine queues' timeline (hw/timeline.c): alone, and through MMIO.
TEST_BINS += test-timeline
test-timeline_SRCS := tests/hw-core/test_timeline.c tests/hw-core/harness.c
test-timeline_LIBS := csahw csacommon
test-timeline_LDLIBS := -lcunit
