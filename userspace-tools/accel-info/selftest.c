// SPDX-License-Identifier: MIT
/* selftest.c - a short command list checked against host math; see selftest.h. */
#include "selftest.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include <csa/csa_device.h>

#define COPY_FLOATS	64
#define ADD_N		64
#define MV_K		32
#define MV_N		16
#define BCQ_K		64
#define BCQ_N		8
#define BCQ_P		2
#define BCQ_G		32
#define BCQ_NG		((BCQ_K + BCQ_G - 1) / BCQ_G)
#define BCQ_K8		((BCQ_K + 7) / 8)
#define RMS_N		64
#define RMS_EPS		1e-5f
#define ARG_N		100
#define ARG_MAX_AT	73
#define ARG_MAX_VALUE	9.75f

/* Regions of the staging buffer; the device buffer mirrors the offsets.
 * Inputs first (one DMA in), outputs after (one DMA out). */
enum region {
	R_COPY_SRC, R_ADD_A, R_ADD_B, R_MV_X, R_MV_W, R_BCQ_X, R_BCQ_BITS,
	R_BCQ_SCALES, R_RMS_X, R_RMS_W, R_ARG_X,
	R_FIRST_OUTPUT,
	R_COPY_DST = R_FIRST_OUTPUT, R_ADD_Y, R_MV_Y, R_BCQ_Y, R_RMS_Y,
	R_ARG_OUT,
	R_COUNT,
};

static const size_t region_bytes[R_COUNT] = {
	[R_COPY_SRC] = COPY_FLOATS * 4,
	[R_ADD_A] = ADD_N * 4,
	[R_ADD_B] = ADD_N * 4,
	[R_MV_X] = MV_K * 4,
	[R_MV_W] = MV_N * MV_K * 4,
	[R_BCQ_X] = BCQ_K * 4,
	[R_BCQ_BITS] = BCQ_K8 * BCQ_N * BCQ_P,
	[R_BCQ_SCALES] = BCQ_N * BCQ_NG * BCQ_P * 4,
	[R_RMS_X] = RMS_N * 4,
	[R_RMS_W] = RMS_N * 4,
	[R_ARG_X] = ARG_N * 4,
	[R_COPY_DST] = COPY_FLOATS * 4,
	[R_ADD_Y] = ADD_N * 4,
	[R_MV_Y] = MV_N * 4,
	[R_BCQ_Y] = BCQ_N * 4,
	[R_RMS_Y] = RMS_N * 4,
	[R_ARG_OUT] = 8,
};

#define REGION_ALIGN 64

static size_t region_offset(enum region r)
{
	size_t off = 0;

	for (int i = 0; i < (int)r; i++)
		off += (region_bytes[i] + REGION_ALIGN - 1) / REGION_ALIGN *
		       REGION_ALIGN;
	return off;
}

size_t selftest_buffer_size(void)
{
	return region_offset(R_COUNT);
}

static float *f32_at(void *buf, enum region r)
{
	return (float *)((char *)buf + region_offset(r));
}

static const float *cf32_at(const void *buf, enum region r)
{
	return (const float *)((const char *)buf + region_offset(r));
}

/* A multiple of 1/4 in [-3.5, 3.5], different per salt. */
static float quarter(unsigned int i, unsigned int salt)
{
	return (float)((int)((i * 37u + salt * 11u) % 29u) - 14) * 0.25f;
}

/* Region @r's first @n floats: quarter(0, salt), quarter(1, salt), ... */
static float *fill_quarters(void *buf, enum region r, unsigned int n,
			    unsigned int salt)
{
	float *v = f32_at(buf, r);

	for (unsigned int i = 0; i < n; i++)
		v[i] = quarter(i, salt);
	return v;
}

static float bcq_scale(unsigned int n, unsigned int g, unsigned int p)
{
	return ldexpf(1.0f, -(int)(1 + (n + g + p) % 3));	/* 1/2, 1/4, 1/8 */
}

