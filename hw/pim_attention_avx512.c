// SPDX-License-Identifier: MIT
/*
 * pim_attention_avx512.c - ATTENTION's two products in 512-bit vectors,
 * giving the same bits as pim_attention.c.
 *
 * Both sums run along the cache's rows (a token's K row over d, a
 * dimension's V row over t) and are sequential, so the lanes are 16
 * independent sums side by side: 16 tokens' scores, 16 dimensions'
 * outputs.  A 16 x 16 tile of the cache (16 rows, 16 elements each) is
 * loaded, widened to f32 and transposed with shuffles (every bit kept),
 * then each lane adds q[d] * K[t][d] (p[t] * V[d][t]) in the order of
 * the scalar chain: mulps/addps round like mulss/addss and the build
 * forbids FMA.  Lanes past the last token or dimension read zeros and are
 * never stored.
 *
 * binary16 elements widen with vcvtph2ps, which equals csa_f32_from_f16
 * (subnormals, inf, NaN payloads) except that it quiets a signalling NaN;
 * a cache element is only ever an operand of a multiply, which quiets it
 * itself, so the products, and every bit after them, are the same.
 */
#include "hw/csa_math.h"
#include "hw/engines.h"
#include "hw/pim_attention_impl.h"

#if CSA_ATTN_HAVE_AVX512
#include <immintrin.h>

#include "csa/csa_device.h"

#define AVX512		__attribute__((target("avx2,f16c,avx512f,avx512bw,avx512vl")))
#define AVX512_INLINE	__attribute__((target("avx2,f16c,avx512f,avx512bw,avx512vl"), \
				       always_inline)) inline
#define TILE		16u

/* the rows of a tile past the last token or dimension */
static const uint8_t zero_row[TILE * 4];

/* @n (1..16) elements of one row as f32 lanes, the rest +0 */
static AVX512_INLINE __m512 load_row(const uint8_t *p, uint32_t esize,
				     __mmask16 n)
{
	if (esize == 4)
		return _mm512_maskz_loadu_ps(n, (const void *)p);
	return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(n, (const void *)p));
}

