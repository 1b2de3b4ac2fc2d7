// SPDX-License-Identifier: MIT
/*
 * test_accuracy.c - the numerics against real math: csa_expf in ulps
 * against a double exp, the BCQ engine against the dequantized weights in
 * double, the ConSmax LUT against exp(s - beta) / gamma.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "golden.h"
#include "harness.h"
#include "hw/csa_math.h"
#include "tests.h"

/* Bound the tests assert; docs/commands.md states the measured value. */
#define EXPF_MAX_ULP	1.06	/* exhaustive maximum: 1.052 */

/* Error of @got against the exact @ref, in ulps of the f32 nearest @ref
 * (subnormal ulp 2^-149 below FLT_MIN). */
static double ulp_error(float got, double ref)
{
	int e;
	double ulp;

	if (ref < 0x1p-126)
		ulp = 0x1p-149;
	else {
		frexp(ref, &e);		/* ref = m * 2^e, m in [0.5, 1) */
		ulp = ldexp(1.0, e - 24);
	}
	return fabs((double)got - ref) / ulp;
}

/* Distance in representable floats between two finite f32 of one sign. */
static uint32_t f32_steps(float a, float b)
{
	uint32_t x = h_f32_bits(a), y = h_f32_bits(b);

	return x > y ? x - y : y - x;
}

static void sweep(uint32_t from, uint32_t to, double *worst, float *worst_x,
		  uint32_t *libm_steps, long *n)
{
	uint32_t bits, st;
	double err;
	float x;

	for (bits = from; bits <= to; bits += 127, (*n)++) {
		x = h_bits_f32(bits);
		err = ulp_error(csa_expf(x), exp((double)x));
		if (err > *worst) {
			*worst = err;
			*worst_x = x;
		}
		st = f32_steps(csa_expf(x), expf(x));
		if (st > *libm_steps)
			*libm_steps = st;
	}
}

static void test_expf_accuracy(void)
{
	double worst = 0;
	float worst_x = 0;
	uint32_t libm_steps = 0;
	long n = 0;

	/* every 127th f32 whose exp is finite and not flushed to zero:
	 * [-103.97, -0] and [+0, 88.72) */
	sweep(0x80000000u, 0xc2cff1b4u, &worst, &worst_x, &libm_steps, &n);
	sweep(0, 0x42b17217u, &worst, &worst_x, &libm_steps, &n);
	printf("\n    csa_expf: max %.3f ulp vs exact (x = %.9g), max %u ulp "
	       "from libm expf, %ld inputs ", worst, worst_x, libm_steps, n);
	CU_ASSERT(worst <= EXPF_MAX_ULP);
	CU_ASSERT(libm_steps <= 1);
	CU_ASSERT(n > 1000000);
}

/* BCQ vs y_ref = sum_k W_deq[n][k] x[k] in double, W_deq = sum_p alpha B_p.
 * Only the int8 activation rounding differs: |x_j - q_j s_g| <= s_g / 2,
 * so |y - y_ref| <= sum_g (s_g / 2) sum_{j in g} |W_deq[n][j]|, plus f32
 * rounding of the scale chain (relative 1e-5 of sum |W| |x|). */
static void run_bcq_accuracy(uint32_t k, uint32_t n, uint32_t planes,
			     uint32_t group, int pow2)
{
	uint64_t nbits = csa_bcq_bits_bytes(k, n, planes);
	uint64_t nsc = csa_bcq_scale_bytes(k, n, planes, group, pow2);
	uint32_t k8 = (k + 7) / 8, ng = (k + group - 1) / group;
	float *x = calloc(k, 4), *y = calloc(n, 4);
	uint8_t *bits = malloc(nbits), *sc = malloc(nsc);
	struct csa_desc d = t_desc(CSA_OP_MATVEC_BCQ, pow2 ? CSA_CMD_F_POW2 : 0);
	uint64_t cycles, i;
	uint32_t row, j, p, g;
	double worst_ratio = 0;

	CU_ASSERT_FATAL(x && y && bits && sc);
	for (i = 0; i < k; i++)
		x[i] = h_rand_mixed(1.0f);
	for (i = 0; i < nbits; i++)
		bits[i] = (uint8_t)h_rand32();
	for (i = 0; i < (pow2 ? nsc : nsc / 4); i++) {
		if (pow2) {
			sc[i] = (uint8_t)(int8_t)(-(int)(h_rand32() % 8) - 2);
		} else {
			float a = h_randf(0.002f, 0.04f);

			memcpy(sc + 4 * i, &a, 4);
		}
	}
	h_reset();
	d.arg[0] = k;
	d.arg[1] = n;
	d.arg[2] = planes;
	d.arg[3] = group;
	d.addr[0] = h_alloc(k * 4);
	d.addr[1] = h_alloc(nbits);
	d.addr[2] = h_alloc(nsc);
	d.addr[3] = h_alloc(n * 4);
	h_put(d.addr[0], x, k * 4);
	h_put(d.addr[1], bits, nbits);
	h_put(d.addr[2], sc, nsc);
	CU_ASSERT_EQUAL_FATAL(h_exec(&d, &cycles), CSA_STATUS_OK);
	h_get(d.addr[3], y, n * 4);

	for (row = 0; row < n; row++) {
		double ref = 0, bound = 0, mag = 0;

		for (g = 0; g < ng; g++) {
			double amax = 0, wsum = 0;

			for (j = g * group; j < k && j < (g + 1) * group; j++) {
				double w = 0;

				for (p = 0; p < planes; p++) {
					size_t si = ((size_t)row * ng + g) * planes + p;
					double a;
					int bit = (bits[((size_t)p * k8 + j / 8) * n + row]
						   >> (j % 8)) & 1;

					if (pow2) {
						a = ldexp(1.0, (int8_t)sc[si]);
					} else {
						float af;

						memcpy(&af, sc + 4 * si, 4);
						a = af;
					}
					w += bit ? a : -a;
				}
				ref += w * x[j];
				wsum += fabs(w);
				mag += fabs(w * x[j]);
				if (fabs(x[j]) > amax)
					amax = fabs(x[j]);
			}
			bound += amax / 127.0 / 2.0 * wsum;
		}
		bound = bound * 1.0001 + 1e-5 * mag + 1e-30;
		CU_ASSERT(fabs(y[row] - ref) <= bound);
		if (fabs(y[row] - ref) / bound > worst_ratio)
			worst_ratio = fabs(y[row] - ref) / bound;
	}
	CU_ASSERT(worst_ratio > 0.0);	/* quantization really happened */
	free(x);
	free(y);
	free(bits);
	free(sc);
}

