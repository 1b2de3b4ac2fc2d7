// SPDX-License-Identifier: MIT
/*
 * submit.c - submission and waiting, plus the error texts.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "libaccel/accel_internal.h"

/* Every buffer a list names must still be the one it named (a freed
 * handle may since have been given to a new buffer).  Caller holds the
 * device lock. */
static int check_live_buffers(const struct accel_cmdlist *cl)
{
	const struct accel_dev *dev = cl->dev;
	uint32_t i;
	unsigned int s;

	for (i = 0; i < cl->count; i++) {
		for (s = 0; s < CSA_CMD_BUFS; s++) {
			uint32_t h = cl->cmds[i].buf[s].handle;

			if (!h)
				continue;
			if (h >= dev->by_handle_len || !dev->by_handle[h] ||
			    dev->by_handle[h]->gen != cl->gens[i].gen[s])
				return -ENOENT;
		}
	}
	return 0;
}

int accel_submit(struct accel_cmdlist *cl, uint64_t *fence)
{
	struct accel_dev *dev;
	int ret;

	if (!cl || !fence || !cl->count)
		return -EINVAL;
	dev = cl->dev;
	/* The list's commands go to the backend as they are (the UAPI
	 * array); it copies them before this returns. */
	pthread_mutex_lock(&dev->lock);
	ret = check_live_buffers(cl);
	if (!ret)
		ret = dev->be->submit(dev, cl->cmds, cl->count, fence);
	pthread_mutex_unlock(&dev->lock);
	return ret;
}

int accel_wait(struct accel_dev *dev, uint64_t fence, int64_t timeout_ns,
	       struct accel_status *st)
{
	struct drm_csa_wait w;
	int ret;

	if (!dev || !fence || timeout_ns < 0)
		return -EINVAL;
	memset(&w, 0, sizeof(w));
	ret = dev->be->wait(dev, fence, timeout_ns, &w);
	if (ret)
		return ret;
	if (st) {
		st->status = w.status;
		st->failed_index = w.failed_index;
		st->cycles = w.cycles;
	}
	return 0;
}