void selftest_fill_inputs(void *buf)
{
	float *v;
	uint8_t *bits;

	fill_quarters(buf, R_COPY_SRC, COPY_FLOATS, 1);
	fill_quarters(buf, R_ADD_A, ADD_N, 2);
	fill_quarters(buf, R_ADD_B, ADD_N, 3);
	fill_quarters(buf, R_MV_X, MV_K, 4);
	v = f32_at(buf, R_MV_W);
	for (unsigned int i = 0; i < MV_N * MV_K; i++)
		v[i] = (float)((int)(i * 13u % 7u) - 3);
	/* The shift-add engine quantizes activations to int8 per scale group
	 * (scale amax / 127): integers with amax 127 in every group pass that
	 * step unchanged, so the result is exact and the definition checks it. */
	v = f32_at(buf, R_BCQ_X);
	for (unsigned int i = 0; i < BCQ_K; i++)
		v[i] = (float)((int)(i * 97u % 253u) - 126);
	for (unsigned int g = 0; g < BCQ_NG; g++)
		v[g * BCQ_G] = g % 2 ? -127.0f : 127.0f;
	bits = (uint8_t *)buf + region_offset(R_BCQ_BITS);
	for (unsigned int i = 0; i < region_bytes[R_BCQ_BITS]; i++)
		bits[i] = (uint8_t)(i * 151u + 89u);
	v = f32_at(buf, R_BCQ_SCALES);
	for (unsigned int n = 0; n < BCQ_N; n++)
		for (unsigned int g = 0; g < BCQ_NG; g++)
			for (unsigned int p = 0; p < BCQ_P; p++)
				v[(n * BCQ_NG + g) * BCQ_P + p] = bcq_scale(n, g, p);
	fill_quarters(buf, R_RMS_X, RMS_N, 6);
	v = f32_at(buf, R_RMS_W);
	for (unsigned int i = 0; i < RMS_N; i++)
		v[i] = 1.0f + quarter(i, 7) * 0.125f;
	v = fill_quarters(buf, R_ARG_X, ARG_N, 8);
	v[ARG_MAX_AT] = ARG_MAX_VALUE;
}

/* Compare n floats; tol 0 = bit-exact, else relative to max(1, |want|). */
static void check(struct selftest_case *c, const float *got, const float *want,
		  unsigned int n, double tol)
{
	for (unsigned int i = 0; i < n; i++) {
		double err = fabs((double)got[i] - (double)want[i]);

		if (isnan(got[i]) || isnan(err))
			err = INFINITY;
		if (err > c->max_error)
			c->max_error = err;
		bool ok = tol == 0.0 ? memcmp(&got[i], &want[i], 4) == 0
				     : err <= tol * fmax(1.0, fabs(want[i]));

		if (!ok && c->mismatches++ == 0) {
			c->first_bad = (int32_t)i;
			c->got = got[i];
			c->want = want[i];
		}
	}
}

static float csa_f32_of(uint32_t bits)
{
	float f;

	memcpy(&f, &bits, 4);
	return f;
}

static int bcq_sign(const uint8_t *bits, unsigned int p, unsigned int n,
		    unsigned int k)
{
	uint8_t byte = bits[(p * BCQ_K8 + k / 8) * BCQ_N + n];

	return (byte >> (k % 8)) & 1 ? 1 : -1;
}

