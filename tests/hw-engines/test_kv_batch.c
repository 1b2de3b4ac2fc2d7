// SPDX-License-Identifier: MIT
/*
 * test_kv_batch.c - KV_APPEND_BATCH and ATTENTION_BATCH (commands.md 5.14,
 * 5.15): B requests, each with its own cache of a KV pool and its own
 * length from a table in device memory, give bit for bit the golden
 * model's results and what the single KV_APPEND / ATTENTION commands write
 * on each request's cache; idle entries, full caches, a slot used twice,
 * B = 1 and B = 64; a bad entry fails the command before anything is
 * written; the price is the sum of the single commands' work.
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/csa_footprint.h"
#include "golden.h"
#include "harness.h"
#include "hw/cycle_model.h"
#include "hw/pim_batch.h"
#include "tests.h"

#define F32_035		0x3eb33333u	/* 0.35f */

struct kvb_case {
	uint32_t heads, n_kv, hd, max_seq, slots, batch;
	int consmax, norm, f16;
	const uint32_t *slot, *len;	/* NULL: random entries */
};

static uint64_t put_new(const void *src, size_t bytes)
{
	uint64_t a = h_alloc(bytes);

	h_put(a, src, bytes);
	return a;
}

/* The pool's bytes from its values (f32, or binary16 with @f16). */
static void encode(const float *vals, size_t n, int f16, uint8_t *bytes)
{
	for (size_t i = 0; i < n; i++) {
		if (f16) {
			uint16_t h = g_f16_bits(vals[i]);

			memcpy(bytes + 2 * i, &h, 2);
		} else {
			memcpy(bytes + 4 * i, &vals[i], 4);
		}
	}
}

static int same_bits_at(uint64_t addr, const void *want, size_t bytes)
{
	uint8_t *got = malloc(bytes);
	int same;

	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	h_get(addr, got, bytes);
	same = !memcmp(got, want, bytes);
	free(got);
	return same;
}

/* Cycles and bytes the device must report for a _BATCH command: the
 * single commands' work summed (written out here from commands.md, not
 * taken from hw/pim_batch.c), priced by csa_cmd_price(). */
static void expect_price(const struct csa_desc *const *singles, uint32_t n,
			 uint64_t extra_bytes, uint64_t table_dup_bytes,
			 int serial, uint64_t cycles, uint64_t mem_delta)
{
	struct csa_cycle_params zero, p;
	struct csa_cmd_work sum, w;
	struct csa_cmd_cost c;

	memset(&zero, 0, sizeof(zero));
	csa_cycle_params_resolve(&zero, &p);
	memset(&sum, 0, sizeof(sum));
	sum.engine = CSA_ENGINE_PIM;
	sum.engine2 = CSA_ENGINE_VECTOR;
	for (uint32_t i = 0; i < n; i++) {
		csa_cmd_work_of(&p, singles[i], &w);
		sum.engine2 = w.engine2;
		sum.compute += w.compute;
		sum.compute2 += w.compute2;
		sum.mem_bytes += w.mem_bytes;
		sum.ops += w.ops;
	}
	sum.serial2 = serial;
	sum.mem_bytes += extra_bytes;
	sum.mem_bytes -= table_dup_bytes;
	csa_cmd_price(&p, &sum, p.dram_mbps, &c);
	CU_ASSERT_EQUAL(cycles, c.cycles);
	CU_ASSERT_EQUAL(mem_delta, sum.mem_bytes);
}