/* r[i][j] -> r[j][i], 16 x 16 f32 */
static AVX512_INLINE void transpose16(__m512 r[16])
{
	__m512 t[16], u[16];
	unsigned int i, k;

	for (i = 0; i < 16; i += 2) {
		t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
		t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
	}
	/* u[4b + k], lane L: element 4L + k of rows 4b .. 4b + 3 */
	for (i = 0; i < 16; i += 4) {
		u[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
		u[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xee);
		u[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
		u[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xee);
	}
	for (k = 0; k < 4; k++) {
		__m512 x = _mm512_shuffle_f32x4(u[k], u[4 + k], 0x88);
		__m512 y = _mm512_shuffle_f32x4(u[k], u[4 + k], 0xdd);
		__m512 x2 = _mm512_shuffle_f32x4(u[8 + k], u[12 + k], 0x88);
		__m512 y2 = _mm512_shuffle_f32x4(u[8 + k], u[12 + k], 0xdd);

		r[k] = _mm512_shuffle_f32x4(x, x2, 0x88);
		r[8 + k] = _mm512_shuffle_f32x4(x, x2, 0xdd);
		r[4 + k] = _mm512_shuffle_f32x4(y, y2, 0x88);
		r[12 + k] = _mm512_shuffle_f32x4(y, y2, 0xdd);
	}
}

AVX512 void csa_attn_scores_avx512(float *scores, const uint8_t *q,
				   const struct head_view *v, float scale)
{
	uint32_t t0, d0, j, c, nt, nd;
	__m512 r[TILE], s;

	for (t0 = 0; t0 < v->seq_len; t0 += TILE) {
		nt = v->seq_len - t0 < TILE ? v->seq_len - t0 : TILE;
		s = _mm512_setzero_ps();
		for (d0 = 0; d0 < v->hd; d0 += TILE) {
			nd = v->hd - d0 < TILE ? v->hd - d0 : TILE;
			for (j = 0; j < TILE; j++)
				r[j] = load_row(j < nt ? v->cache + v->esize *
						csa_kv_k_index(v->hd, v->max_seq,
							       v->kvh, t0 + j, d0) :
						zero_row, v->esize,
						(__mmask16)((1u << nd) - 1));
			transpose16(r);
			if (nd == TILE) {
#pragma GCC unroll 16
				for (c = 0; c < TILE; c++)
					s = _mm512_add_ps(s, _mm512_mul_ps(_mm512_set1_ps(
						csa_ld_f32(q + 4 * (d0 + c))), r[c]));
			} else {
				for (c = 0; c < nd; c++)
					s = _mm512_add_ps(s, _mm512_mul_ps(_mm512_set1_ps(
						csa_ld_f32(q + 4 * (d0 + c))), r[c]));
			}
		}
		_mm512_mask_storeu_ps(scores + t0, (__mmask16)((1u << nt) - 1),
				      _mm512_mul_ps(s, _mm512_set1_ps(scale)));
	}
}

AVX512 void csa_attn_values_avx512(uint8_t *out, const float *p,
				   const struct head_view *v)
{
	uint32_t t0, d0, j, c, nt, nd;
	__m512 r[TILE], o;

	for (d0 = 0; d0 < v->hd; d0 += TILE) {
		nd = v->hd - d0 < TILE ? v->hd - d0 : TILE;
		o = _mm512_setzero_ps();
		for (t0 = 0; t0 < v->seq_len; t0 += TILE) {
			nt = v->seq_len - t0 < TILE ? v->seq_len - t0 : TILE;
			for (j = 0; j < TILE; j++)
				r[j] = load_row(j < nd ? v->cache + v->esize *
						csa_kv_v_index(v->n_kv, v->hd,
							       v->max_seq, v->kvh,
							       t0, d0 + j) :
						zero_row, v->esize,
						(__mmask16)((1u << nt) - 1));
			transpose16(r);
			if (nt == TILE) {
#pragma GCC unroll 16
				for (c = 0; c < TILE; c++)
					o = _mm512_add_ps(o, _mm512_mul_ps(
						_mm512_set1_ps(p[t0 + c]), r[c]));
			} else {
				for (c = 0; c < nt; c++)
					o = _mm512_add_ps(o, _mm512_mul_ps(
						_mm512_set1_ps(p[t0 + c]), r[c]));
			}
		}
		_mm512_mask_storeu_ps((void *)(out + 4 * (uint64_t)d0),
				      (__mmask16)((1u << nd) - 1), o);
	}
}
/* @n (1..16) f32 lanes as cache elements at @p: binary16 by vcvtps2ph,
 * round to nearest even, which equals csa_f16_from_f32 on every f32
 * encoding (NaN: quiet, top payload bits; overflow: inf) */
static AVX512_INLINE void store_row(uint8_t *p, uint32_t esize, __mmask16 n,
				    __m512 x)
{
	if (esize == 4)
		_mm512_mask_storeu_ps((void *)p, n, x);
	else
		_mm256_mask_storeu_epi16((void *)p, n, _mm512_cvtps_ph(x,
					 _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

AVX512 void csa_kv_append_avx512(uint8_t *cache, const uint8_t *k,
				 const uint8_t *v, uint32_t n_kv, uint32_t hd,
				 uint32_t pos, uint32_t max_seq, uint32_t esize)
{
	uint64_t src, vi;
	uint32_t h, i, j, n;
	uint16_t half[TILE];
	float word[TILE];
	__mmask16 m;
	__m512 x;

	for (h = 0; h < n_kv; h++)
		for (i = 0; i < hd; i += TILE) {
			n = hd - i < TILE ? hd - i : TILE;
			m = (__mmask16)((1u << n) - 1);
			src = 4 * ((uint64_t)h * hd + i);
			/* K: the token's row is contiguous */
			store_row(cache + esize * csa_kv_k_index(hd, max_seq, h, pos, i),
				  esize, m, _mm512_maskz_loadu_ps(m, (const void *)(k + src)));
			/* V: one element per dimension's row, a row apart */
			x = _mm512_maskz_loadu_ps(m, (const void *)(v + src));
			vi = csa_kv_v_index(n_kv, hd, max_seq, h, pos, i);
			if (esize == 4) {
				_mm512_storeu_ps(word, x);
				for (j = 0; j < n; j++)
					memcpy(cache + 4 * (vi + (uint64_t)j * CSA_KV_BANKS *
						csa_kv_slots(max_seq)), &word[j], 4);
			} else {
				_mm256_storeu_si256((__m256i *)(void *)half, _mm512_cvtps_ph(x,
					_MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
				for (j = 0; j < n; j++)
					memcpy(cache + 2 * (vi + (uint64_t)j * CSA_KV_BANKS *
						csa_kv_slots(max_seq)), &half[j], 2);
			}
		}
}
#else
/* no AVX-512 kernel for this compiler: pim_attention.c runs every head */
typedef int pim_attention_avx512_absent;
#endif /* CSA_ATTN_HAVE_AVX512 */