void selftest_verify(const void *buf, struct selftest_result *r)
{
	static const char *const names[SELFTEST_NUM_CASES] = {
		"copy", "add", "matvec_f32", "matvec_bcq", "rmsnorm", "argmax",
	};
	float want[MV_N * MV_K];	/* big enough for every output */
	const float *x, *w, *b;

	for (int i = 0; i < SELFTEST_NUM_CASES; i++)
		r->cases[i] = (struct selftest_case){ .name = names[i],
						      .first_bad = -1 };

	check(&r->cases[SELFTEST_COPY], cf32_at(buf, R_COPY_DST),
	      cf32_at(buf, R_COPY_SRC), COPY_FLOATS, 0.0);

	x = cf32_at(buf, R_ADD_A);
	b = cf32_at(buf, R_ADD_B);
	for (unsigned int i = 0; i < ADD_N; i++)
		want[i] = x[i] + b[i];
	check(&r->cases[SELFTEST_ADD], cf32_at(buf, R_ADD_Y), want, ADD_N, 0.0);

	x = cf32_at(buf, R_MV_X);
	w = cf32_at(buf, R_MV_W);
	for (unsigned int n = 0; n < MV_N; n++) {
		double sum = 0.0;	/* exact: small multiples of 1/4 */

		for (unsigned int k = 0; k < MV_K; k++)
			sum += (double)w[n * MV_K + k] * x[k];
		want[n] = (float)sum;
	}
	check(&r->cases[SELFTEST_MATVEC_F32], cf32_at(buf, R_MV_Y), want, MV_N,
	      0.0);

	/* BCQ from its definition: y[n] = sum_g sum_p alpha * sum_k B * x */
	const uint8_t *bits = (const uint8_t *)buf + region_offset(R_BCQ_BITS);
	const float *scales = cf32_at(buf, R_BCQ_SCALES);

	x = cf32_at(buf, R_BCQ_X);
	for (unsigned int n = 0; n < BCQ_N; n++) {
		double y = 0.0;

		for (unsigned int g = 0; g < BCQ_NG; g++) {
			for (unsigned int p = 0; p < BCQ_P; p++) {
				double part = 0.0;

				for (unsigned int k = g * BCQ_G;
				     k < (g + 1) * BCQ_G && k < BCQ_K; k++)
					part += bcq_sign(bits, p, n, k) * (double)x[k];
				y += scales[(n * BCQ_NG + g) * BCQ_P + p] * part;
			}
		}
		want[n] = (float)y;
	}
	check(&r->cases[SELFTEST_MATVEC_BCQ], cf32_at(buf, R_BCQ_Y), want,
	      BCQ_N, 0.0);

	x = cf32_at(buf, R_RMS_X);
	w = cf32_at(buf, R_RMS_W);
	double ss = 0.0;

	for (unsigned int i = 0; i < RMS_N; i++)
		ss += (double)x[i] * x[i];
	double inv = 1.0 / sqrt(ss / RMS_N + (double)RMS_EPS);

	for (unsigned int i = 0; i < RMS_N; i++)
		want[i] = (float)((double)w[i] * x[i] * inv);
	check(&r->cases[SELFTEST_RMSNORM], cf32_at(buf, R_RMS_Y), want, RMS_N,
	      1e-5);

	const uint32_t *am = (const uint32_t *)((const char *)buf +
						region_offset(R_ARG_OUT));
	float max_value = ARG_MAX_VALUE;
	uint32_t max_bits;

	memcpy(&max_bits, &max_value, 4);
	struct selftest_case *c = &r->cases[SELFTEST_ARGMAX];

	c->mismatches = (am[0] != ARG_MAX_AT) + (am[1] != max_bits);
	c->max_error = am[0] == ARG_MAX_AT ? 0.0 : INFINITY;
	if (c->mismatches) {	/* element 0 the index, 1 the value */
		c->first_bad = am[0] != ARG_MAX_AT ? 0 : 1;
		c->got = c->first_bad ? (double)csa_f32_of(am[1]) : am[0];
		c->want = c->first_bad ? (double)ARG_MAX_VALUE : ARG_MAX_AT;
	}

	r->passed = 0;
	for (int i = 0; i < SELFTEST_NUM_CASES; i++) {
		r->cases[i].passed = r->cases[i].mismatches == 0;
		r->passed += r->cases[i].passed;
	}
}

static const char *const command_names[] = {
	"dma_in", "copy", "add", "matvec_f32", "matvec_bcq", "rmsnorm",
	"argmax", "dma_out",
};

const char *selftest_command_name(uint32_t index)
{
	if (index < sizeof(command_names) / sizeof(command_names[0]))
		return command_names[index];
	return "?";
}

static struct accel_ref at(struct accel_bo *bo, enum region r)
{
	return ACCEL_REF(bo, region_offset(r));
}

