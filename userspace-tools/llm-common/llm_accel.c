// SPDX-License-Identifier: MIT
#include "llm_accel.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csa/csa_device.h"
#include "llm_cpu.h"

#define ALIGN 256u

static uint64_t bump(uint64_t *cur, uint64_t bytes)
{
	uint64_t at = *cur;

	*cur = (at + bytes + ALIGN - 1) & ~(uint64_t)(ALIGN - 1);
	return at;
}

static int n_matrices(const struct llm_packed *p)
{
	return p->base.cfg.n_layers * LLM_LAYER_MATRICES +
	       (p->classifier_bcq || !p->base.cfg.shared_classifier);
}

static void matrix_at(const struct llm_packed *p, int i, int *layer, int *which)
{
	*layer = i / LLM_LAYER_MATRICES;
	*which = i % LLM_LAYER_MATRICES;
	if (i == p->base.cfg.n_layers * LLM_LAYER_MATRICES) {
		*layer = 0;
		*which = LLM_LAYER_MATRICES;
	}
}

/* Lays out every weight; returns the total, filling offsets if @a. */
static uint64_t layout_weights(const struct llm_packed *p, struct llm_accel *a)
{
	const struct llm_config *c = &p->base.cfg;
	uint64_t cur = 0, off;
	int hs = llm_head_size(c);

	off = bump(&cur, (uint64_t)c->vocab_size * c->dim * 4);
	if (a)
		a->off_embed = off;
	off = bump(&cur, (uint64_t)c->dim * 4);
	if (a)
		a->off_rms_final = off;
	off = bump(&cur, (uint64_t)c->seq_len * hs * 4);	/* [seq][hs/2][2] */
	if (a)
		a->off_rope = off;
	off = bump(&cur, p->consmax_tables ?
		   (uint64_t)c->n_layers * c->n_heads * CSA_CONSMAX_HEAD_BYTES : 0);
	if (a)
		a->off_consmax = off;
	for (int l = 0; l < c->n_layers; l++) {
		off = bump(&cur, (uint64_t)c->dim * 4);
		if (a)
			a->off_rms_att[l] = off;
		off = bump(&cur, (uint64_t)c->dim * 4);
		if (a)
			a->off_rms_ffn[l] = off;
	}
	for (int i = 0; i < n_matrices(p); i++) {
		int layer, which;
		uint32_t rows, cols;

		matrix_at(p, i, &layer, &which);
		llm_matrix_shape(c, which, &rows, &cols);
		if (p->planes && (which < LLM_LAYER_MATRICES || p->classifier_bcq)) {
			const struct llm_bcq_matrix *q = &p->bcq[i];

			off = bump(&cur, q->bits_bytes);
			if (a)
				a->off_mat[i] = off;
			off = bump(&cur, q->scale_bytes);
			if (a)
				a->off_scales[i] = off;
		} else {
			off = bump(&cur, (uint64_t)rows * cols * 4);
			if (a)
				a->off_mat[i] = off;
		}
	}
	return cur;
}

static uint64_t layout_act(const struct llm_config *c, struct llm_accel *a)
{
	uint64_t cur = 0, dim = c->dim * 4, kv = llm_kv_dim(c) * 4,
		 hid = c->hidden_dim * 4;
	struct llm_accel dummy;

	if (!a)
		a = &dummy;
	a->a_x = bump(&cur, dim);
	a->a_xb = bump(&cur, dim);
	a->a_xb2 = bump(&cur, dim);
	a->a_q = bump(&cur, dim);
	a->a_k = bump(&cur, kv);
	a->a_v = bump(&cur, kv);
	a->a_att = bump(&cur, dim);
	a->a_hb = bump(&cur, hid);
	a->a_hb2 = bump(&cur, hid);
	a->a_logits = bump(&cur, (uint64_t)c->vocab_size * 4);
	a->a_argmax = bump(&cur, 8);
	return cur;
}

static uint64_t round4k(uint64_t v)
{
	return (v + 4095) & ~4095ull;
}

static uint64_t kv_layer_bytes(const struct llm_config *c, uint32_t kv_flags)
{
	return round4k(csa_kv_bytes_elem(c->n_kv_heads, llm_head_size(c), c->seq_len,
					 csa_kv_elem_bytes(kv_flags)));
}

uint64_t llm_accel_act_bytes(const struct llm_config *c)
{
	return round4k(layout_act(c, NULL));
}

