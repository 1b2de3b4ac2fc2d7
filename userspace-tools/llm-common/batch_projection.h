/* SPDX-License-Identifier: MIT */
/*
 * batch_projection.h - what batching buys on the card (issue 16), priced
 * by the device's own code: each decode step is built as the descriptor
 * list the card would run, every descriptor priced as hw/exec.c and
 * hw/cmdproc.c price it (csa_cycles_cmd, csa_cycles_bcq_batch,
 * csa_kv_batch_work, csa_cycles_dma) and placed on the two engine queues
 * by hw/timeline.c, as the sim and QEMU place what they run:
 *
 *  - sequential: B requests as separate token lists, one after the other
 *    (the single decoder's list, llm_accel_append_token());
 *  - npu_only: one list for the batch as llm_batch_step() builds it on a
 *    card with the batched opcodes: one MATVEC_BCQ_BATCH per BCQ matrix
 *    and one MATVEC_F32_BATCH per f32 matrix (the weights read once per
 *    CSA_BATCH_MAX requests), and from two requests on one KV_APPEND_BATCH
 *    and one ATTENTION_BATCH per layer driven by the step's (slot, len)
 *    table, which one DMA_H2D sends at the start; batches split at the
 *    work bounds as llm_batch.c splits them; every command after the one
 *    before it (the matvec and attention sides in turn), so the sim's
 *    cycles of a batch step equal it (tests/batch);
 *  - interleaved: NeuPIMs' two sub-batches in one list, with explicit
 *    dependencies (docs/device-spec.md 3.6) so that one sub-batch's
 *    batched attention runs on the attention queue beside the other's
 *    matvecs; the two queues share the memory bandwidth as the timeline
 *    says.  llm_batch_step() runs this list on a card with
 *    CSA_CAP_DEP_QUEUES (enum llm_schedule), and its "auto" schedule
 *    calls bp_step() to pick the cheaper order; tests/batch checks the
 *    sim's cycles of both orders against these figures.
 * It takes a board's struct csa_cycle_params so one call per board
 * profile prices each.
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
	uint32_t bcq_flags;	/* MATVEC_BCQ flags (0: F_POW2 as pow2 says) */
	uint32_t kv_flags;	/* CSA_CMD_F_KV_F16 or 0, as the decoder's cache */
	uint32_t group_of[LLM_LAYER_MATRICES + 1];	/* BCQ group per kind, classifier last */
};

struct bp_result {
	double sequential, npu_only, interleaved;	/* cycles of one step */
	uint32_t descs;		/* descriptors of the interleaved list */
	/* the attention side of npu_only priced alone (its attention-queue
	 * commands and the table's DMA), and the same step's with one
	 * KV_APPEND and one ATTENTION per request (no table) */
	double attn_batched, attn_per_request;
};

void bp_model_from_packed(struct bp_model *m, const struct llm_packed *p, int consmax);

/* Modelled cycles of one token's command list at @pos, exactly as
 * llm_accel_append_token() builds it (greedy: argmax + 8-byte DMA);
 * 0 for more than BP_MAX_LAYERS layers. */
uint64_t bp_token_cycles(const struct csa_cycle_params *p, const struct bp_model *m,
			 int pos);

/* One decode step of @batch requests, all at @pos; -1 on a bad argument
 * or a list the device could not take (a dependency beyond CSA_DEP_MAX). */
int bp_step(const struct csa_cycle_params *p, const struct bp_model *m, int batch,
	    int pos, struct bp_result *r);

#endif /* BATCH_PROJECTION_H */
