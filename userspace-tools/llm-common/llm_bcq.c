// SPDX-License-Identifier: MIT
/*
 * llm_bcq.c - BCQ fitting per (row, group): greedy start on the residual
 * (alpha = mean |r|, b = sign r), then alternating refinement: least-squares
 * alphas for the current signs, then for each weight the sign pattern whose
 * value sum_p +-alpha_p is nearest (exact: the 2^P values are sorted and
 * searched).  Power-of-two scales round log2(alpha) and refit the signs.
 */
#include "llm_bcq.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "csa/csa_device.h"
#include "drm/csa_accel.h"

#define MAXP CSA_BCQ_MAX_PLANES
#define NCAND (1u << MAXP)

struct group_fit {
	uint32_t len, planes;
	const float *w;
	uint8_t *mask;		/* [len] bit p set: b_p = +1 */
	double alpha[MAXP];
};

static double fit_error(const struct group_fit *f)
{
	double err = 0.0;

	for (uint32_t j = 0; j < f->len; j++) {
		double v = 0.0;

		for (uint32_t p = 0; p < f->planes; p++)
			v += (f->mask[j] >> p & 1) ? f->alpha[p] : -f->alpha[p];
		err += (f->w[j] - v) * (f->w[j] - v);
	}
	return err;
}

