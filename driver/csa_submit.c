// SPDX-License-Identifier: GPL-2.0-only
/*
 * CSA: DRM_IOCTL_CSA_SUBMIT.  Copies the command list, translates every
 * command with the shared csa_translate_cmd() (which validates every field
 * and asks us to resolve each buffer reference), and queues one job.
 */
#include <linux/dma-mapping.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_syncobj.h>

#include "common/csa_translate.h"
#include "csa_drv.h"
#include "csa_trace.h"

/* Results kept per file for WAIT; older completed ones are dropped. */
#define CSA_RESULTS_KEEP	4096

/* An opcode no device version defines: the device rejects it. */
#define CSA_INJECT_BAD_OPCODE	0x7f

struct csa_submit_ctx {
	struct drm_file *file;
	struct csa_job *job;
	u8 opcode;		/* of the command being translated */
};

/* Keep one reference per distinct BO for the job's lifetime. */
static int csa_job_add_bo(struct csa_job *job, struct drm_gem_object *obj)
{
	struct drm_gem_object **bos;
	u32 i;

	for (i = 0; i < job->num_bos; i++) {
		if (job->bos[i] == obj) {
			drm_gem_object_put(obj);
			return 0;
		}
	}
	if (job->num_bos == job->max_bos) {
		u32 max = job->max_bos ? job->max_bos * 2 : 8;

		bos = kvmalloc_array(max, sizeof(*bos), GFP_KERNEL_ACCOUNT);
		if (!bos) {
			drm_gem_object_put(obj);
			return -ENOMEM;
		}
		if (job->num_bos)
			memcpy(bos, job->bos, job->num_bos * sizeof(*bos));
		kvfree(job->bos);
		job->bos = bos;
		job->max_bos = max;
	}
	job->bos[job->num_bos++] = obj;
	return 0;
}

/* Look up @handle, check placement and bounds; the job keeps the reference. */
static int csa_lookup_range(struct csa_submit_ctx *ctx, u32 handle,
			    u64 offset, u64 bytes, bool device,
			    struct drm_gem_object **out)
{
	struct drm_gem_object *obj;
	int ret;

	obj = drm_gem_object_lookup(ctx->file, handle);
	if (!obj)
		return -ENOENT;
	if (csa_gem_is_device_bo(obj) != device) {
		drm_gem_object_put(obj);
		return -EINVAL;
	}
	if (offset > obj->size || bytes > obj->size - offset) {
		drm_gem_object_put(obj);
		return -ERANGE;
	}
	ret = csa_job_add_bo(ctx->job, obj);
	if (ret)
		return ret;
	*out = obj;
	return 0;
}

static int csa_resolve_device(void *opaque, u32 handle, u64 offset, u64 bytes,
			      u64 *dev_addr)
{
	struct drm_gem_object *obj;
	int ret;

	ret = csa_lookup_range(opaque, handle, offset, bytes, true, &obj);
	if (ret)
		return ret;
	*dev_addr = csa_gem_device_addr(obj) + offset;
	return 0;
}

/* Walk the BO's DMA segments over [offset, offset + bytes). */
static u32 csa_sg_fill(struct sg_table *sgt, u64 offset, u64 bytes,
		       struct csa_sg_entry *out)
{
	struct scatterlist *sg;
	u32 count = 0;
	int i;

	for_each_sgtable_dma_sg(sgt, sg, i) {
		u64 len = sg_dma_len(sg);
		u64 take;

		if (!bytes)
			break;
		if (offset >= len) {
			offset -= len;
			continue;
		}
		take = min(len - offset, bytes);
		if (out) {
			out[count].addr = sg_dma_address(sg) + offset;
			out[count].len = take;
			out[count].rsvd = 0;
		}
		count++;
		bytes -= take;
		offset = 0;
	}
	return count;
}

