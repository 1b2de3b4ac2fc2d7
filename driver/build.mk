# The kernel module csa.ko (driver/ + common/ through the top-level Kbuild).
#   make module        build build/module/csa.ko against KDIR (default: the
#                      Debian 6.12 headers scripts/fetch-kernel.sh caches);
#                      CSA_DEBUG=1 adds the test knobs (irq_mode, sq_entries,
#                      debugfs "inject"): the VM tests build it so
#   make module-check  the same with sparse on every file (C=2), with and
#                      without CSA_DEBUG, then checkpatch.pl --strict over
#                      driver/ (when available)
#   make module-clean
#   make dkms-src      copy the module sources and dkms.conf to
#                      $(DESTDIR)/usr/src/csa-$(CSA_DKMS_VERSION) for DKMS
# Objects go to build/module: the .c files are linked there one by one so
# the source tree stays clean; the Kbuild reads headers from $(CSA_SRC).
MODULE_DIR := build/module
MODULE_W ?= 1
MODULE_C_SRCS = $(wildcard driver/*.c) common/csa_translate.c \
	$(wildcard common/csa_footprint.c)
# checkpatch.pl from linux-source-6.12 (scripts/fetch-kernel.sh --checkpatch)
CHECKPATCH ?=

.PHONY: module module-check module-clean module-stage dkms-src
CSA_DKMS_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)

# Resolve KDIR (and pahole) from the cache unless the caller gave KDIR.
define module_kenv
if [ -n "$(KDIR)" ]; then kdir="$(KDIR)"; pahole="$(PAHOLE)"; else \
	env=$$(scripts/fetch-kernel.sh) || exit 1; \
	kdir=$$(printf '%s\n' "$$env" | sed -n 's/^KDIR=//p'); \
	pahole=$$(printf '%s\n' "$$env" | sed -n 's/^PAHOLE=//p'); fi
endef

module-stage:
	@mkdir -p $(MODULE_DIR)/driver $(MODULE_DIR)/common
	@find $(MODULE_DIR) -name '*.c' -type l -delete
	@for f in $(MODULE_C_SRCS); do ln -sf $(CURDIR)/$$f $(MODULE_DIR)/$$f; done
	@ln -sf $(CURDIR)/Kbuild $(MODULE_DIR)/Kbuild

module: module-stage
	@set -e; $(module_kenv); \
	$(MAKE) -C "$$kdir" M=$(CURDIR)/$(MODULE_DIR) CSA_SRC=$(CURDIR) \
		$${pahole:+PAHOLE=$$pahole} W=$(MODULE_W) \
		$(if $(CSA_DEBUG),CSA_DEBUG=$(CSA_DEBUG)) modules
	@echo "module: $(MODULE_DIR)/csa.ko$(if $(CSA_DEBUG), (CSA_DEBUG=$(CSA_DEBUG)))"

module-check: module-stage
	@set -e; $(module_kenv); : >$(MODULE_DIR)/check.log; \
	for dbg in 1 0; do \
	find $(MODULE_DIR) -name '*.o' -delete; \
	$(MAKE) -C "$$kdir" M=$(CURDIR)/$(MODULE_DIR) CSA_SRC=$(CURDIR) \
		$${pahole:+PAHOLE=$$pahole} W=$(MODULE_W) C=2 CSA_DEBUG=$$dbg \
		CF="-D__CHECK_ENDIAN__" modules 2>&1 | tee -a $(MODULE_DIR)/check.log; \
	done; \
	if grep -E ': (warning|error):' $(MODULE_DIR)/check.log; then \
		echo "module-check: compiler or sparse warnings above"; exit 1; fi; \
	cp=$(CHECKPATCH); \
	if [ -z "$$cp" ]; then cp=$$(scripts/fetch-kernel.sh --checkpatch | sed -n 's/^CHECKPATCH=//p'); fi; \
	if [ -n "$$cp" ] && [ -x "$$cp" ]; then \
		$$cp --strict --no-tree --terse --show-types -f \
			driver/*.c driver/*.h Kbuild; \
		echo "module-check: sparse and checkpatch --strict clean"; \
	else \
		echo "module-check: sparse clean; checkpatch.pl not available (skipped)"; \
	fi

module-clean:
	rm -rf $(MODULE_DIR)

# Only what the Kbuild needs: the top Makefile stays behind, so kbuild reads Kbuild.
dkms-src:
	@set -e; d=$(DESTDIR)/usr/src/csa-$(CSA_DKMS_VERSION); \
	rm -rf $$d; mkdir -p $$d/driver $$d/common $$d/include/uapi/drm $$d/include/csa; \
	cp Kbuild dkms.conf $$d/; \
	cp driver/*.c driver/*.h $$d/driver/; \
	cp $(filter common/%,$(MODULE_C_SRCS)) common/*.h $$d/common/; \
	cp include/uapi/drm/csa_accel.h $$d/include/uapi/drm/; \
	cp include/csa/csa_device.h $$d/include/csa/; \
	echo "dkms-src: $$d (now: dkms install csa/$(CSA_DKMS_VERSION))"
