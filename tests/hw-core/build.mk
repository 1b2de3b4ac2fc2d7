# Device core (registers, rings, command processor, DMA, interrupts), driven
# through MMIO like a driver.
TEST_BINS += test-hw-core
test-hw-core_SRCS := tests/hw-core/test_hw_core.c tests/hw-core/harness.c
test-hw-core_LIBS := csahw csacommon
test-hw-core_LDLIBS := -lcunit
