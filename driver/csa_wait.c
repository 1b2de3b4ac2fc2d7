// SPDX-License-Identifier: GPL-2.0-only
/*
 * CSA: DRM_IOCTL_CSA_WAIT.  The timeout is absolute, so a wait interrupted
 * by a signal restarts with the same arguments and the same deadline.
 */
#include <linux/jiffies.h>
#include <linux/ktime.h>

#include <drm/drm_file.h>

#include "csa_drv.h"

/*
 * Wait for @fence until the CLOCK_MONOTONIC time @deadline_ns.  Returns 1
 * when signalled, 0 only once the deadline has passed, or -ERESTARTSYS.
 * Jiffies are coarse (4 ms at HZ=250) and drm_timeout_abs_to_jiffies()
 * rounds down, so a short deadline used to end the wait at once: round up
 * and check the clock, never the jiffy count, before saying -ETIME.
 */
static long csa_wait_until(struct dma_fence *fence, s64 deadline_ns)
{
	long ret;

	for (;;) {
		s64 left = deadline_ns - ktime_get_ns();

		if (left <= 0)
			return dma_fence_is_signaled(fence) ? 1 : 0;
		ret = dma_fence_wait_timeout(fence, true,
					     nsecs_to_jiffies(left) + 1);
		if (ret)
			return ret < 0 ? ret : 1;
	}
}

int csa_ioctl_wait(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct csa_file *cfile = file->driver_priv;
	struct drm_csa_wait *args = data;
	struct csa_result *result;
	long ret;

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

	if (args->timeout_ns <= 0)
		ret = dma_fence_is_signaled(result->finished) ? 1 : 0;
	else
		ret = csa_wait_until(result->finished, args->timeout_ns);
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
