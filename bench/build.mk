# Benchmarks of the LLM path.  `make bench` builds the release tree and prints
# tokens/s of the sim backend per weights mode against the CPU fp32 reference.
#
# The top Makefile reads only one level of */build.mk, so the LLM fragments
# one level deeper are pulled in here (each is guarded against a second read).
-include userspace-tools/llm-common/build.mk userspace-tools/accel-llm/build.mk \
	userspace-tools/accel-quant/build.mk tests/llm/build.mk
