// SPDX-License-Identifier: GPL-2.0-only
/*
 * CSA: buffer objects.  Host BOs come from the shmem helper (pages pinned
 * and DMA-mapped on first use by a job); device BOs are contiguous ranges
 * of the card's memory handed out by drm_mm, zeroed by DMA before use
 * (csa_clear.c) and mmap-able only when BAR2 exposes that memory
 * (CSA_CAP_DEVMEM_BAR).
 */
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include <drm/drm_drv.h>
#include <drm/drm_gem.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_managed.h>
#include <drm/drm_vma_manager.h>

#include "csa_drv.h"

struct csa_device_bo {
	struct drm_gem_object base;
	struct drm_mm_node node;
};

static inline struct csa_device_bo *to_device_bo(struct drm_gem_object *obj)
{
	return container_of(obj, struct csa_device_bo, base);
}

static void csa_devmem_fini(struct drm_device *drm, void *arg)
{
	struct csa_device *cdev = to_csa_device(drm);

	drm_mm_takedown(&cdev->devmem_mm);
}

int csa_gem_devmem_init(struct csa_device *cdev)
{
	int ret;

	INIT_LIST_HEAD(&cdev->host_bos);
	ret = drmm_mutex_init(&cdev->drm, &cdev->host_bos_lock);
	if (ret)
		return ret;

	ret = drmm_mutex_init(&cdev->drm, &cdev->devmem_lock);
	if (ret)
		return ret;
	drm_mm_init(&cdev->devmem_mm, 0, cdev->devmem_size);
	return drmm_add_action_or_reset(&cdev->drm, csa_devmem_fini, NULL);
}

static void csa_device_bo_free(struct drm_gem_object *obj)
{
	struct csa_device *cdev = to_csa_device(obj->dev);
	struct csa_device_bo *bo = to_device_bo(obj);

	mutex_lock(&cdev->devmem_lock);
	drm_mm_remove_node(&bo->node);
	cdev->devmem_used -= obj->size;
	mutex_unlock(&cdev->devmem_lock);
	drm_gem_object_release(obj);
	kfree(bo);
}

/*
 * Device memory is CPU-visible only through BAR2.  Offsets are created only
 * then, but a mapping can be asked for by other paths too (the DRM core's
 * dumb-buffer and dma-buf ioctls), so the check is made here, where the
 * page frames are chosen: without BAR2, devmem_bar_start + node.start would
 * be host physical memory.
 */
static int csa_device_bo_mmap(struct drm_gem_object *obj,
			      struct vm_area_struct *vma)
{
	struct csa_device *cdev = to_csa_device(obj->dev);
	struct csa_device_bo *bo = to_device_bo(obj);
	unsigned long pfn, len = vma->vm_end - vma->vm_start;
	int idx, ret;

	if (!cdev->devmem_bar_start)
		return -ENODEV;
	/* always the whole BO from its start, and never past the window */
	if (vma->vm_pgoff != drm_vma_node_start(&obj->vma_node) ||
	    len > obj->size ||
	    bo->node.start + obj->size > cdev->devmem_bar_len)
		return -EINVAL;
	/* a private (copy-on-write) mapping of device memory makes no sense */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (!drm_dev_enter(obj->dev, &idx))
		return -ENODEV;
	vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_page_prot = pgprot_writecombine(vm_get_page_prot(vma->vm_flags));
	pfn = (cdev->devmem_bar_start + bo->node.start) >> PAGE_SHIFT;
	ret = io_remap_pfn_range(vma, vma->vm_start, pfn,
				 len, vma->vm_page_prot);
	drm_dev_exit(idx);
	return ret;
}

static const struct vm_operations_struct csa_device_bo_vm_ops = {
	.open = drm_gem_vm_open,
	.close = drm_gem_vm_close,
};

/*
 * Device BOs are not exported: an importer would need device memory it can
 * reach (peer-to-peer DMA through BAR2), which this driver does not offer.
 * PRIME_HANDLE_TO_FD fails with -EOPNOTSUPP instead of handing out a
 * dma-buf whose pages do not exist.
 */
static struct dma_buf *csa_device_bo_export(struct drm_gem_object *obj,
					    int flags)
{
	return ERR_PTR(-EOPNOTSUPP);
}

static const struct drm_gem_object_funcs csa_device_bo_funcs = {
	.free = csa_device_bo_free,
	.export = csa_device_bo_export,
	.mmap = csa_device_bo_mmap,
	.vm_ops = &csa_device_bo_vm_ops,
};

/*
 * A host BO: the shmem helper's object, tracked by the device so removal
 * can unmap what the helper mapped for the card (drm_gem_shmem_free()
 * would do it only when the last reference goes, after the PCI device is
 * gone if a file still holds the BO).
 */