static int csa_build_sg(void *opaque, u32 handle, u64 offset, u64 bytes,
			u64 *sg_bus_addr, u32 *sg_count)
{
	struct csa_submit_ctx *ctx = opaque;
	struct csa_job *job = ctx->job;
	struct device *dev = &job->cdev->pdev->dev;
	struct drm_gem_object *obj;
	struct sg_table *sgt;
	struct csa_sg_buf *buf;
	size_t charge;
	u32 count;
	int ret;

	ret = csa_lookup_range(ctx, handle, offset, bytes, false, &obj);
	if (ret)
		return ret;
	if (!bytes)
		return -EINVAL;
	/* pins the pages and maps them for the device, once per BO */
	sgt = drm_gem_shmem_get_pages_sgt(to_drm_gem_shmem_obj(obj));
	if (IS_ERR(sgt))
		return PTR_ERR(sgt);

	count = csa_sg_fill(sgt, offset, bytes, NULL);
	if (!count || count > CSA_SG_MAX)
		return -EINVAL;
	/*
	 * SG tables are DMA memory the user makes the kernel hold until the
	 * job is freed: charge the file.  A job that alone exceeds the limit
	 * never fits (-E2BIG); otherwise the file waits for its jobs (-EBUSY).
	 */
	charge = PAGE_ALIGN(count * sizeof(struct csa_sg_entry));
	if (job->sg_bytes + charge > CSA_FILE_MAX_SG_BYTES)
		return -E2BIG;
	if (job->client) {
		if (atomic64_add_return(charge, &job->client->sg_bytes) >
		    CSA_FILE_MAX_SG_BYTES) {
			atomic64_sub(charge, &job->client->sg_bytes);
			return -EBUSY;
		}
		job->sg_bytes += charge;
	}
	buf = kzalloc(sizeof(*buf), GFP_KERNEL_ACCOUNT);
	if (!buf)
		return -ENOMEM;
	buf->size = charge;
	buf->count = count;
	/* which way the data moves decides what the syncs copy */
	switch (ctx->opcode) {
	case CSA_OP_DMA_H2D:
		buf->dir = DMA_TO_DEVICE;
		break;
	case CSA_OP_DMA_D2H:
		buf->dir = DMA_FROM_DEVICE;
		break;
	default:
		buf->dir = DMA_BIDIRECTIONAL;
		break;
	}
	buf->cpu = dma_alloc_coherent(dev, buf->size, &buf->dma,
				      GFP_KERNEL_ACCOUNT);
	if (!buf->cpu) {
		kfree(buf);
		return -ENOMEM;
	}
	spin_lock(&job->cdev->jobs_lock);
	list_add_tail(&buf->link, &job->sg_bufs);
	spin_unlock(&job->cdev->jobs_lock);
	csa_sg_fill(sgt, offset, bytes, buf->cpu);
	*sg_bus_addr = buf->dma;
	*sg_count = count;
	return 0;
}

static const struct csa_translate_ops csa_submit_ops = {
	.resolve_device = csa_resolve_device,
	.build_sg = csa_build_sg,
};

/*
 * Out-syncobjs of one submit, looked up (and their timeline links
 * allocated) before the job is armed: after that nothing may fail.
 */
struct csa_out_sync {
	struct drm_syncobj *syncobj;
	struct dma_fence_chain *chain;	/* NULL for point 0 */
	u64 point;
};

/*
 * Copy @n struct drm_csa_sync of @size bytes each (a newer caller's larger
 * ones must be zero beyond what we know) and check their flags.
 */
static struct drm_csa_sync *csa_copy_syncs(u64 uptr, u32 n, u32 size)
{
	void __user *src = u64_to_user_ptr(uptr);
	struct drm_csa_sync *syncs;
	u32 i;
	int ret;

	syncs = kvmalloc_array(n, sizeof(*syncs), GFP_KERNEL_ACCOUNT);
	if (!syncs)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < n; i++) {
		void __user *at = src + (size_t)i * size;

		if (copy_from_user(&syncs[i], at, sizeof(*syncs))) {
			ret = -EFAULT;
			goto err;
		}
		ret = check_zeroed_user(at + sizeof(*syncs),
					size - sizeof(*syncs));
		if (ret <= 0) {
			ret = ret ? ret : -EINVAL;
			goto err;
		}
		if (syncs[i].flags) {
			ret = -EINVAL;
			goto err;
		}
	}
	return syncs;
err:
	kvfree(syncs);
	return ERR_PTR(ret);
}

/* The sync fields of UAPI 1.3; zero from a caller built against 1.2 or earlier. */
static int csa_check_sync_args(const struct drm_csa_submit *args)
{
	if (args->pad2)
		return -EINVAL;
	if (args->num_in_syncs > CSA_SUBMIT_MAX_SYNCS ||
	    args->num_out_syncs > CSA_SUBMIT_MAX_SYNCS)
		return -EINVAL;
	if ((!args->num_in_syncs && args->in_syncs) ||
	    (!args->num_out_syncs && args->out_syncs))
		return -EINVAL;
	if (!args->sync_size)
		return args->num_in_syncs || args->num_out_syncs ? -EINVAL : 0;
	if (args->sync_size < sizeof(struct drm_csa_sync) ||
	    args->sync_size > PAGE_SIZE)
		return -EINVAL;
	return 0;
}

/* The job runs only once every in-fence has signalled. */
static int csa_add_in_syncs(struct csa_job *job, struct drm_file *file,
			    const struct drm_csa_submit *args)
{
	struct drm_csa_sync *in;
	u32 i;
	int ret = 0;

	if (!args->num_in_syncs)
		return 0;
	in = csa_copy_syncs(args->in_syncs, args->num_in_syncs,
			    args->sync_size);
	if (IS_ERR(in))
		return PTR_ERR(in);
	for (i = 0; i < args->num_in_syncs && !ret; i++)
		ret = drm_sched_job_add_syncobj_dependency(&job->base, file,
							   in[i].handle,
							   in[i].point);
	kvfree(in);
	return ret;
}

