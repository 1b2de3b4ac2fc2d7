// SPDX-License-Identifier: MIT
/*
 * llm_packed.c - building, saving and loading CSA packed models.  File
 * layout (all little-endian; docs/model-format.md is the reference):
 *   header (128 bytes), section table (48 bytes per section), then the
 *   payload, each section 64-byte aligned.  A CRC-32 covers the header and
 *   another the table and payload, so any corruption is refused.
 */
#include "llm_packed.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "csa/csa_device.h"
#include "llm_cpu.h"
#include "llm_gguf.h"
#include "llm_outfile.h"
#include "llm_mixed.h"
#include "llm_sample.h"
#include "llm_tokenizer.h"

enum tensor_id {
	T_EMBED = 1, T_RMS_ATT = 2, T_RMS_FFN = 3, T_RMS_FINAL = 4,
	T_MATRIX = 16,		/* + enum llm_matrix */
	T_WCLS = 32,
	T_CONSMAX_PARAMS = 48,	/* f32 [head][3]: beta, gamma, inv_step */
	T_CONSMAX_TABLE = 49,	/* f32 [head][36] */
};

enum section_kind { K_F32 = 1, K_BCQ_BITS = 2, K_BCQ_SCALES = 3 };

struct section {
	uint32_t tensor, layer, kind, rows, cols, planes, group, flags;
	uint64_t offset, bytes;
	const void *data;	/* writer only */
};

