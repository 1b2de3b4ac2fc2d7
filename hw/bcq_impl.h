/* SPDX-License-Identifier: MIT */
/*
 * bcq_impl.h - internal interface of the shift-add GEMV engine (bcq.c)
 * and its vectorized kernels (bcq_avx2.c): the command's shape and the
 * scalar steps both paths share, so the activations are quantized and
 * the scales read by one definition.  Numerics: docs/commands.md 5.5.
 */
#ifndef CSA_BCQ_IMPL_H
#define CSA_BCQ_IMPL_H

#include <stdint.h>

#include "hw/bcq_simd.h"
#include "hw/csa_math.h"
#include "hw/engines.h"

/* The AVX2 kernel exists on x86-64 with a compiler that takes per-function
 * target attributes (GCC >= 4.9, clang); the build needs no -mavx2. */
#if defined(__x86_64__) && !defined(CSA_BCQ_NO_SIMD) && \
	(defined(__clang__) || (defined(__GNUC__) && \
	 (__GNUC__ > 4 || (__GNUC__ == 4 && __GNUC_MINOR__ >= 9))))
#define CSA_BCQ_HAVE_AVX2 1
#else
#define CSA_BCQ_HAVE_AVX2 0
#endif

/* Its 64-row lookups with AVX-512BW need GCC >= 5 or clang. */
#if CSA_BCQ_HAVE_AVX2 && (defined(__clang__) || __GNUC__ >= 5) && \
	!defined(CSA_BCQ_NO_AVX512)
#define CSA_BCQ_HAVE_AVX512 1
#else
#define CSA_BCQ_HAVE_AVX512 0
#endif

enum bcq_scale_fmt {
	BCQ_SCALE_F32,		/* f32 */
	BCQ_SCALE_POW2,		/* int8 e: 2^e */
	BCQ_SCALE_F16,		/* binary16 */
	BCQ_SCALE_APOT,		/* u16: e0 | d1 << 8 | d2 << 12 */
};

struct bcq_shape {
	uint32_t k, n, planes, group, k8, ngroups;
	int pow2;		/* F_POW2 (alone or with F_SCALE16) */
	enum bcq_scale_fmt fmt;
	uint32_t scale_bytes;	/* of one scale */
	const uint8_t *x, *bits, *scales;
	uint8_t *y;
};

/* alpha of an additive power-of-two code: up to three signed terms,
 * added in this order (each a shift of the integer sum in hardware, added
 * or subtracted).  Term nibble t: bits 0-2 the distance d (0 = no term),
 * bit 3 the sign. */
static inline float bcq_apot(uint16_t c)
{
	int32_t e0 = (int8_t)(c & 0xff), t1 = (c >> 8) & 15, t2 = c >> 12;
	int32_t d1 = t1 & 7, d2 = t2 & 7;
	float a = csa_pow2f(e0);

	if (d1) {
		a = (t1 & 8) ? a - csa_pow2f(e0 - d1) : a + csa_pow2f(e0 - d1);
		if (d2)
			a = (t2 & 8) ? a - csa_pow2f(e0 - d1 - d2) :
				       a + csa_pow2f(e0 - d1 - d2);
	}
	return a;
}

/* Scale number @idx ((row * NG + g) * P + p) as f32, every format. */
static inline float bcq_scale_at(const struct bcq_shape *s, uint64_t idx)
{
	uint16_t c;

	switch (s->fmt) {
	case BCQ_SCALE_POW2:
		return csa_pow2f((int8_t)s->scales[idx]);
	case BCQ_SCALE_F16:
		memcpy(&c, s->scales + 2 * idx, 2);
		return csa_f32_from_f16(c);
	case BCQ_SCALE_APOT:
		memcpy(&c, s->scales + 2 * idx, 2);
		return bcq_apot(c);
	default:
		return csa_ld_f32(s->scales + 4 * idx);
	}
}

static inline float bcq_abs(float v)
{
	return csa_f32_from_bits(csa_f32_bits(v) & 0x7fffffffu);
}

static inline int bcq_finite(float v)
{
	return (csa_f32_bits(v) & 0x7f800000u) != 0x7f800000u;
}

/* int8 activation: saturating, NaN as 0 */
static inline int32_t bcq_quantize(float x, float inv)
{
	float v = x * inv;

	if (csa_isnan(v))
		return 0;
	if (v >= 127.0f)
		return 127;
	if (v <= -127.0f)
		return -127;
	return csa_round_even(v);
}