static void run_case(const struct kvb_case *c, uint64_t seed)
{
	size_t cf = g_kv_floats(c->n_kv, c->hd, c->max_seq);
	size_t esize = c->f16 ? 2 : 4, pf = cf * c->slots;
	size_t nk = (size_t)c->batch * c->n_kv * c->hd;
	size_t nq = (size_t)c->batch * c->heads * c->hd, vq = nq / c->batch;
	uint64_t cache_bytes = cf * esize, pool_bytes = pf * esize;
	uint32_t kvf = c->f16 ? CSA_CMD_F_KV_F16 : 0, slot[CSA_BATCH_MAX], len[CSA_BATCH_MAX];
	uint32_t aflags = kvf | (c->consmax ? CSA_CMD_F_CONSMAX : 0) |
			  (c->norm ? CSA_CMD_F_CONSMAX_NORM : 0);
	float *vals = malloc(pf * 4), *k = malloc(nk * 4), *v = malloc(nk * 4);
	float *q = malloc(nq * 4), *out = malloc(nq * 4), *tabs = malloc(36 * 4 * c->heads);
	uint8_t *bytes = malloc(pool_bytes), *tab = malloc(8 * c->batch);
	struct csa_desc d, one[CSA_BATCH_MAX];
	const struct csa_desc *ones[CSA_BATCH_MAX];
	uint64_t a_pool, a_pool2, a_tab, a_k, a_v, a_q, a_out, a_one, a_tabs = 0;
	uint64_t cycles, c2, mem0, rb[2];
	float scale = 1.0f / sqrtf((float)c->hd);
	uint32_t n = 0, b, active = 0;

	CU_ASSERT_FATAL(vals && k && v && q && out && tabs && bytes && tab);
	h_seed(seed);
	for (size_t i = 0; i < pf; i++)
		vals[i] = h_rand_mixed(1.0f);
	if (c->f16)	/* the values a binary16 cache holds */
		for (size_t i = 0; i < pf; i++)
			vals[i] = g_f16_value(g_f16_bits(vals[i]));
	encode(vals, pf, c->f16, bytes);
	for (b = 0; b < c->batch; b++) {
		slot[b] = c->slot ? c->slot[b] : h_rand32() % c->slots;
		len[b] = c->len ? c->len[b] : h_rand32() % (c->max_seq + 1);
		memcpy(tab + 8 * b, &slot[b], 4);
		memcpy(tab + 8 * b + 4, &len[b], 4);
	}
	for (size_t i = 0; i < nk; i++) {
		k[i] = h_rand_mixed(1.0f);
		v[i] = h_rand_mixed(1.0f);
	}
	for (size_t i = 0; i < nq; i++)
		q[i] = h_rand_mixed(1.0f);
	for (uint32_t h = 0; h < c->heads; h++)
		g_consmax_table(tabs + 36 * h, 1.5 + 0.25 * h, c->norm ? 1.0 : 50.0 + h, 0.06);

	h_reset();
	a_pool = put_new(bytes, pool_bytes);
	a_pool2 = put_new(bytes, pool_bytes);
	a_tab = put_new(tab, 8 * c->batch);
	a_k = put_new(k, nk * 4);
	a_v = put_new(v, nk * 4);
	a_q = put_new(q, nq * 4);
	a_out = h_alloc(nq * 4);
	a_one = h_alloc(vq * 4);
	if (c->consmax)
		a_tabs = put_new(tabs, 36 * 4 * c->heads);

	/* KV_APPEND_BATCH: the golden pool, and only the pool written */
	d = t_desc(CSA_OP_KV_APPEND_BATCH, (uint8_t)kvf);
	d.arg[0] = c->n_kv;
	d.arg[1] = c->hd;
	d.arg[2] = c->batch;
	d.arg[3] = c->max_seq;
	d.arg[4] = c->slots;
	d.addr[0] = a_k;
	d.addr[1] = a_v;
	d.addr[2] = a_pool;
	d.addr[3] = a_tab;
	mem0 = h_hw->ctr.mem_bytes;
	CU_ASSERT_EQUAL_FATAL(h_exec(&d, &cycles), CSA_STATUS_OK);
	g_kv_append_batch(vals, cf, slot, len, c->batch, k, v, c->n_kv, c->hd,
			  c->max_seq, c->f16);
	encode(vals, pf, c->f16, bytes);
	CU_ASSERT(same_bits_at(a_pool, bytes, pool_bytes));
	rb[0] = a_pool;
	rb[1] = pool_bytes;
	CU_ASSERT(h_untouched_outside(&rb[0], &rb[1], 1));
	/* priced as the single KV_APPENDs of its active entries + the table */
	for (b = 0, n = 0; b < c->batch; b++) {
		if (!len[b])
			continue;
		one[n] = t_desc(CSA_OP_KV_APPEND, (uint8_t)kvf);
		one[n].arg[0] = c->n_kv;
		one[n].arg[1] = c->hd;
		one[n].arg[2] = len[b] - 1;
		one[n].arg[3] = c->max_seq;
		one[n].addr[0] = a_k + 4ull * b * c->n_kv * c->hd;
		one[n].addr[1] = a_v + 4ull * b * c->n_kv * c->hd;
		one[n].addr[2] = a_pool2 + slot[b] * cache_bytes;
		ones[n] = &one[n];
		n++;
	}
	expect_price(ones, n, 8ull * c->batch, 0, 0, cycles, h_hw->ctr.mem_bytes - mem0);
	/* the single commands, in table order, on the pool's twin */
	for (b = 0; b < n; b++)
		CU_ASSERT_EQUAL_FATAL(h_exec(&one[b], &c2), CSA_STATUS_OK);
	CU_ASSERT(same_bits_at(a_pool2, bytes, pool_bytes));

	/* ATTENTION_BATCH on the caches just appended to */
	g_attention_batch(q, vals, cf, slot, len, c->batch, c->heads, c->n_kv, c->hd,
			  c->max_seq, scale, c->consmax ? tabs : NULL, c->norm, out);
	d = t_desc(CSA_OP_ATTENTION_BATCH, (uint8_t)aflags);
	d.arg[0] = c->heads;
	d.arg[1] = c->n_kv;
	d.arg[2] = c->hd;
	d.arg[3] = c->batch;
	d.arg[4] = c->max_seq;
	d.arg[5] = h_f32_bits(scale);
	d.arg[6] = c->slots;
	d.addr[0] = a_q;
	d.addr[1] = a_pool;
	d.addr[2] = a_out;
	d.addr[3] = a_tabs;
	d.addr[4] = a_tab;
	mem0 = h_hw->ctr.mem_bytes;
	CU_ASSERT_EQUAL_FATAL(h_exec(&d, &cycles), CSA_STATUS_OK);
	CU_ASSERT(same_bits_at(a_out, out, nq * 4));
	rb[0] = a_out;
	rb[1] = nq * 4;
	CU_ASSERT(h_untouched_outside(&rb[0], &rb[1], 1));
	for (b = 0, n = 0; b < c->batch; b++) {
		if (!len[b])
			continue;
		one[n] = t_desc(CSA_OP_ATTENTION, (uint8_t)aflags);
		one[n].arg[0] = c->heads;
		one[n].arg[1] = c->n_kv;
		one[n].arg[2] = c->hd;
		one[n].arg[3] = len[b];
		one[n].arg[4] = c->max_seq;
		one[n].arg[5] = h_f32_bits(scale);
		one[n].addr[0] = a_q + 4ull * b * vq;
		one[n].addr[1] = a_pool + slot[b] * cache_bytes;
		one[n].addr[2] = a_one;
		one[n].addr[3] = a_tabs;
		ones[n] = &one[n];
		n++;
	}
	active = n;
	expect_price(ones, n, 8ull * c->batch + 4ull * vq * (c->batch - active),
		     c->consmax && active ? (active - 1) * 144ull * c->heads : 0,
		     !c->consmax, cycles, h_hw->ctr.mem_bytes - mem0);
	/* each request's bits are those of the single ATTENTION */
	for (b = 0, n = 0; b < c->batch; b++) {
		if (!len[b])
			continue;
		CU_ASSERT_EQUAL_FATAL(h_exec(&one[n++], &c2), CSA_STATUS_OK);
		CU_ASSERT(same_bits_at(a_one, out + b * vq, vq * 4));
	}
	free(vals);
	free(k);
	free(v);
	free(q);
	free(out);
	free(tabs);
	free(bytes);
	free(tab);
}

