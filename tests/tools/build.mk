# CUnit suite of the tools as a user meets them: runs the built accel-quant,
# accel-llm and accel-info binaries (hostile input, full disk, closed pipe,
# file size limit) plus the llm-common pieces they rest on.
ifndef CSA_MK_TEST_TOOLS
CSA_MK_TEST_TOOLS := 1
TEST_BINS += test-tools
test-tools_SRCS := tests/tools/test_tools.c tests/accel-info/json_reader.c
test-tools_LIBS := csallm accel
test-tools_LDLIBS = -lcunit $(ACCEL_LIBDRM_LIBS)
test_tools_CFLAGS := -Iuserspace-tools/llm-common -DTOOLS_BIN_DIR='"$(abspath $(B))/bin"' \
	-DSRC_DIR='"$(abspath .)"'
# The binaries under test (order-only: not linked in).
$(B)/tests/test-tools: | $(B)/bin/accel-quant $(B)/bin/accel-llm $(B)/bin/accel-info
endif
