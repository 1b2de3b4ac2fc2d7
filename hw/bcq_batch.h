/* SPDX-License-Identifier: MIT */
/*
 * bcq_batch.h - MATVEC_BCQ_BATCH (docs/commands.md 5.13): B activation
 * vectors against one shift-add weight set.  Each output is exactly
 * MATVEC_BCQ of its vector; the batch pays for the bit planes and scales
 * once, which is where batching pays off when the weights dominate the
 * memory traffic.
 */
#ifndef CSA_BCQ_BATCH_H
#define CSA_BCQ_BATCH_H

#include "hw/cycle_model.h"

/* Cost of one validated MATVEC_BCQ_BATCH descriptor.  @p resolved. */
void csa_cycles_bcq_batch(const struct csa_cycle_params *p,
			  const struct csa_desc *d, struct csa_cmd_cost *cost);

#endif /* CSA_BCQ_BATCH_H */
