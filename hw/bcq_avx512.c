// SPDX-License-Identifier: MIT
/*
 * bcq_avx512.c - MATVEC_BCQ on hosts with AVX-512F, BW and VL, giving the
 * same bits as the scalar engine in bcq.c.
 *
 * As in bcq_avx2.c a weight byte's 256-entry table splits by nibble,
 * T[b] = T_lo[b & 15] + T_hi[b >> 4] (exact: T is linear in the signs),
 * but the two 16-entry tables hold the int16 sums themselves
 * (|T_lo|, |T_hi| <= 4 * 127) and the lookup is vpermw, which indexes
 * 16-bit lanes: no byte bias, no carries to undo.  A column's 64 row
 * bytes are read as 32 words, word i = row 2i | row 2i+1 << 8; vpermw
 * looks at the low 5 bits of each index word, and the tables are
 * broadcast to both 256-bit halves (entry e and e + 16 equal), so bit 4
 * does not matter:
 *   row 2i:   T_lo[w], T_hi[w >> 4];   row 2i+1: T_lo[w >> 8], T_hi[w >> 12]
 * Three shifts, four lookups and four adds per column of 64 rows.  Sums
 * stay in int16 lanes (even rows, odd rows) for up to 32 columns
 * (32 * 1016 < 2^15), then are interleaved back to row order and widened
 * to int32.  All planes of a group go through its columns together, so
 * each column's tables are loaded once.  Integer sums are exact in any
 * order; the float chain per row is the scalar engine's, lane by lane
 * (mulps/addps round like mulss/addss, and the build forbids FMA), in the
 * same order, 16 rows per vector.
 *
 * Only this file's functions use AVX-512 (target attribute); the rest of
 * the model is built for the baseline ISA and calls in after a run-time
 * check.  The scalar steps (amax, quantization, the scales' transpose)
 * are bcq_avx2.c's.
 */
#include "hw/bcq_impl.h"
#include "hw/host_cpu.h"

#if CSA_BCQ_HAVE_AVX512
#include <immintrin.h>

#define AVX512		__attribute__((target("avx2,f16c,avx512f,avx512bw,avx512vl")))
#define AVX512_INLINE	__attribute__((target("avx2,f16c,avx512f,avx512bw,avx512vl"), \
				       always_inline)) inline
#define BLOCK		64u	/* rows per block: one 512-bit vector per column */
#define RUN_KB		32u	/* columns the int16 sums can take: 32 * 1016 */
#define ABUF_PAIRS	64u	/* (group, plane) scales per row held at once */
#define ABUF_ROWS	64u
#ifndef PF_AHEAD
#define PF_AHEAD	BLOCK	/* bits prefetched one block of rows ahead */
#endif
#ifndef PF_HINT
#define PF_HINT _MM_HINT_T0
#endif

/* The scratch layout of bcq_avx2.c: BCQ_AVX2_SCRATCH_BYTES */
typedef char bcq_avx512_scratch_fits[BCQ_CHUNK_KB * BCQ_TAB_BYTES + BCQ_CHUNK_KB * 5u +
				     ABUF_PAIRS * ABUF_ROWS * 4u <=
				     BCQ_AVX2_SCRATCH_BYTES ? 1 : -1];

/* int16 a in the low 16 words, b in the high 16 */
static AVX512_INLINE __m512i pair16(int32_t a, int32_t b)
{
	return _mm512_inserti64x4(_mm512_castsi256_si512(
		_mm256_set1_epi16((int16_t)a)), _mm256_set1_epi16((int16_t)b), 1);
}

/*
 * T_lo and T_hi of a byte column: entry i = sum_j (bit j of i ? +q : -q),
 * built as -sum q + sum_j (bit j of i ? 2 q_j : 0); word masks select
 * the entries with bit j set.
 */
static AVX512 void build_tables16(uint8_t *t, const int32_t q[8])
{
	static const __mmask32 has_bit[4] = {
		0xaaaaaaaau, 0xccccccccu, 0xf0f0f0f0u, 0xff00ff00u
	};
	__m512i v = pair16(-(q[0] + q[1] + q[2] + q[3]),
			   -(q[4] + q[5] + q[6] + q[7]));
	unsigned int j;

	for (j = 0; j < 4; j++)
		v = _mm512_mask_add_epi16(v, has_bit[j], v,
					  pair16(2 * q[j], 2 * q[4 + j]));
	_mm512_storeu_si512((void *)t, v);
}