uint32_t llm_crc32(uint32_t crc, const void *buf, size_t len)
{
	static uint32_t table[256];
	const uint8_t *p = buf;

	if (!table[1])
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;

			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	crc = ~crc;
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

void llm_matrix_shape(const struct llm_config *c, int which, uint32_t *rows,
		      uint32_t *cols)
{
	uint32_t dim = c->dim, hid = c->hidden_dim, kv = llm_kv_dim(c);

	switch (which) {
	case LLM_WK: case LLM_WV: *rows = kv; *cols = dim; break;
	case LLM_W1: case LLM_W3: *rows = hid; *cols = dim; break;
	case LLM_W2: *rows = dim; *cols = hid; break;
	case LLM_LAYER_MATRICES: *rows = c->vocab_size; *cols = dim; break;
	default: *rows = dim; *cols = dim; break;
	}
}

float *llm_matrix_f32(struct llm_model *m, int layer, int which)
{
	struct llm_layer_weights *w = &m->layers[layer];

	switch (which) {
	case LLM_WQ: return w->wq;
	case LLM_WK: return w->wk;
	case LLM_WV: return w->wv;
	case LLM_WO: return w->wo;
	case LLM_W1: return w->w1;
	case LLM_W2: return w->w2;
	case LLM_W3: return w->w3;
	default: return m->wcls;
	}
}

static int n_bcq(const struct llm_packed *p)
{
	return p->base.cfg.n_layers * LLM_LAYER_MATRICES + !!p->classifier_bcq;
}

void llm_packed_free(struct llm_packed *p)
{
	if (p->bcq)
		for (int i = 0; i < n_bcq(p); i++)
			llm_bcq_free(&p->bcq[i]);
	free(p->bcq);
	free(p->consmax);
	free(p->consmax_tables);
	llm_model_free(&p->base);
	memset(p, 0, sizeof(*p));
}

/* Classifier of a shared model gets its own copy before quantization,
 * because the embedding table must stay exact. */
static int unshare_classifier(struct llm_model *m, struct llm_err *e)
{
	struct llm_model u;
	struct llm_config c = m->cfg;
	int rc;

	c.shared_classifier = 0;
	rc = llm_model_alloc(&u, &c, e);
	if (rc)
		return rc;
	memcpy(u.storage, m->storage, m->storage_floats * sizeof(float));
	memcpy(u.wcls, m->token_embedding,
	       (size_t)c.vocab_size * c.dim * sizeof(float));
	llm_model_free(m);
	*m = u;
	return 0;
}

/* Second moments sum x x^T of the inputs of every matrix over calibration
 * text: [layer][input kind] with kinds WQ, WO, W1, W2, then the classifier. */
struct hessians {
	int n_layers, dim, hid;
	double **h;
};

static int input_kind(int which)
{
	switch (which) {
	case LLM_WQ: case LLM_WK: case LLM_WV: return 0;
	case LLM_WO: return 1;
	case LLM_W1: case LLM_W3: return 2;
	case LLM_W2: return 3;
	default: return -1;
	}
}

static double *hessian_of(struct hessians *hs, int layer, int which)
{
	int kind = input_kind(which);

	return kind < 0 ? hs->h[hs->n_layers * 4] : hs->h[layer * 4 + kind];
}

static void accumulate(void *ctx, int layer, int which, const float *x, int k)
{
	double *h = hessian_of(ctx, layer, which);

	for (int i = 0; i < k; i++) {
		double xi = x[i];

		for (int j = 0; j < k; j++)
			h[(uint64_t)i * k + j] += xi * x[j];
	}
}

static void hessians_free(struct hessians *hs)
{
	if (hs->h)
		for (int i = 0; i <= hs->n_layers * 4; i++)
			free(hs->h[i]);
	free(hs->h);
}

static int hessians_collect(struct hessians *hs, const struct llm_model *m,
			    const struct llm_quant_opts *q)
{
	const struct llm_config *c = &m->cfg;
	struct llm_sampler smp;
	struct llm_cpu cpu;
	int len = q->calib_len < c->seq_len ? q->calib_len : c->seq_len, rc;

	hs->n_layers = c->n_layers;
	hs->h = calloc(c->n_layers * 4 + 1, sizeof(double *));
	if (!hs->h)
		return -ENOMEM;
	for (int i = 0; i <= c->n_layers * 4; i++) {
		uint64_t k = i % 4 == 3 && i < c->n_layers * 4 ? c->hidden_dim : c->dim;

		hs->h[i] = calloc(k * k, sizeof(double));
		if (!hs->h[i])
			return -ENOMEM;
	}
	rc = llm_cpu_init(&cpu, m);
	if (rc)
		return rc;
	rc = llm_sampler_init(&smp, c->vocab_size, 1.0f, 0.0f, q->seed);
	if (rc) {
		llm_cpu_free(&cpu);
		return rc;
	}
	cpu.input_hook = accumulate;
	cpu.input_ctx = hs;
	if (q->phase)
		q->phase(q->progress_ctx, "calibrating (inputs of every matrix)");
	for (int s = 0; s < q->calib_seqs; s++) {
		int tok = LLM_TOKEN_BOS;

		smp.rng = q->seed + (uint64_t)s * 0x9E3779B97F4A7C15ULL + 1;
		for (int pos = 0; pos < len; pos++) {
			tok = llm_sample(&smp, llm_cpu_forward(&cpu, tok, pos));
			if (q->progress)
				q->progress(q->progress_ctx, (uint64_t)s * len + pos + 1,
					    (uint64_t)q->calib_seqs * len);
		}
	}
	llm_sampler_free(&smp);
	llm_cpu_free(&cpu);
	return 0;
}

/* Matrix @i of the packed order: its layer, kind, shape and weights. */
static float *packed_matrix(struct llm_model *m, int i, int *layer, int *which,
			    uint32_t *rows, uint32_t *cols)
{
	*layer = i / LLM_LAYER_MATRICES;
	*which = i % LLM_LAYER_MATRICES;
	if (i == m->cfg.n_layers * LLM_LAYER_MATRICES) {
		*layer = 0;
		*which = LLM_LAYER_MATRICES;
	}
	llm_matrix_shape(&m->cfg, *which, rows, cols);
	return llm_matrix_f32(m, *layer, *which);
}

/* Quantizes every matrix of @m at @planes into @out (not yet dequantized
 * into @m); progress counts @pass of @passes. */
static int quantize_all(struct llm_bcq_matrix *out, struct llm_model *m, int n,
			const struct llm_quant_opts *q, struct hessians *hs,
			uint32_t planes, int pass, int passes, struct llm_err *e)
{
	uint64_t total = 0, done = 0;

	for (int i = 0; i < n; i++) {
		int layer, which;
		uint32_t rows, cols;

		packed_matrix(m, i, &layer, &which, &rows, &cols);
		total += (uint64_t)rows * cols;
	}
	for (int i = 0; i < n; i++) {
		struct llm_bcq_params prm = q->bcq;
		int layer, which, rc;
		uint32_t rows, cols;
		float *w = packed_matrix(m, i, &layer, &which, &rows, &cols);

		prm.planes = planes;
		if (q->group_of[which])
			prm.group = q->group_of[which];
		rc = hs->h ? llm_bcq_quantize_gptq(&out[i], w, rows, cols,
						   hessian_of(hs, layer, which), &prm) :
			     llm_bcq_quantize(&out[i], w, rows, cols, &prm);
		if (rc)
			return llm_fail(e, rc, "BCQ quantization failed (planes %u group %u): %s",
					prm.planes, prm.group, strerror(-rc));
		done += (uint64_t)rows * cols;
		if (q->progress)
			q->progress(q->progress_ctx, (uint64_t)pass * total + done,
				    (uint64_t)passes * total);
	}
	return 0;
}

int llm_classifier_bcq(const struct llm_config *c, int choice)
{
	if (choice == LLM_CLASSIFIER_AUTO)
		return c->vocab_size >= (int)LLM_CLASSIFIER_BCQ_MIN_VOCAB;
	return !!choice;
}

int llm_packed_from_model(struct llm_packed *p, struct llm_model *m,
			  const struct llm_quant_opts *q_in, struct llm_err *e)
{
	const struct llm_config *c = &m->cfg;
	struct llm_quant_opts qv, *q = &qv;
	struct hessians hs = { 0 };
	struct llm_bcq_matrix *lo = NULL;
	int *use_lo = NULL;
	uint32_t hi_planes = 0, lo_planes = 0;
	int n, rc;

	memset(p, 0, sizeof(*p));
	if (!q_in) {
		p->base = *m;
		memset(m, 0, sizeof(*m));
		return 0;
	}
	qv = *q_in;
	/* f32 matrices have no quantized classifier either */
	qv.classifier_bcq = q_in->bcq.planes &&
			    llm_classifier_bcq(c, q_in->classifier_bcq);
	hi_planes = q->bcq.planes;
	if (q->mixed_planes > 0) {
		if (!(q->mixed_planes >= 1 && q->mixed_planes <= CSA_BCQ_MAX_PLANES))
			return llm_fail(e, -EINVAL, "mixed planes %.2f outside 1..%u",
					q->mixed_planes, CSA_BCQ_MAX_PLANES);
		lo_planes = (uint32_t)floor(q->mixed_planes);
		hi_planes = (uint32_t)ceil(q->mixed_planes);
		if (lo_planes == hi_planes)
			lo_planes = 0;	/* a whole number: uniform */
	}
	if (q->calib_seqs > 0 && q->calib_len > 0) {
		rc = hessians_collect(&hs, m, q);
		if (rc) {
			hessians_free(&hs);
			return llm_fail(e, rc, "calibration for quantization failed");
		}
	}
	if (q->classifier_bcq && m->cfg.shared_classifier) {
		rc = unshare_classifier(m, e);
		if (rc) {
			hessians_free(&hs);
			return rc;
		}
	}
	p->planes = hi_planes;
	p->group = q->bcq.group;
	p->pow2 = q->bcq.pow2;
	p->scale16 = !!q->bcq.scale16;
	p->classifier_bcq = q->classifier_bcq;
	n = c->n_layers * LLM_LAYER_MATRICES + !!q->classifier_bcq;
	p->bcq = calloc(n, sizeof(*p->bcq));
	if (lo_planes) {
		lo = calloc(n, sizeof(*lo));
		use_lo = calloc(n, sizeof(*use_lo));
	}
	if (!p->bcq || (lo_planes && (!lo || !use_lo))) {
		rc = llm_fail(e, -ENOMEM, "out of memory");
		goto out;
	}
	if (q->phase)
		q->phase(q->progress_ctx, "quantizing");
	rc = quantize_all(p->bcq, m, n, q, &hs, hi_planes, 0, lo_planes ? 2 : 1, e);
	if (!rc && lo_planes)
		rc = quantize_all(lo, m, n, q, &hs, lo_planes, 1, 2, e);
	if (!rc && lo_planes) {
		struct llm_mixed_opts mo = { q->mixed_planes,
					     q->mixed_texts > 0 ? q->mixed_texts : 8,
					     q->mixed_len > 0 ? q->mixed_len : 256,
					     q->seed + 7777, q->verbose };

		if (q->phase)
			q->phase(q->progress_ctx, "measuring each matrix's sensitivity");
		rc = llm_mixed_choose(m, lo, p->bcq, n, &mo, use_lo);
		if (rc)
			llm_fail(e, rc, "measuring the matrices' sensitivity failed");
		for (int i = 0; !rc && i < n; i++)
			if (use_lo[i]) {
				llm_bcq_free(&p->bcq[i]);
				p->bcq[i] = lo[i];
				memset(&lo[i], 0, sizeof(lo[i]));
			}
	}
	for (int i = 0; !rc && i < n; i++) {
		int layer, which;
		uint32_t rows, cols;

		llm_bcq_dequantize(&p->bcq[i], packed_matrix(m, i, &layer, &which,
							     &rows, &cols));
	}
out:
	if (lo)
		for (int i = 0; i < n; i++)
			llm_bcq_free(&lo[i]);
	free(lo);
	free(use_lo);
	hessians_free(&hs);
	p->base = *m;
	memset(m, 0, sizeof(*m));
	if (rc)
		llm_packed_free(p);
	return rc;
}

int llm_packed_set_consmax(struct llm_packed *p,
			   const struct llm_consmax_params *params)
{
	size_t heads = (size_t)p->base.cfg.n_layers * p->base.cfg.n_heads;

	free(p->consmax);
	free(p->consmax_tables);
	p->consmax = malloc(heads * sizeof(*p->consmax));
	p->consmax_tables = malloc(heads * CSA_CONSMAX_HEAD_BYTES);
	if (!p->consmax || !p->consmax_tables) {
		free(p->consmax);
		free(p->consmax_tables);
		p->consmax = NULL;
		p->consmax_tables = NULL;
		return -ENOMEM;
	}
	memcpy(p->consmax, params, heads * sizeof(*p->consmax));
	for (size_t i = 0; i < heads; i++)
		llm_consmax_table(&params[i], p->consmax_tables + i * CSA_CONSMAX_HEAD_FLOATS);
	return 0;
}

int llm_packed_calibrate(struct llm_packed *p, const struct llm_model *fp32,
			 enum llm_consmax_method method, int n_seqs, int len,
			 uint64_t seed, struct llm_err *e)
{
	const struct llm_config *c = &fp32->cfg;
	struct llm_consmax_calib cal;
	struct llm_consmax_params *params;
	int rc;

	rc = llm_consmax_calib_init(&cal, c->n_layers, c->n_heads);
	if (rc)
		return llm_fail(e, rc, "out of memory");
	rc = llm_consmax_calibrate(&cal, fp32, n_seqs, len, seed);
	params = calloc((size_t)c->n_layers * c->n_heads, sizeof(*params));
	if (!rc && !params)
		rc = -ENOMEM;
	if (!rc) {
		llm_consmax_choose(&cal, method, params);
		rc = llm_packed_set_consmax(p, params);
	}
	free(params);
	llm_consmax_calib_free(&cal);
	return rc ? llm_fail(e, rc, "ConSmax calibration failed") : 0;
}

/* ---- file writing ---------------------------------------------------- */

struct section_list {
	struct section s[4096];
	uint32_t n;
};

static void add(struct section_list *l, uint32_t tensor, uint32_t layer,
		uint32_t kind, uint32_t rows, uint32_t cols, const void *data,
		uint64_t bytes)
{
	l->s[l->n++] = (struct section){ .tensor = tensor, .layer = layer,
		.kind = kind, .rows = rows, .cols = cols, .data = data,
		.bytes = bytes };
}

static void add_bcq(struct section_list *l, uint32_t tensor, uint32_t layer,
		    const struct llm_bcq_matrix *q)
{
	for (int part = 0; part < 2; part++) {
		add(l, tensor, layer, part ? K_BCQ_SCALES : K_BCQ_BITS, q->n, q->k,
		    part ? q->scales : (const void *)q->bits,
		    part ? q->scale_bytes : q->bits_bytes);
		l->s[l->n - 1].planes = q->planes;
		l->s[l->n - 1].group = q->group;
		l->s[l->n - 1].flags = (uint32_t)q->pow2 | (uint32_t)q->scale16 << 1;
	}
}

static void put32(uint8_t *b, uint32_t v) { memcpy(b, &v, 4); }
static void put64(uint8_t *b, uint64_t v) { memcpy(b, &v, 8); }
static uint32_t get32(const uint8_t *b) { uint32_t v; memcpy(&v, b, 4); return v; }
static uint64_t get64(const uint8_t *b) { uint64_t v; memcpy(&v, b, 8); return v; }

static uint64_t align_up(uint64_t v) { return (v + LLM_PACKED_ALIGN - 1) & ~(uint64_t)(LLM_PACKED_ALIGN - 1); }

static void list_sections(const struct llm_packed *p, struct section_list *l)
{
	const struct llm_model *m = &p->base;
	const struct llm_config *c = &m->cfg;
	uint32_t dim = c->dim;

	add(l, T_EMBED, 0, K_F32, c->vocab_size, dim, m->token_embedding,
	    (uint64_t)c->vocab_size * dim * 4);
	for (int i = 0; i < c->n_layers; i++) {
		add(l, T_RMS_ATT, i, K_F32, 1, dim, m->layers[i].rms_att, dim * 4);
		add(l, T_RMS_FFN, i, K_F32, 1, dim, m->layers[i].rms_ffn, dim * 4);
		for (int w = 0; w < LLM_LAYER_MATRICES; w++) {
			uint32_t rows, cols;

			if (p->planes) {
				add_bcq(l, T_MATRIX + w, i, &p->bcq[i * LLM_LAYER_MATRICES + w]);
				continue;
			}
			llm_matrix_shape(c, w, &rows, &cols);
			add(l, T_MATRIX + w, i, K_F32, rows, cols,
			    llm_matrix_f32((struct llm_model *)m, i, w),
			    (uint64_t)rows * cols * 4);
		}
	}
	add(l, T_RMS_FINAL, 0, K_F32, 1, dim, m->rms_final, dim * 4);
	if (p->classifier_bcq)
		add_bcq(l, T_WCLS, 0, &p->bcq[c->n_layers * LLM_LAYER_MATRICES]);
	else if (!c->shared_classifier)
		add(l, T_WCLS, 0, K_F32, c->vocab_size, dim, m->wcls,
		    (uint64_t)c->vocab_size * dim * 4);
	if (p->consmax) {
		for (int i = 0; i < c->n_layers; i++) {
			add(l, T_CONSMAX_PARAMS, i, K_F32, c->n_heads, 3,
			    p->consmax + (size_t)i * c->n_heads,
			    (uint64_t)c->n_heads * 12);
			add(l, T_CONSMAX_TABLE, i, K_F32, c->n_heads, CSA_CONSMAX_HEAD_FLOATS,
			    p->consmax_tables + (size_t)i * c->n_heads * CSA_CONSMAX_HEAD_FLOATS,
			    (uint64_t)c->n_heads * CSA_CONSMAX_HEAD_BYTES);
		}
	}
}

/* The oldest version that holds @p: 1, 2 when a BCQ matrix has a group
 * other than the header's, 3 with 16-bit scales or planes per matrix. */
static uint32_t file_version(const struct llm_packed *p)
{
	int n = p->base.cfg.n_layers * LLM_LAYER_MATRICES + !!p->classifier_bcq;
	uint32_t v = LLM_PACKED_VERSION_UNIFORM;

	if (p->planes && p->scale16)
		return LLM_PACKED_VERSION;
	for (int i = 0; p->planes && i < n; i++) {
		if (p->bcq[i].planes != p->planes)
			return LLM_PACKED_VERSION;
		if (p->bcq[i].group != p->group)
			v = LLM_PACKED_VERSION_GROUPS;
	}
	return v;
}

double llm_packed_bits_per_weight(const struct llm_packed *p)
{
	int n = p->base.cfg.n_layers * LLM_LAYER_MATRICES + !!p->classifier_bcq;
	double bytes = 0, weights = 0;

	for (int i = 0; p->planes && i < n; i++) {
		bytes += (double)p->bcq[i].bits_bytes + p->bcq[i].scale_bytes;
		weights += (double)p->bcq[i].n * p->bcq[i].k;
	}
	return weights > 0 ? 8 * bytes / weights : 32.0;
}

double llm_packed_mean_planes(const struct llm_packed *p)
{
	int n = p->base.cfg.n_layers * LLM_LAYER_MATRICES + !!p->classifier_bcq;
	double planes = 0, weights = 0;

	for (int i = 0; p->planes && i < n; i++) {
		planes += (double)p->bcq[i].planes * p->bcq[i].n * p->bcq[i].k;
		weights += (double)p->bcq[i].n * p->bcq[i].k;
	}
	return weights > 0 ? planes / weights : 0.0;
}

int llm_packed_save(const struct llm_packed *p, const char *path,
		    struct llm_err *e)
{
	const struct llm_config *c = &p->base.cfg;
	struct section_list *l = calloc(1, sizeof(*l));
	uint8_t hdr[LLM_PACKED_HEADER_BYTES] = { 0 };
	uint8_t *table = NULL, zero[LLM_PACKED_ALIGN] = { 0 };
	uint64_t off, payload_start;
	uint32_t crc;
	struct llm_outfile o;
	int rc = 0;

	if (!l)
		return llm_fail(e, -ENOMEM, "out of memory");
	if (c->n_layers * (2 + 2 * LLM_LAYER_MATRICES + 2) + 8 > 4096) {
		free(l);
		return llm_fail(e, -EFBIG, "too many layers for one packed file");
	}
	list_sections(p, l);
	table = calloc(l->n, LLM_PACKED_SECTION_BYTES);
	if (!table) {
		free(l);
		return llm_fail(e, -ENOMEM, "out of memory");
	}
	payload_start = align_up(LLM_PACKED_HEADER_BYTES + (uint64_t)l->n * LLM_PACKED_SECTION_BYTES);
	off = payload_start;
	for (uint32_t i = 0; i < l->n; i++) {
		uint8_t *t = table + i * LLM_PACKED_SECTION_BYTES;
		struct section *s = &l->s[i];

		s->offset = off;
		off = align_up(off + s->bytes);
		put32(t + 0, s->tensor);
		put32(t + 4, s->layer);
		put32(t + 8, s->kind);
		put32(t + 12, s->rows);
		put32(t + 16, s->cols);
		put32(t + 20, s->planes);
		put32(t + 24, s->group);
		put32(t + 28, s->flags);
		put64(t + 32, s->offset);
		put64(t + 40, s->bytes);
	}
	/* CRC over the table, the alignment gap and every section + padding */
	crc = llm_crc32(0, table, (size_t)l->n * LLM_PACKED_SECTION_BYTES);
	crc = llm_crc32(crc, zero, payload_start - LLM_PACKED_HEADER_BYTES -
			(uint64_t)l->n * LLM_PACKED_SECTION_BYTES);
	for (uint32_t i = 0; i < l->n; i++) {
		crc = llm_crc32(crc, l->s[i].data, l->s[i].bytes);
		crc = llm_crc32(crc, zero, align_up(l->s[i].bytes) - l->s[i].bytes);
	}
	put32(hdr + 0, LLM_PACKED_MAGIC);
	put32(hdr + 4, file_version(p));
	put32(hdr + 8, LLM_PACKED_HEADER_BYTES);
	put32(hdr + 12, l->n);
	put32(hdr + 16, c->dim);
	put32(hdr + 20, c->hidden_dim);
	put32(hdr + 24, c->n_layers);
	put32(hdr + 28, c->n_heads);
	put32(hdr + 32, c->n_kv_heads);
	put32(hdr + 36, c->vocab_size);
	put32(hdr + 40, c->seq_len);
	put32(hdr + 44, c->shared_classifier);
	put32(hdr + 48, p->planes);
	put32(hdr + 52, p->group);
	put32(hdr + 56, p->pow2);
	put32(hdr + 60, p->classifier_bcq);
	put32(hdr + 64, p->consmax != NULL);
	put32(hdr + 68, p->planes ? (uint32_t)p->scale16 : 0);
	put64(hdr + 96, off);		/* file size */
	put32(hdr + 104, crc);
	put32(hdr + 124, llm_crc32(0, hdr, 124));

	rc = llm_outfile_open(&o, path, e);
	if (rc)
		goto out;
	llm_outfile_write(&o, hdr, sizeof(hdr));
	llm_outfile_write(&o, table, (size_t)l->n * LLM_PACKED_SECTION_BYTES);
	llm_outfile_write(&o, zero, payload_start - LLM_PACKED_HEADER_BYTES -
			  (uint64_t)l->n * LLM_PACKED_SECTION_BYTES);
	for (uint32_t i = 0; i < l->n; i++) {
		llm_outfile_write(&o, l->s[i].data, l->s[i].bytes);
		llm_outfile_write(&o, zero, align_up(l->s[i].bytes) - l->s[i].bytes);
	}
	rc = llm_outfile_commit(&o, e);
out:
	free(table);
	free(l);
	return rc;
}

/* ---- file reading ---------------------------------------------------- */

int llm_packed_probe(const char *path)
{
	uint8_t b[4];
	FILE *f = fopen(path, "rb");
	int r;

	if (!f)
		return -errno;
	r = fread(b, 4, 1, f) == 1 && get32(b) == LLM_PACKED_MAGIC;
	fclose(f);
	return r;
}

static int read_file(const char *path, uint8_t **buf, uint64_t *size,
		     struct llm_err *e)
{
	struct stat st;
	FILE *f = fopen(path, "rb");

	if (!f)
		return llm_fail(e, -errno, "%s: %s", path, strerror(errno));
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		fclose(f);
		return llm_fail(e, -EINVAL, "%s: not a regular file", path);
	}
	*size = st.st_size;
	*buf = malloc(*size ? *size : 1);
	if (!*buf) {
		fclose(f);
		return llm_fail(e, -ENOMEM, "%s: out of memory", path);
	}
	if (*size && fread(*buf, *size, 1, f) != 1) {
		fclose(f);
		free(*buf);
		return llm_fail(e, -EIO, "%s: read failed", path);
	}
	fclose(f);
	return 0;
}

