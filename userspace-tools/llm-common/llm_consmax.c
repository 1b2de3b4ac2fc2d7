// SPDX-License-Identifier: MIT
#include "llm_consmax.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "csa/csa_device.h"
#include "llm_cpu.h"
#include "llm_sample.h"
#include "llm_tokenizer.h"

int llm_consmax_calib_init(struct llm_consmax_calib *c, int n_layers,
			   int n_heads)
{
	memset(c, 0, sizeof(*c));
	c->n_layers = n_layers;
	c->n_heads = n_heads;
	c->min_row_len = 1;
	c->heads = calloc((size_t)n_layers * n_heads, sizeof(*c->heads));
	if (!c->heads)
		return -ENOMEM;
	for (int i = 0; i < n_layers * n_heads; i++) {
		c->heads[i].score_min = INFINITY;
		c->heads[i].score_max = -INFINITY;
	}
	return 0;
}

void llm_consmax_calib_free(struct llm_consmax_calib *c)
{
	if (c->heads)
		for (int i = 0; i < c->n_layers * c->n_heads; i++) {
			free(c->heads[i].row_max);
			free(c->heads[i].row_lse);
		}
	free(c->heads);
	memset(c, 0, sizeof(*c));
}

void llm_consmax_record(void *calib, int layer, int head, const float *s,
			int n)
{
	struct llm_consmax_calib *c = calib;
	struct llm_consmax_head_stats *h = &c->heads[layer * c->n_heads + head];
	double max = s[0], sum = 0.0;

	for (int i = 0; i < n; i++) {
		if (s[i] > max)
			max = s[i];
		if (s[i] < h->score_min)
			h->score_min = s[i];
		if (s[i] > h->score_max)
			h->score_max = s[i];
	}
	if (n < c->min_row_len)
		return;
	for (int i = 0; i < n; i++)
		sum += exp(s[i] - max);
	if (h->rows == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 256;
		double *a = realloc(h->row_max, cap * sizeof(double));
		double *b = a ? realloc(h->row_lse, cap * sizeof(double)) : NULL;

		if (a)
			h->row_max = a;
		if (!b)
			return;	/* out of memory: this row is not recorded */
		h->row_lse = b;
		h->cap = cap;
	}
	h->row_max[h->rows] = max;
	h->row_lse[h->rows] = max + log(sum);
	h->rows++;
}

int llm_consmax_calibrate(struct llm_consmax_calib *c,
			  const struct llm_model *m, int n_seqs, int len,
			  uint64_t seed)
{
	struct llm_sampler smp;
	struct llm_cpu cpu;
	int rc;

	if (len > m->cfg.seq_len)
		len = m->cfg.seq_len;
	rc = llm_cpu_init(&cpu, m);
	if (rc)
		return rc;
	rc = llm_sampler_init(&smp, m->cfg.vocab_size, 1.0f, 0.0f, seed);
	if (rc) {
		llm_cpu_free(&cpu);
		return rc;
	}
	cpu.hook = llm_consmax_record;
	cpu.hook_ctx = c;
	for (int s = 0; s < n_seqs; s++) {
		int tok = LLM_TOKEN_BOS;

		smp.rng = seed + (uint64_t)s * 0x9E3779B97F4A7C15ULL + 1;
		for (int pos = 0; pos < len; pos++)
			tok = llm_sample(&smp, llm_cpu_forward(&cpu, tok, pos));
	}
	llm_sampler_free(&smp);
	llm_cpu_free(&cpu);
	return 0;
}

void llm_consmax_choose(const struct llm_consmax_calib *c,
			enum llm_consmax_method method,
			struct llm_consmax_params *out)
{
	for (int i = 0; i < c->n_layers * c->n_heads; i++) {
		const struct llm_consmax_head_stats *h = &c->heads[i];
		double beta, lse_mean = 0.0, lse_max = -INFINITY, sum_mean = 0.0;
		double top;

		if (!h->rows) {	/* never seen: plain exp(s) */
			out[i] = (struct llm_consmax_params){ 0.0f, 1.0f, 127.0f / 16.0f };
			continue;
		}
		beta = h->score_max;
		for (size_t r = 0; r < h->rows; r++) {
			lse_mean += h->row_lse[r];
			lse_max = fmax(lse_max, h->row_lse[r]);
			sum_mean += exp(h->row_lse[r] - beta);
		}
		lse_mean /= h->rows;
		sum_mean /= h->rows;
		top = fmax(h->score_max, 1.0);
		out[i].beta = (float)beta;
		switch (method) {
		case LLM_CONSMAX_SUM_MEAN:
			out[i].gamma = (float)sum_mean;
			break;
		case LLM_CONSMAX_LSE_MEAN:
			out[i].gamma = (float)exp(lse_mean - beta);
			break;
		default:
			out[i].gamma = (float)exp(lse_max - beta);
			break;
		}
		out[i].inv_step = (float)(127.0 / top);
	}
}

void llm_consmax_norm_table(const struct llm_consmax_params *p, float *table)
{
	struct llm_consmax_params n = *p;

	n.gamma = 1.0f;
	llm_consmax_table(&n, table);
}

void llm_consmax_tables(const struct llm_consmax_params *params, size_t heads,
			enum llm_softmax mode, float *tables)
{
	for (size_t i = 0; i < heads; i++) {
		if (mode == LLM_SOFTMAX_CONSMAX_NORM)
			llm_consmax_norm_table(&params[i], tables + i * CSA_CONSMAX_HEAD_FLOATS);
		else
			llm_consmax_table(&params[i], tables + i * CSA_CONSMAX_HEAD_FLOATS);
	}
}

void llm_consmax_table(const struct llm_consmax_params *p, float *table)
{
	double step = 1.0 / p->inv_step;

	memset(table, 0, CSA_CONSMAX_HEAD_BYTES);
	table[0] = p->inv_step;
	for (int m = -8; m < 8; m++)
		table[4 + m + 8] = (float)(exp(16.0 * m * step - p->beta) / p->gamma);
	for (int l = 0; l < 16; l++)
		table[20 + l] = (float)exp(l * step);
}
