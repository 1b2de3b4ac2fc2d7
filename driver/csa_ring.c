// SPDX-License-Identifier: GPL-2.0-only
/*
 * CSA: submission and completion rings in DMA-coherent host memory.
 *
 * The SQ holds struct csa_desc written by run_job; the device advances its
 * head.  The CQ holds struct csa_cqe written by the device; a valid entry
 * carries the phase bit of the current pass (1 on the first pass after
 * reset), so the interrupt handler reads no register to find new entries.
 */
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/iopoll.h>

#include <drm/drm_print.h>

#include "csa_drv.h"
#include "csa_ring_math.h"

int csa_ring_alloc(struct csa_device *cdev)
{
	struct device *dev = &cdev->pdev->dev;
	u32 entries = csa_sq_entries;

	if (!is_power_of_2(entries) || entries < CSA_RING_MIN ||
	    entries > CSA_RING_MAX) {
		dev_err(dev, "sq_entries=%u must be a power of two in %u..%u\n",
			entries, CSA_RING_MIN, CSA_RING_MAX);
		return -EINVAL;
	}
	cdev->sq.entries = entries;
	cdev->sq.entry_size = sizeof(struct csa_desc);
	/*
	 * Every descriptor posts at most one completion and the scheduler keeps
	 * at most entries - 1 descriptors in flight, so an equal CQ never fills.
	 */
	cdev->cq.entries = entries;
	cdev->cq.entry_size = sizeof(struct csa_cqe);

	cdev->sq.cpu = dmam_alloc_coherent(dev, entries * cdev->sq.entry_size,
					   &cdev->sq.dma, GFP_KERNEL);
	cdev->cq.cpu = dmam_alloc_coherent(dev, entries * cdev->cq.entry_size,
					   &cdev->cq.dma, GFP_KERNEL);
	if (!cdev->sq.cpu || !cdev->cq.cpu)
		return -ENOMEM;
	/* dma_alloc_coherent() returns page-aligned memory: 64-byte rule holds */
	cdev->max_cmds = min_t(u32, CSA_SUBMIT_MAX_CMDS, entries - 1);
	return 0;
}

/*
 * Program both rings after a reset and enable the command processor.
 * The caller has stopped the scheduler and masked interrupts.
 */
int csa_ring_start(struct csa_device *cdev)
{
	unsigned long flags;
	u32 sts;

	spin_lock_irqsave(&cdev->ring_lock, flags);
	memset(cdev->cq.cpu, 0, cdev->cq.entries * cdev->cq.entry_size);
	memset(cdev->sq.cpu, 0, cdev->sq.entries * cdev->sq.entry_size);
	cdev->sq_tail = 0;
	cdev->sq_head_seen = 0;
	cdev->cq_head = 0;
	cdev->cq_phase = 1;
	cdev->hung = false;
	spin_unlock_irqrestore(&cdev->ring_lock, flags);

	csa_write(cdev, CSA_REG_SQ_BASE_LO, lower_32_bits(cdev->sq.dma));
	csa_write(cdev, CSA_REG_SQ_BASE_HI, upper_32_bits(cdev->sq.dma));
	csa_write(cdev, CSA_REG_SQ_SIZE, cdev->sq.entries);
	csa_write(cdev, CSA_REG_CQ_BASE_LO, lower_32_bits(cdev->cq.dma));
	csa_write(cdev, CSA_REG_CQ_BASE_HI, upper_32_bits(cdev->cq.dma));
	csa_write(cdev, CSA_REG_CQ_SIZE, cdev->cq.entries);
	csa_write(cdev, CSA_REG_IRQ_COALESCE, 1);
	csa_write(cdev, CSA_REG_CONTROL, CSA_CTRL_ENABLE);

	/* the model is ready at once; hardware gets a millisecond */
	readl_poll_timeout(cdev->regs + CSA_REG_STATUS, sts,
			   sts & (CSA_STS_READY | CSA_STS_HALTED), 10, 1000);
	if (!(sts & CSA_STS_READY)) {
		drm_err(&cdev->drm, "rings not accepted: status %#x error %#x\n",
			sts, csa_read(cdev, CSA_REG_ERROR_STATUS));
		return -EIO;
	}
	csa_irq_unmask(cdev);
	return 0;
}

static bool csa_sq_fits(struct csa_device *cdev, u32 n)
{
	return csa_ring_fits(cdev->sq_tail, cdev->sq_head_seen,
			     cdev->sq.entries, n);
}

