# The QEMU device under qtest (tests/qemu-device/test_qemu_device.py,
# docs/qemu.md): timing mode, the engine worker, resets, DMA into its own
# BAR2, trace points.  Builds QEMU first (cached, qemu-device/build-qemu.sh).
#
# qemu-fuzz: the same harness on a second QEMU built with ASan and UBSan
# (build-qemu.sh --sanitize, cached): the qtest fuzzer for
# CSA_QTEST_FUZZ_SECONDS (default 60, split between pc and q35) and the
# tests that aim the card at its own BARs, unplug it, reset it and FLR it
# while it works.  The first sanitizer report fails it.
.PHONY: qemu-test qemu-fuzz

CSA_QEMU_FUZZ_TESTS = test_qtest_fuzz test_dma_into_own_bar2 test_reset_while_engine_runs \
	test_pcie_endpoint_link_aer_flr test_unplug_and_plug_again

qemu-test: build/rel/tests/csa-sim-replay
	@qemu=$$(qemu-device/build-qemu.sh build/qemu | tail -n 1) && \
		CSA_QEMU=$$qemu CSA_SIM_REPLAY=build/rel/tests/csa-sim-replay \
		/usr/bin/python3 tests/qemu-device/test_qemu_device.py

qemu-fuzz:
	@qemu=$$(qemu-device/build-qemu.sh --sanitize build/qemu-san | tail -n 1) && \
		CSA_QEMU=$$qemu CSA_QTEST_FUZZ_SECONDS=$${CSA_QTEST_FUZZ_SECONDS:-60} \
		/usr/bin/python3 tests/qemu-device/test_qemu_device.py $(CSA_QEMU_FUZZ_TESTS)

# csa-sim-replay: a command list on libaccel's sim backend, for the test
# that QEMU and the sim agree under every board profile (built, not run, by
# make test: it is a helper of qemu-test).
csa-sim-replay_SRCS := tests/qemu-device/sim_replay.c
csa-sim-replay_LIBS := accel
csa-sim-replay_LDLIBS = $(or $(shell pkg-config --libs libdrm 2>/dev/null),-ldrm)
$(eval $(call link_rule,csa-sim-replay,tests))