/* Finds a section and checks its kind and shape. */
static const struct section *find(const struct section *s, uint32_t n,
				  uint32_t tensor, uint32_t layer, uint32_t kind)
{
	for (uint32_t i = 0; i < n; i++)
		if (s[i].tensor == tensor && s[i].layer == layer && s[i].kind == kind)
			return &s[i];
	return NULL;
}

/* Every float a loader reads is finite, as llm_model_load() insists. */
static int check_finite(const float *x, uint64_t n, uint32_t tensor,
			uint32_t layer, const char *path, struct llm_err *e)
{
	for (uint64_t i = 0; i < n; i++)
		if (!isfinite(x[i]))
			return llm_fail(e, -EINVAL, "%s: tensor %u of layer %u: value %llu is not finite",
					path, tensor, layer, (unsigned long long)i);
	return 0;
}

static int take_f32(const uint8_t *buf, const struct section *s, uint32_t n,
		    uint32_t tensor, uint32_t layer, float *dst, uint32_t rows,
		    uint32_t cols, const char *path, struct llm_err *e)
{
	const struct section *x = find(s, n, tensor, layer, K_F32);

	if (!x)
		return llm_fail(e, -EINVAL, "%s: missing f32 tensor %u of layer %u",
				path, tensor, layer);
	if (x->rows != rows || x->cols != cols || x->bytes != (uint64_t)rows * cols * 4)
		return llm_fail(e, -EINVAL, "%s: tensor %u of layer %u is %ux%u, expected %ux%u",
				path, tensor, layer, x->rows, x->cols, rows, cols);
	memcpy(dst, buf + x->offset, x->bytes);
	return check_finite(dst, (uint64_t)rows * cols, tensor, layer, path, e);
}

