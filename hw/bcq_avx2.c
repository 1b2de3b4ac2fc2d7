// SPDX-License-Identifier: MIT
/*
 * bcq_avx2.c - MATVEC_BCQ with AVX2 byte shuffles (the T-MAC / bitnet.cpp
 * idea), giving the same bits as the scalar engine in bcq.c.
 *
 * The 256-entry table of a weight byte splits into two 16-entry tables,
 * one per nibble (T[b] = T_lo[b & 15] + T_hi[b >> 4], exact: T is linear
 * in the signs), and a 16-entry table is one vpshufb for 32 rows at once
 * (the bits are contiguous over rows).  Entries are int16 but vpshufb
 * looks up bytes, so each activation is split as q = 16 h + l with
 * l = q & 15 in 0..15 and h in -8..7: a nibble table of l sums lies in
 * -60..60 and one of h sums in -32..32.  Biased by +60 and +32 they are
 * unsigned bytes, and the two nibbles' lookups add without carry:
 *   uL = L + 120 in 0..240,  uH = H + 64 in 0..128,  T = 16 H + L.
 * Bytes are summed in 16-bit lanes without unpacking: a lane holds an even
 * row (low byte) and an odd row (high byte); adding whole lanes sums
 * even + 256 odd (mod 2^16), and a second accumulator of lane >> 8 sums
 * the odd rows, so even = lanes - 256 odd.  Both stay below 2^16 for up
 * to 256 byte columns (256 * 240), after which the sums are widened:
 *   S = 16 sum uH + sum uL - (16 * 64 + 120) * columns.
 * Integer sums are exact in any order; the float chain per row is the
 * scalar engine's, lane by lane (mulps/addps round like mulss/addss, and
 * the build forbids FMA), in the same order.
 *
 * Only this file's functions use AVX2 (target attribute): the rest of the
 * model is built for the baseline ISA and calls in after a run-time check.
 * Hosts with AVX-512BW run bcq_avx512.c instead, which shares the scalar
 * steps here (amax, quantization, the scales' transpose).
 */
#include "hw/bcq_impl.h"
#include "hw/host_cpu.h"

#if CSA_BCQ_HAVE_AVX2
#include <immintrin.h>

#define AVX2		__attribute__((target("avx2")))
/* the per-scale helpers run 8 times per 64 scales: no call for each */
#define AVX2_INLINE	__attribute__((target("avx2"), always_inline)) inline
#define AVX2_F16C	__attribute__((target("avx2,f16c")))
#define ROWS		32u	/* rows per vector of weight bytes (a block is 2) */
#define ABUF_PAIRS	64u	/* (group, plane) scales per row held at once */
#define ABUF_ROWS	64u
#define RUN_KB		256u	/* byte columns the 16-bit sums can take */
#define L_BIAS		60
#define H_BIAS		32
#define SUM_BIAS	(16 * 2 * H_BIAS + 2 * L_BIAS)

/* Bytes a in the low half, b in the high half (values -128..255). */
static AVX2 __m256i pair8(int32_t a, int32_t b)
{
	return _mm256_inserti128_si256(_mm256_castsi128_si256(
		_mm_set1_epi8((char)(a & 0xff))), _mm_set1_epi8((char)(b & 0xff)), 1);
}

/*
 * The 64 table bytes of a byte column: l-lo, l-hi, h-lo, h-hi (16 each).
 * Entry i = bias + sum_j (bit j of i ? +v_j : -v_j) is built as
 * bias - sum v + sum_j (bit j of i ? 2 v_j : 0), modulo 256 (exact: the
 * entries are 0..120).
 */
