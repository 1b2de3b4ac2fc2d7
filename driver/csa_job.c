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

#define CREATE_TRACE_POINTS
#include "csa_trace.h"

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

static void csa_client_release(struct kref *ref)
{
	kfree(container_of(ref, struct csa_client, ref));
}

struct csa_client *csa_client_alloc(void)
{
	struct csa_client *client;

	client = kzalloc(sizeof(*client), GFP_KERNEL_ACCOUNT);
	if (client)
		kref_init(&client->ref);
	return client;
}

void csa_client_put(struct csa_client *client)
{
	if (client)
		kref_put(&client->ref, csa_client_release);
}

/*
 * Everything a job needs on the fence-signalling path (run_job, completion)
 * is allocated here, at submit: the hardware fence too.  User-driven
 * allocations are charged to the submitter's memory cgroup.
 */
struct csa_job *csa_job_alloc(struct csa_device *cdev, u32 num_desc)
{
	struct csa_job *job;

	job = kzalloc(sizeof(*job), GFP_KERNEL_ACCOUNT);
	if (!job)
		return NULL;
	job->cdev = cdev;
	job->num_desc = num_desc;
	INIT_LIST_HEAD(&job->sg_bufs);
	INIT_LIST_HEAD(&job->inflight_link);
	spin_lock(&cdev->jobs_lock);
	list_add_tail(&job->dev_link, &cdev->jobs);
	spin_unlock(&cdev->jobs_lock);
	job->desc = kvcalloc(num_desc, sizeof(*job->desc), GFP_KERNEL_ACCOUNT);
	job->result = kzalloc(sizeof(*job->result), GFP_KERNEL_ACCOUNT);
	if (job->result) {
		/* before any failure below: csa_job_cleanup() puts it */
		kref_init(&job->result->ref);
		INIT_LIST_HEAD(&job->result->fifo_link);
		/* what WAIT reports if the job never reaches the device */
		job->result->status = CSA_STATUS_ABORTED;
	}
	job->hw_fence = kzalloc(sizeof(*job->hw_fence), GFP_KERNEL_ACCOUNT);
	if (!job->desc || !job->result || !job->hw_fence) {
		csa_job_cleanup(job);
		return NULL;
	}
	return job;
}

static void csa_sg_bufs_free(struct device *dev, struct list_head *bufs)
{
	struct csa_sg_buf *sg, *tmp;

	list_for_each_entry_safe(sg, tmp, bufs, link) {
		dma_free_coherent(dev, sg->size, sg->cpu, sg->dma);
		kfree(sg);
	}
}

/*
 * Removal, once the card is stopped and every job on it completed: free
 * every live job's SG tables while the PCI device is still bound.  Jobs
 * still queued or not yet freed outlive the device (their files are open)
 * but will never reach it: run_job refuses them after drm_dev_unplug().
 */
void csa_jobs_free_dma(struct csa_device *cdev)
{
	struct csa_job *job;
	LIST_HEAD(bufs);

	spin_lock(&cdev->jobs_lock);
	list_for_each_entry(job, &cdev->jobs, dev_link)
		list_splice_tail_init(&job->sg_bufs, &bufs);
	spin_unlock(&cdev->jobs_lock);
	csa_sg_bufs_free(&cdev->pdev->dev, &bufs);
}

/* Release everything a job owns; the scheduler part is the caller's. */
void csa_job_cleanup(struct csa_job *job)
{
	struct csa_device *cdev = job->cdev;
	LIST_HEAD(bufs);
	u32 i;

	spin_lock(&cdev->jobs_lock);
	list_del(&job->dev_link);
	list_splice_init(&job->sg_bufs, &bufs);
	spin_unlock(&cdev->jobs_lock);
	csa_sg_bufs_free(&cdev->pdev->dev, &bufs);
	for (i = 0; i < job->num_bos; i++)
		drm_gem_object_put(job->bos[i]);
	kvfree(job->bos);
	kvfree(job->desc);
	if (job->hw_fence_armed)
		dma_fence_put(job->hw_fence);
	else
		kfree(job->hw_fence);
	if (job->result)
		csa_result_put(job->result);
	if (job->client) {
		atomic64_sub(job->sg_bytes, &job->client->sg_bytes);
		atomic_dec(&job->client->jobs);
		csa_client_put(job->client);
	}
	kfree(job);
}

/*
 * Host BOs are mapped once for the device (drm_gem_shmem_get_pages_sgt()),
 * but with bounce buffers (swiotlb) or a non-coherent platform what the CPU
 * wrote reaches the device, and what the device wrote reaches the CPU, only
 * through a sync.  Each SG table names exactly the ranges one DMA touches.
 */
