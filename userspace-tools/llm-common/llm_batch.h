/* SPDX-License-Identifier: MIT */
/*
 * llm_batch.h - several sequences decoded together on the accelerator.
 * Each sequence owns its KV cache (a device buffer of its own); a batch
 * owns one activation area and one host result slot per batch position.
 * One step advances every sequence given by one token: the tokens' graphs
 * go into as few command lists as the device's list limit allows, all
 * submitted before the first wait.  A sequence's results do not depend on
 * its batch companions: its commands read and write only the weights, its
 * own KV cache and its own activation area.
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

struct llm_batch {
	struct llm_accel *a;
	int max;		/* most sequences per step */
	struct accel_bo *act, *host;
	void *host_map;
	uint64_t act_stride, host_stride;
	struct accel_cmdlist *cl;
	uint32_t list_limit;	/* commands per list on this device */
	uint32_t token_cmds;	/* commands of one token's graph */
	uint64_t *fences;	/* [max] */
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
