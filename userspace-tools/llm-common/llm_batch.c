// SPDX-License-Identifier: MIT
#include "llm_batch.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "csa/csa_device.h"

int llm_seq_init(struct llm_batch *b, struct llm_seq *s, struct llm_err *e)
{
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < b->max; i++) {
		if (b->slot_used[i])
			continue;
		b->slot_used[i] = 1;
		s->batch = b;
		s->slot = i;
		return 0;
	}
	return llm_fail(e, -ENOSPC, "no free KV cache: the batch holds %d sequences", b->max);
}

void llm_seq_free(struct llm_seq *s)
{
	if (s->batch)
		s->batch->slot_used[s->slot] = 0;
	memset(s, 0, sizeof(*s));
}

/* Cache of sequence slot @slot for layer @l in the pool: the device's
 * layout (commands.md 5.14), caches of exactly csa_kv_bytes_elem() bytes
 * back to back. */
static struct accel_ref kv_cache(const struct llm_batch *b, int l, int slot)
{
	return ACCEL_REF(b->kv, b->kv_pool_bytes * l + b->kv_cache_bytes * slot);
}

/* Commands of one token of the single-sequence graph (a statistic). */
static void measure_token(struct llm_batch *b)
{
	const struct llm_token_io io = { b->act, 0, b->a->kv, b->host, 0 };

	accel_cmdlist_reset(b->cl);
	if (!llm_accel_append_token(b->a, b->cl, &io, 0, 0, 0))
		b->token_cmds = accel_cmdlist_count(b->cl);
	accel_cmdlist_reset(b->cl);
}

/* One array per tensor (see enum llm_batch_tensor); returns the bytes. */
static uint64_t layout(struct llm_batch *b, const struct llm_config *c)
{
	uint64_t dim = (uint64_t)c->dim * 4, kv = (uint64_t)llm_kv_dim(c) * 4,
		 hid = (uint64_t)c->hidden_dim * 4, cur = 0;
	const uint64_t size[LLM_T_COUNT] = {
		[LLM_T_X] = dim, [LLM_T_XB] = dim, [LLM_T_XB2] = dim, [LLM_T_Q] = dim,
		[LLM_T_K] = kv, [LLM_T_V] = kv, [LLM_T_ATT] = dim, [LLM_T_HB] = hid,
		[LLM_T_HB2] = hid, [LLM_T_LOGITS] = (uint64_t)c->vocab_size * 4,
		[LLM_T_ARGMAX] = 8, [LLM_T_KV_TABLE] = sizeof(struct accel_kv_entry),
	};

	for (int t = 0; t < LLM_T_COUNT; t++) {
		b->size[t] = size[t];
		b->off[t] = cur;
		cur = (cur + size[t] * b->max + 255) & ~255ull;
	}
	return cur;
}

int llm_batch_init(struct llm_batch *b, struct llm_accel *a, int max_batch,
		   struct llm_err *e)
{
	const struct llm_config *c = &a->p->base.cfg;
	struct accel_info info;
	uint64_t act;
	int rc;

