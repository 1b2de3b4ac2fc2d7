// SPDX-License-Identifier: GPL-2.0-only
/*
 * CSA: a devcoredump when a job times out, taken before the reset wipes
 * the state: the ring and error registers, the driver's ring indices and
 * the hung job's first descriptors, as text in
 * /sys/class/devcoredump/devcd<N>/data (root only; one dump at a time, the
 * devcoredump core drops new ones until it is read or 5 minutes pass).
 * The buffer is vmalloc'ed ahead of time (timedout_job is on the fence
 * path and must not allocate), handed to dev_coredumpv(), whose vfree lives
 * in the core: a pending dump does not pin the module.  SUBMIT allocates
 * the next one.
 */
#include <linux/devcoredump.h>
#include <linux/vmalloc.h>

#include <drm/drm_managed.h>

#include <drm/drm_drv.h>

#include "csa_drv.h"

#define CSA_DUMP_SIZE		SZ_16K
#define CSA_DUMP_MAX_DESC	64

static const struct {
	const char *name;
	u32 reg;
} csa_dump_regs[] = {
	{ "CONTROL", CSA_REG_CONTROL }, { "STATUS", CSA_REG_STATUS },
	{ "ERROR_STATUS", CSA_REG_ERROR_STATUS },
	{ "ERROR_INFO", CSA_REG_ERROR_INFO },
	{ "IRQ_STATUS", CSA_REG_IRQ_STATUS }, { "IRQ_MASK", CSA_REG_IRQ_MASK },
	{ "SQ_SIZE", CSA_REG_SQ_SIZE }, { "SQ_HEAD", CSA_REG_SQ_HEAD },
	{ "CQ_SIZE", CSA_REG_CQ_SIZE }, { "CQ_TAIL", CSA_REG_CQ_TAIL },
};

/* Process context (SUBMIT, probe): make sure a buffer is ready. */
void csa_coredump_prepare(struct csa_device *cdev)
{
	void *buf;

	if (READ_ONCE(cdev->dump_buf))
		return;
	buf = vmalloc(CSA_DUMP_SIZE);
	if (buf && cmpxchg(&cdev->dump_buf, NULL, buf))
		vfree(buf);
}

static void csa_coredump_fini(struct drm_device *drm, void *arg)
{
	vfree(xchg(&to_csa_device(drm)->dump_buf, NULL));
}

int csa_coredump_init(struct csa_device *cdev)
{
	csa_coredump_prepare(cdev);
	return drmm_add_action_or_reset(&cdev->drm, csa_coredump_fini, NULL);
}

/* Called from timedout_job, before recovery: no sleeping allocation. */
void csa_coredump(struct csa_device *cdev, struct csa_job *job)
{
	size_t len = 0, size = CSA_DUMP_SIZE;
	unsigned long flags;
	unsigned int i;
	char *buf;
	int idx;

	buf = xchg(&cdev->dump_buf, NULL);
	if (!buf)
		return;
	len += scnprintf(buf + len, size - len,
			 "csa devcoredump\ndriver: %s %u.%u\ndevice: %s\nversion: %#x\ntime_ns: %llu\n",
			 DRM_CSA_DRIVER_NAME, DRM_CSA_UAPI_MAJOR,
			 DRM_CSA_UAPI_MINOR, pci_name(cdev->pdev),
			 cdev->hw_version, ktime_get_ns());
	len += scnprintf(buf + len, size - len,
			 "job: seqno %llu descriptors %u\n", job->seqno,
			 job->num_desc);
	if (drm_dev_enter(&cdev->drm, &idx)) {
		for (i = 0; i < ARRAY_SIZE(csa_dump_regs); i++)
			len += scnprintf(buf + len, size - len,
					 "reg %s: %#010x\n",
					 csa_dump_regs[i].name,
					 csa_read(cdev, csa_dump_regs[i].reg));
		drm_dev_exit(idx);
	}
	spin_lock_irqsave(&cdev->ring_lock, flags);
	len += scnprintf(buf + len, size - len,
			 "driver: sq_tail %u sq_head_seen %u cq_head %u cq_phase %u hung %d\n",
			 cdev->sq_tail, cdev->sq_head_seen, cdev->cq_head,
			 cdev->cq_phase, cdev->hung);
	spin_unlock_irqrestore(&cdev->ring_lock, flags);
	for (i = 0; i < job->num_desc && i < CSA_DUMP_MAX_DESC; i++) {
		const struct csa_desc *d = &job->desc[i];

		len += scnprintf(buf + len, size - len,
				 "desc %u: opcode %u flags %#x tag %u arg %#x %#x %#x %#x addr %#llx %#llx %#llx\n",
				 i, d->opcode, d->flags, d->tag, d->arg[0],
				 d->arg[1], d->arg[2], d->arg[3], d->addr[0],
				 d->addr[1], d->addr[2]);
	}
	dev_coredumpv(&cdev->pdev->dev, buf, len, GFP_NOWAIT);
}
