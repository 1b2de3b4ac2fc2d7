// SPDX-License-Identifier: MIT
/*
 * test_compute.c - every engine command vs golden.c, bit for bit, on
 * random and edge-case inputs; nothing but the outputs may change.
 */
#include <math.h>
#include <stdlib.h>

#include "golden.h"
#include "harness.h"
#include "hw/csa_math.h"
#include "tests.h"

/* ---- helpers ------------------------------------------------------------ */

static uint64_t put_new(const void *src, size_t bytes)
{
	uint64_t a = h_alloc(bytes);

	h_put(a, src, bytes);
	return a;
}

static int same_bits(uint64_t addr, const void *want, size_t bytes)
{
	return memcmp(h_mem + addr, want, bytes) == 0;
}

/* exec @d, expect OK, outputs equal @want, the rest untouched */
static void expect_out(const struct csa_desc *d, uint64_t out,
		       const void *want, size_t bytes)
{
	uint64_t cycles, b = bytes;

	CU_ASSERT_EQUAL_FATAL(h_exec(d, &cycles), CSA_STATUS_OK);
	CU_ASSERT(cycles > 0);
	CU_ASSERT(same_bits(out, want, bytes));
	CU_ASSERT(h_untouched_outside(&out, &b, 1));
}

static float *fvec(size_t n)
{
	float *v = calloc(n ? n : 1, sizeof(float));

	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	return v;
}

/* ---- csa_expf == the spec's formula -------------------------------------- */

static void test_expf_matches_golden(void)
{
	uint32_t bits, bad = 0;
	float x;

	/* every 257th f32 of the whole line, plus the edges */
	for (bits = 0; bits < 0xffffff00u; bits += 257) {
		x = h_bits_f32(bits);
		if (h_f32_bits(csa_expf(x)) != h_f32_bits(g_expf(x)) &&
		    !(isnan(x) && isnan(csa_expf(x))))
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(h_f32_bits(csa_expf(0.0f)), h_f32_bits(1.0f));
	CU_ASSERT(isinf(csa_expf(89.0f)));
	CU_ASSERT_EQUAL(h_f32_bits(csa_expf(-104.0f)), 0);
	CU_ASSERT(csa_expf(-103.0f) > 0.0f);	/* subnormal, not flushed */
	CU_ASSERT(isnan(csa_expf(NAN)));
	CU_ASSERT(isinf(csa_expf(INFINITY)));
	CU_ASSERT_EQUAL(h_f32_bits(csa_expf(-INFINITY)), 0);
}

static void test_round_even(void)
{
	CU_ASSERT_EQUAL(csa_round_even(0.5f), 0);
	CU_ASSERT_EQUAL(csa_round_even(1.5f), 2);
	CU_ASSERT_EQUAL(csa_round_even(2.5f), 2);
	CU_ASSERT_EQUAL(csa_round_even(-0.5f), 0);
	CU_ASSERT_EQUAL(csa_round_even(-1.5f), -2);
	CU_ASSERT_EQUAL(csa_round_even(-2.5f), -2);
	CU_ASSERT_EQUAL(csa_round_even(0.49999997f), 0);
	CU_ASSERT_EQUAL(csa_round_even(-126.6f), -127);
	CU_ASSERT_EQUAL(csa_round_even(16777215.0f), 16777215);
	CU_ASSERT_EQUAL(csa_round_even(NAN), 0);
	CU_ASSERT_EQUAL(h_f32_bits(csa_pow2f(-128)), 0x00200000u);
	CU_ASSERT_EQUAL(h_f32_bits(csa_pow2f(-126)), 0x00800000u);
	CU_ASSERT_EQUAL(h_f32_bits(csa_pow2f(127)), 0x7f000000u);
	CU_ASSERT_EQUAL(h_f32_bits(csa_pow2f(0)), 0x3f800000u);
}

/* ---- COPY, EMBED ---------------------------------------------------------- */

static void test_copy(void)
{
	static const uint32_t sizes[] = { 4, 12, 1028, 65536 };
	unsigned int i, j;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint8_t *src = malloc(sizes[i]);
		struct csa_desc d = t_desc(CSA_OP_COPY, 0);

		CU_ASSERT_PTR_NOT_NULL_FATAL(src);
		h_reset();
		for (j = 0; j < sizes[i]; j++)
			src[j] = (uint8_t)h_rand32();
		d.arg[0] = sizes[i];
		d.addr[0] = put_new(src, sizes[i]);
		d.addr[1] = h_alloc(sizes[i]);
		expect_out(&d, d.addr[1], src, sizes[i]);
		free(src);
	}
}

