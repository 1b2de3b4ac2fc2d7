# Micro-benchmark of the GEMV engines (MATVEC_F32, MATVEC_BCQ vector and
# scalar kernels) at the 15M / 110M layer shapes; part of `make bench`,
# or alone: make bench-engines.
BENCH_BINS += bench-engines
bench-engines_SRCS := bench/engines/bench_engines.c
bench-engines_LIBS := csahw csacommon

.PHONY: bench-engines
bench: bench-engines
bench-engines:
	$(MAKE) --no-print-directory SAN=0 B=build/rel build/rel/bench/bench-engines
	build/rel/bench/bench-engines
