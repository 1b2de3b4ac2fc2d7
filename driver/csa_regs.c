// SPDX-License-Identifier: GPL-2.0-only
/*
 * CSA: identity check, soft reset and performance counters (BAR0).
 */
#include <linux/iopoll.h>

#include "csa_drv.h"

#define CSA_RESET_TIMEOUT_US	100000

/* Reading LO latches HI, so a pair must not interleave with another reader. */
u64 csa_read_perf(struct csa_device *cdev, u32 reg)
{
	unsigned long flags;
	u32 lo, hi;

	spin_lock_irqsave(&cdev->perf_lock, flags);
	lo = csa_read(cdev, reg);
	hi = csa_read(cdev, reg + 4);
	spin_unlock_irqrestore(&cdev->perf_lock, flags);
	return (u64)hi << 32 | lo;
}

int csa_regs_check_identity(struct csa_device *cdev)
{
	struct device *dev = &cdev->pdev->dev;
	u32 magic = csa_read(cdev, CSA_REG_MAGIC);
	unsigned int i;
	u32 engines;

	if (magic != CSA_MAGIC) {
		dev_err(dev, "not a CSA device: magic %#010x, expected %#010x\n",
			magic, CSA_MAGIC);
		return -ENODEV;
	}
	cdev->hw_version = csa_read(cdev, CSA_REG_VERSION);
	if (cdev->hw_version >> 16 != CSA_VERSION_MAJOR) {
		dev_err(dev, "unsupported device version %u.%u: this driver knows major %u\n",
			cdev->hw_version >> 16, cdev->hw_version & 0xffff,
			CSA_VERSION_MAJOR);
		return -ENODEV;
	}
	cdev->caps = csa_read(cdev, CSA_REG_CAPS);
	engines = csa_read(cdev, CSA_REG_ENGINES);
	cdev->engines = engines;
	cdev->devmem_size = (u64)csa_read(cdev, CSA_REG_DEVMEM_HI) << 32 |
			    csa_read(cdev, CSA_REG_DEVMEM_LO);
	cdev->clock_khz = csa_read(cdev, CSA_REG_CLOCK_KHZ);
	cdev->dram_mbps = csa_read(cdev, CSA_REG_DRAM_MBPS);
	for (i = 0; i < ARRAY_SIZE(cdev->board_regs); i++)
		cdev->board_regs[i] = csa_read(cdev, CSA_REG_BOARD_ID + 4 * i);
	if (!cdev->devmem_size || !IS_ALIGNED(cdev->devmem_size, PAGE_SIZE)) {
		dev_err(dev, "device memory size %llu is not a non-zero multiple of the page size\n",
			cdev->devmem_size);
		return -ENODEV;
	}

	/* A scratch round trip proves BAR0 is the register file, not a hole. */
	csa_write(cdev, CSA_REG_SCRATCH, 0x5a5aa5a5);
	if (csa_read(cdev, CSA_REG_SCRATCH) != 0x5a5aa5a5) {
		dev_err(dev, "scratch register does not hold its value\n");
		return -EIO;
	}
	csa_write(cdev, CSA_REG_SCRATCH, 0);
	return 0;
}

/* Self-clearing soft reset: rings, interrupts and error state to reset values. */
int csa_regs_soft_reset(struct csa_device *cdev)
{
	u32 ctrl;
	int ret;

	csa_write(cdev, CSA_REG_CONTROL, CSA_CTRL_RESET);
	ret = readl_poll_timeout(cdev->regs + CSA_REG_CONTROL, ctrl,
				 !(ctrl & CSA_CTRL_RESET), 10,
				 CSA_RESET_TIMEOUT_US);
	if (ret)
		drm_err(&cdev->drm, "soft reset did not complete (control %#x)\n",
			ctrl);
	return ret;
}

/* Stop fetching and mask interrupts: the device then leaves host memory alone. */
void csa_regs_disable(struct csa_device *cdev)
{
	csa_set_irq_mask(cdev, CSA_IRQ_CQ | CSA_IRQ_ERROR);
	csa_write(cdev, CSA_REG_CONTROL, 0);
}
