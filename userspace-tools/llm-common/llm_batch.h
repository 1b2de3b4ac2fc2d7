/* SPDX-License-Identifier: MIT */
/*
 * llm_batch.h - several sequences decoded together on the accelerator.
 * A batch owns a KV pool on the device: per layer, one cache per batch
 * place (a slot), and a sequence holds one slot while it lives
 * (llm_seq_init() takes a free one).  A batch also owns one activation
 * area and one host result slot per batch position.  One step advances
 * every sequence given by one token, layer by layer: per-request vector
 * commands (norms, RoPE, residual adds, argmax); for BCQ weights one
 * MATVEC_BCQ_BATCH per matrix and up to CSA_BATCH_MAX sequences, which
 * reads the weights once for all of them (for f32 matrices, the shared
 * classifier among them, one MATVEC_F32_BATCH); and one KV_APPEND_BATCH and one
 * ATTENTION_BATCH per layer and up to CSA_BATCH_MAX sequences, driven by a
 * table of (slot, length) the step writes once (one 8-byte entry per
 * sequence, a DMA at the start of the step), so sequences at different
 * positions share one command.  A card without CSA_CAP_BCQ_BATCH gets one
 * MATVEC_BCQ per sequence, one without CSA_CAP_F32_BATCH one MATVEC_F32;
 * one without CSA_CAP_KV_BATCH one KV_APPEND and
 * one ATTENTION per sequence on its slot.  The commands go into as few
 * lists as the device's list limit allows (lists of a device run in
 * order, so a list may end anywhere), all submitted before the first
 * wait.  On a card with two engine queues (CSA_CAP_DEP_QUEUES) a step
 * of two sequences or more may instead run as NeuPIMs' two interleaved
 * sub-batches with explicit dependencies (enum llm_schedule, the list
 * batch_projection.c prices as "interleaved"); a dependency on a command
 * of an earlier list is dropped, as that list's job has ended.  A
 * sequence's results do not depend on its companions: each of
 * its outputs is computed from the weights, its own KV cache and its own
 * activations exactly as the single-sequence decoder computes it (the
 * batched commands are their single commands per request, bit for bit).
 */
#ifndef LLM_BATCH_H
#define LLM_BATCH_H

#include "batch_projection.h"
#include "llm_accel.h"

#define LLM_BATCH_MAX 256	/* most sequences one batch may hold */

struct llm_batch;

/* The order of a step's commands (docs/batching.md, "Schedules"):
 * one queue in order, or NeuPIMs' two interleaved sub-batches with
 * explicit dependencies (on a card with CSA_CAP_DEP_QUEUES, from two
 * sequences on), or whichever of the two the card's cycle model prices
 * lower. */
enum llm_schedule { LLM_SCHEDULE_AUTO, LLM_SCHEDULE_IN_ORDER, LLM_SCHEDULE_INTERLEAVED };

/* "auto", "in-order" or "interleaved"; -EINVAL for anything else. */
int llm_schedule_parse(const char *name, enum llm_schedule *out);

#define LLM_NO_DEP UINT64_MAX

/* One request's decoding state on the device. */
struct llm_seq {
	struct llm_batch *batch;	/* whose KV pool holds its cache; NULL: none */
	int slot;		/* its cache in that pool */
	int pos;		/* tokens already in the KV cache */
};

/* Activations of a batch, one array per tensor: tensor t of the request in
 * step position i is at off[t] + i * size[t] of the batch's activation
 * buffer, so the matvec inputs of a step are contiguous vectors. */
enum llm_batch_tensor {
	LLM_T_X, LLM_T_XB, LLM_T_XB2, LLM_T_Q, LLM_T_K, LLM_T_V, LLM_T_ATT,
	LLM_T_HB, LLM_T_HB2, LLM_T_LOGITS, LLM_T_ARGMAX, LLM_T_KV_TABLE, LLM_T_COUNT
};

struct llm_batch {
	struct llm_accel *a;
	int max;		/* most sequences per step */
	struct accel_bo *act, *host;
	struct accel_bo *kv;	/* the KV pool: layer l's max caches at l * kv_pool_bytes */
	uint64_t kv_cache_bytes;	/* one cache of one layer (csa_kv_bytes_elem()) */
	uint64_t kv_pool_bytes;	/* max caches of one layer */
	uint8_t slot_used[LLM_BATCH_MAX];
	void *host_map;
	uint64_t host_table;	/* offset of the step's (slot, len) table in host */
	uint64_t off[LLM_T_COUNT], size[LLM_T_COUNT];
	uint64_t host_stride;
	struct accel_cmdlist *cl;
	uint32_t list_limit;	/* commands per list on this device */
	int batched_matvec;	/* the card has MATVEC_BCQ_BATCH (CSA_CAP_BCQ_BATCH) */
	int batched_kv;		/* the card has KV_APPEND/ATTENTION_BATCH (CSA_CAP_KV_BATCH) */
	int batched_f32;	/* the card has MATVEC_F32_BATCH (CSA_CAP_F32_BATCH) */
	uint32_t token_cmds;	/* commands of one token's single-sequence graph */
	int nf;			/* lists submitted in the current step */
	uint64_t *fences;	/* [fences_cap] of the current step */
	int fences_cap;
	int dep_queues;		/* the card has two engine queues (CSA_CAP_DEP_QUEUES) */
	enum llm_schedule schedule;	/* LLM_SCHEDULE_AUTO after init */
	struct csa_cycle_params board;	/* the card's, as GET_INFO reports it */
	struct bp_model model;		/* the batch's model, as the projection prices it */
	uint64_t list_base;	/* step-wide index of the current list's first command */
	uint64_t dep_on;	/* pending dependency of the next command (step-wide) */
	int dep_pending;
	int last_interleaved;	/* the last step ran as two sub-batches */
	uint64_t deps_cut;	/* dependencies on a command of an earlier list (dropped) */
	uint64_t last_cycles, total_cycles, steps, submits, interleaved_steps;
};

/* Gives the sequence a free cache of b's KV pool (-ENOSPC when all max
 * are taken); pos starts at 0. */
int llm_seq_init(struct llm_batch *b, struct llm_seq *s, struct llm_err *e);
/* Returns its cache to the pool (nothing for a zeroed sequence). */
void llm_seq_free(struct llm_seq *s);

int llm_batch_init(struct llm_batch *b, struct llm_accel *a, int max_batch,
		   struct llm_err *e);
void llm_batch_free(struct llm_batch *b);

/*
 * Feeds tokens[i] to seqs[i] at its position and advances it, for i < n
 * (1 <= n <= max, no sequence twice, every one a sequence of @b).  For each i, with logits and
 * logits[i] non-NULL the logits are copied there (vocab_size floats);
 * otherwise next[i] gets the device-side argmax.  A failed step leaves
 * every position unchanged.
 */
int llm_batch_step(struct llm_batch *b, struct llm_seq *const *seqs,
		   const int *tokens, int n, float *const *logits, int *next,
		   struct llm_err *e);

#endif /* LLM_BATCH_H */