static int take_bcq(struct llm_packed *p, const uint8_t *buf,
		    const struct section *s, uint32_t n, uint32_t tensor,
		    uint32_t layer, struct llm_bcq_matrix *q, uint32_t rows,
		    uint32_t cols, int mixed, const char *path, struct llm_err *e)
{
	const struct section *b = find(s, n, tensor, layer, K_BCQ_BITS);
	const struct section *sc = find(s, n, tensor, layer, K_BCQ_SCALES);
	struct llm_bcq_params prm = { p->planes, p->group, p->pow2, 0, p->scale16 };

	if (!b || !sc)
		return llm_fail(e, -EINVAL, "%s: missing BCQ tensor %u of layer %u",
				path, tensor, layer);
	if (mixed)	/* version >= 2: each matrix's group in its sections */
		prm.group = b->group;
	if (mixed > 1) {	/* version 3: and its planes, up to the header's */
		if (b->planes < 1 || b->planes > p->planes)
			return llm_fail(e, -EINVAL, "%s: BCQ tensor %u of layer %u has %u planes (header: at most %u)",
					path, tensor, layer, b->planes, p->planes);
		prm.planes = b->planes;
	}
	if (llm_bcq_alloc(q, rows, cols, &prm))
		return llm_fail(e, -EINVAL, "%s: bad BCQ parameters (planes %u group %u)",
				path, prm.planes, prm.group);
	if (b->rows != rows || b->cols != cols || b->planes != prm.planes ||
	    sc->planes != prm.planes ||
	    b->group != prm.group || sc->group != prm.group || b->bytes != q->bits_bytes ||
	    sc->bytes != q->scale_bytes ||
	    sc->flags != ((uint32_t)p->pow2 | (uint32_t)p->scale16 << 1))
		return llm_fail(e, -EINVAL, "%s: BCQ tensor %u of layer %u has the wrong shape",
				path, tensor, layer);
	memcpy(q->bits, buf + b->offset, b->bytes);
	memcpy(q->scales, buf + sc->offset, sc->bytes);
	if (!p->pow2)	/* f32 scales; pow2 ones are int8 exponents */
		return check_finite(q->scales, sc->bytes / 4, tensor, layer, path, e);
	return 0;
}