uint64_t llm_accel_kv_bytes(const struct llm_config *c, uint32_t kv_flags)
{
	return kv_layer_bytes(c, kv_flags) * c->n_layers;
}

uint32_t llm_accel_attention_flags(const struct llm_accel *a)
{
	return a->kv_flags |
	       (a->consmax == LLM_SOFTMAX_CONSMAX_NORM ? CSA_CMD_F_CONSMAX_NORM : 0);
}

uint64_t llm_accel_devmem_needed_kv(const struct llm_packed *p, int kv_f16)
{
	const struct llm_config *c = &p->base.cfg;

	return round4k(layout_weights(p, NULL)) + round4k(layout_act(c, NULL)) +
	       kv_layer_bytes(c, kv_f16 ? CSA_CMD_F_KV_F16 : 0) * c->n_layers;
}

uint64_t llm_accel_devmem_needed(const struct llm_packed *p)
{
	return llm_accel_devmem_needed_kv(p, 0);
}

int llm_accel_open_device(const char *spec, uint64_t needed,
			  struct accel_dev **dev, struct llm_err *e)
{
	struct accel_info info;
	char sim[64];
	int rc;

	rc = accel_open(spec, dev);
	if (rc)
		return llm_fail(e, rc, "cannot open device '%s': %s",
				spec ? spec : "(default)", accel_strerror(rc));
	rc = accel_query_info(*dev, &info);
	if (rc) {
		accel_close(*dev);
		return llm_fail(e, rc, "device info: %s", accel_strerror(rc));
	}
	if (info.devmem_size - info.devmem_used >= needed)
		return 0;
	/* An in-process device we chose by default or by plain "sim" may be
	 * grown; a named size or a real card may not. */
	if (strcmp(info.backend, "sim") || (spec && strchr(spec, ':'))) {
		accel_close(*dev);
		return llm_fail(e, -ENOMEM, "model needs %.1f MiB of device memory, %s has %.1f MiB free; use a larger sim:devmem=SIZE, fewer bits (--weights) or --cpu",
				needed / 1048576.0, info.path,
				(info.devmem_size - info.devmem_used) / 1048576.0);
	}
	accel_close(*dev);
	snprintf(sim, sizeof(sim), "sim:devmem=%lluM",
		 (unsigned long long)((needed + (64ull << 20) - 1) >> 26 << 6));
	rc = accel_open(sim, dev);
	if (rc)
		return llm_fail(e, rc, "cannot open device '%s': %s", sim,
				accel_strerror(rc));
	return 0;
}

static int upload(struct llm_accel *a, uint64_t off, const void *src,
		  uint64_t len, struct llm_err *e)
{
	int rc = len ? accel_upload(a->weights, off, src, len) : 0;

	return rc ? llm_fail(e, rc, "uploading weights: %s", accel_strerror(rc)) : 0;
}

static int upload_weights(struct llm_accel *a, struct llm_err *e)
{
	const struct llm_packed *p = a->p;
	const struct llm_model *m = &p->base;
	const struct llm_config *c = &m->cfg;
	int hs = llm_head_size(c), rc;
	float *rope;

	rc = upload(a, a->off_embed, m->token_embedding,
		    (uint64_t)c->vocab_size * c->dim * 4, e);
	if (!rc)
		rc = upload(a, a->off_rms_final, m->rms_final, c->dim * 4, e);
	if (!rc && a->consmax == LLM_SOFTMAX_CONSMAX_NORM) {
		size_t heads = (size_t)c->n_layers * c->n_heads;
		float *t = malloc(heads * CSA_CONSMAX_HEAD_BYTES);

		if (!t)
			return llm_fail(e, -ENOMEM, "out of memory");
		llm_consmax_tables(p->consmax, heads, LLM_SOFTMAX_CONSMAX_NORM, t);
		rc = upload(a, a->off_consmax, t, heads * CSA_CONSMAX_HEAD_BYTES, e);
		free(t);
	} else if (!rc && p->consmax_tables) {
		rc = upload(a, a->off_consmax, p->consmax_tables,
			    (uint64_t)c->n_layers * c->n_heads * CSA_CONSMAX_HEAD_BYTES, e);
	}
	for (int l = 0; !rc && l < c->n_layers; l++) {
		rc = upload(a, a->off_rms_att[l], m->layers[l].rms_att, c->dim * 4, e);
		if (!rc)
			rc = upload(a, a->off_rms_ffn[l], m->layers[l].rms_ffn, c->dim * 4, e);
	}
	for (int i = 0; !rc && i < n_matrices(p); i++) {
		int layer, which;
		uint32_t rows, cols;

		matrix_at(p, i, &layer, &which);
		llm_matrix_shape(c, which, &rows, &cols);
		if (p->planes && (which < LLM_LAYER_MATRICES || p->classifier_bcq)) {
			rc = upload(a, a->off_mat[i], p->bcq[i].bits, p->bcq[i].bits_bytes, e);
			if (!rc)
				rc = upload(a, a->off_scales[i], p->bcq[i].scales,
					    p->bcq[i].scale_bytes, e);
		} else {
			rc = upload(a, a->off_mat[i],
				    llm_matrix_f32((struct llm_model *)m, layer, which),
				    (uint64_t)rows * cols * 4, e);
		}
	}
	if (rc)
		return rc;
	/* RoPE table computed on the host exactly as the CPU reference does */
	rope = malloc((size_t)c->seq_len * hs * sizeof(float));
	if (!rope)
		return llm_fail(e, -ENOMEM, "out of memory");
	for (int t = 0; t < c->seq_len; t++)
		for (int i = 0; i < hs / 2; i++)
			llm_rope_cos_sin(t, i, hs, &rope[((size_t)t * hs / 2 + i) * 2],
					 &rope[((size_t)t * hs / 2 + i) * 2 + 1]);
	rc = upload(a, a->off_rope, rope, (uint64_t)c->seq_len * hs * 4, e);
	free(rope);
	return rc;
}

