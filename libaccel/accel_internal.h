/* SPDX-License-Identifier: MIT */
/*
 * accel_internal.h - what the libaccel front end (device.c, bo.c,
 * cmdlist.c, submit.c, transfer.c) shares with its backends (backend_sim.c,
 * backend_drm.c).  Not installed.
 *
 * The front end speaks the UAPI to every backend: buffers are GEM-like
 * handles, command lists are arrays of struct drm_csa_cmd, waits return
 * struct drm_csa_wait.  So the sim backend runs exactly what the kernel
 * would receive.
 */
#ifndef ACCEL_INTERNAL_H
#define ACCEL_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include "accel/accel.h"

struct accel_backend {
	const char *name;
	/* Tear down dev->priv (after every BO is destroyed). */
	void (*close)(struct accel_dev *dev);
	int (*query_info)(struct accel_dev *dev, struct drm_csa_info *info);
	int (*query_counters)(struct accel_dev *dev, struct drm_csa_counters *c);
	int (*reset)(struct accel_dev *dev);
	/* size > 0, flags CSA_BO_*; *real_size = the rounded size. */
	int (*bo_create)(struct accel_dev *dev, uint64_t size, uint32_t flags,
			 uint32_t *handle, uint64_t *real_size);
	void (*bo_destroy)(struct accel_dev *dev, uint32_t handle);
	int (*bo_map)(struct accel_dev *dev, uint32_t handle, uint64_t size,
		      void **ptr);
	void (*bo_unmap)(struct accel_dev *dev, uint32_t handle, void *ptr,
			 uint64_t size);
	int (*submit)(struct accel_dev *dev, const struct drm_csa_cmd *cmds,
		      uint32_t count, uint64_t *fence);
	/* Relative timeout (0 polls, ACCEL_WAIT_FOREVER); -ETIME if not done. */
	int (*wait)(struct accel_dev *dev, uint64_t fence, int64_t timeout_ns,
		    struct drm_csa_wait *out);
	/* A pollable fd signalled at each completion (owned by the backend),
	 * or a negative errno; NULL = -ENOTSUP. */
	int (*completion_fd)(struct accel_dev *dev);
};

struct accel_bo {
	struct accel_dev *dev;
	uint32_t handle;
	enum accel_mem placement;
	uint64_t size;
	uint64_t gen;		/* unique per device: catches stale handles */
	void *map;
	struct accel_bo *prev, *next;
};

/* Generations of the buffers one command names (0 = slot unused). */
struct accel_cmd_gens {
	uint64_t gen[CSA_CMD_BUFS];
};

struct accel_cmdlist {
	struct accel_dev *dev;
	struct drm_csa_cmd *cmds;	/* what SUBMIT passes, as is */
	struct accel_cmd_gens *gens;	/* parallel to cmds */
	uint32_t count, cap;
	struct accel_cmdlist *prev, *next;
};

struct accel_dev {
	const struct accel_backend *be;
	void *priv;
	pthread_mutex_t lock;	/* BO and list bookkeeping, submit order */
	struct drm_csa_info info;	/* cached at open */
	char path[64];
	uint64_t next_gen;
	struct accel_bo *bos;		/* live buffers */
	struct accel_bo **by_handle;	/* handle -> live buffer */
	uint32_t by_handle_len;
	struct accel_cmdlist *lists;	/* live command lists */
	/* an idle staging buffer and list kept for the next transfer */
	struct accel_bo *staging_bo;
	struct accel_cmdlist *staging_cl;
};

/* Backend constructors: fill dev->be, dev->priv and dev->path. */
int accel_sim_open(struct accel_dev *dev, const char *options);
int accel_drm_open(struct accel_dev *dev, const char *path);

/* Parse "256M", "1G", "4096", "64K"; 0 or -EINVAL. */
int accel_parse_size(const char *s, uint64_t *out);

#endif /* ACCEL_INTERNAL_H */
