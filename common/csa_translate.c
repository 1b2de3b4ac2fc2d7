// SPDX-License-Identifier: MIT
/*
 * csa_translate.c - user command (GEM handle + offset) to hardware
 * descriptor.  The one implementation of contract 2 of DESIGN.md: the
 * kernel driver and libaccel's in-process backend both call this, so every
 * bounds check is the same in both.
 *
 * Pure C99: no allocation, no OS calls, only memset/memcpy.
 */
#if defined(__KERNEL__)
#include <linux/string.h>
#include <linux/types.h>
#else
#include <string.h>
#endif

#include "drm/csa_accel.h"

#include "common/csa_translate.h"

/* A buffer reference the opcode does not use must be all zero. */
static int check_unused_ref(const struct drm_csa_buf_ref *ref)
{
	if (ref->handle || ref->pad || ref->offset)
		return -EINVAL;
	return 0;
}

/* A used reference names a handle and has no padding bits set. */
static int check_used_ref(const struct drm_csa_buf_ref *ref)
{
	if (ref->pad || !ref->handle)
		return -EINVAL;
	return 0;
}

static int is_host_kind(enum csa_buf_kind kind)
{
	return kind == CSA_BUF_HOST_IN || kind == CSA_BUF_HOST_OUT;
}

static int is_device_kind(enum csa_buf_kind kind)
{
	return kind == CSA_BUF_DEVICE_IN || kind == CSA_BUF_DEVICE_OUT;
}

/* Validate every field of @cmd before any resolve call has a side effect. */
static int check_cmd(const struct drm_csa_cmd *cmd,
		     const struct csa_cmd_footprint *fp)
{
	unsigned int i;
	int ret;

	for (i = 0; i < CSA_CMD_BUFS; i++) {
		if (fp->kind[i] == CSA_BUF_NONE)
			ret = check_unused_ref(&cmd->buf[i]);
		else if (is_host_kind(fp->kind[i]) ||
			 is_device_kind(fp->kind[i]))
			ret = check_used_ref(&cmd->buf[i]);
		else
			ret = -EINVAL;
		if (ret)
			return ret;
	}
	return 0;
}

/* DMA_H2D/DMA_D2H: slot 0 host (SG table), slot 1 device. */
static int translate_dma(const struct drm_csa_cmd *cmd,
			 const struct csa_cmd_footprint *fp,
			 const struct csa_translate_ops *ops, void *ctx,
			 struct csa_desc *desc)
{
	int ret;

	if (!is_host_kind(fp->kind[0]) || !is_device_kind(fp->kind[1]))
		return -EINVAL;
	/* Resolve the device side first: it cannot allocate. */
	ret = ops->resolve_device(ctx, cmd->buf[1].handle, cmd->buf[1].offset,
				  fp->bytes[1], &desc->addr[1]);
	if (ret)
		return ret;
	/* addr0 = SG table bus address, arg1 = its entry count */
	ret = ops->build_sg(ctx, cmd->buf[0].handle, cmd->buf[0].offset,
			    fp->bytes[0], &desc->addr[0], &desc->arg[1]);
	if (ret)
		return ret;
	if (!desc->arg[1])
		return -EINVAL;
	return 0;
}

static int translate_device_slots(const struct drm_csa_cmd *cmd,
				  const struct csa_cmd_footprint *fp,
				  const struct csa_translate_ops *ops,
				  void *ctx, struct csa_desc *desc)
{
	unsigned int i;
	int ret;

	for (i = 0; i < CSA_CMD_BUFS; i++) {
		if (fp->kind[i] == CSA_BUF_NONE)
			continue;
		/* Host memory is reached only through DMA's SG tables. */
		if (!is_device_kind(fp->kind[i]))
			return -EINVAL;
		ret = ops->resolve_device(ctx, cmd->buf[i].handle,
					  cmd->buf[i].offset, fp->bytes[i],
					  &desc->addr[i]);
		if (ret)
			return ret;
	}
	return 0;
}

int csa_translate_cmd(const struct drm_csa_cmd *cmd,
		      const struct csa_translate_ops *ops, void *ctx,
		      struct csa_desc *desc)
{
	struct csa_cmd_footprint fp;
	struct csa_desc out;
	uint32_t dep;
	int ret;

	if (!cmd || !ops || !ops->resolve_device || !ops->build_sg || !desc)
		return -EINVAL;
	if (cmd->opcode >= CSA_OP_COUNT ||
	    (cmd->flags & ~(CSA_CMD_F_USER_MASK | CSA_CMD_DEP_MASK)))
		return -EINVAL;
	dep = cmd->flags >> CSA_CMD_DEP_SHIFT;
	if ((dep & CSA_DEP_RSVD_MASK) || (dep && !(dep & CSA_DEP_EXPLICIT)))
		return -EINVAL;

	memset(&fp, 0, sizeof(fp));
	ret = csa_cmd_footprint(cmd->opcode, cmd->flags & CSA_CMD_F_USER_MASK,
				cmd->arg, &fp);
	if (ret)
		return ret;
	ret = check_cmd(cmd, &fp);
	if (ret)
		return ret;

	memset(&out, 0, sizeof(out));
	out.opcode = (uint8_t)cmd->opcode;
	out.flags = (uint8_t)(cmd->flags & CSA_CMD_F_USER_MASK);
	out.dep = (uint16_t)dep;
	memcpy(out.arg, cmd->arg, sizeof(out.arg));

	if (cmd->opcode == CSA_OP_DMA_H2D || cmd->opcode == CSA_OP_DMA_D2H)
		ret = translate_dma(cmd, &fp, ops, ctx, &out);
	else
		ret = translate_device_slots(cmd, &fp, ops, ctx, &out);
	if (ret)
		return ret;

	memcpy(desc, &out, sizeof(out));
	return 0;
}

int csa_translate_dep(const struct drm_csa_cmd *cmd, uint32_t index)
{
	uint32_t dep = cmd->flags >> CSA_CMD_DEP_SHIFT;

	if ((dep & CSA_DEP_EXPLICIT) && (dep & CSA_DEP_DIST_MASK) > index)
		return -EINVAL;
	return 0;
}
