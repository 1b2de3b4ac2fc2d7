/* SPDX-License-Identifier: MIT */
/*
 * csa_math.h - the device's own scalar math: every result is defined by
 * the float operations spelled out in csa_math.c, never by libm, so the
 * model gives the same bits on every host (no FMA: -ffp-contract=off).
 */
#ifndef CSA_MATH_H
#define CSA_MATH_H

#include <stdint.h>
#include <string.h>

/* exp(x) in f32: Cody-Waite reduction by ln2, degree-7 Taylor polynomial,
 * exact scaling by 2^n.  Overflow -> +inf, deep underflow -> +0, NaN ->
 * NaN.  Accuracy: docs/commands.md "Numerics" (measured by test-hw-engines). */
float csa_expf(float x);

/* Round to the nearest integer, ties to even, independent of the FPU
 * rounding mode.  Defined for |v| < 2^31; NaN gives 0. */
int32_t csa_round_even(float v);

/* 2^e for an int8 exponent (subnormal for e < -126), built from bits. */
float csa_pow2f(int32_t e);

/* IEEE-754 bit patterns (inline: every engine's inner loops use them). */
static inline uint32_t csa_f32_bits(float v)
{
	uint32_t b;

	memcpy(&b, &v, sizeof(b));
	return b;
}

static inline float csa_f32_from_bits(uint32_t bits)
{
	float v;

	memcpy(&v, &bits, sizeof(v));
	return v;
}

/* csa_expf (csa_math.c; its vector form in vector_avx512.c): */
/* ln2 split so n * CSA_EXP_LN2_HI is exact for |n| < 2^8 (it has 16 bits). */
#define CSA_EXP_LN2_HI	0.693145751953125f	/* 0x3f317200 */
#define CSA_EXP_LN2_LO	1.42860677e-6f		/* ln2 - CSA_EXP_LN2_HI */
#define CSA_EXP_LOG2E	1.44269502f
#define CSA_EXP_MAX	88.7228394f		/* above: exp overflows f32 */
#define CSA_EXP_MIN	-103.972084f		/* below: rounds to +0 */

/* Taylor coefficients 1/k!, k = 2..7 (|r| <= ln2/2 + a little). */
#define CSA_EXP_C2	0.5f
#define CSA_EXP_C3	0.166666672f
#define CSA_EXP_C4	0.0416666679f
#define CSA_EXP_C5	0.00833333377f
#define CSA_EXP_C6	0.00138888892f
#define CSA_EXP_C7	0.000198412701f

/* IEEE-754 binary16 <-> binary32, from bits (no __fp16, no libm).
 * To binary16: round to nearest, ties to even; above the largest finite
 * binary16 (65504) by half an ulp or more -> inf; subnormals kept; NaN
 * stays a quiet NaN with the top 9 payload bits.  To binary32: exact. */
uint16_t csa_f16_from_f32(float v);

/* binary16 zero, subnormal, inf and NaN to binary32 (the rare cases of
 * csa_f32_from_f16, out of line) */
float csa_f32_from_f16_special(uint16_t h);

/* Inline: the f16 KV cache and f16 BCQ scales convert one per element. */
static inline float csa_f32_from_f16(uint16_t h)
{
	uint32_t e = (h >> 10) & 0x1fu;

	if (e - 1u < 30u)	/* normal: rebias the exponent, widen m */
		return csa_f32_from_bits(((uint32_t)(h & 0x8000u) << 16) |
					 (((uint32_t)(h & 0x7fffu) << 13) +
					  (112u << 23)));
	return csa_f32_from_f16_special(h);
}

static inline int csa_isnan(float v)
{
	return v != v;
}

#endif /* CSA_MATH_H */