/*
 * Scheduler credits bound the descriptors of unfinished jobs, but a job that
 * failed early completes while the device is still skipping its remaining
 * descriptors.  Before reusing those slots, make sure the device has moved
 * past them (a short poll of SQ_HEAD; only reached with a nearly full ring).
 * run_job is the only writer of sq_tail and runs in process context; the
 * IRQ only ever makes room, so checking first and writing later is safe.
 */
static bool csa_sq_wait_room(struct csa_device *cdev, u32 n)
{
	unsigned long flags;
	unsigned int tries;
	bool fits;

	for (tries = 0; tries < 100; tries++) {
		spin_lock_irqsave(&cdev->ring_lock, flags);
		fits = csa_sq_fits(cdev, n);
		if (!fits) {
			cdev->sq_head_seen = csa_read(cdev, CSA_REG_SQ_HEAD) &
					     (cdev->sq.entries - 1);
			fits = csa_sq_fits(cdev, n);
		}
		spin_unlock_irqrestore(&cdev->ring_lock, flags);
		if (fits)
			return true;
		usleep_range(10, 50);
	}
	return false;
}

/* Copy a job's descriptors to the SQ and ring the doorbell once. */
void csa_ring_push_job(struct csa_device *cdev, struct csa_job *job)
{
	struct csa_desc *sq = cdev->sq.cpu;
	unsigned long flags;
	bool room;
	u32 i;

	room = csa_sq_wait_room(cdev, job->num_desc);
	spin_lock_irqsave(&cdev->ring_lock, flags);
	if (!room) {
		/* left for the timeout to reset the device and fail the job */
		drm_err_ratelimited(&cdev->drm, "submission ring full: device stuck\n");
		list_add_tail(&job->inflight_link, &cdev->inflight);
		spin_unlock_irqrestore(&cdev->ring_lock, flags);
		return;
	}
	for (i = 0; i < job->num_desc; i++)
		sq[csa_ring_add(cdev->sq_tail, i, cdev->sq.entries)] = job->desc[i];
	cdev->sq_tail = csa_ring_add(cdev->sq_tail, job->num_desc,
				     cdev->sq.entries);
	list_add_tail(&job->inflight_link, &cdev->inflight);
	job->start = ktime_get();
	if (job->inject_hang)
		cdev->hung = true;
	/* descriptors must be visible before the device sees the new tail */
	dma_wmb();
	if (!cdev->hung)
		csa_write(cdev, CSA_REG_SQ_TAIL, cdev->sq_tail);
	spin_unlock_irqrestore(&cdev->ring_lock, flags);
}

/*
 * Consume every valid CQE (bounded by the ring size so a storm cannot keep
 * us here) and complete the jobs they end.  Returns the entries consumed.
 */
unsigned int csa_ring_reap(struct csa_device *cdev)
{
	struct csa_cqe *cq = cdev->cq.cpu;
	unsigned int n = 0;
	unsigned long flags;
	LIST_HEAD(done);

	spin_lock_irqsave(&cdev->ring_lock, flags);
	while (n < cdev->cq.entries) {
		struct csa_cqe *slot = &cq[cdev->cq_head];
		struct csa_job *job;
		struct csa_cqe cqe;

		if ((READ_ONCE(slot->flags) & CSA_CQE_F_PHASE) != cdev->cq_phase)
			break;
		/* the rest of the entry is valid only after the phase bit */
		dma_rmb();
		cqe = *slot;
		n++;
		cdev->cq_head = csa_ring_next_phase(cdev->cq_head,
						    cdev->cq.entries,
						    &cdev->cq_phase);

		cdev->sq_head_seen = cqe.sq_head & (cdev->sq.entries - 1);
		if (cqe.flags & CSA_CQE_F_FENCE)
			continue;	/* progress marker, the job goes on */

		job = list_first_entry_or_null(&cdev->inflight, struct csa_job,
					       inflight_link);
		if (!job || cqe.tag != lower_32_bits(job->seqno)) {
			atomic64_inc(&cdev->cqe_stale);
			drm_err_ratelimited(&cdev->drm,
					    "completion for unknown tag %u (expected %u)\n",
					    cqe.tag, job ? lower_32_bits(job->seqno) : 0);
			continue;
		}
		if (cqe.status != CSA_STATUS_OK)
			cdev->last_error_status = cqe.status;
		csa_job_finish_locked(job, cqe.status, cqe.index, cqe.cycles, 0,
				      &done);
	}
	if (n)
		csa_write(cdev, CSA_REG_CQ_HEAD, cdev->cq_head);
	spin_unlock_irqrestore(&cdev->ring_lock, flags);
	csa_jobs_signal(cdev, &done);
	return n;
}
