// SPDX-License-Identifier: MIT
/*
 * regs.c - the BAR0 register file: reads, writes, soft reset, and the
 * error/interrupt status bits every other part of the core raises.
 *
 * A register write never calls into the embedder except ops->kick():
 * interrupts it causes (doorbell errors, unmasking a held event) are
 * delivered by the next csa_hw_run().
 */
#include <string.h>

#include "hw/board_profiles.h"
#include "hw/csa_core.h"
#include "uapi/drm/csa_accel.h"

#define CSA_IRQ_ALL	(CSA_IRQ_CQ | CSA_IRQ_ERROR)
#define CSA_ERR_ALL	(CSA_ERR_RING_SETUP | CSA_ERR_SQ_FETCH | \
			 CSA_ERR_CQ_WRITE | CSA_ERR_DOORBELL | CSA_ERR_CMD)

void csa_regs_reset(struct csa_hw *hw)
{
	hw->control = 0;
	hw->status = 0;
	hw->error_status = 0;
	hw->error_info = 0;
	hw->irq_status = 0;
	hw->irq_mask = CSA_IRQ_ALL;
	hw->irq_coalesce = 0;
	hw->scratch = 0;
	hw->sq_base = 0;
	hw->cq_base = 0;
	hw->sq_size = 0;
	hw->cq_size = 0;
	csa_rings_start(hw);	/* indices, phase, coalescing, job state */
	hw->perf_hi_latch = 0;
	hw->irq_pending = 0;
	hw->fetched = 0;
}

void csa_soft_reset(struct csa_hw *hw)
{
	uint64_t resets = hw->ctr.resets;

	csa_regs_reset(hw);
	memset(&hw->ctr, 0, sizeof(hw->ctr));
	hw->ctr.resets = resets + 1;
	hw->cfg.fault_hang_after = 0;
}

void csa_raise_error(struct csa_hw *hw, uint32_t err, uint32_t detail,
		     uint32_t index)
{
	if (!hw->error_status)
		hw->error_info = CSA_ERRINFO(err, detail, index);
	hw->error_status |= err;
	hw->irq_status |= CSA_IRQ_ERROR;
	hw->irq_pending |= CSA_IRQ_ERROR;
}

void csa_halt(struct csa_hw *hw, uint32_t err, uint32_t detail,
	      uint32_t index)
{
	csa_raise_error(hw, err, detail, index);
	hw->status |= CSA_STS_HALTED;
	hw->status &= ~CSA_STS_READY;
}

static uint64_t caps(const struct csa_hw *hw)
{
	uint64_t c = CSA_CAP_BCQ | CSA_CAP_CONSMAX | CSA_CAP_PIM |
		     CSA_CAP_VECTOR | CSA_CAP_DMA | CSA_CAP_POW2_SCALES |
		     CSA_CAP_BCQ_BATCH | CSA_CAP_KV_BATCH |
		     CSA_CAP_F32_BATCH | CSA_CAP_DEP_QUEUES;

	if (hw->cfg.devmem_bar)
		c |= CSA_CAP_DEVMEM_BAR;
	return c;
}

/* ENGINES packs each size in 8 bits: 255 means "255 or more, see the
 * full-width register". */
static uint32_t sat8(uint32_t v)
{
	return v > 255 ? 255 : v;
}

static uint32_t engines(const struct csa_hw *hw)
{
	const struct csa_cycle_params *p = &hw->cfg.cycles;

	return sat8(p->bcq_lanes) | sat8(p->pim_banks) << 8 |
	       sat8(p->vec_lanes) << 16 | sat8(p->pim_macs) << 24;
}

/* BOARD_NAME: bytes 4*i .. 4*i+3 of the profile's name, little-endian. */
static uint32_t board_name_word(const struct csa_hw *hw, unsigned int i)
{
	const struct csa_board_profile *b = csa_board_by_id(hw->cfg.cycles.board);
	char name[CSA_BOARD_NAME_LEN] = { 0 };

	if (b)
		strncpy(name, b->name, sizeof(name) - 1);
	return (uint32_t)(uint8_t)name[4 * i] |
	       (uint32_t)(uint8_t)name[4 * i + 1] << 8 |
	       (uint32_t)(uint8_t)name[4 * i + 2] << 16 |
	       (uint32_t)(uint8_t)name[4 * i + 3] << 24;
}