static int parse(struct llm_packed *p, const uint8_t *buf, uint64_t size,
		 const char *path, struct llm_err *e)
{
	struct llm_config c;
	struct section *s;
	uint32_t n, crc, version;
	uint64_t table_end;
	int rc = 0;

	if (size < LLM_PACKED_HEADER_BYTES || get32(buf) != LLM_PACKED_MAGIC)
		return llm_fail(e, -EINVAL, "%s: not a CSA packed model (bad magic)", path);
	version = get32(buf + 4);
	if (version < LLM_PACKED_VERSION_UNIFORM || version > LLM_PACKED_VERSION)
		return llm_fail(e, -EINVAL, "%s: packed format version %u, this tool reads %u..%u",
				path, version, LLM_PACKED_VERSION_UNIFORM, LLM_PACKED_VERSION);
	if (get32(buf + 124) != llm_crc32(0, buf, 124))
		return llm_fail(e, -EBADMSG, "%s: header checksum mismatch", path);
	if (get32(buf + 8) != LLM_PACKED_HEADER_BYTES || get64(buf + 96) != size)
		return llm_fail(e, -EINVAL, "%s: file is %llu bytes, header says %llu (truncated?)",
				path, (unsigned long long)size,
				(unsigned long long)get64(buf + 96));
	n = get32(buf + 12);
	table_end = LLM_PACKED_HEADER_BYTES + (uint64_t)n * LLM_PACKED_SECTION_BYTES;
	if (!n || n > 4096 || table_end > size)
		return llm_fail(e, -EINVAL, "%s: bad section count %u", path, n);
	crc = llm_crc32(0, buf + LLM_PACKED_HEADER_BYTES, size - LLM_PACKED_HEADER_BYTES);
	if (crc != get32(buf + 104))
		return llm_fail(e, -EBADMSG, "%s: payload checksum mismatch (file corrupted)", path);
	c = (struct llm_config){ (int)get32(buf + 16), (int)get32(buf + 20),
		(int)get32(buf + 24), (int)get32(buf + 28), (int)get32(buf + 32),
		(int)get32(buf + 36), (int)get32(buf + 40), (int)get32(buf + 44) };
	memset(p, 0, sizeof(*p));
	p->planes = get32(buf + 48);
	p->group = get32(buf + 52);
	p->pow2 = get32(buf + 56);
	p->classifier_bcq = get32(buf + 60);
	p->scale16 = (int)get32(buf + 68);
	if (p->scale16 > 1 || (p->scale16 && (version < LLM_PACKED_VERSION || !p->planes)))
		return llm_fail(e, -EINVAL, "%s: bad scale format in header", path);
	if (p->planes > CSA_BCQ_MAX_PLANES || (c.shared_classifier && p->classifier_bcq) ||
	    (p->classifier_bcq && !p->planes))
		return llm_fail(e, -EINVAL, "%s: bad weights mode in header", path);
	rc = llm_model_alloc(&p->base, &c, e);
	if (rc)
		return rc;
	s = calloc(n, sizeof(*s));
	if (!s)
		return llm_fail(e, -ENOMEM, "out of memory");
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *t = buf + LLM_PACKED_HEADER_BYTES + i * LLM_PACKED_SECTION_BYTES;

		s[i] = (struct section){ get32(t), get32(t + 4), get32(t + 8),
			get32(t + 12), get32(t + 16), get32(t + 20), get32(t + 24),
			get32(t + 28), get64(t + 32), get64(t + 40), NULL };
		if (s[i].offset < table_end || s[i].offset > size ||
		    s[i].bytes > size - s[i].offset) {
			free(s);
			return llm_fail(e, -EINVAL, "%s: section %u lies outside the file", path, i);
		}
	}
	{
		uint32_t dim = c.dim;
		struct llm_model *m = &p->base;
		int nm = c.n_layers * LLM_LAYER_MATRICES + !!p->classifier_bcq;

		if (p->planes) {
			p->bcq = calloc(nm, sizeof(*p->bcq));
			if (!p->bcq)
				rc = llm_fail(e, -ENOMEM, "out of memory");
		}
		if (!rc)
			rc = take_f32(buf, s, n, T_EMBED, 0, m->token_embedding,
				      c.vocab_size, dim, path, e);
		if (!rc)
			rc = take_f32(buf, s, n, T_RMS_FINAL, 0, m->rms_final, 1, dim, path, e);
		for (int l = 0; !rc && l < c.n_layers; l++) {
			rc = take_f32(buf, s, n, T_RMS_ATT, l, m->layers[l].rms_att, 1, dim, path, e);
			if (!rc)
				rc = take_f32(buf, s, n, T_RMS_FFN, l, m->layers[l].rms_ffn, 1, dim, path, e);
			for (int w = 0; !rc && w < LLM_LAYER_MATRICES; w++) {
				uint32_t rows, cols;
				float *dst = llm_matrix_f32(m, l, w);

				llm_matrix_shape(&c, w, &rows, &cols);
				if (!p->planes) {
					rc = take_f32(buf, s, n, T_MATRIX + w, l, dst, rows, cols, path, e);
					continue;
				}
				rc = take_bcq(p, buf, s, n, T_MATRIX + w, l,
					      &p->bcq[l * LLM_LAYER_MATRICES + w], rows, cols,
					      (int)version - 1, path, e);
				if (!rc) {
					llm_bcq_dequantize(&p->bcq[l * LLM_LAYER_MATRICES + w], dst);
					rc = check_finite(dst, (uint64_t)rows * cols, T_MATRIX + w, l, path, e);
				}
			}
		}
		if (!rc && p->classifier_bcq) {
			struct llm_bcq_matrix *q = &p->bcq[c.n_layers * LLM_LAYER_MATRICES];

			rc = take_bcq(p, buf, s, n, T_WCLS, 0, q, c.vocab_size, dim,
				      (int)version - 1, path, e);
			if (!rc) {
				llm_bcq_dequantize(q, m->wcls);
				rc = check_finite(m->wcls, (uint64_t)c.vocab_size * dim, T_WCLS, 0, path, e);
			}
		} else if (!rc && !c.shared_classifier) {
			rc = take_f32(buf, s, n, T_WCLS, 0, m->wcls, c.vocab_size, dim, path, e);
		}
		if (!rc && get32(buf + 64)) {
			size_t heads = (size_t)c.n_layers * c.n_heads;

			p->consmax = calloc(heads, sizeof(*p->consmax));
			p->consmax_tables = calloc(heads, CSA_CONSMAX_HEAD_BYTES);
			if (!p->consmax || !p->consmax_tables)
				rc = llm_fail(e, -ENOMEM, "out of memory");
			for (int l = 0; !rc && l < c.n_layers; l++) {
				rc = take_f32(buf, s, n, T_CONSMAX_PARAMS, l,
					      (float *)(p->consmax + (size_t)l * c.n_heads),
					      c.n_heads, 3, path, e);
				if (!rc)
					rc = take_f32(buf, s, n, T_CONSMAX_TABLE, l,
						      p->consmax_tables + (size_t)l * c.n_heads *
						      CSA_CONSMAX_HEAD_FLOATS, c.n_heads,
						      CSA_CONSMAX_HEAD_FLOATS, path, e);
			}
		}
	}
	free(s);
	return rc;
}

