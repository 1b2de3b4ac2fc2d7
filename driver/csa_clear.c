// SPDX-License-Identifier: GPL-2.0-only
/*
 * CSA: clearing device BOs before a process gets them.  Device memory keeps
 * what its last owner wrote and the card has no fill command, so the driver
 * copies zeros from host memory it owns with DMA_H2D: one zeroed 64 KiB
 * DMA-coherent buffer and one SG table whose entries all point at it (an
 * SG list may name the same bus address many times).  The copy runs as a
 * kernel-internal job on the same ring and scheduler as user jobs, and
 * BO_CREATE waits for it: no handle exists before the memory is zero, so
 * no user job or mapping can touch it earlier.  This works with and
 * without BAR2, so it is the only clearing path (docs/driver.md).
 */
#include <linux/dma-mapping.h>
#include <linux/sizes.h>

#include <drm/drm_drv.h>
#include <drm/drm_gem.h>
#include <drm/drm_managed.h>

#include "csa_drv.h"

/* Zeros in host memory; the device moves data in 64 KiB chunks anyway. */
#define CSA_ZERO_SIZE		SZ_64K
/* 256 entries of 64 KiB: one descriptor clears up to 16 MiB */
#define CSA_ZERO_SG_ENTRIES	256u
#define CSA_CLEAR_CHUNK		(CSA_ZERO_SIZE * CSA_ZERO_SG_ENTRIES)
/*
 * One clear job zeroes at most this much: at the model's and a board's DMA
 * speed (GB/s) that is well under a second, far inside job_timeout_ms, so
 * a big BO's clear is never mistaken for a hang.
 */
#define CSA_CLEAR_JOB_MAX	(256ull << 20)
/* a clear aborted by someone else's reset is run again, at most this often */
#define CSA_CLEAR_TRIES		3

static void csa_clear_fini(struct drm_device *drm, void *arg)
{
	struct csa_device *cdev = to_csa_device(drm);

	drm_sched_entity_destroy(&cdev->clear_entity);
}

/* After csa_sched_init(): the entity is destroyed before the scheduler. */
int csa_clear_init(struct csa_device *cdev)
{
	struct drm_gpu_scheduler *sched = &cdev->sched;
	struct device *dev = &cdev->pdev->dev;
	struct csa_sg_entry *sg;
	unsigned int i;
	int ret;

	BUILD_BUG_ON(CSA_CLEAR_CHUNK > CSA_DMA_MAX);
	BUILD_BUG_ON(CSA_ZERO_SG_ENTRIES > CSA_SG_MAX);

	/* dma_alloc_coherent() memory is zeroed and nobody writes it after */
	cdev->zero_buf = dmam_alloc_coherent(dev, CSA_ZERO_SIZE,
					     &cdev->zero_dma, GFP_KERNEL);
	cdev->zero_sg = dmam_alloc_coherent(dev,
					    CSA_ZERO_SG_ENTRIES * sizeof(*sg),
					    &cdev->zero_sg_dma, GFP_KERNEL);
	if (!cdev->zero_buf || !cdev->zero_sg)
		return -ENOMEM;
	sg = cdev->zero_sg;
	for (i = 0; i < CSA_ZERO_SG_ENTRIES; i++) {
		sg[i].addr = cdev->zero_dma;
		sg[i].len = CSA_ZERO_SIZE;
		sg[i].rsvd = 0;
	}

	ret = drmm_mutex_init(&cdev->drm, &cdev->clear_lock);
	if (ret)
		return ret;
	/* kernel priority: a clear does not queue behind users' backlogs */
	ret = drm_sched_entity_init(&cdev->clear_entity,
				    DRM_SCHED_PRIORITY_KERNEL, &sched, 1, NULL);
	if (ret)
		return ret;
	return drmm_add_action_or_reset(&cdev->drm, csa_clear_fini, NULL);
}

