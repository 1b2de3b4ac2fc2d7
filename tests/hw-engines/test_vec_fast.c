// SPDX-License-Identifier: MIT
/*
 * test_vec_fast.c - the vector unit's 16-lane loops (hw/vector_avx512.c,
 * where the host has AVX-512F) against the scalar code, bit for bit:
 * csa_expf over a sweep of every 509th f32 encoding, its range edges and
 * the boundaries of its 2^n steps; SILU_MUL and SOFTMAX through the
 * engine with both kernels on random and special inputs (NaN where NaN:
 * which NaN an operation on two NaNs returns is not specified).
 */
#include <math.h>
#include <stdlib.h>

#include "harness.h"
#include "hw/csa_math.h"
#include "hw/vector_impl.h"
#include "tests.h"

#define SWEEP_STEP	509u
#define BATCH		4096u

static unsigned int differ(const float *a, const float *b, uint64_t n)
{
	unsigned int bad = 0;
	uint64_t i;

	for (i = 0; i < n; i++)
		bad += isnan(a[i]) || isnan(b[i]) ? isnan(a[i]) != isnan(b[i]) :
		       h_f32_bits(a[i]) != h_f32_bits(b[i]);
	return bad;
}

/* csa_vec_exp_sub_avx512(x, m) against csa_expf(x - m), @n values */
static unsigned int exp_batch(const float *x, float m, uint32_t n)
{
	static float fast[BATCH], slow[BATCH];
	unsigned int bad = 0;
	uint32_t i;

#if CSA_VEC_HAVE_AVX512
	csa_vec_exp_sub_avx512(fast, x, m, n);
#endif
	for (i = 0; i < n; i++) {
		slow[i] = csa_expf(x[i] - m);
		/* a NaN argument comes back as itself, payload and all */
		if (isnan(x[i]))
			bad += h_f32_bits(fast[i]) != h_f32_bits(x[i] - m);
	}
	return bad + differ(fast, slow, n);
}

static void test_expf_lanes(void)
{
	static const uint32_t edges[] = {
		0x00000000u, 0x80000000u, 0x7f800000u, 0xff800000u,
		0x7fc00000u, 0xffc12345u, 0x7f812345u, 0x00000001u,
		0x42b17218u, 0x42b17217u, 0x42b17219u,	/* around CSA_EXP_MAX */
		0xc2cff1b5u, 0xc2cff1b4u, 0xc2cff1b6u,	/* around CSA_EXP_MIN */
		0x42b00000u, 0x42b0a000u, 0xc2ae0000u, 0xc2af0000u,
		0xc2aeac50u, 0xc2aeac4fu, 0xc2aeac51u,	/* 2^-126 steps */
		0x3f000000u, 0xbf000000u, 0x3f317218u, 0x3eb17218u,
	};
	static float x[BATCH];
	uint64_t b;
	uint32_t n = 0, i, bad = 0;

	if (!csa_vec_use_avx512())
		return;		/* no vector kernel on this host */
	for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		x[i] = h_bits_f32(edges[i]);
		/* the neighbours of each edge, a few steps either way */
		x[i + 32] = h_bits_f32(edges[i] + 1);
		x[i + 64] = h_bits_f32(edges[i] - 1);
	}
	CU_ASSERT_EQUAL(exp_batch(x, 0.0f, 96), 0u);
	for (b = 0; b < (1ull << 32); b += SWEEP_STEP) {
		x[n++] = h_bits_f32((uint32_t)b);
		if (n == BATCH) {
			bad += exp_batch(x, 0.0f, n);
			n = 0;
		}
	}
	bad += exp_batch(x, 0.0f, n);
	CU_ASSERT_EQUAL(bad, 0u);
	/* softmax-like arguments: x - m with m the largest */
	h_seed(81);
	for (i = 0; i < BATCH; i++)
		x[i] = h_rand_mixed(40.0f);
	CU_ASSERT_EQUAL(exp_batch(x, 40.5f, BATCH), 0u);
	CU_ASSERT_EQUAL(exp_batch(x, -3.25f, 1001), 0u);
}

/* random values, 1 in 16 special (NaN, inf, huge, tiny, -0) */
static float random_input(float mag)
{
	static const uint32_t special[] = {
		0x7fc00001u, 0xff800000u, 0x7f800000u, 0x80000000u,
		0x00000001u, 0x7f7fffffu, 0xc2c80000u, 0x42c80000u,
	};

	if (h_rand32() % 16 == 0)
		return h_bits_f32(special[h_rand32() % 8]);
	return h_rand_mixed(mag);
}

/* one command with each kernel; out holds @n floats at @a_out */
static void both(const struct csa_desc *d, uint64_t a_out, uint64_t n,
		 float *fast, float *slow)
{
	uint64_t cycles;

	CU_ASSERT_EQUAL_FATAL(h_exec(d, &cycles), CSA_STATUS_OK);
	h_get(a_out, fast, 4 * n);
	csa_vector_set_simd(0);
	CU_ASSERT_EQUAL_FATAL(h_exec(d, &cycles), CSA_STATUS_OK);
	h_get(a_out, slow, 4 * n);
	csa_vector_set_simd(1);
}

static void test_silu_softmax(void)
{
	static const uint32_t sizes[] = { 1, 15, 16, 17, 100, 2048, 5003 };
	uint32_t i, j, n, mode;

	if (!csa_vec_use_avx512())
		return;
	h_seed(82);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		for (mode = 0; mode < 3; mode++) {
			float *a = malloc(4ull * sizes[i]), *b = malloc(4ull * sizes[i]);
			float *fast = malloc(4ull * sizes[i]), *slow = malloc(4ull * sizes[i]);
			uint64_t aa, ab, ay;
			struct csa_desc d;

			CU_ASSERT_PTR_NOT_NULL_FATAL(a);
			CU_ASSERT_PTR_NOT_NULL_FATAL(b);
			CU_ASSERT_PTR_NOT_NULL_FATAL(fast);
			CU_ASSERT_PTR_NOT_NULL_FATAL(slow);
			n = sizes[i];
			for (j = 0; j < n; j++) {
				/* mode 2: finite softmax inputs, compared bit for bit */
				a[j] = mode == 2 ? h_rand_mixed(30.0f) : random_input(20.0f);
				b[j] = random_input(2.0f);
			}
			h_reset();
			aa = h_alloc(4ull * n);
			ab = h_alloc(4ull * n);
			ay = h_alloc(4ull * n);
			h_put(aa, a, 4ull * n);
			h_put(ab, b, 4ull * n);
			if (mode == 0) {
				d = t_desc(CSA_OP_SILU_MUL, 0);
				d.addr[2] = ay;
			} else {
				d = t_desc(CSA_OP_SOFTMAX, 0);
				d.addr[1] = ay;
			}
			d.arg[0] = n;
			d.addr[0] = aa;
			if (mode == 0)
				d.addr[1] = ab;
			both(&d, ay, n, fast, slow);
			CU_ASSERT_EQUAL(differ(fast, slow, n), 0u);
			if (mode == 2)
				for (j = 0; j < n; j++)
					CU_ASSERT_FALSE(isnan(fast[j]));
			free(a);
			free(b);
			free(fast);
			free(slow);
		}
}

int add_vec_fast_suite(void)
{
	CU_pSuite s = CU_add_suite("vector unit 16-lane loops", h_init, h_fini);

	if (!s ||
	    !CU_add_test(s, "csa_expf in 16 lanes = scalar", test_expf_lanes) ||
	    !CU_add_test(s, "SILU_MUL, SOFTMAX: vector = scalar", test_silu_softmax))
		return -1;
	return 0;
}
