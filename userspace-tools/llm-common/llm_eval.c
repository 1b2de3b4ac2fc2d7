// SPDX-License-Identifier: MIT
#include "llm_eval.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "llm_cpu.h"
#include "llm_sample.h"
#include "llm_tokenizer.h"

int llm_eval_sample_text(const struct llm_model *m, int n, uint64_t seed,
			 float top_p, int *tokens)
{
	const int bos = LLM_TOKEN_BOS;

	return llm_eval_sample_after(m, &bos, 1, n, seed, top_p, tokens);
}

int llm_eval_sample_after(const struct llm_model *m, const int *prompt,
			  int n_prompt, int n, uint64_t seed, float top_p,
			  int *tokens)
{
	struct llm_sampler smp;
	struct llm_cpu cpu;
	int rc;

	if (n < 1 || n >= m->cfg.seq_len || n_prompt < 1 || n_prompt > n + 1)
		return -EINVAL;
	for (int i = 0; i < n_prompt; i++)
		if (prompt[i] < 0 || prompt[i] >= m->cfg.vocab_size)
			return -EINVAL;
	rc = llm_cpu_init(&cpu, m);
	if (rc)
		return rc;
	rc = llm_sampler_init(&smp, m->cfg.vocab_size, 1.0f, top_p, seed);
	if (rc) {
		llm_cpu_free(&cpu);
		return rc;
	}
	memcpy(tokens, prompt, n_prompt * sizeof(int));
	for (int pos = 0; pos < n; pos++) {
		float *logits = llm_cpu_forward(&cpu, tokens[pos], pos);

		if (pos + 1 >= n_prompt)
			tokens[pos + 1] = llm_sample(&smp, logits);
	}
	llm_sampler_free(&smp);
	llm_cpu_free(&cpu);
	return 0;
}

/* log-softmax in double, for stable KL and NLL */
static void log_softmax(const float *x, int n, double *out)
{
	double max = x[0], sum = 0.0;

	for (int i = 1; i < n; i++)
		if (x[i] > max)
			max = x[i];
	for (int i = 0; i < n; i++)
		sum += exp(x[i] - max);
	for (int i = 0; i < n; i++)
		out[i] = x[i] - max - log(sum);
}

int llm_eval_run(const struct llm_model *fp32, struct llm_logits_source *test,
		 const int *tokens, int n, struct llm_eval_result *r)
{
	int V = fp32->cfg.vocab_size, agree = 0, rc = 0;
	double *lr = malloc(V * sizeof(double)), *lt = malloc(V * sizeof(double));
	float *logits = malloc(V * sizeof(float));
	double kl_sum = 0.0, nll_t = 0.0, nll_r = 0.0;
	struct llm_cpu cpu;

	memset(r, 0, sizeof(*r));
	if (!lr || !lt || !logits || llm_cpu_init(&cpu, fp32)) {
		free(lr);
		free(lt);
		free(logits);
		return -ENOMEM;
	}
	for (int pos = 0; pos < n; pos++) {
		const float *ref = llm_cpu_forward(&cpu, tokens[pos], pos);
		double kl = 0.0;

		rc = test->forward(test->ctx, tokens[pos], pos, logits);
		if (rc)
			break;
		log_softmax(ref, V, lr);
		log_softmax(logits, V, lt);
		for (int i = 0; i < V; i++)
			kl += exp(lr[i]) * (lr[i] - lt[i]);
		kl_sum += kl;
		if (kl > r->max_kl)
			r->max_kl = kl;
		agree += llm_argmax(ref, V) == llm_argmax(logits, V);
		nll_t -= lt[tokens[pos + 1]];
		nll_r -= lr[tokens[pos + 1]];
	}
	if (!rc) {
		r->tokens = n;
		r->mean_kl = kl_sum / n;
		r->top1 = (double)agree / n;
		r->ppl_test = exp(nll_t / n);
		r->ppl_ref = exp(nll_r / n);
	}
	llm_cpu_free(&cpu);
	free(lr);
	free(lt);
	free(logits);
	return rc;
}

void llm_eval_summarize(const struct llm_eval_result *r, int n,
			struct llm_eval_summary *s)
{
	memset(s, 0, sizeof(*s));
	s->texts = n;
	if (n < 1)
		return;
	s->tokens = r[0].tokens;
	s->kl_min = s->kl_max = r[0].mean_kl;
	s->top1_min = s->top1_max = r[0].top1;
	for (int i = 0; i < n; i++) {
		s->kl_mean += r[i].mean_kl / n;
		s->top1_mean += r[i].top1 / n;
		s->ppl_test_mean += r[i].ppl_test / n;
		s->ppl_ref_mean += r[i].ppl_ref / n;
		s->kl_min = fmin(s->kl_min, r[i].mean_kl);
		s->kl_max = fmax(s->kl_max, r[i].mean_kl);
		s->top1_min = fmin(s->top1_min, r[i].top1);
		s->top1_max = fmax(s->top1_max, r[i].top1);
	}
}

const char *const llm_eval_default_prompts[3] = {
	"Once upon a time", "One day, a little girl named Lily", "Tom had a big red ball",
};

int llm_eval_texts(const struct llm_model *fp32, struct llm_logits_source *test,
		   const struct llm_tokenizer *tok, const char *const *prompts,
		   int n_prompts, uint64_t seed0, int n_seeds, int n, float top_p,
		   struct llm_eval_result *r,
		   void (*each)(int i, const char *prompt, uint64_t seed,
				const struct llm_eval_result *r))
{
	int *tokens = malloc((n + 1) * sizeof(int)), rc = 0, i = 0;

	if (!tokens)
		return -ENOMEM;
	for (int pi = 0; !rc && pi < n_prompts; pi++) {
		int *ptok = malloc((strlen(prompts[pi]) + 3) * sizeof(int)), n_prompt;

		if (!ptok) {
			rc = -ENOMEM;
			break;
		}
		n_prompt = llm_tokenizer_encode(tok, prompts[pi], 1, 0, ptok);
		if (n_prompt > n + 1)
			n_prompt = n + 1;
		for (int si = 0; !rc && si < n_seeds; si++, i++) {
			rc = llm_eval_sample_after(fp32, ptok, n_prompt, n,
						   seed0 + (uint64_t)si, top_p, tokens);
			if (!rc)
				rc = llm_eval_run(fp32, test, tokens, n, &r[i]);
			if (!rc && each)
				each(i, prompts[pi], seed0 + (uint64_t)si, &r[i]);
		}
		free(ptok);
	}
	free(tokens);
	return rc;
}