/* amax of group g over its finite activations (0: the group is skipped) */
static inline float bcq_group_amax(const struct bcq_shape *s, uint32_t g)
{
	uint32_t j = g * s->group;
	uint32_t j1 = s->k - j > s->group ? j + s->group : s->k;
	float amax = 0.0f, a;

	for (; j < j1; j++) {
		a = bcq_abs(csa_ld_f32(s->x + 4 * (uint64_t)j));
		if (bcq_finite(a) && a > amax)
			amax = a;
	}
	return amax;
}

/* The 8 quantized activations of byte column kb (0 past K). */
static inline void bcq_quantize8(const struct bcq_shape *s, uint32_t kb,
				 float inv, int32_t q[8])
{
	uint32_t j, col;

	for (j = 0; j < 8; j++) {
		col = 8 * kb + j;
		q[j] = col < s->k ?
		       bcq_quantize(csa_ld_f32(s->x + 4 * (uint64_t)col), inv) : 0;
	}
}

/*
 * Rows 0 .. (N & ~31) - 1 of the command, exactly as the scalar path
 * computes them: csa_bcq_rows_avx2 with AVX2 byte shuffles,
 * csa_bcq_rows_avx512 (hosts with AVX-512F, BW and VL) with 16-bit
 * tables and vpermw.  @scratch holds the tables (the engine's SRAM), laid
 * out as in bcq_avx2.c.  Return the number of rows done; the caller runs
 * the rest.
 */
#define BCQ_AVX2_SCRATCH_BYTES	(768u * 64u + 768u * 5u + 64u * 64u * 4u)
uint32_t csa_bcq_rows_avx2(const struct bcq_shape *s, uint8_t *scratch);
uint32_t csa_bcq_rows_avx512(const struct bcq_shape *s, uint8_t *scratch);

/* Steps of bcq_avx2.c the AVX-512 kernel shares (AVX2 code, called on
 * AVX2 hosts only): bcq_group_amax and bcq_quantize8 in 8 lanes; the
 * scales of rows row0 .. row0 + 8 nv - 1, groups ga .. gb - 1, as f32
 * into abuf[j][r] (j = (g - ga) P + p, r = row - row0, 64 floats per j),
 * the F16C one for binary16 scales on hosts that have F16C; and a
 * prefetch of rows row0 .. row1 - 1's scales of groups g0 .. g1 - 1. */
float csa_bcq_group_amax_avx2(const struct bcq_shape *s, uint32_t g);

/* Both vector kernels' scratch: tables of up to BCQ_CHUNK_KB byte columns
 * (BCQ_TAB_BYTES each, in the kernel's own format) and their groups. */
#define BCQ_CHUNK_KB	768u
#define BCQ_TAB_BYTES	64u
struct bcq_chunk {
	uint8_t *tabs;		/* BCQ_CHUNK_KB * BCQ_TAB_BYTES */
	uint8_t *sg;		/* f32 s_g per group of the chunk */
	uint8_t *skip;		/* 1: amax == 0, the group adds nothing */
	float *abuf;		/* 64 (group, plane) pairs x 64 rows of scales */
	int f16c;		/* binary16 scales converted by vcvtph2ps */
};

/* Rows 0 .. nfast - 1 of a MATVEC_BCQ, chunk of groups by chunk: each
 * group's s_g (or skip) and its columns' tables from @build, then the
 * kernel's @rows for the chunk.  Returns nfast. */
typedef void bcq_build_tables_fn(uint8_t *t, const int32_t q[8]);
typedef void bcq_chunk_rows_fn(const struct bcq_shape *s,
			       const struct bcq_chunk *c, uint32_t nfast,
			       uint32_t g0, uint32_t g1);
uint32_t csa_bcq_run_chunks_avx2(const struct bcq_shape *s, uint8_t *scratch,
				 uint32_t nfast, bcq_build_tables_fn *build,
				 bcq_chunk_rows_fn *rows);
void csa_bcq_quantize8_avx2(const struct bcq_shape *s, uint32_t kb, float inv,
			    int32_t q[8]);
void csa_bcq_load_alphas_avx2(const struct bcq_shape *s, float *abuf,
			      uint32_t row0, uint32_t nv, uint32_t ga,
			      uint32_t gb);
void csa_bcq_load_alphas_f16c(const struct bcq_shape *s, float *abuf,
			      uint32_t row0, uint32_t nv, uint32_t ga,
			      uint32_t gb);
void csa_bcq_prefetch_scales(const struct bcq_shape *s, uint32_t row0,
			     uint32_t row1, uint32_t g0, uint32_t g1);

#endif /* CSA_BCQ_IMPL_H */
