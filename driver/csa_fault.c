// SPDX-License-Identifier: GPL-2.0-only
/*
 * CSA: fault injection for tests, the kernel's way (fault_attr,
 * Documentation/fault-injection/fault-injection.rst).  With
 * CONFIG_FAULT_INJECTION_DEBUG_FS each device gets, in its accel debugfs
 * directory:
 *   fail_hang     a submit is written to the ring but its doorbell is not
 *                 rung, so it hangs until the timeout resets the device
 *   fail_corrupt  a submit's first descriptor gets an invalid opcode
 *   fail_reset    a recovery acts as if the reset failed (device wedged)
 * e.g. probability 100, interval 1, times 1: the next one fails.  Without
 * CONFIG_FAULT_INJECTION should_fail() is false and none of this exists.
 * A module built with CSA_DEBUG also has the older one-shot "inject" file
 * (csa_debugfs.c) for kernels without fault injection.
 */
#include <linux/fault-inject.h>

#include <drm/drm_managed.h>

#include "csa_drv.h"

static DECLARE_FAULT_ATTR(csa_fail_default);

bool csa_fault_hang(struct csa_device *cdev)
{
	return atomic_cmpxchg(&cdev->inject, CSA_INJECT_HANG,
			      CSA_INJECT_NONE) == CSA_INJECT_HANG ||
	       should_fail(&cdev->fail_hang, 1);
}

bool csa_fault_corrupt(struct csa_device *cdev)
{
	return atomic_cmpxchg(&cdev->inject, CSA_INJECT_CORRUPT,
			      CSA_INJECT_NONE) == CSA_INJECT_CORRUPT ||
	       should_fail(&cdev->fail_corrupt, 1);
}

bool csa_fault_reset(struct csa_device *cdev)
{
	return atomic_xchg(&cdev->inject_reset_fail, 0) ||
	       should_fail(&cdev->fail_reset, 1);
}

#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
/* fault_create_debugfs_attr() keeps a reference to its directory */
static void csa_fault_fini(struct drm_device *drm, void *arg)
{
	struct csa_device *cdev = to_csa_device(drm);

	dput(cdev->fail_hang.dname);
	dput(cdev->fail_corrupt.dname);
	dput(cdev->fail_reset.dname);
}

void csa_fault_debugfs_init(struct csa_device *cdev, struct dentry *root)
{
	fault_create_debugfs_attr("fail_hang", root, &cdev->fail_hang);
	fault_create_debugfs_attr("fail_corrupt", root, &cdev->fail_corrupt);
	fault_create_debugfs_attr("fail_reset", root, &cdev->fail_reset);
	if (drmm_add_action(&cdev->drm, csa_fault_fini, NULL))
		csa_fault_fini(&cdev->drm, NULL);
}
#else
void csa_fault_debugfs_init(struct csa_device *cdev, struct dentry *root)
{
}
#endif

void csa_fault_init(struct csa_device *cdev)
{
	cdev->fail_hang = csa_fail_default;
	cdev->fail_corrupt = csa_fail_default;
	cdev->fail_reset = csa_fail_default;
}
