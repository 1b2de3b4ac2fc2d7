/* SPDX-License-Identifier: MIT */
/*
 * llm_gen.h - one text-generation request as a batch member: its prompt,
 * its sequence (KV cache) on the device, its sampler and where it stands.
 * llm_gen_step() advances any set of requests by one token in one batch
 * step: a request still in its prompt is fed the next prompt token, a
 * generating one samples (or takes the device argmax when greedy), exactly
 * as accel-llm decodes a single prompt, so a request's text never depends
 * on the other members of its batch.
 */
#ifndef LLM_GEN_H
#define LLM_GEN_H

#include "llm_batch.h"
#include "llm_sample.h"
#include "llm_tokenizer.h"

enum llm_gen_state {
	LLM_GEN_RUNNING = 0,
	LLM_GEN_STOP,		/* the model ended the text (EOS or BOS) */
	LLM_GEN_LENGTH,		/* max_new tokens or the context is full */
};

struct llm_gen {
	struct llm_seq seq;
	int *prompt;		/* BOS + the prompt's tokens */
	int n_prompt;
	int total;		/* forwards to run at most */
	int token;		/* input of the next step */
	int generated;		/* tokens sampled so far */
	enum llm_gen_state state;
	float temperature;
	struct llm_sampler smp;
	float *logits;		/* [vocab] when sampling */
	/* the piece of the last step: piece_token following piece_prev */
	int has_piece, piece_is_prompt, piece_prev, piece_token;
};

/*
 * Tokenizes @prompt and gives the sequence a KV cache of @b's pool
 * (-ENOSPC when every one is taken).  At most
 * @max_new tokens are generated (capped by the context); temperature 0 is
 * greedy, else top-p sampling seeded by @seed.  -E2BIG (with a reason in
 * @e) when the prompt alone fills the context.
 */
int llm_gen_start(struct llm_gen *g, struct llm_batch *b,
		  const struct llm_tokenizer *t, const char *prompt, int max_new,
		  float temperature, float top_p, uint64_t seed,
		  struct llm_err *e);
void llm_gen_free(struct llm_gen *g);

/* One batch step over @n running requests (n <= b->max). */
int llm_gen_step(struct llm_batch *b, struct llm_gen *const *g, int n,
		 struct llm_err *e);

/* The bytes of the last step's piece as accel-llm prints them (a lone
 * control byte is dropped); *len 0 when there is none. */
const char *llm_gen_piece(const struct llm_gen *g, const struct llm_tokenizer *t,
			  size_t *len);

#endif /* LLM_GEN_H */
