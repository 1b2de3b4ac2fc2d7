# libFuzzer target for the hardware model (clang; not part of `make all`).
#   make fuzz                    build, then fuzz for FUZZ_TIME seconds
#   make fuzz FUZZ_TIME=600      longer
#   make fuzz-corpus             regenerate the committed seed corpus
# Exits non-zero when the fuzzer finds a crash or a broken invariant; the
# reproducer is left in build/fuzz/ (crash-*).
FUZZ_CC ?= clang
FUZZ_TIME ?= 60
FUZZ_RUNS ?= 5000000
FUZZ_DIR := build/fuzz
FUZZ_FLAGS := -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -fno-omit-frame-pointer \
	-Wall -Wextra -Werror -ffp-contract=off -fno-fast-math -fno-strict-aliasing
FUZZ_SRCS := tests/fuzz/fuzz_hw.c $(wildcard hw/*.c) $(wildcard common/*.c)

.PHONY: fuzz fuzz-corpus

$(FUZZ_DIR)/fuzz-hw: $(FUZZ_SRCS) $(wildcard hw/*.h common/*.h include/csa/*.h include/uapi/drm/*.h tests/fuzz/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(CPPFLAGS) -o $@ $(FUZZ_SRCS) -lm

$(FUZZ_DIR)/gen-corpus: tests/fuzz/gen_corpus.c tests/fuzz/fuzz_ops.h
	@mkdir -p $(dir $@)
	$(CC) -std=c11 $(WARN) $(CPPFLAGS) -o $@ $<

fuzz-corpus: $(FUZZ_DIR)/gen-corpus
	$(FUZZ_DIR)/gen-corpus tests/fuzz/corpus

# New inputs go to build/fuzz/corpus; the committed seeds stay as they are.
fuzz: $(FUZZ_DIR)/fuzz-hw
	@mkdir -p $(FUZZ_DIR)/corpus
	$(FUZZ_DIR)/fuzz-hw -max_total_time=$(FUZZ_TIME) -runs=$(FUZZ_RUNS) \
		-max_len=4096 -timeout=20 -rss_limit_mb=1024 -print_final_stats=1 \
		-artifact_prefix=$(FUZZ_DIR)/ $(FUZZ_DIR)/corpus tests/fuzz/corpus
