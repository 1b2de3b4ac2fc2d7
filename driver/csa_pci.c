// SPDX-License-Identifier: GPL-2.0-only
/*
 * CSA: PCI probe and removal.  Managed (pcim/devm/drmm) lifetimes keep the
 * error paths short; removal unplugs the DRM device first so every later
 * ioctl fails with -ENODEV while open files keep the drm_device alive.
 */
#include <linux/dma-mapping.h>
#include <linux/pci.h>

#include <drm/drm_drv.h>
#include <drm/drm_managed.h>

#include "csa_compat.h"
#include "csa_drv.h"

/* The QEMU model; a board adds its own vendor:device line (docs/board.md) */
static const struct pci_device_id csa_pci_ids[] = {
	{ PCI_DEVICE(CSA_PCI_VENDOR_ID, CSA_PCI_DEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, csa_pci_ids);

static int csa_map_bars(struct csa_device *cdev)
{
	struct pci_dev *pdev = cdev->pdev;

	if (pci_resource_len(pdev, CSA_BAR_REGS) < CSA_REGS_SIZE) {
		dev_err(&pdev->dev, "BAR%d is %llu bytes, the registers need %u\n",
			CSA_BAR_REGS,
			(u64)pci_resource_len(pdev, CSA_BAR_REGS), CSA_REGS_SIZE);
		return -ENODEV;
	}
	cdev->regs = csa_pcim_iomap(pdev, CSA_BAR_REGS, DRM_CSA_DRIVER_NAME);
	if (IS_ERR(cdev->regs))
		return PTR_ERR(cdev->regs);
	if (!cdev->regs)
		return -ENOMEM;
	return 0;
}

/* BAR2 is used only when the device says it maps all of device memory. */
static void csa_probe_devmem_bar(struct csa_device *cdev)
{
	struct pci_dev *pdev = cdev->pdev;
	resource_size_t len = pci_resource_len(pdev, CSA_BAR_DEVMEM);

	if (!(cdev->caps & CSA_CAP_DEVMEM_BAR))
		return;
	if (!(pci_resource_flags(pdev, CSA_BAR_DEVMEM) & IORESOURCE_MEM) ||
	    len < cdev->devmem_size) {
		dev_warn(&pdev->dev, "CSA_CAP_DEVMEM_BAR set but BAR%d (%llu bytes) does not cover device memory: device BOs not mappable\n",
			 CSA_BAR_DEVMEM, (u64)len);
		return;
	}
	cdev->devmem_bar_start = pci_resource_start(pdev, CSA_BAR_DEVMEM);
	cdev->devmem_bar_len = len;
}

static int csa_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct csa_device *cdev;
	int ret;

	cdev = devm_drm_dev_alloc(&pdev->dev, &csa_drm_driver,
				  struct csa_device, drm);
	if (IS_ERR(cdev))
		return PTR_ERR(cdev);
	cdev->pdev = pdev;
	pci_set_drvdata(pdev, cdev);
	spin_lock_init(&cdev->ring_lock);
	spin_lock_init(&cdev->perf_lock);
	spin_lock_init(&cdev->errlog_lock);
	INIT_LIST_HEAD(&cdev->inflight);
	spin_lock_init(&cdev->jobs_lock);
	INIT_LIST_HEAD(&cdev->jobs);
	atomic64_set(&cdev->seqno, 0);
	csa_fault_init(cdev);

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	pci_set_master(pdev);
	ret = csa_map_bars(cdev);
	if (ret)
		return ret;
	ret = csa_regs_check_identity(cdev);
	if (ret)
		return ret;
	csa_probe_devmem_bar(cdev);

	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (ret)
		ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(32));
	if (ret) {
		dev_err(&pdev->dev, "no usable DMA mask\n");
		return ret;
	}
	/* DMA segments up to 4 GiB - 1 fit a csa_sg_entry length */
	dma_set_max_seg_size(&pdev->dev, U32_MAX);

	ret = csa_ring_alloc(cdev);
	if (ret)
		return ret;
	ret = csa_gem_devmem_init(cdev);
	if (ret)
		return ret;
	ret = csa_reset_init(cdev);
	if (ret)
		return ret;
	ret = csa_sched_init(cdev);
	if (ret)
		return ret;
	ret = csa_clear_init(cdev);
	if (ret)
		return ret;
	ret = csa_coredump_init(cdev);
	if (ret)
		return ret;

	ret = csa_regs_soft_reset(cdev);
	if (ret)
		return ret;
	ret = csa_irq_init(cdev);
	if (ret)
		return ret;
	ret = csa_ring_start(cdev);
	if (ret)
		goto err_irq;
	/*
	 * What slot_reset restores after an AER error: the state the PCI core
	 * saved when it added the device predates pci_enable_device() (on a
	 * hot-added card memory decoding is still off there).
	 */
	pci_save_state(pdev);

	ret = drm_dev_register(&cdev->drm, 0);
	if (ret)
		goto err_disable;
	csa_debugfs_init(cdev);

	drm_info(&cdev->drm, "CSA %u.%u: %llu MiB device memory, caps %#llx, %u-entry rings\n",
		 cdev->hw_version >> 16, cdev->hw_version & 0xffff,
		 cdev->devmem_size >> 20, cdev->caps, cdev->sq.entries);
	return 0;

err_disable:
	csa_regs_disable(cdev);
err_irq:
	csa_irq_fini(cdev);
	return ret;
}

