// SPDX-License-Identifier: MIT
#include "batch_projection.h"

#include <stdlib.h>
#include <string.h>

#include "drm/csa_accel.h"
#include "hw/bcq_batch.h"
#include "hw/cycle_model.h"
#include "hw/pim_batch.h"
#include "hw/timeline.h"
#include "llm_bcq.h"

/* A descriptor list as the card would run it (addresses do not matter to
 * the price, so they stay zero). */
struct list {
	struct csa_desc *d;
	uint32_t n, cap;
	uint32_t kv_len;	/* every request's (slot, len) entry: len */
	int bad;		/* out of memory, or a dependency too far */
};

static void push(struct list *l, uint32_t op, uint32_t flags, const uint32_t *args, int nargs)
{
	struct csa_desc *d;

	if (l->bad)
		return;
	if (l->n == l->cap) {
		uint32_t cap = l->cap ? 2 * l->cap : 1024;

		d = realloc(l->d, cap * sizeof(*d));
		if (!d) {
			l->bad = 1;
			return;
		}
		l->d = d;
		l->cap = cap;
	}
	d = &l->d[l->n++];
	memset(d, 0, sizeof(*d));
	d->opcode = (uint8_t)op;
	d->flags = (uint8_t)flags;
	for (int i = 0; i < nargs; i++)
		d->arg[i] = args[i];
}

/* Descriptor @first waits for descriptor @on (before it) instead of the
 * one before it; NO_DEP: for nothing beyond its queue's order.  A
 * producer in an earlier submit (llm_batch's lists end every
 * CSA_SUBMIT_MAX_CMDS commands) has ended when the submit begins: the
 * descriptor then names none, as the device only takes a dependency
 * inside its job (device-spec.md 3.6). */
#define NO_DEP UINT32_MAX

static void after(struct list *l, uint32_t first, uint32_t on)
{
	uint32_t dist = on == NO_DEP ? 0 : first - on;

	if (l->bad || first >= l->n)
		return;
	if (dist > first % CSA_SUBMIT_MAX_CMDS)
		dist = 0;
	if (dist > CSA_DEP_MAX)
		l->bad = 1;
	else
		l->d[first].dep = (uint16_t)(CSA_DEP_EXPLICIT | dist);
}

/* The price the device gives a descriptor (hw/exec.c, hw/cmdproc.c):
 * its cycles with the memory to itself and the device bytes it moves.
 * KV_APPEND_BATCH and ATTENTION_BATCH are priced by the table they read:
 * here every request's entry has the list's kv_len. */
static void price(const struct csa_cycle_params *p, const struct list *l,
		  const struct csa_desc *d, uint64_t *cycles, uint64_t *bytes)
{
	struct csa_cmd_cost c;

	if (d->opcode == CSA_OP_DMA_D2H || d->opcode == CSA_OP_DMA_H2D) {
		*cycles = csa_cycles_dma(p, d->arg[0]);
		*bytes = d->arg[0];
		return;
	}
	if (d->opcode == CSA_OP_MATVEC_BCQ_BATCH) {
		csa_cycles_bcq_batch(p, d, &c);
	} else if (d->opcode == CSA_OP_KV_APPEND_BATCH || d->opcode == CSA_OP_ATTENTION_BATCH) {
		struct csa_kv_entry e[CSA_BATCH_MAX];
		uint32_t b = d->arg[d->opcode == CSA_OP_ATTENTION_BATCH ? 3 : 2];
		struct csa_cmd_work w;

		for (uint32_t i = 0; i < b && i < CSA_BATCH_MAX; i++) {
			e[i].slot = i;
			e[i].len = l->kv_len;
		}
		csa_kv_batch_work(p, d, e, &w);
		csa_cmd_price(p, &w, p->dram_mbps, &c);
	} else {
		csa_cycles_cmd(p, d, &c);
	}
	*cycles = c.cycles;
	*bytes = c.mem_bytes;
}

/* The list on the two queues, in submits of at most CSA_SUBMIT_MAX_CMDS
 * (as llm_batch splits a step; each submit a job, jobs one after the
 * other). */
