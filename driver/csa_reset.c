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
#include "csa_trace.h"

/* Complete every job the device holds: @bad timed out, the rest aborted. */
void csa_abort_inflight(struct csa_device *cdev, struct drm_sched_job *bad)
{
	struct csa_job *job, *tmp;
	unsigned long flags;
	LIST_HEAD(done);

	spin_lock_irqsave(&cdev->ring_lock, flags);
	list_for_each_entry_safe(job, tmp, &cdev->inflight, inflight_link) {
		bool guilty = bad && &job->base == bad;

		csa_job_finish_locked(job, guilty ? CSA_STATUS_TIMEOUT :
				      CSA_STATUS_ABORTED, 0, 0,
				      guilty ? -ETIME : -ECANCELED, &done);
	}
	if (bad)
		cdev->last_error_status = CSA_STATUS_TIMEOUT;
	spin_unlock_irqrestore(&cdev->ring_lock, flags);
	csa_jobs_signal(cdev, &done);
}

/*
 * The card touches no host memory after this: no fetch, no executing
 * descriptor (a soft reset ends it, where clearing ENABLE lets it finish),
 * no bus mastering.  Removal and shutdown call it before freeing anything
 * the device could still write.
 */
void csa_stop_dma(struct csa_device *cdev)
{
	WRITE_ONCE(cdev->removing, true);
	/* surprise removal: nothing answers, and nothing is left to stop */
	if (!pci_device_is_present(cdev->pdev))
		return;
	csa_regs_disable(cdev);
	csa_regs_soft_reset(cdev);
	/* the reset left every interrupt source unmasked */
	csa_set_irq_mask(cdev, CSA_IRQ_CQ | CSA_IRQ_ERROR);
	pci_clear_master(cdev->pdev);
}

/*
 * First half of a recovery: stop the scheduler, complete what the device
 * holds.  Returns whether the device is still there; then *idx is the
 * drm_dev_enter() section csa_recover_end() leaves.
 */
static bool csa_recover_begin(struct csa_device *cdev,
			      struct drm_sched_job *bad, int *idx)
{
	struct csa_client *guilty = bad ? to_csa_job(bad)->client : NULL;
	u64 seqno = atomic64_read(&cdev->seqno);
	bool present;

	drm_sched_stop(&cdev->sched, bad);
	/*
	 * The reset loses every job on the ring.  Of the submits still queued
	 * in entities, a timeout aborts only the hung job's file's (they may
	 * depend on it); other files' queued work runs after the reset.  A
	 * RESET or a removal, with no job to blame, aborts them all.
	 */
	if (guilty)
		atomic64_set(&guilty->abort_before, seqno);
	else
		WRITE_ONCE(cdev->abort_before, seqno);

	present = drm_dev_enter(&cdev->drm, idx);
	if (present)
		csa_set_irq_mask(cdev, CSA_IRQ_CQ | CSA_IRQ_ERROR);
	/* a handler still running elsewhere may be completing a job */
	csa_irq_sync(cdev);
	csa_abort_inflight(cdev, bad);
	return present;
}

/* Second half: soft reset, rings on again, scheduler restarted. */
static void csa_recover_end(struct csa_device *cdev,
			    struct drm_sched_job *bad, bool present, int idx)
{
	if (present && !READ_ONCE(cdev->removing)) {
		bool failed = csa_fault_reset(cdev);

		if (failed)
			drm_info(&cdev->drm, "fault injection: this reset fails\n");
		else
			failed = csa_regs_soft_reset(cdev) ||
				 csa_ring_start(cdev);
		/*
		 * Resetting again at every timeout would not help: refuse new
		 * work (SUBMIT -EIO) until a RESET succeeds or the device is
		 * bound again.
		 */
		if (failed) {
			csa_regs_disable(cdev);
			drm_err(&cdev->drm, "device did not come back from reset: wedged, new work refused\n");
		} else if (__ratelimit(&cdev->reset_msg_rs)) {
			/* any user can reset at will: do not let them flood the log */
			drm_info(&cdev->drm, "device reset, rings re-initialized\n");
		}
		WRITE_ONCE(cdev->wedged, failed);
		trace_csa_reset(bad ? to_csa_job(bad)->seqno : 0, failed);
		atomic64_inc(&cdev->resets);
	}
	if (present)
		drm_dev_exit(idx);
	csa_sched_start(&cdev->sched);
}