static void csa_out_syncs_free(struct csa_out_sync *out, u32 n)
{
	u32 i;

	if (!out)
		return;
	for (i = 0; i < n; i++) {
		dma_fence_chain_free(out[i].chain);
		if (out[i].syncobj)
			drm_syncobj_put(out[i].syncobj);
	}
	kvfree(out);
}

static struct csa_out_sync *csa_get_out_syncs(struct drm_file *file,
					      const struct drm_csa_submit *args)
{
	struct drm_csa_sync *syncs;
	struct csa_out_sync *out;
	u32 i, n = args->num_out_syncs;
	int ret = 0;

	if (!n)
		return NULL;
	syncs = csa_copy_syncs(args->out_syncs, n, args->sync_size);
	if (IS_ERR(syncs))
		return ERR_CAST(syncs);
	out = kvcalloc(n, sizeof(*out), GFP_KERNEL_ACCOUNT);
	if (!out) {
		kvfree(syncs);
		return ERR_PTR(-ENOMEM);
	}
	for (i = 0; i < n && !ret; i++) {
		out[i].point = syncs[i].point;
		out[i].syncobj = drm_syncobj_find(file, syncs[i].handle);
		if (!out[i].syncobj) {
			ret = -ENOENT;
			break;
		}
		if (out[i].point) {
			out[i].chain = dma_fence_chain_alloc();
			if (!out[i].chain)
				ret = -ENOMEM;
		}
	}
	kvfree(syncs);
	if (ret) {
		csa_out_syncs_free(out, n);
		return ERR_PTR(ret);
	}
	return out;
}

/* Publish the job's finished fence; consumes the chains. */
static void csa_signal_out_syncs(struct csa_out_sync *out, u32 n,
				 struct dma_fence *fence)
{
	u32 i;

	for (i = 0; i < n; i++) {
		if (out[i].chain) {
			drm_syncobj_add_point(out[i].syncobj, out[i].chain,
					      fence, out[i].point);
			out[i].chain = NULL;
		} else {
			drm_syncobj_replace_fence(out[i].syncobj, fence);
		}
	}
}

/*
 * Copy @n commands of @cmd_size bytes each.  A caller built against a newer
 * UAPI may pass larger commands; their extra bytes must be zero.
 */
static struct drm_csa_cmd *csa_copy_cmds(u64 uptr, u32 n, u32 cmd_size)
{
	void __user *src = u64_to_user_ptr(uptr);
	struct drm_csa_cmd *cmds;
	u32 i;
	int ret;

	cmds = kvmalloc_array(n, sizeof(*cmds), GFP_KERNEL_ACCOUNT);
	if (!cmds)
		return ERR_PTR(-ENOMEM);
	if (cmd_size == sizeof(*cmds)) {
		if (copy_from_user(cmds, src, (size_t)n * sizeof(*cmds)))
			goto fault;
		return cmds;
	}
	for (i = 0; i < n; i++) {
		void __user *at = src + (size_t)i * cmd_size;

		if (copy_from_user(&cmds[i], at, sizeof(*cmds)))
			goto fault;
		ret = check_zeroed_user(at + sizeof(*cmds),
					cmd_size - sizeof(*cmds));
		if (ret <= 0) {
			kvfree(cmds);
			return ERR_PTR(ret ? ret : -EINVAL);
		}
	}
	return cmds;
fault:
	kvfree(cmds);
	return ERR_PTR(-EFAULT);
}

/* Drop the oldest completed results beyond CSA_RESULTS_KEEP. */
static void csa_results_prune(struct csa_file *cfile)
{
	struct csa_result *r, *tmp;

	list_for_each_entry_safe(r, tmp, &cfile->results_fifo, fifo_link) {
		if (cfile->nr_results <= CSA_RESULTS_KEEP)
			break;
		if (!dma_fence_is_signaled(r->finished))
			break;
		xa_erase(&cfile->results, r->seqno);
		list_del(&r->fifo_link);
		cfile->nr_results--;
		csa_result_put(r);
	}
}

static int csa_translate_job(struct csa_job *job, struct drm_file *file,
			     const struct drm_csa_cmd *cmds)
{
	struct csa_submit_ctx ctx = { .file = file, .job = job };
	u32 i;
	int ret;

	for (i = 0; i < job->num_desc; i++) {
		ctx.opcode = cmds[i].opcode;
		ret = csa_translate_dep(&cmds[i], i);
		if (ret)
			return ret;
		ret = csa_translate_cmd(&cmds[i], &csa_submit_ops, &ctx,
					&job->desc[i]);
		if (ret)
			return ret;
		job->desc[i].tag = lower_32_bits(job->seqno);
	}
	job->desc[job->num_desc - 1].flags |= CSA_DESC_F_LAST;
	return 0;
}