	memset(b, 0, sizeof(*b));
	b->a = a;
	if (max_batch < 1 || max_batch > LLM_BATCH_MAX)
		return llm_fail(e, -EINVAL, "batch size %d outside 1..%d", max_batch,
				LLM_BATCH_MAX);
	b->max = max_batch;
	act = layout(b, c);
	b->host_stride = ((uint64_t)c->vocab_size * 4 + 8 + 63) & ~63ull;
	b->host_table = b->host_stride * max_batch;
	b->kv_cache_bytes = csa_kv_bytes_elem((uint32_t)c->n_kv_heads, (uint32_t)llm_head_size(c),
					      (uint32_t)c->seq_len, csa_kv_elem_bytes(a->kv_flags));
	b->kv_pool_bytes = b->kv_cache_bytes * max_batch;
	rc = accel_query_info(a->dev, &info);
	if (!rc)
		rc = accel_bo_alloc(a->dev, act, ACCEL_MEM_DEVICE, &b->act);
	if (!rc)
		rc = accel_bo_alloc(a->dev, b->kv_pool_bytes * c->n_layers, ACCEL_MEM_DEVICE,
				    &b->kv);
	if (!rc)
		rc = accel_bo_alloc(a->dev, b->host_table + b->size[LLM_T_KV_TABLE] * max_batch,
				    ACCEL_MEM_HOST, &b->host);
	if (!rc)
		rc = accel_bo_map(b->host, &b->host_map);
	if (!rc)
		rc = accel_cmdlist_create(a->dev, &b->cl);
	if (rc) {
		llm_batch_free(b);
		return llm_fail(e, rc, "batch of %d: %s", max_batch, accel_strerror(rc));
	}
	b->list_limit = info.max_cmds && info.max_cmds < CSA_SUBMIT_MAX_CMDS ?
			info.max_cmds : CSA_SUBMIT_MAX_CMDS;
	b->batched_matvec = !!(info.capabilities & CSA_CAP_BCQ_BATCH);
	b->batched_kv = !!(info.capabilities & CSA_CAP_KV_BATCH);
	b->batched_f32 = !!(info.capabilities & CSA_CAP_F32_BATCH);
	b->dep_queues = !!(info.capabilities & CSA_CAP_DEP_QUEUES);
	/* the card's board as GET_INFO reports it, for the "auto" schedule */
	b->board = (struct csa_cycle_params){
		.clock_khz = info.clock_khz, .dram_mbps = info.dram_mbps,
		.bcq_lanes = info.bcq_lanes, .pim_banks = info.pim_banks,
		.pim_macs = info.pim_macs_per_bank, .vec_lanes = info.vec_lanes,
		.pcie_mbps = info.pcie_mbps, .board = info.board_id,
		.mem_channels = info.mem_channels, .mem_peak_mbps = info.mem_peak_mbps,
	};
	bp_model_from_packed(&b->model, a->p, a->consmax);
	b->model.kv_flags = a->kv_flags;
	measure_token(b);
	return 0;
}

void llm_batch_free(struct llm_batch *b)
{
	accel_cmdlist_destroy(b->cl);
	if (b->host_map)
		accel_bo_unmap(b->host);
	accel_bo_free(b->host);
	accel_bo_free(b->kv);
	accel_bo_free(b->act);
	free(b->fences);
	memset(b, 0, sizeof(*b));
}

static int check_step(const struct llm_batch *b, struct llm_seq *const *seqs,
		      const int *tokens, int n, struct llm_err *e)
{
	const struct llm_config *c = &b->a->p->base.cfg;

	if (n < 1 || n > b->max)
		return llm_fail(e, -EINVAL, "step of %d sequences (batch holds %d)", n, b->max);
	for (int i = 0; i < n; i++) {
		if (!seqs[i] || seqs[i]->batch != b)
			return llm_fail(e, -EINVAL, "sequence %d has no KV cache in this batch", i);
		if (tokens[i] < 0 || tokens[i] >= c->vocab_size || seqs[i]->pos < 0 ||
		    seqs[i]->pos >= c->seq_len)
			return llm_fail(e, -EINVAL, "sequence %d: token %d / position %d out of range",
					i, tokens[i], seqs[i]->pos);
		for (int j = 0; j < i; j++)
			if (seqs[j] == seqs[i])
				return llm_fail(e, -EINVAL, "sequence %d given twice", i);
	}
	return 0;
}

