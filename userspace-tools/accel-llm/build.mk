# accel-llm: decode text on the accelerator (or the CPU reference).
# (Included from bench/build.mk while the top Makefile reads only */build.mk.)
ifndef CSA_MK_ACCEL_LLM
CSA_MK_ACCEL_LLM := 1
TOOLS += accel-llm
accel-llm_SRCS := userspace-tools/accel-llm/accel_llm.c userspace-tools/accel-llm/trace.c \
	userspace-tools/accel-info/json.c
accel-llm_LIBS := csallm accel
accel-llm_LDLIBS = $(ACCEL_LIBDRM_LIBS)
# The install prefix's model directory ends the search path (llm_paths.h).
trace_CFLAGS := -Iuserspace-tools/llm-common
accel_llm_CFLAGS := -Iuserspace-tools/llm-common -DLLM_MODELS_DIR='"$(PREFIX)/share/csa/models"'
endif
