// SPDX-License-Identifier: MIT
/*
 * matvec_f32.c - y = W x in f32 on the vector unit.  The reduction order
 * is the one an 8-lane SIMD unit produces, so a vectorized implementation
 * (AVX, NEON, an FPGA with 8 adders) is bit-exact with this scalar one:
 *   lane l accumulates products k = l, l+8, l+16, ... in ascending k,
 *   starting from +0.0f (a short tail simply leaves high lanes behind);
 *   y = ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)).
 */
#include "drm/csa_accel.h"

#include "hw/engines.h"

#define LANES 8

#if defined(__GNUC__)
/* Lanes 0-3 and 4-7 as two 4-wide vectors (one SSE/NEON register each):
 * every lane operation is one IEEE add or multiply, exactly the scalar
 * order below, just issued together. */
typedef float lanes4 __attribute__((vector_size(16)));

static float dot_8lane(const uint8_t *w, const uint8_t *x, uint32_t k)
{
	lanes4 lo = { 0.0f, 0.0f, 0.0f, 0.0f }, hi = lo, wv, xv;
	float a[LANES];
	uint32_t i, l;

	for (i = 0; i + LANES <= k; i += LANES) {
		memcpy(&wv, w + 4 * i, sizeof(wv));
		memcpy(&xv, x + 4 * i, sizeof(xv));
		lo = lo + wv * xv;
		memcpy(&wv, w + 4 * i + 16, sizeof(wv));
		memcpy(&xv, x + 4 * i + 16, sizeof(xv));
		hi = hi + wv * xv;
	}
	for (l = 0; l < 4; l++) {
		a[l] = lo[l];
		a[l + 4] = hi[l];
	}
	for (l = 0; i + l < k; l++)
		a[l] = a[l] + csa_ld_f32(w + 4 * (i + l)) *
			      csa_ld_f32(x + 4 * (i + l));
	return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}
#else
static float dot_8lane(const uint8_t *w, const uint8_t *x, uint32_t k)
{
	float acc[LANES] = { 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f };
	uint32_t i, l;

	for (i = 0; i + LANES <= k; i += LANES)
		for (l = 0; l < LANES; l++)
			acc[l] = acc[l] + csa_ld_f32(w + 4 * (i + l)) *
					  csa_ld_f32(x + 4 * (i + l));
	for (l = 0; i + l < k; l++)
		acc[l] = acc[l] + csa_ld_f32(w + 4 * (i + l)) *
				  csa_ld_f32(x + 4 * (i + l));
	return ((acc[0] + acc[1]) + (acc[2] + acc[3])) +
	       ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}
#endif

int csa_eng_matvec_f32(struct csa_hw *hw, const struct csa_desc *d)
{
	uint32_t k = d->arg[0], n = d->arg[1], r;
	const uint8_t *x = csa_dev(hw, d->addr[0]);
	const uint8_t *w = csa_dev(hw, d->addr[1]);
	uint8_t *y = csa_dev(hw, d->addr[2]);

	for (r = 0; r < n; r++)
		csa_st_f32(y + 4 * (uint64_t)r,
			   dot_8lane(w + (uint64_t)r * k * 4, x, k));
	return CSA_STATUS_OK;
}