static AVX2 void build_tables(uint8_t *t, const int32_t q[8])
{
	const __m256i bit[4] = {
		_mm256_set1_epi16((int16_t)0xff00),
		_mm256_set1_epi32((int32_t)0xffff0000u),
		_mm256_set1_epi64x((int64_t)0xffffffff00000000ull),
		_mm256_setr_epi64x(0, -1, 0, -1),
	};
	int32_t l[8], h[8];
	__m256i el, eh;
	uint32_t j;

	for (j = 0; j < 8; j++) {
		l[j] = (int32_t)((uint32_t)q[j] & 15u);
		h[j] = (q[j] - l[j]) / 16;
	}
	el = pair8(L_BIAS - l[0] - l[1] - l[2] - l[3],
		   L_BIAS - l[4] - l[5] - l[6] - l[7]);
	eh = pair8(H_BIAS - h[0] - h[1] - h[2] - h[3],
		   H_BIAS - h[4] - h[5] - h[6] - h[7]);
	for (j = 0; j < 4; j++) {
		el = _mm256_add_epi8(el, _mm256_and_si256(bit[j],
				     pair8(2 * l[j], 2 * l[4 + j])));
		eh = _mm256_add_epi8(eh, _mm256_and_si256(bit[j],
				     pair8(2 * h[j], 2 * h[4 + j])));
	}
	_mm256_storeu_si256((__m256i *)(void *)t, el);
	_mm256_storeu_si256((__m256i *)(void *)(t + 32), eh);
}

/*
 * bcq_quantize8 with 8 lanes: NaN -> 0, round to nearest even (roundps is
 * told the mode: MXCSR does not matter), clamp to +-127; a last partial
 * column is scalar.
 */
AVX2 void csa_bcq_quantize8_avx2(const struct bcq_shape *s, uint32_t kb,
				 float inv, int32_t q[8])
{
	__m256 v, r;

	if (s->k - 8 * kb < 8) {
		bcq_quantize8(s, kb, inv, q);
		return;
	}
	v = _mm256_mul_ps(_mm256_loadu_ps((const float *)(const void *)
					  (s->x + 32 * (uint64_t)kb)),
			  _mm256_set1_ps(inv));
	r = _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
	r = _mm256_and_ps(r, _mm256_cmp_ps(v, v, _CMP_ORD_Q));
	r = _mm256_min_ps(_mm256_max_ps(r, _mm256_set1_ps(-127.0f)),
			  _mm256_set1_ps(127.0f));
	_mm256_storeu_si256((__m256i *)(void *)q, _mm256_cvttps_epi32(r));
}

/* bcq_group_amax with 8 lanes: max |x| over finite x (max is exact) */
AVX2 float csa_bcq_group_amax_avx2(const struct bcq_shape *s, uint32_t g)
{
	uint32_t j = g * s->group;
	uint32_t j1 = s->k - j > s->group ? j + s->group : s->k;
	const __m256i absm = _mm256_set1_epi32(0x7fffffff);
	const __m256i expm = _mm256_set1_epi32(0x7f800000);
	__m256 m = _mm256_setzero_ps();
	float lanes[8], amax = 0.0f, a;
	uint32_t i;

	for (; j + 8 <= j1; j += 8) {
		__m256i b = _mm256_and_si256(_mm256_loadu_si256((const __m256i *)
					     (const void *)(s->x + 4 * (uint64_t)j)), absm);
		__m256i inf = _mm256_cmpeq_epi32(_mm256_and_si256(b, expm), expm);

		m = _mm256_max_ps(m, _mm256_castsi256_ps(_mm256_andnot_si256(inf, b)));
	}
	_mm256_storeu_ps(lanes, m);
	for (i = 0; i < 8; i++)
		if (lanes[i] > amax)
			amax = lanes[i];
	for (; j < j1; j++) {
		a = bcq_abs(csa_ld_f32(s->x + 4 * (uint64_t)j));
		if (bcq_finite(a) && a > amax)
			amax = a;
	}
	return amax;
}

/*
 * Widen one run's 16-bit sums of 32 rows and add them to s[0..3] (rows
 * 0-7, 8-15, 16-23, 24-31): even rows = lane sums - 256 * odd rows (all
 * mod 2^16), then S = 16 sum uH + sum uL - SUM_BIAS * run.
 */