/* Submits the list built so far. */
static int flush_list(struct llm_batch *b)
{
	int rc;

	if (!accel_cmdlist_count(b->cl))
		return 0;
	if (b->nf == b->fences_cap) {
		int cap = b->fences_cap ? b->fences_cap * 2 : 8;
		uint64_t *f = realloc(b->fences, cap * sizeof(*f));

		if (!f)
			return -ENOMEM;
		b->fences = f;
		b->fences_cap = cap;
	}
	rc = accel_submit(b->cl, &b->fences[b->nf]);
	b->list_base += accel_cmdlist_count(b->cl);
	accel_cmdlist_reset(b->cl);
	if (rc)
		return rc;
	b->nf++;
	b->submits++;
	return 0;
}

/* Room for one more command: a full list is submitted first. */
static int room(struct llm_batch *b)
{
	return accel_cmdlist_count(b->cl) >= b->list_limit ? flush_list(b) : 0;
}

/* Waits for every submitted list, even after a failure, so no list of this
 * step is still running when we return. */
static int wait_lists(struct llm_batch *b, uint64_t *cycles, struct llm_err *e)
{
	int first = 0;

	*cycles = 0;
	for (int i = 0; i < b->nf; i++) {
		struct accel_status st;
		int rc = accel_wait(b->a->dev, b->fences[i], ACCEL_WAIT_FOREVER, &st);

		if (!rc && st.status != CSA_STATUS_OK)
			rc = -EIO;
		if (rc && !first)
			first = rc == -EIO ?
				llm_fail(e, rc, "device: command %u of list %d failed with %s",
					 st.failed_index, i, accel_status_name(st.status)) :
				llm_fail(e, rc, "wait: %s", accel_strerror(rc));
		if (!rc)
			*cycles += st.cycles;
	}
	b->nf = 0;
	return first;
}

/* The step being built: which sequences; a part of it (a sub-batch) is
 * the n of them from step position first on. */
struct step {
	struct llm_batch *b;
	struct llm_seq *const *seqs;
	const int *tokens;
	int first, n;
	float *const *logits;
};

static struct accel_ref act(const struct step *s, enum llm_batch_tensor t, int i)
{
	return ACCEL_REF(s->b->act, s->b->off[t] + s->b->size[t] * (uint64_t)(s->first + i));
}

static const struct llm_seq *seq_of(const struct step *s, int i)
{
	return s->seqs[s->first + i];
}

/* KV append and attention through the step's table: on a card with the
 * _BATCH commands, for two sequences or more of a (sub-)batch (one alone
 * costs less as the single commands, which need no table). */
static int kv_batched(const struct step *s)
{
	return s->b->batched_kv && s->n >= 2;
}

/* The command just added to the list waits for the step's command @on
 * (a step-wide index) when one is pending (after()): inside its list, or
 * for nothing beyond its queue when @on lies in an earlier list (that
 * list's job ended before this one began, device-spec.md 3.6).  Beyond
 * ACCEL_DEP_MAX it keeps the default, the command before it, which on the
 * attention queue ends after @on: later, still correct. */
static int added(struct llm_batch *b)
{
	uint32_t idx = accel_cmdlist_count(b->cl) - 1;
	uint64_t on = b->dep_on;

	if (!b->dep_pending)
		return 0;
	b->dep_pending = 0;
	if (on != LLM_NO_DEP && on < b->list_base)
		b->deps_cut++;
	if (on == LLM_NO_DEP || on < b->list_base)
		return accel_cmd_after(b->cl, idx, ACCEL_DEP_NONE);
	if (b->list_base + idx - on > ACCEL_DEP_MAX)
		return 0;
	return accel_cmd_after(b->cl, idx, (uint32_t)(on - b->list_base));
}

/* The next command waits for the step's command @on (LLM_NO_DEP: nothing
 * beyond its queue's order) instead of the one before it. */
static void after(struct llm_batch *b, uint64_t on)
{
	b->dep_pending = 1;
	b->dep_on = on;
}

/* The step-wide index of the last command added. */
static uint64_t last_index(const struct llm_batch *b)
{
	return b->list_base + accel_cmdlist_count(b->cl) - 1;
}

