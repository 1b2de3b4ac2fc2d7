// SPDX-License-Identifier: MIT
#include "batch_projection.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "drm/csa_accel.h"
#include "hw/cycle_model.h"
#include "hw/pim_batch.h"

/* One command's price for b requests, split the way batching changes it. */
struct price {
	double cycles;		/* b separate commands, or one batched matvec */
	double ext_bytes;	/* bytes over the DRAM interface */
};

static void add(struct price *a, struct price b)
{
	a->cycles += b.cycles;
	a->ext_bytes += b.ext_bytes;
}

static void desc(struct csa_desc *d, uint32_t op, uint32_t flags, const uint32_t *args,
		 int n)
{
	memset(d, 0, sizeof(*d));
	d->opcode = (uint8_t)op;
	d->flags = (uint8_t)flags;
	for (int i = 0; i < n; i++)
		d->arg[i] = args[i];
}

/* A per-request command (vector unit, KV append, attention): b copies. */
static struct price per_request(const struct csa_cycle_params *p, uint32_t op,
				uint32_t flags, const uint32_t *args, int n, int b)
{
	struct csa_desc d;
	struct csa_cmd_cost c;
	struct price r;

	desc(&d, op, flags, args, n);
	csa_cycles_cmd(p, &d, &c);
	r.cycles = (double)c.cycles * b;
	/* attention reads K and V inside the PIM banks: only q, the output
	 * and the ConSmax table cross the interface (cycle_model.c) */
	if (op == CSA_OP_ATTENTION)
		r.ext_bytes = (double)args[0] * args[2] * 8 +
			      ((flags & CSA_CMD_F_CONSMAX) ? (double)args[0] * CSA_CONSMAX_HEAD_BYTES : 0);
	else
		r.ext_bytes = (double)c.mem_bytes;
	r.ext_bytes *= b;
	return r;
}

/* KV_APPEND_BATCH and ATTENTION_BATCH of b requests, all with len pos + 1,
 * per CSA_BATCH_MAX requests (fewer where the attention work would pass
 * CSA_ATTN_BATCH_WORK_MAX, as llm_batch.c splits them), priced as the
 * device prices the table it reads (hw/pim_batch.c). */
static struct price kv_batch(const struct csa_cycle_params *p, uint32_t op,
			     uint32_t flags, const uint32_t *args, int n, int b,
			     uint32_t len, int most)
{
	struct csa_kv_entry e[CSA_BATCH_MAX];
	struct price r = { 0, 0 };
	struct csa_cmd_work w;
	struct csa_cmd_cost c;
	struct csa_desc d;
	int att = op == CSA_OP_ATTENTION_BATCH;

	for (int j = 0, nb; j < b; j += nb) {
		nb = b - j < most ? b - j : most;

		desc(&d, op, flags, args, n);
		d.arg[att ? 3 : 2] = (uint32_t)nb;
		for (int i = 0; i < nb; i++) {
			e[i].slot = (uint32_t)(j + i);
			e[i].len = len;
		}
		csa_kv_batch_work(p, &d, e, &w);
		csa_cmd_price(p, &w, p->dram_mbps, &c);
		r.cycles += (double)c.cycles;
		/* K and V stay in the PIM banks (as for ATTENTION above) */
		r.ext_bytes += att ? (double)nb * args[0] * args[2] * 8 + 8.0 * nb +
				     ((flags & CSA_CMD_F_CONSMAX) ?
				      (double)args[0] * CSA_CONSMAX_HEAD_BYTES : 0) :
				     (double)c.mem_bytes;
	}
	return r;
}

/* Matrix @which (a layer kind, or the classifier) for b activation
 * vectors: BCQ weights go through MATVEC_BCQ_BATCH (hw/bcq_batch.c: one
 * pass over the weights per CSA_BATCH_MAX vectors, priced the same way
 * here), f32 weights through MATVEC_F32_BATCH (the same, priced by
 * csa_cmd_work_of()). */