/* The 2^P values sum_p +-alpha_p in increasing order (val[order[i]]). */
static uint32_t candidates(const struct group_fit *f, double *val, uint8_t *order)
{
	uint32_t nc = 1u << f->planes;

	for (uint32_t m = 0; m < nc; m++) {
		double v = 0.0;

		for (uint32_t p = 0; p < f->planes; p++)
			v += (m >> p & 1) ? f->alpha[p] : -f->alpha[p];
		val[m] = v;
		order[m] = m;
	}
	for (uint32_t i = 1; i < nc; i++)	/* insertion sort, 16 at most */
		for (uint32_t j = i; j > 0 && val[order[j]] < val[order[j - 1]]; j--) {
			uint8_t t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	return nc;
}

/* Sign pattern whose value is nearest to @x. */
static uint8_t nearest(const double *val, const uint8_t *order, uint32_t nc,
		       double x)
{
	uint32_t lo = 0, hi = nc - 1;

	while (hi - lo > 1) {	/* val[order[lo]] <= x < val[order[hi]] */
		uint32_t mid = (lo + hi) / 2;

		if (val[order[mid]] <= x)
			lo = mid;
		else
			hi = mid;
	}
	return fabs(x - val[order[lo]]) <= fabs(x - val[order[hi]]) ?
	       order[lo] : order[hi];
}

/* Best sign pattern for every weight given the alphas. */
static void fit_signs(struct group_fit *f)
{
	double val[NCAND];
	uint8_t order[NCAND];
	uint32_t nc = candidates(f, val, order);

	for (uint32_t j = 0; j < f->len; j++)
		f->mask[j] = nearest(val, order, nc, f->w[j]);
}

/* Least-squares alphas for fixed signs: (B^T B) a = B^T w.  Returns -1 if
 * the system is singular (two planes equal up to sign), keeping alphas. */
static int fit_alphas(struct group_fit *f)
{
	uint32_t P = f->planes;
	double a[MAXP][MAXP + 1] = { { 0 } };

	for (uint32_t j = 0; j < f->len; j++) {
		double b[MAXP];

		for (uint32_t p = 0; p < P; p++)
			b[p] = (f->mask[j] >> p & 1) ? 1.0 : -1.0;
		for (uint32_t r = 0; r < P; r++) {
			for (uint32_t c = 0; c < P; c++)
				a[r][c] += b[r] * b[c];
			a[r][P] += b[r] * f->w[j];
		}
	}
	for (uint32_t c = 0; c < P; c++) {	/* Gauss-Jordan, partial pivot */
		uint32_t piv = c;

		for (uint32_t r = c + 1; r < P; r++)
			if (fabs(a[r][c]) > fabs(a[piv][c]))
				piv = r;
		if (fabs(a[piv][c]) < 1e-9 * f->len)
			return -1;
		for (uint32_t k = 0; k <= P; k++) {
			double t = a[c][k];

			a[c][k] = a[piv][k];
			a[piv][k] = t;
		}
		for (uint32_t r = 0; r < P; r++) {
			double m;

			if (r == c)
				continue;
			m = a[r][c] / a[c][c];
			for (uint32_t k = c; k <= P; k++)
				a[r][k] -= m * a[c][k];
		}
	}
	for (uint32_t p = 0; p < P; p++)
		f->alpha[p] = a[p][P] / a[p][p];
	return 0;
}

/* Makes every alpha >= 0 by flipping its plane (the value is unchanged). */
static void make_alphas_positive(struct group_fit *f)
{
	for (uint32_t p = 0; p < f->planes; p++) {
		if (f->alpha[p] >= 0)
			continue;
		f->alpha[p] = -f->alpha[p];
		for (uint32_t j = 0; j < f->len; j++)
			f->mask[j] ^= 1u << p;
	}
}

static int pow2_exponent(double alpha)
{
	double e;

	if (alpha <= 0)
		return -128;
	e = rint(log2(alpha));
	return e < -128 ? -128 : e > 127 ? 127 : (int)e;
}

static void round_pow2(struct group_fit *f, int8_t *e)
{
	for (uint32_t p = 0; p < f->planes; p++) {
		e[p] = (int8_t)pow2_exponent(f->alpha[p]);
		f->alpha[p] = ldexp(1.0, e[p]);
	}
}

/* binary16 round to nearest even of a double (through f32, exact for
 * every value binary16 holds), and back. */
static uint16_t f16_encode(double v)
{
	float f = (float)v, a = fabsf(f);
	uint16_t sign = signbit(f) ? 0x8000 : 0;
	int e;
	double r;

	if (isnan(f))
		return 0x7e00;
	if (a >= 65520.0f)
		return sign | 0x7c00;
	if (a == 0.0f)
		return sign;
	frexp(a, &e);
	if (e - 1 < -14)
		return sign | (uint16_t)nearbyint(ldexp(a, 24));
	r = nearbyint(ldexp(a, 11 - e));
	if (r == 2048.0) {
		r = 1024.0;
		e++;
	}
	return sign | (uint16_t)((e + 14) << 10) | (uint16_t)(r - 1024.0);
}

static double f16_value(uint16_t h)
{
	int e = (h >> 10) & 31, m = h & 1023;
	double v = e == 31 ? (m ? NAN : INFINITY) :
		   e ? ldexp(1024 + m, e - 25) : ldexp(m, -24);

	return (h & 0x8000) ? -v : v;
}

double llm_apot_value(uint16_t code)
{
	int e0 = (int8_t)(code & 0xff), t1 = (code >> 8) & 15, t2 = code >> 12;
	int d1 = t1 & 7, d2 = t2 & 7;
	/* as the device: f32 sums of powers of two, in this order */
	float a = ldexpf(1.0f, e0);

	if (d1) {
		a = (t1 & 8) ? a - ldexpf(1.0f, e0 - d1) : a + ldexpf(1.0f, e0 - d1);
		if (d2)
			a = (t2 & 8) ? a - ldexpf(1.0f, e0 - d1 - d2) :
				       a + ldexpf(1.0f, e0 - d1 - d2);
	}
	return a;
}

/* The nearest code: every e0 around alpha and every first term, the
 * third term the power of two on either side of what is left. */
uint16_t llm_apot_encode(double alpha)
{
	uint16_t best = (uint8_t)(int8_t)-128;
	double best_err = INFINITY;
	int fl;

	if (!(alpha > 0))
		return best;
	fl = (int)floor(log2(alpha));
	for (int e0 = fl; e0 <= fl + 1; e0++) {
		if (e0 < -128 || e0 > 127)
			continue;
		for (int t1 = 0; t1 < 16; t1++) {
			double v1;
			int d1 = t1 & 7;

			if (!d1 && t1)
				continue;
			v1 = ldexp(1.0, e0) + (d1 ? ((t1 & 8) ? -1 : 1) * ldexp(1.0, e0 - d1) : 0);
			for (int c2 = 0; c2 < (d1 ? 3 : 1); c2++) {
				double r = alpha - v1, err;
				int d2 = 0, t2 = 0;
				uint16_t code;

				if (c2) {
					if (r == 0)
						break;
					d2 = e0 - d1 - ((int)floor(log2(fabs(r))) + (c2 - 1));
					if (d2 < 1 || d2 > 7)
						continue;
					t2 = d2 | (r < 0 ? 8 : 0);
				}
				code = (uint16_t)((uint8_t)(int8_t)e0 | t1 << 8 | t2 << 12);
				err = fabs(llm_apot_value(code) - alpha);
				if (err < best_err) {
					best_err = err;
					best = code;
				}
			}
		}
	}
	return best;
}

/* Scale (row, group, plane) of @q's storage, as stored, and a setter that
 * rounds to that storage. */
static double scale_get(const struct llm_bcq_matrix *q, uint64_t idx)
{
	const uint16_t *s16 = q->scales;

	if (q->scale16)
		return q->pow2 ? llm_apot_value(s16[idx]) : f16_value(s16[idx]);
	if (q->pow2)
		return ldexp(1.0, ((const int8_t *)q->scales)[idx]);
	return ((const float *)q->scales)[idx];
}

static void scale_set(struct llm_bcq_matrix *q, uint64_t idx, double alpha)
{
	if (q->scale16 && q->pow2)
		((uint16_t *)q->scales)[idx] = llm_apot_encode(alpha);
	else if (q->scale16)
		((uint16_t *)q->scales)[idx] = f16_encode(alpha);
	else if (q->pow2)
		((int8_t *)q->scales)[idx] = (int8_t)pow2_exponent(alpha);
	else
		((float *)q->scales)[idx] = (float)alpha;
}

/* The alphas rounded to @q's 16-bit storage, signs refit; then rounds of
 * least squares -> round -> signs while the error falls (APoT and fp16
 * both snap each alpha to a grid, as pow2 does). */
static void round_scales16(struct group_fit *f, const struct llm_bcq_matrix *q,
			   int iters)
{
	uint8_t best_mask[CSA_BCQ_MAX_GROUP];
	double best_alpha[MAXP], best;

	for (int it = 0; ; it++) {
		double err;

		for (uint32_t p = 0; p < f->planes; p++)
			f->alpha[p] = q->pow2 ? llm_apot_value(llm_apot_encode(f->alpha[p])) :
					f16_value(f16_encode(f->alpha[p]));
		fit_signs(f);
		err = fit_error(f);
		if (it > 0 && err >= best * (1.0 - 1e-9))
			break;
		best = err;
		memcpy(best_mask, f->mask, f->len);
		memcpy(best_alpha, f->alpha, sizeof(best_alpha));
		if (it == iters || fit_alphas(f))
			break;
		make_alphas_positive(f);
	}
	memcpy(f->mask, best_mask, f->len);
	memcpy(f->alpha, best_alpha, sizeof(best_alpha));
}

/* Alternating refinement until the error stops falling. */
static void alternate(struct group_fit *f, int iters)
{
	for (int it = 0; it < iters; it++) {
		double before = fit_error(f);

		if (fit_alphas(f))
			break;
		fit_signs(f);
		if (fit_error(f) >= before * (1.0 - 1e-9))
			break;
	}
}

/* A pow2 exponent search over one group: the weights sorted once, the
 * best tuple so far. */
struct pow2_search {
	const struct group_fit *f;
	const float *sorted;	/* the group's weights, ascending */
	double err;
	int8_t e[MAXP];
};

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return (x > y) - (x < y);
}

