# libaccel: the application library (static + versioned shared), its
# pkg-config file, `make install`, the CUnit suites of the library and of
# the translation, a static build of the suite for the VM's initramfs, and
# the example built against an installed copy.
#
# libaccel.a / libaccel.so carry the translation (common/) and the hardware
# model (hw/) too, so an application links -laccel alone.

ACCEL_SOVERSION := 1
ACCEL_VERSION := 1.1.0
ACCEL_LIBDRM_LIBS := $(or $(shell pkg-config --libs libdrm 2>/dev/null),-ldrm)

STATIC_LIBS += accel
accel_SRCS = $(wildcard libaccel/*.c) $(csacommon_SRCS) $(csahw_SRCS)

LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
ACCEL_PC_SED = sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(ACCEL_VERSION)|' \
	-e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|'

ACCEL_SO := $(B)/lib/libaccel.so.$(ACCEL_VERSION)
ALL_TARGETS += $(ACCEL_SO) $(B)/lib/pkgconfig/accel.pc

$(ACCEL_SO): $(call objs,$(accel_SRCS)) libaccel/libaccel.map
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -shared -Wl,-soname,libaccel.so.$(ACCEL_SOVERSION) \
		-Wl,--version-script=libaccel/libaccel.map -Wl,--no-undefined \
		-o $@ $(call objs,$(accel_SRCS)) $(ACCEL_LIBDRM_LIBS) -lm
	ln -sf libaccel.so.$(ACCEL_VERSION) $(B)/lib/libaccel.so.$(ACCEL_SOVERSION)
	ln -sf libaccel.so.$(ACCEL_SOVERSION) $(B)/lib/libaccel.so

$(B)/lib/pkgconfig/accel.pc: libaccel/accel.pc.in libaccel/build.mk
	@mkdir -p $(dir $@)
	$(ACCEL_PC_SED) $< > $@

# ---- tests -------------------------------------------------------------
# The suites' own fragments (guarded: the top Makefile may include them too).
include tests/libaccel/build.mk tests/translate/build.mk

# The suite as one static binary (the VM runs it from an initramfs).
.PHONY: static-tests
static-tests:
	$(MAKE) --no-print-directory B=build/static SAN=0 \
		LDFLAGS="-pthread -static" build/static/tests/test-libaccel
	cp build/static/tests/test-libaccel build/static/test-libaccel

# ---- install -----------------------------------------------------------
.PHONY: install-libaccel
install: install-libaccel
install-libaccel: $(B)/lib/libaccel.a $(ACCEL_SO)
	install -d $(DESTDIR)$(INCLUDEDIR)/accel $(DESTDIR)$(INCLUDEDIR)/drm \
		$(DESTDIR)$(LIBDIR)/pkgconfig
	install -m 644 include/accel/accel.h $(DESTDIR)$(INCLUDEDIR)/accel/
	install -m 644 include/uapi/drm/csa_accel.h $(DESTDIR)$(INCLUDEDIR)/drm/
	install -m 644 $(B)/lib/libaccel.a $(DESTDIR)$(LIBDIR)/
	install -m 755 $(ACCEL_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf libaccel.so.$(ACCEL_VERSION) $(DESTDIR)$(LIBDIR)/libaccel.so.$(ACCEL_SOVERSION)
	ln -sf libaccel.so.$(ACCEL_SOVERSION) $(DESTDIR)$(LIBDIR)/libaccel.so
	$(ACCEL_PC_SED) libaccel/accel.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/accel.pc

# ---- the example against an installed copy -----------------------------
# Installs into a throwaway DESTDIR with PREFIX=/usr, relocates the staged
# accel.pc to where the files were staged (what unpacking a package would
# do), builds examples/*.c with nothing but `pkg-config --cflags --libs
# accel`, and runs them on the sim backend against the installed libaccel.so.1.
.PHONY: example-check
EXAMPLE_ROOT := build/example-root
example-check:
	rm -rf $(EXAMPLE_ROOT)
	$(MAKE) --no-print-directory install-libaccel \
		DESTDIR=$(abspath $(EXAMPLE_ROOT)) PREFIX=/usr
	grep -qx 'prefix=/usr' $(EXAMPLE_ROOT)/usr/lib/pkgconfig/accel.pc
	mkdir -p $(EXAMPLE_ROOT)/pc
	sed 's|^prefix=.*|prefix=$(abspath $(EXAMPLE_ROOT))/usr|; s|^libdir=/usr|libdir=$${prefix}|; s|^includedir=/usr|includedir=$${prefix}|' \
		$(EXAMPLE_ROOT)/usr/lib/pkgconfig/accel.pc > $(EXAMPLE_ROOT)/pc/accel.pc
	set -e; export PKG_CONFIG_PATH=$(abspath $(EXAMPLE_ROOT))/pc; \
	for f in examples/*.c; do \
		out=$(EXAMPLE_ROOT)/$$(basename $$f .c); \
		echo "cc $$f \$$(pkg-config --cflags --libs accel)"; \
		cc -Wall -Wextra -Werror -o $$out $$f $$(pkg-config --cflags --libs accel); \
		LD_LIBRARY_PATH=$(abspath $(EXAMPLE_ROOT))/usr/lib ldd $$out | grep -q 'libaccel.so.1 => $(abspath $(EXAMPLE_ROOT))'; \
		LD_LIBRARY_PATH=$(abspath $(EXAMPLE_ROOT))/usr/lib ACCEL_DEVICE=sim ./$$out; \
	done
	@echo "example-check: 1 passed, 0 failed"

# ---- accel.h needs only the project's headers -----------------------------
# Compiled (C99, and C++ when g++ exists) against a copy laid out as `make
# install` lays it out, with no libdrm include path: a sim-only application
# must not need libdrm's drm.h.  Part of `make test`.
ACCEL_H_CHECK_DIR := $(B)/accel-h-check
test-bins: $(ACCEL_H_CHECK_DIR)/ok
$(ACCEL_H_CHECK_DIR)/ok: include/accel/accel.h include/uapi/drm/csa_accel.h
	rm -rf $(ACCEL_H_CHECK_DIR) && mkdir -p $(ACCEL_H_CHECK_DIR)/accel $(ACCEL_H_CHECK_DIR)/drm
	cp include/accel/accel.h $(ACCEL_H_CHECK_DIR)/accel/
	cp include/uapi/drm/csa_accel.h $(ACCEL_H_CHECK_DIR)/drm/
	printf '#include <accel/accel.h>\nint main(void)\n{\n\tstruct drm_csa_counters c;\n\tc.commands = 0;\n\treturn (int)c.commands + (accel_version(0, 0, 0) == 0) + (int)(DRM_IOCTL_CSA_SUBMIT & 0);\n}\n' \
		> $(ACCEL_H_CHECK_DIR)/app.c
	$(CC) -std=c99 -Wall -Wextra -Werror -pedantic -fsyntax-only -I$(ACCEL_H_CHECK_DIR) $(ACCEL_H_CHECK_DIR)/app.c
	if command -v g++ >/dev/null; then g++ -x c++ -Wall -Wextra -Werror -fsyntax-only \
		-I$(ACCEL_H_CHECK_DIR) $(ACCEL_H_CHECK_DIR)/app.c; fi
	touch $@