static AVX2 void add_run(__m256i s[4], __m256i lw, __m256i lo, __m256i hw,
			 __m256i ho, uint32_t run, int first)
{
	const __m256i zero = _mm256_setzero_si256();
	__m256i le = _mm256_sub_epi16(lw, _mm256_slli_epi16(lo, 8));
	__m256i he = _mm256_sub_epi16(hw, _mm256_slli_epi16(ho, 8));
	__m256i a, b, v0, v1, v2, v3;

	if (run * 8 * 127 <= 32767) {
		/* |S| <= 1016 run fits int16: the modular result is exact */
		int32_t bias = SUM_BIAS * (int32_t)run;
		__m256i bv = _mm256_set1_epi16((int16_t)(bias > 32767 ?
							 bias - 65536 : bias));
		__m256i se = _mm256_sub_epi16(_mm256_add_epi16(
			_mm256_slli_epi16(he, 4), le), bv);
		__m256i so = _mm256_sub_epi16(_mm256_add_epi16(
			_mm256_slli_epi16(ho, 4), lo), bv);

		a = _mm256_unpacklo_epi16(se, so);	/* rows 0-7 | 16-23 */
		b = _mm256_unpackhi_epi16(se, so);	/* rows 8-15 | 24-31 */
		v0 = _mm256_cvtepi16_epi32(_mm256_castsi256_si128(a));
		v1 = _mm256_cvtepi16_epi32(_mm256_castsi256_si128(b));
		v2 = _mm256_cvtepi16_epi32(_mm256_extracti128_si256(a, 1));
		v3 = _mm256_cvtepi16_epi32(_mm256_extracti128_si256(b, 1));
	} else {
		__m256i la = _mm256_unpacklo_epi16(le, lo);	/* 0-7 | 16-23 */
		__m256i lb = _mm256_unpackhi_epi16(le, lo);	/* 8-15 | 24-31 */
		__m256i ha = _mm256_unpacklo_epi16(he, ho);
		__m256i hb = _mm256_unpackhi_epi16(he, ho);
		__m256i bias = _mm256_set1_epi32((int32_t)(SUM_BIAS * run));

#define WIDEN(l, h, unpack) _mm256_sub_epi32(_mm256_add_epi32(		\
		_mm256_slli_epi32(unpack(h, zero), 4), unpack(l, zero)), bias)
		a = WIDEN(la, ha, _mm256_unpacklo_epi16);	/* 0-3 | 16-19 */
		b = WIDEN(la, ha, _mm256_unpackhi_epi16);	/* 4-7 | 20-23 */
		la = WIDEN(lb, hb, _mm256_unpacklo_epi16);	/* 8-11 | 24-27 */
		lb = WIDEN(lb, hb, _mm256_unpackhi_epi16);	/* 12-15 | 28-31 */
#undef WIDEN
		v0 = _mm256_permute2x128_si256(a, b, 0x20);
		v1 = _mm256_permute2x128_si256(la, lb, 0x20);
		v2 = _mm256_permute2x128_si256(a, b, 0x31);
		v3 = _mm256_permute2x128_si256(la, lb, 0x31);
	}
	if (first) {
		s[0] = v0;
		s[1] = v1;
		s[2] = v2;
		s[3] = v3;
	} else {
		s[0] = _mm256_add_epi32(s[0], v0);
		s[1] = _mm256_add_epi32(s[1], v1);
		s[2] = _mm256_add_epi32(s[2], v2);
		s[3] = _mm256_add_epi32(s[3], v3);
	}
}

/* Broadcast one 16-byte nibble table to both halves. */
#define TABLE(t) _mm256_broadcastsi128_si256(				\
		_mm_loadu_si128((const __m128i *)(const void *)(t)))

/* uL and uH of 32 rows' bytes at @p, added into the four lane sums */
#define LOOKUP32(p, lw, lo, hw, ho) do {				\
	__m256i b_ = _mm256_loadu_si256((const __m256i *)(const void *)(p)); \
	__m256i bl_ = _mm256_and_si256(b_, nib);			\
	__m256i bh_ = _mm256_and_si256(_mm256_srli_epi16(b_, 4), nib);	\
	__m256i ul_ = _mm256_add_epi8(_mm256_shuffle_epi8(tll, bl_),	\
				      _mm256_shuffle_epi8(tlh, bh_));	\
	__m256i uh_ = _mm256_add_epi8(_mm256_shuffle_epi8(thl, bl_),	\
				      _mm256_shuffle_epi8(thh, bh_));	\
	lw = _mm256_add_epi16(lw, ul_);					\
	lo = _mm256_add_epi16(lo, _mm256_srli_epi16(ul_, 8));		\
	hw = _mm256_add_epi16(hw, uh_);					\
	ho = _mm256_add_epi16(ho, _mm256_srli_epi16(uh_, 8));		\
} while (0)

