# The libaccel suite: one binary for every backend (--device / ACCEL_DEVICE).
ifndef TESTS_LIBACCEL_MK
TESTS_LIBACCEL_MK := 1
TEST_BINS += test-libaccel
test-libaccel_SRCS := tests/libaccel/test_libaccel.c
test-libaccel_LIBS := accel
test-libaccel_LDLIBS = -lcunit $(or $(shell pkg-config --libs libdrm 2>/dev/null),-ldrm)
endif

# make bench: the library's own costs (round trip, descriptors/s, upload MB/s).
ifndef TESTS_LIBACCEL_BENCH_MK
TESTS_LIBACCEL_BENCH_MK := 1
BENCH_BINS += bench-libaccel
bench-libaccel_SRCS := tests/libaccel/bench_libaccel.c
bench-libaccel_LIBS := accel
bench-libaccel_LDLIBS = $(or $(shell pkg-config --libs libdrm 2>/dev/null),-ldrm)
.PHONY: bench-libaccel
bench: bench-libaccel
bench-libaccel:
	$(MAKE) --no-print-directory SAN=0 B=build/rel build/rel/bench/bench-libaccel
	build/rel/bench/bench-libaccel
endif