#define EMIT(x) do { rc = room(s->b); if (!rc) rc = (x); if (!rc) rc = added(s->b); \
		     if (rc) return rc; } while (0)

/* y = W x for every sequence: matrix @i of the packed model (or the
 * embedding table as the shared f32 classifier when i < 0). */
static int matvec_all(const struct step *s, int i, enum llm_batch_tensor x,
		      enum llm_batch_tensor y)
{
	const struct llm_accel *a = s->b->a;
	const struct llm_packed *p = a->p;
	const struct llm_config *c = &p->base.cfg;
	int which = i < 0 ? LLM_LAYER_MATRICES : i == c->n_layers * LLM_LAYER_MATRICES ?
		    LLM_LAYER_MATRICES : i % LLM_LAYER_MATRICES;
	uint32_t rows, cols;
	int rc;

	if (which == LLM_LAYER_MATRICES) {
		rows = (uint32_t)c->vocab_size;
		cols = (uint32_t)c->dim;
	} else {
		llm_matrix_shape(c, which, &rows, &cols);
	}
	if (i >= 0 && p->planes && (which < LLM_LAYER_MATRICES || p->classifier_bcq)) {
		const struct llm_bcq_matrix *q = &p->bcq[i];

		if (!s->b->batched_matvec) {
			for (int j = 0; j < s->n; j++)
				EMIT(accel_cmd_matvec_bcq_flags(s->b->cl, act(s, x, j),
								ACCEL_REF(a->weights, a->off_mat[i]),
								ACCEL_REF(a->weights, a->off_scales[i]),
								act(s, y, j), cols, rows, q->planes,
								q->group, llm_bcq_flags(q)));
			return 0;
		}
		/* the weights once per CSA_BATCH_MAX vectors */
		for (int j = 0; j < s->n; j += CSA_BATCH_MAX) {
			uint32_t nb = (uint32_t)(s->n - j < (int)CSA_BATCH_MAX ?
						 s->n - j : (int)CSA_BATCH_MAX);

			EMIT(accel_cmd_matvec_bcq_batch(s->b->cl, act(s, x, j),
							ACCEL_REF(a->weights, a->off_mat[i]),
							ACCEL_REF(a->weights, a->off_scales[i]),
							act(s, y, j), cols, rows, q->planes,
							q->group, llm_bcq_flags(q), nb));
		}
		return 0;
	}
	/* f32 weights (the shared classifier too): the matrix once per
	 * CSA_BATCH_MAX vectors (fewer where B * rows * cols would pass the
	 * largest single MATVEC_F32's), or one MATVEC_F32 per sequence */
	for (int j = 0, nb; s->b->batched_f32 && j < s->n; j += nb) {
		uint64_t most = (uint64_t)CSA_MATVEC_MAX * CSA_MATVEC_MAX / ((uint64_t)rows * cols);

		nb = s->n - j < (int)CSA_BATCH_MAX ? s->n - j : (int)CSA_BATCH_MAX;
		if ((uint64_t)nb > most)
			nb = (int)most;
		EMIT(accel_cmd_matvec_f32_batch(s->b->cl, act(s, x, j),
						ACCEL_REF(a->weights, i < 0 ? a->off_embed :
							  a->off_mat[i]),
						act(s, y, j), cols, rows, (uint32_t)nb));
	}
	for (int j = 0; !s->b->batched_f32 && j < s->n; j++)
		EMIT(accel_cmd_matvec_f32(s->b->cl, act(s, x, j),
					  ACCEL_REF(a->weights, i < 0 ? a->off_embed : a->off_mat[i]),
					  act(s, y, j), cols, rows));
	return 0;
}

