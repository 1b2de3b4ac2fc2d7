# CUnit suite of accel-info: JSON writer, PCI decoders and enumerators (on
# constructed sysfs trees), the report, the self-test and the exit codes on
# the sim backend.
ifndef CSA_MK_TEST_ACCEL_INFO
CSA_MK_TEST_ACCEL_INFO := 1
include userspace-tools/accel-info/build.mk

TEST_BINS += test-accel-info
test-accel-info_SRCS := $(wildcard tests/accel-info/*.c) $(ACCEL_INFO_CORE_SRCS)
test-accel-info_LIBS := accel
test-accel-info_LDLIBS = -lcunit $(ACCEL_INFO_PCI_LIBS) $(or $(shell pkg-config --libs libdrm 2>/dev/null),-ldrm)

endif