int llm_packed_load(struct llm_packed *p, const char *path, struct llm_err *e)
{
	uint8_t *buf = NULL;
	uint64_t size = 0;
	int rc;

	memset(p, 0, sizeof(*p));
	rc = read_file(path, &buf, &size, e);
	if (rc)
		return rc;
	rc = parse(p, buf, size, path, e);
	free(buf);
	if (rc)
		llm_packed_free(p);
	return rc;
}

int llm_parse_groups(const char *s, uint32_t *group, uint32_t *group_of)
{
	static const char *const kinds[LLM_LAYER_MATRICES + 1] = {
		"wq", "wk", "wv", "wo", "w1", "w2", "w3", "cls" };
	int first = 1;

	memset(group_of, 0, (LLM_LAYER_MATRICES + 1) * sizeof(*group_of));
	while (*s) {
		const char *eq = NULL, *end = s;
		uint32_t *dst = group;
		unsigned long v;
		char *num_end;

		while (*end && *end != ',') {
			if (*end == '=')
				eq = end;
			end++;
		}
		if (eq) {
			dst = NULL;
			for (int k = 0; k <= LLM_LAYER_MATRICES; k++)
				if (strlen(kinds[k]) == (size_t)(eq - s) &&
				    !strncmp(s, kinds[k], eq - s))
					dst = &group_of[k];
			if (!dst)
				return -EINVAL;
			s = eq + 1;
		} else if (!first) {
			return -EINVAL;	/* the default group comes first */
		}
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = strtoul(s, &num_end, 10);
		if (num_end != end || v < 8 || v > CSA_BCQ_MAX_GROUP || v % 8)
			return -EINVAL;
		*dst = (uint32_t)v;
		first = 0;
		s = *end ? end + 1 : end;
		if (*end && !*s)
			return -EINVAL;	/* trailing comma */
	}
	return first ? -EINVAL : 0;
}