int accel_completion_fd(struct accel_dev *dev)
{
	if (!dev)
		return -EINVAL;
	return dev->be->completion_fd ? dev->be->completion_fd(dev) : -ENOTSUP;
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* What is left of @timeout_ns started at @t0 (0 once spent). */
static int64_t remaining(int64_t timeout_ns, int64_t t0)
{
	int64_t spent;

	if (timeout_ns == ACCEL_WAIT_FOREVER)
		return ACCEL_WAIT_FOREVER;
	spent = mono_ns() - t0;
	return spent >= timeout_ns ? 0 : timeout_ns - spent;
}

int accel_wait_fences(struct accel_dev *dev, const uint64_t *fences,
		      unsigned int n, unsigned int flags, int64_t timeout_ns,
		      unsigned int *first)
{
	int64_t t0 = mono_ns();
	unsigned int oldest = 0, i;
	int ret;

	if (!dev || !fences || !n || flags > ACCEL_WAIT_ALL || timeout_ns < 0)
		return -EINVAL;
	if (flags == ACCEL_WAIT_ALL) {
		for (i = 0; i < n; i++) {
			ret = accel_wait(dev, fences[i], remaining(timeout_ns, t0), NULL);
			if (ret)
				return ret;
		}
		return 0;
	}
	/* any: one that is already done, else the oldest, which (in-order
	 * completion) is the first to finish */
	for (i = 0; i < n; i++) {
		ret = accel_wait(dev, fences[i], 0, NULL);
		if (!ret) {
			if (first)
				*first = i;
			return 0;
		}
		if (ret != -ETIME)
			return ret;
		if (fences[i] < fences[oldest])
			oldest = i;
	}
	ret = accel_wait(dev, fences[oldest], remaining(timeout_ns, t0), NULL);
	if (!ret && first)
		*first = oldest;
	return ret;
}

int accel_submit_wait(struct accel_cmdlist *cl, int64_t timeout_ns,
		      struct accel_status *st)
{
	struct accel_status local;
	uint64_t fence;
	int ret;

	if (!cl || timeout_ns < 0)
		return -EINVAL;
	ret = accel_submit(cl, &fence);
	if (ret)
		return ret;
	ret = accel_wait(cl->dev, fence, timeout_ns, &local);
	if (ret)
		return ret;
	if (st)
		*st = local;
	return local.status == CSA_STATUS_OK ? 0 : -EIO;
}

static const char *const status_names[CSA_STATUS_COUNT] = {
	[CSA_STATUS_OK] = "OK",
	[CSA_STATUS_BAD_OPCODE] = "BAD_OPCODE",
	[CSA_STATUS_RESERVED] = "RESERVED",
	[CSA_STATUS_BAD_ARG] = "BAD_ARG",
	[CSA_STATUS_ADDR_RANGE] = "ADDR_RANGE",
	[CSA_STATUS_OVERLAP] = "OVERLAP",
	[CSA_STATUS_DMA_FAULT] = "DMA_FAULT",
	[CSA_STATUS_BAD_SG] = "BAD_SG",
	[CSA_STATUS_ABORTED] = "ABORTED",
	[CSA_STATUS_TIMEOUT] = "TIMEOUT",
};

static const char *const status_texts[CSA_STATUS_COUNT] = {
	[CSA_STATUS_OK] = "device: success",
	[CSA_STATUS_BAD_OPCODE] = "device: unknown opcode",
	[CSA_STATUS_RESERVED] = "device: reserved field or flag not zero",
	[CSA_STATUS_BAD_ARG] = "device: dimension or count out of range",
	[CSA_STATUS_ADDR_RANGE] = "device: address out of range or misaligned",
	[CSA_STATUS_OVERLAP] = "device: output overlaps an input",
	[CSA_STATUS_DMA_FAULT] = "device: host DMA failed",
	[CSA_STATUS_BAD_SG] = "device: scatter-gather list malformed",
	[CSA_STATUS_ABORTED] = "device: aborted (earlier error or reset)",
	[CSA_STATUS_TIMEOUT] = "device: timed out and was reset",
};

const char *accel_status_name(uint32_t status)
{
	return status < CSA_STATUS_COUNT ? status_names[status] : "UNKNOWN";
}

const char *accel_strerror(int err)
{
	if (err <= ACCEL_STATUS_ERR(0) &&
	    err > ACCEL_STATUS_ERR(CSA_STATUS_COUNT))
		return status_texts[-(err + 1000)];
	switch (-err) {
	case 0: return "success";
	case EINVAL: return "invalid argument";
	case ENOMEM: return "out of memory";
	case ENOENT: return "no such device or buffer";
	case ENODEV: return "not a CSA device";
	case ERANGE: return "offset or size past the end of the buffer";
	case EXDEV: return "buffer belongs to another device handle";
	case E2BIG: return "command list too long";
	case ETIME: return "timed out (command list still running)";
	case EIO: return "command list completed with an error status";
	case ENOTSUP: return "not supported by this device";
	case EBUSY: return "device busy";
	case EPERM: return "operation not permitted";
	case EACCES: return "permission denied";
	case EINTR: return "interrupted";
	case ESTALE: return "fence too old to report its status";
	case ENAMETOOLONG: return "device path too long";
	case EFAULT: return "bad address";
	case EAGAIN: return "try again";
	case ENOSPC: return "no space left (device memory)";
	case ENOTTY: return "not a DRM device";
	case EBADF: return "bad file descriptor (device closed?)";
	case ENXIO: return "no such device (card removed?)";
	case EMFILE: return "too many open files";
	case EOVERFLOW: return "value too large";
	case EBADMSG: return "malformed message";
	default: {
		/* the errno of open(2) and friends: libc's thread-safe text */
		const char *s = err < 0 ? strerrordesc_np(-err) : NULL;

		return s ? s : "unknown error";
	}
	}
}
