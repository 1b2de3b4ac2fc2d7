// SPDX-License-Identifier: MIT
/*
 * csa_hw.c - power-on of the model: configuration checks, cycle-model
 * defaults, register reset values; and the INTx line level.
 */
#include <errno.h>
#include <string.h>

#include "hw/csa_core.h"

int csa_hw_init(struct csa_hw *hw, const struct csa_hw_config *cfg,
		const struct csa_hw_ops *ops, void *ctx)
{
	struct csa_hw_config copy;
	if (!hw || !cfg || !ops || !ops->dma_read || !ops->dma_write)
		return -EINVAL;
	if (!cfg->devmem || !cfg->devmem_size || cfg->devmem_size % 4096)
		return -EINVAL;

	copy = *cfg;	/* @cfg may live inside @hw */
	memset(hw, 0, sizeof(*hw));
	hw->cfg = copy;
	hw->ops = ops;
	hw->ctx = ctx;

	/* An unknown board is a bad configuration, not a silent default. */
	if (csa_cycle_params_resolve(&copy.cycles, &hw->cfg.cycles))
		return -EINVAL;

	csa_regs_reset(hw);
	return 0;
}

int csa_hw_irq_level(const struct csa_hw *hw)
{
	return (hw->irq_status & ~hw->irq_mask) != 0;
}
