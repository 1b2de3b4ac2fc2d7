/* SPDX-License-Identifier: MIT */
/*
 * llm_batch.h - several sequences decoded together on the accelerator.
 * Each sequence owns its KV cache (a device buffer of its own); a batch
 * owns one activation area and one host result slot per batch position.
 * One step advances every sequence given by one token, layer by layer:
 * per-request commands (norms, RoPE, KV append, attention, ...) for each
 * sequence, and for BCQ weights one MATVEC_BCQ_BATCH per matrix and up to
 * CSA_BATCH_MAX sequences, which reads the weights once for all of them
 * (one MATVEC_BCQ per sequence on a card without CSA_CAP_BCQ_BATCH).
 * The commands go into as few lists as the device's list limit allows
 * (lists of a device run in order, so a list may end anywhere), all
 * submitted before the first wait.  A sequence's results do not depend on
 * its companions: each of its outputs is computed from the weights, its
 * own KV cache and its own activations exactly as the single-sequence
 * decoder computes it (MATVEC_BCQ_BATCH is MATVEC_BCQ per vector).
 */
#ifndef LLM_BATCH_H
#define LLM_BATCH_H

#include "llm_accel.h"

#define LLM_BATCH_MAX 256	/* most sequences one batch may hold */

/* One request's decoding state on the device. */
struct llm_seq {
	struct accel_bo *kv;
	int pos;		/* tokens already in the KV cache */
};

/* Activations of a batch, one array per tensor: tensor t of the request in
 * step position i is at off[t] + i * size[t] of the batch's activation
 * buffer, so the matvec inputs of a step are contiguous vectors. */
enum llm_batch_tensor {
	LLM_T_X, LLM_T_XB, LLM_T_XB2, LLM_T_Q, LLM_T_K, LLM_T_V, LLM_T_ATT,
	LLM_T_HB, LLM_T_HB2, LLM_T_LOGITS, LLM_T_ARGMAX, LLM_T_COUNT
};

struct llm_batch {
	struct llm_accel *a;
	int max;		/* most sequences per step */
	struct accel_bo *act, *host;
	void *host_map;
	uint64_t off[LLM_T_COUNT], size[LLM_T_COUNT];
	uint64_t host_stride;
	struct accel_cmdlist *cl;
	uint32_t list_limit;	/* commands per list on this device */
	int batched_matvec;	/* the card has MATVEC_BCQ_BATCH (CSA_CAP_BCQ_BATCH) */
	uint32_t token_cmds;	/* commands of one token's single-sequence graph */
	int nf;			/* lists submitted in the current step */
	uint64_t *fences;	/* [fences_cap] of the current step */
	int fences_cap;
	uint64_t last_cycles, total_cycles, steps, submits;
};

/* Allocates the sequence's KV cache on a's device; pos starts at 0. */
int llm_seq_init(struct llm_accel *a, struct llm_seq *s, struct llm_err *e);
void llm_seq_free(struct llm_seq *s);

int llm_batch_init(struct llm_batch *b, struct llm_accel *a, int max_batch,
		   struct llm_err *e);
void llm_batch_free(struct llm_batch *b);

/*
 * Feeds tokens[i] to seqs[i] at its position and advances it, for i < n
 * (1 <= n <= max, no sequence twice).  For each i, with logits and
 * logits[i] non-NULL the logits are copied there (vocab_size floats);
 * otherwise next[i] gets the device-side argmax.  A failed step leaves
 * every position unchanged.
 */
int llm_batch_step(struct llm_batch *b, struct llm_seq *const *seqs,
		   const int *tokens, int n, float *const *logits, int *next,
		   struct llm_err *e);

#endif /* LLM_BATCH_H */
