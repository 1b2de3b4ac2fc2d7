// SPDX-License-Identifier: MIT
#include "batch_projection.h"

#include <stdlib.h>
#include <string.h>

#include "drm/csa_accel.h"
#include "hw/bcq_batch.h"
#include "hw/cycle_model.h"
#include "hw/timeline.h"
#include "llm_bcq.h"

/* A descriptor list as the card would run it (addresses do not matter to
 * the price, so they stay zero). */
struct list {
	struct csa_desc *d;
	uint32_t n, cap;
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
 * one before it; NO_DEP: for nothing beyond its queue's order. */
#define NO_DEP UINT32_MAX

static void after(struct list *l, uint32_t first, uint32_t on)
{
	uint32_t dist = on == NO_DEP ? 0 : first - on;

	if (l->bad || first >= l->n)
		return;
	if (dist > CSA_DEP_MAX)
		l->bad = 1;
	else
		l->d[first].dep = (uint16_t)(CSA_DEP_EXPLICIT | dist);
}

/* The price the device gives a descriptor (hw/exec.c, hw/cmdproc.c):
 * its cycles with the memory to itself and the device bytes it moves. */
static void price(const struct csa_cycle_params *p, const struct csa_desc *d,
		  uint64_t *cycles, uint64_t *bytes)
{
	struct csa_cmd_cost c;

	if (d->opcode == CSA_OP_DMA_D2H || d->opcode == CSA_OP_DMA_H2D) {
		*cycles = csa_cycles_dma(p, d->arg[0]);
		*bytes = d->arg[0];
		return;
	}
	if (d->opcode == CSA_OP_MATVEC_BCQ_BATCH)
		csa_cycles_bcq_batch(p, d, &c);
	else
		csa_cycles_cmd(p, d, &c);
	*cycles = c.cycles;
	*bytes = c.mem_bytes;
}

/* The list on the two queues, in submits of at most CSA_SUBMIT_MAX_CMDS
 * (as llm_batch splits a step; each submit a job, jobs one after the
 * other; a dependency reaching into an earlier submit is met by then). */
static double run(const struct csa_cycle_params *p, const struct list *l)
{
	static struct csa_timeline tl;	/* ~12 KiB; the bench is single-threaded */

	csa_timeline_reset(&tl);
	for (uint32_t i = 0; i < l->n; i++) {
		struct csa_tl_cmd c;

		c.queue = csa_queue_of(l->d[i].opcode);
		c.dep = l->d[i].dep;
		c.job_index = i % CSA_SUBMIT_MAX_CMDS;
		price(p, &l->d[i], &c.cycles, &c.mem_bytes);
		csa_timeline_place(&tl, p, &c, NULL);
	}
	return (double)tl.last_end;
}

/* Matrix @which (a layer kind, or the classifier) for b activation
 * vectors, as llm_batch emits it: BCQ weights through MATVEC_BCQ_BATCH
 * (one pass over the weights per CSA_BATCH_MAX vectors; a single vector
 * through MATVEC_BCQ, the same price), f32 weights one MATVEC_F32 each. */
static void matvec(struct list *l, const struct bp_model *m, int which, int b)
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

		for (int j = 0; j < b; j += CSA_BATCH_MAX) {
			uint32_t nb = (uint32_t)(b - j < (int)CSA_BATCH_MAX ? b - j : (int)CSA_BATCH_MAX);
			const uint32_t a[] = { cols, rows, (uint32_t)m->planes, m->group_of[which], nb };

			if (nb == 1)
				push(l, CSA_OP_MATVEC_BCQ, flags, a, 4);
			else
				push(l, CSA_OP_MATVEC_BCQ_BATCH, flags, a, 5);
		}
		return;
	}
	for (int j = 0; j < b; j++) {
		const uint32_t a[] = { cols, rows };

		push(l, CSA_OP_MATVEC_F32, 0, a, 2);
	}
}

/* One sub-batch of b requests at pos through the parts of a step; each
 * returns the index of its first descriptor. */
struct shape {
	uint32_t dim, hid, hs, seq, nh, nkv, vocab, pos;
};

static void shape_of(const struct bp_model *m, int pos, struct shape *s)
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
}

static const uint32_t EPS = 0x3727c5acu;	/* 1e-5f */

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
	matvec(l, m, LLM_WQ, b);
	matvec(l, m, LLM_WK, b);
	matvec(l, m, LLM_WV, b);
	for (int i = 0; i < b; i++) {
		push(l, CSA_OP_ROPE, 0, ropeq, 4);
		push(l, CSA_OP_ROPE, 0, ropek, 4);
	}
	return first;
}

