// SPDX-License-Identifier: MIT
/*
 * cycle_model.c - modelled cycles per command.  The formulas are the
 * specification (docs/commands.md, "Cycle model"); the engines in this
 * directory do the arithmetic, this file only prices it.
 */
#include <string.h>

#include "drm/csa_accel.h"

#include "hw/cycle_model.h"

static uint32_t or_default(uint32_t v, uint32_t def)
{
	return v ? v : def;
}

void csa_cycle_params_resolve(const struct csa_cycle_params *in,
			      struct csa_cycle_params *out)
{
	out->clock_khz = or_default(in->clock_khz, CSA_DEF_CLOCK_KHZ);
	out->dram_mbps = or_default(in->dram_mbps, CSA_DEF_DRAM_MBPS);
	out->bcq_lanes = or_default(in->bcq_lanes, CSA_DEF_BCQ_LANES);
	out->pim_banks = or_default(in->pim_banks, CSA_DEF_PIM_BANKS);
	out->pim_macs = or_default(in->pim_macs, CSA_DEF_PIM_MACS);
	out->vec_lanes = or_default(in->vec_lanes, CSA_DEF_VEC_LANES);
	out->pcie_mbps = or_default(in->pcie_mbps, CSA_DEF_PCIE_MBPS);
}

static uint64_t div_ceil(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

/* ceil(a * num / den) without overflowing a * num for large a. */
static uint64_t mul_div_ceil(uint64_t a, uint64_t num, uint64_t den)
{
	uint64_t q = a / den, r = a % den;

	return q * num + div_ceil(r * num, den);
}

uint64_t csa_cycles_for_bytes(const struct csa_cycle_params *p,
			      uint64_t bytes, uint32_t mbps)
{
	/* bytes / (mbps * 10^6 B/s) seconds at clock_khz * 10^3 Hz */
	return mul_div_ceil(bytes, p->clock_khz, (uint64_t)mbps * 1000);
}

uint64_t csa_cycles_dma(const struct csa_cycle_params *p, uint64_t bytes)
{
	return csa_cycles_for_bytes(p, bytes, p->pcie_mbps) + CSA_CYCLES_ISSUE;
}

/* Work of one command: compute cycles of the main engine, an optional
 * second phase on another engine (attention's softmax), device bytes. */
struct work {
	unsigned int engine;
	uint64_t compute;
	unsigned int engine2;
	uint64_t compute2;
	uint64_t bytes;		/* device memory traffic */
	uint64_t ext_bytes;	/* part of it bound by the DRAM interface */
};

static void work_bcq(const struct csa_cycle_params *p,
		     const struct csa_desc *d, struct work *w)
{
	uint64_t k = d->arg[0], n = d->arg[1], planes = d->arg[2];
	uint64_t g = d->arg[3], k8 = (k + 7) / 8, ng = (k + g - 1) / g;

	w->engine = CSA_ENGINE_BCQ;
	/* 256-entry table per 8 activations, one byte lookup per row and
	 * plane, one scale multiply-add per row, group and plane. */
	w->compute = div_ceil(k8 * 256, p->bcq_lanes) +
		     div_ceil(n * planes * k8, p->bcq_lanes) +
		     div_ceil(n * ng * planes, p->bcq_lanes);
	w->bytes = k * 4 + csa_bcq_bits_bytes((uint32_t)k, (uint32_t)n,
					      (uint32_t)planes) +
		   csa_bcq_scale_bytes_elem((uint32_t)k, (uint32_t)n,
					    (uint32_t)planes, (uint32_t)g,
					    csa_bcq_scale_elem_bytes(d->flags)) +
		   n * 4;
	w->ext_bytes = w->bytes;
}

static void work_attention(const struct csa_cycle_params *p,
			   const struct csa_desc *d, struct work *w)
{
	uint64_t heads = d->arg[0], hd = d->arg[2], seq = d->arg[3];
	uint64_t macs = (uint64_t)p->pim_banks * p->pim_macs;
	int consmax = !!(d->flags & CSA_CMD_F_CONSMAX);
	int norm = !!(d->flags & CSA_CMD_F_CONSMAX_NORM);

	/* Scores q.K^T and values p.V run in the banks: one token per bank
	 * per step, pim_macs multipliers each. */
	w->engine = CSA_ENGINE_PIM;
	w->compute = heads * 2 * div_ceil(seq * hd, macs);
	/* Softmax of each head's scores: 3 passes (max, exp+sum, divide) on
	 * the vector unit, or one LUT pass on the ConSmax unit. */
	w->engine2 = consmax ? CSA_ENGINE_CONSMAX : CSA_ENGINE_VECTOR;
	w->compute2 = heads * div_ceil((consmax ? 1 : 3) * seq, p->vec_lanes);
	/* Normalized ConSmax: the running sum of p (one add per token) and
	 * one divide per output element, on the same unit. */
	if (norm)
		w->compute2 += heads * (div_ceil(seq, p->vec_lanes) +
					div_ceil(hd, p->vec_lanes));
	/* K and V are read inside the banks; only q, out and the table
	 * cross the DRAM interface. */
	w->ext_bytes = heads * hd * 8 +
		       (consmax ? heads * CSA_CONSMAX_HEAD_BYTES : 0);
	w->bytes = w->ext_bytes +
		   heads * 2 * seq * hd * csa_kv_elem_bytes(d->flags);
}

static void work_of(const struct csa_cycle_params *p,
		    const struct csa_desc *d, struct work *w)
{
	uint64_t lanes = p->vec_lanes, n = d->arg[0];

	memset(w, 0, sizeof(*w));
	w->engine = CSA_ENGINE_VECTOR;
	switch (d->opcode) {
	case CSA_OP_COPY:
		w->engine = CSA_ENGINE_DMA;
		w->compute = div_ceil(n / 4, lanes);
		w->bytes = 2 * n;
		break;
	case CSA_OP_EMBED:
		w->compute = div_ceil(n, lanes);
		w->bytes = 8 * n + ((d->flags & CSA_CMD_F_IDX_MEM) ? 4 : 0);
		break;
	case CSA_OP_RMSNORM:	/* sum of squares, then scale */
		w->compute = div_ceil(2 * n, lanes);
		w->bytes = 16 * n;	/* x twice, w, y */
		break;
	case CSA_OP_MATVEC_F32:
		w->compute = div_ceil((uint64_t)d->arg[0] * d->arg[1], lanes);
		w->bytes = 4 * ((uint64_t)d->arg[0] +
				(uint64_t)d->arg[0] * d->arg[1] + d->arg[1]);
		break;
	case CSA_OP_MATVEC_BCQ:
		work_bcq(p, d, w);
		return;
	case CSA_OP_ROPE:	/* x read and written, one table row */
		w->compute = div_ceil((uint64_t)d->arg[0] * d->arg[1], lanes);
		w->bytes = 4 * (2 * (uint64_t)d->arg[0] * d->arg[1] + d->arg[1]);
		break;
	case CSA_OP_KV_APPEND:	/* k, v read; one K row and one V column */
		w->engine = CSA_ENGINE_PIM;
		w->compute = div_ceil(2 * (uint64_t)d->arg[0] * d->arg[1], lanes);
		w->bytes = 2 * (4 + (uint64_t)csa_kv_elem_bytes(d->flags)) *
			   d->arg[0] * d->arg[1];
		break;
	case CSA_OP_ATTENTION:
		work_attention(p, d, w);
		return;
	case CSA_OP_SILU_MUL:
	case CSA_OP_ADD:
		w->compute = div_ceil(n, lanes);
		w->bytes = 12 * n;
		break;
	case CSA_OP_ARGMAX:
		w->compute = div_ceil(n, lanes);
		w->bytes = 4 * n + 8;
		break;
	case CSA_OP_SOFTMAX:
		if (d->flags & CSA_CMD_F_CONSMAX) {
			w->engine = CSA_ENGINE_CONSMAX;
			w->compute = div_ceil(n, lanes);
			w->bytes = 8 * n + CSA_CONSMAX_HEAD_BYTES;
		} else {	/* max; exp and sum; divide */
			w->compute = div_ceil(3 * n, lanes);
			w->bytes = 20 * n;	/* x twice, y written twice, read once */
		}
		break;
	default:	/* NOP, FENCE: issue only, on the vector unit's
			 * counter so the busy counters sum to the total */
		break;
	}
	w->ext_bytes = w->bytes;
}

void csa_cycles_cmd(const struct csa_cycle_params *p,
		    const struct csa_desc *d, struct csa_cmd_cost *cost)
{
	uint64_t mem, busy;
	struct work w;

	work_of(p, d, &w);
	memset(cost, 0, sizeof(*cost));
	mem = csa_cycles_for_bytes(p, w.ext_bytes, p->dram_mbps);
	busy = w.compute + w.compute2;
	if (mem > busy)
		busy = mem;
	cost->cycles = busy + CSA_CYCLES_ISSUE;
	/* The second phase is charged to its engine, the rest (issue and
	 * memory stalls included) to the main one. */
	cost->busy[w.engine2] += w.compute2;
	cost->busy[w.engine] += cost->cycles - w.compute2;
	cost->mem_bytes = w.bytes;
}
