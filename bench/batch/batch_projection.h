/* SPDX-License-Identifier: MIT */
/*
 * batch_projection.h - what batching would buy on the card (issue 16),
 * priced with today's cycle model (hw/cycle_model.h, csa_cycles_cmd()):
 *
 *  - sequential: B requests as today, each token's commands one after the
 *    other (what the sim runs now; at B = 1 it equals the sim's cycles);
 *  - npu_only: the batched shift-add matvec (MATVEC_BCQ_BATCH: B activation
 *    vectors against one weight matrix, weights read once: max(B x compute,
 *    bytes(W + B x act)) + issue; f32 matrices through MATVEC_F32_BATCH, the same way per
 *    vector), everything on one queue, the matvec side and the attention
 *    side in turn: what llm_batch_step() runs on the sim today;
 *  - interleaved (projected): NeuPIMs' two sub-batches on two queues
 *    (shift-add/vector and attention) with explicit dependencies, sub-batch A's attention
 *    overlapping sub-batch B's matvecs; the makespan of that schedule, and
 *    never less than the step's DRAM-interface bytes at full bandwidth
 *    (the memory both queues share).
 *
 * The batched matvec is in hw/ (hw/bcq_batch.c) and priced here as the
 * sim prices it (tests/batch checks a batch step's cycles); the second
 * queue is not: the interleaved figure is the model of it the device work
 * should meet.  It takes the board's struct csa_cycle_params so one call
 * per board profile prices each.
 */
#ifndef BATCH_PROJECTION_H
#define BATCH_PROJECTION_H

#include <stdint.h>

#include "hw/csa_hw.h"
#include "llm_model.h"
#include "llm_packed.h"

#define BP_MAX_LAYERS 128

struct bp_model {
	struct llm_config cfg;
	int planes;		/* 0: f32 matrices */
	int pow2, classifier_bcq, consmax;
	uint32_t group_of[LLM_LAYER_MATRICES + 1];	/* BCQ group per kind, classifier last */
};

struct bp_result {
	double sequential, npu_only, interleaved;	/* cycles of one step */
	double bytes_bound;	/* the shared-bandwidth floor of interleaved */
	/* the attention side of npu_only (KV append and attention of every
	 * layer, the table's DMA included), and the same with one KV_APPEND
	 * and one ATTENTION per request */
	double attn_batched, attn_per_request;
};

void bp_model_from_packed(struct bp_model *m, const struct llm_packed *p, int consmax);

/* Modelled cycles of one token's command list at @pos, exactly as
 * llm_accel_append_token() builds it (greedy: argmax + 8-byte DMA);
 * 0 for more than BP_MAX_LAYERS layers. */
uint64_t bp_token_cycles(const struct csa_cycle_params *p, const struct bp_model *m,
			 int pos);

/* One decode step of @batch requests, all at @pos; -1 on a bad argument. */
int bp_step(const struct csa_cycle_params *p, const struct bp_model *m, int batch,
	    int pos, struct bp_result *r);

#endif /* BATCH_PROJECTION_H */
