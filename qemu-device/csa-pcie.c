/* SPDX-License-Identifier: MIT */
/*
 * csa-pcie.c - the CSA card's PCI Express face.  On a PCIe bus (q35's root
 * complex, a root port) the function carries an Express endpoint capability
 * (v2) with its link (the link-gen and link-lanes properties, by default
 * the board profile's: u250 gen3 x16), Advanced Error Reporting (a failed
 * bus-master transfer is reported as an Unsupported Request, advisory
 * non-fatal), and Function Level Reset (DEVCAP.FLR: a write of
 * DEVCTL.BCR_FLR resets the function like a bus reset).  On a conventional
 * PCI bus (pc) it stays a plain PCI function.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "hw/pci/pci.h"
#include "hw/pci/pci_bus.h"
#include "hw/pci/pcie.h"
#include "hw/pci/pcie_aer.h"

#include "csa-accel.h"

/* Static in QEMU 7.2's hw/pci/pcie_aer.c, exported by build-qemu.sh (QEMU
 * 8.0 exports it itself). */
int pcie_aer_inject_error(PCIDevice *dev, const PCIEAERErr *err);

/* Extended configuration space: AER first. */
#define CSA_AER_OFFSET 0x100

/* link-gen and link-lanes, 0 taking the board profile's: valid values or
 * an error. */
bool csa_pcie_resolve_link(CsaAccelState *s, Error **errp)
{
    uint32_t gen, lanes;

    if (!csa_hw_board_link(s->cycles.board, &gen, &lanes)) {
        error_setg(errp, "csa-accel: board %u has no profile", s->cycles.board);
        return false;
    }
    if (!s->link_gen) {
        s->link_gen = gen;
    }
    if (!s->link_lanes) {
        s->link_lanes = lanes;
    }
    if (s->link_gen < 1 || s->link_gen > 4) {
        error_setg(errp, "csa-accel: link-gen must be 1-4 (2.5, 5, 8 or "
                   "16 GT/s), not %u", s->link_gen);
        return false;
    }
    switch (s->link_lanes) {
    case 1: case 2: case 4: case 8: case 12: case 16: case 32:
        return true;
    default:
        error_setg(errp, "csa-accel: link-lanes must be 1, 2, 4, 8, 12, 16 "
                   "or 32, not %u", s->link_lanes);
        return false;
    }
}

static void csa_pcie_set_link(CsaAccelState *s)
{
    PCIDevice *pdev = PCI_DEVICE(s);
    uint8_t *exp = pdev->config + pdev->exp.exp_cap;
    /* PCIExpLinkSpeed counts generations from 1, PCIExpLinkWidth lanes */
    PCIExpLinkSpeed speed = (PCIExpLinkSpeed)s->link_gen;
    PCIExpLinkWidth width = (PCIExpLinkWidth)s->link_lanes;
    uint32_t sls = 0;

    pci_long_test_and_clear_mask(exp + PCI_EXP_LNKCAP,
                                 PCI_EXP_LNKCAP_MLW | PCI_EXP_LNKCAP_SLS);
    pci_long_test_and_set_mask(exp + PCI_EXP_LNKCAP,
                               QEMU_PCI_EXP_LNKCAP_MLW(width) |
                               QEMU_PCI_EXP_LNKCAP_MLS(speed));
    /* Linux reads the maximum speed from the supported-speeds vector:
     * every generation up to the link's */
    for (uint32_t g = 1; g <= s->link_gen; g++) {
        sls |= PCI_EXP_LNKCAP2_SLS_2_5GB << (g - 1);
    }
    pci_long_test_and_clear_mask(exp + PCI_EXP_LNKCAP2, 0xfe);  /* SLS */
    pci_long_test_and_set_mask(exp + PCI_EXP_LNKCAP2, sls);
    /* the trained link: QEMU has no link training, the endpoint's own */
    pci_word_test_and_clear_mask(exp + PCI_EXP_LNKSTA,
                                 PCI_EXP_LNKSTA_CLS | PCI_EXP_LNKSTA_NLW);
    pci_word_test_and_set_mask(exp + PCI_EXP_LNKSTA,
                               QEMU_PCI_EXP_LNKSTA_NLW(width) |
                               QEMU_PCI_EXP_LNKSTA_CLS(speed));
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
        csa_pcie_set_link(s);
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
        pcie_aer_write_config(pdev, addr, val, len);
    }
}

/*
 * A bus-master transfer failed (no memory there, an IOMMU fault, the
 * dma-fault-after injection).  A requester that receives an Unsupported
 * Request completion logs UR and, the error being non-fatal by default
 * severity, signals it as an Advisory Non-Fatal Error (a correctable error
 * message, ERR_COR): the guest's AER driver logs it and recovers nothing,
 * since the command already failed with DMA_FAULT (docs/device-spec.md).
 * UNCOR_SEVER set to fatal for UR makes it an uncorrectable fatal error.
 */
void csa_pcie_dma_error(CsaAccelState *s)
{
    PCIDevice *pdev = PCI_DEVICE(s);
    PCIEAERErr err = {
        .status = PCI_ERR_UNC_UNSUP,
        .source_id = pci_requester_id(pdev),
        .flags = PCIE_AER_ERR_MAYBE_ADVISORY,
    };

    if (pci_is_express(pdev) && pdev->exp.aer_cap) {
        pcie_aer_inject_error(pdev, &err);
    }
}
