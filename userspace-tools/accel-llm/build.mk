# accel-llm: decode text on the accelerator (or the CPU reference).
# (Included from bench/build.mk while the top Makefile reads only */build.mk.)
ifndef CSA_MK_ACCEL_LLM
CSA_MK_ACCEL_LLM := 1
TOOLS += accel-llm
accel-llm_SRCS := userspace-tools/accel-llm/accel_llm.c userspace-tools/accel-llm/trace.c \
	userspace-tools/accel-llm/batch_run.c userspace-tools/accel-llm/project.c \
	userspace-tools/accel-info/json.c
accel-llm_LIBS := csallm accel
accel-llm_LDLIBS = $(ACCEL_LIBDRM_LIBS)
# The install prefix's model directory ends the search path (llm_paths.h).
trace_CFLAGS := -Iuserspace-tools/llm-common
batch_run_CFLAGS := -Iuserspace-tools/llm-common
# --project writes JSON with accel-info's writer
project_CFLAGS := -Iuserspace-tools/llm-common -Iuserspace-tools/accel-info
accel_llm_CFLAGS := -Iuserspace-tools/llm-common -DLLM_MODELS_DIR='"$(PREFIX)/share/csa/models"'
# A stamp named after PREFIX: `make install PREFIX=/usr` after a plain
# `make` recompiles the directory in.
ACCEL_LLM_PREFIX_STAMP := $(B)/accel-llm-prefix$(subst /,_,$(PREFIX))
$(ACCEL_LLM_PREFIX_STAMP):
	@mkdir -p $(dir $@) && rm -f $(B)/accel-llm-prefix* && touch $@
$(B)/obj/userspace-tools/accel-llm/accel_llm.o: $(ACCEL_LLM_PREFIX_STAMP)
endif

# make install: the tool, its man page, and the model directory that ends
# the search path ($(PREFIX)/share/csa/models), with stories260K.bin and
# tok512.bin copied from MODELS when the build has them.
ifndef CSA_MK_ACCEL_LLM_INSTALL
CSA_MK_ACCEL_LLM_INSTALL := 1
.PHONY: install-accel-llm
install: install-accel-llm
install-accel-llm: $(B)/bin/accel-llm
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/csa/models
	install -m 755 $(B)/bin/accel-llm $(DESTDIR)$(PREFIX)/bin/
	install -m 644 man/accel-llm.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	for f in stories260K.bin tok512.bin; do \
		if [ -n "$(MODELS)" ] && [ -f "$(MODELS)/$$f" ]; then \
			install -m 644 "$(MODELS)/$$f" $(DESTDIR)$(PREFIX)/share/csa/models/; fi; \
	done
endif