/*
 * Partial sums S of 64 rows (bits: the rows' bytes at the first column,
 * the next column @stride bytes on) over @cols byte columns whose tables
 * start at @tabs, into s[0..7] (8 rows each).  @pf walks the same
 * columns of the next block of rows, prefetched for the next call: with
 * N large the columns are far apart and the hardware prefetcher does not
 * follow.
 */
static AVX2 void plane_sums64(__m256i s[8], const uint8_t *bits,
			      uint64_t stride, const uint8_t *tabs,
			      uint32_t cols, const uint8_t *pf)
{
	const __m256i nib = _mm256_set1_epi8(0x0f), zero = _mm256_setzero_si256();
	__m256i lw0, lo0, hw0, ho0, lw1, lo1, hw1, ho1;
	uint32_t run, i;
	int first;

	for (first = 1; cols; cols -= run, first = 0) {
		run = cols < RUN_KB ? cols : RUN_KB;
		lw0 = lo0 = hw0 = ho0 = lw1 = lo1 = hw1 = ho1 = zero;
		for (i = 0; i < run; i++) {
			__m256i tll = TABLE(tabs), tlh = TABLE(tabs + 16);
			__m256i thl = TABLE(tabs + 32), thh = TABLE(tabs + 48);

			_mm_prefetch((const char *)pf, _MM_HINT_T0);
			_mm_prefetch((const char *)pf + 63, _MM_HINT_T0);
			LOOKUP32(bits, lw0, lo0, hw0, ho0);
			LOOKUP32(bits + 32, lw1, lo1, hw1, ho1);
			bits += stride;
			pf += stride;
			tabs += BCQ_TAB_BYTES;
		}
		add_run(s, lw0, lo0, hw0, ho0, run, first);
		add_run(s + 4, lw1, lo1, hw1, ho1, run, first);
	}
}

/* plane_sums64 for a last block of 32 rows (into s[0..3]) */
static AVX2 void plane_sums32(__m256i s[4], const uint8_t *bits,
			      uint64_t stride, const uint8_t *tabs,
			      uint32_t cols)
{
	const __m256i nib = _mm256_set1_epi8(0x0f), zero = _mm256_setzero_si256();
	__m256i lw, lo, hw, ho;
	uint32_t run, i;
	int first;

	for (first = 1; cols; cols -= run, first = 0) {
		run = cols < RUN_KB ? cols : RUN_KB;
		lw = lo = hw = ho = zero;
		for (i = 0; i < run; i++) {
			__m256i tll = TABLE(tabs), tlh = TABLE(tabs + 16);
			__m256i thl = TABLE(tabs + 32), thh = TABLE(tabs + 48);

			LOOKUP32(bits, lw, lo, hw, ho);
			bits += stride;
			tabs += BCQ_TAB_BYTES;
		}
		add_run(s, lw, lo, hw, ho, run, first);
	}
}

/* 2^e for int32 lanes e in -128..127, bit for bit csa_pow2f */
static AVX2_INLINE __m256 pow2_ps(__m256i e)
{
	__m256i normal = _mm256_slli_epi32(_mm256_add_epi32(e,
					   _mm256_set1_epi32(127)), 23);
	__m256i sub = _mm256_sllv_epi32(_mm256_set1_epi32(1),
					_mm256_add_epi32(e, _mm256_set1_epi32(149)));
	__m256i is_normal = _mm256_cmpgt_epi32(e, _mm256_set1_epi32(-127));

	return _mm256_castsi256_ps(_mm256_blendv_epi8(sub, normal, is_normal));
}

/*
 * 8 binary16 codes to f32, bit for bit csa_f32_from_f16: normal codes
 * rebias the exponent; inf and NaN keep their payload (quiet or not, which
 * vcvtph2ps would not); subnormals are m * 2^-24, exact in f32.
 */