int llm_parse_weights(const char *s, int *planes)
{
	if (!strcmp(s, "f32"))
		*planes = 0;
	else if (!strncmp(s, "bcq", 3) && s[3] >= '1' && s[3] <= '4' && !s[4])
		*planes = s[3] - '0';
	else
		return -EINVAL;
	return 0;
}

static const struct { const char *name; int pow2, scale16; } scale_fmts[] = {
	{ "f32", 0, 0 }, { "f16", 0, 1 }, { "pow2", 1, 0 }, { "apot", 1, 1 },
};

int llm_parse_scales(const char *s, int *pow2, int *scale16)
{
	for (size_t i = 0; i < sizeof(scale_fmts) / sizeof(scale_fmts[0]); i++)
		if (!strcmp(s, scale_fmts[i].name)) {
			*pow2 = scale_fmts[i].pow2;
			*scale16 = scale_fmts[i].scale16;
			return 0;
		}
	return -EINVAL;
}

const char *llm_scales_name(int pow2, int scale16)
{
	for (size_t i = 0; i < sizeof(scale_fmts) / sizeof(scale_fmts[0]); i++)
		if (scale_fmts[i].pow2 == !!pow2 && scale_fmts[i].scale16 == !!scale16)
			return scale_fmts[i].name;
	return "?";
}