/* Error of the nearest-value coding with alphas 2^e: sorted weights walked
 * against the sorted values; gives up once it exceeds @limit. */
static double pow2_error(const struct pow2_search *s, const int8_t *e,
			 double limit)
{
	struct group_fit g = *s->f;
	double val[NCAND], err = 0.0;
	uint8_t order[NCAND];
	uint32_t nc, i = 0;

	for (uint32_t p = 0; p < g.planes; p++)
		g.alpha[p] = ldexp(1.0, e[p]);
	nc = candidates(&g, val, order);
	for (uint32_t j = 0; j < g.len; j++) {
		double x = s->sorted[j], d;

		while (i + 1 < nc && fabs(x - val[order[i + 1]]) <= fabs(x - val[order[i]]))
			i++;
		d = x - val[order[i]];
		err += d * d;
		if (err >= limit)
			break;
	}
	return err;
}

/* Tries every non-increasing exponent tuple e[p..] with e[p] in
 * [lo, hi]; rounding least-squares alphas one by one often lands one step
 * off on every plane, the search does not. */
static void search_pow2(struct pow2_search *s, int8_t *e, uint32_t p, int lo,
			int hi)
{
	if (p == s->f->planes) {
		double err = pow2_error(s, e, s->err);

		if (err < s->err) {
			s->err = err;
			memcpy(s->e, e, p);
		}
		return;
	}
	for (int x = hi; x >= lo; x--) {
		e[p] = (int8_t)x;
		search_pow2(s, e, p + 1, lo, x);
	}
}

static void fit_group(struct group_fit *f, int iters, int pow2, int8_t *e)
{
	uint8_t best_mask[CSA_BCQ_MAX_GROUP];
	double best_alpha[MAXP], best, err, amax = 0.0;
	int8_t best_e[MAXP] = { 0 };

	/* start 1: greedy on the residual */
	memset(f->mask, 0, f->len);
	for (uint32_t p = 0; p < f->planes; p++) {
		double sum = 0.0;

		for (uint32_t j = 0; j < f->len; j++) {
			double r = f->w[j];

			for (uint32_t q = 0; q < p; q++)
				r -= (f->mask[j] >> q & 1) ? f->alpha[q] : -f->alpha[q];
			if (r >= 0)
				f->mask[j] |= 1u << p;
			sum += fabs(r);
		}
		f->alpha[p] = sum / f->len;
	}
	alternate(f, iters);
	best = fit_error(f);
	memcpy(best_mask, f->mask, f->len);
	memcpy(best_alpha, f->alpha, sizeof(best_alpha));
	/* start 2: the uniform grid (alphas in ratio 2^(P-1) : .. : 1, the top
	 * level at max |w|); alternation from it often ends lower */
	for (uint32_t j = 0; j < f->len; j++)
		amax = fmax(amax, fabs(f->w[j]));
	for (int start = 0; f->planes > 1 && amax > 0 && start < 2; start++) {
		double top = start ? 0.7 * amax : amax;	/* clipped, or not */

		for (uint32_t p = 0; p < f->planes; p++)
			f->alpha[p] = top * ldexp(1.0, (int)(f->planes - 1 - p)) /
				      ((1u << f->planes) - 1);
		fit_signs(f);
		alternate(f, iters);
		err = fit_error(f);
		if (err < best) {
			best = err;
			memcpy(best_mask, f->mask, f->len);
			memcpy(best_alpha, f->alpha, sizeof(best_alpha));
		}
	}
	memcpy(f->mask, best_mask, f->len);
	memcpy(f->alpha, best_alpha, sizeof(best_alpha));
	make_alphas_positive(f);
	if (!pow2)
		return;
	/* Rounded scales, signs refit; a few rounds of LS -> round -> signs,
	 * keeping the best. */
	round_pow2(f, e);
	fit_signs(f);
	best = fit_error(f);
	memcpy(best_mask, f->mask, f->len);
	memcpy(best_alpha, f->alpha, sizeof(best_alpha));
	memcpy(best_e, e, f->planes);
	for (int it = 0; it < iters; it++) {
		if (fit_alphas(f))
			break;
		make_alphas_positive(f);
		round_pow2(f, e);
		fit_signs(f);
		err = fit_error(f);
		if (err >= best * (1.0 - 1e-9))
			break;
		best = err;
		memcpy(best_mask, f->mask, f->len);
		memcpy(best_alpha, f->alpha, sizeof(best_alpha));
		memcpy(best_e, e, f->planes);
	}
	if (amax > 0) {
		float sorted[CSA_BCQ_MAX_GROUP];
		struct pow2_search sr = { .f = f, .sorted = sorted, .err = best };
		int8_t t[MAXP];
		int top = pow2_exponent(amax);

		memcpy(sorted, f->w, f->len * sizeof(*sorted));
		qsort(sorted, f->len, sizeof(*sorted), cmp_float);
		search_pow2(&sr, t, 0, top - LLM_BCQ_POW2_SPAN, top);
		if (sr.err < best) {
			memcpy(best_e, sr.e, f->planes);
			for (uint32_t p = 0; p < f->planes; p++)
				f->alpha[p] = ldexp(1.0, sr.e[p]);
			fit_signs(f);
			memcpy(best_mask, f->mask, f->len);
			memcpy(best_alpha, f->alpha, sizeof(best_alpha));
		}
	}
	memcpy(f->mask, best_mask, f->len);
	memcpy(f->alpha, best_alpha, sizeof(best_alpha));
	memcpy(e, best_e, f->planes);
}

