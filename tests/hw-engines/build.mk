# Engines of the hardware model vs the golden reference, error statuses,
# numerics accuracy, footprints and cycle model.
TEST_BINS += test-hw-engines
test-hw-engines_SRCS := $(wildcard tests/hw-engines/*.c)
test-hw-engines_LIBS := csahw csacommon
test-hw-engines_LDLIBS := -lcunit
