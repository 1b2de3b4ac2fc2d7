# accel-quant: float32 checkpoint -> CSA packed model; random test models.
# (Included from bench/build.mk while the top Makefile reads only */build.mk.)
ifndef CSA_MK_ACCEL_QUANT
CSA_MK_ACCEL_QUANT := 1
TOOLS += accel-quant
accel-quant_SRCS := userspace-tools/accel-quant/accel_quant.c
accel-quant_LIBS := csallm accel
accel-quant_LDLIBS = $(ACCEL_LIBDRM_LIBS)
accel_quant_CFLAGS := -Iuserspace-tools/llm-common
endif

ifndef CSA_MK_ACCEL_QUANT_INSTALL
CSA_MK_ACCEL_QUANT_INSTALL := 1
.PHONY: install-accel-quant
install: install-accel-quant
install-accel-quant: $(B)/bin/accel-quant
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(B)/bin/accel-quant $(DESTDIR)$(PREFIX)/bin/
	install -m 644 man/accel-quant.1 $(DESTDIR)$(PREFIX)/share/man/man1/
endif
