/* SPDX-License-Identifier: MIT */
/*
 * csa-pcie.c - the CSA card's PCI Express face.  On a PCIe bus (q35's root
 * complex, a root port) the function carries an Express endpoint capability
 * (v2) with its link (gen3 x4, what the cycle model's default pcie-mbps of
 * 3200 MB/s stands for), Advanced Error Reporting, and Function Level Reset
 * (DEVCAP.FLR: a write of DEVCTL.BCR_FLR resets the function like a bus
 * reset).  On a conventional PCI bus (pc) it stays a plain PCI function.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "hw/pci/pci.h"
#include "hw/pci/pci_bus.h"
#include "hw/pci/pcie.h"
#include "hw/pci/pcie_aer.h"

#include "csa-accel.h"

/* Extended configuration space: AER first. */
#define CSA_AER_OFFSET 0x100

static void csa_pcie_set_link(PCIDevice *pdev)
{
    uint8_t *exp = pdev->config + pdev->exp.exp_cap;

    pci_long_test_and_clear_mask(exp + PCI_EXP_LNKCAP,
                                 PCI_EXP_LNKCAP_MLW | PCI_EXP_LNKCAP_SLS);
    pci_long_test_and_set_mask(exp + PCI_EXP_LNKCAP,
                               QEMU_PCI_EXP_LNKCAP_MLW(QEMU_PCI_EXP_LNK_X4) |
                               QEMU_PCI_EXP_LNKCAP_MLS(QEMU_PCI_EXP_LNK_8GT));
    /* Linux reads the maximum speed from the supported-speeds vector */
    pci_long_test_and_set_mask(exp + PCI_EXP_LNKCAP2,
                               PCI_EXP_LNKCAP2_SLS_2_5GB |
                               PCI_EXP_LNKCAP2_SLS_5_0GB |
                               PCI_EXP_LNKCAP2_SLS_8_0GB);
    /* the trained link: QEMU has no link training, the endpoint's own */
    pci_word_test_and_clear_mask(exp + PCI_EXP_LNKSTA,
                                 PCI_EXP_LNKSTA_CLS | PCI_EXP_LNKSTA_NLW);
    pci_word_test_and_set_mask(exp + PCI_EXP_LNKSTA,
                               QEMU_PCI_EXP_LNKSTA_NLW(QEMU_PCI_EXP_LNK_X4) |
                               QEMU_PCI_EXP_LNKSTA_CLS(QEMU_PCI_EXP_LNK_8GT));
}

bool csa_pcie_init(CsaAccelState *s, Error **errp)
{
    PCIDevice *pdev = PCI_DEVICE(s);

    if (!s->pcie || !pci_bus_is_express(pci_get_bus(pdev))) {
        pdev->cap_present &= ~QEMU_PCI_CAP_EXPRESS;
        return true;
    }
    if (pcie_endpoint_cap_init(pdev, 0) < 0) {
        error_setg(errp, "csa-accel: no room for the PCIe capability");
        return false;
    }
    pcie_cap_deverr_init(pdev);
    pcie_cap_flr_init(pdev);
    if (pci_bus_is_root(pci_get_bus(pdev))) {
        /* a root-complex integrated endpoint has no link of its own */
    } else {
        csa_pcie_set_link(pdev);
    }
    if (pcie_aer_init(pdev, PCI_ERR_VER, CSA_AER_OFFSET, PCI_ERR_SIZEOF,
                      errp) < 0) {
        pcie_cap_exit(pdev);
        return false;
    }
    return true;
}

void csa_pcie_exit(CsaAccelState *s)
{
    PCIDevice *pdev = PCI_DEVICE(s);

    if (pci_is_express(pdev) && pdev->exp.exp_cap) {
        pcie_aer_exit(pdev);
        pcie_cap_exit(pdev);
    }
}

void csa_pcie_write_config(PCIDevice *pdev, uint32_t addr, uint32_t val,
                           int len)
{
    pci_default_write_config(pdev, addr, val, len);
    if (pci_is_express(pdev) && pdev->exp.exp_cap) {
        pcie_cap_flr_write_config(pdev, addr, val, len);
    }
}