/* Layer @l before attention (RMSNorm, Q K V, RoPE): the vector queue. */
static int layer_pre(const struct step *s, int l)
{
	const struct llm_accel *a = s->b->a;
	const struct llm_config *c = &a->p->base.cfg;
	struct accel_bo *w = a->weights;
	struct accel_cmdlist *cl = s->b->cl;
	uint32_t hs = llm_head_size(c);
	int m0 = l * LLM_LAYER_MATRICES, rc;

	for (int i = 0; i < s->n; i++)
		EMIT(accel_cmd_rmsnorm(cl, act(s, LLM_T_X, i), ACCEL_REF(w, a->off_rms_att[l]),
				       act(s, LLM_T_XB, i), c->dim, 1e-5f));
	rc = matvec_all(s, m0 + LLM_WQ, LLM_T_XB, LLM_T_Q);
	if (!rc)
		rc = matvec_all(s, m0 + LLM_WK, LLM_T_XB, LLM_T_K);
	if (!rc)
		rc = matvec_all(s, m0 + LLM_WV, LLM_T_XB, LLM_T_V);
	if (rc)
		return rc;
	for (int i = 0; i < s->n; i++) {
		uint32_t pos = (uint32_t)seq_of(s, i)->pos;

		EMIT(accel_cmd_rope(cl, act(s, LLM_T_Q, i), ACCEL_REF(w, a->off_rope), c->n_heads,
				    hs, pos, c->seq_len));
		EMIT(accel_cmd_rope(cl, act(s, LLM_T_K, i), ACCEL_REF(w, a->off_rope),
				    c->n_kv_heads, hs, pos, c->seq_len));
	}
	return 0;
}

/* Layer @l's KV append and attention: the attention queue. */
static int layer_attn(const struct step *s, int l)
{
	const struct llm_accel *a = s->b->a;
	const struct llm_config *c = &a->p->base.cfg;
	struct accel_cmdlist *cl = s->b->cl;
	uint32_t hs = llm_head_size(c);
	uint32_t seq = c->seq_len, nh = c->n_heads, nkv = c->n_kv_heads;
	float scale = 1.0f / sqrtf((float)hs);
	struct accel_ref table = a->consmax ?
		ACCEL_REF(a->weights, a->off_consmax + (uint64_t)l * nh * CSA_CONSMAX_HEAD_BYTES) :
		ACCEL_NO_REF;
	int rc;

	for (int i = 0; !kv_batched(s) && i < s->n; i++) {
		uint32_t pos = (uint32_t)seq_of(s, i)->pos;

		EMIT(accel_cmd_kv_append_flags(cl, act(s, LLM_T_K, i), act(s, LLM_T_V, i),
					       kv_cache(s->b, l, seq_of(s, i)->slot), nkv, hs,
					       pos, seq, a->kv_flags));
		EMIT(accel_cmd_attention_flags(cl, act(s, LLM_T_Q, i),
					       kv_cache(s->b, l, seq_of(s, i)->slot),
					       act(s, LLM_T_ATT, i), table, nh, nkv, hs, pos + 1,
					       seq, scale, llm_accel_attention_flags(a)));
	}
	/* every sequence's append and attention through the step's table:
	 * one command each per CSA_BATCH_MAX sequences, or fewer where their
	 * attention work would pass CSA_ATTN_BATCH_WORK_MAX */
	for (int j = 0, nb; kv_batched(s) && j < s->n; j += nb) {
		struct accel_ref pool = kv_cache(s->b, l, 0);
		uint64_t work = 0;

		for (nb = 0; j + nb < s->n && nb < (int)CSA_BATCH_MAX; nb++) {
			uint64_t w = (uint64_t)(seq_of(s, j + nb)->pos + 1) * nh * hs;

			if (nb && work + w > CSA_ATTN_BATCH_WORK_MAX)
				break;
			work += w;
		}

		EMIT(accel_cmd_kv_append_batch(cl, act(s, LLM_T_K, j), act(s, LLM_T_V, j), pool,
					       act(s, LLM_T_KV_TABLE, j), nkv, hs, seq,
					       (uint32_t)s->b->max, (uint32_t)nb, a->kv_flags));
		EMIT(accel_cmd_attention_batch(cl, act(s, LLM_T_Q, j), pool, act(s, LLM_T_ATT, j),
					       table, act(s, LLM_T_KV_TABLE, j), nh, nkv, hs, seq,
					       (uint32_t)s->b->max, (uint32_t)nb, scale,
					       llm_accel_attention_flags(a)));
	}
	return 0;
}

