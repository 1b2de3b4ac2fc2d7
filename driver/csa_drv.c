// SPDX-License-Identifier: GPL-2.0-only
/*
 * CSA LLM-decoding accelerator: DRM accel driver (/dev/accel/accelN).
 * Module parameters, the drm_driver, the ioctl table and per-file state.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>

#include <drm/drm_accel.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_ioctl.h>

#include "csa_compat.h"
#include "csa_drv.h"

int csa_irq_mode;
unsigned int csa_sq_entries = 8192;

/*
 * Test knobs, only in a CSA_DEBUG build (the VM tests' module): force an
 * interrupt kind, shrink the rings.  A production module always picks the
 * best interrupt kind and full-size rings.
 */
#ifdef CSA_DEBUG
module_param_named(irq_mode, csa_irq_mode, int, 0444);
MODULE_PARM_DESC(irq_mode, "Interrupts: 0 auto (MSI-X, MSI, INTx), 1 MSI-X, 2 MSI, 3 INTx");
module_param_named(sq_entries, csa_sq_entries, uint, 0444);
MODULE_PARM_DESC(sq_entries, "Submission/completion ring entries, power of two (default 8192)");
#endif

unsigned int csa_job_timeout_ms = 5000;
module_param_named(job_timeout_ms, csa_job_timeout_ms, uint, 0444);
MODULE_PARM_DESC(job_timeout_ms, "A job running longer resets the device (default 5000)");

static int csa_open(struct drm_device *drm, struct drm_file *file)
{
	struct csa_device *cdev = to_csa_device(drm);
	struct drm_gpu_scheduler *sched = &cdev->sched;
	struct csa_file *cfile;
	int ret;

	cfile = kzalloc(sizeof(*cfile), GFP_KERNEL_ACCOUNT);
	if (!cfile)
		return -ENOMEM;
	cfile->client = csa_client_alloc();
	if (!cfile->client) {
		kfree(cfile);
		return -ENOMEM;
	}
	cfile->cdev = cdev;
	mutex_init(&cfile->results_lock);
	xa_init(&cfile->results);
	INIT_LIST_HEAD(&cfile->results_fifo);
	ret = drm_sched_entity_init(&cfile->entity, DRM_SCHED_PRIORITY_NORMAL,
				    &sched, 1, NULL);
	if (ret) {
		csa_client_put(cfile->client);
		kfree(cfile);
		return ret;
	}
	file->driver_priv = cfile;
	return 0;
}

/*
 * Also runs when the process was killed: the entity drops the jobs not yet
 * on the ring; the ones on it finish (or time out) and free their BO
 * references in free_job.
 */
static void csa_postclose(struct drm_device *drm, struct drm_file *file)
{
	struct csa_file *cfile = file->driver_priv;
	struct csa_result *r, *tmp;

	drm_sched_entity_destroy(&cfile->entity);
	list_for_each_entry_safe(r, tmp, &cfile->results_fifo, fifo_link) {
		list_del(&r->fifo_link);
		csa_result_put(r);
	}
	xa_destroy(&cfile->results);
	mutex_destroy(&cfile->results_lock);
	csa_client_put(cfile->client);
	kfree(cfile);
}

static const struct drm_ioctl_desc csa_ioctls[] = {
	DRM_IOCTL_DEF_DRV(CSA_GET_INFO, csa_ioctl_get_info, 0),
	DRM_IOCTL_DEF_DRV(CSA_BO_CREATE, csa_ioctl_bo_create, 0),
	DRM_IOCTL_DEF_DRV(CSA_BO_INFO, csa_ioctl_bo_info, 0),
	DRM_IOCTL_DEF_DRV(CSA_SUBMIT, csa_ioctl_submit, 0),
	DRM_IOCTL_DEF_DRV(CSA_WAIT, csa_ioctl_wait, 0),
	DRM_IOCTL_DEF_DRV(CSA_GET_COUNTERS, csa_ioctl_get_counters, 0),
	DRM_IOCTL_DEF_DRV(CSA_RESET, csa_ioctl_reset, 0),
};

/* DEFINE_DRM_ACCEL_FOPS plus fdinfo (drm_show_fdinfo -> csa_show_fdinfo) */
static const struct file_operations csa_fops = {
	.owner = THIS_MODULE,
	DRM_ACCEL_FOPS,
	.show_fdinfo = drm_show_fdinfo,
};

const struct drm_driver csa_drm_driver = {
	.driver_features = DRIVER_COMPUTE_ACCEL | DRIVER_GEM | DRIVER_SYNCOBJ |
			   DRIVER_SYNCOBJ_TIMELINE,
	.open = csa_open,
	.postclose = csa_postclose,
	.ioctls = csa_ioctls,
	.num_ioctls = ARRAY_SIZE(csa_ioctls),
	.fops = &csa_fops,
	.show_fdinfo = csa_show_fdinfo,
	/*
	 * Not DRM_GEM_SHMEM_DRIVER_OPS: its dumb_create would let the core's
	 * DUMB_CREATE and MAP_DUMB ioctls make BOs and mmap offsets outside
	 * BO_CREATE's checks.  Host BOs export through the core's default
	 * PRIME helpers; dma-bufs of other devices import as host BOs.
	 */
	.gem_prime_import_sg_table = csa_gem_prime_import_sg_table,
	/* host BOs, created or imported, are tracked for removal */
	.gem_create_object = csa_gem_create_object,
	.name = DRM_CSA_DRIVER_NAME,
	.desc = CSA_DRIVER_DESC,
#if !CSA_KERNEL_AT_LEAST(6, 14)
	.date = "20261123",	/* dropped from struct drm_driver in 6.14 */
#endif
	.major = DRM_CSA_UAPI_MAJOR,
	.minor = DRM_CSA_UAPI_MINOR,
};

static int __init csa_init(void)
{
	return pci_register_driver(&csa_pci_driver);
}

static void __exit csa_exit(void)
{
	pci_unregister_driver(&csa_pci_driver);
}

module_init(csa_init);
module_exit(csa_exit);

MODULE_DESCRIPTION(CSA_DRIVER_DESC);
MODULE_LICENSE("GPL");
/* dma_buf_unmap_attachment(): removal unmaps imported host BOs */
#if CSA_KERNEL_AT_LEAST(6, 13)
MODULE_IMPORT_NS("DMA_BUF");
#else
MODULE_IMPORT_NS(DMA_BUF);
#endif
MODULE_AUTHOR("CSA project");
