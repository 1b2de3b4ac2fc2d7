/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Compile-time compatibility for the kernel APIs that changed between
 * 6.8 and 6.12 (tested: Debian 6.12).  Each helper names the release that
 * changed the call.
 */
#ifndef CSA_COMPAT_H
#define CSA_COMPAT_H

#include <linux/pci.h>

#include <drm/gpu_scheduler.h>

/*
 * CSA_KVER is the version of the kernel being built against,
 * major * 256 + minor, set by the Kbuild from the kernel's own Makefile.
 */
#define CSA_KV(major, minor)	((major) * 256 + (minor))
#define CSA_KERNEL_AT_LEAST(major, minor) (CSA_KV(major, minor) <= CSA_KVER)

#if !CSA_KERNEL_AT_LEAST(6, 8)
#error "csa needs Linux 6.8 or newer (drm_sched credits, DRM accel debugfs)"
#endif

/* 6.12 dropped drm_sched_start()'s full_recovery argument. */
static inline void csa_sched_start(struct drm_gpu_scheduler *sched)
{
#if CSA_KERNEL_AT_LEAST(6, 12)
	drm_sched_start(sched);
#else
	drm_sched_start(sched, true);
#endif
}

/*
 * 6.11 added pcim_iomap_region() and deprecated pcim_iomap_regions() with
 * its shared table.
 */
static inline void __iomem *csa_pcim_iomap(struct pci_dev *pdev, int bar,
					   const char *name)
{
#if CSA_KERNEL_AT_LEAST(6, 11)
	return pcim_iomap_region(pdev, bar, name);
#else
	int ret = pcim_iomap_regions(pdev, BIT(bar), name);

	if (ret)
		return IOMEM_ERR_PTR(ret);
	return pcim_iomap_table(pdev)[bar];
#endif
}

#endif /* CSA_COMPAT_H */
