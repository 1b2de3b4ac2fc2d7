// SPDX-License-Identifier: MIT
/*
 * exec.c - the device's descriptor check and engine dispatch.  The device
 * never trusts the host (DESIGN.md contract 4): a descriptor is checked in
 * full before any engine touches memory, so an error leaves device memory
 * exactly as it was.  Check order, first failure wins: BAD_OPCODE,
 * RESERVED, BAD_ARG, ADDR_RANGE, OVERLAP.
 */
#include "drm/csa_accel.h"

#include "common/csa_footprint.h"
#include "hw/bcq_batch.h"
#include "hw/cycle_model.h"
#include "hw/engines.h"
#include "hw/pim_batch.h"

static int is_device_slot(enum csa_buf_kind kind)
{
	return kind == CSA_BUF_DEVICE_IN || kind == CSA_BUF_DEVICE_OUT;
}

/* addr .. addr + bytes inside devmem, without overflow. */
static int range_ok(uint64_t devmem_size, uint64_t addr, uint64_t bytes)
{
	return bytes <= devmem_size && addr <= devmem_size - bytes;
}

static int ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* Inputs an output may coincide with exactly (same address and length):
 * element-wise ops whose i-th output depends only on the i-th inputs, or
 * on a reduction finished before the first write. */
static unsigned int alias_ok_mask(uint8_t opcode)
{
	switch (opcode) {
	case CSA_OP_RMSNORM:
	case CSA_OP_SILU_MUL:
	case CSA_OP_ADD:
		return 0x3;	/* slots 0 and 1 */
	case CSA_OP_SOFTMAX:
		return 0x1;	/* x only, never the ConSmax table */
	default:
		return 0;
	}
}

/* Every output must be disjoint from every other slot, unless an exact
 * alias is allowed.  ROPE's x is one in/out slot, so never a conflict. */
static int overlaps_ok(const struct csa_desc *d,
		       const struct csa_cmd_footprint *fp)
{
	unsigned int alias = alias_ok_mask(d->opcode), o, i;

	for (o = 0; o < CSA_DESC_ADDRS; o++) {
		if (fp->kind[o] != CSA_BUF_DEVICE_OUT)
			continue;
		for (i = 0; i < CSA_DESC_ADDRS; i++) {
			if (i == o || !is_device_slot(fp->kind[i]))
				continue;
			if (!ranges_overlap(d->addr[o], fp->bytes[o],
					    d->addr[i], fp->bytes[i]))
				continue;
			if ((alias & (1u << i)) && d->addr[o] == d->addr[i] &&
			    fp->bytes[o] == fp->bytes[i])
				continue;
			return 0;
		}
	}
	return 1;
}

int csa_hw_check_desc(const struct csa_hw *hw, const struct csa_desc *d,
		      struct csa_cmd_footprint *fp)
{
	uint32_t arg[CSA_DESC_ARGS];
	unsigned int i;
	int status, dma;

	if (d->opcode >= CSA_OP_COUNT)
		return CSA_STATUS_BAD_OPCODE;
	/* dep: reserved bits, or a distance without CSA_DEP_EXPLICIT (its
	 * range within the job is the command processor's check) */
	if ((d->dep & CSA_DEP_RSVD_MASK) ||
	    (!(d->dep & CSA_DEP_EXPLICIT) && d->dep))
		return CSA_STATUS_RESERVED;
	for (i = 0; i < 4; i++)
		if (d->rsvd1[i])
			return CSA_STATUS_RESERVED;

	memcpy(arg, d->arg, sizeof(arg));
	dma = d->opcode == CSA_OP_DMA_H2D || d->opcode == CSA_OP_DMA_D2H;
	if (dma)
		arg[1] = 0;	/* the SG count: checked below, after the shape */
	status = csa_cmd_check(d->opcode, d->flags & ~CSA_DESC_F_LAST, arg, fp);
	if (status != CSA_STATUS_OK)
		return status;
	if (dma && (d->arg[1] < 1 || d->arg[1] > CSA_SG_MAX))
		return CSA_STATUS_BAD_ARG;

