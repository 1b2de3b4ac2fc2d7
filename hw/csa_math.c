// SPDX-License-Identifier: MIT
/*
 * csa_math.c - deterministic scalar math of the device (see csa_math.h).
 * Every expression is written in the order it is evaluated, one rounding
 * per operation; the build forbids contraction into FMA.
 */
#include <string.h>

#include "hw/csa_math.h"

float csa_pow2f(int32_t e)
{
	if (e > 127)
		return csa_f32_from_bits(0x7f800000u);
	if (e >= -126)
		return csa_f32_from_bits((uint32_t)(e + 127) << 23);
	if (e >= -149)	/* subnormal: a single mantissa bit */
		return csa_f32_from_bits(1u << (e + 149));
	return 0.0f;
}

uint16_t csa_f16_from_f32(float v)
{
	uint32_t x = csa_f32_bits(v), sign = (x >> 16) & 0x8000u;
	uint32_t ax = x & 0x7fffffffu, m, q, shift, rem, half;

	if (ax > 0x7f800000u)		/* NaN: quiet, top payload bits */
		return (uint16_t)(sign | 0x7e00u | ((ax >> 13) & 0x3ffu));
	if (ax >= 0x477ff000u)		/* >= 65520 (and inf): inf */
		return (uint16_t)(sign | 0x7c00u);
	if (ax >= 0x38800000u) {	/* >= 2^-14: normal binary16 */
		/* add just under half an ulp, plus the lsb for ties to even;
		 * a carry moves into the exponent as it should */
		ax += 0xfffu + ((ax >> 13) & 1u);
		return (uint16_t)(sign | ((ax - 0x38000000u) >> 13));
	}
	if (ax <= 0x33000000u)		/* <= 2^-25: ties to even give 0 */
		return (uint16_t)sign;
	/* subnormal: the significand m * 2^(e-150) in units of 2^-24 */
	m = (ax & 0x7fffffu) | 0x800000u;
	shift = 126u - (ax >> 23);	/* 14..24 */
	q = m >> shift;
	rem = m & ((1u << shift) - 1u);
	half = 1u << (shift - 1u);
	if (rem > half || (rem == half && (q & 1u)))
		q++;			/* may become 0x400, the least normal */
	return (uint16_t)(sign | q);
}

float csa_f32_from_f16_special(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
	uint32_t e = (h >> 10) & 0x1fu, m = h & 0x3ffu;

	if (e == 0x1fu)
		return csa_f32_from_bits(sign | 0x7f800000u | (m << 13));
	if (e)
		return csa_f32_from_bits(sign | ((e + 112u) << 23) | (m << 13));
	if (!m)
		return csa_f32_from_bits(sign);
	e = 113;			/* subnormal: normalize */
	while (!(m & 0x400u)) {
		m <<= 1;
		e--;
	}
	return csa_f32_from_bits(sign | (e << 23) | ((m & 0x3ffu) << 13));
}

int32_t csa_round_even(float v)
{
	int32_t i;
	float frac;

	if (csa_isnan(v))
		return 0;
	i = (int32_t)v;		/* truncates toward zero */
	frac = v - (float)i;	/* exact: same binade or smaller */
	if (frac > 0.5f || (frac == 0.5f && (i & 1)))
		i++;
	else if (frac < -0.5f || (frac == -0.5f && (i & 1)))
		i--;
	return i;
}

/* csa_expf's constants: csa_math.h (the vector kernel shares them) */
#define LN2_HI		CSA_EXP_LN2_HI
#define LN2_LO		CSA_EXP_LN2_LO
#define LOG2E		CSA_EXP_LOG2E
#define EXP_MAX		CSA_EXP_MAX
#define EXP_MIN		CSA_EXP_MIN
#define C2		CSA_EXP_C2
#define C3		CSA_EXP_C3
#define C4		CSA_EXP_C4
#define C5		CSA_EXP_C5
#define C6		CSA_EXP_C6
#define C7		CSA_EXP_C7

float csa_expf(float x)
{
	float t, fn, r, p;
	int32_t n;

	if (csa_isnan(x))
		return x;
	if (x > EXP_MAX)
		return csa_f32_from_bits(0x7f800000u);
	if (x < EXP_MIN)
		return 0.0f;

	/* n = round(x / ln2), ties to even; |t| < 150 */
	t = x * LOG2E;
	n = csa_round_even(t);
	fn = (float)n;
	r = x - fn * LN2_HI;
	r = r - fn * LN2_LO;

	/* exp(r) = 1 + r + r^2 (C2 + r (C3 + r (C4 + r (C5 + r (C6 + r C7))))) */
	p = C7;
	p = p * r + C6;
	p = p * r + C5;
	p = p * r + C4;
	p = p * r + C3;
	p = p * r + C2;
	p = p * r;
	p = p * r;
	p = p + r;
	p = p + 1.0f;

	/* p * 2^n: two exact power-of-two steps keep the one rounding (into
	 * the subnormal range, or to +inf) at the last multiply. */
	if (n > 127)
		return (p * csa_pow2f(n - 64)) * csa_pow2f(64);
	if (n < -126)
		return (p * csa_pow2f(n + 64)) * csa_pow2f(-64);
	return p * csa_pow2f(n);
}
