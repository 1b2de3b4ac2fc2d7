/* SPDX-License-Identifier: MIT */
/*
 * llm_sample_filters.h - the logit filters llama.cpp users expect, applied
 * before llm_sample() in llama.cpp's order: repeat penalty, then top-k
 * (then temperature and top-p inside llm_sample()).
 */
#ifndef LLM_SAMPLE_FILTERS_H
#define LLM_SAMPLE_FILTERS_H

#include "llm_sample.h"

/* CTRL's repetition penalty as llama.cpp applies it: each distinct token
 * among the @n ids @recent gets its logit divided by @penalty when
 * positive, multiplied when negative.  @penalty 1 changes nothing. */
void llm_repeat_penalty(float *logits, int vocab_size, const int *recent, int n,
			float penalty);

/* Keeps the @k largest logits (ties: the lower id first) and sets the rest
 * to -INFINITY.  @k <= 0 or >= @vocab_size: nothing to do.  @work holds
 * @vocab_size entries. */
void llm_top_k(float *logits, int vocab_size, int k, struct llm_prob_index *work);

#endif /* LLM_SAMPLE_FILTERS_H */
