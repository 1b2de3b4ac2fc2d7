# Devices of the minimal qemu-system-x86_64 for the CSA VM tests: both PC
# machines, the Intel IOMMU, PCIe root ports (hot-plug) and the CSA card.
CONFIG_I440FX=y
CONFIG_Q35=y
CONFIG_VTD=y
CONFIG_PCIE_PORT=y
CONFIG_CSA_ACCEL=y
