// SPDX-License-Identifier: GPL-2.0-only
/*
 * CSA: GET_INFO, GET_COUNTERS and RESET.
 */
#include <linux/capability.h>

#include <drm/drm_drv.h>

#include "csa_drv.h"

static u32 board_reg(struct csa_device *cdev, u32 reg)
{
	return cdev->board_regs[(reg - CSA_REG_BOARD_ID) / 4];
}

/*
 * Engine sizes at full width from the board registers; a device without
 * them (BOARD_ID 0) has only the 8-bit ENGINES fields.
 */
static void csa_fill_board(struct csa_device *cdev, struct drm_csa_info *info)
{
	unsigned int i;
	__le32 w;

	info->board_id = board_reg(cdev, CSA_REG_BOARD_ID);
	if (!info->board_id) {
		info->bcq_lanes = cdev->engines & 0xff;
		info->pim_banks = (cdev->engines >> 8) & 0xff;
		info->vec_lanes = (cdev->engines >> 16) & 0xff;
		info->pim_macs_per_bank = (cdev->engines >> 24) & 0xff;
		return;
	}
	info->bcq_lanes = board_reg(cdev, CSA_REG_BCQ_LANES);
	info->pim_banks = board_reg(cdev, CSA_REG_PIM_UNITS);
	info->pim_macs_per_bank = board_reg(cdev, CSA_REG_PIM_MACS);
	info->vec_lanes = board_reg(cdev, CSA_REG_VEC_LANES);
	info->mem_channels = board_reg(cdev, CSA_REG_MEM_CHANNELS);
	info->mem_peak_mbps = board_reg(cdev, CSA_REG_MEM_PEAK_MBPS);
	info->pcie_mbps = board_reg(cdev, CSA_REG_PCIE_MBPS);
	for (i = 0; i < CSA_BOARD_NAME_LEN / 4; i++) {
		w = cpu_to_le32(board_reg(cdev, CSA_REG_BOARD_NAME + 4 * i));
		memcpy(info->board_name + 4 * i, &w, sizeof(w));
	}
	info->board_name[CSA_BOARD_NAME_LEN - 1] = 0;
}

int csa_ioctl_get_info(struct drm_device *drm, void *data,
		       struct drm_file *file)
{
	struct csa_device *cdev = to_csa_device(drm);
	struct drm_csa_info *info = data;

	memset(info, 0, sizeof(*info));
	info->uapi_major = DRM_CSA_UAPI_MAJOR;
	info->uapi_minor = DRM_CSA_UAPI_MINOR;
	info->hw_version = cdev->hw_version;
	info->pci_vendor = cdev->pdev->vendor;
	info->pci_device = cdev->pdev->device;
	info->capabilities = cdev->caps;
	info->devmem_size = cdev->devmem_size;
	mutex_lock(&cdev->devmem_lock);
	info->devmem_used = cdev->devmem_used;
	mutex_unlock(&cdev->devmem_lock);
	info->clock_khz = cdev->clock_khz;
	info->dram_mbps = cdev->dram_mbps;
	csa_fill_board(cdev, info);
	info->ring_entries = cdev->sq.entries;
	info->max_cmds = cdev->max_cmds;
	return 0;
}

/* Registers are read only while the device is present. */
void csa_fill_counters(struct csa_device *cdev, struct drm_csa_counters *c)
{
	unsigned long flags;
	unsigned int i;
	s64 in_flight;
	int idx;

	memset(c, 0, sizeof(*c));
	if (drm_dev_enter(&cdev->drm, &idx)) {
		for (i = 0; i < CSA_ENGINE_COUNT; i++)
			c->busy_cycles[i] = csa_read_perf(cdev, CSA_PERF_BUSY(i));
		c->total_cycles = csa_read_perf(cdev, CSA_REG_PERF_TOTAL);
		c->commands = csa_read_perf(cdev, CSA_REG_PERF_COMMANDS);
		c->dma_bytes = csa_read_perf(cdev, CSA_REG_PERF_DMA_BYTES);
		c->devmem_bytes = csa_read_perf(cdev, CSA_REG_PERF_MEM_BYTES);
		c->errors = csa_read_perf(cdev, CSA_REG_PERF_ERRORS);
		c->sq_head = csa_read(cdev, CSA_REG_SQ_HEAD);
		c->cq_tail = csa_read(cdev, CSA_REG_CQ_TAIL);
		c->error_status = csa_read(cdev, CSA_REG_ERROR_STATUS);
		drm_dev_exit(idx);
	}
	c->resets = atomic64_read(&cdev->resets);
	c->jobs_submitted = atomic64_read(&cdev->jobs_submitted);
	c->jobs_completed = atomic64_read(&cdev->jobs_completed);
	in_flight = c->jobs_submitted - c->jobs_completed;
	c->in_flight = in_flight > 0 ? in_flight : 0;
	spin_lock_irqsave(&cdev->ring_lock, flags);
	c->sq_tail = cdev->sq_tail;
	c->cq_head = cdev->cq_head;
	c->last_error_status = cdev->last_error_status;
	spin_unlock_irqrestore(&cdev->ring_lock, flags);
}

int csa_ioctl_get_counters(struct drm_device *drm, void *data,
			   struct drm_file *file)
{
	csa_fill_counters(to_csa_device(drm), data);
	return 0;
}

int csa_ioctl_reset(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_csa_reset *args = data;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (args->flags || args->pad)
		return -EINVAL;
	return csa_reset_sync(to_csa_device(drm));
}
