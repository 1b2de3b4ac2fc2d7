# The libaccel suite: one binary for every backend (--device / ACCEL_DEVICE).
ifndef TESTS_LIBACCEL_MK
TESTS_LIBACCEL_MK := 1
TEST_BINS += test-libaccel
test-libaccel_SRCS := tests/libaccel/test_libaccel.c
test-libaccel_LIBS := accel
test-libaccel_LDLIBS = -lcunit $(or $(shell pkg-config --libs libdrm 2>/dev/null),-ldrm)
endif
