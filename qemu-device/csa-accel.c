/* SPDX-License-Identifier: MIT */
/*
 * csa-accel.c - the CSA accelerator card as a QEMU PCI device.
 *
 * A thin shell around the C model in hw/ (csa_hw.h): the model owns the
 * register file, the rings, the command processor and the engines; this
 * file only connects it to QEMU:
 *   BAR0  the register file (csa_hw_mmio_read/write; aligned 32-bit
 *         accesses only, others read 0 and are ignored, as the spec says)
 *   BAR2  the device memory, a RAM region sized by the "devmem" property,
 *         mapped prefetchable (CSA_CAP_DEVMEM_BAR) unless devmem-bar=off
 *   BAR4  MSI-X, two vectors; MSI (one vector) and INTx as fallbacks
 *   DMA   pci_dma_read/pci_dma_write, so it goes through an emulated IOMMU
 *   work  the doorbell only schedules the runner (csa-runner.c): fetch
 *         and completion in a bottom half, engines on a worker thread off
 *         the BQL, completions at modelled time with timing=on.
 * The model's register state is touched under the BQL only; the worker
 * runs the engines on its own copy of the model (csa_hw_execute).
 */
#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/module.h"
#include "qapi/error.h"
#include "hw/pci/pci.h"
#include "hw/pci/msi.h"
#include "hw/pci/msix.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "sysemu/dma.h"
#include "qom/object.h"

#include "csa-accel.h"
#include "trace.h"

/* Size of the host DMA bounce buffer (the model moves at most 64 KiB per
 * transfer; a larger one goes through it in pieces). */
#define CSA_BOUNCE_SIZE (64 * KiB)

/* ---- callbacks the model calls -------------------------------------- */

/* -EFAULT when the injected fault fires: the Nth transfer fails once. */
static int csa_dma_fault(CsaAccelState *s)
{
    s->dma_count++;
    if (s->dma_fault_after && !s->dma_fault_fired &&
        s->dma_count > s->dma_fault_after) {
        s->dma_fault_fired = true;
        qemu_log_mask(LOG_GUEST_ERROR,
                      "csa-accel: injected DMA fault at transfer %" PRIu64
                      "\n", s->dma_count);
        return -EFAULT;
    }
    return 0;
}

static bool csa_in_devmem(CsaAccelState *s, const void *buf, size_t len)
{
    const uint8_t *p = buf, *mem = s->cfg.devmem;

    return p + len > mem && p < mem + s->devmem_size;
}

/* A transfer from or to device memory: through the bounce buffer, since the
 * bus address may be the device's own BAR2 window onto the same bytes. */
static MemTxResult csa_dma_bounced(CsaAccelState *s, uint64_t bus_addr,
                                   uint8_t *buf, size_t len, DMADirection dir)
{
    PCIDevice *pdev = PCI_DEVICE(s);
    MemTxResult res = MEMTX_OK;

    while (len && res == MEMTX_OK) {
        size_t n = MIN(len, CSA_BOUNCE_SIZE);

        if (dir == DMA_DIRECTION_TO_DEVICE) {
            res = pci_dma_read(pdev, bus_addr, s->bounce, n);
            memmove(buf, s->bounce, n);
        } else {
            memmove(s->bounce, buf, n);
            res = pci_dma_write(pdev, bus_addr, s->bounce, n);
        }
        bus_addr += n;
        buf += n;
        len -= n;
    }
    return res;
}

/* One bus-master transfer: the fault injector has its say first, and a
 * failed transfer is logged as the guest's error. */
static int csa_dma_rw(CsaAccelState *s, uint64_t bus_addr, void *buf,
                      size_t len, DMADirection dir)
{
    MemTxResult res;

    if (csa_dma_fault(s)) {
        csa_pcie_dma_error(s);
        return -EFAULT;
    }
    if (csa_in_devmem(s, buf, len)) {
        res = csa_dma_bounced(s, bus_addr, buf, len, dir);
    } else {
        res = pci_dma_rw(PCI_DEVICE(s), bus_addr, buf, len, dir,
                         MEMTXATTRS_UNSPECIFIED);
    }
    trace_csa_dma(dir == DMA_DIRECTION_TO_DEVICE ? "read" : "write",
                  bus_addr, len, res);
    if (res != MEMTX_OK) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "csa-accel: DMA %s of %zu bytes at 0x%" PRIx64
                      " failed\n",
                      dir == DMA_DIRECTION_TO_DEVICE ? "read" : "write",
                      len, bus_addr);
        csa_pcie_dma_error(s);
        return -EFAULT;
    }
    return 0;
}