int llm_accel_init(struct llm_accel *a, struct accel_dev *dev,
		   const struct llm_packed *p, int consmax, struct llm_err *e)
{
	return llm_accel_init_kv(a, dev, p, consmax, 0, e);
}

int llm_accel_init_kv(struct llm_accel *a, struct accel_dev *dev,
		      const struct llm_packed *p, int consmax, int kv_f16,
		      struct llm_err *e)
{
	const struct llm_config *c = &p->base.cfg;
	uint64_t wbytes, abytes, kvbytes;
	int nm = n_matrices(p), rc;

	memset(a, 0, sizeof(*a));
	a->dev = dev;
	a->p = p;
	a->consmax = consmax;
	a->kv_flags = kv_f16 ? CSA_CMD_F_KV_F16 : 0;
	if (consmax && (!p->consmax_tables || !p->consmax))
		return llm_fail(e, -EINVAL, "ConSmax requested but the model has no calibrated tables");
	{	/* name the dimension, the limit and the way out */
		const struct { const char *name; int v; unsigned int max; } lim[] = {
			{ "dim", c->dim, CSA_MATVEC_MAX },
			{ "hidden_dim", c->hidden_dim, CSA_MATVEC_MAX },
			{ "vocab_size", c->vocab_size, CSA_MATVEC_MAX },
			{ "seq_len", c->seq_len, CSA_SEQ_MAX },
			{ "n_heads", c->n_heads, CSA_HEADS_MAX },
			{ "head_size", llm_head_size(c), CSA_HEAD_DIM_MAX },
		};

		for (size_t i = 0; i < sizeof(lim) / sizeof(lim[0]); i++)
			if (lim[i].v > (int)lim[i].max)
				return llm_fail(e, -EINVAL, "model %s %d exceeds the device's limit %u; run it with --cpu",
						lim[i].name, lim[i].v, lim[i].max);
	}
	a->off_rms_att = calloc(c->n_layers, sizeof(uint64_t));
	a->off_rms_ffn = calloc(c->n_layers, sizeof(uint64_t));
	a->off_mat = calloc(nm, sizeof(uint64_t));
	a->off_scales = calloc(nm, sizeof(uint64_t));
	if (!a->off_rms_att || !a->off_rms_ffn || !a->off_mat || !a->off_scales) {
		llm_accel_free(a);
		return llm_fail(e, -ENOMEM, "out of memory");
	}
	wbytes = layout_weights(p, a);
	abytes = layout_act(c, a);
	a->kv_layer_bytes = kv_layer_bytes(c, a->kv_flags);
	kvbytes = a->kv_layer_bytes * c->n_layers;
	rc = accel_bo_alloc(dev, wbytes, ACCEL_MEM_DEVICE, &a->weights);
	if (!rc)
		rc = accel_bo_alloc(dev, kvbytes, ACCEL_MEM_DEVICE, &a->kv);
	if (!rc)
		rc = accel_bo_alloc(dev, abytes, ACCEL_MEM_DEVICE, &a->act);
	if (!rc)
		rc = accel_bo_alloc(dev, (uint64_t)c->vocab_size * 4 + 8, ACCEL_MEM_HOST, &a->host);
	if (!rc)
		rc = accel_bo_map(a->host, &a->host_map);
	if (!rc)
		rc = accel_cmdlist_create(dev, &a->cl);
	if (rc) {
		llm_accel_free(a);
		return llm_fail(e, rc, "allocating %llu MiB of device memory: %s",
				(unsigned long long)((wbytes + kvbytes + abytes) >> 20),
				accel_strerror(rc));
	}
	a->device_bytes = accel_bo_size(a->weights) + accel_bo_size(a->kv) +
			  accel_bo_size(a->act);
	rc = upload_weights(a, e);
	if (rc)
		llm_accel_free(a);
	return rc;
}