static void test_same_as_single(void)
{
	static const uint32_t s1[] = { 0 }, l1[] = { 1 };
	/* slot 0 twice (two tokens of one request), an idle entry, a full
	 * cache (len = max_seq), a first token (len 1) */
	static const uint32_t s6[] = { 4, 0, 2, 0, 3, 1 }, l6[] = { 70, 5, 0, 9, 1, 33 };
	static const uint32_t s2[] = { 1, 0 }, l2[] = { 0, 0 };
	static const struct kvb_case cases[] = {
		{ 1, 1, 1, 1, 1, 1, 0, 0, 0, s1, l1 },		/* B = 1 */
		{ 4, 2, 16, 70, 5, 6, 0, 0, 0, s6, l6 },
		{ 4, 2, 16, 70, 5, 6, 1, 0, 1, s6, l6 },
		{ 2, 2, 32, 128, 3, 3, 1, 0, 0, NULL, NULL },
		{ 4, 1, 8, 64, 4, 4, 1, 1, 1, NULL, NULL },
		{ 4, 1, 8, 64, 4, 4, 1, 1, 0, NULL, NULL },
		{ 6, 6, 48, 256, 2, 3, 0, 0, 1, NULL, NULL },
		{ 2, 1, 4, 40, 64, CSA_BATCH_MAX, 0, 0, 0, NULL, NULL },
		{ 2, 1, 4, 40, 3, CSA_BATCH_MAX, 1, 1, 1, NULL, NULL },
		{ 3, 3, 5, 9, 2, 2, 0, 0, 0, s2, l2 },		/* all idle */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i], 0x5eed0 + i);
}

/* A descriptor of either opcode on a pool of 3 caches (n_kv 2, hd 8,
 * max_seq 40) with a 3-entry table; returns the table's address. */