/* KV append and attention per request: the attention queue. */
static uint32_t attn(struct list *l, const struct bp_model *m, const struct shape *s, int b)
{
	const uint32_t kv[] = { s->nkv, s->hs, s->pos, s->seq };
	const uint32_t att[] = { s->nh, s->nkv, s->hs, s->pos + 1, s->seq, 0x3f800000u };
	uint32_t first = l->n;

	for (int i = 0; i < b; i++) {
		push(l, CSA_OP_KV_APPEND, m->kv_flags, kv, 4);
		push(l, CSA_OP_ATTENTION, (m->consmax ? CSA_CMD_F_CONSMAX : 0) | m->kv_flags, att, 6);
	}
	return first;
}

/* Output projection, residual, FFN: the vector queue after attention. */
static uint32_t post(struct list *l, const struct bp_model *m, const struct shape *s, int b)
{
	const uint32_t norm[] = { s->dim, EPS }, vdim[] = { s->dim }, vhid[] = { s->hid };
	uint32_t first = l->n;

	matvec(l, m, LLM_WO, b);
	for (int i = 0; i < b; i++) {
		push(l, CSA_OP_ADD, 0, vdim, 1);
		push(l, CSA_OP_RMSNORM, 0, norm, 2);
	}
	matvec(l, m, LLM_W1, b);
	matvec(l, m, LLM_W3, b);
	for (int i = 0; i < b; i++)
		push(l, CSA_OP_SILU_MUL, 0, vhid, 1);
	matvec(l, m, LLM_W2, b);
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
	matvec(l, m, LLM_LAYER_MATRICES, b);
	for (int i = 0; i < b; i++) {
		push(l, CSA_OP_ARGMAX, 0, amax, 1);
		push(l, CSA_OP_DMA_D2H, 0, dma, 1);
	}
	return first;
}

/* b requests as one sub-batch, every command after the one before it. */
static void one_queue(struct list *l, const struct bp_model *m, const struct shape *s, int b)
{
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
 * Ring order: head0 head1 pre0[0] attn0[0] pre1[0] attn1[0], then per
 * layer post0[l] pre0[l+1] attn0[l+1] post1[l] pre1[l+1] attn1[l+1], then
 * tail0 tail1.  On the queues: the vector queue runs
 * ... post0[l] pre0[l+1] post1[l] pre1[l+1] ..., the attention queue
 * attn0[l+1] beside post1[l] pre1[l+1], attn1[l+1] beside post0[l+1]
 * pre0[l+2].  Only the first descriptor of a part needs an explicit
 * dependency, where the one before it in the ring is not its producer:
 * pre1[0] (after head1, its own queue), post_s[l] (after attn_s[l]).
 */
static void two_queues(struct list *l, const struct bp_model *m, const struct shape *s,
		       int b0, int b1)
{
	int layers = m->cfg.n_layers;
	uint32_t attn_end[2], first;

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
	shape_of(m, pos, &s);
	one_queue(&l, m, &s, 1);
	cycles = l.bad ? 0 : run(&rp, &l);
	free(l.d);
	return (uint64_t)cycles;
}

int bp_step(const struct csa_cycle_params *p, const struct bp_model *m, int batch,
	    int pos, struct bp_result *r)
{
	struct csa_cycle_params rp;
	struct list one = { 0 }, all = { 0 }, two = { 0 };
	struct shape s;
	int bad;

	memset(r, 0, sizeof(*r));
	if (m->cfg.n_layers > BP_MAX_LAYERS || batch < 1 || pos < 0 || pos >= m->cfg.seq_len)
		return -1;
	csa_cycle_params_resolve(p, &rp);
	shape_of(m, pos, &s);
	one_queue(&one, m, &s, 1);
	one_queue(&all, m, &s, batch);
	if (batch >= 2)
		two_queues(&two, m, &s, (batch + 1) / 2, batch / 2);
	bad = one.bad || all.bad || two.bad;
	if (!bad) {
		r->sequential = run(&rp, &one) * batch;
		r->npu_only = run(&rp, &all);
		r->interleaved = batch >= 2 ? run(&rp, &two) : r->npu_only;
		r->descs = batch >= 2 ? two.n : all.n;
	}
	free(one.d);
	free(all.d);
	free(two.d);
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