/*
 * One scale group of one block of rows: the integer sums of every plane
 * over the group's columns kb0..kb1-1 (their tables at @tabs), then the
 * float chain t = t + alpha * (float)S per plane, from t = +0, alphas at
 * @a (ABUF_ROWS per plane).  @bits: the block's bytes in plane 0's column
 * kb0.  @full: 64 rows, else 32 (the rest of the loaded vector is
 * ignored).  The next block's bytes are prefetched.  P and full are
 * constants where this is inlined, so the per-plane arrays stay in
 * registers.
 */
static AVX512_INLINE void group_block(const struct bcq_shape *s,
				      const uint8_t *bits, const uint8_t *tabs,
				      uint32_t cols, const float *a, __m512 t[4],
				      const uint32_t P, const int full)
{
	/* rows 0-31 and 32-63 of the block from the even- and odd-row sums */
	const __m512i lo_idx = _mm512_set_epi16(
		47, 15, 46, 14, 45, 13, 44, 12, 43, 11, 42, 10, 41, 9, 40, 8,
		39, 7, 38, 6, 37, 5, 36, 4, 35, 3, 34, 2, 33, 1, 32, 0);
	const __m512i hi_idx = _mm512_add_epi16(lo_idx, _mm512_set1_epi16(16));
	const uint64_t plane = (uint64_t)s->k8 * s->n, stride = s->n;
	__m512i e[4], o[4], sum[4][4];
	uint32_t run, i, p, v;

#pragma GCC unroll 4
	for (p = 0; p < P; p++)
#pragma GCC unroll 4
		for (v = 0; v < 4; v++)
			sum[p][v] = _mm512_setzero_si512();
	for (; cols; cols -= run) {
		run = cols < RUN_KB ? cols : RUN_KB;
#pragma GCC unroll 4
		for (p = 0; p < P; p++)
			e[p] = o[p] = _mm512_setzero_si512();
		for (i = 0; i < run; i++) {
			__m512i tl = _mm512_broadcast_i64x4(_mm256_loadu_si256(
				(const __m256i *)(const void *)tabs));
			__m512i th = _mm512_broadcast_i64x4(_mm256_loadu_si256(
				(const __m256i *)(const void *)(tabs + 32)));

#pragma GCC unroll 4
			for (p = 0; p < P; p++) {
				const uint8_t *b = bits + p * plane;
				__m512i w = full ? _mm512_loadu_si512((const void *)b) :
					    _mm512_maskz_loadu_epi8(0xffffffffull, b);

				/* (past the last block: a harmless hint) */
				_mm_prefetch((const char *)b + PF_AHEAD, PF_HINT);
				e[p] = _mm512_add_epi16(e[p], _mm512_add_epi16(
					_mm512_permutexvar_epi16(w, tl),
					_mm512_permutexvar_epi16(_mm512_srli_epi16(w, 4), th)));
				o[p] = _mm512_add_epi16(o[p], _mm512_add_epi16(
					_mm512_permutexvar_epi16(_mm512_srli_epi16(w, 8), tl),
					_mm512_permutexvar_epi16(_mm512_srli_epi16(w, 12), th)));
			}
			bits += stride;
			tabs += BCQ_TAB_BYTES;
		}
#pragma GCC unroll 4
		for (p = 0; p < P; p++) {
			__m512i r0 = _mm512_permutex2var_epi16(e[p], lo_idx, o[p]);
			__m512i r1 = _mm512_permutex2var_epi16(e[p], hi_idx, o[p]);
			__m512i w[4];

			w[0] = _mm512_cvtepi16_epi32(_mm512_castsi512_si256(r0));
			w[1] = _mm512_cvtepi16_epi32(_mm512_extracti64x4_epi64(r0, 1));
			w[2] = _mm512_cvtepi16_epi32(_mm512_castsi512_si256(r1));
			w[3] = _mm512_cvtepi16_epi32(_mm512_extracti64x4_epi64(r1, 1));
#pragma GCC unroll 4
			for (v = 0; v < 4; v++)
				sum[p][v] = _mm512_add_epi32(sum[p][v], w[v]);
		}
	}
	/* t = t + alpha * (float)S, plane by plane, from t = +0 (an add:
	 * -0 products give +0) */
#pragma GCC unroll 4
	for (p = 0; p < P; p++) {
#pragma GCC unroll 4
		for (v = 0; v < 4; v++)
			if (full || v < 2)
				t[v] = _mm512_add_ps(p ? t[v] : _mm512_setzero_ps(),
					_mm512_mul_ps(_mm512_loadu_ps(a + p * ABUF_ROWS + 16 * v),
						      _mm512_cvtepi32_ps(sum[p][v])));
	}
}

