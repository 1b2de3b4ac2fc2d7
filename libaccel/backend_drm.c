// SPDX-License-Identifier: MIT
/*
 * backend_drm.c - the kernel backend: ioctls on /dev/accel/accelN (the
 * csa DRM accel driver) through libdrm's drmIoctl, which restarts calls
 * interrupted by signals.  The UAPI is include/uapi/drm/csa_accel.h.
 *
 * accel_completion_fd(): an eventfd the kernel signals once per completed
 * submit.  Each submit after the first call signals the next point of one
 * timeline syncobj (an out-syncobj of SUBMIT, UAPI 1.3), and the eventfd is
 * registered for that point with DRM_IOCTL_SYNCOBJ_EVENTFD before the
 * submit, so the count is exactly the number of completed submits.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <xf86drm.h>

#include "libaccel/accel_internal.h"

#include "csa/drm_syncobj_eventfd.h"

struct drm_priv {
	int fd;
	pthread_mutex_t sync_lock;	/* the completion fd's state below */
	int event_fd;			/* -1 until accel_completion_fd() */
	uint32_t timeline;		/* syncobj the submits signal */
	uint64_t last_point;		/* signalled by the last submit */
	uint64_t armed_point;		/* the eventfd waits for it already */
};

static int fd_of(struct accel_dev *dev)
{
	return ((struct drm_priv *)dev->priv)->fd;
}

/* drmIoctl returns -1 and sets errno; we return -errno. */
static int csa_ioctl(int fd, unsigned long req, void *arg)
{
	if (drmIoctl(fd, req, arg))
		return errno ? -errno : -EIO;
	return 0;
}

static void drm_close(struct accel_dev *dev)
{
	struct drm_priv *p = dev->priv;

	if (p) {
		if (p->event_fd >= 0) {
			struct drm_syncobj_destroy d;

			memset(&d, 0, sizeof(d));
			d.handle = p->timeline;
			csa_ioctl(p->fd, DRM_IOCTL_SYNCOBJ_DESTROY, &d);
			close(p->event_fd);
		}
		close(p->fd);
		pthread_mutex_destroy(&p->sync_lock);
		free(p);
	}
	dev->priv = NULL;
}

static int drm_query_info(struct accel_dev *dev, struct drm_csa_info *info)
{
	memset(info, 0, sizeof(*info));
	return csa_ioctl(fd_of(dev), DRM_IOCTL_CSA_GET_INFO, info);
}

static int drm_query_counters(struct accel_dev *dev,
			      struct drm_csa_counters *c)
{
	memset(c, 0, sizeof(*c));
	return csa_ioctl(fd_of(dev), DRM_IOCTL_CSA_GET_COUNTERS, c);
}

static int drm_reset(struct accel_dev *dev)
{
	struct drm_csa_reset r;

	memset(&r, 0, sizeof(r));
	return csa_ioctl(fd_of(dev), DRM_IOCTL_CSA_RESET, &r);
}

static int drm_bo_create(struct accel_dev *dev, uint64_t size, uint32_t flags,
			 uint32_t *handle, uint64_t *real_size)
{
	struct drm_csa_bo_create c;
	struct drm_csa_bo_info i;
	struct drm_gem_close gc;
	int ret;

	memset(&c, 0, sizeof(c));
	c.size = size;
	c.flags = flags;
	ret = csa_ioctl(fd_of(dev), DRM_IOCTL_CSA_BO_CREATE, &c);
	if (ret)
		return ret;
	/* The size the kernel rounded to, from the object itself. */
	memset(&i, 0, sizeof(i));
	i.handle = c.handle;
	ret = csa_ioctl(fd_of(dev), DRM_IOCTL_CSA_BO_INFO, &i);
	if (ret) {
		memset(&gc, 0, sizeof(gc));
		gc.handle = c.handle;
		csa_ioctl(fd_of(dev), DRM_IOCTL_GEM_CLOSE, &gc);
		return ret;
	}
	*handle = c.handle;
	*real_size = i.size;
	return 0;
}

static void drm_bo_destroy(struct accel_dev *dev, uint32_t handle)
{
	struct drm_gem_close gc;

	memset(&gc, 0, sizeof(gc));
	gc.handle = handle;
	csa_ioctl(fd_of(dev), DRM_IOCTL_GEM_CLOSE, &gc);
}

static int drm_bo_map(struct accel_dev *dev, uint32_t handle, uint64_t size,
		      void **ptr)
{
	struct drm_csa_bo_info i;
	void *p;
	int ret;

	memset(&i, 0, sizeof(i));
	i.handle = handle;
	ret = csa_ioctl(fd_of(dev), DRM_IOCTL_CSA_BO_INFO, &i);
	if (ret)
		return ret;
	if (!i.mmap_offset)
		return -ENOTSUP;	/* device BO without a BAR window */
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd_of(dev),
		 (off_t)i.mmap_offset);
	if (p == MAP_FAILED)
		return -errno;
	*ptr = p;
	return 0;
}

static void drm_bo_unmap(struct accel_dev *dev, uint32_t handle, void *ptr,
			 uint64_t size)
{
	(void)dev;
	(void)handle;
	munmap(ptr, size);
}