static AVX2_INLINE __m256 f16x8_to_ps(const uint8_t *p)
{
	__m256i h = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)
							  (const void *)p));
	__m256i sign = _mm256_slli_epi32(_mm256_and_si256(h,
					 _mm256_set1_epi32(0x8000)), 16);
	__m256i em = _mm256_and_si256(h, _mm256_set1_epi32(0x7fff));
	__m256i wide = _mm256_slli_epi32(em, 13);
	__m256i normal = _mm256_add_epi32(wide, _mm256_set1_epi32(112 << 23));
	__m256i special = _mm256_or_si256(wide, _mm256_set1_epi32(0x7f800000));
	__m256i sub = _mm256_castps_si256(_mm256_mul_ps(_mm256_cvtepi32_ps(em),
					  _mm256_set1_ps(1.0f / 16777216.0f)));
	__m256i is_special = _mm256_cmpgt_epi32(em, _mm256_set1_epi32(0x7bff));
	__m256i is_sub = _mm256_cmpgt_epi32(_mm256_set1_epi32(0x400), em);
	__m256i v = _mm256_blendv_epi8(normal, special, is_special);

	return _mm256_castsi256_ps(_mm256_or_si256(sign,
				   _mm256_blendv_epi8(v, sub, is_sub)));
}

/* 8 consecutive scales from element @idx on, as f32 */
static AVX2_INLINE __m256 scales8(const struct bcq_shape *s, uint64_t idx)
{
	float v[8];
	unsigned int i;

	if (s->fmt == BCQ_SCALE_F16)
		return f16x8_to_ps(s->scales + 2 * idx);
	if (s->fmt == BCQ_SCALE_POW2)
		return pow2_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(
			(const __m128i *)(const void *)(s->scales + idx))));
	if (s->fmt == BCQ_SCALE_F32)
		return _mm256_loadu_ps((const float *)(const void *)(s->scales + 4 * idx));
	/* APoT codes: the scalar decoding, 8 at a time */
	for (i = 0; i < 8; i++)
		v[i] = bcq_scale_at(s, idx + i);
	return _mm256_loadu_ps(v);
}

/*
 * Scales of rows row0..row0+nv*8-1, groups ga..gb-1, into abuf[j][r]
 * (j = (g - ga) * P + p, r = row - row0, ABUF_ROWS floats per j), so the
 * chain below loads 8 rows' alpha as one vector.  A row's scales are
 * contiguous: 8 of them from 8 rows make an 8x8 transpose (shuffles only,
 * every bit kept, NaN payloads too).  A partial last column reads on into
 * the next row's scales (unused, abuf has room for them) except at the
 * end of the buffer, where the rest is scalar.
 */
AVX2 void csa_bcq_load_alphas_avx2(const struct bcq_shape *s, float *abuf,
				   uint32_t row0, uint32_t nv, uint32_t ga,
				   uint32_t gb)
{
	uint32_t pairs = (gb - ga) * s->planes;
	uint64_t stride = (uint64_t)s->ngroups * s->planes, base, i;
	uint64_t total = (uint64_t)s->n * stride;
	__m256 r0, r1, r2, r3, r4, r5, r6, r7, t0, t1, t2, t3, t4, t5, t6, t7;
	float *out;
	uint32_t v, j, r;

	for (v = 0; v < nv; v++) {
		base = ((uint64_t)(row0 + 8 * v) * s->ngroups + ga) * s->planes;
		out = abuf + 8 * v;
		for (j = 0; j < pairs && base + 7 * stride + j + 8 <= total; j += 8) {
			i = base + j;
			r0 = scales8(s, i);
			r1 = scales8(s, i + stride);
			r2 = scales8(s, i + 2 * stride);
			r3 = scales8(s, i + 3 * stride);
			r4 = scales8(s, i + 4 * stride);
			r5 = scales8(s, i + 5 * stride);
			r6 = scales8(s, i + 6 * stride);
			r7 = scales8(s, i + 7 * stride);
			t0 = _mm256_unpacklo_ps(r0, r1);
			t1 = _mm256_unpackhi_ps(r0, r1);
			t2 = _mm256_unpacklo_ps(r2, r3);
			t3 = _mm256_unpackhi_ps(r2, r3);
			t4 = _mm256_unpacklo_ps(r4, r5);
			t5 = _mm256_unpackhi_ps(r4, r5);
			t6 = _mm256_unpacklo_ps(r6, r7);
			t7 = _mm256_unpackhi_ps(r6, r7);
			/* rows 0-3 | 4-7 of columns (0,4) (1,5) (2,6) (3,7) */
			r0 = _mm256_shuffle_ps(t0, t2, 0x44);
			r1 = _mm256_shuffle_ps(t0, t2, 0xee);
			r2 = _mm256_shuffle_ps(t1, t3, 0x44);
			r3 = _mm256_shuffle_ps(t1, t3, 0xee);
			r4 = _mm256_shuffle_ps(t4, t6, 0x44);
			r5 = _mm256_shuffle_ps(t4, t6, 0xee);
			r6 = _mm256_shuffle_ps(t5, t7, 0x44);
			r7 = _mm256_shuffle_ps(t5, t7, 0xee);
#define COL(k, lo, hi, sel) _mm256_storeu_ps(out + (j + (k)) * ABUF_ROWS,	\
				_mm256_permute2f128_ps(lo, hi, sel))
			COL(0, r0, r4, 0x20);
			COL(1, r1, r5, 0x20);
			COL(2, r2, r6, 0x20);
			COL(3, r3, r7, 0x20);
			COL(4, r0, r4, 0x31);
			COL(5, r1, r5, 0x31);
			COL(6, r2, r6, 0x31);
			COL(7, r3, r7, 0x31);
#undef COL
		}
		for (; j < pairs; j++)
			for (r = 0; r < 8; r++) {
				i = base + r * stride + j;
				out[j * ABUF_ROWS + r] = bcq_scale_at(s, i);
			}
	}
}

