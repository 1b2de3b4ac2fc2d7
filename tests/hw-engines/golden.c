// SPDX-License-Identifier: MIT
/*
 * golden.c - reference model of the engine commands, from the text of
 * docs/commands.md.  Deliberately naive: one loop per formula, libm's
 * nearbyintf/ldexpf where the spec says "round to nearest even" and
 * "times 2^n", direct +-q sums instead of lookup tables.
 */
#include <math.h>
#include <string.h>

#include "golden.h"

float g_expf(float x)
{
	float t, r, p, fn;
	int n;

	if (isnan(x))
		return x;
	if (x > 88.7228394f)
		return INFINITY;
	if (x < -103.972084f)
		return 0.0f;
	t = x * 1.44269502f;
	fn = nearbyintf(t);
	n = (int)fn;
	r = x - fn * 0.693145751953125f;
	r = r - fn * 1.42860677e-6f;
	p = 0.000198412701f;
	p = p * r + 0.00138888892f;
	p = p * r + 0.00833333377f;
	p = p * r + 0.0416666679f;
	p = p * r + 0.166666672f;
	p = p * r + 0.5f;
	p = p * r * r;
	p = p + r;
	p = p + 1.0f;
	return ldexpf(p, n);
}

void g_rmsnorm(const float *x, const float *w, uint32_t n, float eps, float *y)
{
	float ss = 0.0f, r;
	uint32_t i;

	for (i = 0; i < n; i++)
		ss += x[i] * x[i];
	ss /= (float)n;
	ss += eps;
	r = 1.0f / sqrtf(ss);
	for (i = 0; i < n; i++)
		y[i] = w[i] * (r * x[i]);
}

void g_matvec(const float *x, const float *w, uint32_t k, uint32_t n, float *y)
{
	uint32_t row, j;

	for (row = 0; row < n; row++) {
		float lane[8] = { 0 };

		for (j = 0; j < k; j++)
			lane[j % 8] += w[(size_t)row * k + j] * x[j];
		y[row] = ((lane[0] + lane[1]) + (lane[2] + lane[3])) +
			 ((lane[4] + lane[5]) + (lane[6] + lane[7]));
	}
}

void g_rope(float *x, uint32_t heads, uint32_t hd, const float *table,
	    uint32_t pos)
{
	uint32_t h, i;

	for (h = 0; h < heads; h++) {
		for (i = 0; i < hd / 2; i++) {
			float c = table[(size_t)pos * hd + 2 * i];
			float s = table[(size_t)pos * hd + 2 * i + 1];
			float *p = x + (size_t)h * hd + 2 * i;
			float x0 = p[0], x1 = p[1];

			p[0] = x0 * c - x1 * s;
			p[1] = x0 * s + x1 * c;
		}
	}
}

void g_silu_mul(const float *a, const float *b, uint32_t n, float *y)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		y[i] = (a[i] * (1.0f / (1.0f + g_expf(-a[i])))) * b[i];
}

void g_add(const float *a, const float *b, uint32_t n, float *y)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		y[i] = a[i] + b[i];
}

void g_argmax(const float *x, uint32_t n, uint32_t out[2])
{
	uint32_t i, best = 0;
	int have = 0;

	for (i = 0; i < n; i++) {
		if (isnan(x[i]))
			continue;
		if (!have || x[i] > x[best]) {
			best = i;
			have = 1;
		}
	}
	out[0] = best;
	memcpy(&out[1], &x[best], 4);
}

void g_softmax(const float *x, uint32_t n, float *y)
{
	float m = x[0], z = 0.0f;
	uint32_t i;

	for (i = 1; i < n; i++)
		if (x[i] > m)
			m = x[i];
	for (i = 0; i < n; i++) {
		y[i] = g_expf(x[i] - m);
		z += y[i];
	}
	for (i = 0; i < n; i++)
		y[i] /= z;
}