/* Layer @l after attention (output projection, residual, FFN): the vector
 * queue. */
static int layer_post(const struct step *s, int l)
{
	const struct llm_accel *a = s->b->a;
	const struct llm_config *c = &a->p->base.cfg;
	struct accel_bo *w = a->weights;
	struct accel_cmdlist *cl = s->b->cl;
	uint32_t dim = c->dim, hid = c->hidden_dim;
	int m0 = l * LLM_LAYER_MATRICES, rc;

	rc = matvec_all(s, m0 + LLM_WO, LLM_T_ATT, LLM_T_XB2);
	if (rc)
		return rc;
	for (int i = 0; i < s->n; i++) {
		EMIT(accel_cmd_add(cl, act(s, LLM_T_X, i), act(s, LLM_T_XB2, i),
				   act(s, LLM_T_X, i), dim));
		EMIT(accel_cmd_rmsnorm(cl, act(s, LLM_T_X, i), ACCEL_REF(w, a->off_rms_ffn[l]),
				       act(s, LLM_T_XB, i), dim, 1e-5f));
	}
	rc = matvec_all(s, m0 + LLM_W1, LLM_T_XB, LLM_T_HB);
	if (!rc)
		rc = matvec_all(s, m0 + LLM_W3, LLM_T_XB, LLM_T_HB2);
	if (rc)
		return rc;
	for (int i = 0; i < s->n; i++)
		EMIT(accel_cmd_silu_mul(cl, act(s, LLM_T_HB, i), act(s, LLM_T_HB2, i),
					act(s, LLM_T_HB, i), hid));
	rc = matvec_all(s, m0 + LLM_W2, LLM_T_HB, LLM_T_XB);
	if (rc)
		return rc;
	for (int i = 0; i < s->n; i++)
		EMIT(accel_cmd_add(cl, act(s, LLM_T_X, i), act(s, LLM_T_XB, i),
				   act(s, LLM_T_X, i), dim));
	return 0;
}

/* The step's (slot, len) table, written by the host for all its
 * sequences and sent by one DMA of the @entries first (the sequences of
 * the parts that read it; none: no DMA). */
static int step_table(const struct step *s, int entries)
{
	uint8_t *tab = (uint8_t *)s->b->host_map + s->b->host_table;
	int rc;

	if (!entries)
		return 0;
	for (int i = 0; i < s->n; i++) {
		struct accel_kv_entry en = { (uint32_t)seq_of(s, i)->slot,
					     (uint32_t)seq_of(s, i)->pos + 1 };

		memcpy(tab + sizeof(en) * i, &en, sizeof(en));
	}
	EMIT(accel_cmd_dma_h2d(s->b->cl, ACCEL_REF(s->b->host, s->b->host_table),
			       act(s, LLM_T_KV_TABLE, 0),
			       (uint32_t)(sizeof(struct accel_kv_entry) * entries)));
	return 0;
}

static int step_head(const struct step *s)
{
	const struct llm_accel *a = s->b->a;
	const struct llm_config *c = &a->p->base.cfg;
	int rc;

	for (int i = 0; i < s->n; i++)
		EMIT(accel_cmd_embed(s->b->cl, ACCEL_REF(a->weights, a->off_embed), c->vocab_size,
				     c->dim, s->tokens[s->first + i], act(s, LLM_T_X, i)));
	return 0;
}

/* Final norm, classifier, and the logits or the device's argmax to the
 * host. */