static struct price matvec(const struct csa_cycle_params *p, const struct bp_model *m,
			   int which, int b)
{
	const struct llm_config *c = &m->cfg;
	struct csa_cycle_params fast = *p;
	struct csa_cmd_cost cost, compute;
	struct csa_desc d;
	uint32_t rows, cols;
	double wbytes, abytes, mem;
	struct price r;

	if (which == LLM_LAYER_MATRICES) {
		rows = (uint32_t)c->vocab_size;
		cols = (uint32_t)c->dim;
	} else {
		llm_matrix_shape(c, which, &rows, &cols);
	}
	if (m->planes && (which < LLM_LAYER_MATRICES || m->classifier_bcq)) {
		const uint32_t a[] = { cols, rows, (uint32_t)m->planes, m->group_of[which] };

		desc(&d, CSA_OP_MATVEC_BCQ, m->pow2 ? CSA_CMD_F_POW2 : 0, a, 4);
	} else {
		const uint32_t a[] = { cols, rows };

		desc(&d, CSA_OP_MATVEC_F32, 0, a, 2);
	}
	csa_cycles_cmd(p, &d, &cost);
	if (b == 1) {
		r.cycles = (double)cost.cycles;
		r.ext_bytes = (double)cost.mem_bytes;
		return r;
	}
	if (d.opcode == CSA_OP_MATVEC_F32) {
		/* MATVEC_F32_BATCH: the cycle model prices it from its
		 * descriptor (the matrix once per CSA_BATCH_MAX vectors) */
		r.cycles = 0;
		r.ext_bytes = 0;
		d.opcode = CSA_OP_MATVEC_F32_BATCH;
		uint64_t most = (uint64_t)CSA_MATVEC_MAX * CSA_MATVEC_MAX / ((uint64_t)rows * cols);

		for (int j = 0, nb; j < b; j += nb) {
			nb = b - j < (int)CSA_BATCH_MAX ? b - j : (int)CSA_BATCH_MAX;
			if ((uint64_t)nb > most)
				nb = (int)most;
			d.arg[2] = (uint32_t)nb;
			csa_cycles_cmd(p, &d, &cost);
			r.cycles += (double)cost.cycles;
			r.ext_bytes += (double)cost.mem_bytes;
		}
		return r;
	}
	/* compute alone: the same command with unbounded bandwidth */
	fast.dram_mbps = UINT32_MAX;
	csa_cycles_cmd(&fast, &d, &compute);
	abytes = 4.0 * cols + 4.0 * rows;	/* x in, y out */
	wbytes = (double)cost.mem_bytes - abytes;
	r.cycles = 0;
	r.ext_bytes = 0;
	for (int j = 0; j < b; j += CSA_BATCH_MAX) {
		int nb = b - j < (int)CSA_BATCH_MAX ? b - j : (int)CSA_BATCH_MAX;
		double bytes = wbytes + nb * abytes;

		mem = (double)csa_cycles_for_bytes(p, (uint64_t)bytes, p->dram_mbps);
		r.cycles += fmax((double)nb * (double)(compute.cycles - CSA_CYCLES_ISSUE), mem) +
			    CSA_CYCLES_ISSUE;
		r.ext_bytes += bytes;
	}
	return r;
}

/* The token graph in four parts, for b requests at pos. */
struct parts {
	struct price head, pre[BP_MAX_LAYERS], attn[BP_MAX_LAYERS], post[BP_MAX_LAYERS], tail;
};