static void test_embed(void)
{
	uint32_t dim = 37, rows = 11, row, idx;
	float *tab = fvec((size_t)dim * rows);
	struct csa_desc d;

	h_seed(2);
	h_fill_rand(tab, (size_t)dim * rows, -3, 3);
	for (row = 0; row < rows; row += 5) {	/* 0, 5, 10 = rows - 1 */
		h_reset();
		d = t_desc(CSA_OP_EMBED, 0);
		d.arg[0] = dim;
		d.arg[1] = rows;
		d.arg[2] = row;
		d.addr[0] = put_new(tab, (size_t)dim * rows * 4);
		d.addr[1] = h_alloc(dim * 4);
		expect_out(&d, d.addr[1], tab + (size_t)row * dim, dim * 4);
	}
	/* row index from device memory */
	h_reset();
	idx = rows - 1;
	d = t_desc(CSA_OP_EMBED, CSA_CMD_F_IDX_MEM);
	d.arg[0] = dim;
	d.arg[1] = rows;
	d.addr[0] = put_new(tab, (size_t)dim * rows * 4);
	d.addr[1] = h_alloc(dim * 4);
	d.addr[2] = put_new(&idx, 4);
	expect_out(&d, d.addr[1], tab + (size_t)idx * dim, dim * 4);
	free(tab);
}

/* F_IDX_MEM with a stored row >= rows: BAD_ARG, nothing written */
static void test_embed_idx_mem_out_of_range(void)
{
	uint32_t idx = 4;
	float tab[4 * 8] = { 0 };
	uint64_t cycles;
	struct csa_desc d = t_desc(CSA_OP_EMBED, CSA_CMD_F_IDX_MEM);

	h_reset();
	d.arg[0] = 8;
	d.arg[1] = 4;
	d.addr[0] = put_new(tab, sizeof(tab));
	d.addr[1] = h_alloc(8 * 4);
	d.addr[2] = put_new(&idx, 4);
	CU_ASSERT_EQUAL(h_exec(&d, &cycles), CSA_STATUS_BAD_ARG);
	CU_ASSERT(h_untouched());
	idx = 0xffffffffu;
	h_put(d.addr[2], &idx, 4);
	CU_ASSERT_EQUAL(h_exec(&d, &cycles), CSA_STATUS_BAD_ARG);
	CU_ASSERT(h_untouched());
}

/* ---- RMSNORM --------------------------------------------------------------- */

static void run_rmsnorm(uint32_t n, float eps, int in_place)
{
	float *x = fvec(n), *w = fvec(n), *y = fvec(n);
	struct csa_desc d = t_desc(CSA_OP_RMSNORM, 0);
	uint32_t i;

	for (i = 0; i < n; i++) {
		x[i] = h_rand_mixed(2.0f);
		w[i] = h_randf(0.5f, 1.5f);
	}
	g_rmsnorm(x, w, n, eps, y);
	h_reset();
	d.arg[0] = n;
	d.arg[1] = h_f32_bits(eps);
	d.addr[0] = put_new(x, n * 4);
	d.addr[1] = put_new(w, n * 4);
	d.addr[2] = in_place ? d.addr[0] : h_alloc(n * 4);
	expect_out(&d, d.addr[2], y, n * 4);
	free(x);
	free(w);
	free(y);
}

static void test_rmsnorm(void)
{
	h_seed(3);
	run_rmsnorm(1, 1e-5f, 0);
	run_rmsnorm(7, 1e-5f, 0);
	run_rmsnorm(288, 1e-5f, 0);
	run_rmsnorm(4097, 1e-6f, 0);
	run_rmsnorm(288, 0.0f, 1);
	run_rmsnorm(64, 1e-5f, 1);
}

/* all-zero x with eps 0: 1/sqrt(0) = inf, 0 * inf = NaN, as the spec says */
static void test_rmsnorm_zero(void)
{
	float x[4] = { 0 }, w[4] = { 1, 1, 1, 1 }, y[4];
	struct csa_desc d = t_desc(CSA_OP_RMSNORM, 0);
	uint64_t cycles;

	h_reset();
	d.arg[0] = 4;
	d.addr[0] = put_new(x, 16);
	d.addr[1] = put_new(w, 16);
	d.addr[2] = h_alloc(16);
	CU_ASSERT_EQUAL(h_exec(&d, &cycles), CSA_STATUS_OK);
	h_get(d.addr[2], y, 16);
	CU_ASSERT(isnan(y[0]) && isnan(y[3]));
}

/* ---- MATVEC_F32 ------------------------------------------------------------ */

static void run_matvec(uint32_t k, uint32_t n)
{
	float *x = fvec(k), *w = fvec((size_t)k * n), *y = fvec(n);
	struct csa_desc d = t_desc(CSA_OP_MATVEC_F32, 0);
	size_t i;

	for (i = 0; i < k; i++)
		x[i] = h_rand_mixed(1.0f);
	for (i = 0; i < (size_t)k * n; i++)
		w[i] = h_rand_mixed(0.1f);
	g_matvec(x, w, k, n, y);
	h_reset();
	d.arg[0] = k;
	d.arg[1] = n;
	d.addr[0] = put_new(x, k * 4);
	d.addr[1] = put_new(w, (size_t)k * n * 4);
	d.addr[2] = h_alloc(n * 4);
	expect_out(&d, d.addr[2], y, n * 4);
	free(x);
	free(w);
	free(y);
}

