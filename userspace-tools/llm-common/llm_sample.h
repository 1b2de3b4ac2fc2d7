/* SPDX-License-Identifier: MIT */
/*
 * llm_sample.h - next-token choice: greedy, temperature, nucleus (top-p),
 * with a seeded xorshift generator so runs are reproducible.
 */
#ifndef LLM_SAMPLE_H
#define LLM_SAMPLE_H

#include <stdint.h>

struct llm_prob_index {
	float p;
	int i;
};

struct llm_sampler {
	int vocab_size;
	float temperature;	/* 0 = greedy */
	float top_p;		/* outside (0, 1) = sample the whole distribution */
	uint64_t rng;
	struct llm_prob_index *work;
};

int llm_sampler_init(struct llm_sampler *s, int vocab_size, float temperature,
		     float top_p, uint64_t seed);
void llm_sampler_free(struct llm_sampler *s);
/* Picks a token; may scale and softmax @logits in place. */
int llm_sample(struct llm_sampler *s, float *logits);

int llm_argmax(const float *x, int n);
uint32_t llm_rng_u32(uint64_t *state);
float llm_rng_f32(uint64_t *state);	/* [0, 1) */

#endif /* LLM_SAMPLE_H */