void llm_accel_free(struct llm_accel *a)
{
	accel_cmdlist_destroy(a->cl);
	if (a->host_map)
		accel_bo_unmap(a->host);
	accel_bo_free(a->host);
	accel_bo_free(a->act);
	accel_bo_free(a->kv);
	accel_bo_free(a->weights);
	free(a->off_rms_att);
	free(a->off_rms_ffn);
	free(a->off_mat);
	free(a->off_scales);
	memset(a, 0, sizeof(*a));
}

/* y[rows] = W x through the f32 or the shift-add engine. */
static int matvec(struct llm_accel *a, struct accel_cmdlist *cl,
		  struct accel_bo *act, uint64_t ab, int i, uint64_t x, uint64_t y)
{
	const struct llm_packed *p = a->p;
	int layer, which;
	uint32_t rows, cols;

	matrix_at(p, i, &layer, &which);
	llm_matrix_shape(&p->base.cfg, which, &rows, &cols);
	if (p->planes && (which < LLM_LAYER_MATRICES || p->classifier_bcq))
		return accel_cmd_matvec_bcq_flags(cl, ACCEL_REF(act, ab + x),
						  ACCEL_REF(a->weights, a->off_mat[i]),
						  ACCEL_REF(a->weights, a->off_scales[i]),
						  ACCEL_REF(act, ab + y), cols, rows,
						  p->bcq[i].planes, p->bcq[i].group,
						  llm_bcq_flags(&p->bcq[i]));
	return accel_cmd_matvec_f32(cl, ACCEL_REF(act, ab + x),
				    ACCEL_REF(a->weights, a->off_mat[i]),
				    ACCEL_REF(act, ab + y), cols, rows);
}