static int params_ok(const struct llm_bcq_params *p, uint32_t n, uint32_t k)
{
	return p->planes >= 1 && p->planes <= MAXP && p->group >= 8 &&
	       p->group <= CSA_BCQ_MAX_GROUP && p->group % 8 == 0 && n > 0 &&
	       k > 0;
}

int llm_bcq_alloc(struct llm_bcq_matrix *q, uint32_t n, uint32_t k,
		  const struct llm_bcq_params *p)
{
	memset(q, 0, sizeof(*q));
	if (!params_ok(p, n, k))
		return -EINVAL;
	q->k = k;
	q->n = n;
	q->planes = p->planes;
	q->group = p->group;
	q->pow2 = p->pow2;
	q->scale16 = !!p->scale16;
	q->bits_bytes = csa_bcq_bits_bytes(k, n, p->planes);
	q->scale_bytes = csa_bcq_scale_bytes_elem(k, n, p->planes, p->group,
						  csa_bcq_scale_elem_bytes(llm_bcq_flags(q)));
	q->bits = calloc(q->bits_bytes, 1);
	q->scales = calloc(q->scale_bytes, 1);
	if (!q->bits || !q->scales) {
		llm_bcq_free(q);
		return -ENOMEM;
	}
	return 0;
}

uint32_t llm_bcq_flags(const struct llm_bcq_matrix *q)
{
	return (q->pow2 ? CSA_CMD_F_POW2 : 0) | (q->scale16 ? CSA_CMD_F_SCALE16 : 0);
}

double llm_bcq_bits_per_weight(const struct llm_bcq_matrix *q)
{
	return 8.0 * (double)(q->bits_bytes + q->scale_bytes) / ((double)q->n * q->k);
}

void llm_bcq_free(struct llm_bcq_matrix *q)
{
	free(q->bits);
	free(q->scales);
	memset(q, 0, sizeof(*q));
}

/* Fits group @g of row @row (described by @f) and stores its scales; the
 * fitted signs are left in f->mask. */
static void fit_and_store_scales(struct llm_bcq_matrix *q, struct group_fit *f,
				 const struct llm_bcq_params *p, uint32_t row,
				 uint32_t g)
{
	uint32_t ng = (q->k + q->group - 1) / q->group;
	uint64_t s = ((uint64_t)row * ng + g) * q->planes;
	int8_t e[MAXP];

	fit_group(f, p->iters, p->pow2 && !q->scale16, e);
	if (q->scale16) {
		round_scales16(f, q, p->iters);
		if (q->pow2) {	/* APoT: also from the best single shifts */
			uint8_t mask[CSA_BCQ_MAX_GROUP];
			double alpha[MAXP], err = fit_error(f);

			memcpy(mask, f->mask, f->len);
			memcpy(alpha, f->alpha, sizeof(alpha));
			fit_group(f, p->iters, 1, e);
			round_scales16(f, q, p->iters);
			if (fit_error(f) > err) {
				memcpy(f->mask, mask, f->len);
				memcpy(f->alpha, alpha, sizeof(alpha));
			}
		}
	}
	for (uint32_t pl = 0; pl < q->planes; pl++) {
		if (q->pow2 && !q->scale16)
			((int8_t *)q->scales)[s + pl] = e[pl];
		else
			scale_set(q, s + pl, f->alpha[pl]);
	}
}

/* Sets the bit of weight (@row, @col) in each plane whose bit is set in
 * @signs (the bits start cleared). */
static void store_signs(struct llm_bcq_matrix *q, uint32_t row, uint32_t col,
			uint8_t signs)
{
	uint32_t k8 = (q->k + 7) / 8;

	for (uint32_t pl = 0; pl < q->planes; pl++)
		if (signs >> pl & 1)
			q->bits[((uint64_t)pl * k8 + col / 8) * q->n + row] |=
				1u << (col % 8);
}

int llm_bcq_quantize(struct llm_bcq_matrix *q, const float *w, uint32_t n,
		     uint32_t k, const struct llm_bcq_params *p)
{
	uint32_t ng = (k + p->group - 1) / p->group;
	uint8_t mask[CSA_BCQ_MAX_GROUP];
	int rc = llm_bcq_alloc(q, n, k, p);

	if (rc)
		return rc;
	for (uint32_t row = 0; row < n; row++) {
		for (uint32_t g = 0; g < ng; g++) {
			uint32_t c0 = g * p->group;
			struct group_fit f = {
				.len = k - c0 < p->group ? k - c0 : p->group,
				.planes = p->planes,
				.w = w + (uint64_t)row * k + c0,
				.mask = mask,
			};

			fit_and_store_scales(q, &f, p, row, g);
			for (uint32_t j = 0; j < f.len; j++)
				store_signs(q, row, c0 + j, mask[j]);
		}
	}
	return 0;
}

