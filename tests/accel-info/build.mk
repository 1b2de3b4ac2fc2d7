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

# The on-card suite (tests/accel-info/vm/): not in TEST_BINS, it needs a
# card.  `make accel-info-vm-tests` builds it static for the VM's initramfs:
# build/static/test-accel-info-vm (with build/static/accel-info beside it).
test-accel-info-vm_SRCS := tests/accel-info/vm/test_accel_info_vm.c \
	tests/accel-info/json_reader.c $(ACCEL_INFO_CORE_SRCS)
test-accel-info-vm_LIBS := accel
test-accel-info-vm_LDLIBS = -lcunit $(ACCEL_INFO_PCI_LIBS) $(or $(shell pkg-config --libs libdrm 2>/dev/null),-ldrm)
$(eval $(call link_rule,test-accel-info-vm,tests))

.PHONY: accel-info-vm-tests
accel-info-vm-tests: accel-info-static
	$(MAKE) --no-print-directory -f $(ACCEL_INFO_TOP_MAKEFILE) \
		B=build/static SAN=0 ACCEL_INFO_LIBPCI=0 \
		LDFLAGS="-pthread -static" build/static/tests/test-accel-info-vm
	cp build/static/tests/test-accel-info-vm build/static/test-accel-info-vm
endif