static int step_tail(const struct step *s)
{
	const struct llm_accel *a = s->b->a;
	const struct llm_packed *p = a->p;
	const struct llm_config *c = &p->base.cfg;
	struct accel_cmdlist *cl = s->b->cl;
	int cls = p->classifier_bcq || !c->shared_classifier ?
		  c->n_layers * LLM_LAYER_MATRICES : -1;
	int rc;

	for (int i = 0; i < s->n; i++)
		EMIT(accel_cmd_rmsnorm(cl, act(s, LLM_T_X, i), ACCEL_REF(a->weights, a->off_rms_final),
				       act(s, LLM_T_XB, i), c->dim, 1e-5f));
	rc = matvec_all(s, cls, LLM_T_XB, LLM_T_LOGITS);
	if (rc)
		return rc;
	for (int i = 0; i < s->n; i++) {
		uint64_t slot = s->b->host_stride * (uint64_t)(s->first + i);

		if (s->logits && s->logits[s->first + i]) {
			EMIT(accel_cmd_dma_d2h(cl, act(s, LLM_T_LOGITS, i),
					       ACCEL_REF(s->b->host, slot), c->vocab_size * 4));
		} else {
			EMIT(accel_cmd_argmax(cl, act(s, LLM_T_LOGITS, i), act(s, LLM_T_ARGMAX, i),
					      c->vocab_size));
			EMIT(accel_cmd_dma_d2h(cl, act(s, LLM_T_ARGMAX, i),
					       ACCEL_REF(s->b->host, slot + (uint64_t)c->vocab_size * 4),
					       8));
		}
	}
	return 0;
}

/* The whole step in one queue order, layer by layer, every sequence in
 * each layer: each command after the one before it. */
static int build_in_order(const struct step *s)
{
	const struct llm_config *c = &s->b->a->p->base.cfg;
	int rc = step_table(s, kv_batched(s) ? s->n : 0);

	if (!rc)
		rc = step_head(s);
	for (int l = 0; !rc && l < c->n_layers; l++) {
		rc = layer_pre(s, l);
		if (!rc)
			rc = layer_attn(s, l);
		if (!rc)
			rc = layer_post(s, l);
	}
	return rc ? rc : step_tail(s);
}

/*
 * NeuPIMs' two sub-batches, S0 the first (n + 1) / 2 sequences and S1 the
 * rest, in the ring order of the projection (batch_projection.c,
 * two_queues()): the table, head0 head1 pre0[0] attn0[0] pre1[0]
 * attn1[0], then per layer post0[l] pre0[l+1] attn0[l+1] post1[l]
 * pre1[l+1] attn1[l+1], then tail0 tail1.  The ring order is a valid
 * order for each sequence (the device computes in ring order), and two
 * explicit dependencies let the queues overlap: pre1[0] waits only for
 * its queue (head1), post_s[l] for attn_s[l] instead of the other
 * sub-batch's attention just before it in the ring.
 */
static int build_interleaved(const struct step *s)
{
	const struct llm_config *c = &s->b->a->p->base.cfg;
	struct step sub[2] = { *s, *s };
	uint64_t attn_end[2];
	int rc;

	sub[0].n = (s->n + 1) / 2;
	sub[1].first = sub[0].n;
	sub[1].n = s->n / 2;
	rc = step_table(s, (kv_batched(&sub[0]) ? sub[0].n : 0) +
			   (kv_batched(&sub[1]) ? sub[1].n : 0));
	if (!rc)
		rc = step_head(&sub[0]);
	if (!rc)
		rc = step_head(&sub[1]);
	for (int sb = 0; !rc && sb < 2; sb++) {
		if (sb)
			after(s->b, LLM_NO_DEP);
		rc = layer_pre(&sub[sb], 0);
		if (!rc)
			rc = layer_attn(&sub[sb], 0);
		attn_end[sb] = last_index(s->b);
	}
	for (int l = 0; !rc && l < c->n_layers; l++) {
		for (int sb = 0; !rc && sb < 2; sb++) {
			after(s->b, attn_end[sb]);
			rc = layer_post(&sub[sb], l);
			if (!rc && l + 1 < c->n_layers) {
				rc = layer_pre(&sub[sb], l + 1);
				if (!rc)
					rc = layer_attn(&sub[sb], l + 1);
				attn_end[sb] = last_index(s->b);
			}
		}
	}
	if (!rc)
		rc = step_tail(&sub[0]);
	return rc ? rc : step_tail(&sub[1]);
}

