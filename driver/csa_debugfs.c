// SPDX-License-Identifier: GPL-2.0-only
/*
 * CSA: debugfs, under the accel minor's directory
 * (/sys/kernel/debug/accel/<minor>/):
 *   ring    ring registers, driver indices and in-flight jobs
 *   errors  the last device errors, newest last
 *   fail_hang, fail_corrupt, fail_reset
 *           fault_attr directories with CONFIG_FAULT_INJECTION_DEBUG_FS
 *           (csa_fault.c)
 *   inject  only in a CSA_DEBUG build (for kernels without fault
 *           injection): write "hang" or "corrupt" to break the next
 *           submit, or "reset-fail" to make the next recovery fail (the
 *           device is then wedged); read back what is armed ("none" once
 *           consumed)
 */
#include <linux/debugfs.h>
#include <linux/ktime.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>

#include "csa_drv.h"

void csa_errlog_add(struct csa_device *cdev, u32 error_status, u32 error_info)
{
	struct csa_errlog_entry *e;
	unsigned long flags;

	spin_lock_irqsave(&cdev->errlog_lock, flags);
	e = &cdev->errlog[cdev->errlog_next++ % CSA_ERRLOG_LEN];
	e->time_ns = ktime_get_ns();
	e->error_status = error_status;
	e->error_info = error_info;
	spin_unlock_irqrestore(&cdev->errlog_lock, flags);
}

static int csa_ring_show(struct seq_file *m, void *unused)
{
	struct csa_device *cdev = m->private;
	struct drm_csa_counters c;
	struct csa_job *job;
	unsigned long flags;
	int idx;

	csa_fill_counters(cdev, &c);
	seq_printf(m, "sq: entries %u dma %pad head %u tail %u\n",
		   cdev->sq.entries, &cdev->sq.dma, c.sq_head, c.sq_tail);
	seq_printf(m, "cq: entries %u dma %pad head %u tail %u phase %u\n",
		   cdev->cq.entries, &cdev->cq.dma, c.cq_head, c.cq_tail,
		   cdev->cq_phase);
	if (drm_dev_enter(&cdev->drm, &idx)) {
		seq_printf(m, "status %#x error_status %#x irq_status %#x irq_mask %#x\n",
			   csa_read(cdev, CSA_REG_STATUS),
			   csa_read(cdev, CSA_REG_ERROR_STATUS),
			   csa_read(cdev, CSA_REG_IRQ_STATUS),
			   csa_read(cdev, CSA_REG_IRQ_MASK));
		drm_dev_exit(idx);
	} else {
		seq_puts(m, "device removed\n");
	}
	seq_printf(m, "jobs submitted %llu completed %llu resets %llu stale_cqes %lld\n",
		   c.jobs_submitted, c.jobs_completed, c.resets,
		   (long long)atomic64_read(&cdev->cqe_stale));
	spin_lock_irqsave(&cdev->ring_lock, flags);
	seq_printf(m, "hung %d\n", cdev->hung);
	list_for_each_entry(job, &cdev->inflight, inflight_link)
		seq_printf(m, "in flight: job %llu descriptors %u\n",
			   job->seqno, job->num_desc);
	spin_unlock_irqrestore(&cdev->ring_lock, flags);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(csa_ring);

static int csa_errors_show(struct seq_file *m, void *unused)
{
	struct csa_device *cdev = m->private;
	struct csa_errlog_entry log[CSA_ERRLOG_LEN];
	unsigned int next, i, n;
	unsigned long flags;

	spin_lock_irqsave(&cdev->errlog_lock, flags);
	memcpy(log, cdev->errlog, sizeof(log));
	next = cdev->errlog_next;
	spin_unlock_irqrestore(&cdev->errlog_lock, flags);

	n = min_t(unsigned int, next, CSA_ERRLOG_LEN);
	seq_printf(m, "last_error_status %u\n", cdev->last_error_status);
	for (i = next - n; i != next; i++) {
		struct csa_errlog_entry *e = &log[i % CSA_ERRLOG_LEN];

		seq_printf(m, "%llu ns: error_status %#x error_info %#x\n",
			   e->time_ns, e->error_status, e->error_info);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(csa_errors);

#ifdef CSA_DEBUG
static const char *const csa_inject_names[] = {
	[CSA_INJECT_NONE] = "none",
	[CSA_INJECT_HANG] = "hang",
	[CSA_INJECT_CORRUPT] = "corrupt",
	[CSA_INJECT_RESET_FAIL] = "reset-fail",
};

static int csa_inject_show(struct seq_file *m, void *unused)
{
	struct csa_device *cdev = m->private;
	int v = atomic_read(&cdev->inject);

	seq_printf(m, "%s\n", v >= 0 && v < ARRAY_SIZE(csa_inject_names) ?
		   csa_inject_names[v] : "?");
	if (atomic_read(&cdev->inject_reset_fail))
		seq_printf(m, "%s\n", csa_inject_names[CSA_INJECT_RESET_FAIL]);
	return 0;
}

static int csa_inject_open(struct inode *inode, struct file *file)
{
	return single_open(file, csa_inject_show, inode->i_private);
}

static ssize_t csa_inject_write(struct file *file, const char __user *ubuf,
				size_t len, loff_t *pos)
{
	struct csa_device *cdev = file_inode(file)->i_private;
	char buf[16];
	int i;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	i = sysfs_match_string(csa_inject_names, strim(buf));
	if (i < 0)
		return i;
	if (i == CSA_INJECT_RESET_FAIL)
		atomic_set(&cdev->inject_reset_fail, 1);
	else
		atomic_set(&cdev->inject, i);
	return len;
}

static const struct file_operations csa_inject_fops = {
	.owner = THIS_MODULE,
	.open = csa_inject_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.write = csa_inject_write,
	.release = single_release,
};

#endif

/*
 * Accel minors do not get drm_driver.debugfs_init (6.8 .. 6.12): call this
 * after drm_dev_register(), which creates drm.debugfs_root.
 */
void csa_debugfs_init(struct csa_device *cdev)
{
	struct dentry *root = cdev->drm.debugfs_root;

	debugfs_create_file("ring", 0444, root, cdev, &csa_ring_fops);
	debugfs_create_file("errors", 0444, root, cdev, &csa_errors_fops);
#ifdef CSA_DEBUG
	debugfs_create_file("inject", 0600, root, cdev, &csa_inject_fops);
#endif
	csa_fault_debugfs_init(cdev, root);
}
