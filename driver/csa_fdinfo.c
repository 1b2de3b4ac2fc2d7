// SPDX-License-Identifier: GPL-2.0-only
/*
 * CSA: per-file usage in /proc/<pid>/fdinfo/<fd>, with the DRM client usage
 * keys (Documentation/gpu/drm-usage-stats.rst) tools like accel-info and
 * gputop read: drm-engine-csa (ns the device spent on the file's jobs) and
 * the memory of its BOs per region, "host" (shmem) and "device".
 */
#include <linux/idr.h>
#include <linux/spinlock.h>

#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_print.h>

#include "csa_drv.h"

static void csa_fdinfo_add(struct drm_memory_stats *s,
			   struct drm_gem_object *obj, bool resident)
{
	if (obj->handle_count > 1 || obj->dma_buf)
		s->shared += obj->size;
	else
		s->private += obj->size;
	if (resident)
		s->resident += obj->size;
}

void csa_show_fdinfo(struct drm_printer *p, struct drm_file *file)
{
	struct csa_file *cfile = file->driver_priv;
	struct drm_memory_stats host = { }, device = { };
	struct drm_gem_object *obj;
	int id;

	drm_printf(p, "drm-engine-csa:\t%llu ns\n",
		   (u64)atomic64_read(&cfile->client->busy_ns));
	spin_lock(&file->table_lock);
	idr_for_each_entry(&file->object_idr, obj, id) {
		if (csa_gem_is_device_bo(obj))
			csa_fdinfo_add(&device, obj, true);
		else
			csa_fdinfo_add(&host, obj,
				       !!to_drm_gem_shmem_obj(obj)->pages ||
				       obj->import_attach);
	}
	spin_unlock(&file->table_lock);
	drm_print_memory_stats(p, &host, DRM_GEM_OBJECT_RESIDENT, "host");
	drm_print_memory_stats(p, &device, DRM_GEM_OBJECT_RESIDENT, "device");
}