static int csa_dma_read(void *ctx, uint64_t bus_addr, void *dst, size_t len)
{
    return csa_dma_rw(ctx, bus_addr, dst, len, DMA_DIRECTION_TO_DEVICE);
}

static int csa_dma_write(void *ctx, uint64_t bus_addr, const void *src,
                         size_t len)
{
    /* pci_dma_rw() only reads the buffer in this direction */
    return csa_dma_rw(ctx, bus_addr, (void *)src, len,
                      DMA_DIRECTION_FROM_DEVICE);
}

static bool csa_uses_intx(PCIDevice *pdev)
{
    return !msix_enabled(pdev) && !msi_enabled(pdev);
}

static void csa_update_intx(CsaAccelState *s)
{
    PCIDevice *pdev = PCI_DEVICE(s);

    pci_set_irq(pdev, csa_uses_intx(pdev) && csa_hw_irq_level(&s->hw));
}

static void csa_irq(void *ctx, unsigned int vector)
{
    CsaAccelState *s = ctx;
    PCIDevice *pdev = PCI_DEVICE(s);

    if (msix_enabled(pdev)) {
        if (vector < CSA_MSIX_VECTORS) {
            trace_csa_irq("msix", vector);
            msix_notify(pdev, vector);
        }
    } else if (msi_enabled(pdev)) {
        /* One MSI vector: the handler reads IRQ_STATUS. */
        trace_csa_irq("msi", vector);
        msi_notify(pdev, 0);
    } else {
        trace_csa_irq("intx", vector);
        csa_update_intx(s);
    }
}

static void csa_kick(void *ctx)
{
    csa_runner_kick(ctx);
}

static const struct csa_hw_ops csa_ops = {
    .dma_read = csa_dma_read,
    .dma_write = csa_dma_write,
    .irq = csa_irq,
    .kick = csa_kick,
};

/* The model reports guest mistakes through ERROR_STATUS and the error
 * counter only; turn each new one into a LOG_GUEST_ERROR line. */
static void csa_log_new_errors(CsaAccelState *s)
{
    uint32_t fresh = s->hw.error_status & ~s->logged_error_status;

    if (fresh) {
        trace_csa_error(s->hw.error_status, s->hw.error_info);
        qemu_log_mask(LOG_GUEST_ERROR,
                      "csa-accel: ERROR_STATUS 0x%x (new 0x%x) ERROR_INFO "
                      "0x%x, SQ head %u tail %u\n", s->hw.error_status,
                      fresh, s->hw.error_info, s->hw.sq_head, s->hw.sq_tail);
    }
    s->logged_error_status = s->hw.error_status;
    if (s->hw.ctr.errors != s->logged_errors) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "csa-accel: %" PRIu64 " descriptor(s) completed with "
                      "an error\n", s->hw.ctr.errors - s->logged_errors);
        s->logged_errors = s->hw.ctr.errors;
    }
}

/* ---- BAR0 ------------------------------------------------------------ */

/* The spec allows only aligned 32-bit accesses; anything else reads 0 and
 * is ignored, and is worth a line in the guest-error log. */
static bool csa_mmio_access_ok(hwaddr addr, unsigned size, const char *what)
{
    if (size == 4 && !(addr & 3)) {
        return true;
    }
    qemu_log_mask(LOG_GUEST_ERROR, "csa-accel: %u-byte %s at BAR0+0x%"
                  HWADDR_PRIx " ignored (32-bit aligned accesses only)\n",
                  size, what, addr);
    return false;
}

static uint64_t csa_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    CsaAccelState *s = opaque;

    uint32_t val;

    if (!csa_mmio_access_ok(addr, size, "read")) {
        return 0;
    }
    val = csa_hw_mmio_read(&s->hw, (uint32_t)addr);
    trace_csa_mmio_read(addr, val);
    return val;
}

static void csa_mmio_write(void *opaque, hwaddr addr, uint64_t val,
                           unsigned size)
{
    CsaAccelState *s = opaque;

    if (!csa_mmio_access_ok(addr, size, "write")) {
        return;
    }
    if (addr == CSA_REG_SQ_TAIL || addr == CSA_REG_CQ_HEAD) {
        trace_csa_doorbell(addr == CSA_REG_SQ_TAIL ? "sq-tail" : "cq-head",
                           (uint32_t)val);
    } else {
        trace_csa_mmio_write(addr, (uint32_t)val);
    }
    csa_hw_mmio_write(&s->hw, (uint32_t)addr, (uint32_t)val);
    csa_runner_mmio_done(s);
    /* IRQ_STATUS/IRQ_MASK writes move the INTx level. */
    csa_after_model(s);
}