float llm_bcq_scale(const struct llm_bcq_matrix *q, uint32_t row,
		    uint32_t group, uint32_t plane)
{
	uint32_t ng = (q->k + q->group - 1) / q->group;

	return (float)scale_get(q, ((uint64_t)row * ng + group) * q->planes + plane);
}

void llm_bcq_dequantize(const struct llm_bcq_matrix *q, float *w)
{
	uint32_t k8 = (q->k + 7) / 8;

	for (uint32_t row = 0; row < q->n; row++) {
		for (uint32_t col = 0; col < q->k; col++) {
			float v = 0.0f;

			for (uint32_t pl = 0; pl < q->planes; pl++) {
				float a = llm_bcq_scale(q, row, col / q->group, pl);
				int bit = q->bits[((uint64_t)pl * k8 + col / 8) * q->n + row] >>
					  (col % 8) & 1;

				v += bit ? a : -a;
			}
			w[(uint64_t)row * q->k + col] = v;
		}
	}
}

/* Cholesky factor (lower) of the symmetric positive definite a[n][n], in
 * place; -1 if not positive definite. */
static int cholesky(double *a, uint32_t n)
{
	for (uint32_t j = 0; j < n; j++) {
		double d = a[(uint64_t)j * n + j];

		for (uint32_t k = 0; k < j; k++)
			d -= a[(uint64_t)j * n + k] * a[(uint64_t)j * n + k];
		if (d <= 0)
			return -1;
		d = sqrt(d);
		a[(uint64_t)j * n + j] = d;
		for (uint32_t i = j + 1; i < n; i++) {
			double s = a[(uint64_t)i * n + j];

			for (uint32_t k = 0; k < j; k++)
				s -= a[(uint64_t)i * n + k] * a[(uint64_t)j * n + k];
			a[(uint64_t)i * n + j] = s / d;
		}
		for (uint32_t i = 0; i < j; i++)
			a[(uint64_t)i * n + j] = 0;
	}
	return 0;
}

/* u = upper Cholesky factor of H^-1 (H^-1 = u^T u), from H damped. */
static int inverse_hessian_factor(double *hm, uint32_t k)
{
	double *li = calloc((uint64_t)k * k, sizeof(double));
	double mean = 0;

	if (!li)
		return -ENOMEM;
	for (uint32_t i = 0; i < k; i++)
		mean += hm[(uint64_t)i * k + i];
	mean = mean / k > 0 ? mean / k : 1.0;
	for (uint32_t i = 0; i < k; i++)
		hm[(uint64_t)i * k + i] += 0.01 * mean;
	if (cholesky(hm, k)) {
		free(li);
		return -EDOM;
	}
	/* L^-1 (lower) by forward substitution column by column, stored
	 * transposed (li[c * k + r] = (L^-1)[r][c]) so every inner loop below
	 * runs over contiguous memory: the 2048-wide inputs of the 110M
	 * shape do not fit the cache */
	for (uint32_t c = 0; c < k; c++) {
		double *col = li + (uint64_t)c * k;

		col[c] = 1.0 / hm[(uint64_t)c * k + c];
		for (uint32_t r = c + 1; r < k; r++) {
			const double *hr = hm + (uint64_t)r * k;
			double s = 0;

			for (uint32_t t = c; t < r; t++)
				s -= hr[t] * col[t];
			col[r] = s / hr[r];
		}
	}
	/* H^-1 = (L^-1)^T L^-1: entry (r, c) is column r . column c of L^-1
	 * (from t = max(r, c): the rest is zero); the upper half of hm (the
	 * Cholesky factor's zeros) is free to write first */
	for (uint32_t r = 0; r < k; r++)
		for (uint32_t c = 0; c <= r; c++) {
			const double *cr = li + (uint64_t)r * k, *cc = li + (uint64_t)c * k;
			double s = 0;

			for (uint32_t t = r; t < k; t++)
				s += cr[t] * cc[t];
			hm[(uint64_t)c * k + r] = s;
		}
	for (uint32_t r = 0; r < k; r++)
		for (uint32_t c = 0; c < r; c++)
			hm[(uint64_t)r * k + c] = hm[(uint64_t)c * k + r];
	free(li);
	if (cholesky(hm, k))
		return -EDOM;
	/* transpose the lower factor into the upper one */
	for (uint32_t r = 0; r < k; r++)
		for (uint32_t c = r + 1; c < k; c++) {
			hm[(uint64_t)r * k + c] = hm[(uint64_t)c * k + r];
			hm[(uint64_t)c * k + r] = 0;
		}
	return 0;
}

/* Value of weight (row, col) as coded: sum_p +-alpha. */
static double coded(const struct llm_bcq_matrix *q, uint32_t row, uint32_t col)
{
	uint32_t k8 = (q->k + 7) / 8;
	double v = 0;

	for (uint32_t pl = 0; pl < q->planes; pl++) {
		double a = llm_bcq_scale(q, row, col / q->group, pl);

		v += (q->bits[((uint64_t)pl * k8 + col / 8) * q->n + row] >> (col % 8) & 1) ? a : -a;
	}
	return v;
}