static uint64_t build_small(struct csa_desc *d, int attention)
{
	uint64_t pool = csa_kv_bytes(2, 8, 40) * 3, tab;
	float f[256];

	for (int i = 0; i < 256; i++)
		f[i] = h_randf(-1.0f, 1.0f);
	h_reset();
	if (attention) {
		*d = t_desc(CSA_OP_ATTENTION_BATCH, 0);
		d->arg[0] = 4;
		d->arg[1] = 2;
		d->arg[2] = 8;
		d->arg[3] = 3;
		d->arg[4] = 40;
		d->arg[5] = F32_035;
		d->arg[6] = 3;
		d->addr[0] = put_new(f, 3 * 32 * 4);
		d->addr[1] = h_alloc(pool);
		d->addr[2] = h_alloc(3 * 32 * 4);
		d->addr[4] = tab = h_alloc(24);
	} else {
		*d = t_desc(CSA_OP_KV_APPEND_BATCH, 0);
		d->arg[0] = 2;
		d->arg[1] = 8;
		d->arg[2] = 3;
		d->arg[3] = 40;
		d->arg[4] = 3;
		d->addr[0] = put_new(f, 3 * 16 * 4);
		d->addr[1] = put_new(f + 64, 3 * 16 * 4);
		d->addr[2] = h_alloc(pool);
		d->addr[3] = tab = h_alloc(24);
	}
	return tab;
}

static void put_table(uint64_t tab, const uint32_t *entries)
{
	h_put(tab, entries, 24);
}

/* A bad entry anywhere (the last one too, after good ones) fails the
 * command with BAD_ARG before any byte is written, at the issue cost. */
static void test_bad_entries(void)
{
	static const uint32_t bad[][6] = {
		{ 0, 1, 1, 2, 3, 1 },		/* slot = slots, last entry */
		{ 2, 40, 0xffffffffu, 1, 0, 0 },	/* a huge slot */
		{ 0, 1, 1, 41, 2, 3 },		/* len = max_seq + 1 */
		{ 0, 0xffffffffu, 1, 1, 2, 1 },	/* a huge len */
	};
	static const uint32_t good[6] = { 2, 40, 0, 0, 1, 1 };

	for (int attention = 0; attention <= 1; attention++) {
		struct csa_desc d;
		uint64_t cycles, tab;

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			tab = build_small(&d, attention);
			put_table(tab, bad[i]);
			CU_ASSERT_EQUAL(h_exec(&d, &cycles), CSA_STATUS_BAD_ARG);
			CU_ASSERT(h_untouched());
			CU_ASSERT_EQUAL(cycles, CSA_CYCLES_ISSUE);
		}
		tab = build_small(&d, attention);
		put_table(tab, good);
		CU_ASSERT_EQUAL(h_exec(&d, &cycles), CSA_STATUS_OK);
	}
}

/* The attention work of one ATTENTION_BATCH is bounded by the largest
 * single ATTENTION's: n_heads * head_dim * (sum of len) <= 2^31.  (The
 * caches such a command needs do not fit the harness's device memory, so
 * the table check is called on its own.) */
static void test_work_bound(void)
{
	struct csa_kv_entry got[CSA_BATCH_MAX];
	struct csa_desc d = t_desc(CSA_OP_ATTENTION_BATCH, 0);
	uint32_t tab[8] = { 0, 16384, 1, 16384, 2, 16384, 3, 16384 };

	h_reset();
	d.arg[0] = 256;		/* 2^17 per token with head_dim 512 */
	d.arg[1] = 1;
	d.arg[2] = 512;
	d.arg[3] = 4;
	d.arg[4] = CSA_SEQ_MAX;
	d.arg[5] = F32_035;
	d.arg[6] = 4;
	d.addr[4] = put_new(tab, sizeof(tab));
	CU_ASSERT_EQUAL(csa_kv_batch_table(h_hw, &d, got), CSA_STATUS_BAD_ARG);
	d.arg[3] = 1;		/* one full request: the single command's work */
	CU_ASSERT_EQUAL(csa_kv_batch_table(h_hw, &d, got), CSA_STATUS_OK);
	CU_ASSERT_EQUAL(got[0].len, 16384);
	tab[1] = 8192;		/* two halves: exactly the bound */
	tab[3] = 8192;
	h_put(d.addr[4], tab, sizeof(tab));
	d.arg[3] = 2;
	CU_ASSERT_EQUAL(csa_kv_batch_table(h_hw, &d, got), CSA_STATUS_OK);
	tab[3] = 8193;		/* one token more */
	h_put(d.addr[4], tab, sizeof(tab));
	CU_ASSERT_EQUAL(csa_kv_batch_table(h_hw, &d, got), CSA_STATUS_BAD_ARG);
	/* KV_APPEND_BATCH has no such bound: its work is one token each */
	d = t_desc(CSA_OP_KV_APPEND_BATCH, 0);
	d.arg[0] = 1;
	d.arg[1] = 512;
	d.arg[2] = 4;
	d.arg[3] = CSA_SEQ_MAX;
	d.arg[4] = 4;
	tab[3] = 16384;
	d.addr[3] = put_new(tab, sizeof(tab));
	CU_ASSERT_EQUAL(csa_kv_batch_table(h_hw, &d, got), CSA_STATUS_OK);
}