struct csa_host_bo {
	struct drm_gem_shmem_object base;	/* first: the helper kfree()s it */
	struct list_head link;			/* in cdev->host_bos */
};

static inline struct csa_host_bo *to_host_bo(struct drm_gem_object *obj)
{
	return container_of(to_drm_gem_shmem_obj(obj), struct csa_host_bo, base);
}

static void csa_host_bo_free(struct drm_gem_object *obj)
{
	struct csa_device *cdev = to_csa_device(obj->dev);
	struct csa_host_bo *bo = to_host_bo(obj);

	mutex_lock(&cdev->host_bos_lock);
	list_del(&bo->link);	/* self-linked if never tracked */
	mutex_unlock(&cdev->host_bos_lock);
	drm_gem_shmem_free(&bo->base);
}

/* drm_gem_shmem_funcs (static in the helper) with the free above */
static const struct drm_gem_object_funcs csa_host_bo_funcs = {
	.free = csa_host_bo_free,
	.print_info = drm_gem_shmem_object_print_info,
	.pin = drm_gem_shmem_object_pin,
	.unpin = drm_gem_shmem_object_unpin,
	.get_sg_table = drm_gem_shmem_object_get_sg_table,
	.vmap = drm_gem_shmem_object_vmap,
	.vunmap = drm_gem_shmem_object_vunmap,
	.mmap = drm_gem_shmem_object_mmap,
	.vm_ops = &drm_gem_shmem_vm_ops,
};

/*
 * drm_driver.gem_create_object: the shmem helper's allocation of host BOs.
 * Not tracked yet: the helper kfree()s the object itself if the rest of
 * its set-up fails; csa_host_bo_track() adds it once it is whole.
 */
struct drm_gem_object *csa_gem_create_object(struct drm_device *drm,
					     size_t size)
{
	struct csa_host_bo *bo;

	bo = kzalloc(sizeof(*bo), GFP_KERNEL_ACCOUNT);
	if (!bo)
		return ERR_PTR(-ENOMEM);
	INIT_LIST_HEAD(&bo->link);
	bo->base.base.funcs = &csa_host_bo_funcs;
	return &bo->base.base;
}

static void csa_host_bo_track(struct drm_gem_object *obj)
{
	struct csa_device *cdev = to_csa_device(obj->dev);
	struct csa_host_bo *bo = to_host_bo(obj);

	mutex_lock(&cdev->host_bos_lock);
	list_add_tail(&bo->link, &cdev->host_bos);
	mutex_unlock(&cdev->host_bos_lock);
}

/* drm_driver.gem_prime_import_sg_table: another device's dma-buf */
struct drm_gem_object *
csa_gem_prime_import_sg_table(struct drm_device *drm,
			      struct dma_buf_attachment *attach,
			      struct sg_table *sgt)
{
	struct drm_gem_object *obj;

	obj = drm_gem_shmem_prime_import_sg_table(drm, attach, sgt);
	if (!IS_ERR(obj))
		csa_host_bo_track(obj);
	return obj;
}

/*
 * Removal, once the card is stopped and no job can run: undo every DMA
 * mapping the shmem helper made for the card (a created BO's SG table, an
 * import's attachment mapping) while the PCI device is still bound.  The
 * pages stay pinned until the BO is freed, so user mappings keep working;
 * nothing maps the BO for the card again (BO use needs drm_dev_enter()).
 */
void csa_gem_unmap_host_bos(struct csa_device *cdev)
{
	struct csa_host_bo *bo;

	mutex_lock(&cdev->host_bos_lock);
	list_for_each_entry(bo, &cdev->host_bos, link) {
		struct drm_gem_shmem_object *shmem = &bo->base;
		struct drm_gem_object *obj = &shmem->base;

		dma_resv_lock(obj->resv, NULL);
		if (shmem->sgt) {
			if (obj->import_attach) {
				dma_buf_unmap_attachment(obj->import_attach,
							 shmem->sgt,
							 DMA_BIDIRECTIONAL);
			} else {
				dma_unmap_sgtable(obj->dev->dev, shmem->sgt,
						  DMA_BIDIRECTIONAL, 0);
				sg_free_table(shmem->sgt);
				kfree(shmem->sgt);
			}
			shmem->sgt = NULL;
		}
		dma_resv_unlock(obj->resv);
	}
	mutex_unlock(&cdev->host_bos_lock);
}

bool csa_gem_is_device_bo(struct drm_gem_object *obj)
{
	return obj->funcs == &csa_device_bo_funcs;
}

u64 csa_gem_device_addr(struct drm_gem_object *obj)
{
	return to_device_bo(obj)->node.start;
}

