// SPDX-License-Identifier: MIT
/*
 * bo.c - buffer objects: allocation, the handle table that catches stale
 * references, and CPU mappings.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "libaccel/accel_internal.h"

/* Caller holds dev->lock. */
static int track_handle(struct accel_dev *dev, struct accel_bo *bo)
{
	if (bo->handle >= dev->by_handle_len) {
		uint32_t len = dev->by_handle_len ? dev->by_handle_len : 64;
		struct accel_bo **t;

		while (len <= bo->handle) {
			if (len > UINT32_MAX / 2)
				return -ENOMEM;
			len *= 2;
		}
		t = realloc(dev->by_handle, (size_t)len * sizeof(*t));
		if (!t)
			return -ENOMEM;
		memset(t + dev->by_handle_len, 0,
		       (size_t)(len - dev->by_handle_len) * sizeof(*t));
		dev->by_handle = t;
		dev->by_handle_len = len;
	}
	dev->by_handle[bo->handle] = bo;
	return 0;
}

int accel_bo_alloc(struct accel_dev *dev, uint64_t size, enum accel_mem where,
		   struct accel_bo **out)
{
	struct accel_bo *bo;
	uint32_t flags;
	int ret;

	if (out)
		*out = NULL;
	if (!dev || !out || !size)
		return -EINVAL;
	if (where == ACCEL_MEM_HOST)
		flags = CSA_BO_HOST;
	else if (where == ACCEL_MEM_DEVICE)
		flags = CSA_BO_DEVICE;
	else
		return -EINVAL;
	if (size > ACCEL_BO_MAX_SIZE ||
	    (where == ACCEL_MEM_DEVICE && size > dev->info.devmem_size))
		return -ENOMEM;

	bo = calloc(1, sizeof(*bo));
	if (!bo)
		return -ENOMEM;
	bo->dev = dev;
	bo->placement = where;

	pthread_mutex_lock(&dev->lock);
	ret = dev->be->bo_create(dev, size, flags, &bo->handle, &bo->size);
	if (!ret) {
		ret = track_handle(dev, bo);
		if (ret)
			dev->be->bo_destroy(dev, bo->handle);
	}
	if (ret) {
		pthread_mutex_unlock(&dev->lock);
		free(bo);
		return ret;
	}
	bo->gen = dev->next_gen++;
	bo->next = dev->bos;
	if (dev->bos)
		dev->bos->prev = bo;
	dev->bos = bo;
	pthread_mutex_unlock(&dev->lock);
	*out = bo;
	return 0;
}

void accel_bo_free(struct accel_bo *bo)
{
	struct accel_dev *dev;

	if (!bo)
		return;
	dev = bo->dev;
	pthread_mutex_lock(&dev->lock);
	if (bo->map)
		dev->be->bo_unmap(dev, bo->handle, bo->map, bo->size);
	dev->be->bo_destroy(dev, bo->handle);
	if (bo->handle < dev->by_handle_len && dev->by_handle[bo->handle] == bo)
		dev->by_handle[bo->handle] = NULL;
	if (bo->prev)
		bo->prev->next = bo->next;
	else
		dev->bos = bo->next;
	if (bo->next)
		bo->next->prev = bo->prev;
	pthread_mutex_unlock(&dev->lock);
	free(bo);
}

uint64_t accel_bo_size(const struct accel_bo *bo)
{
	return bo ? bo->size : 0;
}

enum accel_mem accel_bo_placement(const struct accel_bo *bo)
{
	return bo ? bo->placement : ACCEL_MEM_HOST;
}

int accel_bo_map(struct accel_bo *bo, void **ptr)
{
	struct accel_dev *dev;
	int ret = 0;

	if (!bo || !ptr)
		return -EINVAL;
	dev = bo->dev;
	pthread_mutex_lock(&dev->lock);
	if (!bo->map)
		ret = dev->be->bo_map(dev, bo->handle, bo->size, &bo->map);
	if (!ret)
		*ptr = bo->map;
	pthread_mutex_unlock(&dev->lock);
	return ret;
}

int accel_bo_unmap(struct accel_bo *bo)
{
	struct accel_dev *dev;

	if (!bo)
		return -EINVAL;
	dev = bo->dev;
	pthread_mutex_lock(&dev->lock);
	if (bo->map)
		dev->be->bo_unmap(dev, bo->handle, bo->map, bo->size);
	bo->map = NULL;
	pthread_mutex_unlock(&dev->lock);
	return 0;
}