static void csa_apply_injection(struct csa_device *cdev, struct csa_job *job)
{
	if (csa_fault_hang(cdev)) {
		job->inject_hang = true;
		drm_info(&cdev->drm, "fault injection: job %llu will hang\n",
			 job->seqno);
	} else if (csa_fault_corrupt(cdev)) {
		job->desc[0].opcode = CSA_INJECT_BAD_OPCODE;
		drm_info(&cdev->drm, "fault injection: job %llu corrupted\n",
			 job->seqno);
	}
}

int csa_ioctl_submit(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct csa_device *cdev = to_csa_device(drm);
	struct csa_file *cfile = file->driver_priv;
	struct drm_csa_submit *args = data;
	struct csa_out_sync *out = NULL;
	struct drm_csa_cmd *cmds;
	struct csa_result *result;
	struct csa_job *job;
	u64 seqno;
	int idx, ret;

	if (args->flags || args->pad)
		return -EINVAL;
	if (!args->num_cmds || args->num_cmds > cdev->max_cmds)
		return -EINVAL;
	if (args->cmd_size < sizeof(struct drm_csa_cmd) ||
	    args->cmd_size > PAGE_SIZE)
		return -EINVAL;
	ret = csa_check_sync_args(args);
	if (ret)
		return ret;
	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;
	if (READ_ONCE(cdev->wedged)) {
		drm_err_ratelimited(drm, "device wedged after a failed reset: SUBMIT refused until a RESET succeeds\n");
		ret = -EIO;
		goto out_exit;
	}

	csa_coredump_prepare(cdev);
	cmds = csa_copy_cmds(args->cmds, args->num_cmds, args->cmd_size);
	if (IS_ERR(cmds)) {
		ret = PTR_ERR(cmds);
		goto out_exit;
	}
	job = csa_job_alloc(cdev, args->num_cmds);
	if (!job) {
		ret = -ENOMEM;
		goto out_free_cmds;
	}
	/* charged until free_job; the file waits for its jobs beyond this */
	kref_get(&cfile->client->ref);
	job->client = cfile->client;
	if (atomic_inc_return(&job->client->jobs) > CSA_FILE_MAX_JOBS) {
		ret = -EBUSY;
		goto out_cleanup;
	}
	seqno = atomic64_inc_return(&cdev->seqno);
	job->seqno = seqno;
	result = job->result;
	result->seqno = seqno;

	ret = csa_translate_job(job, file, cmds);
	if (ret)
		goto out_cleanup;
	out = csa_get_out_syncs(file, args);
	if (IS_ERR(out)) {
		ret = PTR_ERR(out);
		out = NULL;
		goto out_cleanup;
	}

	ret = drm_sched_job_init(&job->base, &cfile->entity, job->num_desc,
				 cfile);
	if (ret)
		goto out_cleanup;
	ret = csa_add_in_syncs(job, file, args);
	if (ret)
		goto out_sched_cleanup;
	/* after the last check that can fail: a refused submit keeps it */
	csa_apply_injection(cdev, job);

	mutex_lock(&cfile->results_lock);
	/*
	 * Reserve the slot now (the only step that can fail); the result
	 * becomes visible to WAIT only once it has its fence.
	 */
	ret = xa_reserve(&cfile->results, seqno, GFP_KERNEL);
	if (ret) {
		mutex_unlock(&cfile->results_lock);
		goto out_sched_cleanup;
	}
	drm_sched_job_arm(&job->base);
	result->finished = dma_fence_get(&job->base.s_fence->finished);
	/* the file's reference; the job keeps its own until free_job */
	kref_get(&result->ref);
	xa_store(&cfile->results, seqno, result, GFP_KERNEL);
	list_add_tail(&result->fifo_link, &cfile->results_fifo);
	cfile->nr_results++;
	atomic64_inc(&cdev->jobs_submitted);
	if (out)
		csa_signal_out_syncs(out, args->num_out_syncs, result->finished);
	trace_csa_submit(seqno, job->num_desc);
	drm_sched_entity_push_job(&job->base);
	csa_results_prune(cfile);
	mutex_unlock(&cfile->results_lock);

	/* neither job nor result may be touched now: both can be gone */
	args->fence = seqno;
	csa_out_syncs_free(out, args->num_out_syncs);
	kvfree(cmds);
	drm_dev_exit(idx);
	return 0;

out_sched_cleanup:
	drm_sched_job_cleanup(&job->base);
out_cleanup:
	csa_out_syncs_free(out, args->num_out_syncs);
	csa_job_cleanup(job);
out_free_cmds:
	kvfree(cmds);
out_exit:
	drm_dev_exit(idx);
	return ret;
}
