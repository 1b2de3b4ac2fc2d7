// SPDX-License-Identifier: MIT
/*
 * bcq_batch.c - MATVEC_BCQ_BATCH: the engine runs MATVEC_BCQ once per
 * vector (so each y[b] is bit for bit MATVEC_BCQ of x[b]: the shift-add
 * sums are integers, their order is free), and the cycle model prices one
 * pass over the weights for the whole batch.
 */
#include "drm/csa_accel.h"

#include "hw/bcq_batch.h"
#include "hw/engines.h"

/* The single-vector descriptor of vector @b. */
static void one_vector(const struct csa_desc *d, uint32_t b, struct csa_desc *one)
{
	*one = *d;
	one->opcode = CSA_OP_MATVEC_BCQ;
	one->arg[4] = 0;
	one->addr[0] = d->addr[0] + (uint64_t)b * d->arg[0] * 4;
	one->addr[3] = d->addr[3] + (uint64_t)b * d->arg[1] * 4;
}

int csa_eng_matvec_bcq_batch(struct csa_hw *hw, const struct csa_desc *d)
{
	struct csa_desc one;
	uint32_t b;

	for (b = 0; b < d->arg[4]; b++) {
		int status;

		one_vector(d, b, &one);
		status = csa_eng_matvec_bcq(hw, &one);
		if (status != CSA_STATUS_OK)
			return status;
	}
	return CSA_STATUS_OK;
}

void csa_cycles_bcq_batch(const struct csa_cycle_params *p,
			  const struct csa_desc *d, struct csa_cmd_cost *cost)
{
	struct csa_cycle_params unbounded = *p;
	struct csa_cmd_cost single, compute;
	struct csa_desc one;
	uint64_t batch = d->arg[4], act = ((uint64_t)d->arg[0] + d->arg[1]) * 4;
	uint64_t bytes, mem, busy;

	one_vector(d, 0, &one);
	csa_cycles_cmd(p, &one, &single);
	/* the compute of one vector: the same command with a memory that
	 * never stalls (its byte term is then at most 1 cycle, below any
	 * MATVEC_BCQ compute) */
	unbounded.dram_mbps = 0xffffffffu;
	csa_cycles_cmd(&unbounded, &one, &compute);
	/* weights once, activations in and out per vector */
	bytes = single.mem_bytes - act + batch * act;
	mem = csa_cycles_for_bytes(p, bytes, p->dram_mbps);
	busy = batch * (compute.cycles - CSA_CYCLES_ISSUE);
	if (mem > busy)
		busy = mem;
	memset(cost, 0, sizeof(*cost));
	cost->cycles = busy + CSA_CYCLES_ISSUE;
	cost->busy[CSA_ENGINE_BCQ] = cost->cycles;
	cost->mem_bytes = bytes;
}
