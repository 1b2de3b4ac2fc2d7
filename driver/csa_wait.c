// SPDX-License-Identifier: GPL-2.0-only
/*
 * CSA: DRM_IOCTL_CSA_WAIT.  The timeout is absolute, so a wait interrupted
 * by a signal restarts with the same arguments and the same deadline.
 */
#include <drm/drm_file.h>
#include <drm/drm_utils.h>

#include "csa_drv.h"

int csa_ioctl_wait(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct csa_file *cfile = file->driver_priv;
	struct drm_csa_wait *args = data;
	struct csa_result *result;
	long timeout, ret;

	if (!args->fence || args->fence > ULONG_MAX)
		return -EINVAL;

	xa_lock(&cfile->results);
	result = xa_load(&cfile->results, args->fence);
	if (result)
		kref_get(&result->ref);
	xa_unlock(&cfile->results);
	/* never submitted by this file, or completed long ago and dropped */
	if (!result)
		return -EINVAL;

	if (args->timeout_ns <= 0) {
		ret = dma_fence_is_signaled(result->finished) ? 1 : 0;
	} else {
		timeout = drm_timeout_abs_to_jiffies(args->timeout_ns);
		ret = dma_fence_wait_timeout(result->finished, true, timeout);
	}
	if (ret > 0) {
		args->status = READ_ONCE(result->status);
		args->failed_index = READ_ONCE(result->failed_index);
		args->cycles = READ_ONCE(result->cycles);
		ret = 0;
	} else if (ret == 0) {
		ret = -ETIME;
	}
	csa_result_put(result);
	return ret;
}
