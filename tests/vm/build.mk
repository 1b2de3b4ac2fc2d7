# The QEMU VM test of the whole stack (tests/vm/run-vm-test.sh, docs/qemu.md).
#   make qemu       qemu-system-x86_64 with -device csa-accel -> build/qemu/
#                   (qemu-device/build-qemu.sh; cached under ~/.cache/csa)
#   make vm-test    QEMU, kernel, csa.ko, the static guest programs, an
#                   initramfs, one TCG boot; console log in build/vm/
#   make vm-test-debug  the same boots (but migrate) on the debug kernel
#                   (scripts/build-debug-kernel.sh, cached under ~/.cache/csa)
#                   with the guest ioctl fuzzer, the reset stress and a
#                   kmemleak scan; fails on any KASAN/lockdep/WARNING report;
#                   console logs in build/vm-debug/
#   make debug-kernel   only build (or find cached) the debug kernel
#   make accel-llm-static   accel-llm as one static binary for the guest
#                   (build/static-vm/bin/accel-llm)
.PHONY: qemu vm-test vm-test-debug debug-kernel accel-llm-static

qemu:
	qemu-device/build-qemu.sh build/qemu

vm-test:
	MODELS="$(MODELS)" tests/vm/run-vm-test.sh

vm-test-debug:
	MODELS="$(MODELS)" CSA_VM_DEBUG=1 tests/vm/run-vm-test.sh

debug-kernel:
	scripts/build-debug-kernel.sh

# Its own build directory: the host's sim run and the VM's device run must
# use one binary built from the sources the QEMU device was built from.
accel-llm-static:
	$(MAKE) --no-print-directory B=build/static-vm SAN=0 \
		LDFLAGS="-pthread -static" build/static-vm/bin/accel-llm
