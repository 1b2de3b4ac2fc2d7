// SPDX-License-Identifier: GPL-2.0-only
/*
 * CSA: system sleep (suspend/resume, hibernation freeze/thaw).
 *
 * Suspend stops the scheduler so no new job reaches the ring, lets the jobs
 * on the ring finish (bounded by the job timeout; what is left then is
 * aborted), and disables the card.  Jobs still queued in entities stay
 * queued.  Resume soft-resets the card, programs the rings again and
 * restarts the scheduler, which then runs the queued jobs.
 *
 * Like a PCI function reset this runs as one work item on the ordered
 * reset queue, split in two around the sleep, so no timeout or RESET runs
 * in between.  Device memory is kept by the soft reset; it survives the
 * sleep as long as the card keeps power (s2idle, the QEMU model).
 */
#include <linux/delay.h>
#include <linux/pm.h>

#include <drm/drm_drv.h>

#include "csa_compat.h"
#include "csa_drv.h"

static bool csa_ring_idle(struct csa_device *cdev)
{
	unsigned long flags;
	bool idle;

	spin_lock_irqsave(&cdev->ring_lock, flags);
	idle = list_empty(&cdev->inflight);
	spin_unlock_irqrestore(&cdev->ring_lock, flags);
	return idle;
}

static void csa_pm_quiesce(struct csa_device *cdev)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(csa_job_timeout_ms);
	int idx;

	/* nothing new reaches the ring; what is on it may finish */
	drm_sched_wqueue_stop(&cdev->sched);
	while (!csa_ring_idle(cdev) && time_before(jiffies, deadline))
		usleep_range(500, 1000);
	drm_sched_stop(&cdev->sched, NULL);
	if (drm_dev_enter(&cdev->drm, &idx)) {
		csa_set_irq_mask(cdev, CSA_IRQ_CQ | CSA_IRQ_ERROR);
		csa_irq_sync(cdev);
		if (!csa_ring_idle(cdev))
			drm_warn(&cdev->drm, "suspend: jobs still on the ring after %u ms: aborted\n",
				 csa_job_timeout_ms);
		csa_abort_inflight(cdev, NULL);
		/* no fetch, no executing descriptor, no DMA while asleep */
		csa_regs_disable(cdev);
		csa_regs_soft_reset(cdev);
		csa_set_irq_mask(cdev, CSA_IRQ_CQ | CSA_IRQ_ERROR);
		drm_dev_exit(idx);
	} else {
		csa_abort_inflight(cdev, NULL);
	}
}

static void csa_pm_restore(struct csa_device *cdev)
{
	int idx;

	if (drm_dev_enter(&cdev->drm, &idx)) {
		bool failed;

		pci_set_master(cdev->pdev);
		failed = csa_regs_soft_reset(cdev) || csa_ring_start(cdev);
		if (failed) {
			csa_regs_disable(cdev);
			drm_err(&cdev->drm, "device did not come back from sleep: wedged, new work refused\n");
		}
		WRITE_ONCE(cdev->wedged, failed);
		drm_dev_exit(idx);
	}
	csa_sched_start(&cdev->sched);
}

static void csa_pm_work(struct work_struct *work)
{
	struct csa_device *cdev = container_of(work, struct csa_device,
					       pm_work);

	csa_pm_quiesce(cdev);
	complete(&cdev->pm_stopped);
	wait_for_completion(&cdev->pm_go);
	csa_pm_restore(cdev);
}

static int csa_pm_suspend(struct device *dev)
{
	struct csa_device *cdev = dev_get_drvdata(dev);

	reinit_completion(&cdev->pm_stopped);
	reinit_completion(&cdev->pm_go);
	queue_work(cdev->reset_wq, &cdev->pm_work);
	wait_for_completion(&cdev->pm_stopped);
	drm_dbg_driver(&cdev->drm, "suspended\n");
	return 0;
}

static int csa_pm_resume(struct device *dev)
{
	struct csa_device *cdev = dev_get_drvdata(dev);

	complete(&cdev->pm_go);
	flush_work(&cdev->pm_work);
	drm_dbg_driver(&cdev->drm, "resumed\n");
	return 0;
}

void csa_pm_init(struct csa_device *cdev)
{
	INIT_WORK(&cdev->pm_work, csa_pm_work);
	init_completion(&cdev->pm_stopped);
	init_completion(&cdev->pm_go);
}

DEFINE_SIMPLE_DEV_PM_OPS(csa_pm_ops, csa_pm_suspend, csa_pm_resume);