/* One job of DMA_H2D descriptors zeroing [start, start + size). */
static struct csa_job *csa_clear_job_alloc(struct csa_device *cdev,
					   struct drm_gem_object *obj,
					   u64 start, u64 size)
{
	u32 n = DIV_ROUND_UP_ULL(size, CSA_CLEAR_CHUNK);
	struct csa_job *job;
	u64 off = 0;
	u32 i;

	job = csa_job_alloc(cdev, n);
	if (!job)
		return NULL;
	job->internal = true;
	/*
	 * The memory stays this BO's until the DMA is over, even if the waiter
	 * leaves early: the result holds a reference (the waiter drops it once
	 * the job is finished, so freeing the BO is not left to free_job).
	 */
	drm_gem_object_get(obj);
	job->result->clear_bo = obj;
	job->seqno = atomic64_inc_return(&cdev->seqno);
	job->result->seqno = job->seqno;

	for (i = 0; i < n; i++) {
		struct csa_desc *d = &job->desc[i];
		u32 bytes = min_t(u64, size - off, CSA_CLEAR_CHUNK);

		/* BOs are page aligned: bytes is a multiple of 4 */
		d->opcode = CSA_OP_DMA_H2D;
		d->tag = lower_32_bits(job->seqno);
		d->arg[0] = bytes;
		d->arg[1] = DIV_ROUND_UP(bytes, CSA_ZERO_SIZE);
		d->addr[0] = cdev->zero_sg_dma;
		d->addr[1] = start + off;
		off += bytes;
	}
	job->desc[n - 1].flags |= CSA_DESC_F_LAST;
	return job;
}

/* Queue one clear job and wait for it; *status is what the device said. */
static int csa_clear_run(struct csa_device *cdev, struct drm_gem_object *obj,
			 u64 start, u64 size, u32 *status)
{
	struct dma_fence *finished;
	struct csa_result *result;
	struct csa_job *job;
	long ret;

	job = csa_clear_job_alloc(cdev, obj, start, size);
	if (!job)
		return -ENOMEM;
	ret = drm_sched_job_init(&job->base, &cdev->clear_entity, job->num_desc,
				 cdev);
	if (ret) {
		csa_job_cleanup(job);
		return ret;
	}
	result = job->result;
	kref_get(&result->ref);

	/* arm and push in the same order for every clearing thread */
	mutex_lock(&cdev->clear_lock);
	drm_sched_job_arm(&job->base);
	finished = dma_fence_get(&job->base.s_fence->finished);
	drm_sched_entity_push_job(&job->base);
	mutex_unlock(&cdev->clear_lock);

	/* a signal leaves the job running; the result keeps the BO */
	ret = dma_fence_wait(finished, true);
	if (!ret) {
		*status = READ_ONCE(result->status);
		/* finished: the device is done with the memory (or was reset) */
		drm_gem_object_put(result->clear_bo);
		result->clear_bo = NULL;
	}
	dma_fence_put(finished);
	csa_result_put(result);
	return ret;
}

/*
 * Zero a new device BO's memory by DMA.  A job aborted by a reset (someone
 * else's hang, RESET) is run again; any other failure fails the creation,
 * so a BO whose memory may still hold old data is never handed out.
 */
int csa_clear_device_range(struct csa_device *cdev, struct drm_gem_object *obj,
			   u64 start, u64 size)
{
	/* descriptors per job are bounded by the ring (scheduler credits) */
	u64 span_max = min((u64)cdev->max_cmds * CSA_CLEAR_CHUNK,
			   CSA_CLEAR_JOB_MAX);
	u64 off, span;
	unsigned int tries;
	u32 status;
	int ret;

	for (off = 0; off < size; off += span) {
		span = min(size - off, span_max);
		for (tries = 1; ; tries++) {
			status = CSA_STATUS_ABORTED;
			ret = csa_clear_run(cdev, obj, start + off, span,
					    &status);
			if (ret)
				return ret;
			if (status == CSA_STATUS_OK)
				break;
			if (drm_dev_is_unplugged(&cdev->drm))
				return -ENODEV;
			if (status != CSA_STATUS_ABORTED ||
			    tries >= CSA_CLEAR_TRIES) {
				drm_err_ratelimited(&cdev->drm,
						    "clearing device memory at %#llx failed: status %u\n",
						    start + off, status);
				return -EIO;
			}
		}
	}
	return 0;
}
