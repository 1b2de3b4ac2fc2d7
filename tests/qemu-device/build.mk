# The QEMU device under qtest (tests/qemu-device/test_qemu_device.py,
# docs/qemu.md): timing mode, the engine worker, resets, DMA into its own
# BAR2, trace points.  Builds QEMU first (cached, qemu-device/build-qemu.sh).
.PHONY: qemu-test

qemu-test:
	@qemu=$$(qemu-device/build-qemu.sh build/qemu | tail -n 1) && \
		CSA_QEMU=$$qemu /usr/bin/python3 tests/qemu-device/test_qemu_device.py