/* The 64-bit counter behind a PERF offset (LO or HI half); 0 if reserved. */
static uint64_t perf_counter(const struct csa_hw *hw, uint32_t offset)
{
	uint32_t slot = (offset - CSA_REG_PERF_BASE) / 8;

	if (slot < CSA_ENGINE_COUNT)
		return hw->ctr.busy[slot];
	switch (offset & ~7u) {
	case CSA_REG_PERF_TOTAL:	return hw->ctr.total;
	case CSA_REG_PERF_COMMANDS:	return hw->ctr.commands;
	case CSA_REG_PERF_DMA_BYTES:	return hw->ctr.dma_bytes;
	case CSA_REG_PERF_MEM_BYTES:	return hw->ctr.mem_bytes;
	case CSA_REG_PERF_ERRORS:	return hw->ctr.errors;
	case CSA_REG_PERF_RESETS:	return hw->ctr.resets;
	default:			return 0;
	}
}

static uint32_t status(const struct csa_hw *hw)
{
	uint32_t s = hw->status;

	if (hw->sq_head != hw->sq_tail)
		s |= CSA_STS_BUSY;
	return s;
}

uint32_t csa_hw_mmio_read(struct csa_hw *hw, uint32_t offset)
{
	if (offset & 3 || offset >= CSA_REGS_SIZE)
		return 0;
	if (offset >= CSA_REG_PERF_BASE && offset < CSA_REG_PERF_RESETS + 8) {
		uint64_t v = perf_counter(hw, offset);

		if (offset & 4)
			return hw->perf_hi_latch;
		hw->perf_hi_latch = (uint32_t)(v >> 32);
		return (uint32_t)v;
	}
	switch (offset) {
	case CSA_REG_MAGIC:		return CSA_MAGIC;
	case CSA_REG_VERSION:		return CSA_VERSION;
	case CSA_REG_CAPS:		return (uint32_t)caps(hw);
	case CSA_REG_ENGINES:		return engines(hw);
	case CSA_REG_DEVMEM_LO:		return (uint32_t)hw->cfg.devmem_size;
	case CSA_REG_DEVMEM_HI:		return (uint32_t)(hw->cfg.devmem_size >> 32);
	case CSA_REG_CLOCK_KHZ:		return hw->cfg.cycles.clock_khz;
	case CSA_REG_DRAM_MBPS:		return hw->cfg.cycles.dram_mbps;
	case CSA_REG_BOARD_ID:		return hw->cfg.cycles.board;
	case CSA_REG_BCQ_LANES:		return hw->cfg.cycles.bcq_lanes;
	case CSA_REG_PIM_UNITS:		return hw->cfg.cycles.pim_banks;
	case CSA_REG_PIM_MACS:		return hw->cfg.cycles.pim_macs;
	case CSA_REG_VEC_LANES:		return hw->cfg.cycles.vec_lanes;
	case CSA_REG_MEM_CHANNELS:	return hw->cfg.cycles.mem_channels;
	case CSA_REG_MEM_PEAK_MBPS:	return hw->cfg.cycles.mem_peak_mbps;
	case CSA_REG_PCIE_MBPS:		return hw->cfg.cycles.pcie_mbps;
	case CSA_REG_BOARD_NAME:
	case CSA_REG_BOARD_NAME + 4:
	case CSA_REG_BOARD_NAME + 8:
	case CSA_REG_BOARD_NAME + 12:
		return board_name_word(hw, (offset - CSA_REG_BOARD_NAME) / 4);
	case CSA_REG_CONTROL:		return hw->control;
	case CSA_REG_STATUS:		return status(hw);
	case CSA_REG_ERROR_STATUS:	return hw->error_status;
	case CSA_REG_ERROR_INFO:	return hw->error_info;
	case CSA_REG_IRQ_STATUS:	return hw->irq_status;
	case CSA_REG_IRQ_MASK:		return hw->irq_mask;
	case CSA_REG_IRQ_COALESCE:	return hw->irq_coalesce;
	case CSA_REG_SCRATCH:		return hw->scratch;
	case CSA_REG_SQ_BASE_LO:	return (uint32_t)hw->sq_base;
	case CSA_REG_SQ_BASE_HI:	return (uint32_t)(hw->sq_base >> 32);
	case CSA_REG_SQ_SIZE:		return hw->sq_size;
	case CSA_REG_SQ_TAIL:		return hw->sq_tail;
	case CSA_REG_SQ_HEAD:		return hw->sq_head;
	case CSA_REG_CQ_BASE_LO:	return (uint32_t)hw->cq_base;
	case CSA_REG_CQ_BASE_HI:	return (uint32_t)(hw->cq_base >> 32);
	case CSA_REG_CQ_SIZE:		return hw->cq_size;
	case CSA_REG_CQ_HEAD:		return hw->cq_head;
	case CSA_REG_CQ_TAIL:		return hw->cq_tail;
	default:			return 0;
	}
}