static void csa_job_sync(struct csa_job *job, bool for_device)
{
	struct device *dev = &job->cdev->pdev->dev;
	struct csa_sg_buf *buf;
	u32 i;

	list_for_each_entry(buf, &job->sg_bufs, link) {
		const struct csa_sg_entry *e = buf->cpu;

		if (!for_device && buf->dir == DMA_TO_DEVICE)
			continue;
		for (i = 0; i < buf->count; i++) {
			if (for_device)
				dma_sync_single_for_device(dev, e[i].addr,
							   e[i].len, buf->dir);
			else
				dma_sync_single_for_cpu(dev, e[i].addr,
							e[i].len, buf->dir);
		}
	}
}

void csa_job_sync_for_device(struct csa_job *job)
{
	csa_job_sync(job, true);
}

/*
 * With ring_lock held, once per job (from the completion handler or from
 * recovery): record what WAIT reports and move the job to @done, which
 * csa_jobs_signal() finishes once the lock is dropped.
 */
void csa_job_finish_locked(struct csa_job *job, u32 status, u32 index,
			   u64 cycles, int error, struct list_head *done)
{
	struct csa_device *cdev = job->cdev;
	struct csa_result *result = job->result;
	ktime_t now = ktime_get();

	WRITE_ONCE(result->failed_index, status == CSA_STATUS_OK ? 0 : index);
	WRITE_ONCE(result->cycles, cycles);
	WRITE_ONCE(result->status, status);
	/* device time: from when it could start (in ring order) to now */
	if (job->client)
		atomic64_add(ktime_to_ns(ktime_sub(now,
						   ktime_after(job->start, cdev->last_done) ?
						   job->start : cdev->last_done)),
			     &job->client->busy_ns);
	cdev->last_done = now;
	/* counted here, not in free_job, which may run much later */
	if (!job->internal)
		atomic64_inc(&cdev->jobs_completed);
	job->counted = true;
	job->fence_error = error;
	list_move_tail(&job->inflight_link, done);
}

/* Without locks: give host memory back to the CPU, then signal, in order. */
void csa_jobs_signal(struct csa_device *cdev, struct list_head *done)
{
	struct csa_job *job, *tmp;

	list_for_each_entry_safe(job, tmp, done, inflight_link) {
		list_del_init(&job->inflight_link);
		csa_job_sync(job, false);
		trace_csa_complete(job->seqno, READ_ONCE(job->result->status),
				   READ_ONCE(job->result->cycles),
				   job->fence_error);
		if (job->fence_error)
			dma_fence_set_error(job->hw_fence, job->fence_error);
		dma_fence_signal(job->hw_fence);
	}
}

static struct dma_fence *csa_run_job(struct drm_sched_job *sched_job)
{
	struct csa_job *job = to_csa_job(sched_job);
	struct csa_device *cdev = job->cdev;
	struct dma_fence *fence;
	int idx;

	/*
	 * Cancelled while queued (failed dependency, killed entity), submitted
	 * before a reset, which aborts queued jobs too, or refused by a wedged
	 * device: the result keeps its initial CSA_STATUS_ABORTED and the
	 * finished fence carries the error.
	 */
	if (unlikely(sched_job->s_fence->finished.error))
		return ERR_PTR(sched_job->s_fence->finished.error);
	if (job->seqno <= READ_ONCE(cdev->abort_before) ||
	    (job->client &&
	     job->seqno <= atomic64_read(&job->client->abort_before)))
		return ERR_PTR(-ECANCELED);
	if (READ_ONCE(cdev->wedged))
		return ERR_PTR(-EIO);
	if (!drm_dev_enter(&cdev->drm, &idx))
		return ERR_PTR(-ENODEV);

	/* run_job is serialized by the scheduler: ring order is seqno order */
	fence = job->hw_fence;
	dma_fence_init(fence, &csa_fence_ops, &cdev->fence_lock,
		       cdev->fence_context, ++cdev->hw_seqno);
	job->hw_fence_armed = true;
	trace_csa_run(job->seqno, job->num_desc);
	csa_job_sync_for_device(job);
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
	trace_csa_timeout(job->seqno, job->num_desc);
	csa_coredump(cdev, job);
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

/*
 * After the last file is closed: no entity can reach the scheduler.  The
 * device was stopped and every job on it completed at removal, but their
 * free_job work may not have run, and drm_sched_fini() (6.12) only cancels
 * it: free those jobs here, or their BOs and SG tables would leak.
 */
static void csa_sched_fini(struct drm_device *drm, void *arg)
{
	struct csa_device *cdev = to_csa_device(drm);
	struct drm_gpu_scheduler *sched = &cdev->sched;
	struct drm_sched_job *job, *tmp;
	LIST_HEAD(left);

	drm_sched_wqueue_stop(sched);
	cancel_delayed_work_sync(&sched->work_tdr);
	spin_lock(&sched->job_list_lock);
	list_splice_init(&sched->pending_list, &left);
	spin_unlock(&sched->job_list_lock);
	list_for_each_entry_safe(job, tmp, &left, list) {
		list_del_init(&job->list);
		/* completed at removal; wait for the scheduler's callback */
		dma_fence_wait(&job->s_fence->finished, false);
		csa_free_job(job);
	}
	drm_sched_fini(sched);
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