float g_consmax(const float *table, float s)
{
	float v = s * table[0], r;
	int q, msb, lsb;

	if (isnan(v))
		return v;
	r = nearbyintf(v);
	if (r > 127.0f)
		r = 127.0f;
	if (r < -128.0f)
		r = -128.0f;
	q = (int)r;
	msb = q >= 0 ? q / 16 : -((-q + 15) / 16);	/* floor(q / 16) */
	lsb = q - 16 * msb;
	return table[4 + msb + 8] * table[20 + lsb];
}

void g_consmax_table(float *table, double beta, double gamma, double step)
{
	int m, l;

	memset(table, 0, 36 * sizeof(float));
	table[0] = (float)(1.0 / step);
	for (m = -8; m < 8; m++)
		table[4 + m + 8] = (float)(exp(16.0 * m * step - beta) / gamma);
	for (l = 0; l < 16; l++)
		table[20 + l] = (float)exp(l * step);
}

int g_bcq_quant(float x, float amax)
{
	float v = x * (127.0f / amax), r;

	if (isnan(v))
		return 0;
	r = nearbyintf(v);
	if (r > 127.0f)
		return 127;
	if (r < -127.0f)
		return -127;
	return (int)r;
}

uint32_t g_sc_flags(int fmt)
{
	return (fmt & 1 ? 0x2u : 0) | (fmt & 2 ? 0x20u : 0);	/* POW2, SCALE16 */
}

uint32_t g_sc_bytes(int fmt)
{
	return fmt >= G_SC_F16 ? 2 : fmt == G_SC_POW2 ? 1 : 4;
}

void g_sc_random(int fmt, uint8_t *dst, uint32_t r1, uint32_t r2)
{
	float a = 0.001f + 0.049f * (float)(r1 % 10000) / 10000.0f;
	uint16_t h;

	switch (fmt) {
	case G_SC_POW2:
		dst[0] = (uint8_t)(int8_t)(-(int)(r1 % 12));
		return;
	case G_SC_F16:
		h = g_f16_bits(a);
		break;
	case G_SC_APOT:	/* e0 in -12..-1, any term nibbles */
		h = (uint16_t)((uint8_t)(int8_t)(-1 - (int)(r1 % 12)) | (r2 & 0xff00u));
		break;
	default:
		memcpy(dst, &a, 4);
		return;
	}
	memcpy(dst, &h, 2);
}

/* APoT (docs/commands.md 5.5): 2^e0, then each signed term, in f32 */
static float g_apot(uint16_t c)
{
	int e0 = (int8_t)(c & 0xff), t1 = (c >> 8) & 15, t2 = c >> 12;
	float a = ldexpf(1.0f, e0);

	if (t1 & 7) {
		float b = ldexpf(1.0f, e0 - (t1 & 7));

		a = (t1 & 8) ? a - b : a + b;
		if (t2 & 7) {
			b = ldexpf(1.0f, e0 - (t1 & 7) - (t2 & 7));
			a = (t2 & 8) ? a - b : a + b;
		}
	}
	return a;
}

static float g_alpha(const void *scales, int fmt, size_t idx)
{
	const uint8_t *b = scales;
	uint16_t h;
	float a;

	switch (fmt) {
	case G_SC_POW2:
		return ldexpf(1.0f, ((const int8_t *)scales)[idx]);
	case G_SC_F16:
		memcpy(&h, b + 2 * idx, 2);
		return g_f16_value(h);
	case G_SC_APOT:
		memcpy(&h, b + 2 * idx, 2);
		return g_apot(h);
	default:
		memcpy(&a, b + 4 * idx, 4);
		return a;
	}
}

void g_bcq(const float *x, const uint8_t *bits, const void *scales,
	   uint32_t k, uint32_t n, uint32_t planes, uint32_t group, int fmt,
	   float *y)
{
	uint32_t k8 = (k + 7) / 8, ng = (k + group - 1) / group;
	uint32_t row, g, p, j, j0, j1;

	for (row = 0; row < n; row++) {
		float acc = 0.0f;

		for (g = 0; g < ng; g++) {
			float amax = 0.0f, t = 0.0f;

			j0 = g * group;
			j1 = j0 + group < k ? j0 + group : k;
			for (j = j0; j < j1; j++)
				if (isfinite(x[j]) && fabsf(x[j]) > amax)
					amax = fabsf(x[j]);
			if (amax == 0.0f)
				continue;
			for (p = 0; p < planes; p++) {
				long sum = 0;

				for (j = j0; j < j1; j++) {
					uint8_t byte = bits[((size_t)p * k8 + j / 8) * n + row];
					int q = g_bcq_quant(x[j], amax);

					sum += (byte >> (j % 8)) & 1 ? q : -q;
				}
				t += g_alpha(scales, fmt,
					     ((size_t)row * ng + g) * planes + p) *
				     (float)sum;
			}
			acc += t * (amax / 127.0f);
		}
		y[row] = acc;
	}
}

