// SPDX-License-Identifier: MIT
/*
 * bcq.c - the shift-add GEMV engine (ShiftAddLLM, LUT-GEMM): weights in
 * binary-coding quantization W[n][k] ~ sum_p alpha[n][g][p] * B_p[n][k],
 * B in {-1,+1}.  Activations are quantized to int8 per scale group, each
 * 8 of them build a 256-entry table of signed sums, and every packed
 * weight byte is one table lookup plus an integer add.  Only the per-group
 * scaling is floating point, in a fixed order:
 *
 *   s_g = amax_g / 127;  q_j = clamp(round_even(x_j * (127 / amax_g)), +-127)
 *   T_kb[b] = sum_{j<8} (bit j of b ? +q : -q)_{8kb+j}      (int16)
 *   S[n][p][g] = sum over the group's bytes kb of T_kb[byte]  (int32)
 *   acc = +0; for g: { t = +0; for p: t = t + alpha * (float)S; acc = acc + t * s_g }
 *
 * Integer sums are exact in any order, so any vectorization of the
 * lookups gives the same bits.  This file is the portable scalar engine
 * and the dispatch: on an AVX2 host bcq_avx2.c does the rows in blocks of
 * 32, on one with AVX-512BW bcq_avx512.c in blocks of 64, and this code
 * only the last N % 32.  The tables and partial sums
 * live in the scratch SRAM (hw->scratch_f viewed as integers: this file
 * is built with -fno-strict-aliasing, see hw/build.mk), in chunks of rows
 * and tables.
 */
#include "drm/csa_accel.h"

#include "hw/bcq_impl.h"

#define ROW_BLOCK	1024u	/* rows whose partial sums are held at once */
#define TAB_ENTRIES	256u

/* Tables that fit the scratch beside ROW_BLOCK * 4 int32 partial sums. */
#define SCRATCH_BYTES	(CSA_HW_SCRATCH_FLOATS * 4u)
#define SUMS_BYTES	(ROW_BLOCK * CSA_BCQ_MAX_PLANES * 4u)
#define MAX_TABLES	((SCRATCH_BYTES - SUMS_BYTES) / (TAB_ENTRIES * 2u))

#if CSA_BCQ_HAVE_AVX2
typedef char bcq_avx2_scratch_fits[BCQ_AVX2_SCRATCH_BYTES <= SCRATCH_BYTES ?
				    1 : -1];
#endif

/* csa_bcq_scale_elem_bytes() (csa_device.h) tests the flag bits by number */
typedef char bcq_scale_flag_bits[CSA_CMD_F_SCALE16 == (1u << 5) &&
				 CSA_CMD_F_POW2 == (1u << 1) ? 1 : -1];

static int bcq_simd_level = CSA_BCQ_SIMD_BEST;

void csa_bcq_set_simd(int level)
{
	bcq_simd_level = level < 0 ? 0 : level > CSA_BCQ_SIMD_BEST ?
			 CSA_BCQ_SIMD_BEST : level;
}

static int bcq_use_avx2(void)
{
#if CSA_BCQ_HAVE_AVX2
	return bcq_simd_level >= CSA_BCQ_SIMD_AVX2 &&
	       __builtin_cpu_supports("avx2");
#else
	return 0;
#endif
}

static int bcq_use_avx512(void)
{
#if CSA_BCQ_HAVE_AVX512
	/* libgcc's and clang's checks include the OS saving zmm state */
	return bcq_simd_level >= CSA_BCQ_SIMD_AVX512 && bcq_use_avx2() &&
	       __builtin_cpu_supports("avx512f") &&
	       __builtin_cpu_supports("avx512bw") &&
	       __builtin_cpu_supports("avx512vl");
#else
	return 0;
#endif
}

const char *csa_bcq_kernel(void)
{
	return bcq_use_avx512() ? "avx512" : bcq_use_avx2() ? "avx2" : "scalar";
}

static void build_table(int16_t *tab, const struct bcq_shape *s,
			uint32_t kb, float inv)
{
	int32_t q[8], neg = 0;
	uint32_t j, i, half;

	bcq_quantize8(s, kb, inv, q);
	for (j = 0; j < 8; j++)
		neg -= q[j];
	/* entry 0 has every bit clear (all -q); setting bit j adds 2 q_j */
	tab[0] = (int16_t)neg;
	for (j = 0, half = 1; j < 8; j++, half <<= 1)
		for (i = 0; i < half; i++)
			tab[half + i] = (int16_t)(tab[i] + 2 * q[j]);
}

static float alpha_of(const struct bcq_shape *s, uint32_t row, uint32_t g,
		      uint32_t p)
{
	return bcq_scale_at(s, ((uint64_t)row * s->ngroups + g) * s->planes + p);
}