/* d = the row as coded minus @w; r = H d.  The output error is d . r. */
static void row_error_terms(const struct llm_bcq_matrix *q, uint32_t row,
			    const float *w, const double *h, double *d,
			    double *r)
{
	uint32_t k = q->k;

	for (uint32_t j = 0; j < k; j++)
		d[j] = coded(q, row, j) - w[j];
	for (uint32_t i = 0; i < k; i++) {
		double s = 0;

		for (uint32_t j = 0; j < k; j++)
			s += h[(uint64_t)i * k + j] * d[j];
		r[i] = s;
	}
}

/* One sweep of single-weight moves under the output error d^T H d (d =
 * coded - w, r = H d, both kept up to date): each weight takes the best of
 * its group's 2^P values.  Returns the number moved. */
static int move_weights(struct llm_bcq_matrix *q, uint32_t row, const float *w,
			const double *h, double *d, double *r)
{
	uint32_t k = q->k, P = q->planes, k8 = (k + 7) / 8;
	int moved = 0;

	for (uint32_t j = 0; j < k; j++) {
		uint32_t g = j / q->group, best_m = 0;
		double alpha[MAXP], best = -1e-12 * (1 + fabs(r[j])), cur = d[j] + w[j];
		double v = 0, delta;

		for (uint32_t pl = 0; pl < P; pl++)
			alpha[pl] = llm_bcq_scale(q, row, g, pl);
		for (uint32_t m = 0; m < (1u << P); m++) {
			double gain;

			v = 0;
			for (uint32_t pl = 0; pl < P; pl++)
				v += (m >> pl & 1) ? alpha[pl] : -alpha[pl];
			delta = v - cur;
			gain = 2 * delta * r[j] + delta * delta * h[(uint64_t)j * k + j];
			if (gain < best) {
				best = gain;
				best_m = m | 0x100;
			}
		}
		if (!best_m)
			continue;
		v = 0;
		for (uint32_t pl = 0; pl < P; pl++) {
			uint8_t *b = &q->bits[((uint64_t)pl * k8 + j / 8) * q->n + row];

			if (best_m >> pl & 1) {
				*b |= 1u << (j % 8);
				v += alpha[pl];
			} else {
				*b &= ~(1u << (j % 8));
				v -= alpha[pl];
			}
		}
		delta = v - cur;
		d[j] += delta;
		for (uint32_t i = 0; i < k; i++)
			r[i] += delta * h[(uint64_t)i * k + j];
		moved++;
	}
	return moved;
}

/* Local search under the output error (w - q)^T H (w - q) of one row:
 * sweeps that move single weights to the best of their group's 2^P values,
 * then (float scales) the least-squares alphas of the whole row given its
 * signs, B^T H B a = B^T H w.  GPTQ's single greedy pass leaves a lot for
 * this to recover at 4 bits on small models. */
static void refine_row(struct llm_bcq_matrix *q, uint32_t row, const float *w,
		       const double *h, double *d, double *r, int sweeps)
{
	uint32_t k = q->k, P = q->planes, ng = (k + q->group - 1) / q->group;
	uint32_t k8 = (k + 7) / 8, nu = ng * P;

	for (int sweep = 0; sweep < sweeps; sweep++) {
		int moved = 0;

		row_error_terms(q, row, w, h, d, r);
		moved = move_weights(q, row, w, h, d, r);
		if (q->pow2)
			continue;
		/* alphas of the whole row for the current signs */
		{
			double a[4 * MAXP * 64 + 1], *bm = NULL, *hb = NULL, *sys = NULL;
			int ok = nu <= 4 * 64;

			(void)a;
			if (ok) {
				bm = calloc((uint64_t)k * nu, sizeof(double));
				hb = calloc((uint64_t)k * nu, sizeof(double));
				sys = calloc((uint64_t)nu * (nu + 1), sizeof(double));
				ok = bm && hb && sys;
			}
			if (ok) {
				/* B: column (g, p) is +-1 on the group's columns */
				for (uint32_t j = 0; j < k; j++)
					for (uint32_t pl = 0; pl < P; pl++)
						bm[(uint64_t)j * nu + (j / q->group) * P + pl] =
							(q->bits[((uint64_t)pl * k8 + j / 8) * q->n + row] >>
							 (j % 8) & 1) ? 1.0 : -1.0;
				/* hb = H B */
				for (uint32_t i = 0; i < k; i++)
					for (uint32_t j = 0; j < k; j++) {
						double hij = h[(uint64_t)i * k + j];
						uint32_t u0 = (j / q->group) * P;

						if (hij == 0)
							continue;
						for (uint32_t u = u0; u < u0 + P; u++)
							hb[(uint64_t)i * nu + u] += hij * bm[(uint64_t)j * nu + u];
					}
				/* sys = [B^T H B | B^T H w] */
				for (uint32_t u = 0; u < nu; u++) {
					for (uint32_t v = 0; v < nu; v++) {
						double s = 0;

						for (uint32_t i = 0; i < k; i++)
							s += bm[(uint64_t)i * nu + u] * hb[(uint64_t)i * nu + v];
						sys[(uint64_t)u * (nu + 1) + v] = s;
					}
					{
						double s = 0;

						for (uint32_t i = 0; i < k; i++)
							s += hb[(uint64_t)i * nu + u] * w[i];
						sys[(uint64_t)u * (nu + 1) + nu] = s;
					}
				}
				/* Gauss-Jordan with partial pivoting */
				for (uint32_t c = 0; ok && c < nu; c++) {
					uint32_t piv = c;

					for (uint32_t rr = c + 1; rr < nu; rr++)
						if (fabs(sys[(uint64_t)rr * (nu + 1) + c]) >
						    fabs(sys[(uint64_t)piv * (nu + 1) + c]))
							piv = rr;
					if (fabs(sys[(uint64_t)piv * (nu + 1) + c]) < 1e-12) {
						ok = 0;
						break;
					}
					for (uint32_t t = 0; t <= nu; t++) {
						double tmp = sys[(uint64_t)c * (nu + 1) + t];

						sys[(uint64_t)c * (nu + 1) + t] = sys[(uint64_t)piv * (nu + 1) + t];
						sys[(uint64_t)piv * (nu + 1) + t] = tmp;
					}
					for (uint32_t rr = 0; rr < nu; rr++) {
						double f;

						if (rr == c)
							continue;
						f = sys[(uint64_t)rr * (nu + 1) + c] / sys[(uint64_t)c * (nu + 1) + c];
						for (uint32_t t = c; t <= nu; t++)
							sys[(uint64_t)rr * (nu + 1) + t] -= f * sys[(uint64_t)c * (nu + 1) + t];
					}
				}
				if (ok) {
					/* accept only if the output error does not grow */
					double old[4 * 64 * MAXP];
					double e0 = 0, e1 = 0;

					for (uint32_t j = 0; j < k; j++)
						e0 += d[j] * r[j];
					for (uint32_t u = 0; u < nu; u++) {
						old[u] = scale_get(q, (uint64_t)row * nu + u);
						scale_set(q, (uint64_t)row * nu + u,
							  sys[(uint64_t)u * (nu + 1) + nu] /
							  sys[(uint64_t)u * (nu + 1) + u]);
					}
					/* d and r are recomputed by the next sweep */
					row_error_terms(q, row, w, h, d, r);
					for (uint32_t j = 0; j < k; j++)
						e1 += d[j] * r[j];
					if (!(e1 <= e0))
						for (uint32_t u = 0; u < nu; u++)
							scale_set(q, (uint64_t)row * nu + u, old[u]);
				}
			}
			free(bm);
			free(hb);
			free(sys);
		}
		if (!moved && sweep > 0)
			break;
	}
}

