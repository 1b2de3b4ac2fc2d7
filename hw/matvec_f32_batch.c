// SPDX-License-Identifier: MIT
/*
 * matvec_f32_batch.c - MATVEC_F32_BATCH (docs/commands.md 5.16): the
 * engine runs MATVEC_F32 once per vector (so each y[b] is bit for bit
 * MATVEC_F32 of x[b]: every row's 8-lane order is per vector); the cycle
 * model (cycle_model.c) prices one pass over the matrix for the batch.
 */
#include "drm/csa_accel.h"

#include "hw/engines.h"

int csa_eng_matvec_f32_batch(struct csa_hw *hw, const struct csa_desc *d)
{
	struct csa_desc one = *d;
	uint32_t b;

	one.opcode = CSA_OP_MATVEC_F32;
	one.arg[2] = 0;
	for (b = 0; b < d->arg[2]; b++) {
		int status;

		one.addr[0] = d->addr[0] + (uint64_t)b * d->arg[0] * 4;
		one.addr[2] = d->addr[2] + (uint64_t)b * d->arg[1] * 4;
		status = csa_eng_matvec_f32(hw, &one);
		if (status != CSA_STATUS_OK)
			return status;
	}
	return CSA_STATUS_OK;
}
