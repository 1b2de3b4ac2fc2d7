// SPDX-License-Identifier: MIT
/*
 * queue.c - the submission and completion rings in host memory
 * (NVMe-style): setup checks, occupancy, fetch, completion posting with
 * the phase bit, doorbells.
 *
 * Ring sizes are powers of two, so indices wrap with a mask.  The SQ holds
 * at most size - 1 descriptors (empty is head == tail); the CQ likewise,
 * and the device never writes the entry at cq_head - 1 + 1 == cq_head.
 */
#include "hw/csa_core.h"
#include "hw/timeline.h"

static int ring_size_ok(uint32_t size)
{
	return size >= CSA_RING_MIN && size <= CSA_RING_MAX &&
	       (size & (size - 1)) == 0;
}

static int ring_base_ok(uint64_t base, uint32_t entries, uint32_t entry_size)
{
	if (!base || base % CSA_RING_ALIGN)
		return 0;
	/* The ring must not wrap the bus address space. */
	return base <= UINT64_MAX - (uint64_t)entries * entry_size;
}

/* 0 when the programmed rings are valid, else a CSA_SETUP_* code. */
uint32_t csa_ring_setup_check(const struct csa_hw *hw)
{
	if (!ring_size_ok(hw->sq_size))
		return CSA_SETUP_SQ_SIZE;
	if (!ring_base_ok(hw->sq_base, hw->sq_size, sizeof(struct csa_desc)))
		return CSA_SETUP_SQ_BASE;
	if (!ring_size_ok(hw->cq_size))
		return CSA_SETUP_CQ_SIZE;
	if (!ring_base_ok(hw->cq_base, hw->cq_size, sizeof(struct csa_cqe)))
		return CSA_SETUP_CQ_BASE;
	return 0;
}

void csa_rings_start(struct csa_hw *hw)
{
	hw->sq_head = 0;
	hw->sq_tail = 0;
	hw->cq_head = 0;
	hw->cq_tail = 0;
	hw->cq_phase = 1;
	hw->coalesce_pending = 0;
	hw->job_index = 0;
	hw->job_cycles = 0;
	hw->job_failed = 0;
	csa_timeline_reset(&hw->tl);
	hw->ring_gen++;
}

uint32_t csa_sq_pending(const struct csa_hw *hw)
{
	return (hw->sq_tail - hw->sq_head) & (hw->sq_size - 1);
}

uint32_t csa_cq_free(const struct csa_hw *hw)
{
	uint32_t used = (hw->cq_tail - hw->cq_head) & (hw->cq_size - 1);

	return hw->cq_size - 1 - used;
}

/* Read the descriptor at sq_head; 0 or the embedder's negative error. */
int csa_sq_fetch(struct csa_hw *hw, struct csa_desc *d)
{
	uint64_t addr = hw->sq_base + (uint64_t)hw->sq_head * sizeof(*d);
	int ret = hw->ops->dma_read(hw->ctx, addr, d, sizeof(*d));

	return ret ? (ret < 0 ? ret : -1) : 0;
}

void csa_sq_consume(struct csa_hw *hw)
{
	hw->sq_head = (hw->sq_head + 1) & (hw->sq_size - 1);
	hw->fetched++;
}

/* Write @cqe (phase bit added here) at cq_tail with one DMA write and
 * advance; the caller has checked there is room. */
int csa_cq_post(struct csa_hw *hw, struct csa_cqe *cqe)
{
	uint64_t addr = hw->cq_base + (uint64_t)hw->cq_tail * sizeof(*cqe);
	int ret;

	cqe->flags = (uint16_t)((cqe->flags & ~CSA_CQE_F_PHASE) |
				(hw->cq_phase ? CSA_CQE_F_PHASE : 0));
	ret = hw->ops->dma_write(hw->ctx, addr, cqe, sizeof(*cqe));
	if (ret)
		return ret < 0 ? ret : -1;
	hw->cq_tail = (hw->cq_tail + 1) & (hw->cq_size - 1);
	if (hw->cq_tail == 0)
		hw->cq_phase ^= 1;
	return 0;
}

/* A doorbell counts only on a ready device and with an index inside its
 * ring; an index outside raises ERR_DOORBELL (@which says which one). */
static int doorbell_ok(struct csa_hw *hw, uint32_t value, uint32_t ring_size,
		       uint32_t which)
{
	if (!(hw->status & CSA_STS_READY))
		return 0;
	if (value >= ring_size) {
		csa_raise_error(hw, CSA_ERR_DOORBELL, which, value);
		return 0;
	}
	return 1;
}

/* SQ_TAIL doorbell; returns 1 when the command processor has work. */
int csa_sq_doorbell(struct csa_hw *hw, uint32_t value)
{
	if (!doorbell_ok(hw, value, hw->sq_size, CSA_DOORBELL_SQ_TAIL))
		return 0;
	hw->sq_tail = value;
	return hw->sq_head != hw->sq_tail;
}

/* CQ_HEAD doorbell; returns 1 when a CQ-full stall may now resume. */
int csa_cq_doorbell(struct csa_hw *hw, uint32_t value)
{
	if (!doorbell_ok(hw, value, hw->cq_size, CSA_DOORBELL_CQ_HEAD))
		return 0;
	hw->cq_head = value;
	return hw->sq_head != hw->sq_tail;
}
