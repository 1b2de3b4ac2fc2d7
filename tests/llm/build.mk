# CUnit suite of the LLM path: loaders, tokenizer, CPU reference, the
# accelerator decoder on the sim backend, quantizer, packed files, quality.
# (Included from bench/build.mk while the top Makefile reads only */build.mk.)
ifndef CSA_MK_TEST_LLM
CSA_MK_TEST_LLM := 1
TEST_BINS += test-llm
test-llm_SRCS := tests/llm/test_llm.c tests/common/models_fixture.c
models_fixture_CFLAGS := -DLLM_MODELS_DIR='"$(MODELS)"'
test-llm_LIBS := csallm accel
test-llm_LDLIBS = -lcunit $(ACCEL_LIBDRM_LIBS)
test_llm_CFLAGS := -Iuserspace-tools/llm-common -DLLM_MODELS_DIR='"$(MODELS)"'
endif