int llm_accel_append_token(struct llm_accel *a, struct accel_cmdlist *cl,
			   const struct llm_token_io *io, int token, int pos,
			   int want_logits)
{
	const struct llm_config *c = &a->p->base.cfg;
	struct accel_bo *act = io->act, *w = a->weights;
	uint64_t ab = io->act_base;
	uint32_t dim = c->dim, hid = c->hidden_dim, hs = llm_head_size(c);
	uint32_t seq = c->seq_len, nh = c->n_heads, nkv = c->n_kv_heads;
	float scale = 1.0f / sqrtf((float)hs);
	int cls = a->p->classifier_bcq || !c->shared_classifier ?
		  c->n_layers * LLM_LAYER_MATRICES : -1;
	int rc;

#define A(off) ACCEL_REF(act, ab + (off))
#define TRY(x) do { rc = (x); if (rc) return rc; } while (0)
	TRY(accel_cmd_embed(cl, ACCEL_REF(w, a->off_embed), c->vocab_size, dim,
			    token, A(a->a_x)));
	for (int l = 0; l < c->n_layers; l++) {
		int m0 = l * LLM_LAYER_MATRICES;
		struct accel_ref kv = ACCEL_REF(io->kv, a->kv_layer_bytes * l);
		struct accel_ref table = a->consmax ?
			ACCEL_REF(w, a->off_consmax + (uint64_t)l * nh * CSA_CONSMAX_HEAD_BYTES) :
			ACCEL_NO_REF;

		TRY(accel_cmd_rmsnorm(cl, A(a->a_x), ACCEL_REF(w, a->off_rms_att[l]),
				      A(a->a_xb), dim, 1e-5f));
		TRY(matvec(a, cl, act, ab, m0 + LLM_WQ, a->a_xb, a->a_q));
		TRY(matvec(a, cl, act, ab, m0 + LLM_WK, a->a_xb, a->a_k));
		TRY(matvec(a, cl, act, ab, m0 + LLM_WV, a->a_xb, a->a_v));
		TRY(accel_cmd_rope(cl, A(a->a_q), ACCEL_REF(w, a->off_rope), nh, hs, pos, seq));
		TRY(accel_cmd_rope(cl, A(a->a_k), ACCEL_REF(w, a->off_rope), nkv, hs, pos, seq));
		TRY(accel_cmd_kv_append_flags(cl, A(a->a_k), A(a->a_v), kv, nkv, hs,
					      pos, seq, a->kv_flags));
		TRY(accel_cmd_attention_flags(cl, A(a->a_q), kv, A(a->a_att), table,
					      nh, nkv, hs, pos + 1, seq, scale,
					      llm_accel_attention_flags(a)));
		TRY(matvec(a, cl, act, ab, m0 + LLM_WO, a->a_att, a->a_xb2));
		TRY(accel_cmd_add(cl, A(a->a_x), A(a->a_xb2), A(a->a_x), dim));
		TRY(accel_cmd_rmsnorm(cl, A(a->a_x), ACCEL_REF(w, a->off_rms_ffn[l]),
				      A(a->a_xb), dim, 1e-5f));
		TRY(matvec(a, cl, act, ab, m0 + LLM_W1, a->a_xb, a->a_hb));
		TRY(matvec(a, cl, act, ab, m0 + LLM_W3, a->a_xb, a->a_hb2));
		TRY(accel_cmd_silu_mul(cl, A(a->a_hb), A(a->a_hb2), A(a->a_hb), hid));
		TRY(matvec(a, cl, act, ab, m0 + LLM_W2, a->a_hb, a->a_xb));
		TRY(accel_cmd_add(cl, A(a->a_x), A(a->a_xb), A(a->a_x), dim));
	}
	TRY(accel_cmd_rmsnorm(cl, A(a->a_x), ACCEL_REF(w, a->off_rms_final),
			      A(a->a_xb), dim, 1e-5f));
	if (cls >= 0)
		TRY(matvec(a, cl, act, ab, cls, a->a_xb, a->a_logits));
	else
		TRY(accel_cmd_matvec_f32(cl, A(a->a_xb), ACCEL_REF(w, a->off_embed),
					 A(a->a_logits), dim, c->vocab_size));
	if (want_logits)
		TRY(accel_cmd_dma_d2h(cl, A(a->a_logits), ACCEL_REF(io->host, io->host_off),
				      c->vocab_size * 4));
	else {
		TRY(accel_cmd_argmax(cl, A(a->a_logits), A(a->a_argmax), c->vocab_size));
		TRY(accel_cmd_dma_d2h(cl, A(a->a_argmax),
				      ACCEL_REF(io->host, io->host_off + (uint64_t)c->vocab_size * 4), 8));
	}
#undef TRY
#undef A
	return 0;
}

int llm_accel_forward(struct llm_accel *a, int token, int pos, float *logits,
		      int *next, struct llm_err *e)
{
	const struct llm_config *c = &a->p->base.cfg;
	const struct llm_token_io io = { a->act, 0, a->kv, a->host, 0 };
	struct accel_status st;
	int rc;

	if (token < 0 || token >= c->vocab_size || pos < 0 || pos >= c->seq_len)
		return llm_fail(e, -EINVAL, "token %d / position %d out of range", token, pos);
	accel_cmdlist_reset(a->cl);
	rc = llm_accel_append_token(a, a->cl, &io, token, pos, logits != NULL);
	if (rc)
		return llm_fail(e, rc, "building the command list: %s", accel_strerror(rc));
	rc = accel_submit_wait(a->cl, ACCEL_WAIT_FOREVER, &st);
	if (rc == -EIO)
		return llm_fail(e, rc, "device: command %u failed with %s", st.failed_index,
				accel_status_name(st.status));
	if (rc)
		return llm_fail(e, rc, "submit: %s", accel_strerror(rc));
	a->last_cycles = st.cycles;
	a->total_cycles += st.cycles;
	a->submits++;
	if (logits) {
		memcpy(logits, a->host_map, (size_t)c->vocab_size * 4);
	} else {
		uint32_t idx;

		memcpy(&idx, (const uint8_t *)a->host_map + (size_t)c->vocab_size * 4, 4);
		if (idx >= (uint32_t)c->vocab_size)
			return llm_fail(e, -EIO, "device argmax %u out of range", idx);
		*next = (int)idx;
	}
	return 0;
}