static void test_bcq_vs_dequant(void)
{
	h_seed(21);
	run_bcq_accuracy(256, 64, 3, 64, 0);
	run_bcq_accuracy(1000, 17, 2, 128, 1);
	run_bcq_accuracy(96, 300, 4, 8, 0);
}

/* The LUT gives exp(step q - beta) / gamma with q = round(s / step):
 * relative error <= exp(step / 2) - 1 from the rounding of s, plus a few
 * f32 roundings (table entries and the product). */
static void test_consmax_vs_exp(void)
{
	const double beta = 2.0, gamma = 100.0, step = 0.05;
	float tab[36], s, p;
	double ref, tol = expm1(step / 2) + 4 * 0x1p-24, worst = 0;
	struct csa_desc d = t_desc(CSA_OP_SOFTMAX, CSA_CMD_F_CONSMAX);
	float xs[1000], ys[1000];
	uint64_t cycles;
	int i;

	g_consmax_table(tab, beta, gamma, step);
	h_seed(22);
	for (i = 0; i < 1000; i++)	/* inside the table: |q| <= 127 */
		xs[i] = h_randf(-128 * 0.05f + 0.03f, 127 * 0.05f - 0.03f);
	h_reset();
	d.arg[0] = 1000;
	d.addr[0] = h_alloc(sizeof(xs));
	d.addr[1] = h_alloc(sizeof(ys));
	d.addr[2] = h_alloc(sizeof(tab));
	h_put(d.addr[0], xs, sizeof(xs));
	h_put(d.addr[2], tab, sizeof(tab));
	CU_ASSERT_EQUAL_FATAL(h_exec(&d, &cycles), CSA_STATUS_OK);
	h_get(d.addr[1], ys, sizeof(ys));
	for (i = 0; i < 1000; i++) {
		ref = exp((double)xs[i] - beta) / gamma;
		CU_ASSERT(fabs(ys[i] - ref) <= tol * ref);
		if (fabs(ys[i] - ref) / ref > worst)
			worst = fabs(ys[i] - ref) / ref;
	}
	CU_ASSERT(worst > 0.0);
	/* saturation: beyond the table, q clamps to 127 / -128 */
	s = 1000.0f;
	p = ys[0];
	h_put(d.addr[0], &s, 4);
	CU_ASSERT_EQUAL_FATAL(h_exec(&d, &cycles), CSA_STATUS_OK);
	h_get(d.addr[1], &p, 4);
	CU_ASSERT_EQUAL(h_f32_bits(p), h_f32_bits(tab[4 + 7 + 8] * tab[20 + 15]));
	s = -1000.0f;
	h_put(d.addr[0], &s, 4);
	CU_ASSERT_EQUAL_FATAL(h_exec(&d, &cycles), CSA_STATUS_OK);
	h_get(d.addr[1], &p, 4);
	CU_ASSERT_EQUAL(h_f32_bits(p), h_f32_bits(tab[4 + 0] * tab[20 + 0]));
	/* no normalization: the outputs do not sum to 1 */
	CU_ASSERT(ys[0] > 0.0f);
}

int add_accuracy_suite(void)
{
	CU_pSuite s = CU_add_suite("numerics accuracy", h_init, h_fini);

	if (!s)
		return -1;
	if (!CU_add_test(s, "csa_expf ulp error", test_expf_accuracy) ||
	    !CU_add_test(s, "MATVEC_BCQ vs dequantized f64", test_bcq_vs_dequant) ||
	    !CU_add_test(s, "ConSmax LUT vs exp(s-beta)/gamma", test_consmax_vs_exp))
		return -1;
	return 0;
}
