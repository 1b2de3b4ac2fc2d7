# accel-llm: decode text on the accelerator (or the CPU reference).
# (Included from bench/build.mk while the top Makefile reads only */build.mk.)
ifndef CSA_MK_ACCEL_LLM
CSA_MK_ACCEL_LLM := 1
TOOLS += accel-llm
accel-llm_SRCS := userspace-tools/accel-llm/accel_llm.c userspace-tools/accel-llm/project.c \
	userspace-tools/accel-info/json.c
accel-llm_LIBS := csallm accel
accel-llm_LDLIBS = $(ACCEL_LIBDRM_LIBS)
# The default model directory is compiled in ($ACCEL_MODELS overrides it).
accel_llm_CFLAGS := -Iuserspace-tools/llm-common -DLLM_MODELS_DIR='"$(MODELS)"'
# --project writes JSON with accel-info's writer
project_CFLAGS := -Iuserspace-tools/llm-common -Iuserspace-tools/accel-info
endif
