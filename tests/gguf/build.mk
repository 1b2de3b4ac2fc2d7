# CUnit suite of the GGUF reader: stories260K written as GGUF by the test's
# own writer (f32, f16, bf16, q8_0), read back, decoded token for token;
# hostile files; accel-llm / accel-quant on a GGUF.  Needs MODELS.
ifndef CSA_MK_TEST_GGUF
CSA_MK_TEST_GGUF := 1
TEST_BINS += test-gguf
test-gguf_SRCS := tests/gguf/test_gguf.c tests/common/models_fixture.c
models_fixture_CFLAGS := -DLLM_MODELS_DIR='"$(MODELS)"'
test-gguf_LIBS := csallm accel
test-gguf_LDLIBS = -lcunit $(ACCEL_LIBDRM_LIBS)
test_gguf_CFLAGS := -Iuserspace-tools/llm-common -DLLM_MODELS_DIR='"$(MODELS)"' \
	-DTOOLS_BIN_DIR='"$(abspath $(B))/bin"'
$(B)/tests/test-gguf: | $(B)/bin/accel-quant $(B)/bin/accel-llm
endif