size_t g_kv_floats(uint32_t n_kv, uint32_t hd, uint32_t max_seq)
{
	size_t slots = (max_seq + 31) / 32;

	return 2 * (size_t)n_kv * hd * 32 * slots;
}

size_t g_kv_k(uint32_t hd, uint32_t max_seq, uint32_t h, uint32_t t,
	      uint32_t d)
{
	size_t slots = (max_seq + 31) / 32;
	size_t bank = t % 32, slot = t / 32;

	return ((h * 32 + bank) * slots + slot) * hd + d;
}

size_t g_kv_v(uint32_t n_kv, uint32_t hd, uint32_t max_seq, uint32_t h,
	      uint32_t t, uint32_t d)
{
	size_t row_len = 32 * ((max_seq + 31) / 32);

	return g_kv_floats(n_kv, hd, max_seq) / 2 + ((size_t)h * hd + d) *
	       row_len + t;
}

void g_kv_append(float *cache, const float *k, const float *v, uint32_t n_kv,
		 uint32_t hd, uint32_t pos, uint32_t max_seq)
{
	uint32_t h, d;

	for (h = 0; h < n_kv; h++) {
		for (d = 0; d < hd; d++) {
			cache[g_kv_k(hd, max_seq, h, pos, d)] = k[h * hd + d];
			cache[g_kv_v(n_kv, hd, max_seq, h, pos, d)] = v[h * hd + d];
		}
	}
}

void g_attention(const float *q, const float *cache, uint32_t heads,
		 uint32_t n_kv, uint32_t hd, uint32_t seq_len,
		 uint32_t max_seq, float scale, const float *tables,
		 float *out)
{
	g_attention_mode(q, cache, heads, n_kv, hd, seq_len, max_seq, scale,
			 tables, 0, out);
}

float g_consmax_norm(const float *table, float s)
{
	if (s * table[0] < -128.0f)
		return 0.0f;
	return g_consmax(table, s);
}

void g_attention_mode(const float *q, const float *cache, uint32_t heads,
		      uint32_t n_kv, uint32_t hd, uint32_t seq_len,
		      uint32_t max_seq, float scale, const float *tables,
		      int norm, float *out)
{
	static float s[16384], pr[16384];
	uint32_t h, t, d;

	for (h = 0; h < heads; h++) {
		uint32_t kvh = h / (heads / n_kv);
		float l = 0.0f;

		for (t = 0; t < seq_len; t++) {
			float dot = 0.0f;

			for (d = 0; d < hd; d++)
				dot += q[h * hd + d] *
				       cache[g_kv_k(hd, max_seq, kvh, t, d)];
			s[t] = dot * scale;
		}
		if (tables) {
			for (t = 0; t < seq_len; t++) {
				pr[t] = norm ? g_consmax_norm(tables + 36 * h, s[t]) :
					       g_consmax(tables + 36 * h, s[t]);
				l += pr[t];
			}
		} else {
			g_softmax(s, seq_len, pr);
		}
		for (d = 0; d < hd; d++) {
			float o = 0.0f;

			for (t = 0; t < seq_len; t++)
				o += pr[t] * cache[g_kv_v(n_kv, hd, max_seq,
							  kvh, t, d)];
			if (norm)
				o = l == 0.0f ? 0.0f : o / l;
			out[h * hd + d] = o;
		}
	}
}

