# llm-common: model/tokenizer loading, CPU reference decoder, sampling, BCQ
# quantizer, ConSmax calibration, packed model files, evaluation and the
# accelerator decoder; shared by accel-llm, accel-quant, tests and bench.
# (Included from bench/build.mk while the top Makefile reads only */build.mk.)
ifndef CSA_MK_LLM_COMMON
CSA_MK_LLM_COMMON := 1
STATIC_LIBS += csallm
csallm_SRCS := $(wildcard userspace-tools/llm-common/*.c)
endif