static void test_matvec_f32(void)
{
	static const uint32_t shapes[][2] = {
		{ 1, 1 }, { 7, 3 }, { 8, 5 }, { 9, 2 }, { 17, 9 },
		{ 288, 288 }, { 768, 32 }, { 1001, 13 },
	};
	unsigned int i;

	h_seed(4);
	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
		run_matvec(shapes[i][0], shapes[i][1]);
}

/* The 8-lane order is the spec: a sequential sum gives another result. */
static void test_matvec_lane_order(void)
{
	float x[10] = { 1e8f, 1, 1, 1, 1, 1, 1, 1, -1e8f, 1 };
	float w[10] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	float seq = 0.0f, y;
	struct csa_desc d = t_desc(CSA_OP_MATVEC_F32, 0);
	uint64_t cycles;
	int i;

	for (i = 0; i < 10; i++)
		seq += x[i] * w[i];
	h_reset();
	d.arg[0] = 10;
	d.arg[1] = 1;
	d.addr[0] = put_new(x, 40);
	d.addr[1] = put_new(w, 40);
	d.addr[2] = h_alloc(4);
	CU_ASSERT_EQUAL_FATAL(h_exec(&d, &cycles), CSA_STATUS_OK);
	h_get(d.addr[2], &y, 4);
	/* lane 0: 1e8 + -1e8 = 0; lane 1: 1 + 1; lanes 2..7: 1 -> 8 */
	CU_ASSERT_EQUAL(y, 8.0f);
	CU_ASSERT_EQUAL(seq, 1.0f);	/* 1e8 absorbs the ones */
}

/* ---- MATVEC_BCQ ------------------------------------------------------------ */

struct bcq_case {
	uint32_t k, n, planes, group;
	int pow2;	/* scale format G_SC_* (0 f32, 1 pow2, 2 f16, 3 APoT) */
};

static void run_bcq(const struct bcq_case *c, int zero_group)
{
	uint64_t nbits = csa_bcq_bits_bytes(c->k, c->n, c->planes);
	uint64_t nsc = csa_bcq_scale_bytes_elem(c->k, c->n, c->planes, c->group,
						g_sc_bytes(c->pow2));
	float *x = fvec(c->k), *y = fvec(c->n);
	uint8_t *bits = malloc(nbits), *sc = malloc(nsc);
	struct csa_desc d = t_desc(CSA_OP_MATVEC_BCQ, g_sc_flags(c->pow2));
	uint64_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(bits);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	for (i = 0; i < c->k; i++)
		x[i] = h_rand_mixed(1.0f);
	if (zero_group)		/* first group all zero: it is skipped */
		for (i = 0; i < c->group && i < c->k; i++)
			x[i] = (i & 1) ? -0.0f : 0.0f;
	for (i = 0; i < nbits; i++)
		bits[i] = (uint8_t)h_rand32();
	for (i = 0; i < nsc; i += g_sc_bytes(c->pow2)) {
		uint32_t r1 = h_rand32();

		g_sc_random(c->pow2, sc + i, r1, h_rand32());
	}
	g_bcq(x, bits, sc, c->k, c->n, c->planes, c->group, c->pow2, y);
	h_reset();
	d.arg[0] = c->k;
	d.arg[1] = c->n;
	d.arg[2] = c->planes;
	d.arg[3] = c->group;
	d.addr[0] = put_new(x, c->k * 4);
	d.addr[1] = put_new(bits, nbits);
	d.addr[2] = put_new(sc, nsc);
	d.addr[3] = h_alloc(c->n * 4);
	expect_out(&d, d.addr[3], y, c->n * 4);
	free(x);
	free(y);
	free(bits);
	free(sc);
}

static void test_matvec_bcq(void)
{
	static const struct bcq_case cases[] = {
		{ 8, 1, 1, 8, 0 },
		{ 64, 16, 2, 32, 0 },
		{ 100, 33, 3, 16, 0 },	/* K not a multiple of 8 or G */
		{ 29, 5, 4, 64, 1 },	/* G > K */
		{ 288, 288, 3, 64, 1 },
		{ 768, 1100, 2, 128, 0 }, /* more rows than one row block */
		{ 4096, 40, 2, 4096, 0 }, /* a group of 512 tables: chunked */
		{ 2056, 7, 4, 2048, 1 },  /* last group 8 columns */
		{ 100, 33, 3, 16, G_SC_F16 },
		{ 288, 288, 4, 64, G_SC_F16 },
		{ 29, 5, 4, 64, G_SC_APOT },
		{ 768, 1100, 4, 64, G_SC_APOT },
		{ 2056, 7, 3, 2048, G_SC_APOT },
	};
	unsigned int i;

	h_seed(5);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_bcq(&cases[i], 0);
	run_bcq(&cases[2], 1);
	run_bcq(&cases[4], 1);
}

/* A non-finite activation: inf saturates to +-127, NaN counts as 0, and
 * neither enters amax. */