static void price_parts(const struct csa_cycle_params *p, const struct bp_model *m,
			int b, int pos, int kv_batched, struct parts *t)
{
	const struct llm_config *c = &m->cfg;
	uint32_t dim = (uint32_t)c->dim, hid = (uint32_t)c->hidden_dim;
	uint32_t hs = (uint32_t)llm_head_size(c), seq = (uint32_t)c->seq_len;
	uint32_t nh = (uint32_t)c->n_heads, nkv = (uint32_t)c->n_kv_heads;
	uint32_t up = (uint32_t)pos, scale = 0x3f800000u, eps = 0x3727c5acu;
	const uint32_t embed[] = { dim, (uint32_t)c->vocab_size, 0 };
	const uint32_t norm[] = { dim, eps }, vdim[] = { dim }, vhid[] = { hid };
	const uint32_t ropeq[] = { nh, hs, up, seq }, ropek[] = { nkv, hs, up, seq };
	const uint32_t kv[] = { nkv, hs, up, seq };
	const uint32_t att[] = { nh, nkv, hs, up + 1, seq, scale };
	const uint32_t amax[] = { (uint32_t)c->vocab_size };
	/* llm_batch_step's pool holds one cache per request of the step */
	const uint32_t kvb[] = { nkv, hs, 0, seq, (uint32_t)b };
	const uint32_t attb[] = { nh, nkv, hs, 0, seq, scale, (uint32_t)b };
	uint32_t aflags = m->consmax ? CSA_CMD_F_CONSMAX : 0;

	/* one KV_APPEND_BATCH / ATTENTION_BATCH per layer from two requests
	 * on (llm_batch.c), their table sent once per step; requests per
	 * command as llm_batch.c splits them */
	uint64_t per = (uint64_t)(up + 1) * nh * hs;
	int most = per * CSA_BATCH_MAX <= CSA_ATTN_BATCH_WORK_MAX ? (int)CSA_BATCH_MAX :
		   (int)(CSA_ATTN_BATCH_WORK_MAX / per);

	kv_batched = kv_batched && b >= 2;

	memset(t, 0, sizeof(*t));
	t->head = per_request(p, CSA_OP_EMBED, 0, embed, 3, b);
	if (kv_batched) {
		t->head.cycles += (double)csa_cycles_dma(p, 8ull * b);
		t->head.ext_bytes += 8.0 * b;
	}
	for (int l = 0; l < c->n_layers; l++) {
		add(&t->pre[l], per_request(p, CSA_OP_RMSNORM, 0, norm, 2, b));
		add(&t->pre[l], matvec(p, m, LLM_WQ, b));
		add(&t->pre[l], matvec(p, m, LLM_WK, b));
		add(&t->pre[l], matvec(p, m, LLM_WV, b));
		add(&t->pre[l], per_request(p, CSA_OP_ROPE, 0, ropeq, 4, b));
		add(&t->pre[l], per_request(p, CSA_OP_ROPE, 0, ropek, 4, b));
		if (kv_batched) {
			add(&t->attn[l], kv_batch(p, CSA_OP_KV_APPEND_BATCH, 0, kvb, 5, b, up + 1,
						  most));
			add(&t->attn[l], kv_batch(p, CSA_OP_ATTENTION_BATCH, aflags, attb, 7, b,
						  up + 1, most));
		} else {
			add(&t->attn[l], per_request(p, CSA_OP_KV_APPEND, 0, kv, 4, b));
			add(&t->attn[l], per_request(p, CSA_OP_ATTENTION, aflags, att, 6, b));
		}
		add(&t->post[l], matvec(p, m, LLM_WO, b));
		add(&t->post[l], per_request(p, CSA_OP_ADD, 0, vdim, 1, b));
		add(&t->post[l], per_request(p, CSA_OP_RMSNORM, 0, norm, 2, b));
		add(&t->post[l], matvec(p, m, LLM_W1, b));
		add(&t->post[l], matvec(p, m, LLM_W3, b));
		add(&t->post[l], per_request(p, CSA_OP_SILU_MUL, 0, vhid, 1, b));
		add(&t->post[l], matvec(p, m, LLM_W2, b));
		add(&t->post[l], per_request(p, CSA_OP_ADD, 0, vdim, 1, b));
	}
	add(&t->tail, per_request(p, CSA_OP_RMSNORM, 0, norm, 2, b));
	add(&t->tail, matvec(p, m, LLM_LAYER_MATRICES, b));
	add(&t->tail, per_request(p, CSA_OP_ARGMAX, 0, amax, 1, b));
	t->tail.cycles += (double)csa_cycles_dma(p, 8) * b;
	t->tail.ext_bytes += 8.0 * b;
}

static double one_queue(const struct parts *t, int layers)
{
	double sum = t->head.cycles + t->tail.cycles;

	for (int l = 0; l < layers; l++)
		sum += t->pre[l].cycles + t->attn[l].cycles + t->post[l].cycles;
	return sum;
}

static double bytes_of(const struct parts *t, int layers)
{
	double sum = t->head.ext_bytes + t->tail.ext_bytes;

	for (int l = 0; l < layers; l++)
		sum += t->pre[l].ext_bytes + t->attn[l].ext_bytes + t->post[l].ext_bytes;
	return sum;
}