static double run(const struct csa_cycle_params *p, const struct list *l)
{
	static struct csa_timeline tl;	/* ~12 KiB; the bench is single-threaded */

	csa_timeline_reset(&tl);
	for (uint32_t i = 0; i < l->n; i++) {
		struct csa_tl_cmd c;

		c.queue = csa_queue_of(l->d[i].opcode);
		c.dep = l->d[i].dep;
		c.job_index = i % CSA_SUBMIT_MAX_CMDS;
		price(p, l, &l->d[i], &c.cycles, &c.mem_bytes);
		csa_timeline_place(&tl, p, &c, NULL);
	}
	return (double)tl.last_end;
}

/* Cycles of the attention side of a list priced alone: its attention-queue
 * commands and the table's DMA. */
static double attention_side(const struct csa_cycle_params *p, const struct list *l)
{
	double sum = 0;

	for (uint32_t i = 0; i < l->n; i++) {
		uint64_t cycles, bytes;

		if (csa_queue_of(l->d[i].opcode) != CSA_QUEUE_ATTN &&
		    l->d[i].opcode != CSA_OP_DMA_H2D)
			continue;
		price(p, l, &l->d[i], &cycles, &bytes);
		sum += (double)cycles;
	}
	return sum;
}

/* What a list is made of, and where in the step it is. */
struct shape {
	uint32_t dim, hid, hs, seq, nh, nkv, vocab, pos;
	int batch_ops;	/* llm_batch's commands, not the single decoder's */
	int kv_batch;	/* KV_APPEND_BATCH + ATTENTION_BATCH for 2+ requests */
};

static void shape_of(const struct bp_model *m, int pos, int batch_ops, int kv_batch,
		     struct shape *s)
{
	const struct llm_config *c = &m->cfg;

	s->dim = (uint32_t)c->dim;
	s->hid = (uint32_t)c->hidden_dim;
	s->hs = (uint32_t)llm_head_size(c);
	s->seq = (uint32_t)c->seq_len;
	s->nh = (uint32_t)c->n_heads;
	s->nkv = (uint32_t)c->n_kv_heads;
	s->vocab = (uint32_t)c->vocab_size;
	s->pos = (uint32_t)pos;
	s->batch_ops = batch_ops;
	s->kv_batch = batch_ops && kv_batch;
}

/* Matrix @which (a layer kind, or the classifier) for b activation
 * vectors.  The single decoder (llm_accel.c): one MATVEC_BCQ or
 * MATVEC_F32 per vector.  llm_batch.c: BCQ weights through
 * MATVEC_BCQ_BATCH (one pass over the weights per CSA_BATCH_MAX vectors,
 * a single vector too), f32 weights (the shared classifier among them)
 * through MATVEC_F32_BATCH, per CSA_BATCH_MAX vectors or fewer where
 * B * rows * cols would pass the largest single MATVEC_F32's. */
static void matvec(struct list *l, const struct bp_model *m, const struct shape *s,
		   int which, int b)
{
	const struct llm_config *c = &m->cfg;
	uint32_t rows, cols;

	if (which == LLM_LAYER_MATRICES) {
		rows = (uint32_t)c->vocab_size;
		cols = (uint32_t)c->dim;
	} else {
		llm_matrix_shape(c, which, &rows, &cols);
	}
	if (m->planes && (which < LLM_LAYER_MATRICES || m->classifier_bcq)) {
		uint32_t flags = m->bcq_flags ? m->bcq_flags : m->pow2 ? CSA_CMD_F_POW2 : 0;

		for (int j = 0; !s->batch_ops && j < b; j++) {
			const uint32_t a[] = { cols, rows, (uint32_t)m->planes, m->group_of[which] };

			push(l, CSA_OP_MATVEC_BCQ, flags, a, 4);
		}
		for (int j = 0; s->batch_ops && j < b; j += CSA_BATCH_MAX) {
			uint32_t nb = (uint32_t)(b - j < (int)CSA_BATCH_MAX ? b - j : (int)CSA_BATCH_MAX);
			const uint32_t a[] = { cols, rows, (uint32_t)m->planes, m->group_of[which], nb };

			push(l, CSA_OP_MATVEC_BCQ_BATCH, flags, a, 5);
		}
		return;
	}
	for (int j = 0, nb; s->batch_ops && j < b; j += nb) {
		uint64_t most = (uint64_t)CSA_MATVEC_MAX * CSA_MATVEC_MAX / ((uint64_t)rows * cols);

		nb = b - j < (int)CSA_BATCH_MAX ? b - j : (int)CSA_BATCH_MAX;
		if ((uint64_t)nb > most)
			nb = (int)most;
		if (nb < 1) {	/* no such model: the shape checks bound a matrix */
			l->bad = 1;
			return;
		}
		const uint32_t a[] = { cols, rows, (uint32_t)nb };

		push(l, CSA_OP_MATVEC_F32_BATCH, 0, a, 3);
	}
	for (int j = 0; !s->batch_ops && j < b; j++) {
		const uint32_t a[] = { cols, rows };

		push(l, CSA_OP_MATVEC_F32, 0, a, 2);
	}
}
static const uint32_t EPS = 0x3727c5acu;	/* 1e-5f */

