// SPDX-License-Identifier: MIT
/*
 * test_bcq_fast.c - MATVEC_BCQ's vectorized kernels (hw/bcq_avx512.c where
 * the host has AVX-512BW, hw/bcq_avx2.c) and its portable scalar kernel
 * (hw/bcq.c) all against golden.c, bit for bit:
 * the golden cases run once per kernel, then random shapes that hit
 * every tail (N % 32, K % 8, K % G, G = 8..4096, P = 1..4, every scale
 * format: f32, pow2, binary16, APoT), the 16-bit partial sums at their bounds, table chunks, skipped
 * groups, non-finite inputs and buffers that end at the end of device
 * memory (so a read past them is an ASan error).
 */
#include <math.h>
#include <stdlib.h>

#include "golden.h"
#include "harness.h"
#include "hw/bcq_impl.h"	/* CSA_BCQ_HAVE_AVX2 */
#include "hw/bcq_simd.h"
#include "tests.h"

enum x_kind { X_MIXED, X_ONES, X_MINUS_ONES, X_SPECIAL, X_ZERO_GROUPS, X_TIES };
enum bits_kind { B_RANDOM, B_ZEROS, B_ONES };
enum sc_kind { S_RANDOM, S_ONE, S_SPECIAL };
enum place { P_START, P_BITS_AT_END, P_SCALES_AT_END };

struct bcq_fast_case {
	uint32_t k, n, planes, group;
	int pow2;
	enum x_kind x;
	enum bits_kind bits;
	enum sc_kind sc;
	enum place place;
};

struct bcq_inputs {
	float *x;
	uint8_t *bits, *sc;
	uint64_t nbits, nsc;
};

static void make_x(float *x, const struct bcq_fast_case *c)
{
	uint32_t i;

	for (i = 0; i < c->k; i++) {
		switch (c->x) {
		case X_ONES:
			x[i] = 1.0f;
			break;
		case X_MINUS_ONES:
			x[i] = -1.0f;
			break;
		case X_SPECIAL:	/* inf, NaN, subnormal, ties of the rounding */
			switch (h_rand32() % 8) {
			case 0: x[i] = INFINITY; break;
			case 1: x[i] = -INFINITY; break;
			case 2: x[i] = NAN; break;
			case 3: x[i] = 1e-45f; break;
			case 4: x[i] = (float)((int)(h_rand32() % 255) - 127) / 127.0f; break;
			default: x[i] = h_rand_mixed(4.0f); break;
			}
			break;
		case X_TIES:	/* amax 127: x * inv = x, halfway cases round to even */
			x[i] = i % 11 == 0 ? 127.0f :
			       (float)((int)(h_rand32() % 253) - 126) + 0.5f;
			break;
		case X_ZERO_GROUPS:	/* every third group is all +-0 */
			x[i] = (i / c->group) % 3 == 1 ? ((i & 1) ? -0.0f : 0.0f)
							: h_rand_mixed(2.0f);
			break;
		default:
			x[i] = h_rand_mixed(1.0f);
			break;
		}
	}
}

/* one scale in 8 non-finite, -0, subnormal or huge (more NaN rows would
 * leave few values to compare) */
static float special_scale(void)
{
	switch (h_rand32() % 48) {
	case 0: return INFINITY;
	case 1: return -INFINITY;
	case 2: return NAN;
	case 3: return -0.0f;
	case 4: return 1e-40f;
	case 5: return 3e38f;
	default: return h_randf(-0.05f, 0.05f);
	}
}

