// SPDX-License-Identifier: MIT
/*
 * vector.c - the vector unit: COPY, EMBED, RMSNORM, ROPE, SILU_MUL, ADD,
 * ARGMAX and exact SOFTMAX.  f32, one rounding per written operation, in
 * the order docs/commands.md fixes (the reference is llama2.c's run.c).
 * sqrtf is IEEE-754 correctly rounded, so it is as deterministic as "+".
 * On AVX-512F hosts SILU_MUL and the softmax's exp and divide steps run
 * 16 lanes at a time (vector_avx512.c), with the same bits.
 */
#include <math.h>

#include "drm/csa_accel.h"

#include "hw/csa_math.h"
#include "hw/engines.h"
#include "hw/vector_impl.h"

static int vec_simd = 1;

void csa_vector_set_simd(int on)
{
	vec_simd = !!on;
}

int csa_vec_use_avx512(void)
{
#if CSA_VEC_HAVE_AVX512
	/* libgcc's and clang's checks include the OS saving zmm state */
	return vec_simd && __builtin_cpu_supports("avx512f");
#else
	return 0;
#endif
}

int csa_eng_copy(struct csa_hw *hw, const struct csa_desc *d)
{
	/* no overlap (checked), so memmove semantics are not needed */
	memcpy(csa_dev(hw, d->addr[1]), csa_dev(hw, d->addr[0]), d->arg[0]);
	return CSA_STATUS_OK;
}

int csa_eng_embed(struct csa_hw *hw, const struct csa_desc *d)
{
	uint32_t dim = d->arg[0], rows = d->arg[1], row = d->arg[2];

	if (d->flags & CSA_CMD_F_IDX_MEM) {
		row = csa_ld_u32(csa_dev(hw, d->addr[2]));
		if (row >= rows)
			return CSA_STATUS_BAD_ARG;
	}
	memcpy(csa_dev(hw, d->addr[1]),
	       csa_dev(hw, d->addr[0] + (uint64_t)row * dim * 4),
	       (size_t)dim * 4);
	return CSA_STATUS_OK;
}

int csa_eng_rmsnorm(struct csa_hw *hw, const struct csa_desc *d)
{
	const uint8_t *x = csa_dev(hw, d->addr[0]);
	const uint8_t *w = csa_dev(hw, d->addr[1]);
	uint8_t *y = csa_dev(hw, d->addr[2]);
	uint32_t n = d->arg[0], i;
	float ss = 0.0f, r, xi;

	for (i = 0; i < n; i++) {
		xi = csa_ld_f32(x + 4 * (uint64_t)i);
		ss = ss + xi * xi;
	}
	ss = ss / (float)n;
	ss = ss + csa_f32_from_bits(d->arg[1]);
	r = 1.0f / sqrtf(ss);
	for (i = 0; i < n; i++) {
		xi = csa_ld_f32(x + 4 * (uint64_t)i);
		csa_st_f32(y + 4 * (uint64_t)i,
			   csa_ld_f32(w + 4 * (uint64_t)i) * (r * xi));
	}
	return CSA_STATUS_OK;
}

int csa_eng_rope(struct csa_hw *hw, const struct csa_desc *d)
{
	uint32_t heads = d->arg[0], hd = d->arg[1], pos = d->arg[2];
	uint8_t *x = csa_dev(hw, d->addr[0]);
	const uint8_t *row = csa_dev(hw, d->addr[1] + (uint64_t)pos * hd * 4);
	uint32_t h, i;
	float x0, x1, c, s;

	for (h = 0; h < heads; h++) {
		uint8_t *xh = x + (uint64_t)h * hd * 4;

		for (i = 0; i < hd / 2; i++) {
			c = csa_ld_f32(row + 8 * i);
			s = csa_ld_f32(row + 8 * i + 4);
			x0 = csa_ld_f32(xh + 8 * i);
			x1 = csa_ld_f32(xh + 8 * i + 4);
			csa_st_f32(xh + 8 * i, x0 * c - x1 * s);
			csa_st_f32(xh + 8 * i + 4, x0 * s + x1 * c);
		}
	}
	return CSA_STATUS_OK;
}

