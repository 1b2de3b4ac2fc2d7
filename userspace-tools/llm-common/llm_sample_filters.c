// SPDX-License-Identifier: MIT
#include "llm_sample_filters.h"

#include <math.h>
#include <stdlib.h>

void llm_repeat_penalty(float *logits, int vocab_size, const int *recent, int n,
			float penalty)
{
	if (penalty == 1.0f)
		return;
	for (int i = 0; i < n; i++) {
		int t = recent[i], seen = 0;

		if (t < 0 || t >= vocab_size)
			continue;
		for (int j = 0; j < i && !seen; j++)
			seen = recent[j] == t;
		if (seen)	/* penalize each token once */
			continue;
		logits[t] = logits[t] > 0 ? logits[t] / penalty : logits[t] * penalty;
	}
}

static int by_value_desc_then_id(const void *a, const void *b)
{
	const struct llm_prob_index *x = a, *y = b;

	if (x->p != y->p)
		return (x->p < y->p) - (x->p > y->p);
	return (x->i > y->i) - (x->i < y->i);
}

void llm_top_k(float *logits, int vocab_size, int k, struct llm_prob_index *work)
{
	if (k <= 0 || k >= vocab_size)
		return;
	for (int i = 0; i < vocab_size; i++)
		work[i] = (struct llm_prob_index){ logits[i], i };
	qsort(work, vocab_size, sizeof(*work), by_value_desc_then_id);
	for (int i = k; i < vocab_size; i++)
		logits[work[i].i] = -INFINITY;
}