/* What the descriptor check catches: the pool past the end of device
 * memory, the table inside the pool an append writes, an output over the
 * table, and the counts. */
static void test_descriptor_checks(void)
{
	static const uint32_t good[6] = { 2, 40, 0, 0, 1, 1 };
	struct csa_desc d, m;
	uint64_t cycles, tab;

	tab = build_small(&d, 0);
	m = d;
	m.arg[4] = (uint32_t)(H_DEVMEM_SIZE / csa_kv_bytes(2, 8, 40)) + 1;
	CU_ASSERT_EQUAL(h_exec(&m, &cycles), CSA_STATUS_ADDR_RANGE);
	m = d;
	m.addr[3] = d.addr[2] + 64;	/* the table inside the written pool */
	CU_ASSERT_EQUAL(h_exec(&m, &cycles), CSA_STATUS_OVERLAP);
	m = d;
	m.arg[4] = CSA_KV_POOL_MAX + 1;
	CU_ASSERT_EQUAL(h_exec(&m, &cycles), CSA_STATUS_BAD_ARG);
	m = d;
	m.arg[2] = CSA_BATCH_MAX + 1;
	CU_ASSERT_EQUAL(h_exec(&m, &cycles), CSA_STATUS_BAD_ARG);
	CU_ASSERT(h_untouched());
	(void)tab;

	tab = build_small(&d, 1);
	m = d;
	m.addr[2] = tab;		/* out over the table */
	CU_ASSERT_EQUAL(h_exec(&m, &cycles), CSA_STATUS_OVERLAP);
	m = d;
	m.addr[2] = d.addr[1];		/* out over the pool */
	CU_ASSERT_EQUAL(h_exec(&m, &cycles), CSA_STATUS_OVERLAP);
	m = d;
	m.addr[4] = d.addr[1];		/* a table inside the pool is read only: fine */
	put_table(m.addr[4], good);
	CU_ASSERT_EQUAL(h_exec(&m, &cycles), CSA_STATUS_OK);
	m = d;
	m.flags = CSA_CMD_F_CONSMAX_NORM;	/* norm without ConSmax */
	CU_ASSERT_EQUAL(h_exec(&m, &cycles), CSA_STATUS_RESERVED);
	m = d;
	m.flags = CSA_CMD_F_CONSMAX;		/* ConSmax tables past the end */
	m.addr[3] = H_DEVMEM_SIZE - 4 * 144 + 4;
	CU_ASSERT_EQUAL(h_exec(&m, &cycles), CSA_STATUS_ADDR_RANGE);
}

/* From the descriptor alone (no table) the cycle model gives the bound:
 * every entry at max_seq, at least what any table costs. */
static void test_price_bound(void)
{
	struct csa_cycle_params zero, p;
	struct csa_cmd_cost bound;
	struct csa_desc d;
	uint64_t cycles, tab;
	uint32_t full[6] = { 0, 40, 1, 40, 2, 40 };

	memset(&zero, 0, sizeof(zero));
	csa_cycle_params_resolve(&zero, &p);
	for (int attention = 0; attention <= 1; attention++) {
		tab = build_small(&d, attention);
		put_table(tab, full);
		CU_ASSERT_EQUAL(h_exec(&d, &cycles), CSA_STATUS_OK);
		csa_cycles_cmd(&p, &d, &bound);
		CU_ASSERT_EQUAL(bound.cycles, cycles);
	}
}

int add_kv_batch_suite(void)
{
	CU_pSuite s = CU_add_suite("KV_APPEND_BATCH, ATTENTION_BATCH", h_init, h_fini);

	if (!s ||
	    !CU_add_test(s, "golden and single commands, bit for bit", test_same_as_single) ||
	    !CU_add_test(s, "bad table entries write nothing", test_bad_entries) ||
	    !CU_add_test(s, "descriptor checks", test_descriptor_checks) ||
	    !CU_add_test(s, "attention work bound", test_work_bound) ||
	    !CU_add_test(s, "price from the descriptor alone is the bound", test_price_bound))
		return 1;
	return 0;
}
