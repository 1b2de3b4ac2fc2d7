// SPDX-License-Identifier: MIT
#include "llm_sample.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "llm_cpu.h"

uint32_t llm_rng_u32(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return (uint32_t)((*state * 0x2545F4914F6CDD1DULL) >> 32);
}

float llm_rng_f32(uint64_t *state)
{
	return (llm_rng_u32(state) >> 8) / 16777216.0f;
}

int llm_argmax(const float *x, int n)
{
	int best = 0;

	for (int i = 1; i < n; i++)
		if (x[i] > x[best])
			best = i;
	return best;
}

int llm_sampler_init(struct llm_sampler *s, int vocab_size, float temperature,
		     float top_p, uint64_t seed)
{
	memset(s, 0, sizeof(*s));
	s->vocab_size = vocab_size;
	s->temperature = temperature;
	s->top_p = top_p;
	s->rng = seed ? seed : 0x5eed;	/* xorshift must not start at 0 */
	s->work = calloc(vocab_size, sizeof(*s->work));
	return s->work ? 0 : -ENOMEM;
}

void llm_sampler_free(struct llm_sampler *s)
{
	free(s->work);
	memset(s, 0, sizeof(*s));
}

static int sample_cdf(const float *p, int n, float coin)
{
	float cdf = 0.0f;

	for (int i = 0; i < n; i++) {
		cdf += p[i];
		if (coin < cdf)
			return i;
	}
	return n - 1;	/* rounding left the total just below 1 */
}

static int by_prob_desc(const void *a, const void *b)
{
	float pa = ((const struct llm_prob_index *)a)->p;
	float pb = ((const struct llm_prob_index *)b)->p;

	return (pa < pb) - (pa > pb);
}

/* Smallest set of most likely tokens whose mass exceeds top_p, then a draw
 * within it.  Tokens below (1 - top_p) / (n - 1) cannot be in the set, so
 * they are dropped before sorting. */
static int sample_top_p(struct llm_sampler *s, const float *p, float coin)
{
	int n = s->vocab_size, m = 0, last;
	float cutoff = (1.0f - s->top_p) / (n - 1 > 0 ? n - 1 : 1);
	float mass = 0.0f, r, cdf = 0.0f;

	for (int i = 0; i < n; i++)
		if (p[i] >= cutoff)
			s->work[m++] = (struct llm_prob_index){ p[i], i };
	qsort(s->work, m, sizeof(*s->work), by_prob_desc);
	last = m - 1;
	for (int i = 0; i < m; i++) {
		mass += s->work[i].p;
		if (mass > s->top_p) {
			last = i;
			break;
		}
	}
	r = coin * mass;
	for (int i = 0; i <= last; i++) {
		cdf += s->work[i].p;
		if (r < cdf)
			return s->work[i].i;
	}
	return s->work[last].i;
}

int llm_sample(struct llm_sampler *s, float *logits)
{
	float coin;

	if (s->temperature <= 0.0f)
		return llm_argmax(logits, s->vocab_size);
	for (int i = 0; i < s->vocab_size; i++)
		logits[i] /= s->temperature;
	llm_softmax(logits, s->vocab_size);
	coin = llm_rng_f32(&s->rng);
	if (s->top_p <= 0.0f || s->top_p >= 1.0f)
		return sample_cdf(logits, s->vocab_size, coin);
	return sample_top_p(s, logits, coin);
}
