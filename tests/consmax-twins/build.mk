# CUnit suite: the committed ConSmax-trained twin of stories260K
# (models/consmax260K) on the sim backend against its softmax twin.
TEST_BINS += test-consmax-twins
test-consmax-twins_SRCS := tests/consmax-twins/test_consmax_twins.c
test-consmax-twins_LIBS := csallm accel
test-consmax-twins_LDLIBS = -lcunit $(ACCEL_LIBDRM_LIBS)
test_consmax_twins_CFLAGS := -Iuserspace-tools/llm-common \
	-DCONSMAX_TWINS_DIR='"$(CURDIR)/models/consmax260K"'
