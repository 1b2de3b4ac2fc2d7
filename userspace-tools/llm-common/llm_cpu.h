/* SPDX-License-Identifier: MIT */
/*
 * llm_cpu.h - the CPU float32 reference decoder.  Same operation order and
 * roundings as llama2.c's run.c forward(), so greedy decoding reproduces
 * its tokens; no accelerator involved.  Optionally emulates ConSmax
 * attention (for calibration and quality studies on the host).
 */
#ifndef LLM_CPU_H
#define LLM_CPU_H

#include "llm_model.h"

/* Called with the scaled attention scores of one (layer, head) at the
 * current position (n = pos + 1 values), before softmax. */
typedef void (*llm_score_hook)(void *ctx, int layer, int head,
			       const float *scores, int n);

/* Called with the input vector of a matrix product before it runs: which
 * is LLM_WQ (also the input of WK, WV), LLM_WO, LLM_W1 (also W3), LLM_W2
 * or LLM_CLASSIFIER (layer 0). */
typedef void (*llm_input_hook)(void *ctx, int layer, int which,
			       const float *x, int k);

struct llm_cpu {
	const struct llm_model *m;
	float *x, *xb, *xb2, *hb, *hb2, *q, *att, *logits;
	float *key_cache, *value_cache;	/* [layer][seq][kv_dim] */
	/* ConSmax tables [layer][head][36] in the device format, or NULL for
	 * exact softmax. */
	const float *consmax;
	/* with @consmax: the normalized mode (scores below the table's range
	 * weigh 0, the outputs are divided by the sum of the weights) */
	int consmax_norm;
	llm_score_hook hook;
	void *hook_ctx;
	llm_input_hook input_hook;
	void *input_ctx;
};

int llm_cpu_init(struct llm_cpu *s, const struct llm_model *m);
void llm_cpu_free(struct llm_cpu *s);
/* Runs @token at position @pos (0-based, < seq_len); returns the logits
 * (vocab_size floats, valid until the next call). */
float *llm_cpu_forward(struct llm_cpu *s, int token, int pos);

/* Pieces exposed for other paths and tests. */
void llm_rmsnorm(float *o, const float *x, const float *w, int n);
void llm_matvec(float *y, const float *x, const float *w, int k, int n);
void llm_softmax(float *x, int n);
/* cos/sin of RoPE for position @pos, pair i of a head: as llama2.c. */
void llm_rope_cos_sin(int pos, int i, int head_size, float *c, float *s);
/* p = exp(s - beta)/gamma as the table says (one head's 36 floats). */
float llm_consmax_eval(const float *table, float score);

#endif /* LLM_CPU_H */