/* With a completion fd: make the eventfd wait for @point (once). */
static int arm_point(struct drm_priv *p, uint64_t point)
{
	struct drm_syncobj_eventfd ev;
	int ret;

	if (p->armed_point == point)
		return 0;	/* a failed submit left it armed */
	memset(&ev, 0, sizeof(ev));
	ev.handle = p->timeline;
	ev.point = point;
	ev.fd = p->event_fd;
	ret = csa_ioctl(p->fd, DRM_IOCTL_SYNCOBJ_EVENTFD, &ev);
	if (!ret)
		p->armed_point = point;
	return ret;
}

static int drm_submit(struct accel_dev *dev, const struct drm_csa_cmd *cmds,
		      uint32_t count, uint64_t *fence)
{
	struct drm_priv *p = dev->priv;
	struct drm_csa_submit s;
	struct drm_csa_sync out;
	int ret;

	memset(&s, 0, sizeof(s));
	s.cmds = (uint64_t)(uintptr_t)cmds;
	s.num_cmds = count;
	s.cmd_size = sizeof(*cmds);
	pthread_mutex_lock(&p->sync_lock);
	if (p->event_fd >= 0) {
		/* armed before the submit: the point cannot be missed */
		ret = arm_point(p, p->last_point + 1);
		if (ret)
			goto out;
		memset(&out, 0, sizeof(out));
		out.handle = p->timeline;
		out.point = p->last_point + 1;
		s.out_syncs = (uint64_t)(uintptr_t)&out;
		s.num_out_syncs = 1;
		s.sync_size = sizeof(out);
	}
	ret = csa_ioctl(p->fd, DRM_IOCTL_CSA_SUBMIT, &s);
	if (!ret) {
		*fence = s.fence;
		if (s.num_out_syncs)
			p->last_point++;
	}
out:
	pthread_mutex_unlock(&p->sync_lock);
	return ret;
}

/*
 * The eventfd and the timeline syncobj, made on the first call (a driver
 * before UAPI 1.3 has no syncobjs: -ENOTSUP).
 */
static int drm_completion_fd(struct accel_dev *dev)
{
	struct drm_priv *p = dev->priv;
	struct drm_syncobj_create c;
	int ret;

	if (dev->info.uapi_major != 1 || dev->info.uapi_minor < 3)
		return -ENOTSUP;
	pthread_mutex_lock(&p->sync_lock);
	if (p->event_fd >= 0) {
		ret = p->event_fd;
		goto out;
	}
	memset(&c, 0, sizeof(c));
	ret = csa_ioctl(p->fd, DRM_IOCTL_SYNCOBJ_CREATE, &c);
	if (ret)
		goto out;
	p->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p->event_fd < 0) {
		struct drm_syncobj_destroy d;

		ret = -errno;
		memset(&d, 0, sizeof(d));
		d.handle = c.handle;
		csa_ioctl(p->fd, DRM_IOCTL_SYNCOBJ_DESTROY, &d);
		goto out;
	}
	p->timeline = c.handle;
	p->last_point = 0;
	p->armed_point = 0;
	ret = p->event_fd;
out:
	pthread_mutex_unlock(&p->sync_lock);
	return ret;
}

/* The kernel takes an absolute CLOCK_MONOTONIC deadline (0 polls), so an
 * ioctl restarted after a signal keeps the caller's deadline. */
static int64_t abs_deadline(int64_t rel_ns)
{
	struct timespec now;
	int64_t t;

	if (rel_ns == 0)
		return 0;
	if (rel_ns == ACCEL_WAIT_FOREVER)
		return INT64_MAX;
	clock_gettime(CLOCK_MONOTONIC, &now);
	t = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	return rel_ns > INT64_MAX - t ? INT64_MAX : t + rel_ns;
}

static int drm_wait(struct accel_dev *dev, uint64_t fence, int64_t timeout_ns,
		    struct drm_csa_wait *out)
{
	memset(out, 0, sizeof(*out));
	out->fence = fence;
	out->timeout_ns = abs_deadline(timeout_ns);
	return csa_ioctl(fd_of(dev), DRM_IOCTL_CSA_WAIT, out);
}

static const struct accel_backend drm_backend = {
	.name = "drm",
	.close = drm_close,
	.query_info = drm_query_info,
	.query_counters = drm_query_counters,
	.reset = drm_reset,
	.bo_create = drm_bo_create,
	.bo_destroy = drm_bo_destroy,
	.bo_map = drm_bo_map,
	.bo_unmap = drm_bo_unmap,
	.submit = drm_submit,
	.wait = drm_wait,
	.completion_fd = drm_completion_fd,
};

/* 0 when @fd is a DRM device driven by "csa", else -ENODEV. */
static int check_driver(int fd)
{
	drmVersionPtr v = drmGetVersion(fd);
	int ok;

	if (!v)
		return -ENODEV;	/* not a DRM device at all */
	ok = v->name && strcmp(v->name, DRM_CSA_DRIVER_NAME) == 0;
	drmFreeVersion(v);
	return ok ? 0 : -ENODEV;
}

int accel_drm_open(struct accel_dev *dev, const char *path)
{
	struct drm_priv *p;
	int fd, ret;

	if (!path || strlen(path) >= sizeof(dev->path))
		return -EINVAL;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = check_driver(fd);
	if (ret) {
		close(fd);
		return ret;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		close(fd);
		return -ENOMEM;
	}
	p->fd = fd;
	p->event_fd = -1;
	pthread_mutex_init(&p->sync_lock, NULL);
	dev->be = &drm_backend;
	dev->priv = p;
	snprintf(dev->path, sizeof(dev->path), "%s", path);
	return 0;
}