static void make_inputs(struct bcq_inputs *in, const struct bcq_fast_case *c)
{
	uint64_t i;

	in->nbits = csa_bcq_bits_bytes(c->k, c->n, c->planes);
	in->nsc = csa_bcq_scale_bytes_elem(c->k, c->n, c->planes, c->group,
					   g_sc_bytes(c->pow2));
	in->x = calloc(c->k, sizeof(float));
	in->bits = malloc(in->nbits);
	in->sc = malloc(in->nsc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(in->x);
	CU_ASSERT_PTR_NOT_NULL_FATAL(in->bits);
	CU_ASSERT_PTR_NOT_NULL_FATAL(in->sc);
	make_x(in->x, c);
	for (i = 0; i < in->nbits; i++)
		in->bits[i] = c->bits == B_ZEROS ? 0x00 : c->bits == B_ONES ?
			      0xff : (uint8_t)h_rand32();
	if (c->pow2 >= G_SC_F16) {	/* any u16 code when special */
		for (i = 0; i < in->nsc; i += 2) {
			uint32_t r1 = h_rand32(), r2 = h_rand32();
			uint16_t one = c->pow2 == G_SC_F16 ? 0x3c00 : 0x0000;

			if (c->sc == S_ONE)
				memcpy(in->sc + i, &one, 2);
			else if (c->sc == S_SPECIAL)
				memcpy(in->sc + i, &r1, 2);
			else
				g_sc_random(c->pow2, in->sc + i, r1, r2);
		}
	} else if (c->pow2) {	/* every int8 exponent: subnormal to overflow */
		for (i = 0; i < in->nsc; i++)
			in->sc[i] = c->sc == S_ONE ? 0 : c->sc == S_SPECIAL ?
				    (uint8_t)h_rand32() :
				    (uint8_t)(int8_t)(-(int)(h_rand32() % 12));
	} else {
		for (i = 0; i < in->nsc / 4; i++) {
			float a = c->sc == S_ONE ? 1.0f : c->sc == S_SPECIAL ?
				  special_scale() : h_randf(0.001f, 0.05f);

			memcpy(in->sc + 4 * i, &a, 4);
		}
	}
}

static void free_inputs(struct bcq_inputs *in)
{
	free(in->x);
	free(in->bits);
	free(in->sc);
}

/* Run the command on the current kernel; y gets the result. */
static void exec_bcq(const struct bcq_fast_case *c, const struct bcq_inputs *in,
		     float *y)
{
	struct csa_desc d = t_desc(CSA_OP_MATVEC_BCQ, g_sc_flags(c->pow2));
	uint64_t cycles, out[1], bytes[1];

	h_reset();
	d.arg[0] = c->k;
	d.arg[1] = c->n;
	d.arg[2] = c->planes;
	d.arg[3] = c->group;
	d.addr[0] = h_alloc(c->k * 4);
	h_put(d.addr[0], in->x, c->k * 4);
	d.addr[3] = h_alloc(c->n * 4);
	if (c->place == P_BITS_AT_END) {
		d.addr[1] = (H_DEVMEM_SIZE - in->nbits) & ~3ull;
		CU_ASSERT_EQUAL_FATAL(d.addr[1] + in->nbits, H_DEVMEM_SIZE);
	} else {
		d.addr[1] = h_alloc(in->nbits);
	}
	h_put(d.addr[1], in->bits, in->nbits);
	if (c->place == P_SCALES_AT_END) {
		d.addr[2] = (H_DEVMEM_SIZE - in->nsc) & ~3ull;
		CU_ASSERT_EQUAL_FATAL(d.addr[2] + in->nsc, H_DEVMEM_SIZE);
	} else {
		d.addr[2] = h_alloc(in->nsc);
	}
	h_put(d.addr[2], in->sc, in->nsc);
	CU_ASSERT_EQUAL_FATAL(h_exec(&d, &cycles), CSA_STATUS_OK);
	h_get(d.addr[3], y, c->n * 4);
	out[0] = d.addr[3];
	bytes[0] = c->n * 4;
	CU_ASSERT(h_untouched_outside(out, bytes, 1));
}

static uint32_t bits_differ(const float *a, const float *b, uint32_t n)
{
	uint32_t i, bad = 0;

	for (i = 0; i < n; i++)
		bad += h_f32_bits(a[i]) != h_f32_bits(b[i]);
	return bad;
}

/* Like bits_differ, but any NaN equals any NaN: IEEE-754 leaves open which
 * operand's NaN an add propagates, and C compilers swap the operands of a
 * commutative add (scalar or vector) as they like. */
static uint32_t values_differ(const float *a, const float *b, uint32_t n)
{
	uint32_t i, bad = 0, nans = 0;

	for (i = 0; i < n; i++) {
		if (isnan(a[i]) || isnan(b[i])) {
			bad += !(isnan(a[i]) && isnan(b[i]));
			nans++;
		} else {
			bad += h_f32_bits(a[i]) != h_f32_bits(b[i]);
		}
	}
	CU_ASSERT(nans < n);	/* some rows stay finite: values compared */
	return bad;
}

/*
 * Every kernel on one case.  With @golden the results must equal g_bcq's
 * bits; otherwise (NaN scales) the kernels must give the same values,
 * NaN where the other gives NaN.
 */
static void run_both(const struct bcq_fast_case *c, int golden)
{
	struct bcq_inputs in;
	float *want = calloc(c->n, sizeof(float));
	float *fast = calloc(c->n, sizeof(float));
	float *slow = calloc(c->n, sizeof(float));
	float *avx2 = calloc(c->n, sizeof(float));

	CU_ASSERT_PTR_NOT_NULL_FATAL(want);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fast);
	CU_ASSERT_PTR_NOT_NULL_FATAL(slow);
	CU_ASSERT_PTR_NOT_NULL_FATAL(avx2);
	make_inputs(&in, c);
	csa_bcq_set_simd(CSA_BCQ_SIMD_BEST);	/* the AVX-512 kernel on such hosts */
	exec_bcq(c, &in, fast);
	csa_bcq_set_simd(CSA_BCQ_SIMD_AVX2);
	exec_bcq(c, &in, avx2);
	csa_bcq_set_simd(CSA_BCQ_SIMD_SCALAR);
	exec_bcq(c, &in, slow);
	csa_bcq_set_simd(CSA_BCQ_SIMD_BEST);
	if (golden) {
		CU_ASSERT_EQUAL(bits_differ(fast, slow, c->n), 0);
		CU_ASSERT_EQUAL(bits_differ(avx2, slow, c->n), 0);
	} else {
		CU_ASSERT_EQUAL(values_differ(fast, slow, c->n), 0);
		CU_ASSERT_EQUAL(values_differ(avx2, slow, c->n), 0);
	}
	if (golden) {
		g_bcq(in.x, in.bits, in.sc, c->k, c->n, c->planes, c->group,
		      c->pow2, want);
		CU_ASSERT_EQUAL(bits_differ(fast, want, c->n), 0);
		CU_ASSERT_EQUAL(bits_differ(slow, want, c->n), 0);
	}
	free_inputs(&in);
	free(want);
	free(fast);
	free(slow);
	free(avx2);
}