/* The step's (slot, len) table for @entries requests, sent by one DMA_H2D
 * at the start of the step (none: no batched attention in the step). */
static void table(struct list *l, int entries)
{
	const uint32_t dma[] = { (uint32_t)entries * CSA_KV_ENTRY_BYTES };

	if (entries)
		push(l, CSA_OP_DMA_H2D, 0, dma, 1);
}

/* Requests of a sub-batch of b that go through the table. */
static int table_entries(const struct shape *s, int b)
{
	return s->kv_batch && b >= 2 ? b : 0;
}

/* Each part below returns the index of its first descriptor. */
static uint32_t head(struct list *l, const struct shape *s, int b)
{
	const uint32_t embed[] = { s->dim, s->vocab, 0 };
	uint32_t first = l->n;

	for (int i = 0; i < b; i++)
		push(l, CSA_OP_EMBED, 0, embed, 3);
	return first;
}

/* RMSNorm, Q K V, RoPE: the vector queue before attention. */
static uint32_t pre(struct list *l, const struct bp_model *m, const struct shape *s, int b)
{
	const uint32_t norm[] = { s->dim, EPS };
	const uint32_t ropeq[] = { s->nh, s->hs, s->pos, s->seq };
	const uint32_t ropek[] = { s->nkv, s->hs, s->pos, s->seq };
	uint32_t first = l->n;

	for (int i = 0; i < b; i++)
		push(l, CSA_OP_RMSNORM, 0, norm, 2);
	matvec(l, m, s, LLM_WQ, b);
	matvec(l, m, s, LLM_WK, b);
	matvec(l, m, s, LLM_WV, b);
	for (int i = 0; i < b; i++) {
		push(l, CSA_OP_ROPE, 0, ropeq, 4);
		push(l, CSA_OP_ROPE, 0, ropek, 4);
	}
	return first;
}

/* KV append and attention: the attention queue.  From two requests on
 * (kv_batch) one KV_APPEND_BATCH and one ATTENTION_BATCH per CSA_BATCH_MAX
 * requests, fewer where their attention work would pass
 * CSA_ATTN_BATCH_WORK_MAX (llm_batch.c's split); otherwise one KV_APPEND
 * and one ATTENTION per request. */
