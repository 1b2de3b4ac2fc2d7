/* SPDX-License-Identifier: MIT */
/*
 * drm_syncobj_eventfd.h - DRM_IOCTL_SYNCOBJ_EVENTFD (Linux 6.6) for
 * libdrm headers older than 2.4.117 (Debian 12 ships 2.4.114).  Include
 * after drm.h (xf86drm.h or drm/csa_accel.h bring it in).
 */
#ifndef CSA_DRM_SYNCOBJ_EVENTFD_H
#define CSA_DRM_SYNCOBJ_EVENTFD_H

#ifndef DRM_IOCTL_SYNCOBJ_EVENTFD
struct drm_syncobj_eventfd {
	__u32 handle;
	__u32 flags;
	__u64 point;
	__s32 fd;
	__u32 pad;
};
#define DRM_IOCTL_SYNCOBJ_EVENTFD	DRM_IOWR(0xCF, struct drm_syncobj_eventfd)
#endif

#endif