int llm_parse_mixed_planes(const char *s, double *mean)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || !(v >= 1.0 && v <= CSA_BCQ_MAX_PLANES))
		return -EINVAL;
	*mean = v;
	return 0;
}

int llm_parse_consmax_method(const char *s, enum llm_consmax_method *method)
{
	if (!strcmp(s, "max"))
		*method = LLM_CONSMAX_LSE_MAX;
	else if (!strcmp(s, "lse"))
		*method = LLM_CONSMAX_LSE_MEAN;
	else if (!strcmp(s, "sum"))
		*method = LLM_CONSMAX_SUM_MEAN;
	else
		return -EINVAL;
	return 0;
}

int llm_default_calib_seqs(const struct llm_model *m)
{
	uint64_t layer_weights = m->storage_floats -
		(uint64_t)m->cfg.vocab_size * m->cfg.dim * (m->cfg.shared_classifier ? 1 : 2);

	return layer_weights <= LLM_CALIB_AUTO_MAX_WEIGHTS ? LLM_CALIB_DEFAULT_SEQS :
	       LLM_CALIB_LARGE_SEQS;
}

int llm_packed_from_checkpoint(struct llm_packed *p, struct llm_model *fp32,
			       const char *path, const struct llm_quant_opts *q,
			       int consmax, enum llm_consmax_method method,
			       struct llm_err *e)
{
	struct llm_quant_opts opts = *q;
	struct llm_model m;
	int rc;

	memset(fp32, 0, sizeof(*fp32));
	rc = llm_model_load_any(&m, path, e);	/* llama2.c or GGUF */
	if (rc)
		return rc;
	if (opts.calib_seqs < 0)
		opts.calib_seqs = llm_default_calib_seqs(&m);
	rc = llm_model_load_any(fp32, path, e);
	if (rc) {
		llm_model_free(&m);
		return rc;
	}
	rc = llm_packed_from_model(p, &m, opts.bcq.planes ? &opts : NULL, e);
	llm_model_free(&m);
	if (!rc && consmax)
		rc = llm_packed_calibrate(p, fp32, method,
					  opts.calib_seqs > 0 ? opts.calib_seqs : 1,
					  opts.calib_len, opts.seed, e);
	if (rc) {
		llm_model_free(fp32);
		llm_packed_free(p);
	}
	return rc;
}