#undef EMIT

/* The schedule rule (docs/batching.md, "Schedules"): two sub-batches only
 * on a card with two engine queues and for two sequences or more; there,
 * "interleaved" always, "auto" when the cycle model of the card's board
 * prices the interleaved step below the in-order one (both lists as the
 * projection builds them, every request at the step's mean position). */
static int interleave(struct llm_batch *b, struct llm_seq *const *seqs, int n)
{
	struct bp_result r;
	uint64_t sum = 0;

	if (!b->dep_queues || n < 2 || b->schedule == LLM_SCHEDULE_IN_ORDER)
		return 0;
	if (b->schedule == LLM_SCHEDULE_INTERLEAVED)
		return 1;
	for (int i = 0; i < n; i++)
		sum += (uint64_t)seqs[i]->pos;
	return !bp_step(&b->board, &b->model, n, (int)(sum / (uint64_t)n), &r) &&
	       r.interleaved < r.npu_only;
}

int llm_schedule_parse(const char *name, enum llm_schedule *out)
{
	static const char *const names[] = { "auto", "in-order", "interleaved" };

	for (int i = 0; i < 3; i++)
		if (!strcmp(name, names[i])) {
			*out = (enum llm_schedule)i;
			return 0;
		}
	return -EINVAL;
}

int llm_batch_step(struct llm_batch *b, struct llm_seq *const *seqs,
		   const int *tokens, int n, float *const *logits, int *next,
		   struct llm_err *e)
{
	const struct llm_config *c = &b->a->p->base.cfg;
	const struct step s = { b, seqs, tokens, 0, n, logits };
	struct llm_err later;	/* keeps the first failure's message */
	uint64_t cycles;
	int rc, wrc;

	rc = check_step(b, seqs, tokens, n, e);
	if (rc)
		return rc;
	accel_cmdlist_reset(b->cl);
	b->nf = 0;
	b->list_base = 0;
	b->dep_pending = 0;
	b->last_interleaved = interleave(b, seqs, n);
	rc = b->last_interleaved ? build_interleaved(&s) : build_in_order(&s);
	if (!rc)
		rc = flush_list(b);
	if (rc)
		rc = llm_fail(e, rc, "building or submitting the step: %s", accel_strerror(rc));
	accel_cmdlist_reset(b->cl);
	wrc = wait_lists(b, &cycles, rc ? &later : e);
	if (!rc)
		rc = wrc;
	if (rc)
		return rc;
	b->last_cycles = cycles;
	b->total_cycles += cycles;
	b->steps++;
	b->interleaved_steps += (uint64_t)b->last_interleaved;
	for (int i = 0; i < n; i++) {
		const uint8_t *slot = (const uint8_t *)b->host_map + b->host_stride * i;

		if (logits && logits[i]) {
			memcpy(logits[i], slot, (size_t)c->vocab_size * 4);
		} else {
			uint32_t idx;

			memcpy(&idx, slot + (size_t)c->vocab_size * 4, 4);
			if (idx >= (uint32_t)c->vocab_size)
				return llm_fail(e, -EIO, "device argmax %u out of range", idx);
			next[i] = (int)idx;
		}
	}
	for (int i = 0; i < n; i++)
		seqs[i]->pos++;
	return 0;
}
