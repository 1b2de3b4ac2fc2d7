// SPDX-License-Identifier: GPL-2.0-only
/*
 * CSA: jobs and the GPU scheduler.  One job is one SUBMIT: its descriptors,
 * the BO references and scatter-gather tables they need, and the result
 * WAIT reports.  drm_sched orders jobs, keeps at most ring-size - 1
 * descriptors in flight (credits) and calls timedout_job on a hang.
 */
#include <linux/dma-mapping.h>
#include <linux/slab.h>

#include <drm/drm_drv.h>
#include <drm/drm_gem.h>
#include <drm/drm_managed.h>
#include <drm/drm_print.h>

#include "csa_compat.h"
#include "csa_drv.h"

static const char *csa_fence_get_driver_name(struct dma_fence *fence)
{
	return DRM_CSA_DRIVER_NAME;
}

static const char *csa_fence_get_timeline_name(struct dma_fence *fence)
{
	return "csa-ring";
}

static const struct dma_fence_ops csa_fence_ops = {
	.get_driver_name = csa_fence_get_driver_name,
	.get_timeline_name = csa_fence_get_timeline_name,
};

static void csa_result_release(struct kref *ref)
{
	struct csa_result *result = container_of(ref, struct csa_result, ref);

	dma_fence_put(result->finished);
	/* a clear whose waiter left early: the BO outlived the DMA */
	if (result->clear_bo)
		drm_gem_object_put(result->clear_bo);
	kfree(result);
}

void csa_result_put(struct csa_result *result)
{
	kref_put(&result->ref, csa_result_release);
}

struct csa_job *csa_job_alloc(struct csa_device *cdev, u32 num_desc)
{
	struct csa_job *job;

	job = kzalloc(sizeof(*job), GFP_KERNEL);
	if (!job)
		return NULL;
	job->cdev = cdev;
	job->num_desc = num_desc;
	INIT_LIST_HEAD(&job->sg_bufs);
	INIT_LIST_HEAD(&job->inflight_link);
	job->desc = kvcalloc(num_desc, sizeof(*job->desc), GFP_KERNEL);
	job->result = kzalloc(sizeof(*job->result), GFP_KERNEL);
	if (!job->desc || !job->result) {
		csa_job_cleanup(job);
		return NULL;
	}
	kref_init(&job->result->ref);
	INIT_LIST_HEAD(&job->result->fifo_link);
	/* what WAIT reports if the job never reaches the device */
	job->result->status = CSA_STATUS_ABORTED;
	return job;
}

/* Release everything a job owns; the scheduler part is the caller's. */
void csa_job_cleanup(struct csa_job *job)
{
	struct device *dev = &job->cdev->pdev->dev;
	struct csa_sg_buf *sg, *tmp;
	u32 i;

	list_for_each_entry_safe(sg, tmp, &job->sg_bufs, link) {
		dma_free_coherent(dev, sg->size, sg->cpu, sg->dma);
		kfree(sg);
	}
	for (i = 0; i < job->num_bos; i++)
		drm_gem_object_put(job->bos[i]);
	kvfree(job->bos);
	kvfree(job->desc);
	dma_fence_put(job->hw_fence);
	if (job->result)
		csa_result_put(job->result);
	kfree(job);
}

/* Called with ring_lock held, once per job, from the IRQ or from recovery. */
void csa_job_complete(struct csa_job *job, u32 status, u32 index, u64 cycles,
		      int error)
{
	struct csa_result *result = job->result;

	WRITE_ONCE(result->failed_index, status == CSA_STATUS_OK ? 0 : index);
	WRITE_ONCE(result->cycles, cycles);
	WRITE_ONCE(result->status, status);
	/* counted here, not in free_job, which may run much later */
	if (!job->internal)
		atomic64_inc(&job->cdev->jobs_completed);
	job->counted = true;
	if (error)
		dma_fence_set_error(job->hw_fence, error);
	dma_fence_signal(job->hw_fence);
}

static struct dma_fence *csa_run_job(struct drm_sched_job *sched_job)
{
	struct csa_job *job = to_csa_job(sched_job);
	struct csa_device *cdev = job->cdev;
	struct dma_fence *fence;
	int idx;

	/*
	 * Cancelled while queued (failed dependency, killed entity), or
	 * submitted before a reset, which aborts queued jobs too: the result
	 * keeps its initial CSA_STATUS_ABORTED.
	 */
	if (unlikely(sched_job->s_fence->finished.error))
		return NULL;
	if (job->seqno <= READ_ONCE(cdev->abort_before))
		return NULL;
	if (!drm_dev_enter(&cdev->drm, &idx))
		return ERR_PTR(-ENODEV);

	fence = kzalloc(sizeof(*fence), GFP_KERNEL);
	if (!fence) {
		drm_dev_exit(idx);
		return ERR_PTR(-ENOMEM);
	}
	/* run_job is serialized by the scheduler: ring order is seqno order */
	dma_fence_init(fence, &csa_fence_ops, &cdev->fence_lock,
		       cdev->fence_context, ++cdev->hw_seqno);
	job->hw_fence = fence;
	csa_ring_push_job(cdev, job);
	drm_dev_exit(idx);
	return dma_fence_get(fence);
}

static enum drm_gpu_sched_stat csa_timedout_job(struct drm_sched_job *sched_job)
{
	struct csa_job *job = to_csa_job(sched_job);
	struct csa_device *cdev = job->cdev;

	drm_warn(&cdev->drm, "job %llu timed out after %u ms: resetting the device\n",
		 job->seqno, csa_job_timeout_ms);
	csa_recover(cdev, sched_job);
	if (drm_dev_is_unplugged(&cdev->drm))
		return DRM_GPU_SCHED_STAT_ENODEV;
	return DRM_GPU_SCHED_STAT_NOMINAL;
}

static void csa_free_job(struct drm_sched_job *sched_job)
{
	struct csa_job *job = to_csa_job(sched_job);

	/* jobs that never reached the device (cancelled, device gone) */
	if (!job->counted && !job->internal)
		atomic64_inc(&job->cdev->jobs_completed);
	drm_sched_job_cleanup(sched_job);
	csa_job_cleanup(job);
}

static const struct drm_sched_backend_ops csa_sched_ops = {
	.run_job = csa_run_job,
	.timedout_job = csa_timedout_job,
	.free_job = csa_free_job,
};

/* After the last file is closed: no entity can reach the scheduler. */
static void csa_sched_fini(struct drm_device *drm, void *arg)
{
	struct csa_device *cdev = to_csa_device(drm);

	drm_sched_fini(&cdev->sched);
}

int csa_sched_init(struct csa_device *cdev)
{
	int ret;

	spin_lock_init(&cdev->fence_lock);
	cdev->fence_context = dma_fence_context_alloc(1);
	/* 6.8 .. 6.12 all take these 11 arguments (a struct from 6.15) */
	ret = drm_sched_init(&cdev->sched, &csa_sched_ops, NULL,
			     DRM_SCHED_PRIORITY_COUNT, cdev->sq.entries - 1, 0,
			     msecs_to_jiffies(csa_job_timeout_ms),
			     cdev->reset_wq, NULL, "csa", cdev->drm.dev);
	if (ret) {
		drm_err(&cdev->drm, "scheduler init failed: %d\n", ret);
		return ret;
	}
	cdev->sched_ready = true;
	return drmm_add_action_or_reset(&cdev->drm, csa_sched_fini, NULL);
}