/*
 * csa_bcq_load_alphas_f16c for 16 rows at a time: 8 codes of each of 16
 * rows (rows 4L .. 4L + 3 in 128-bit lane L of four vectors), a 4 x 8
 * transpose in every lane at once (two rounds of unpacks), then one
 * 64-bit permute gathers a column's 16 rows, and vcvtph2ps widens them
 * (equal to csa_f32_from_f16 but on a signalling NaN, which it quiets;
 * alpha only enters the multiply alpha * (float)S, which quiets it
 * itself: the same bits).  A partial last column reads on into the next
 * row's scales (unused, abuf has room for them) except at the end of the
 * buffer, where the rest is scalar.
 */
static AVX512 void load_alphas16_f16(const struct bcq_shape *s, float *abuf,
				     uint32_t row0, uint32_t rows, uint32_t ga,
				     uint32_t gb)
{
	const __m512i col_pairs = _mm512_setr_epi64(0, 2, 4, 6, 1, 3, 5, 7);
	uint32_t pairs = (gb - ga) * s->planes, r, j, k;
	uint64_t stride = (uint64_t)s->ngroups * s->planes, base;
	uint64_t total = (uint64_t)s->n * stride;
	__m512i z[4], a[4], b[4];
	const uint8_t *p;
	float *out;

	for (r = 0; r < rows; r += 16) {
		base = ((uint64_t)(row0 + r) * s->ngroups + ga) * s->planes;
		out = abuf + r;
		for (j = 0; j < pairs && base + 15 * stride + j + 8 <= total; j += 8) {
			p = s->scales + 2 * (base + j);
#define ROW(i) _mm_loadu_si128((const __m128i *)(const void *)(p + 2 * (i) * stride))
#pragma GCC unroll 4
			for (k = 0; k < 4; k++)
				z[k] = _mm512_inserti32x4(_mm512_inserti32x4(
					_mm512_inserti32x4(_mm512_castsi128_si512(ROW(k)),
							   ROW(4 + k), 1), ROW(8 + k), 2),
					ROW(12 + k), 3);
#undef ROW
			/* lane L: columns 0-3 (a0, a2), 4-7 (a1, a3) of row
			 * pairs (4L, 4L+1) and (4L+2, 4L+3) */
			a[0] = _mm512_unpacklo_epi16(z[0], z[1]);
			a[1] = _mm512_unpackhi_epi16(z[0], z[1]);
			a[2] = _mm512_unpacklo_epi16(z[2], z[3]);
			a[3] = _mm512_unpackhi_epi16(z[2], z[3]);
			/* lane L: rows 4L .. 4L+3 of columns (0,1) (2,3) (4,5) (6,7) */
			b[0] = _mm512_unpacklo_epi32(a[0], a[2]);
			b[1] = _mm512_unpackhi_epi32(a[0], a[2]);
			b[2] = _mm512_unpacklo_epi32(a[1], a[3]);
			b[3] = _mm512_unpackhi_epi32(a[1], a[3]);
#pragma GCC unroll 4
			for (k = 0; k < 4; k++) {
				__m512i c = _mm512_permutexvar_epi64(col_pairs, b[k]);

				_mm512_storeu_ps(out + (j + 2 * k) * ABUF_ROWS,
						 _mm512_cvtph_ps(_mm512_castsi512_si256(c)));
				_mm512_storeu_ps(out + (j + 2 * k + 1) * ABUF_ROWS,
						 _mm512_cvtph_ps(_mm512_extracti64x4_epi64(c, 1)));
			}
		}
		for (; j < pairs; j++)	/* near the end of the scales */
			for (k = 0; k < 16; k++)
				out[j * ABUF_ROWS + k] =
					bcq_scale_at(s, base + k * stride + j);
	}
}

/*
 * Rows n0..n0+63 (32 unless @full) of groups g0..g1-1 (tables in the
 * chunk): y = y (or +0 from group 0) + each group's t * s_g, in groups
 * of scales that fit abuf.
 */
