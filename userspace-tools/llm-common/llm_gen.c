// SPDX-License-Identifier: MIT
#include "llm_gen.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int llm_gen_start(struct llm_gen *g, struct llm_batch *b,
		  const struct llm_tokenizer *t, const char *prompt, int max_new,
		  float temperature, float top_p, uint64_t seed,
		  struct llm_err *e)
{
	const struct llm_config *c = &b->a->p->base.cfg;
	int rc;

	memset(g, 0, sizeof(*g));
	if (max_new < 0)
		return llm_fail(e, -EINVAL, "negative token count");
	g->prompt = malloc((strlen(prompt) + 3) * sizeof(int));
	if (!g->prompt)
		return llm_fail(e, -ENOMEM, "out of memory");
	rc = llm_tokenizer_encode(t, prompt, 1, 0, g->prompt);
	if (rc < 0) {
		llm_gen_free(g);
		return llm_fail(e, rc, "cannot tokenize the prompt");
	}
	g->n_prompt = rc;
	if (g->n_prompt > c->seq_len) {
		int n = g->n_prompt;

		llm_gen_free(g);
		return llm_fail(e, -E2BIG, "prompt of %d tokens exceeds the context of %d",
				n, c->seq_len);
	}
	/* forwards at positions 0 .. n_prompt-2 are forced, then each one
	 * yields a generated token */
	g->total = g->n_prompt - 1 + max_new;
	if (g->total > c->seq_len)
		g->total = c->seq_len;
	g->token = g->prompt[0];
	g->temperature = temperature;
	if (g->total == 0)
		g->state = LLM_GEN_LENGTH;
	if (temperature != 0.0f) {
		g->logits = malloc((size_t)c->vocab_size * sizeof(float));
		if (!g->logits || llm_sampler_init(&g->smp, c->vocab_size, temperature,
						   top_p, seed)) {
			llm_gen_free(g);
			return llm_fail(e, -ENOMEM, "out of memory");
		}
	}
	rc = llm_seq_init(b, &g->seq, e);
	if (rc)
		llm_gen_free(g);
	return rc;
}

void llm_gen_free(struct llm_gen *g)
{
	llm_seq_free(&g->seq);
	llm_sampler_free(&g->smp);
	free(g->logits);
	free(g->prompt);
	memset(g, 0, sizeof(*g));
}

int llm_gen_step(struct llm_batch *b, struct llm_gen *const *g, int n,
		 struct llm_err *e)
{
	struct llm_seq *seqs[LLM_BATCH_MAX];
	float *logits[LLM_BATCH_MAX];
	int tokens[LLM_BATCH_MAX], next[LLM_BATCH_MAX], rc;

	if (n < 1 || n > b->max)
		return llm_fail(e, -EINVAL, "step of %d requests (batch holds %d)", n, b->max);
	for (int i = 0; i < n; i++) {
		int in_prompt = g[i]->seq.pos < g[i]->n_prompt - 1;

		if (g[i]->state != LLM_GEN_RUNNING)
			return llm_fail(e, -EINVAL, "request %d has finished", i);
		seqs[i] = &g[i]->seq;
		tokens[i] = g[i]->token;
		logits[i] = in_prompt || g[i]->temperature == 0.0f ? NULL : g[i]->logits;
	}
	rc = llm_batch_step(b, seqs, tokens, n, logits, next, e);
	if (rc)
		return rc;
	for (int i = 0; i < n; i++) {
		struct llm_gen *r = g[i];
		int pos = r->seq.pos - 1, in_prompt = pos < r->n_prompt - 1, nx = next[i];

		r->has_piece = 0;
		if (in_prompt) {
			nx = r->prompt[pos + 1];
		} else {
			if (logits[i])
				nx = llm_sample(&r->smp, r->logits);
			r->generated++;
		}
		if (!in_prompt && (nx == LLM_TOKEN_BOS || nx == LLM_TOKEN_EOS)) {
			r->state = LLM_GEN_STOP;
			continue;
		}
		r->has_piece = 1;
		r->piece_is_prompt = in_prompt;
		r->piece_prev = r->token;
		r->piece_token = nx;
		r->token = nx;
		if (r->seq.pos >= r->total)
			r->state = LLM_GEN_LENGTH;
	}
	return 0;
}

const char *llm_gen_piece(const struct llm_gen *g, const struct llm_tokenizer *t,
			  size_t *len)
{
	const char *s;

	*len = 0;
	if (!g->has_piece)
		return "";
	s = llm_tokenizer_decode(t, g->piece_prev, g->piece_token, len);
	if (*len == 1 && !(s[0] >= 0x20 && s[0] < 0x7f) && s[0] != '\n' &&
	    s[0] != '\t' && s[0] != '\r' && !((unsigned char)s[0] & 0x80))
		*len = 0;
	return s;
}
