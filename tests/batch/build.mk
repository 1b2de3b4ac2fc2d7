# CUnit suite of batched decoding: several sequences in one batch step give
# each the tokens it gets alone (greedy and seeded sampling), on stories260K
# and on a random BCQ + ConSmax model; lists split at the device's limit;
# the batch projection of `make bench` prices exactly what the sim runs.
TEST_BINS += test-batch
test-batch_SRCS := tests/batch/test_batch.c
test-batch_LIBS := csallm accel
test-batch_LDLIBS = -lcunit $(ACCEL_LIBDRM_LIBS)
test_batch_CFLAGS := -Iuserspace-tools/llm-common -DLLM_MODELS_DIR='"$(MODELS)"'