	for (i = 0; i < CSA_DESC_ADDRS; i++) {
		if (fp->kind[i] == CSA_BUF_NONE) {
			if (d->addr[i])
				return CSA_STATUS_RESERVED;
			continue;
		}
		if (!is_device_slot(fp->kind[i]))
			continue;	/* bus address: the command processor's */
		if ((d->addr[i] & 3) ||
		    !range_ok(hw->cfg.devmem_size, d->addr[i], fp->bytes[i]))
			return CSA_STATUS_ADDR_RANGE;
	}
	if (!overlaps_ok(d, fp))
		return CSA_STATUS_OVERLAP;
	return CSA_STATUS_OK;
}

static int run_engine(struct csa_hw *hw, const struct csa_desc *d)
{
	switch (d->opcode) {
	case CSA_OP_NOP:
	case CSA_OP_FENCE:	/* the command processor posts the cookie */
		return CSA_STATUS_OK;
	case CSA_OP_COPY:
		return csa_eng_copy(hw, d);
	case CSA_OP_EMBED:
		return csa_eng_embed(hw, d);
	case CSA_OP_RMSNORM:
		return csa_eng_rmsnorm(hw, d);
	case CSA_OP_MATVEC_F32:
		return csa_eng_matvec_f32(hw, d);
	case CSA_OP_MATVEC_BCQ:
		return csa_eng_matvec_bcq(hw, d);
	case CSA_OP_MATVEC_BCQ_BATCH:
		return csa_eng_matvec_bcq_batch(hw, d);
	case CSA_OP_ROPE:
		return csa_eng_rope(hw, d);
	case CSA_OP_KV_APPEND:
		return csa_eng_kv_append(hw, d);
	case CSA_OP_ATTENTION:
		return csa_eng_attention(hw, d);
	case CSA_OP_SILU_MUL:
		return csa_eng_silu_mul(hw, d);
	case CSA_OP_ADD:
		return csa_eng_add(hw, d);
	case CSA_OP_ARGMAX:
		return csa_eng_argmax(hw, d);
	case CSA_OP_SOFTMAX:
		return csa_eng_softmax(hw, d);
	case CSA_OP_KV_APPEND_BATCH:
		return csa_eng_kv_append_batch(hw, d);
	case CSA_OP_ATTENTION_BATCH:
		return csa_eng_attention_batch(hw, d);
	case CSA_OP_MATVEC_F32_BATCH:
		return csa_eng_matvec_f32_batch(hw, d);
	default:
		/* DMA_H2D/D2H need host memory: the command processor runs
		 * them (csa_hw_check_desc + ops->dma_*), never exec. */
		return CSA_STATUS_BAD_OPCODE;
	}
}

int csa_hw_exec(struct csa_hw *hw, const struct csa_desc *d, uint64_t *cycles)
{
	struct csa_cycle_params params;
	struct csa_cmd_footprint fp;
	struct csa_cmd_cost cost;
	unsigned int e;
	int status;

	status = csa_hw_check_desc(hw, d, &fp);
	if (status == CSA_STATUS_OK)
		status = run_engine(hw, d);
	if (status != CSA_STATUS_OK) {
		/* a rejected descriptor costs its decode only */
		*cycles += CSA_CYCLES_ISSUE;
		return status;
	}

	csa_cycle_params_resolve(&hw->cfg.cycles, &params);
	if (d->opcode == CSA_OP_MATVEC_BCQ_BATCH) {
		csa_cycles_bcq_batch(&params, d, &cost);
	} else if (d->opcode == CSA_OP_KV_APPEND_BATCH ||
		   d->opcode == CSA_OP_ATTENTION_BATCH) {
		/* priced by the table the engine ran (it checked it) */
		struct csa_kv_entry entries[CSA_BATCH_MAX];
		struct csa_cmd_work w;

		csa_kv_batch_table(hw, d, entries);
		csa_kv_batch_work(&params, d, entries, &w);
		csa_cmd_price(&params, &w, params.dram_mbps, &cost);
	} else {
		csa_cycles_cmd(&params, d, &cost);
	}
	for (e = 0; e < CSA_ENGINE_COUNT; e++)
		hw->ctr.busy[e] += cost.busy[e];
	hw->ctr.mem_bytes += cost.mem_bytes;
	*cycles += cost.cycles;
	return CSA_STATUS_OK;
}