/* The list, in the order of command_names[]. */
static int build_list(struct accel_cmdlist *cl, struct accel_bo *host,
		      struct accel_bo *dev)
{
	uint32_t in_bytes = (uint32_t)region_offset(R_FIRST_OUTPUT);
	uint32_t out_bytes = (uint32_t)(selftest_buffer_size() - in_bytes);
	int err = 0;

	err = err ? err : accel_cmd_dma_h2d(cl, ACCEL_REF(host, 0),
					    ACCEL_REF(dev, 0), in_bytes);
	err = err ? err : accel_cmd_copy(cl, at(dev, R_COPY_SRC),
					 at(dev, R_COPY_DST), COPY_FLOATS * 4);
	err = err ? err : accel_cmd_add(cl, at(dev, R_ADD_A), at(dev, R_ADD_B),
					at(dev, R_ADD_Y), ADD_N);
	err = err ? err : accel_cmd_matvec_f32(cl, at(dev, R_MV_X),
					       at(dev, R_MV_W), at(dev, R_MV_Y),
					       MV_K, MV_N);
	err = err ? err : accel_cmd_matvec_bcq(cl, at(dev, R_BCQ_X),
					       at(dev, R_BCQ_BITS),
					       at(dev, R_BCQ_SCALES),
					       at(dev, R_BCQ_Y), BCQ_K, BCQ_N,
					       BCQ_P, BCQ_G, 0);
	err = err ? err : accel_cmd_rmsnorm(cl, at(dev, R_RMS_X),
					    at(dev, R_RMS_W), at(dev, R_RMS_Y),
					    RMS_N, RMS_EPS);
	err = err ? err : accel_cmd_argmax(cl, at(dev, R_ARG_X),
					   at(dev, R_ARG_OUT), ARG_N);
	err = err ? err : accel_cmd_dma_d2h(cl, ACCEL_REF(dev, in_bytes),
					    ACCEL_REF(host, in_bytes), out_bytes);
	return err;
}

size_t selftest_output_offset(enum selftest_case_id id)
{
	static const enum region out[SELFTEST_NUM_CASES] = {
		[SELFTEST_COPY] = R_COPY_DST,
		[SELFTEST_ADD] = R_ADD_Y,
		[SELFTEST_MATVEC_F32] = R_MV_Y,
		[SELFTEST_MATVEC_BCQ] = R_BCQ_Y,
		[SELFTEST_RMSNORM] = R_RMS_Y,
		[SELFTEST_ARGMAX] = R_ARG_OUT,
	};

	return region_offset(out[id]);
}

int selftest_run(struct accel_dev *dev, struct selftest_result *r,
		 void *buffer_copy)
{
	struct accel_bo *host = NULL, *devbuf = NULL;
	struct accel_cmdlist *cl = NULL;
	struct accel_status st = { 0 };
	void *map = NULL;
	size_t size = selftest_buffer_size();
	int err;

	memset(r, 0, sizeof(*r));
	err = accel_bo_alloc(dev, size, ACCEL_MEM_HOST, &host);
	if (!err)
		err = accel_bo_alloc(dev, size, ACCEL_MEM_DEVICE, &devbuf);
	if (!err)
		err = accel_bo_map(host, &map);
	if (!err)
		err = accel_cmdlist_create(dev, &cl);
	if (!err) {
		memset(map, 0, size);
		selftest_fill_inputs(map);
		err = build_list(cl, host, devbuf);
	}
	if (!err) {
		r->commands = accel_cmdlist_count(cl);
		err = accel_submit_wait(cl, 10ll * 1000 * 1000 * 1000, &st);
		r->status = st.status;
		r->failed_index = st.failed_index;
		r->cycles = st.cycles;
	}
	if (!err) {
		selftest_verify(map, r);
		if (buffer_copy)
			memcpy(buffer_copy, map, size);
	}
	accel_cmdlist_destroy(cl);
	accel_bo_free(devbuf);
	accel_bo_free(host);
	return err;
}