static uint32_t attn(struct list *l, const struct bp_model *m, const struct shape *s, int b)
{
	const uint32_t kv[] = { s->nkv, s->hs, s->pos, s->seq };
	const uint32_t att[] = { s->nh, s->nkv, s->hs, s->pos + 1, s->seq, 0x3f800000u };
	uint32_t aflags = (m->consmax ? CSA_CMD_F_CONSMAX : 0) | m->kv_flags;
	uint64_t per = (uint64_t)(s->pos + 1) * s->nh * s->hs;
	uint32_t first = l->n;

	l->kv_len = s->pos + 1;
	for (int j = 0, nb; table_entries(s, b) && j < b; j += nb) {
		uint64_t work = per;

		for (nb = 1; j + nb < b && nb < (int)CSA_BATCH_MAX &&
			     work + per <= CSA_ATTN_BATCH_WORK_MAX; nb++)
			work += per;

		const uint32_t kvb[] = { s->nkv, s->hs, (uint32_t)nb, s->seq, (uint32_t)b };
		const uint32_t attb[] = { s->nh, s->nkv, s->hs, (uint32_t)nb, s->seq, 0x3f800000u,
					  (uint32_t)b };

		push(l, CSA_OP_KV_APPEND_BATCH, m->kv_flags, kvb, 5);
		push(l, CSA_OP_ATTENTION_BATCH, aflags, attb, 7);
	}
	for (int i = 0; !table_entries(s, b) && i < b; i++) {
		push(l, CSA_OP_KV_APPEND, m->kv_flags, kv, 4);
		push(l, CSA_OP_ATTENTION, aflags, att, 6);
	}
	return first;
}

/* Output projection, residual, FFN: the vector queue after attention. */
static uint32_t post(struct list *l, const struct bp_model *m, const struct shape *s, int b)
{
	const uint32_t norm[] = { s->dim, EPS }, vdim[] = { s->dim }, vhid[] = { s->hid };
	uint32_t first = l->n;

	matvec(l, m, s, LLM_WO, b);
	for (int i = 0; i < b; i++) {
		push(l, CSA_OP_ADD, 0, vdim, 1);
		push(l, CSA_OP_RMSNORM, 0, norm, 2);
	}
	matvec(l, m, s, LLM_W1, b);
	matvec(l, m, s, LLM_W3, b);
	for (int i = 0; i < b; i++)
		push(l, CSA_OP_SILU_MUL, 0, vhid, 1);
	matvec(l, m, s, LLM_W2, b);
	for (int i = 0; i < b; i++)
		push(l, CSA_OP_ADD, 0, vdim, 1);
	return first;
}

/* Final norm, classifier, greedy pick and its 8-byte DMA. */
static uint32_t tail(struct list *l, const struct bp_model *m, const struct shape *s, int b)
{
	const uint32_t norm[] = { s->dim, EPS }, amax[] = { s->vocab }, dma[] = { 8 };
	uint32_t first = l->n;

	for (int i = 0; i < b; i++)
		push(l, CSA_OP_RMSNORM, 0, norm, 2);
	matvec(l, m, s, LLM_LAYER_MATRICES, b);
	for (int i = 0; i < b; i++) {
		push(l, CSA_OP_ARGMAX, 0, amax, 1);
		push(l, CSA_OP_DMA_D2H, 0, dma, 1);
	}
	return first;
}

/* b requests as one sub-batch, every command after the one before it. */
static void one_queue(struct list *l, const struct bp_model *m, const struct shape *s, int b)
{
	table(l, table_entries(s, b));
	head(l, s, b);
	for (int i = 0; i < m->cfg.n_layers; i++) {
		pre(l, m, s, b);
		attn(l, m, s, b);
		post(l, m, s, b);
	}
	tail(l, m, s, b);
}

/*
 * Two sub-batches S0 (b0 requests) and S1 (b1), NeuPIMs' interleaving.
 * Ring order: the table (both sub-batches' entries, one DMA), head0
 * head1 pre0[0] attn0[0] pre1[0] attn1[0], then per layer post0[l]
 * pre0[l+1] attn0[l+1] post1[l] pre1[l+1] attn1[l+1], then tail0 tail1.
 * On the queues: the vector queue runs ... post0[l] pre0[l+1] post1[l]
 * pre1[l+1] ..., the attention queue attn0[l+1] beside post1[l]
 * pre1[l+1], attn1[l+1] beside post0[l+1] pre0[l+2].  Each attn part is
 * the sub-batch's own KV_APPEND_BATCH + ATTENTION_BATCH (its entries of
 * the table).  Only the first descriptor of a part needs an explicit
 * dependency, where the one before it in the ring is not its producer:
 * pre1[0] (after head1, its own queue), post_s[l] (after attn_s[l]).
 */