/* MATVEC_BCQ_BATCH (commands.md 5.13): each vector on its own. */
void g_bcq_batch(const float *x, const uint8_t *bits, const void *scales,
		 uint32_t k, uint32_t n, uint32_t planes, uint32_t group,
		 int pow2, uint32_t batch, float *y)
{
	for (uint32_t b = 0; b < batch; b++)
		g_bcq(x + (size_t)b * k, bits, scales, k, n, planes, group, pow2,
		      y + (size_t)b * n);
}

uint16_t g_f16_bits(float x)
{
	uint16_t sign = signbit(x) ? 0x8000 : 0;
	double a = fabs((double)x), r;
	int e;

	if (isnan(x)) {	/* quiet, the top 9 payload bits (docs/commands.md) */
		uint32_t b;

		memcpy(&b, &x, 4);
		return sign | 0x7e00 | ((b >> 13) & 0x3ff);
	}
	if (a >= 65520.0)
		return sign | 0x7c00;
	if (a == 0.0)
		return sign;
	frexp(a, &e);		/* a = f * 2^e, f in [0.5, 1) */
	if (e - 1 < -14)	/* subnormal quantum 2^-24 */
		return sign | (uint16_t)nearbyint(ldexp(a, 24));
	r = nearbyint(ldexp(a, 10 - (e - 1)));	/* 1024..2048 */
	if (r == 2048.0) {
		r = 1024.0;
		e++;
	}
	return sign | (uint16_t)((e - 1 + 15) << 10) | (uint16_t)(r - 1024.0);
}

float g_f16_value(uint16_t h)
{
	int e = (h >> 10) & 31, m = h & 1023;
	float v;

	if (e == 31)
		v = m ? NAN : INFINITY;
	else if (e == 0)
		v = (float)ldexp(m, -24);
	else
		v = (float)ldexp(1024 + m, e - 25);
	return (h & 0x8000) ? -v : v;
}

/* KV_APPEND_BATCH (commands.md 5.14) on a pool of caches held as the f32
 * values the engine sees (@f16: each stored value rounded to binary16):
 * entries in table order, entry b with len >= 1 writing at len - 1. */
void g_kv_append_batch(float *pool, size_t cache_floats, const uint32_t *slot,
		       const uint32_t *len, uint32_t batch, const float *k,
		       const float *v, uint32_t n_kv, uint32_t hd,
		       uint32_t max_seq, int f16)
{
	uint32_t b, h, d;

	for (b = 0; b < batch; b++) {
		float *cache = pool + slot[b] * cache_floats;
		const float *kb = k + (size_t)b * n_kv * hd;
		const float *vb = v + (size_t)b * n_kv * hd;

		if (!len[b])
			continue;
		for (h = 0; h < n_kv; h++) {
			for (d = 0; d < hd; d++) {
				float kx = kb[h * hd + d], vx = vb[h * hd + d];

				if (f16) {
					kx = g_f16_value(g_f16_bits(kx));
					vx = g_f16_value(g_f16_bits(vx));
				}
				cache[g_kv_k(hd, max_seq, h, len[b] - 1, d)] = kx;
				cache[g_kv_v(n_kv, hd, max_seq, h, len[b] - 1, d)] = vx;
			}
		}
	}
}

/* ATTENTION_BATCH (commands.md 5.15): out[b] is ATTENTION over tokens
 * 0..len[b]-1 of cache slot[b], or all +0 for len 0. */
void g_attention_batch(const float *q, const float *pool, size_t cache_floats,
		       const uint32_t *slot, const uint32_t *len,
		       uint32_t batch, uint32_t heads, uint32_t n_kv,
		       uint32_t hd, uint32_t max_seq, float scale,
		       const float *tables, int norm, float *out)
{
	size_t vec = (size_t)heads * hd, i;
	uint32_t b;

	for (b = 0; b < batch; b++) {
		if (!len[b]) {
			for (i = 0; i < vec; i++)
				out[b * vec + i] = 0.0f;
			continue;
		}
		g_attention_mode(q + b * vec, pool + slot[b] * cache_floats,
				 heads, n_kv, hd, len[b], max_seq, scale,
				 tables, norm, out + b * vec);
	}
}