void csa_recover(struct csa_device *cdev, struct drm_sched_job *bad)
{
	int idx;
	bool present = csa_recover_begin(cdev, bad, &idx);

	csa_recover_end(cdev, bad, present, idx);
}

/*
 * A reset from outside (pci_reset_function(): sysfs "reset", AER) wipes
 * the rings.  It is a recovery split in two around the PCI reset, run as
 * one work item on the ordered reset queue, so that no timeout or RESET
 * runs in between: the item stops everything, tells the caller, waits for
 * the reset to be over, then starts the rings again.
 */
static void csa_pci_reset_work(struct work_struct *work)
{
	struct csa_device *cdev = container_of(work, struct csa_device,
					       pci_reset_work);
	int idx;
	bool present = csa_recover_begin(cdev, NULL, &idx);

	complete(&cdev->pci_reset_stopped);
	/*
	 * An AER recovery that fails after error_detected() never calls the
	 * driver again (6.12 only sends a uevent): give up after a bound
	 * rather than hold the ordered queue, and with it every timeout,
	 * RESET, file release and the removal, for ever.
	 */
	if (!wait_for_completion_timeout(&cdev->pci_reset_go,
					 msecs_to_jiffies(CSA_PCI_RECOVERY_MS))) {
		drm_err(&cdev->drm, "no resume %u s after the PCI error\n",
			CSA_PCI_RECOVERY_MS / 1000);
		WRITE_ONCE(cdev->pci_gave_up, true);
	}
	if (READ_ONCE(cdev->pci_lost) || READ_ONCE(cdev->pci_gave_up)) {
		/* nothing to restart: rings off, new work refused */
		if (present) {
			csa_regs_disable(cdev);
			drm_dev_exit(idx);
		}
		WRITE_ONCE(cdev->wedged, true);
		drm_err(&cdev->drm, "PCI channel lost: wedged, new work refused\n");
		csa_sched_start(&cdev->sched);
		return;
	}
	csa_recover_end(cdev, NULL, present, idx);
}

void csa_pci_reset_begin(struct csa_device *cdev)
{
	reinit_completion(&cdev->pci_reset_stopped);
	reinit_completion(&cdev->pci_reset_go);
	WRITE_ONCE(cdev->pci_lost, false);
	WRITE_ONCE(cdev->pci_gave_up, false);
	cdev->pci_reset_open = true;
	queue_work(cdev->reset_wq, &cdev->pci_reset_work);
	wait_for_completion(&cdev->pci_reset_stopped);
}

void csa_pci_reset_end(struct csa_device *cdev)
{
	if (!cdev->pci_reset_open)
		return;
	cdev->pci_reset_open = false;
	complete(&cdev->pci_reset_go);
	flush_work(&cdev->pci_reset_work);
	/* a resume after the bound: the device is back, start it again */
	if (READ_ONCE(cdev->pci_gave_up) && !READ_ONCE(cdev->pci_lost))
		csa_reset_sync(cdev);
}

/*
 * AER gave up (a recovery step failed, or the link is gone for good): the
 * recovery half that error_detected began would otherwise wait for a
 * resume that never comes, blocking every later timeout, RESET and the
 * removal on the ordered queue.  Finish it without a restart: wedged.
 */
void csa_pci_reset_lost(struct csa_device *cdev)
{
	if (!cdev->pci_reset_open)
		csa_pci_reset_begin(cdev);
	WRITE_ONCE(cdev->pci_lost, true);
	csa_pci_reset_end(cdev);
}

static void csa_reset_work(struct work_struct *work)
{
	struct csa_device *cdev = container_of(work, struct csa_device,
					       reset_work);

	csa_recover(cdev, NULL);
}

/* Reset now (RESET ioctl, removal) and wait; -EIO if the device is wedged. */
int csa_reset_sync(struct csa_device *cdev)
{
	if (!cdev->sched_ready)
		return -ENODEV;
	queue_work(cdev->reset_wq, &cdev->reset_work);
	flush_work(&cdev->reset_work);
	return READ_ONCE(cdev->wedged) ? -EIO : 0;
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
	INIT_WORK(&cdev->pci_reset_work, csa_pci_reset_work);
	init_completion(&cdev->pci_reset_stopped);
	init_completion(&cdev->pci_reset_go);
	ratelimit_state_init(&cdev->reset_msg_rs, DEFAULT_RATELIMIT_INTERVAL,
			     DEFAULT_RATELIMIT_BURST);
	csa_pm_init(cdev);
	return drmm_add_action_or_reset(&cdev->drm, csa_reset_fini, NULL);
}