/*
 * load_alphas for binary16 scales on a host with F16C: the 8x8 transpose
 * on the 16-bit codes (three rounds of unpacks), then one vcvtph2ps per 8
 * rows.  vcvtph2ps equals csa_f32_from_f16 on every code but a signalling
 * NaN, which it returns quiet; alpha is only ever an operand of the
 * multiply alpha * (float)S, which quiets a signalling NaN itself, so the
 * products, and every bit after them, are the same.
 */
AVX2_F16C void csa_bcq_load_alphas_f16c(const struct bcq_shape *s, float *abuf,
					uint32_t row0, uint32_t nv, uint32_t ga,
					uint32_t gb)
{
	uint32_t pairs = (gb - ga) * s->planes;
	uint64_t stride = (uint64_t)s->ngroups * s->planes, base, i;
	uint64_t total = (uint64_t)s->n * stride;
	__m128i r0, r1, r2, r3, r4, r5, r6, r7, a0, a1, a2, a3, a4, a5, a6, a7;
	const uint8_t *p;
	float *out;
	uint32_t v, j, r;

	for (v = 0; v < nv; v++) {
		base = ((uint64_t)(row0 + 8 * v) * s->ngroups + ga) * s->planes;
		out = abuf + 8 * v;
		for (j = 0; j < pairs && base + 7 * stride + j + 8 <= total; j += 8) {
			p = s->scales + 2 * (base + j);
#define ROW(k) _mm_loadu_si128((const __m128i *)(const void *)(p + 2 * (k) * stride))
			r0 = ROW(0);
			r1 = ROW(1);
			r2 = ROW(2);
			r3 = ROW(3);
			r4 = ROW(4);
			r5 = ROW(5);
			r6 = ROW(6);
			r7 = ROW(7);
#undef ROW
			/* pairs of rows, column by column */
			a0 = _mm_unpacklo_epi16(r0, r1);
			a1 = _mm_unpackhi_epi16(r0, r1);
			a2 = _mm_unpacklo_epi16(r2, r3);
			a3 = _mm_unpackhi_epi16(r2, r3);
			a4 = _mm_unpacklo_epi16(r4, r5);
			a5 = _mm_unpackhi_epi16(r4, r5);
			a6 = _mm_unpacklo_epi16(r6, r7);
			a7 = _mm_unpackhi_epi16(r6, r7);
			/* rows 0-3 (r0..r3) and 4-7 (r4..r7) of column pairs
			 * (0,1) (2,3) (4,5) (6,7) */
			r0 = _mm_unpacklo_epi32(a0, a2);
			r1 = _mm_unpackhi_epi32(a0, a2);
			r2 = _mm_unpacklo_epi32(a1, a3);
			r3 = _mm_unpackhi_epi32(a1, a3);
			r4 = _mm_unpacklo_epi32(a4, a6);
			r5 = _mm_unpackhi_epi32(a4, a6);
			r6 = _mm_unpacklo_epi32(a5, a7);
			r7 = _mm_unpackhi_epi32(a5, a7);
#define COL(k, lo, hi, unpack) _mm256_storeu_ps(out + (j + (k)) * ABUF_ROWS,	\
				_mm256_cvtph_ps(unpack(lo, hi)))
			COL(0, r0, r4, _mm_unpacklo_epi64);
			COL(1, r0, r4, _mm_unpackhi_epi64);
			COL(2, r1, r5, _mm_unpacklo_epi64);
			COL(3, r1, r5, _mm_unpackhi_epi64);
			COL(4, r2, r6, _mm_unpacklo_epi64);
			COL(5, r2, r6, _mm_unpackhi_epi64);
			COL(6, r3, r7, _mm_unpacklo_epi64);
			COL(7, r3, r7, _mm_unpackhi_epi64);
#undef COL
		}
		for (; j < pairs; j++)
			for (r = 0; r < 8; r++) {
				i = base + r * stride + j;
				out[j * ABUF_ROWS + r] = bcq_scale_at(s, i);
			}
	}
}