static struct bcq_fast_case shape(uint32_t k, uint32_t n, uint32_t planes,
				  uint32_t group, int pow2)
{
	struct bcq_fast_case c;

	memset(&c, 0, sizeof(c));
	c.k = k;
	c.n = n;
	c.planes = planes;
	c.group = group;
	c.pow2 = pow2;
	return c;
}

/* The vector kernel is the one that runs when it is built and the host
 * has AVX2, so the comparisons below compare two different kernels. */
static void test_kernel_choice(void)
{
	csa_bcq_set_simd(CSA_BCQ_SIMD_SCALAR);
	CU_ASSERT_STRING_EQUAL(csa_bcq_kernel(), "scalar");
	csa_bcq_set_simd(CSA_BCQ_SIMD_AVX2);
#if CSA_BCQ_HAVE_AVX2
	if (__builtin_cpu_supports("avx2"))
		CU_ASSERT_STRING_EQUAL(csa_bcq_kernel(), "avx2");
#else
	CU_ASSERT_STRING_EQUAL(csa_bcq_kernel(), "scalar");
#endif
	csa_bcq_set_simd(CSA_BCQ_SIMD_BEST);
#if CSA_BCQ_HAVE_AVX512
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("avx512f") &&
	    __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl"))
		CU_ASSERT_STRING_EQUAL(csa_bcq_kernel(), "avx512");
#endif
}

