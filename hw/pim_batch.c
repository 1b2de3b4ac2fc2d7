// SPDX-License-Identifier: MIT
/*
 * pim_batch.c - the per-request attention commands.  The engine checks the
 * whole table first (nothing is written when an entry is out of range),
 * then runs the single-request KV_APPEND / ATTENTION engine on each
 * request's cache in table order, so every request's bits are those of the
 * single command; the cycle model sums their work.
 */
#include "drm/csa_accel.h"

#include "hw/engines.h"
#include "hw/pim_batch.h"

/* Where the two opcodes keep the same things. */
struct kv_batch {
	int attention;
	uint32_t b, slots, n_kv, hd, max_seq;
	uint64_t pool, table, cache_bytes;
};

static void batch_view(const struct csa_desc *d, struct kv_batch *v)
{
	v->attention = d->opcode == CSA_OP_ATTENTION_BATCH;
	if (v->attention) {
		v->n_kv = d->arg[1];
		v->hd = d->arg[2];
		v->b = d->arg[3];
		v->max_seq = d->arg[4];
		v->slots = d->arg[6];
		v->pool = d->addr[1];
		v->table = d->addr[4];
	} else {
		v->n_kv = d->arg[0];
		v->hd = d->arg[1];
		v->b = d->arg[2];
		v->max_seq = d->arg[3];
		v->slots = d->arg[4];
		v->pool = d->addr[2];
		v->table = d->addr[3];
	}
	v->cache_bytes = csa_kv_bytes_elem(v->n_kv, v->hd, v->max_seq,
					   csa_kv_elem_bytes(d->flags));
}

int csa_kv_batch_table(struct csa_hw *hw, const struct csa_desc *d,
		       struct csa_kv_entry *entries)
{
	struct kv_batch v;
	uint64_t tokens = 0;
	uint32_t i;

	batch_view(d, &v);
	for (i = 0; i < v.b; i++) {
		const uint8_t *e = csa_dev(hw, v.table + (uint64_t)i * CSA_KV_ENTRY_BYTES);

		entries[i].slot = csa_ld_u32(e);
		entries[i].len = csa_ld_u32(e + 4);
		if (entries[i].slot >= v.slots || entries[i].len > v.max_seq)
			return CSA_STATUS_BAD_ARG;
		tokens += entries[i].len;
	}
	if (v.attention && tokens * d->arg[0] * v.hd > CSA_ATTN_BATCH_WORK_MAX)
		return CSA_STATUS_BAD_ARG;
	return CSA_STATUS_OK;
}

/* The single-request descriptor of entry @i (len >= 1). */
static void one_request(const struct csa_desc *d, const struct kv_batch *v,
			const struct csa_kv_entry *e, uint32_t i,
			struct csa_desc *one)
{
	uint64_t cache = v->pool + e->slot * v->cache_bytes;

	memset(one, 0, sizeof(*one));
	one->flags = d->flags & ~CSA_DESC_F_LAST;
	if (v->attention) {
		uint64_t vec = (uint64_t)d->arg[0] * v->hd * 4;

		one->opcode = CSA_OP_ATTENTION;
		one->arg[0] = d->arg[0];
		one->arg[1] = v->n_kv;
		one->arg[2] = v->hd;
		one->arg[3] = e->len;
		one->arg[4] = v->max_seq;
		one->arg[5] = d->arg[5];
		one->addr[0] = d->addr[0] + i * vec;
		one->addr[1] = cache;
		one->addr[2] = d->addr[2] + i * vec;
		one->addr[3] = d->addr[3];
	} else {
		uint64_t vec = (uint64_t)v->n_kv * v->hd * 4;

		one->opcode = CSA_OP_KV_APPEND;
		one->arg[0] = v->n_kv;
		one->arg[1] = v->hd;
		one->arg[2] = e->len - 1;
		one->arg[3] = v->max_seq;
		one->addr[0] = d->addr[0] + i * vec;
		one->addr[1] = d->addr[1] + i * vec;
		one->addr[2] = cache;
	}
}

static int run_batch(struct csa_hw *hw, const struct csa_desc *d)
{
	struct csa_kv_entry entries[CSA_BATCH_MAX];
	struct csa_desc one;
	struct kv_batch v;
	uint32_t i;
	int status = csa_kv_batch_table(hw, d, entries);

	if (status != CSA_STATUS_OK)
		return status;
	batch_view(d, &v);
	for (i = 0; i < v.b; i++) {
		if (!entries[i].len) {
			/* an idle entry: attention over nothing is +0 */
			if (v.attention)
				memset(csa_dev(hw, d->addr[2] + (uint64_t)i *
					       d->arg[0] * v.hd * 4), 0,
				       (size_t)d->arg[0] * v.hd * 4);
			continue;
		}
		one_request(d, &v, &entries[i], i, &one);
		status = v.attention ? csa_eng_attention(hw, &one) :
				       csa_eng_kv_append(hw, &one);
		if (status != CSA_STATUS_OK)
			return status;
	}
	return CSA_STATUS_OK;
}

int csa_eng_kv_append_batch(struct csa_hw *hw, const struct csa_desc *d)
{
	return run_batch(hw, d);
}

int csa_eng_attention_batch(struct csa_hw *hw, const struct csa_desc *d)
{
	return run_batch(hw, d);
}

void csa_kv_batch_work(const struct csa_cycle_params *p,
		       const struct csa_desc *d,
		       const struct csa_kv_entry *entries,
		       struct csa_cmd_work *w)
{
	struct csa_cmd_work one_w;
	struct csa_desc one;
	struct kv_batch v;
	int tables = 0;
	uint32_t i;

	batch_view(d, &v);
	memset(w, 0, sizeof(*w));
	w->engine = CSA_ENGINE_PIM;
	w->engine2 = (d->flags & CSA_CMD_F_CONSMAX) ? CSA_ENGINE_CONSMAX :
						      CSA_ENGINE_VECTOR;
	w->serial2 = v.attention && !(d->flags & CSA_CMD_F_CONSMAX);
	w->mem_bytes = (uint64_t)v.b * CSA_KV_ENTRY_BYTES;
	for (i = 0; i < v.b; i++) {
		if (!entries[i].len) {
			if (v.attention)	/* the zero output written */
				w->mem_bytes += (uint64_t)d->arg[0] * v.hd * 4;
			continue;
		}
		one_request(d, &v, &entries[i], i, &one);
		csa_cmd_work_of(p, &one, &one_w);
		w->compute += one_w.compute;
		w->compute2 += one_w.compute2;
		w->mem_bytes += one_w.mem_bytes;
		w->ops += one_w.ops;
		/* the heads' ConSmax tables are the same for every request:
		 * read once */
		if (v.attention && (d->flags & CSA_CMD_F_CONSMAX) && tables++)
			w->mem_bytes -= (uint64_t)d->arg[0] * CSA_CONSMAX_HEAD_BYTES;
	}
}
