/* SPDX-License-Identifier: MIT */
/*
 * llm_project.h - what one decoded token costs on a board profile, without
 * running the model: the command list llm_accel.c builds for a token,
 * priced command by command by the device's own cycle model
 * (hw/cycle_model.c), so a projection and a sim run agree to the cycle.
 */
#ifndef LLM_PROJECT_H
#define LLM_PROJECT_H

#include <stdint.h>

#include "hw/csa_hw.h"
#include "llm_model.h"

struct llm_project_opts {
	int planes;		/* 0: f32 matrices */
	uint32_t group;		/* BCQ scale group */
	uint32_t group_of[LLM_LAYER_MATRICES + 1];	/* per kind, 0 = group */
	int pow2;
	int scale16;		/* 16-bit scales (binary16, or APoT with pow2) */
	int classifier_bcq;	/* 0 or 1 (already resolved) */
	int consmax;		/* enum llm_softmax: 0 exact, 1 ConSmax, 2 normalized */
	int kv_f16;		/* binary16 KV cache (F_KV_F16) */
	int want_logits;	/* sampling: logits to the host; else device argmax */
};

struct llm_token_cost {
	int pos;			/* position decoded (context pos + 1) */
	uint64_t cycles;		/* the token's command list */
	uint64_t busy[5];		/* per enum drm_csa_engine */
	uint64_t compute;		/* engine cycles, summed over commands */
	uint64_t memory;		/* memory cycles, summed over commands */
	uint64_t mem_bytes;		/* device memory bytes moved */
	uint64_t weight_bytes;		/* of which matrix weights and scales */
	uint64_t kv_bytes;		/* of which K/V cache reads and writes */
	uint64_t ops;			/* arithmetic operations */
	uint32_t commands, memory_bound;	/* commands; how many memory-bound */
	double seconds;			/* cycles / clock */
	double tokens_per_s;
	/* the bandwidth bound: every byte moved at the sustained (peak)
	 * bandwidth with nothing else in the way */
	double bound_tokens_per_s, peak_bound_tokens_per_s;
	double share;			/* tokens_per_s / bound_tokens_per_s */
};

/* The cost of decoding at @pos (0 .. seq_len-1) with the model shape @c on
 * the resolved parameters @p.  0 or -EINVAL for a bad position or shape. */
int llm_project_token(const struct llm_config *c,
		      const struct llm_project_opts *o,
		      const struct csa_cycle_params *p, int pos,
		      struct llm_token_cost *out);

/* Named shapes: "260K", "15M", "110M" (llama2.c's stories models),
 * "LLaMA-2-7B", "LLaMA-2-13B" (Touvron et al. 2023, Table 1 and the HF
 * configs: dim, FFN, layers, heads, 32000 vocab, 4096 context), or
 * "dim,hidden,layers,heads,kv_heads,vocab,seq". */
int llm_project_shape(const char *name, struct llm_config *c,
		      struct llm_err *e);

#endif /* LLM_PROJECT_H */