static void test_bcq_nonfinite(void)
{
	float x[16], y, yg;
	uint8_t bits[2] = { 0xff, 0x0f };
	float alpha = 1.0f;
	struct csa_desc d = t_desc(CSA_OP_MATVEC_BCQ, 0);
	uint64_t cycles;
	int i;

	for (i = 0; i < 16; i++)
		x[i] = (float)(i + 1) / 16.0f;
	x[3] = INFINITY;
	x[9] = NAN;
	g_bcq(x, bits, &alpha, 16, 1, 1, 16, 0, &yg);
	h_reset();
	d.arg[0] = 16;
	d.arg[1] = 1;
	d.arg[2] = 1;
	d.arg[3] = 16;
	d.addr[0] = put_new(x, sizeof(x));
	d.addr[1] = put_new(bits, 2);
	d.addr[2] = put_new(&alpha, 4);
	d.addr[3] = h_alloc(4);
	CU_ASSERT_EQUAL_FATAL(h_exec(&d, &cycles), CSA_STATUS_OK);
	h_get(d.addr[3], &y, 4);
	CU_ASSERT_EQUAL(h_f32_bits(y), h_f32_bits(yg));
	CU_ASSERT(isfinite(y));
}

/* ---- ROPE ------------------------------------------------------------------- */

static void run_rope(uint32_t heads, uint32_t hd, uint32_t rows, uint32_t pos)
{
	size_t nx = (size_t)heads * hd, nt = (size_t)rows * hd, i;
	float *x = fvec(nx), *tab = fvec(nt);
	struct csa_desc d = t_desc(CSA_OP_ROPE, 0);

	for (i = 0; i < nx; i++)
		x[i] = h_rand_mixed(2.0f);
	for (i = 0; i < nt; i += 2) {
		double a = h_randf(0, 6.2831853f);

		tab[i] = (float)cos(a);
		tab[i + 1] = (float)sin(a);
	}
	h_reset();
	d.arg[0] = heads;
	d.arg[1] = hd;
	d.arg[2] = pos;
	d.arg[3] = rows;
	d.addr[0] = put_new(x, nx * 4);
	d.addr[1] = put_new(tab, nt * 4);
	g_rope(x, heads, hd, tab, pos);
	expect_out(&d, d.addr[0], x, nx * 4);
	free(x);
	free(tab);
}

static void test_rope(void)
{
	h_seed(6);
	run_rope(1, 2, 1, 0);
	run_rope(6, 48, 256, 255);
	run_rope(8, 64, 100, 37);
	run_rope(3, 6, 5, 2);
}

/* ---- SILU_MUL, ADD ---------------------------------------------------------- */

static void run_binary(uint8_t op, uint32_t n, int alias)
{
	float *a = fvec(n), *b = fvec(n), *y = fvec(n);
	struct csa_desc d = t_desc(op, 0);
	uint32_t i;

	for (i = 0; i < n; i++) {
		a[i] = h_rand_mixed(8.0f);
		b[i] = h_rand_mixed(2.0f);
	}
	if (n > 4) {		/* exp's edges: overflow, underflow, zero */
		a[0] = -100.0f;
		a[1] = 100.0f;
		a[2] = -0.0f;
		a[3] = 88.0f;
	}
	if (op == CSA_OP_ADD)
		g_add(a, b, n, y);
	else
		g_silu_mul(a, b, n, y);
	h_reset();
	d.arg[0] = n;
	d.addr[0] = put_new(a, n * 4);
	d.addr[1] = put_new(b, n * 4);
	d.addr[2] = alias == 1 ? d.addr[0] : alias == 2 ? d.addr[1] :
		    h_alloc(n * 4);
	expect_out(&d, d.addr[2], y, n * 4);
	free(a);
	free(b);
	free(y);
}

static void test_silu_mul(void)
{
	h_seed(7);
	run_binary(CSA_OP_SILU_MUL, 1, 0);
	run_binary(CSA_OP_SILU_MUL, 768, 0);
	run_binary(CSA_OP_SILU_MUL, 5000, 1);
	run_binary(CSA_OP_SILU_MUL, 33, 2);
}

static void test_add(void)
{
	h_seed(8);
	run_binary(CSA_OP_ADD, 1, 0);
	run_binary(CSA_OP_ADD, 288, 0);
	run_binary(CSA_OP_ADD, 288, 1);
	run_binary(CSA_OP_ADD, 1025, 2);
}

/* ---- ARGMAX ------------------------------------------------------------------ */

static void run_argmax(const float *x, uint32_t n, uint32_t want_idx)
{
	struct csa_desc d = t_desc(CSA_OP_ARGMAX, 0);
	uint32_t want[2];

	g_argmax(x, n, want);
	CU_ASSERT_EQUAL(want[0], want_idx);	/* the golden model agrees */
	h_reset();
	d.arg[0] = n;
	d.addr[0] = put_new(x, n * 4);
	d.addr[1] = h_alloc(8);
	expect_out(&d, d.addr[1], want, 8);
}

