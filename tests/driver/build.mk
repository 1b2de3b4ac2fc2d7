# User-space CUnit suite of the driver's ring arithmetic (make test).
TEST_BINS += test-driver-ring
test-driver-ring_SRCS := tests/driver/test_ring_math.c
test-driver-ring_LDLIBS := -lcunit

# VM-side behaviour tests of csa.ko (tests/driver/driver-tests.c).  They need
# the card (QEMU VM), so they are not in TEST_BINS: the VM harness runs
# build/static/test-driver, built static for its initramfs by
#   make driver-tests-static
# `make driver-tests` builds the same program dynamically (a compile check).
DRIVER_TESTS_SRC := tests/driver/driver-tests.c
DRIVER_TESTS_FLAGS = -std=c11 -O2 -g -pthread $(WARN) -Iinclude/uapi -Iinclude \
	$(shell pkg-config --cflags libdrm 2>/dev/null)

.PHONY: driver-tests driver-tests-static
driver-tests: build/rel/tests-vm/test-driver
driver-tests-static: build/static/test-driver

build/rel/tests-vm/test-driver: $(DRIVER_TESTS_SRC) include/uapi/drm/csa_accel.h
	@mkdir -p $(dir $@)
	$(CC) $(DRIVER_TESTS_FLAGS) -o $@ $< -lcunit

build/static/test-driver: $(DRIVER_TESTS_SRC) include/uapi/drm/csa_accel.h
	@mkdir -p $(dir $@)
	$(CC) $(DRIVER_TESTS_FLAGS) -static -o $@ $< -lcunit

ALL_TARGETS += build/rel/tests-vm/test-driver

# The guest ioctl fuzzer and reset stress (tests/driver/ioctl-fuzz.c), run
# by `make vm-test-debug` inside the VM on the debug kernel.
IOCTL_FUZZ_SRC := tests/driver/ioctl-fuzz.c
.PHONY: ioctl-fuzz-static
ioctl-fuzz-static: build/static/test-ioctl-fuzz

build/static/test-ioctl-fuzz: $(IOCTL_FUZZ_SRC) include/uapi/drm/csa_accel.h
	@mkdir -p $(dir $@)
	$(CC) $(DRIVER_TESTS_FLAGS) -static -o $@ $<

build/rel/tests-vm/test-ioctl-fuzz: $(IOCTL_FUZZ_SRC) include/uapi/drm/csa_accel.h
	@mkdir -p $(dir $@)
	$(CC) $(DRIVER_TESTS_FLAGS) -o $@ $<

ALL_TARGETS += build/rel/tests-vm/test-ioctl-fuzz