/* test_compute.c's golden cases, once with each kernel. */
static void test_golden_cases(void)
{
	static const uint32_t cases[][5] = {
		{ 8, 1, 1, 8, 0 }, { 64, 16, 2, 32, 0 }, { 100, 33, 3, 16, 0 },
		{ 29, 5, 4, 64, 1 }, { 288, 288, 3, 64, 1 },
		{ 768, 1100, 2, 128, 0 }, { 4096, 40, 2, 4096, 0 },
		{ 2056, 7, 4, 2048, 1 }, { 768, 64, 3, 64, 0 },
		{ 768, 96, 3, 64, 1 },
	};
	struct bcq_fast_case c;
	unsigned int i, zero;

	h_seed(51);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (zero = 0; zero < 2; zero++) {
			c = shape(cases[i][0], cases[i][1], cases[i][2],
				  cases[i][3], (int)cases[i][4]);
			c.x = zero ? X_ZERO_GROUPS : X_MIXED;
			run_both(&c, 1);
		}
	}
}

/* Every tail: N around multiples of 32, K around multiples of 8 and G. */
static void test_tails(void)
{
	static const uint32_t ns[] = { 1, 31, 32, 33, 63, 64, 65, 100 };
	static const uint32_t ks[] = { 1, 7, 8, 9, 15, 63, 64, 65, 130 };
	static const uint32_t gs[] = { 8, 16, 24, 64 };
	struct bcq_fast_case c;
	unsigned int i, j;

	h_seed(52);
	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		for (j = 0; j < sizeof(ks) / sizeof(ks[0]); j++) {
			c = shape(ks[j], ns[i], 1 + (i + j) % 4,
				  gs[(i * 3 + j) % 4], (int)((i + j) % 4));
			run_both(&c, 1);
		}
}

/* Random shapes over the whole range of G and P. */
static void test_random_shapes(void)
{
	static const uint32_t gs[] = { 8, 16, 40, 64, 128, 256, 264, 1024,
				       2048, 4096 };
	struct bcq_fast_case c;
	unsigned int i;

	h_seed(53);
	for (i = 0; i < 60; i++) {
		uint32_t g = gs[i % 10], n, k;

		n = 32 * (1 + h_rand32() % 5) + (h_rand32() % 3) - 1;
		k = 1 + h_rand32() % (g >= 2048 ? 5000 : 1200);
		if (i % 7 == 0)
			n = 1 + h_rand32() % 200;
		c = shape(k, n, 1 + h_rand32() % 4, g, (int)(h_rand32() & 3));
		c.x = i % 5 == 4 ? X_ZERO_GROUPS : X_MIXED;
		run_both(&c, 1);
	}
}

/* Partial sums at their extremes: |S| = 127 G with G = 4096, the AVX2
 * kernel's 16-bit lane sums at 256 * 240 (low parts) and 256 * 128 (high
 * parts), the AVX-512 kernel's int16 sums at +-32 * 1016. */
static void test_sum_bounds(void)
{
	static const enum x_kind xs[] = { X_ONES, X_MINUS_ONES };
	static const enum bits_kind bs[] = { B_ZEROS, B_ONES, B_RANDOM };
	struct bcq_fast_case c;
	unsigned int i, j;
	int pow2;

	h_seed(54);
	for (i = 0; i < 2; i++)
		for (j = 0; j < 3; j++)
			for (pow2 = 0; pow2 < 4; pow2++) {
				c = shape(4096 + 8 * (j == 2), 64 + (j == 2), 2,
					  4096, pow2);
				c.x = xs[i];
				c.bits = bs[j];
				c.sc = S_ONE;
				run_both(&c, 1);
			}
	/* x = +1 everywhere, all bits set: each row is 127 * 4096 * (1/127) */
	{
		struct bcq_inputs in;
		float y[32], s = 1.0f / 127.0f;

		c = shape(4096, 32, 1, 4096, 0);
		c.x = X_ONES;
		c.bits = B_ONES;
		c.sc = S_ONE;
		make_inputs(&in, &c);
		exec_bcq(&c, &in, y);
		CU_ASSERT_EQUAL(h_f32_bits(y[0]), h_f32_bits((1.0f * 520192.0f) * s));
		CU_ASSERT_EQUAL(h_f32_bits(y[31]), h_f32_bits(y[0]));
		free_inputs(&in);
	}
}

