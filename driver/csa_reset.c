// SPDX-License-Identifier: GPL-2.0-only
/*
 * CSA: recovery.  A job timeout, DRM_IOCTL_CSA_RESET and device removal
 * all end here, always on the ordered reset workqueue (the scheduler's
 * timeout queue too), so two recoveries never overlap.
 */
#include <drm/drm_drv.h>
#include <drm/drm_managed.h>

#include "csa_compat.h"
#include "csa_drv.h"

/* Complete every job the device holds: @bad timed out, the rest aborted. */
static void csa_abort_inflight(struct csa_device *cdev,
			       struct drm_sched_job *bad)
{
	struct csa_job *job, *tmp;
	unsigned long flags;

	spin_lock_irqsave(&cdev->ring_lock, flags);
	list_for_each_entry_safe(job, tmp, &cdev->inflight, inflight_link) {
		bool guilty = bad && &job->base == bad;

		list_del_init(&job->inflight_link);
		csa_job_complete(job, guilty ? CSA_STATUS_TIMEOUT :
				 CSA_STATUS_ABORTED, 0, 0,
				 guilty ? -ETIME : -ECANCELED);
	}
	if (bad)
		cdev->last_error_status = CSA_STATUS_TIMEOUT;
	spin_unlock_irqrestore(&cdev->ring_lock, flags);
}

void csa_recover(struct csa_device *cdev, struct drm_sched_job *bad)
{
	bool present;
	int idx;

	drm_sched_stop(&cdev->sched, bad);
	/* every submit made so far is aborted, also the ones still queued */
	WRITE_ONCE(cdev->abort_before, atomic64_read(&cdev->seqno));

	present = drm_dev_enter(&cdev->drm, &idx);
	if (present)
		csa_set_irq_mask(cdev, CSA_IRQ_CQ | CSA_IRQ_ERROR);
	/* a handler still running elsewhere may be completing a job */
	csa_irq_sync(cdev);
	csa_abort_inflight(cdev, bad);

	if (present) {
		if (!csa_regs_soft_reset(cdev) && !csa_ring_start(cdev))
			drm_info(&cdev->drm, "device reset, rings re-initialized\n");
		else
			drm_err(&cdev->drm, "device did not come back from reset\n");
		atomic64_inc(&cdev->resets);
		drm_dev_exit(idx);
	}
	csa_sched_start(&cdev->sched);
}

static void csa_reset_work(struct work_struct *work)
{
	struct csa_device *cdev = container_of(work, struct csa_device,
					       reset_work);

	csa_recover(cdev, NULL);
}

/* Reset now (RESET ioctl, removal) and wait until it is done. */
int csa_reset_sync(struct csa_device *cdev)
{
	if (!cdev->sched_ready)
		return -ENODEV;
	queue_work(cdev->reset_wq, &cdev->reset_work);
	flush_work(&cdev->reset_work);
	return 0;
}

static void csa_reset_fini(struct drm_device *drm, void *arg)
{
	struct csa_device *cdev = to_csa_device(drm);

	destroy_workqueue(cdev->reset_wq);
}

int csa_reset_init(struct csa_device *cdev)
{
	cdev->reset_wq = alloc_ordered_workqueue("csa-reset", 0);
	if (!cdev->reset_wq)
		return -ENOMEM;
	INIT_WORK(&cdev->reset_work, csa_reset_work);
	return drmm_add_action_or_reset(&cdev->drm, csa_reset_fini, NULL);
}