static void two_queues(struct list *l, const struct bp_model *m, const struct shape *s,
		       int b0, int b1)
{
	int layers = m->cfg.n_layers;
	uint32_t attn_end[2], first;

	table(l, table_entries(s, b0) + table_entries(s, b1));
	head(l, s, b0);
	head(l, s, b1);
	pre(l, m, s, b0);
	attn(l, m, s, b0);
	attn_end[0] = l->n - 1;
	first = pre(l, m, s, b1);
	after(l, first, NO_DEP);
	attn(l, m, s, b1);
	attn_end[1] = l->n - 1;
	for (int i = 0; i < layers; i++) {
		for (int sb = 0; sb < 2; sb++) {
			int b = sb ? b1 : b0;

			first = post(l, m, s, b);
			after(l, first, attn_end[sb]);
			if (i + 1 < layers) {
				pre(l, m, s, b);
				attn(l, m, s, b);
				attn_end[sb] = l->n - 1;
			}
		}
	}
	tail(l, m, s, b0);
	tail(l, m, s, b1);
}

uint64_t bp_token_cycles(const struct csa_cycle_params *p, const struct bp_model *m,
			 int pos)
{
	struct csa_cycle_params rp;
	struct list l = { 0 };
	struct shape s;
	double cycles;

	if (m->cfg.n_layers > BP_MAX_LAYERS)
		return 0;
	csa_cycle_params_resolve(p, &rp);
	shape_of(m, pos, 0, 0, &s);
	one_queue(&l, m, &s, 1);
	cycles = l.bad ? 0 : run(&rp, &l);
	free(l.d);
	return (uint64_t)cycles;
}

int bp_step(const struct csa_cycle_params *p, const struct bp_model *m, int batch,
	    int pos, struct bp_result *r)
{
	struct csa_cycle_params rp;
	struct list one = { 0 }, all = { 0 }, two = { 0 }, singles = { 0 };
	struct shape token, step, step_singles;
	int bad;

	memset(r, 0, sizeof(*r));
	if (m->cfg.n_layers > BP_MAX_LAYERS || batch < 1 || pos < 0 || pos >= m->cfg.seq_len)
		return -1;
	csa_cycle_params_resolve(p, &rp);
	shape_of(m, pos, 0, 0, &token);
	shape_of(m, pos, 1, 1, &step);
	shape_of(m, pos, 1, 0, &step_singles);
	one_queue(&one, m, &token, 1);
	one_queue(&all, m, &step, batch);
	one_queue(&singles, m, &step_singles, batch);
	if (batch >= 2)
		two_queues(&two, m, &step, (batch + 1) / 2, batch / 2);
	bad = one.bad || all.bad || two.bad || singles.bad;
	if (!bad) {
		r->sequential = run(&rp, &one) * batch;
		r->npu_only = run(&rp, &all);
		r->interleaved = batch >= 2 ? run(&rp, &two) : r->npu_only;
		r->descs = batch >= 2 ? two.n : all.n;
		r->attn_batched = attention_side(&rp, &all);
		r->attn_per_request = attention_side(&rp, &singles);
	}
	free(one.d);
	free(all.d);
	free(two.d);
	free(singles.d);
	return bad ? -1 : 0;
}

void bp_model_from_packed(struct bp_model *m, const struct llm_packed *p, int consmax)
{
	memset(m, 0, sizeof(*m));
	m->cfg = p->base.cfg;
	m->planes = (int)p->planes;
	m->pow2 = p->pow2;
	m->classifier_bcq = p->classifier_bcq;
	m->consmax = consmax;
	for (int w = 0; w <= LLM_LAYER_MATRICES; w++)
		m->group_of[w] = p->group;
	if (p->planes) {
		m->bcq_flags = llm_bcq_flags(&p->bcq[0]);
		for (int w = 0; w < LLM_LAYER_MATRICES; w++)
			m->group_of[w] = p->bcq[w].group;
		if (p->classifier_bcq)
			m->group_of[LLM_LAYER_MATRICES] =
				p->bcq[p->base.cfg.n_layers * LLM_LAYER_MATRICES].group;
	}
}
