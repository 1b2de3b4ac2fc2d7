// SPDX-License-Identifier: MIT
/*
 * cycle_model.c - modelled cycles per command.  The formulas are the
 * specification (docs/commands.md, "Cycle model"); the engines in this
 * directory do the arithmetic, this file only prices it.
 */
#include <string.h>

#include "drm/csa_accel.h"

#include "hw/board_profiles.h"
#include "hw/cycle_model.h"
#include "hw/pim_batch.h"

static uint32_t or_default(uint32_t v, uint32_t def)
{
	return v ? v : def;
}

int csa_cycle_params_resolve(const struct csa_cycle_params *in,
			     struct csa_cycle_params *out)
{
	const struct csa_board_profile *b =
		csa_board_by_id(in->board ? in->board : CSA_BOARD_DEFAULT);
	int ret = 0;

	if (!b) {
		b = csa_board_by_id(CSA_BOARD_DEFAULT);
		ret = -1;
	}
	out->clock_khz = or_default(in->clock_khz, b->clock_khz);
	out->dram_mbps = or_default(in->dram_mbps, csa_board_mem_mbps(b));
	out->bcq_lanes = or_default(in->bcq_lanes, b->bcq_lanes);
	out->pim_banks = or_default(in->pim_banks, b->pim_banks);
	out->pim_macs = or_default(in->pim_macs, b->pim_macs);
	out->vec_lanes = or_default(in->vec_lanes, b->vec_lanes);
	out->pcie_mbps = or_default(in->pcie_mbps, b->pcie_mbps);
	out->board = b->id;
	out->mem_channels = or_default(in->mem_channels, b->mem_channels);
	out->mem_peak_mbps = or_default(in->mem_peak_mbps, b->mem_peak_mbps);
	/* DDR4 x64 BL8 = 64 B; an HBM2 pseudo-channel (64 bits, BL4) 32 B */
	out->burst_bytes = or_default(in->burst_bytes,
				      b->mem_kind == CSA_MEM_HBM2 ? 32 : 64);
	return ret;
}

