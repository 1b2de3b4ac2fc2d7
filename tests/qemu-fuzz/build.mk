# The driverless guest-side test of the QEMU device (identity, rings, errors,
# random-descriptor fuzz).  It needs the card in a VM, so it is not in
# TEST_BINS: tests/vm/ runs build/static/test-qemu-fuzz before csa.ko loads.
#   make qemu-fuzz-static   the static binary for the initramfs
#   (make builds a dynamic copy as a compile check)
QEMU_FUZZ_SRCS := $(wildcard tests/qemu-fuzz/*.c)
QEMU_FUZZ_DEPS := $(QEMU_FUZZ_SRCS) $(wildcard tests/qemu-fuzz/*.h) \
	include/csa/csa_device.h include/uapi/drm/csa_accel.h
QEMU_FUZZ_FLAGS = -std=c11 -O2 -g $(WARN) $(FPFLAGS) $(CPPFLAGS)

.PHONY: qemu-fuzz-static
qemu-fuzz-static: build/static/test-qemu-fuzz

build/static/test-qemu-fuzz: $(QEMU_FUZZ_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(QEMU_FUZZ_FLAGS) -static -o $@ $(QEMU_FUZZ_SRCS) -lcunit

build/rel/tests-vm/test-qemu-fuzz: $(QEMU_FUZZ_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(QEMU_FUZZ_FLAGS) -o $@ $(QEMU_FUZZ_SRCS) -lcunit

ALL_TARGETS += build/rel/tests-vm/test-qemu-fuzz
