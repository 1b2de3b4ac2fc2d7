# Batch benchmark (issue 16): aggregate tokens/s for batch 1, 4, 16, 64 on
# every board profile, measured on the sim (accel-llm --batch) and projected
# by the device's cycle model and two-queue timeline: one queue in turn against
# two interleaved sub-batches.  Part of `make bench`, or alone: make bench-batch.
BENCH_BINS += bench-batch
bench-batch_SRCS := bench/batch/bench_batch.c
bench-batch_LIBS := csallm accel
bench-batch_LDLIBS = $(ACCEL_LIBDRM_LIBS)
bench_batch_CFLAGS := -Iuserspace-tools/llm-common

.PHONY: bench-batch
bench: bench-batch
bench-batch:
	$(MAKE) --no-print-directory SAN=0 B=build/rel build/rel/bench/bench-batch build/rel/bin/accel-llm build/rel/bin/accel-quant
	bench/batch/batch-bench.sh build/rel "$(MODELS)"
