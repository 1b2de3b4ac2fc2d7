# accel-info: diagnostics of CSA cards (libpci + libaccel), text and JSON.
# The guard makes a second inclusion harmless: tests/accel-info/build.mk
# includes this file, and a wider wildcard in the top Makefile may too.
ifndef CSA_MK_ACCEL_INFO
CSA_MK_ACCEL_INFO := 1

# ACCEL_INFO_LIBPCI=0 enumerates through sysfs alone (the static build:
# Debian ships no libpci.a).
ACCEL_INFO_LIBPCI ?= 1
ACCEL_INFO_DIR := userspace-tools/accel-info
ACCEL_INFO_CORE_SRCS := $(addprefix $(ACCEL_INFO_DIR)/,json.c names.c \
	pci_decode.c pci_scan.c pci_sysfs.c report.c selftest.c cli.c fdinfo.c \
	query.c)
ifeq ($(ACCEL_INFO_LIBPCI),1)
ACCEL_INFO_CORE_SRCS += $(ACCEL_INFO_DIR)/pci_scan_libpci.c
ACCEL_INFO_PCI_LIBS := $(or $(shell pkg-config --libs libpci 2>/dev/null),-lpci)
else
ACCEL_INFO_CORE_SRCS += $(ACCEL_INFO_DIR)/pci_scan_nolibpci.c
ACCEL_INFO_PCI_LIBS :=
endif

TOOLS += accel-info
accel-info_SRCS := $(ACCEL_INFO_CORE_SRCS) $(ACCEL_INFO_DIR)/main.c
accel-info_LIBS := accel
accel-info_LDLIBS = $(ACCEL_INFO_PCI_LIBS) $(or $(shell pkg-config --libs libdrm 2>/dev/null),-ldrm)

# One static binary for the VM's initramfs: build/static/accel-info.
# Debian has no libpci.a (nor libudev.a), so this build enumerates through
# sysfs (pci_scan_nolibpci.c); everything else is the same code.
ACCEL_INFO_TOP_MAKEFILE := $(firstword $(MAKEFILE_LIST))
.PHONY: accel-info-static
accel-info-static:
	$(MAKE) --no-print-directory -f $(ACCEL_INFO_TOP_MAKEFILE) \
		B=build/static SAN=0 ACCEL_INFO_LIBPCI=0 \
		LDFLAGS="-pthread -static" build/static/bin/accel-info
	cp build/static/bin/accel-info build/static/accel-info

.PHONY: install-accel-info
install: install-accel-info
install-accel-info: $(B)/bin/accel-info
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(B)/bin/accel-info $(DESTDIR)$(PREFIX)/bin/
	install -m 644 man/accel-info.1 $(DESTDIR)$(PREFIX)/share/man/man1/

endif
