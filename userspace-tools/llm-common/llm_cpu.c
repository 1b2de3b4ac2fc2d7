// SPDX-License-Identifier: MIT
/*
 * llm_cpu.c - float32 reference forward pass.  Every loop keeps
 * llama2.c's summation order (and the build has no FMA contraction), which
 * is what makes its greedy output reproducible token for token.
 */
#include "llm_cpu.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "csa/csa_device.h"

void llm_rmsnorm(float *o, const float *x, const float *w, int n)
{
	float ss = 0.0f;

	for (int j = 0; j < n; j++)
		ss += x[j] * x[j];
	ss /= n;
	ss += 1e-5f;
	ss = 1.0f / sqrtf(ss);
	for (int j = 0; j < n; j++)
		o[j] = w[j] * (ss * x[j]);
}

void llm_matvec(float *y, const float *x, const float *w, int k, int n)
{
	for (int i = 0; i < n; i++) {
		const float *row = w + (size_t)i * k;
		float v = 0.0f;

		for (int j = 0; j < k; j++)
			v += row[j] * x[j];
		y[i] = v;
	}
}

void llm_softmax(float *x, int n)
{
	float max = x[0], sum = 0.0f;

	for (int i = 1; i < n; i++)
		if (x[i] > max)
			max = x[i];
	for (int i = 0; i < n; i++) {
		x[i] = expf(x[i] - max);
		sum += x[i];
	}
	for (int i = 0; i < n; i++)
		x[i] /= sum;
}

void llm_rope_cos_sin(int pos, int i, int head_size, float *c, float *s)
{
	float freq = 1.0f / powf(10000.0f, (float)(2 * i) / (float)head_size);
	float angle = pos * freq;

	*c = cosf(angle);
	*s = sinf(angle);
}

float llm_consmax_eval(const float *table, float score)
{
	float qf = rintf(score * table[0]);
	int q = qf > 127.0f ? 127 : qf < -128.0f ? -128 : (int)qf;

	/* q >> 4 is an arithmetic shift: the signed high nibble */
	return table[4 + (q >> 4) + 8] * table[20 + (q & 15)];
}

int llm_cpu_init(struct llm_cpu *s, const struct llm_model *m)
{
	const struct llm_config *c = &m->cfg;
	size_t kv = (size_t)c->n_layers * c->seq_len * llm_kv_dim(c);

	memset(s, 0, sizeof(*s));
	s->m = m;
	s->x = calloc(c->dim, sizeof(float));
	s->xb = calloc(c->dim, sizeof(float));
	s->xb2 = calloc(c->dim, sizeof(float));
	s->hb = calloc(c->hidden_dim, sizeof(float));
	s->hb2 = calloc(c->hidden_dim, sizeof(float));
	s->q = calloc(c->dim, sizeof(float));
	s->att = calloc((size_t)c->n_heads * c->seq_len, sizeof(float));
	s->logits = calloc(c->vocab_size, sizeof(float));
	s->key_cache = calloc(kv, sizeof(float));
	s->value_cache = calloc(kv, sizeof(float));
	if (!s->x || !s->xb || !s->xb2 || !s->hb || !s->hb2 || !s->q ||
	    !s->att || !s->logits || !s->key_cache || !s->value_cache) {
		llm_cpu_free(s);
		return -ENOMEM;
	}
	return 0;
}

void llm_cpu_free(struct llm_cpu *s)
{
	free(s->x);
	free(s->xb);
	free(s->xb2);
	free(s->hb);
	free(s->hb2);
	free(s->q);
	free(s->att);
	free(s->logits);
	free(s->key_cache);
	free(s->value_cache);
	memset(s, 0, sizeof(*s));
}

static void rope(float *vec, int n, int head_size, int pos)
{
	for (int i = 0; i < n; i += 2) {
		float c, sn, v0 = vec[i], v1 = vec[i + 1];

		llm_rope_cos_sin(pos, (i % head_size) / 2, head_size, &c, &sn);
		vec[i] = v0 * c - v1 * sn;
		vec[i + 1] = v0 * sn + v1 * c;
	}
}

