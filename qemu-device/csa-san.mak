# Devices of the sanitizer QEMU (build-qemu.sh --sanitize) that the qtest
# fuzzer drives: the pc machine (PIIX4 ACPI hot-plug for device_del), q35
# with a PCIe root port (the express endpoint: AER, FLR) and the CSA card.
CONFIG_I440FX=y
CONFIG_Q35=y
CONFIG_PCIE_PORT=y
CONFIG_CSA_ACCEL=y