static void csa_remove(struct pci_dev *pdev)
{
	struct csa_device *cdev = pci_get_drvdata(pdev);

	/*
	 * Stop the device first: no job reaches the ring any more, and the
	 * card stops fetching, executing and mastering the bus before
	 * anything it could write is freed.  Only then unplug (ioctls fail
	 * with -ENODEV; waits for hardware sections to end).
	 */
	drm_sched_wqueue_stop(&cdev->sched);
	csa_stop_dma(cdev);
	drm_dev_unplug(&cdev->drm);
	csa_irq_fini(cdev);
	/* an AER recovery that never got to resume() must not block the queue */
	complete(&cdev->pci_reset_go);
	/*
	 * Complete every in-flight job (ABORTED) so waiters wake up; a
	 * recovery that was running is over once this returns, so stop the
	 * device once more in case it had started the rings again.
	 */
	csa_reset_sync(cdev);
	csa_stop_dma(cdev);
	/*
	 * Open files keep BOs and jobs past this point; what the kernel
	 * mapped for the card on their behalf is undone now, while the PCI
	 * device is still bound (DMA-API debug checks exactly that).
	 */
	csa_jobs_free_dma(cdev);
	csa_gem_unmap_host_bos(cdev);
}

/* Reboot and kexec: the next kernel must not find the card writing memory. */
static void csa_shutdown(struct pci_dev *pdev)
{
	struct csa_device *cdev = pci_get_drvdata(pdev);

	if (!cdev)
		return;
	if (cdev->sched_ready)
		drm_sched_wqueue_stop(&cdev->sched);
	csa_stop_dma(cdev);
	csa_irq_sync(cdev);
}

/*
 * Function reset (sysfs "reset", a hypervisor): the rings are lost, so the
 * jobs on them are aborted before and the rings programmed again after.
 */
static void csa_reset_prepare(struct pci_dev *pdev)
{
	csa_pci_reset_begin(pci_get_drvdata(pdev));
}

static void csa_reset_done(struct pci_dev *pdev)
{
	csa_pci_reset_end(pci_get_drvdata(pdev));
}

/* AER: quiesce, let the core reset the link, then start again. */
static pci_ers_result_t csa_error_detected(struct pci_dev *pdev,
					   pci_channel_state_t state)
{
	struct csa_device *cdev = pci_get_drvdata(pdev);

	if (state == pci_channel_io_perm_failure) {
		csa_pci_reset_lost(cdev);
		return PCI_ERS_RESULT_DISCONNECT;
	}
	drm_err(&cdev->drm, "PCI channel error (state %d): resetting\n", state);
	csa_pci_reset_begin(cdev);
	return PCI_ERS_RESULT_NEED_RESET;
}

static pci_ers_result_t csa_slot_reset(struct pci_dev *pdev)
{
	pci_restore_state(pdev);
	pci_save_state(pdev);
	pci_set_master(pdev);
	return PCI_ERS_RESULT_RECOVERED;
}

static void csa_error_resume(struct pci_dev *pdev)
{
	csa_pci_reset_end(pci_get_drvdata(pdev));
}

static const struct pci_error_handlers csa_err_handlers = {
	.error_detected = csa_error_detected,
	.slot_reset = csa_slot_reset,
	.resume = csa_error_resume,
	.reset_prepare = csa_reset_prepare,
	.reset_done = csa_reset_done,
};

struct pci_driver csa_pci_driver = {
	.name = DRM_CSA_DRIVER_NAME,
	.id_table = csa_pci_ids,
	.probe = csa_probe,
	.remove = csa_remove,
	.shutdown = csa_shutdown,
	.err_handler = &csa_err_handlers,
	.dev_groups = csa_sysfs_groups,
	.driver.pm = pm_sleep_ptr(&csa_pm_ops),
};