/* Start loading the scales of rows row0..row1-1, groups g0..g1-1 (the
 * next block: each row's are contiguous, the rows a stride apart). */
void csa_bcq_prefetch_scales(const struct bcq_shape *s, uint32_t row0,
			     uint32_t row1, uint32_t g0, uint32_t g1)
{
	uint64_t esize = s->scale_bytes, a, end;

	if (g0 == 0 && g1 == s->ngroups) {	/* the rows' scales are contiguous */
		a = (uint64_t)row0 * s->ngroups * s->planes * esize;
		end = (uint64_t)row1 * s->ngroups * s->planes * esize;
		for (a &= ~63ull; a < end; a += 64)
			_mm_prefetch((const char *)(s->scales + a), _MM_HINT_T0);
		return;
	}
	for (; row0 < row1; row0++) {
		a = ((uint64_t)row0 * s->ngroups + g0) * s->planes * esize;
		end = a + (uint64_t)(g1 - g0) * s->planes * esize;
		for (a &= ~63ull; a < end; a += 64)
			_mm_prefetch((const char *)(s->scales + a), _MM_HINT_T0);
	}
}

/* Rows 0..nfast-1, groups g0..g1-1 (their tables in the chunk), in
 * blocks of 64 rows (the last one 32 when nfast % 64 == 32) and runs of
 * groups whose scales fit abuf. */
static AVX2 void chunk_rows(const struct bcq_shape *s, const struct bcq_chunk *c,
			    uint32_t nfast, uint32_t g0, uint32_t g1)
{
	uint32_t kpg = s->group / 8, kbc = g0 * kpg;
	uint32_t gs = 8 * (ABUF_PAIRS / 8 / s->planes);
	uint32_t n0, nv, g, ga, gb, p, i, kb0, kb1;
	__m256 acc[8], t[8], sgv;
	__m256i sum[8];

	for (n0 = 0; n0 < nfast; n0 += 8 * nv) {
		uint8_t *y = s->y + 4 * (uint64_t)n0;

		nv = nfast - n0 >= 2 * ROWS ? 8 : 4;	/* vectors of 8 rows */
		if (n0 + 8 * nv < nfast)
			csa_bcq_prefetch_scales(s, n0 + 8 * nv, nfast - n0 - 8 * nv >= 2 * ROWS ?
					n0 + 8 * nv + 2 * ROWS : nfast, g0, g1);
		for (i = 0; i < nv; i++)
			acc[i] = g0 ? _mm256_loadu_ps((const float *)(const void *)(y + 32 * i))
				    : _mm256_setzero_ps();
		for (ga = g0; ga < g1; ga = gb) {
			gb = g1 - ga > gs ? ga + gs : g1;
			if (c->f16c)
				csa_bcq_load_alphas_f16c(s, c->abuf, n0, nv, ga, gb);
			else
				csa_bcq_load_alphas_avx2(s, c->abuf, n0, nv, ga, gb);
			for (g = ga; g < gb; g++) {
				const float *a = c->abuf + (g - ga) * s->planes * ABUF_ROWS;

				if (c->skip[g - g0])
					continue;
				kb0 = g * kpg;
				kb1 = s->k8 - kb0 > kpg ? kb0 + kpg : s->k8;
				for (p = 0; p < s->planes; p++, a += ABUF_ROWS) {
					const uint8_t *b = s->bits + ((uint64_t)p * s->k8 +
								      kb0) * s->n + n0;
					const uint8_t *tabs = c->tabs + (kb0 - kbc) * BCQ_TAB_BYTES;

					/* prefetch the next block's rows */
					const uint8_t *pf = n0 + 2 * ROWS < nfast ?
							    b + 2 * ROWS : b;

					if (nv == 8)
						plane_sums64(sum, b, s->n, tabs, kb1 - kb0, pf);
					else
						plane_sums32(sum, b, s->n, tabs, kb1 - kb0);
					/* t = t + alpha * (float)S, row by row, from
					 * t = +0 (an add: -0 products give +0) */
					for (i = 0; i < nv; i++)
						t[i] = _mm256_add_ps(p ? t[i] : _mm256_setzero_ps(),
							_mm256_mul_ps(_mm256_loadu_ps(a + 8 * i),
								      _mm256_cvtepi32_ps(sum[i])));
				}
				/* acc = acc + t * s_g */
				sgv = _mm256_set1_ps(csa_ld_f32(c->sg + 4 * (g - g0)));
				for (i = 0; i < nv; i++)
					acc[i] = _mm256_add_ps(acc[i], _mm256_mul_ps(t[i], sgv));
			}
		}
		for (i = 0; i < nv; i++)
			_mm256_storeu_ps((float *)(void *)(y + 32 * i), acc[i]);
	}
}