static void test_argmax(void)
{
	float *x = fvec(32000);
	float ties[5] = { 1, 3, 2, 3, 3 };
	float nans[4] = { NAN, -1, NAN, -0.5f };
	float all_nan[3] = { NAN, NAN, NAN };
	float zeros[3] = { -0.0f, 0.0f, -1 };
	float infs[3] = { -INFINITY, -INFINITY, -INFINITY };
	uint32_t i, best = 0;

	h_seed(9);
	for (i = 0; i < 32000; i++) {
		x[i] = h_rand_mixed(10.0f);
		if (x[i] > x[best])
			best = i;
	}
	run_argmax(x, 32000, best);
	run_argmax(ties, 5, 1);		/* first of equal maxima */
	run_argmax(nans, 4, 3);		/* NaN never wins */
	run_argmax(all_nan, 3, 0);	/* all NaN: index 0 */
	run_argmax(zeros, 3, 0);	/* -0 == +0: the first */
	run_argmax(infs, 3, 0);
	free(x);
}

/* ---- SOFTMAX ------------------------------------------------------------------ */

static void run_softmax(uint32_t n, int consmax, int in_place)
{
	float *x = fvec(n), *y = fvec(n), tab[36];
	struct csa_desc d = t_desc(CSA_OP_SOFTMAX,
				   consmax ? CSA_CMD_F_CONSMAX : 0);
	uint32_t i;

	for (i = 0; i < n; i++)
		x[i] = h_randf(-12.0f, 12.0f);
	g_consmax_table(tab, 2.0, 100.0, 0.08);
	if (consmax)
		for (i = 0; i < n; i++)
			y[i] = g_consmax(tab, x[i]);
	else
		g_softmax(x, n, y);
	h_reset();
	d.arg[0] = n;
	d.addr[0] = put_new(x, n * 4);
	d.addr[1] = in_place ? d.addr[0] : h_alloc(n * 4);
	if (consmax)
		d.addr[2] = put_new(tab, sizeof(tab));
	expect_out(&d, d.addr[1], y, n * 4);
	free(x);
	free(y);
}

static void test_softmax(void)
{
	h_seed(10);
	run_softmax(1, 0, 0);
	run_softmax(256, 0, 0);
	run_softmax(32000, 0, 1);
	run_softmax(1, 1, 0);
	run_softmax(300, 1, 0);
	run_softmax(77, 1, 1);
}

/* Exact softmax sums to 1 within rounding; a NaN input makes all NaN. */
static void test_softmax_properties(void)
{
	float x[100], y[100], sum = 0.0f;
	struct csa_desc d = t_desc(CSA_OP_SOFTMAX, 0);
	uint64_t cycles;
	int i;

	h_seed(11);
	for (i = 0; i < 100; i++)
		x[i] = h_randf(-50.0f, 50.0f);
	h_reset();
	d.arg[0] = 100;
	d.addr[0] = put_new(x, sizeof(x));
	d.addr[1] = h_alloc(sizeof(y));
	CU_ASSERT_EQUAL_FATAL(h_exec(&d, &cycles), CSA_STATUS_OK);
	h_get(d.addr[1], y, sizeof(y));
	for (i = 0; i < 100; i++) {
		CU_ASSERT(y[i] >= 0.0f && y[i] <= 1.0f);
		sum += y[i];
	}
	CU_ASSERT(fabsf(sum - 1.0f) < 1e-5f);
	x[57] = NAN;
	h_put(d.addr[0], x, sizeof(x));
	CU_ASSERT_EQUAL_FATAL(h_exec(&d, &cycles), CSA_STATUS_OK);
	h_get(d.addr[1], y, sizeof(y));
	for (i = 0; i < 100; i++)
		CU_ASSERT(isnan(y[i]));
}

/* ---- KV_APPEND, ATTENTION ------------------------------------------------- */

struct attn_case {
	uint32_t heads, n_kv, hd, seq_len, max_seq;
	int consmax;
	int direct;	/* write the cache directly, not by KV_APPEND */
	int norm;	/* F_CONSMAX_NORM (with consmax) */
	int f16;	/* F_KV_F16 */
	double step;	/* ConSmax table step (0: 0.06) */
};

/* One cache element: the f32 value the engine computes with, and the
 * bytes it stores (f32, or binary16 with @f16). */
static void cache_set(float *vals, uint8_t *bytes, size_t i, float v, int f16)
{
	if (f16) {
		uint16_t h = g_f16_bits(v);

		memcpy(bytes + 2 * i, &h, 2);
		vals[i] = g_f16_value(h);
	} else {
		memcpy(bytes + 4 * i, &v, 4);
		vals[i] = v;
	}
}

