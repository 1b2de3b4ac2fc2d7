// SPDX-License-Identifier: MIT
/*
 * vector_avx512.c - the vector unit's exp-based element-wise loops 16
 * lanes at a time on AVX-512F hosts, giving the same bits as vector.c.
 *
 * expf16 is csa_expf (csa_math.c) lane by lane: the same constants and
 * the same operations in the same order, each rounded once (mulps/addps
 * round like mulss/addss; the build forbids FMA).  csa_round_even(t) is
 * vrndscaleps to nearest even for every lane that gets that far
 * (|t| < 150); n is converted back to f32 through int32, as there, so a
 * -0 rounding gives +0; 2^e is built from its exponent bits (e stays in
 * the normal range on every path, as in csa_expf); NaN, overflow and
 * underflow lanes take csa_expf's early returns.
 */
#include "hw/csa_math.h"
#include "hw/vector_impl.h"

#if CSA_VEC_HAVE_AVX512
#include <immintrin.h>

#define AVX512		__attribute__((target("avx512f")))
#define AVX512_INLINE	__attribute__((target("avx512f"), always_inline)) inline

/* 2^e for int32 lanes e in -126..127 */
static AVX512_INLINE __m512 pow2_normal(__m512i e)
{
	return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(e,
				   _mm512_set1_epi32(127)), 23));
}

static AVX512_INLINE __m512 expf16(__m512 x)
{
	__mmask16 nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
	__mmask16 over = _mm512_cmp_ps_mask(x, _mm512_set1_ps(CSA_EXP_MAX), _CMP_GT_OQ);
	__mmask16 under = _mm512_cmp_ps_mask(x, _mm512_set1_ps(CSA_EXP_MIN), _CMP_LT_OQ);
	__mmask16 big, small;
	__m512 t, fn, r, p, y;
	__m512i n, e;

	t = _mm512_mul_ps(x, _mm512_set1_ps(CSA_EXP_LOG2E));
	n = _mm512_cvtps_epi32(_mm512_roundscale_ps(t, _MM_FROUND_TO_NEAREST_INT |
							_MM_FROUND_NO_EXC));
	fn = _mm512_cvtepi32_ps(n);
	r = _mm512_sub_ps(x, _mm512_mul_ps(fn, _mm512_set1_ps(CSA_EXP_LN2_HI)));
	r = _mm512_sub_ps(r, _mm512_mul_ps(fn, _mm512_set1_ps(CSA_EXP_LN2_LO)));
	p = _mm512_set1_ps(CSA_EXP_C7);
	p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(CSA_EXP_C6));
	p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(CSA_EXP_C5));
	p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(CSA_EXP_C4));
	p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(CSA_EXP_C3));
	p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(CSA_EXP_C2));
	p = _mm512_mul_ps(p, r);
	p = _mm512_mul_ps(p, r);
	p = _mm512_add_ps(p, r);
	p = _mm512_add_ps(p, _mm512_set1_ps(1.0f));
	/* p * 2^n, or (p * 2^(n -+ 64)) * 2^(+-64) past the normal range */
	big = _mm512_cmpgt_epi32_mask(n, _mm512_set1_epi32(127));
	small = _mm512_cmplt_epi32_mask(n, _mm512_set1_epi32(-126));
	e = _mm512_mask_sub_epi32(n, big, n, _mm512_set1_epi32(64));
	e = _mm512_mask_add_epi32(e, small, e, _mm512_set1_epi32(64));
	y = _mm512_mul_ps(p, pow2_normal(e));
	y = _mm512_mask_mul_ps(y, big, y, _mm512_set1_ps(18446744073709551616.0f));
	y = _mm512_mask_mul_ps(y, small, y, _mm512_set1_ps(1.0f / 18446744073709551616.0f));
	/* csa_expf's early returns */
	y = _mm512_mask_mov_ps(y, under, _mm512_setzero_ps());
	y = _mm512_mask_mov_ps(y, over, _mm512_castsi512_ps(_mm512_set1_epi32(0x7f800000)));
	return _mm512_mask_mov_ps(y, nan, x);
}

static AVX512_INLINE __mmask16 tail_mask(uint64_t left)
{
	return left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
}

AVX512 void csa_vec_exp_sub_avx512(float *y, const float *x, float m, uint64_t n)
{
	const __m512 mv = _mm512_set1_ps(m);
	uint64_t i;

	for (i = 0; i < n; i += 16) {
		__mmask16 k = tail_mask(n - i);

		_mm512_mask_storeu_ps(y + i, k, expf16(_mm512_sub_ps(
			_mm512_maskz_loadu_ps(k, x + i), mv)));
	}
}

AVX512 void csa_vec_div_avx512(float *y, float z, uint64_t n)
{
	const __m512 zv = _mm512_set1_ps(z);
	uint64_t i;

	for (i = 0; i < n; i += 16) {
		__mmask16 k = tail_mask(n - i);

		_mm512_mask_storeu_ps(y + i, k, _mm512_div_ps(
			_mm512_maskz_loadu_ps(k, y + i), zv));
	}
}

AVX512 void csa_vec_silu_mul_avx512(uint8_t *y, const uint8_t *a,
				    const uint8_t *b, uint64_t n)
{
	const __m512 one = _mm512_set1_ps(1.0f);
	const __m512i sign = _mm512_set1_epi32((int32_t)0x80000000u);
	uint64_t i;

	for (i = 0; i < n; i += 16) {
		__mmask16 k = tail_mask(n - i);
		__m512 av = _mm512_maskz_loadu_ps(k, (const void *)(a + 4 * i));
		__m512 bv = _mm512_maskz_loadu_ps(k, (const void *)(b + 4 * i));
		__m512 neg = _mm512_castsi512_ps(_mm512_xor_si512(
			_mm512_castps_si512(av), sign));
		__m512 sig = _mm512_div_ps(one, _mm512_add_ps(one, expf16(neg)));

		_mm512_mask_storeu_ps((void *)(y + 4 * i), k,
				      _mm512_mul_ps(_mm512_mul_ps(av, sig), bv));
	}
}
#else
/* no AVX-512 kernel for this compiler: vector.c runs every element */
typedef int vector_avx512_absent;
#endif /* CSA_VEC_HAVE_AVX512 */