static const MemoryRegionOps csa_mmio_ops = {
    .read = csa_mmio_read,
    .write = csa_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {
        .min_access_size = 1,
        .max_access_size = 8,
        .unaligned = true,
    },
    .impl = {
        .min_access_size = 1,
        .max_access_size = 8,
        .unaligned = true,
    },
};

void csa_after_model(CsaAccelState *s)
{
    csa_log_new_errors(s);
    csa_update_intx(s);
}

/* ---- life cycle ------------------------------------------------------ */

static void csa_power_on(CsaAccelState *s, Error **errp)
{
    int ret;

    s->dma_count = 0;
    s->dma_fault_fired = false;
    s->logged_error_status = 0;
    s->logged_errors = 0;
    ret = csa_hw_init(&s->hw, &s->cfg, &csa_ops, s);
    if (ret < 0) {
        error_setg(errp, "csa-accel: the model rejected its configuration "
                   "(%d)", ret);
    }
}

static void csa_exit(PCIDevice *pdev)
{
    CsaAccelState *s = CSA_ACCEL(pdev);

    csa_runner_exit(s);
    csa_pcie_exit(s);
    /* a card plugged again registers its device memory under this name */
    vmstate_unregister_ram(&s->devmem, DEVICE(s));
    msi_uninit(pdev);
    msix_uninit_exclusive_bar(pdev);
    g_free(s->bounce);
    s->bounce = NULL;
}

static void csa_realize(PCIDevice *pdev, Error **errp)
{
    CsaAccelState *s = CSA_ACCEL(pdev);
    Error *err = NULL;
    uint8_t *conf = pdev->config;

    if (s->devmem_size < 4 * KiB || s->devmem_size % (4 * KiB)) {
        error_setg(errp, "csa-accel: devmem must be a multiple of 4 KiB");
        return;
    }
    if (s->devmem_bar && !is_power_of_2(s->devmem_size)) {
        error_setg(errp, "csa-accel: devmem must be a power of two when "
                   "mapped by BAR2 (or set devmem-bar=off)");
        return;
    }

    if (s->board) {
        s->cycles.board = csa_hw_board_id(s->board);
        if (!s->cycles.board) {
            error_setg(errp, "csa-accel: unknown board '%s' "
                       "(kcu105, u250, u55c)", s->board);
            return;
        }
    }

    if (!csa_pcie_resolve_link(s, errp)) {
        return;
    }
    pdev->config_write = csa_pcie_write_config;
    if (!csa_pcie_init(s, errp)) {
        return;
    }
    pci_config_set_interrupt_pin(conf, 1);

    memory_region_init_io(&s->regs, OBJECT(s), &csa_mmio_ops, s,
                          "csa-accel.regs", CSA_REGS_SIZE);
    pci_register_bar(pdev, CSA_BAR_REGS, PCI_BASE_ADDRESS_SPACE_MEMORY,
                     &s->regs);

    memory_region_init_ram(&s->devmem, OBJECT(s),
                                     "csa-accel.devmem", s->devmem_size,
                                     &err);
    if (err) {
        error_propagate(errp, err);
        return;
    }
    if (s->devmem_bar) {
        pci_register_bar(pdev, CSA_BAR_DEVMEM,
                         PCI_BASE_ADDRESS_SPACE_MEMORY |
                         PCI_BASE_ADDRESS_MEM_PREFETCH |
                         PCI_BASE_ADDRESS_MEM_TYPE_64, &s->devmem);
    }

    /* MSI-X is optional too (the machine may lack MSI): MSI and INTx
     * remain. */
    if (msix_init_exclusive_bar(pdev, CSA_MSIX_VECTORS, CSA_BAR_MSIX,
                                &err)) {
        qemu_log_mask(LOG_UNIMP, "csa-accel: no MSI-X: %s\n",
                      error_get_pretty(err));
        error_free(err);
        err = NULL;
    } else {
        for (unsigned int v = 0; v < CSA_MSIX_VECTORS; v++) {
            msix_vector_use(pdev, v);
        }
    }
    /* MSI is optional: without it the guest still has MSI-X and INTx. */
    if (msi_init(pdev, 0, 1, true, false, NULL) < 0) {
        qemu_log_mask(LOG_UNIMP, "csa-accel: no MSI on this machine\n");
    }

    memset(&s->cfg, 0, sizeof(s->cfg));
    s->cfg.devmem = memory_region_get_ram_ptr(&s->devmem);
    s->cfg.devmem_size = s->devmem_size;
    s->cfg.devmem_bar = s->devmem_bar;
    s->cfg.fault_hang_after = s->hang_after;
    s->cfg.cycles = s->cycles;

    s->bounce = g_malloc(CSA_BOUNCE_SIZE);
    csa_runner_init(s, &err);
    if (!err) {
        csa_power_on(s, &err);
    }
    if (err) {
        /* realize failed: exit() will not run, undo it here */
        error_propagate(errp, err);
        csa_exit(pdev);
    }
}

