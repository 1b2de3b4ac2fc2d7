/* SPDX-License-Identifier: MIT */
/*
 * csa_translate.h - user command (GEM handle + offset) to hardware
 * descriptor (device/bus addresses): the single implementation of
 * contract 2 of DESIGN.md, compiled into the kernel driver and into
 * libaccel's in-process backend alike.
 *
 * Pure C, no allocation, no OS calls.  Every field of the user command is
 * validated; every buffer reference is resolved through the caller's ops
 * after computing exactly how many bytes the command touches there.
 * Errors are negative errno values (-EINVAL, -ENOENT, -ERANGE, ...).
 */
#ifndef CSA_TRANSLATE_H
#define CSA_TRANSLATE_H

#if defined(__KERNEL__)
#include <linux/types.h>
#include <linux/errno.h>
#else
#include <errno.h>
#include <stdint.h>
#endif

#include "csa/csa_device.h"

struct drm_csa_cmd;

/* What a buffer slot of an opcode is. */
enum csa_buf_kind {
	CSA_BUF_NONE = 0,	/* slot unused: the user ref must be all zero */
	CSA_BUF_DEVICE_IN,	/* device BO, read */
	CSA_BUF_DEVICE_OUT,	/* device BO, written (may also be read) */
	CSA_BUF_HOST_IN,	/* host BO read by DMA (DMA_H2D source) */
	CSA_BUF_HOST_OUT,	/* host BO written by DMA (DMA_D2H destination) */
};

/* The footprint of one command: per slot, its kind and byte length. */
struct csa_cmd_footprint {
	enum csa_buf_kind kind[CSA_DESC_ADDRS];
	uint64_t bytes[CSA_DESC_ADDRS];
};

/*
 * Validate opcode, flags and args of a command given in its (user) form and
 * compute the bytes each slot touches.  Returns 0 or -EINVAL.  Also used by
 * hw/ to re-check descriptors (the device never trusts the host).
 */
int csa_cmd_footprint(uint32_t opcode, uint32_t flags, const uint32_t *arg,
		      struct csa_cmd_footprint *fp);

struct csa_translate_ops {
	/* Resolve handle+offset of a device BO covering @bytes to a device
	 * address.  -ENOENT unknown handle, -EINVAL wrong placement, -ERANGE
	 * out of bounds. */
	int (*resolve_device)(void *ctx, uint32_t handle, uint64_t offset,
			      uint64_t bytes, uint64_t *dev_addr);
	/* Build a scatter-gather table for @bytes of a host BO from @offset
	 * in memory the device can read; return its bus address and entry
	 * count.  Same errors as resolve_device, plus -ENOMEM. */
	int (*build_sg)(void *ctx, uint32_t handle, uint64_t offset,
			uint64_t bytes, uint64_t *sg_bus_addr,
			uint32_t *sg_count);
};

/*
 * Translate one user command into a descriptor (tag and F_LAST are the
 * caller's: set after the call).  Returns 0 or a negative errno; *desc is
 * fully written only on success.
 */
int csa_translate_cmd(const struct drm_csa_cmd *cmd,
		      const struct csa_translate_ops *ops, void *ctx,
		      struct csa_desc *desc);

/*
 * The dependency of the command at @index of its submit must name a
 * command of the same submit (docs/device-spec.md 3.6): 0 or -EINVAL.
 * csa_translate_cmd() checks the field's form, this its range.
 */
int csa_translate_dep(const struct drm_csa_cmd *cmd, uint32_t index);

#endif /* CSA_TRANSLATE_H */