/* More byte columns than the vector kernel's table chunk (1024). */
static void test_table_chunks(void)
{
	static const uint32_t cases[][5] = {
		{ 9000, 40, 1, 8, 0 },		/* 1125 groups of one column */
		{ 12288, 33, 2, 4096, 1 },	/* 3 groups of 512 columns */
		{ 8200, 64, 3, 16, 0 },
		{ 10000, 32, 1, 2048, 0 },
	};
	struct bcq_fast_case c;
	unsigned int i;

	h_seed(55);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = shape(cases[i][0], cases[i][1], cases[i][2], cases[i][3],
			  (int)cases[i][4]);
		c.x = i & 1 ? X_ZERO_GROUPS : X_MIXED;
		run_both(&c, 1);
	}
}

/* inf, NaN and subnormal activations; every pow2 exponent. */
static void test_special_values(void)
{
	struct bcq_fast_case c;
	unsigned int i;

	h_seed(56);
	for (i = 0; i < 8; i++) {
		c = shape(8 + 97 * i, 31 + 17 * i, 1 + i % 4, 8 << (i % 5),
			  (int)(i & 1));
		c.x = X_SPECIAL;
		c.sc = i & 1 ? S_SPECIAL : S_RANDOM;
		run_both(&c, 1);
	}
	/* rounding ties to even: -125.5 .. 126.5 */
	for (i = 0; i < 4; i++) {
		c = shape(88 * (i + 1), 64 + i, 1 + i, 88, (int)(i & 1));
		c.x = X_TIES;
		run_both(&c, 1);
	}
	/* f32 scales with inf and NaN: both kernels give the same bits */
	for (i = 0; i < 6; i++) {
		c = shape(64 + 100 * i, 64 + 3 * i, 1 + i % 4, 16 << (i % 3), 0);
		c.x = i & 1 ? X_SPECIAL : X_MIXED;
		c.sc = S_SPECIAL;
		run_both(&c, 0);
	}
}

/* Weights or scales ending at the last byte of device memory. */
static void test_buffers_at_end(void)
{
	struct bcq_fast_case c;
	int pow2;

	h_seed(57);
	for (pow2 = 0; pow2 < 4; pow2++) {	/* every scale format */
		c = shape(100, 96, 3, 64, pow2);
		c.place = P_BITS_AT_END;
		run_both(&c, 1);
		c = shape(20, 97, 4, 8, pow2);
		c.place = P_BITS_AT_END;
		run_both(&c, 1);
		c = shape(256, 64, 2, 32, pow2);
		c.place = P_SCALES_AT_END;
		run_both(&c, 1);
		c = shape(100, 96, 3, 32, pow2);	/* 12 scales a row */
		c.place = P_SCALES_AT_END;
		run_both(&c, 1);
		c = shape(200, 64, 1, 8, pow2);		/* 25 scales a row */
		c.place = P_SCALES_AT_END;
		run_both(&c, 1);
	}
}

int add_bcq_fast_suite(void)
{
	CU_pSuite s = CU_add_suite("MATVEC_BCQ vector vs scalar kernel", h_init,
				   h_fini);

	if (!s)
		return -1;
	if (!CU_add_test(s, "kernel choice", test_kernel_choice) ||
	    !CU_add_test(s, "golden cases, both kernels", test_golden_cases) ||
	    !CU_add_test(s, "tails of N, K, G", test_tails) ||
	    !CU_add_test(s, "random shapes G 8..4096, P 1..4", test_random_shapes) ||
	    !CU_add_test(s, "16-bit sums at their bounds", test_sum_bounds) ||
	    !CU_add_test(s, "table chunks", test_table_chunks) ||
	    !CU_add_test(s, "inf, NaN, subnormal, ties, pow2 range", test_special_values) ||
	    !CU_add_test(s, "buffers at the end of devmem", test_buffers_at_end))
		return -1;
	return 0;
}