static void run_attention(const struct attn_case *c)
{
	size_t nkv = g_kv_floats(c->n_kv, c->hd, c->max_seq);
	size_t nq = (size_t)c->heads * c->hd, nk = (size_t)c->n_kv * c->hd;
	size_t esize = c->f16 ? 2 : 4;
	uint32_t kvf = c->f16 ? CSA_CMD_F_KV_F16 : 0;
	float *cache = fvec(nkv), *q = fvec(nq), *out = fvec(nq);
	float *k = fvec(nk), *v = fvec(nk), *tabs = fvec(36 * c->heads);
	uint8_t *bytes = calloc(nkv, esize);
	float scale = 1.0f / sqrtf((float)c->hd);
	uint64_t a_cache, a_k, a_v, a_q, a_out, a_tab = 0, cycles, rb[2];
	struct csa_desc d;
	uint32_t t, h, dd, kvh;
	size_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(bytes);
	h_reset();
	a_cache = h_alloc(nkv * esize);
	a_k = h_alloc(nk * 4);
	a_v = h_alloc(nk * 4);
	h_get(a_cache, bytes, nkv * esize);	/* canary where nothing was written */
	if (c->direct) {
		for (i = 0; i < nkv; i++)
			cache_set(cache, bytes, i, h_rand_mixed(1.0f), c->f16);
		h_put(a_cache, bytes, nkv * esize);
	} else if (c->f16) {	/* the canary's values as the engine reads them */
		for (i = 0; i < nkv; i++) {
			uint16_t hb;

			memcpy(&hb, bytes + 2 * i, 2);
			cache[i] = g_f16_value(hb);
		}
	} else {
		memcpy(cache, bytes, nkv * 4);
	}
	/* fill the cache token by token through KV_APPEND */
	for (t = 0; !c->direct && t < c->seq_len; t++) {
		for (i = 0; i < nk; i++) {
			k[i] = h_rand_mixed(1.0f);
			v[i] = h_rand_mixed(1.0f);
		}
		h_put(a_k, k, nk * 4);
		h_put(a_v, v, nk * 4);
		for (kvh = 0; kvh < c->n_kv; kvh++)
			for (dd = 0; dd < c->hd; dd++) {
				cache_set(cache, bytes, g_kv_k(c->hd, c->max_seq, kvh, t, dd),
					  k[kvh * c->hd + dd], c->f16);
				cache_set(cache, bytes, g_kv_v(c->n_kv, c->hd, c->max_seq, kvh, t, dd),
					  v[kvh * c->hd + dd], c->f16);
			}
		d = t_desc(CSA_OP_KV_APPEND, kvf);
		d.arg[0] = c->n_kv;
		d.arg[1] = c->hd;
		d.arg[2] = t;
		d.arg[3] = c->max_seq;
		d.addr[0] = a_k;
		d.addr[1] = a_v;
		d.addr[2] = a_cache;
		expect_out(&d, a_cache, bytes, nkv * esize);
	}
	for (i = 0; i < nq; i++)
		q[i] = h_rand_mixed(1.0f);
	for (h = 0; h < c->heads; h++)
		g_consmax_table(tabs + 36 * h, 1.5 + 0.25 * h, c->norm ? 1.0 : 50.0 + h,
				c->step > 0 ? c->step : 0.06);
	g_attention_mode(q, cache, c->heads, c->n_kv, c->hd, c->seq_len,
			 c->max_seq, scale, c->consmax ? tabs : NULL, c->norm, out);
	a_q = put_new(q, nq * 4);
	a_out = h_alloc(nq * 4);
	if (c->consmax)
		a_tab = put_new(tabs, 36 * 4 * c->heads);
	d = t_desc(CSA_OP_ATTENTION, (c->consmax ? CSA_CMD_F_CONSMAX : 0) |
		   (c->norm ? CSA_CMD_F_CONSMAX_NORM : 0) | kvf);
	d.arg[0] = c->heads;
	d.arg[1] = c->n_kv;
	d.arg[2] = c->hd;
	d.arg[3] = c->seq_len;
	d.arg[4] = c->max_seq;
	d.arg[5] = h_f32_bits(scale);
	d.addr[0] = a_q;
	d.addr[1] = a_cache;
	d.addr[2] = a_out;
	d.addr[3] = a_tab;
	CU_ASSERT_EQUAL_FATAL(h_exec(&d, &cycles), CSA_STATUS_OK);
	CU_ASSERT(same_bits(a_out, out, nq * 4));
	rb[0] = a_out;
	rb[1] = nq * 4;
	CU_ASSERT(h_untouched_outside(&rb[0], &rb[1], 1));
	free(cache);
	free(bytes);
	free(q);
	free(out);
	free(k);
	free(v);
	free(tabs);
}

static void test_attention(void)
{
	static const struct attn_case cases[] = {
		{ 1, 1, 1, 1, 1, 0, 0, 0, 0, 0 },
		{ 4, 2, 16, 40, 70, 0, 0, 0, 0, 0 },	/* GQA, max_seq not 32k */
		{ 6, 6, 48, 33, 256, 0, 0, 0, 0, 0 },
		{ 4, 1, 8, 64, 64, 0, 0, 0, 0, 0 },		/* seq_len = max_seq */
		{ 4, 2, 16, 40, 70, 1, 0, 0, 0, 0 },
		{ 2, 2, 32, 100, 128, 1, 0, 0, 0, 0 },
	};
	unsigned int i;

	h_seed(12);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_attention(&cases[i]);
}

/* Normalized ConSmax: tables whose range cuts some scores (step 0.004:
 * |s| beyond ~0.5 leaves the LUT), others that hold them all; GQA. */
static void test_attention_consmax_norm(void)
{
	static const struct attn_case cases[] = {
		{ 4, 2, 16, 40, 70, 1, 0, 1, 0, 0.004 },
		{ 2, 2, 32, 100, 128, 1, 0, 1, 0, 0 },
		{ 3, 1, 8, 64, 64, 1, 0, 1, 0, 0.02 },
		{ 2, 1, 16, 40, 70, 1, 0, 1, 1, 0.01 },	/* f16 cache too */
	};
	unsigned int i;

	h_seed(14);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_attention(&cases[i]);
}