/* Solves a[P][P+1] (augmented) in place by Gauss-Jordan with partial
 * pivoting; x = a[p][P] / a[p][p].  -1 if singular. */
static int solve_small(double a[MAXP][MAXP + 1], uint32_t P)
{
	for (uint32_t c = 0; c < P; c++) {
		uint32_t piv = c;

		for (uint32_t r = c + 1; r < P; r++)
			if (fabs(a[r][c]) > fabs(a[piv][c]))
				piv = r;
		if (fabs(a[piv][c]) < 1e-300)
			return -1;
		for (uint32_t t = 0; t <= P; t++) {
			double tmp = a[c][t];

			a[c][t] = a[piv][t];
			a[piv][t] = tmp;
		}
		for (uint32_t r = 0; r < P; r++) {
			double m;

			if (r == c)
				continue;
			m = a[r][c] / a[c][c];
			for (uint32_t t = c; t <= P; t++)
				a[r][t] -= m * a[c][t];
		}
	}
	return 0;
}

/* refine_row's search for matrices too big for it (n k^2 above
 * LLM_BCQ_REFINE_MAX_WORK): r = H d is computed once per row and kept up
 * to date move by move (k per move), and the alphas are re-solved one
 * group at a time against the rest of the row held fixed,
 * (B_g^T H_gg B_g) da = -B_g^T r_g, costing k G P per row instead of
 * k^2 P.  Same moves, same acceptance (the output error must fall). */
static void refine_row_blocked(struct llm_bcq_matrix *q, uint32_t row,
			       const float *w, const double *h, double *d,
			       double *r, int sweeps)
{
	uint32_t k = q->k, P = q->planes, G = q->group, ng = (k + G - 1) / G;
	uint32_t k8 = (k + 7) / 8;
	double hs[MAXP][CSA_BCQ_MAX_GROUP], dv[CSA_BCQ_MAX_GROUP];

	row_error_terms(q, row, w, h, d, r);
	for (int sweep = 0; sweep < sweeps; sweep++) {
		int moved = 0;

		moved = move_weights(q, row, w, h, d, r);
		for (uint32_t g = 0; !q->pow2 && g < ng; g++) {
			uint32_t c0 = g * G, len = k - c0 < G ? k - c0 : G;
			uint64_t s0 = ((uint64_t)row * ng + g) * P;
			double a[MAXP][MAXP + 1] = { { 0 } }, old[MAXP], de = 0;

			/* hs[p][i] = sum_j H_ij s_pj over the group's columns */
			for (uint32_t pl = 0; pl < P; pl++)
				for (uint32_t i = 0; i < len; i++) {
					double acc = 0;

					for (uint32_t j = 0; j < len; j++) {
						int bit = q->bits[((uint64_t)pl * k8 + (c0 + j) / 8) * q->n + row] >>
							  ((c0 + j) % 8) & 1;

						acc += h[(uint64_t)(c0 + i) * k + c0 + j] * (bit ? 1.0 : -1.0);
					}
					hs[pl][i] = acc;
				}
			for (uint32_t p1 = 0; p1 < P; p1++) {
				for (uint32_t i = 0; i < len; i++) {
					int bit = q->bits[((uint64_t)p1 * k8 + (c0 + i) / 8) * q->n + row] >>
						  ((c0 + i) % 8) & 1;
					double s = bit ? 1.0 : -1.0;

					for (uint32_t p2 = 0; p2 < P; p2++)
						a[p1][p2] += s * hs[p2][i];
					a[p1][P] -= s * r[c0 + i];
				}
			}
			if (solve_small(a, P))
				continue;
			for (uint32_t pl = 0; pl < P; pl++) {
				old[pl] = scale_get(q, s0 + pl);
				scale_set(q, s0 + pl, old[pl] + a[pl][P] / a[pl][pl]);
			}
			/* the change as stored (rounded), and its effect */
			for (uint32_t i = 0; i < len; i++) {
				dv[i] = 0;
				for (uint32_t pl = 0; pl < P; pl++) {
					int bit = q->bits[((uint64_t)pl * k8 + (c0 + i) / 8) * q->n + row] >>
						  ((c0 + i) % 8) & 1;
					double da = scale_get(q, s0 + pl) - old[pl];

					dv[i] += bit ? da : -da;
				}
			}
			for (uint32_t i = 0; i < len; i++) {
				double hdv = 0;

				for (uint32_t j = 0; j < len; j++)
					hdv += h[(uint64_t)(c0 + i) * k + c0 + j] * dv[j];
				de += dv[i] * (2 * r[c0 + i] + hdv);
			}
			if (!(de < 0)) {
				for (uint32_t pl = 0; pl < P; pl++)
					scale_set(q, s0 + pl, old[pl]);
				continue;
			}
			for (uint32_t j = 0; j < len; j++) {
				if (dv[j] == 0)
					continue;
				d[c0 + j] += dv[j];
				for (uint32_t i = 0; i < k; i++)
					r[i] += dv[j] * h[(uint64_t)i * k + c0 + j];
			}
		}
		if (!moved && sweep > 0)
			break;
	}
}