/* Bus or system reset: the card powers on again (the PCI core resets the
 * config space, MSI and MSI-X state). */
static void csa_reset(DeviceState *dev)
{
    CsaAccelState *s = CSA_ACCEL(dev);

    csa_runner_reset(s);
    csa_power_on(s, &error_abort);
    csa_update_intx(s);
}

static Property csa_properties[] = {
    DEFINE_PROP_SIZE("devmem", CsaAccelState, devmem_size, 256 * MiB),
    DEFINE_PROP_BOOL("devmem-bar", CsaAccelState, devmem_bar, true),
    /* cycle model: a board profile (docs/board.md), and overrides of
     * its values; 0 takes the profile's value */
    DEFINE_PROP_STRING("board", CsaAccelState, board),

    /* completions at modelled time on QEMU_CLOCK_VIRTUAL */
    DEFINE_PROP_BOOL("timing", CsaAccelState, timing, false),
    /* engines on a worker thread, off the BQL */
    DEFINE_PROP_BOOL("worker", CsaAccelState, worker, true),
    /* Express endpoint capability, AER and FLR when on a PCIe bus */
    DEFINE_PROP_BOOL("pcie", CsaAccelState, pcie, true),
    /* the Express link: generation 1-4 and lanes, 0 = the board's */
    DEFINE_PROP_UINT32("link-gen", CsaAccelState, link_gen, 0),
    DEFINE_PROP_UINT32("link-lanes", CsaAccelState, link_lanes, 0),
    /* overrides of the board profile's cycle-model values; 0 takes
     * the profile's value */
    DEFINE_PROP_UINT32("clock-khz", CsaAccelState, cycles.clock_khz,
                       0),
    DEFINE_PROP_UINT32("dram-mbps", CsaAccelState, cycles.dram_mbps,
                       0),
    DEFINE_PROP_UINT32("bcq-lanes", CsaAccelState, cycles.bcq_lanes,
                       0),
    DEFINE_PROP_UINT32("pim-banks", CsaAccelState, cycles.pim_banks,
                       0),
    DEFINE_PROP_UINT32("pim-macs", CsaAccelState, cycles.pim_macs,
                       0),
    DEFINE_PROP_UINT32("vec-lanes", CsaAccelState, cycles.vec_lanes,
                       0),
    DEFINE_PROP_UINT32("pcie-mbps", CsaAccelState, cycles.pcie_mbps,
                       0),
    /* fault injection: stop fetching after N descriptors (until a reset);
     * fail the DMA transfer after the first N ones (once per reset) */
    DEFINE_PROP_UINT32("hang-after", CsaAccelState, hang_after, 0),
    DEFINE_PROP_UINT32("dma-fault-after", CsaAccelState, dma_fault_after, 0),
    DEFINE_PROP_END_OF_LIST(),
};

/* A hybrid device: the Express capability's config space must exist before
 * realize; csa_pcie_init() drops it again on a conventional bus. */
static void csa_instance_init(Object *obj)
{
    PCI_DEVICE(obj)->cap_present |= QEMU_PCI_CAP_EXPRESS;
}

static void csa_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

    k->realize = csa_realize;
    k->exit = csa_exit;
    k->vendor_id = CSA_PCI_VENDOR_ID;
    k->device_id = CSA_PCI_DEVICE_ID;
    k->revision = CSA_VERSION_MAJOR;
    k->class_id = CSA_PCI_CLASS >> 8;
    dc->desc = "CSA LLM decoding accelerator (ConSmax, ShiftAddLLM, PIM)";
    dc->reset = csa_reset;
    dc->vmsd = &csa_vmstate;
    dc->hotpluggable = true;
    device_class_set_props(dc, csa_properties);
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
}

static void csa_register_types(void)
{
    static InterfaceInfo interfaces[] = {
        { INTERFACE_PCIE_DEVICE },
        { INTERFACE_CONVENTIONAL_PCI_DEVICE },
        { },
    };
    static const TypeInfo csa_info = {
        .name = TYPE_CSA_ACCEL,
        .parent = TYPE_PCI_DEVICE,
        .instance_size = sizeof(CsaAccelState),
        .instance_init = csa_instance_init,
        .class_init = csa_class_init,
        .interfaces = interfaces,
    };

    type_register_static(&csa_info);
}

type_init(csa_register_types)