static uint64_t div_ceil(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

static uint64_t max2(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
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

/* Shift-add: one table lookup (a byte of a bit plane) per lane and cycle;
 * one table-building adder per 4 lanes and one scale multiply-add unit per
 * 8 lanes.  A table needs only 128 sums: the other half are their
 * negations (exact in IEEE arithmetic).  Tables are double-buffered, so
 * building, looking up and scaling overlap; only the first table is a
 * fill before the lookups start. */
static void work_bcq(const struct csa_cycle_params *p,
		     const struct csa_desc *d, struct csa_cmd_work *w)
{
	uint64_t k = d->arg[0], n = d->arg[1], planes = d->arg[2];
	uint64_t g = d->arg[3], k8 = (k + 7) / 8, ng = (k + g - 1) / g;
	uint64_t lanes = p->bcq_lanes, builders = max2(lanes / 4, 1);
	uint64_t scalers = max2(lanes / 8, 1);
	uint64_t lookups = n * planes * k8, entries = k8 * 128;
	uint64_t scales = n * ng * planes;

	w->engine = CSA_ENGINE_BCQ;
	w->compute = max2(max2(div_ceil(lookups, lanes),
			       div_ceil(entries, builders)),
			  div_ceil(scales, scalers)) + div_ceil(128, builders);
	w->mem_bytes = k * 4 + csa_bcq_bits_bytes((uint32_t)k, (uint32_t)n,
						  (uint32_t)planes) +
		       csa_bcq_scale_bytes_elem((uint32_t)k, (uint32_t)n,
						(uint32_t)planes, (uint32_t)g,
						csa_bcq_scale_elem_bytes(d->flags)) +
		       n * 4;
	w->ops = lookups + entries + scales;
}

/* Attention: the units read K and V where they lie (on HBM one unit per
 * pseudo-channel, on DDR over the interface) at the memory's pace; every
 * K/V byte is charged to memory.  A kv head's K/V is read once for all
 * the query heads that share it. */
static void work_attention(const struct csa_cycle_params *p,
			   const struct csa_desc *d, struct csa_cmd_work *w)
{
	uint64_t heads = d->arg[0], n_kv = d->arg[1], hd = d->arg[2];
	uint64_t seq = d->arg[3], macs = heads * 2 * seq * hd;
	int consmax = !!(d->flags & CSA_CMD_F_CONSMAX);
	int norm = !!(d->flags & CSA_CMD_F_CONSMAX_NORM);

	w->engine = CSA_ENGINE_PIM;
	w->compute = div_ceil(macs, (uint64_t)p->pim_banks * p->pim_macs);
	/* Exact softmax needs every score first: max, exp and sum, divide
	 * on the vector unit between the K and the V pass.  ConSmax has no
	 * max or sum, so its LUT runs in the stream between the two. */
	w->engine2 = consmax ? CSA_ENGINE_CONSMAX : CSA_ENGINE_VECTOR;
	w->compute2 = heads * div_ceil((consmax ? 1 : 3) * seq, p->vec_lanes);
	/* Normalized ConSmax: the running sum of p (one add per token) and
	 * one divide per output element, on the same unit. */
	if (norm)
		w->compute2 += heads * (div_ceil(seq, p->vec_lanes) +
					div_ceil(hd, p->vec_lanes));
	w->serial2 = !consmax;
	w->mem_bytes = 2 * n_kv * seq * hd * csa_kv_elem_bytes(d->flags) +
		       heads * hd * 8 +
		       (consmax ? heads * CSA_CONSMAX_HEAD_BYTES : 0);
	w->ops = macs + heads * seq * (consmax ? 1 : 3) +
		 (norm ? heads * (seq + hd) : 0);
}

/* KV_APPEND: k and v read; one K row written contiguously; the V column
 * is one element per DRAM row, each a whole burst. */
static void work_kv_append(const struct csa_cycle_params *p,
			   const struct csa_desc *d, struct csa_cmd_work *w)
{
	uint64_t elems = (uint64_t)d->arg[0] * d->arg[1];

	w->engine = CSA_ENGINE_PIM;
	w->compute = div_ceil(2 * elems, p->vec_lanes);
	w->mem_bytes = 8 * elems + elems * csa_kv_elem_bytes(d->flags) +
		       elems * p->burst_bytes;
	w->ops = 2 * elems;
}

void csa_cmd_work_of(const struct csa_cycle_params *p,
		     const struct csa_desc *d, struct csa_cmd_work *w)
{
	uint64_t lanes = p->vec_lanes, n = d->arg[0];

	memset(w, 0, sizeof(*w));
	w->engine = CSA_ENGINE_VECTOR;
	w->engine2 = CSA_ENGINE_VECTOR;
	switch (d->opcode) {
	case CSA_OP_COPY:
		w->engine = CSA_ENGINE_DMA;
		w->compute = div_ceil(n / 4, lanes);
		w->mem_bytes = 2 * n;
		break;
	case CSA_OP_EMBED:
		w->compute = div_ceil(n, lanes);
		w->mem_bytes = 8 * n + ((d->flags & CSA_CMD_F_IDX_MEM) ? 4 : 0);
		w->ops = n;
		break;
	case CSA_OP_RMSNORM:	/* sum of squares, then scale */
		w->compute = div_ceil(2 * n, lanes);
		w->mem_bytes = 16 * n;	/* x twice, w, y */
		w->ops = 3 * n;
		break;
	case CSA_OP_MATVEC_F32:
		w->ops = (uint64_t)d->arg[0] * d->arg[1];
		w->compute = div_ceil(w->ops, lanes);
		w->mem_bytes = 4 * ((uint64_t)d->arg[0] + w->ops + d->arg[1]);
		break;
	case CSA_OP_MATVEC_BCQ:
		work_bcq(p, d, w);
		break;
	case CSA_OP_MATVEC_F32_BATCH:	/* the matrix once, x and y per vector */
		w->ops = (uint64_t)d->arg[0] * d->arg[1];
		w->compute = d->arg[2] * div_ceil(w->ops, lanes);
		w->mem_bytes = 4 * (w->ops + (uint64_t)d->arg[2] *
				    ((uint64_t)d->arg[0] + d->arg[1]));
		w->ops *= d->arg[2];
		break;
	case CSA_OP_ROPE:	/* x read and written, one table row */
		w->ops = (uint64_t)d->arg[0] * d->arg[1];
		w->compute = div_ceil(w->ops, lanes);
		w->mem_bytes = 4 * (2 * w->ops + d->arg[1]);
		w->ops *= 3;
		break;
	case CSA_OP_KV_APPEND:
		work_kv_append(p, d, w);
		break;
	case CSA_OP_ATTENTION:
		work_attention(p, d, w);
		break;
	case CSA_OP_SILU_MUL:
	case CSA_OP_ADD:
		w->compute = div_ceil(n, lanes);
		w->mem_bytes = 12 * n;
		w->ops = n;
		break;
	case CSA_OP_ARGMAX:
		w->compute = div_ceil(n, lanes);
		w->mem_bytes = 4 * n + 8;
		w->ops = n;
		break;
	case CSA_OP_SOFTMAX:
		if (d->flags & CSA_CMD_F_CONSMAX) {
			w->engine = CSA_ENGINE_CONSMAX;
			w->compute = div_ceil(n, lanes);
			w->mem_bytes = 8 * n + CSA_CONSMAX_HEAD_BYTES;
			w->ops = n;
		} else {	/* max; exp and sum; divide */
			w->compute = div_ceil(3 * n, lanes);
			w->mem_bytes = 20 * n;	/* x twice, y written twice, read once */
			w->ops = 3 * n;
		}
		break;
	case CSA_OP_KV_APPEND_BATCH:
	case CSA_OP_ATTENTION_BATCH: {
		/* the lengths are in device memory (csa_kv_batch_work()
		 * prices the table the device read); from the descriptor
		 * alone: the bound, every entry at max_seq */
		struct csa_kv_entry full[CSA_BATCH_MAX];
		uint32_t i, b = d->arg[d->opcode == CSA_OP_ATTENTION_BATCH ? 3 : 2];
		uint32_t max_seq = d->arg[d->opcode == CSA_OP_ATTENTION_BATCH ? 4 : 3];

		for (i = 0; i < b && i < CSA_BATCH_MAX; i++) {
			full[i].slot = 0;
			full[i].len = max_seq;
		}
		csa_kv_batch_work(p, d, full, w);
		break;
	}
	default:	/* NOP, FENCE: issue only, on the vector unit's
			 * counter so the busy counters sum to the total */
		break;
	}
}

void csa_cmd_price(const struct csa_cycle_params *p,
		   const struct csa_cmd_work *w, uint32_t mem_mbps,
		   struct csa_cmd_cost *cost)
{
	uint64_t mem = csa_cycles_for_bytes(p, w->mem_bytes, mem_mbps), busy;

	memset(cost, 0, sizeof(*cost));
	if (w->serial2)
		busy = max2(w->compute, mem) + w->compute2;
	else
		busy = max2(max2(w->compute, w->compute2), mem);
	cost->cycles = busy + CSA_CYCLES_ISSUE;
	/* The second phase is charged to its engine, the rest (issue and
	 * memory stalls included) to the main one. */
	cost->busy[w->engine2] += w->compute2;
	cost->busy[w->engine] += cost->cycles - w->compute2;
	cost->mem_bytes = w->mem_bytes;
	cost->compute = w->compute + w->compute2;
	cost->memory = mem;
	cost->ops = w->ops;
}

void csa_cycles_cmd(const struct csa_cycle_params *p,
		    const struct csa_desc *d, struct csa_cmd_cost *cost)
{
	struct csa_cmd_work w;

	csa_cmd_work_of(p, d, &w);
	csa_cmd_price(p, &w, p->dram_mbps, cost);
}