uint64_t bp_token_cycles(const struct csa_cycle_params *p, const struct bp_model *m,
			 int pos)
{
	static struct parts t;
	struct csa_cycle_params rp;

	if (m->cfg.n_layers > BP_MAX_LAYERS)
		return 0;
	csa_cycle_params_resolve(p, &rp);
	price_parts(&rp, m, 1, pos, 0, &t);
	return (uint64_t)one_queue(&t, m->cfg.n_layers);
}

/*
 * Two sub-batches S0, S1 through L layers on two in-order queues.
 * V (shift-add/vector): head0 head1 pre0[0] pre1[0], then per layer
 * post0[l] pre0[l+1] post1[l] pre1[l+1], then tail0 tail1.
 * A (attention): attn0[0] attn1[0] attn0[1] attn1[1] ...
 * Each task starts when its queue is free and its sub-batch's previous
 * task (head -> pre -> attn -> post -> pre ... -> tail) has ended.
 */
static double two_queues(const struct parts *s0, const struct parts *s1, int layers)
{
	const struct parts *s[2] = { s0, s1 };
	double v = 0, a = 0, done[2];

	for (int i = 0; i < 2; i++) {
		v += s[i]->head.cycles;
		done[i] = v;
	}
	for (int i = 0; i < 2; i++) {
		v = fmax(v, done[i]) + s[i]->pre[0].cycles;
		done[i] = v;
	}
	for (int l = 0; l < layers; l++) {
		double attn_end[2];

		for (int i = 0; i < 2; i++) {
			a = fmax(a, done[i]) + s[i]->attn[l].cycles;
			attn_end[i] = a;
		}
		for (int i = 0; i < 2; i++) {
			v = fmax(v, attn_end[i]) + s[i]->post[l].cycles;
			if (l + 1 < layers)
				v += s[i]->pre[l + 1].cycles;
			done[i] = v;
		}
	}
	for (int i = 0; i < 2; i++) {
		v = fmax(v, done[i]) + s[i]->tail.cycles;
		done[i] = v;
	}
	return v;
}

int bp_step(const struct csa_cycle_params *p, const struct bp_model *m, int batch,
	    int pos, struct bp_result *r)
{
	/* static: a parts table is ~20 KiB; the bench is single-threaded */
	static struct parts one, all, half0, half1, singles;
	struct csa_cycle_params rp;
	int layers = m->cfg.n_layers;

	memset(r, 0, sizeof(*r));
	if (layers > BP_MAX_LAYERS || batch < 1 || pos < 0 || pos >= m->cfg.seq_len)
		return -1;
	csa_cycle_params_resolve(p, &rp);
	price_parts(&rp, m, 1, pos, 0, &one);
	price_parts(&rp, m, batch, pos, 1, &all);
	r->sequential = one_queue(&one, layers) * batch;
	r->npu_only = one_queue(&all, layers);
	price_parts(&rp, m, batch, pos, 0, &singles);
	r->attn_per_request = 0;
	r->attn_batched = all.head.cycles - singles.head.cycles;	/* the table */
	for (int l = 0; l < layers; l++) {
		r->attn_batched += all.attn[l].cycles;
		r->attn_per_request += singles.attn[l].cycles;
	}
	if (batch < 2) {
		r->interleaved = r->npu_only;
		return 0;
	}
	price_parts(&rp, m, (batch + 1) / 2, pos, 1, &half0);
	price_parts(&rp, m, batch / 2, pos, 1, &half1);
	r->bytes_bound = ceil((bytes_of(&half0, layers) + bytes_of(&half1, layers)) *
			      rp.clock_khz / ((double)rp.dram_mbps * 1000));
	r->interleaved = fmax(two_queues(&half0, &half1, layers), r->bytes_bound);
	return 0;
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
		for (int w = 0; w < LLM_LAYER_MATRICES; w++)
			m->group_of[w] = p->bcq[w].group;
		if (p->classifier_bcq)
			m->group_of[LLM_LAYER_MATRICES] =
				p->bcq[p->base.cfg.n_layers * LLM_LAYER_MATRICES].group;
	}
}