static AVX2 void chunk_tables(const struct bcq_shape *s,
			       const struct bcq_chunk *c, uint32_t g0,
			       uint32_t g1, bcq_build_tables_fn *build)
{
	uint32_t kpg = s->group / 8, g, kb, kb1;
	float amax, inv;
	int32_t q[8];

	for (g = g0; g < g1; g++) {
		amax = csa_bcq_group_amax_avx2(s, g);
		c->skip[g - g0] = amax == 0.0f;
		if (amax == 0.0f)
			continue;
		inv = 127.0f / amax;
		csa_st_f32(c->sg + 4 * (g - g0), amax / 127.0f);
		kb1 = s->k8 - g * kpg > kpg ? (g + 1) * kpg : s->k8;
		for (kb = g * kpg; kb < kb1; kb++) {
			csa_bcq_quantize8_avx2(s, kb, inv, q);
			build(c->tabs + (kb - g0 * kpg) * BCQ_TAB_BYTES, q);
		}
	}
}

AVX2 uint32_t csa_bcq_run_chunks_avx2(const struct bcq_shape *s,
				      uint8_t *scratch, uint32_t nfast,
				      bcq_build_tables_fn *build,
				      bcq_chunk_rows_fn *rows)
{
	uint32_t gpc = BCQ_CHUNK_KB / (s->group / 8), g0, g1;
	struct bcq_chunk c;

	if (!nfast)
		return 0;
	c.tabs = scratch;
	c.sg = scratch + BCQ_CHUNK_KB * BCQ_TAB_BYTES;
	c.skip = c.sg + 4 * BCQ_CHUNK_KB;
	c.abuf = (float *)(void *)(c.skip + BCQ_CHUNK_KB);
	c.f16c = s->fmt == BCQ_SCALE_F16 && csa_host_f16c();
	for (g0 = 0; g0 < s->ngroups; g0 = g1) {
		g1 = s->ngroups - g0 > gpc ? g0 + gpc : s->ngroups;
		chunk_tables(s, &c, g0, g1, build);
		rows(s, &c, nfast, g0, g1);
	}
	return nfast;
}

AVX2 uint32_t csa_bcq_rows_avx2(const struct bcq_shape *s, uint8_t *scratch)
{
	return csa_bcq_run_chunks_avx2(s, scratch, s->n & ~(ROWS - 1),
				       build_tables, chunk_rows);
}
#else
/* no vector kernel for this host or compiler: bcq.c runs every row */
typedef int bcq_avx2_absent;
#endif /* CSA_BCQ_HAVE_AVX2 */