int llm_bcq_quantize_gptq(struct llm_bcq_matrix *q, const float *w,
			  uint32_t n, uint32_t k, const double *h,
			  const struct llm_bcq_params *p)
{
	uint32_t ng = (k + p->group - 1) / p->group;
	double *u = NULL, *hd = NULL, *dv = NULL, mean = 0;
	float *wk = NULL;
	uint8_t mask[CSA_BCQ_MAX_GROUP];
	int rc = llm_bcq_alloc(q, n, k, p);

	if (rc)
		return rc;
	u = malloc((uint64_t)k * k * sizeof(double));
	wk = malloc((uint64_t)n * k * sizeof(float));
	if (!u || !wk) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(u, h, (uint64_t)k * k * sizeof(double));
	memcpy(wk, w, (uint64_t)n * k * sizeof(float));
	hd = malloc((uint64_t)k * k * sizeof(double));
	dv = malloc(2 * (uint64_t)k * sizeof(double));
	if (!hd || !dv) {
		rc = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < k; i++)	/* dead inputs carry no signal */
		if (u[(uint64_t)i * k + i] == 0) {
			u[(uint64_t)i * k + i] = 1;
			for (uint32_t r = 0; r < n; r++)
				wk[(uint64_t)r * k + i] = 0;
		}
	/* the metric of the final refinement: H damped like the factor's */
	memcpy(hd, u, (uint64_t)k * k * sizeof(double));
	for (uint32_t i = 0; i < k; i++)
		mean += hd[(uint64_t)i * k + i];
	for (uint32_t i = 0; i < k; i++)
		hd[(uint64_t)i * k + i] += 0.01 * mean / k;
	rc = inverse_hessian_factor(u, k);
	if (rc)
		goto out;
	for (uint32_t g = 0; g < ng; g++) {
		uint32_t c0 = g * p->group, len = k - c0 < p->group ? k - c0 : p->group;

		/* alphas of this group from the error-updated weights */
		for (uint32_t r = 0; r < n; r++) {
			struct group_fit f = { .len = len, .planes = p->planes,
					       .w = wk + (uint64_t)r * k + c0, .mask = mask };

			fit_and_store_scales(q, &f, p, r, g);
		}
		for (uint32_t col = c0; col < c0 + len; col++) {
			double d = u[(uint64_t)col * k + col];

			for (uint32_t r = 0; r < n; r++) {
				struct group_fit f = { .len = 1, .planes = p->planes };
				double val[NCAND], err;
				uint8_t order[NCAND], m;
				uint32_t nc;
				float *row = wk + (uint64_t)r * k;

				for (uint32_t pl = 0; pl < p->planes; pl++)
					f.alpha[pl] = scale_get(q, ((uint64_t)r * ng + g) * p->planes + pl);
				nc = candidates(&f, val, order);
				m = nearest(val, order, nc, row[col]);
				store_signs(q, r, col, m);
				err = (row[col] - val[m]) / d;
				for (uint32_t j = col + 1; j < k; j++)
					row[j] -= (float)(err * u[(uint64_t)col * k + j]);
			}
		}
	}
	/* the whole-row search costs n k^2 P per sweep: big matrices take
	 * the blocked one (n k^2 once, then k G P per row and sweep) */
	for (uint32_t r = 0; r < n; r++) {
		if ((uint64_t)n * k * k <= LLM_BCQ_REFINE_MAX_WORK)
			refine_row(q, r, w + (uint64_t)r * k, hd, dv, dv + k,
				   LLM_BCQ_REFINE_SWEEPS);
		else
			refine_row_blocked(q, r, w + (uint64_t)r * k, hd, dv, dv + k,
					   LLM_BCQ_REFINE_SWEEPS);
	}
out:
	free(u);
	free(hd);
	free(dv);
	free(wk);
	if (rc)
		llm_bcq_free(q);
	return rc;
}