int csa_eng_silu_mul(struct csa_hw *hw, const struct csa_desc *d)
{
	const uint8_t *a = csa_dev(hw, d->addr[0]);
	const uint8_t *b = csa_dev(hw, d->addr[1]);
	uint8_t *y = csa_dev(hw, d->addr[2]);
	uint64_t i, n = d->arg[0];
	float ai, sig;

#if CSA_VEC_HAVE_AVX512
	if (csa_vec_use_avx512()) {	/* the same bits, 16 at a time */
		csa_vec_silu_mul_avx512(y, a, b, n);
		return CSA_STATUS_OK;
	}
#endif
	for (i = 0; i < n; i++) {
		ai = csa_ld_f32(a + 4 * i);
		sig = 1.0f / (1.0f + csa_expf(-ai));
		csa_st_f32(y + 4 * i, (ai * sig) * csa_ld_f32(b + 4 * i));
	}
	return CSA_STATUS_OK;
}

int csa_eng_add(struct csa_hw *hw, const struct csa_desc *d)
{
	const uint8_t *a = csa_dev(hw, d->addr[0]);
	const uint8_t *b = csa_dev(hw, d->addr[1]);
	uint8_t *y = csa_dev(hw, d->addr[2]);
	uint64_t i, n = d->arg[0];

	for (i = 0; i < n; i++)
		csa_st_f32(y + 4 * i, csa_ld_f32(a + 4 * i) + csa_ld_f32(b + 4 * i));
	return CSA_STATUS_OK;
}

/* First index of the maximum; NaN never wins; all NaN gives index 0. */
int csa_eng_argmax(struct csa_hw *hw, const struct csa_desc *d)
{
	const uint8_t *x = csa_dev(hw, d->addr[0]);
	uint8_t *out = csa_dev(hw, d->addr[1]);
	uint32_t i, n = d->arg[0], best = 0;
	int found = 0;
	float v, bv = 0.0f;

	for (i = 0; i < n; i++) {
		v = csa_ld_f32(x + 4 * (uint64_t)i);
		if (csa_isnan(v))
			continue;
		if (!found || v > bv) {
			best = i;
			bv = v;
			found = 1;
		}
	}
	csa_st_u32(out, best);
	csa_st_u32(out + 4, csa_ld_u32(x + 4 * (uint64_t)best));
	return CSA_STATUS_OK;
}

/* max; e_i = exp(x_i - max) into y; sequential sum; y_i = e_i / sum.
 * y may be x itself: x_i is read before y_i is written. */
static void softmax_exact(const uint8_t *x, uint8_t *y, uint64_t n)
{
	float m = csa_ld_f32(x), v, e, z = 0.0f;
	uint64_t i;

	for (i = 1; i < n; i++) {
		v = csa_ld_f32(x + 4 * i);
		if (v > m)
			m = v;
	}
#if CSA_VEC_HAVE_AVX512
	if (csa_vec_use_avx512()) {	/* element-wise steps 16 at a time */
		csa_vec_exp_sub_avx512((float *)(void *)y,
				       (const float *)(const void *)x, m, n);
		for (i = 0; i < n; i++)
			z = z + csa_ld_f32(y + 4 * i);
		csa_vec_div_avx512((float *)(void *)y, z, n);
		return;
	}
#endif
	for (i = 0; i < n; i++) {
		e = csa_expf(csa_ld_f32(x + 4 * i) - m);
		csa_st_f32(y + 4 * i, e);
		z = z + e;
	}
	for (i = 0; i < n; i++)
		csa_st_f32(y + 4 * i, csa_ld_f32(y + 4 * i) / z);
}

/* The attention scores go through the SOFTMAX engine's own arithmetic. */
void csa_softmax_exact_inplace(float *s, uint32_t n)
{
	softmax_exact((const uint8_t *)s, (uint8_t *)s, n);
}

int csa_eng_softmax(struct csa_hw *hw, const struct csa_desc *d)
{
	const uint8_t *x = csa_dev(hw, d->addr[0]);
	uint8_t *y = csa_dev(hw, d->addr[1]);
	uint64_t i, n = d->arg[0];

	if (!(d->flags & CSA_CMD_F_CONSMAX)) {
		softmax_exact(x, y, n);
		return CSA_STATUS_OK;
	}
	for (i = 0; i < n; i++)
		csa_st_f32(y + 4 * i,
			   csa_consmax_eval(csa_dev(hw, d->addr[2]),
					    csa_ld_f32(x + 4 * i)));
	return CSA_STATUS_OK;
}