static void write_control(struct csa_hw *hw, uint32_t value)
{
	uint32_t was_enabled = hw->control & CSA_CTRL_ENABLE;
	uint32_t detail;

	if (value & CSA_CTRL_RESET) {
		csa_soft_reset(hw);
		return;
	}
	/* A halted device only leaves that state through RESET. */
	if (hw->status & CSA_STS_HALTED)
		return;
	hw->control = value & CSA_CTRL_ENABLE;
	if (!hw->control) {
		hw->status &= ~CSA_STS_READY;
		return;
	}
	if (was_enabled)
		return;
	detail = csa_ring_setup_check(hw);
	if (detail) {
		csa_halt(hw, CSA_ERR_RING_SETUP, detail, 0);
		return;
	}
	csa_rings_start(hw);
	hw->status |= CSA_STS_READY;
}

/* Ring setup registers only take writes while CONTROL.ENABLE is clear. */
/* The 64-bit ring bases are written one 32-bit half at a time. */
static uint64_t with_low32(uint64_t reg, uint32_t value)
{
	return (reg & ~0xffffffffull) | value;
}

static uint64_t with_high32(uint64_t reg, uint32_t value)
{
	return (reg & 0xffffffffull) | (uint64_t)value << 32;
}

static void write_ring_setup(struct csa_hw *hw, uint32_t offset,
			     uint32_t value)
{
	if (hw->control & CSA_CTRL_ENABLE)
		return;
	switch (offset) {
	case CSA_REG_SQ_BASE_LO:
		hw->sq_base = with_low32(hw->sq_base, value);
		break;
	case CSA_REG_SQ_BASE_HI:
		hw->sq_base = with_high32(hw->sq_base, value);
		break;
	case CSA_REG_SQ_SIZE:
		hw->sq_size = value;
		break;
	case CSA_REG_CQ_BASE_LO:
		hw->cq_base = with_low32(hw->cq_base, value);
		break;
	case CSA_REG_CQ_BASE_HI:
		hw->cq_base = with_high32(hw->cq_base, value);
		break;
	case CSA_REG_CQ_SIZE:
		hw->cq_size = value;
		break;
	}
}

void csa_hw_mmio_write(struct csa_hw *hw, uint32_t offset, uint32_t value)
{
	int kick = 0;

	if (offset & 3 || offset >= CSA_REGS_SIZE)
		return;
	switch (offset) {
	case CSA_REG_CONTROL:
		write_control(hw, value);
		break;
	case CSA_REG_ERROR_STATUS:
		hw->error_status &= ~(value & CSA_ERR_ALL);
		break;
	case CSA_REG_IRQ_STATUS:
		hw->irq_status &= ~(value & CSA_IRQ_ALL);
		break;
	case CSA_REG_IRQ_MASK:
		hw->irq_mask = value & CSA_IRQ_ALL;
		break;
	case CSA_REG_IRQ_COALESCE:
		hw->irq_coalesce = value;
		break;
	case CSA_REG_SCRATCH:
		hw->scratch = value;
		break;
	case CSA_REG_SQ_BASE_LO:
	case CSA_REG_SQ_BASE_HI:
	case CSA_REG_SQ_SIZE:
	case CSA_REG_CQ_BASE_LO:
	case CSA_REG_CQ_BASE_HI:
	case CSA_REG_CQ_SIZE:
		write_ring_setup(hw, offset, value);
		break;
	case CSA_REG_SQ_TAIL:
		kick = csa_sq_doorbell(hw, value);
		break;
	case CSA_REG_CQ_HEAD:
		kick = csa_cq_doorbell(hw, value);
		break;
	default:
		break;	/* read-only or reserved: writes are dropped */
	}
	/* Work for the command processor, or a message to send. */
	if (hw->irq_pending & ~hw->irq_mask)
		kick = 1;
	if (kick && hw->ops->kick)
		hw->ops->kick(hw->ctx);
}
