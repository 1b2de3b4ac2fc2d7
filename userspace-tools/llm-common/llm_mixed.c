// SPDX-License-Identifier: MIT
#include "llm_mixed.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llm_cpu.h"
#include "llm_eval.h"
#include "llm_packed.h"
#include "llm_tokenizer.h"

/* Matrix i of the llm_packed order in @m. */
static float *matrix_of(struct llm_model *m, int i, uint32_t *rows, uint32_t *cols)
{
	int L = m->cfg.n_layers, layer = i / LLM_LAYER_MATRICES,
	    which = i % LLM_LAYER_MATRICES;

	if (i == L * LLM_LAYER_MATRICES) {
		layer = 0;
		which = LLM_LAYER_MATRICES;
	}
	llm_matrix_shape(&m->cfg, which, rows, cols);
	return llm_matrix_f32(m, layer, which);
}

struct calib_text {
	int n_texts, len, vocab;
	int *tokens;		/* [text][len + 1] */
	double *ref_lp;		/* [text][pos][vocab] fp32 log-probs */
};

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

/* Mean KL(fp32 || m) over the calibration text. */
static int mean_kl(const struct llm_model *m, const struct calib_text *t,
		   double *kl)
{
	double *lp = malloc(t->vocab * sizeof(double)), sum = 0;
	struct llm_cpu cpu;

	if (!lp || llm_cpu_init(&cpu, m)) {
		free(lp);
		return -ENOMEM;
	}
	for (int s = 0; s < t->n_texts; s++) {
		const int *tok = t->tokens + (size_t)s * (t->len + 1);

		for (int pos = 0; pos < t->len; pos++) {
			const double *ref = t->ref_lp +
				((size_t)s * t->len + pos) * t->vocab;

			log_softmax(llm_cpu_forward(&cpu, tok[pos], pos), t->vocab, lp);
			for (int v = 0; v < t->vocab; v++)
				sum += exp(ref[v]) * (ref[v] - lp[v]);
		}
	}
	llm_cpu_free(&cpu);
	free(lp);
	*kl = sum / ((double)t->n_texts * t->len);
	return 0;
}

static int calib_text_make(const struct llm_model *fp32,
			   const struct llm_mixed_opts *o, struct calib_text *t)
{
	struct llm_cpu cpu;
	int rc;

	t->n_texts = o->texts;
	t->len = o->len < fp32->cfg.seq_len ? o->len : fp32->cfg.seq_len - 1;
	t->vocab = fp32->cfg.vocab_size;
	t->tokens = malloc((size_t)t->n_texts * (t->len + 1) * sizeof(int));
	t->ref_lp = malloc((size_t)t->n_texts * t->len * t->vocab * sizeof(double));
	if (!t->tokens || !t->ref_lp)
		return -ENOMEM;
	for (int s = 0; s < t->n_texts; s++) {
		rc = llm_eval_sample_text(fp32, t->len, o->seed + (uint64_t)s, 0.9f,
					  t->tokens + (size_t)s * (t->len + 1));
		if (rc)
			return rc;
	}
	rc = llm_cpu_init(&cpu, fp32);
	if (rc)
		return rc;
	for (int s = 0; s < t->n_texts; s++) {
		const int *tok = t->tokens + (size_t)s * (t->len + 1);

		llm_cpu_free(&cpu);
		rc = llm_cpu_init(&cpu, fp32);
		if (rc)
			return rc;
		for (int pos = 0; pos < t->len; pos++)
			log_softmax(llm_cpu_forward(&cpu, tok[pos], pos), t->vocab,
				    t->ref_lp + ((size_t)s * t->len + pos) * t->vocab);
	}
	llm_cpu_free(&cpu);
	return 0;
}

struct ranked {
	int i;
	double cost_per_weight;
};

static int cmp_ranked(const void *a, const void *b)
{
	double x = ((const struct ranked *)a)->cost_per_weight,
	       y = ((const struct ranked *)b)->cost_per_weight;

	return (x > y) - (x < y);
}

int llm_mixed_choose(const struct llm_model *fp32,
		     const struct llm_bcq_matrix *lo,
		     const struct llm_bcq_matrix *hi, int n,
		     const struct llm_mixed_opts *o, int *use_lo)
{
	struct calib_text t = { 0 };
	struct llm_model work = { 0 };
	struct llm_err e;
	struct ranked *r = calloc(n, sizeof(*r));
	double base, total = 0, planes = 0;
	int rc;

	memset(use_lo, 0, n * sizeof(*use_lo));
	rc = r ? calib_text_make(fp32, o, &t) : -ENOMEM;
	if (!rc)
		rc = llm_model_alloc(&work, &fp32->cfg, &e);
	if (rc)
		goto out;
	memcpy(work.storage, fp32->storage, fp32->storage_floats * sizeof(float));
	for (int i = 0; i < n; i++) {
		uint32_t rows, cols;

		llm_bcq_dequantize(&hi[i], matrix_of(&work, i, &rows, &cols));
	}
	rc = mean_kl(&work, &t, &base);
	for (int i = 0; !rc && i < n; i++) {
		uint32_t rows, cols;
		float *w = matrix_of(&work, i, &rows, &cols);
		double kl;

		llm_bcq_dequantize(&lo[i], w);
		rc = mean_kl(&work, &t, &kl);
		llm_bcq_dequantize(&hi[i], w);
		r[i].i = i;
		r[i].cost_per_weight = (kl - base) / ((double)rows * cols *
						      (hi[i].planes - lo[i].planes));
		total += (double)rows * cols;
		planes += (double)rows * cols * hi[i].planes;
		if (o->verbose)
			fprintf(stderr, "mixed planes: matrix %d (%ux%u): KL %.5f at %u planes, %.5f with it at %u\n",
				i, rows, cols, base, hi[i].planes, kl, lo[i].planes);
	}
	if (rc)
		goto out;
	qsort(r, n, sizeof(*r), cmp_ranked);
	for (int j = 0; j < n && planes / total > o->target + 1e-9; j++) {
		int i = r[j].i;

		use_lo[i] = 1;
		planes -= (double)hi[i].n * hi[i].k * (hi[i].planes - lo[i].planes);
	}
	/* the budget the last (large) step left: back up, costliest first,
	 * whatever still fits */
	for (int j = n - 1; j >= 0; j--) {
		int i = r[j].i;
		double up = (double)hi[i].n * hi[i].k * (hi[i].planes - lo[i].planes);

		if (use_lo[i] && (planes + up) / total <= o->target + 1e-9) {
			use_lo[i] = 0;
			planes += up;
		}
	}
out:
	llm_model_free(&work);
	free(t.tokens);
	free(t.ref_lp);
	free(r);
	return rc;
}