/* Integer partial sums of rows n0..n0+nb, group g, into sums[p][i]. */
static void group_sums(const struct bcq_shape *s, int32_t *sums, int16_t *tabs,
		       uint32_t n0, uint32_t nb, uint32_t g, float inv)
{
	uint32_t kb0 = g * (s->group / 8), kb1 = kb0 + s->group / 8;
	uint32_t c0, cn, t, p, i;

	if (kb1 > s->k8)
		kb1 = s->k8;
	memset(sums, 0, sizeof(*sums) * ROW_BLOCK * s->planes);
	for (c0 = kb0; c0 < kb1; c0 += cn) {
		cn = kb1 - c0 < MAX_TABLES ? kb1 - c0 : MAX_TABLES;
		for (t = 0; t < cn; t++)
			build_table(tabs + t * TAB_ENTRIES, s, c0 + t, inv);
		for (p = 0; p < s->planes; p++) {
			int32_t *acc = sums + p * ROW_BLOCK;

			for (t = 0; t < cn; t++) {
				const int16_t *tab = tabs + t * TAB_ENTRIES;
				const uint8_t *b = s->bits + ((uint64_t)p * s->k8 +
						c0 + t) * s->n + n0;

				for (i = 0; i < nb; i++)
					acc[i] += tab[b[i]];
			}
		}
	}
}

/* Rows n_begin..N-1, one table lookup at a time. */
static void rows_scalar(struct csa_hw *hw, const struct bcq_shape *s,
			uint32_t n_begin)
{
	int32_t *sums = (int32_t *)(void *)hw->scratch_f;
	int16_t *tabs = (int16_t *)(void *)(sums + ROW_BLOCK * CSA_BCQ_MAX_PLANES);
	uint32_t n0, nb, g, p, i;
	float amax, inv, sg, t, acc;

	for (n0 = n_begin; n0 < s->n; n0 += nb) {
		nb = s->n - n0 < ROW_BLOCK ? s->n - n0 : ROW_BLOCK;
		/* y holds each row's running acc between groups */
		for (i = 0; i < nb; i++)
			csa_st_f32(s->y + 4 * (uint64_t)(n0 + i), 0.0f);
		for (g = 0; g < s->ngroups; g++) {
			amax = bcq_group_amax(s, g);
			if (amax == 0.0f)
				continue;	/* the group contributes nothing */
			inv = 127.0f / amax;
			sg = amax / 127.0f;
			group_sums(s, sums, tabs, n0, nb, g, inv);
			for (i = 0; i < nb; i++) {
				uint8_t *yp = s->y + 4 * (uint64_t)(n0 + i);

				t = 0.0f;
				for (p = 0; p < s->planes; p++)
					t = t + alpha_of(s, n0 + i, g, p) *
						(float)sums[p * ROW_BLOCK + i];
				acc = csa_ld_f32(yp);
				csa_st_f32(yp, acc + t * sg);
			}
		}
	}
}

int csa_eng_matvec_bcq(struct csa_hw *hw, const struct csa_desc *d)
{
	struct bcq_shape s;
	uint32_t done = 0;

	s.k = d->arg[0];
	s.n = d->arg[1];
	s.planes = d->arg[2];
	s.group = d->arg[3];
	s.k8 = (s.k + 7) / 8;
	s.ngroups = (s.k + s.group - 1) / s.group;
	s.pow2 = !!(d->flags & CSA_CMD_F_POW2);
	if (d->flags & CSA_CMD_F_SCALE16)
		s.fmt = s.pow2 ? BCQ_SCALE_APOT : BCQ_SCALE_F16;
	else
		s.fmt = s.pow2 ? BCQ_SCALE_POW2 : BCQ_SCALE_F32;
	s.scale_bytes = csa_bcq_scale_elem_bytes(d->flags);
	s.x = csa_dev(hw, d->addr[0]);
	s.bits = csa_dev(hw, d->addr[1]);
	s.scales = csa_dev(hw, d->addr[2]);
	s.y = csa_dev(hw, d->addr[3]);

#if CSA_BCQ_HAVE_AVX512
	if (bcq_use_avx512())
		done = csa_bcq_rows_avx512(&s, (uint8_t *)(void *)hw->scratch_f);
	else
#endif
#if CSA_BCQ_HAVE_AVX2
	if (bcq_use_avx2())
		done = csa_bcq_rows_avx2(&s, (uint8_t *)(void *)hw->scratch_f);
#endif
	if (done < s.n)
		rows_scalar(hw, &s, done);
	return CSA_STATUS_OK;
}