/* Every score below the table's range: the sum is +0 and the outputs
 * are +0, not NaN. */
static void test_attention_consmax_norm_all_below(void)
{
	float q[2] = { 1.0f, 1.0f }, tab[36], out[2];
	size_t nkv = g_kv_floats(1, 2, 3);
	float *cache = fvec(nkv);
	uint64_t a_cache, a_q, a_out, a_tab, cycles;
	struct csa_desc d;
	uint32_t t;

	for (t = 0; t < 3; t++) {
		cache[g_kv_k(2, 3, 0, t, 0)] = -1.0f - (float)t;
		cache[g_kv_k(2, 3, 0, t, 1)] = -0.5f;
		cache[g_kv_v(1, 2, 3, 0, t, 0)] = 3.0f;
		cache[g_kv_v(1, 2, 3, 0, t, 1)] = -7.0f;
	}
	g_consmax_table(tab, 0.0, 1.0, 0.001);	/* range +-0.128 */
	h_reset();
	a_cache = put_new(cache, nkv * 4);
	a_q = put_new(q, sizeof(q));
	a_tab = put_new(tab, sizeof(tab));
	a_out = h_alloc(sizeof(out));
	d = t_desc(CSA_OP_ATTENTION, CSA_CMD_F_CONSMAX | CSA_CMD_F_CONSMAX_NORM);
	d.arg[0] = 1;
	d.arg[1] = 1;
	d.arg[2] = 2;
	d.arg[3] = 3;
	d.arg[4] = 3;
	d.arg[5] = h_f32_bits(1.0f);
	d.addr[0] = a_q;
	d.addr[1] = a_cache;
	d.addr[2] = a_out;
	d.addr[3] = a_tab;
	CU_ASSERT_EQUAL_FATAL(h_exec(&d, &cycles), CSA_STATUS_OK);
	h_get(a_out, out, sizeof(out));
	CU_ASSERT_EQUAL(h_f32_bits(out[0]), 0u);
	CU_ASSERT_EQUAL(h_f32_bits(out[1]), 0u);
	/* the golden model agrees */
	g_attention_mode(q, cache, 1, 1, 2, 3, 3, 1.0f, tab, 1, out);
	CU_ASSERT_EQUAL(h_f32_bits(out[0]), 0u);
	free(cache);
}

/* f16 KV cache: KV_APPEND's rounding and ATTENTION's reads, GQA, exact
 * softmax and ConSmax, and a directly written cache of random encodings. */
static void test_attention_kv_f16(void)
{
	static const struct attn_case cases[] = {
		{ 1, 1, 1, 1, 1, 0, 0, 0, 1, 0 },
		{ 4, 2, 16, 40, 70, 0, 0, 0, 1, 0 },
		{ 6, 6, 48, 33, 256, 1, 0, 0, 1, 0 },
		{ 4, 1, 8, 64, 64, 0, 1, 0, 1, 0 },
	};
	unsigned int i;

	h_seed(15);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_attention(&cases[i]);
}

/* binary16 conversions: every encoding widens exactly and narrows back to
 * itself; f32 -> f16 matches the value-arithmetic golden on the edges
 * (ties, overflow threshold, subnormal boundaries) and on random bits. */
static void test_f16_conversion(void)
{
	static const uint32_t edges[] = {
		0x00000000u, 0x80000000u, 0x33000000u, 0x33000001u, 0x337fffffu,
		0x33800000u, 0x38800000u, 0x387fffffu, 0x387fe000u, 0x387ff000u,
		0x3f800000u, 0x3f801000u, 0x3f803000u, 0x3f800fffu, 0x477fe000u,
		0x477fefffu, 0x477ff000u, 0x47800000u, 0x7f7fffffu, 0x7f800000u,
		0xff800000u, 0xc77ff000u, 0x3a000800u, 0x39001000u, 0x00000001u,
	};
	uint32_t i, bad = 0;

	for (i = 0; i < 65536; i++) {
		uint16_t h = (uint16_t)i;
		float w = csa_f32_from_f16(h), g = g_f16_value(h);

		if (isnan(g)) {
			bad += !isnan(w) || csa_f16_from_f32(w) != (h | 0x0200u);
			continue;
		}
		bad += h_f32_bits(w) != h_f32_bits(g) || csa_f16_from_f32(w) != h;
	}
	CU_ASSERT_EQUAL(bad, 0u);
	for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		CU_ASSERT_EQUAL(csa_f16_from_f32(h_bits_f32(edges[i])),
				g_f16_bits(h_bits_f32(edges[i])));
	h_seed(16);
	for (i = 0, bad = 0; i < 1000000; i++) {
		uint32_t b = h_rand32();
		float x = h_bits_f32(b);

		bad += csa_f16_from_f32(x) != g_f16_bits(x);
	}
	CU_ASSERT_EQUAL(bad, 0u);
}