static AVX512_INLINE void block_rows(const struct bcq_shape *s,
				     const struct bcq_chunk *c, uint32_t n0,
				     uint32_t nfast, uint32_t g0, uint32_t g1,
				     const uint32_t P, const int full)
{
	const uint32_t nq = full ? 4u : 2u, kpg = s->group / 8;
	uint32_t gs = 8 * (ABUF_PAIRS / 8 / P), ga, gb, g, kb0, kb1, v;
	float *y = (float *)(void *)(s->y + 4 * (uint64_t)n0);
	int pf = n0 + BLOCK < nfast;
	__m512 acc[4], t[4], sgv;

	if (pf)
		csa_bcq_prefetch_scales(s, n0 + BLOCK, nfast - n0 - BLOCK >= BLOCK ?
					n0 + 2 * BLOCK : nfast, g0, g1);
#pragma GCC unroll 4
	for (v = 0; v < 4; v++)
		if (v < nq)
			acc[v] = g0 ? _mm512_loadu_ps(y + 16 * v) : _mm512_setzero_ps();
	for (ga = g0; ga < g1; ga = gb) {
		gb = g1 - ga > gs ? ga + gs : g1;
		if (c->f16c)
			load_alphas16_f16(s, c->abuf, n0, 16 * nq, ga, gb);
		else
			csa_bcq_load_alphas_avx2(s, c->abuf, n0, 2 * nq, ga, gb);
		for (g = ga; g < gb; g++) {
			if (c->skip[g - g0])
				continue;
			kb0 = g * kpg;
			kb1 = s->k8 - kb0 > kpg ? kb0 + kpg : s->k8;
			group_block(s, s->bits + (uint64_t)kb0 * s->n + n0,
				    c->tabs + (kb0 - g0 * kpg) * BCQ_TAB_BYTES,
				    kb1 - kb0, c->abuf + (g - ga) * P * ABUF_ROWS,
				    t, P, full);
			/* acc = acc + t * s_g */
			sgv = _mm512_set1_ps(csa_ld_f32(c->sg + 4 * (g - g0)));
#pragma GCC unroll 4
			for (v = 0; v < 4; v++)
				if (v < nq)
					acc[v] = _mm512_add_ps(acc[v], _mm512_mul_ps(t[v], sgv));
		}
	}
#pragma GCC unroll 4
	for (v = 0; v < 4; v++)
		if (v < nq)
			_mm512_storeu_ps(y + 16 * v, acc[v]);
}

#define BLOCK_ROWS_P(P)							\
static AVX512 void block_rows_p##P(const struct bcq_shape *s,		\
				   const struct bcq_chunk *c, uint32_t n0,	\
				   uint32_t nfast, uint32_t g0, uint32_t g1, \
				   int full)				\
{									\
	if (full)							\
		block_rows(s, c, n0, nfast, g0, g1, P, 1);		\
	else								\
		block_rows(s, c, n0, nfast, g0, g1, P, 0);		\
}
BLOCK_ROWS_P(1)
BLOCK_ROWS_P(2)
BLOCK_ROWS_P(3)
BLOCK_ROWS_P(4)
#undef BLOCK_ROWS_P

/* Rows 0..nfast-1 in blocks of 64 (the last one 32 when nfast % 64 == 32) */
static AVX512 void chunk_rows(const struct bcq_shape *s, const struct bcq_chunk *c,
			      uint32_t nfast, uint32_t g0, uint32_t g1)
{
	static void (*const by_planes[4])(const struct bcq_shape *,
					  const struct bcq_chunk *, uint32_t,
					  uint32_t, uint32_t, uint32_t, int) = {
		block_rows_p1, block_rows_p2, block_rows_p3, block_rows_p4
	};
	uint32_t n0;

	for (n0 = 0; n0 < nfast; n0 += BLOCK)
		by_planes[s->planes - 1](s, c, n0, nfast, g0, g1,
					 nfast - n0 >= BLOCK);
}

AVX512 uint32_t csa_bcq_rows_avx512(const struct bcq_shape *s, uint8_t *scratch)
{
	return csa_bcq_run_chunks_avx2(s, scratch, s->n & ~31u, build_tables16,
				       chunk_rows);
}
#else
/* no AVX-512 kernel for this compiler: bcq_avx2.c or bcq.c run every row */
typedef int bcq_avx512_absent;
#endif /* CSA_BCQ_HAVE_AVX512 */
