# Benchmarks of the LLM path.  `make bench` builds the release tree and prints
# tokens/s of the sim backend per weights mode against the CPU fp32 reference
# and this CPU's single-core read-bandwidth bound (bench-membw), on
# stories260K and random 15M / 110M shapes, then the cycle model's
# projections per board profile (bench/llm-bench.sh).
#
# The top Makefile reads only one level of */build.mk, so the LLM fragments
# one level deeper are pulled in here (each is guarded against a second read).
-include userspace-tools/llm-common/build.mk userspace-tools/accel-llm/build.mk \
	userspace-tools/accel-quant/build.mk tests/llm/build.mk

.PHONY: bench-llm
bench: bench-llm
bench-llm:
	$(MAKE) --no-print-directory SAN=0 B=build/rel build/rel/bin/accel-llm build/rel/bin/accel-quant \
		build/rel/bench/bench-membw
	bench/llm-bench.sh build/rel/bin "$(MODELS)" build/rel/bench/bench-membw