/* ATTENTION over the longest sequence: the score scratch holds it all. */
static void test_attention_long(void)
{
	static const struct attn_case c = { 1, 1, 2, CSA_SEQ_MAX, CSA_SEQ_MAX, 0, 1, 0, 0, 0 };

	h_seed(13);
	run_attention(&c);
}

/* struct csa_hw.cancel: set, ATTENTION stops before its first head with
 * ABORTED and writes nothing; cleared, the same command runs. */
static void test_attention_cancel(void)
{
	static const volatile int stop = 1, go;
	uint32_t heads = 4, hd = 8, max_seq = 16;
	uint64_t cache_bytes = 2ull * hd * CSA_KV_BANKS *
			       ((max_seq + CSA_KV_BANKS - 1) / CSA_KV_BANKS) * 4;
	uint64_t a_q = h_alloc(heads * hd * 4), a_cache = h_alloc(cache_bytes);
	uint64_t a_out = h_alloc(heads * hd * 4), cycles = 0;
	uint64_t rb[2] = { a_out, heads * hd * 4 };
	struct csa_desc d = t_desc(CSA_OP_ATTENTION, 0);
	struct csa_hw_cmd cmd = { 0 };
	float ones[512];
	uint64_t off;
	unsigned int i;

	for (i = 0; i < 512; i++)
		ones[i] = 1.0f;		/* out = the mean of V = 1.0 */
	h_put(a_q, ones, heads * hd * 4);
	for (off = 0; off < cache_bytes; off += sizeof(ones))
		h_put(a_cache + off, ones, cache_bytes - off < sizeof(ones) ?
		      cache_bytes - off : sizeof(ones));
	d.arg[0] = heads;
	d.arg[1] = 1;
	d.arg[2] = hd;
	d.arg[3] = 4;
	d.arg[4] = max_seq;
	d.arg[5] = h_f32_bits(0.5f);
	d.addr[0] = a_q;
	d.addr[1] = a_cache;
	d.addr[2] = a_out;
	h_hw->cancel = &stop;
	CU_ASSERT_EQUAL(h_exec(&d, &cycles), CSA_STATUS_ABORTED);
	CU_ASSERT(h_untouched());
	cmd.desc = d;
	csa_hw_execute(h_hw, &cmd);
	CU_ASSERT(csa_hw_cmd_cancelled(&cmd));
	h_hw->cancel = &go;
	CU_ASSERT_EQUAL(h_exec(&d, &cycles), CSA_STATUS_OK);
	CU_ASSERT(h_untouched_outside(rb, rb + 1, 1));
	h_get(a_out, ones, 4);
	CU_ASSERT_EQUAL(ones[0], 1.0f);
	csa_hw_execute(h_hw, &cmd);
	CU_ASSERT_FALSE(csa_hw_cmd_cancelled(&cmd));
	h_hw->cancel = NULL;
}

int add_compute_suite(void)
{
	CU_pSuite s = CU_add_suite("engines vs golden", h_init, h_fini);

	if (!s)
		return -1;
	if (!CU_add_test(s, "csa_expf = spec formula", test_expf_matches_golden) ||
	    !CU_add_test(s, "round_even, pow2", test_round_even) ||
	    !CU_add_test(s, "COPY", test_copy) ||
	    !CU_add_test(s, "EMBED", test_embed) ||
	    !CU_add_test(s, "EMBED idx >= rows", test_embed_idx_mem_out_of_range) ||
	    !CU_add_test(s, "RMSNORM", test_rmsnorm) ||
	    !CU_add_test(s, "RMSNORM zero", test_rmsnorm_zero) ||
	    !CU_add_test(s, "MATVEC_F32", test_matvec_f32) ||
	    !CU_add_test(s, "MATVEC_F32 lane order", test_matvec_lane_order) ||
	    !CU_add_test(s, "MATVEC_BCQ", test_matvec_bcq) ||
	    !CU_add_test(s, "MATVEC_BCQ non-finite x", test_bcq_nonfinite) ||
	    !CU_add_test(s, "ROPE", test_rope) ||
	    !CU_add_test(s, "SILU_MUL", test_silu_mul) ||
	    !CU_add_test(s, "ADD", test_add) ||
	    !CU_add_test(s, "ARGMAX", test_argmax) ||
	    !CU_add_test(s, "SOFTMAX", test_softmax) ||
	    !CU_add_test(s, "SOFTMAX properties", test_softmax_properties) ||
	    !CU_add_test(s, "KV_APPEND + ATTENTION", test_attention) ||
	    !CU_add_test(s, "ATTENTION normalized ConSmax", test_attention_consmax_norm) ||
	    !CU_add_test(s, "ATTENTION cancel", test_attention_cancel) ||
	    !CU_add_test(s, "ATTENTION normalized, all below range", test_attention_consmax_norm_all_below) ||
	    !CU_add_test(s, "KV_APPEND + ATTENTION, f16 cache", test_attention_kv_f16) ||
	    !CU_add_test(s, "binary16 conversions", test_f16_conversion) ||
	    !CU_add_test(s, "ATTENTION seq 16384", test_attention_long))
		return -1;
	return 0;
}