static struct drm_gem_object *csa_device_bo_create(struct csa_device *cdev,
						   size_t size)
{
	struct csa_device_bo *bo;
	int ret;

	bo = kzalloc(sizeof(*bo), GFP_KERNEL_ACCOUNT);
	if (!bo)
		return ERR_PTR(-ENOMEM);
	bo->base.funcs = &csa_device_bo_funcs;
	drm_gem_private_object_init(&cdev->drm, &bo->base, size);

	mutex_lock(&cdev->devmem_lock);
	ret = drm_mm_insert_node_generic(&cdev->devmem_mm, &bo->node, size,
					 PAGE_SIZE, 0, DRM_MM_INSERT_BEST);
	if (!ret)
		cdev->devmem_used += size;
	mutex_unlock(&cdev->devmem_lock);
	if (ret) {
		drm_gem_object_release(&bo->base);
		kfree(bo);
		return ERR_PTR(ret);
	}
	/*
	 * Device memory keeps what its last owner wrote: zero it by DMA (and
	 * wait) before any handle or mapping exists, so no process reads
	 * another's data.  A failed clear fails the creation.
	 */
	ret = csa_clear_device_range(cdev, &bo->base, bo->node.start, size);
	if (ret) {
		drm_gem_object_put(&bo->base);
		return ERR_PTR(ret);
	}
	if (cdev->devmem_bar_start) {
		ret = drm_gem_create_mmap_offset(&bo->base);
		if (ret) {
			drm_gem_object_put(&bo->base);
			return ERR_PTR(ret);
		}
	}
	return &bo->base;
}

static u64 csa_gem_mmap_offset(struct drm_gem_object *obj)
{
	/* 0 when no offset was created (device BO without BAR2) */
	return drm_vma_node_offset_addr(&obj->vma_node);
}

int csa_ioctl_bo_create(struct drm_device *drm, void *data,
			struct drm_file *file)
{
	struct csa_device *cdev = to_csa_device(drm);
	struct drm_csa_bo_create *args = data;
	struct drm_gem_shmem_object *shmem;
	struct drm_gem_object *obj;
	u64 size;
	int ret;

	if (args->flags & ~CSA_BO_FLAGS_MASK)
		return -EINVAL;
	if (!args->size || args->size > SZ_1T)
		return -EINVAL;
	size = PAGE_ALIGN(args->size);
	if ((args->flags & CSA_BO_DEVICE) && size > cdev->devmem_size)
		return -ENOSPC;
	/*
	 * A host BO's pages are pinned whole the first time a job uses it and
	 * stay pinned until it is freed: no single BO may pin more than half
	 * of RAM.  (Its pages are shmem, charged to the creator's cgroup.)
	 */
	if (!(args->flags & CSA_BO_DEVICE) &&
	    size >> PAGE_SHIFT > totalram_pages() / 2)
		return -E2BIG;
	/*
	 * No drm_dev_enter() section here: the clear waits for a job, and
	 * removal waits for those sections to end before it aborts jobs.
	 */
	if (drm_dev_is_unplugged(drm))
		return -ENODEV;
	/* a device BO needs a clear job, which a wedged device cannot run */
	if ((args->flags & CSA_BO_DEVICE) && READ_ONCE(cdev->wedged))
		return -EIO;

	if (args->flags & CSA_BO_DEVICE) {
		obj = csa_device_bo_create(cdev, size);
	} else {
		shmem = drm_gem_shmem_create(drm, size);
		obj = IS_ERR(shmem) ? ERR_CAST(shmem) : &shmem->base;
		if (!IS_ERR(obj)) {
			csa_host_bo_track(obj);
			ret = drm_gem_create_mmap_offset(obj);
			if (ret) {
				drm_gem_object_put(obj);
				obj = ERR_PTR(ret);
			}
		}
	}
	if (IS_ERR(obj))
		return PTR_ERR(obj);

	ret = drm_gem_handle_create(file, obj, &args->handle);
	if (!ret)
		args->mmap_offset = csa_gem_mmap_offset(obj);
	/* the handle (if any) holds the object now */
	drm_gem_object_put(obj);
	return ret;
}

int csa_ioctl_bo_info(struct drm_device *drm, void *data,
		      struct drm_file *file)
{
	struct drm_csa_bo_info *args = data;
	struct drm_gem_object *obj;

	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;
	args->flags = csa_gem_is_device_bo(obj) ? CSA_BO_DEVICE : CSA_BO_HOST;
	args->size = obj->size;
	args->mmap_offset = csa_gem_mmap_offset(obj);
	drm_gem_object_put(obj);
	return 0;
}