static void attention(struct llm_cpu *s, int l, int pos)
{
	const struct llm_config *c = &s->m->cfg;
	int hs = llm_head_size(c), kv_dim = llm_kv_dim(c);
	int kv_mul = c->n_heads / c->n_kv_heads;
	size_t loff = (size_t)l * c->seq_len * kv_dim;

	for (int h = 0; h < c->n_heads; h++) {
		const float *q = s->q + h * hs;
		float *att = s->att + (size_t)h * c->seq_len;
		float *out = s->xb + h * hs;
		const float *table = s->consmax ?
			s->consmax + ((size_t)l * c->n_heads + h) * CSA_CONSMAX_HEAD_FLOATS : NULL;

		for (int t = 0; t <= pos; t++) {
			const float *k = s->key_cache + loff + (size_t)t * kv_dim +
					 (h / kv_mul) * hs;
			float score = 0.0f;

			for (int i = 0; i < hs; i++)
				score += q[i] * k[i];
			att[t] = score / sqrtf((float)hs);
		}
		if (s->hook)
			s->hook(s->hook_ctx, l, h, att, pos + 1);
		if (table && s->consmax_norm) {
			float sum = 0.0f;

			for (int t = 0; t <= pos; t++) {
				att[t] = att[t] * table[0] < -128.0f ? 0.0f :
					 llm_consmax_eval(table, att[t]);
				sum += att[t];
			}
			for (int t = 0; t <= pos; t++)
				att[t] = sum > 0.0f ? att[t] / sum : 0.0f;
		} else if (table) {
			for (int t = 0; t <= pos; t++)
				att[t] = llm_consmax_eval(table, att[t]);
		} else {
			llm_softmax(att, pos + 1);
		}
		memset(out, 0, hs * sizeof(float));
		for (int t = 0; t <= pos; t++) {
			const float *v = s->value_cache + loff + (size_t)t * kv_dim +
					 (h / kv_mul) * hs;

			for (int i = 0; i < hs; i++)
				out[i] += att[t] * v[i];
		}
	}
}

static void input(struct llm_cpu *s, int layer, int which, const float *x,
		  int k)
{
	if (s->input_hook)
		s->input_hook(s->input_ctx, layer, which, x, k);
}

float *llm_cpu_forward(struct llm_cpu *s, int token, int pos)
{
	const struct llm_model *m = s->m;
	const struct llm_config *c = &m->cfg;
	int dim = c->dim, hid = c->hidden_dim, kv_dim = llm_kv_dim(c);
	int hs = llm_head_size(c);

	memcpy(s->x, m->token_embedding + (size_t)token * dim, dim * sizeof(float));
	for (int l = 0; l < c->n_layers; l++) {
		const struct llm_layer_weights *w = &m->layers[l];
		size_t loff = (size_t)l * c->seq_len * kv_dim;
		float *k = s->key_cache + loff + (size_t)pos * kv_dim;
		float *v = s->value_cache + loff + (size_t)pos * kv_dim;

		llm_rmsnorm(s->xb, s->x, w->rms_att, dim);
		input(s, l, LLM_WQ, s->xb, dim);
		llm_matvec(s->q, s->xb, w->wq, dim, dim);
		llm_matvec(k, s->xb, w->wk, dim, kv_dim);
		llm_matvec(v, s->xb, w->wv, dim, kv_dim);
		rope(s->q, dim, hs, pos);
		rope(k, kv_dim, hs, pos);
		attention(s, l, pos);
		input(s, l, LLM_WO, s->xb, dim);
		llm_matvec(s->xb2, s->xb, w->wo, dim, dim);
		for (int i = 0; i < dim; i++)
			s->x[i] += s->xb2[i];

		llm_rmsnorm(s->xb, s->x, w->rms_ffn, dim);
		input(s, l, LLM_W1, s->xb, dim);
		llm_matvec(s->hb, s->xb, w->w1, dim, hid);
		llm_matvec(s->hb2, s->xb, w->w3, dim, hid);
		for (int i = 0; i < hid; i++) {
			float a = s->hb[i];

			a *= 1.0f / (1.0f + expf(-a));
			s->hb[i] = a * s->hb2[i];
		}
		input(s, l, LLM_W2, s->hb, hid);
		llm_matvec(s->xb, s->hb, w->w2, hid, dim);
		for (int i = 0; i < dim; i++)
			s->x[i] += s->xb[i];
	}
	llm_rmsnorm(s->x, s->x, m->rms_final, dim);
	input(s, 0, LLM_CLASSIFIER, s->x, dim);
	llm_matvec(s->logits, s->x, m->wcls, dim, c->vocab_size);
	return s->logits;
}
