// SPDX-License-Identifier: MIT
/*
 * test_attn_fast.c - ATTENTION's and KV_APPEND's vector kernel
 * (hw/pim_attention_avx512.c, where the host has AVX-512) against the
 * scalar one, bit for bit: f32
 * and binary16 caches written directly with random encodings (subnormals,
 * inf, NaN, signalling NaN codes, -0 included), GQA, head_dim and seq_len
 * over every tail of the 16-lane tiles.  With a non-finite element the
 * result may be NaN; then both must be NaN (which NaN an add returns is
 * not specified, commands.md 5.5).  The golden comparisons of test_compute
 * run the default (vector) kernel.
 */
#include <math.h>
#include <stdlib.h>

#include "harness.h"
#include "hw/attention_simd.h"
#include "hw/csa_math.h"
#include "hw/host_cpu.h"
#include "tests.h"

struct attn_shape {
	uint32_t heads, n_kv, hd, seq_len, max_seq;
	int f16, specials;
};

/* one random cache element: mostly finite, 1 in 16 special with @specials */
static void random_element(uint8_t *p, int f16, int specials)
{
	float v = h_rand_mixed(1.0f);
	uint16_t h;

	if (specials && h_rand32() % 16 == 0) {
		static const uint16_t h_special[] = {
			0x7c00, 0xfc00, 0x7e01, 0x7c01, 0xfd55, 0x0001,
			0x83ff, 0x8000, 0x0000, 0x03ff,
		};
		static const uint32_t f_special[] = {
			0x7f800000u, 0xff800000u, 0x7fc00001u, 0x7f800001u,
			0x00000001u, 0x80000000u, 0x007fffffu, 0x7f7fffffu,
		};

		if (f16) {
			memcpy(p, &h_special[h_rand32() % 10], 2);
		} else {
			memcpy(p, &f_special[h_rand32() % 8], 4);
		}
		return;
	}
	if (f16) {
		h = csa_f16_from_f32(v);
		memcpy(p, &h, 2);
	} else {
		memcpy(p, &v, 4);
	}
}

/* out of one kernel for the shape's inputs (already in device memory) */
static void run_kernel(const struct csa_desc *d, float *out, uint64_t a_out,
		       uint32_t n, int simd)
{
	uint64_t cycles;

	csa_attention_set_simd(simd);
	CU_ASSERT_EQUAL_FATAL(h_exec(d, &cycles), CSA_STATUS_OK);
	h_get(a_out, out, 4ull * n);
	csa_attention_set_simd(1);
}

static unsigned int differ(const float *a, const float *b, uint32_t n)
{
	unsigned int bad = 0;
	uint32_t i;

	for (i = 0; i < n; i++)
		bad += isnan(a[i]) || isnan(b[i]) ? isnan(a[i]) != isnan(b[i]) :
		       h_f32_bits(a[i]) != h_f32_bits(b[i]);
	return bad;
}

static void run_shape(const struct attn_shape *c)
{
	uint64_t esize = c->f16 ? 2 : 4;
	uint64_t nkv = csa_kv_bytes_elem(c->n_kv, c->hd, c->max_seq, esize) / esize;
	uint32_t nq = c->heads * c->hd, i;
	uint8_t *cache = malloc(nkv * esize);
	float *q = malloc(4ull * nq), *fast = malloc(4ull * nq);
	float *slow = malloc(4ull * nq);
	uint64_t a_cache, a_q, a_out;
	struct csa_desc d;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cache);
	CU_ASSERT_PTR_NOT_NULL_FATAL(q);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fast);
	CU_ASSERT_PTR_NOT_NULL_FATAL(slow);
	h_reset();
	for (i = 0; i < nkv; i++)
		random_element(cache + esize * i, c->f16, c->specials);
	for (i = 0; i < nq; i++)
		q[i] = h_rand_mixed(1.0f);
	a_cache = h_alloc(nkv * esize);
	h_put(a_cache, cache, nkv * esize);
	a_q = h_alloc(4ull * nq);
	h_put(a_q, q, 4ull * nq);
	a_out = h_alloc(4ull * nq);
	d = t_desc(CSA_OP_ATTENTION, c->f16 ? CSA_CMD_F_KV_F16 : 0);
	d.arg[0] = c->heads;
	d.arg[1] = c->n_kv;
	d.arg[2] = c->hd;
	d.arg[3] = c->seq_len;
	d.arg[4] = c->max_seq;
	d.arg[5] = h_f32_bits(1.0f / sqrtf((float)c->hd));
	d.addr[0] = a_q;
	d.addr[1] = a_cache;
	d.addr[2] = a_out;
	run_kernel(&d, fast, a_out, nq, 1);
	run_kernel(&d, slow, a_out, nq, 0);
	CU_ASSERT_EQUAL(differ(fast, slow, nq), 0u);
	if (!c->specials)	/* finite inputs: finite, compared bit for bit */
		for (i = 0; i < nq; i++)
			CU_ASSERT_FALSE(isnan(fast[i]));
	free(cache);
	free(q);
	free(fast);
	free(slow);
}

/* The kernel named is the one that runs: "avx512" only where built and
 * the host has AVX-512F, BW, VL and F16C; "scalar" when narrowed. */
static void test_attn_kernel_choice(void)
{
	csa_attention_set_simd(0);
	CU_ASSERT_STRING_EQUAL(csa_attention_kernel(), "scalar");
	csa_attention_set_simd(1);
#if defined(__x86_64__)
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
	    __builtin_cpu_supports("avx512vl") && csa_host_f16c())
		CU_ASSERT_STRING_EQUAL(csa_attention_kernel(), "avx512");
#endif
}

static void test_attn_tails(void)
{
	static const uint32_t hds[] = { 1, 7, 16, 17, 31, 32, 48, 64, 65, 100 };
	struct attn_shape c;
	unsigned int i;

	h_seed(71);
	for (i = 0; i < 60; i++) {
		c.n_kv = 1 + h_rand32() % 3;
		c.heads = c.n_kv * (1 + h_rand32() % 3);
		c.hd = hds[i % 10];
		c.seq_len = 1 + h_rand32() % 70;
		c.max_seq = c.seq_len + h_rand32() % 40;
		c.f16 = (int)(i & 1);
		c.specials = i % 3 == 2;
		run_shape(&c);
	}
}

/* a long sequence: many tiles per head, the 16-row V reads far apart */
static void test_attn_long(void)
{
	const struct attn_shape c = { 2, 1, 64, 1000, 1030, 1, 0 };
	const struct attn_shape c32 = { 3, 3, 40, 333, 333, 0, 0 };

	h_seed(72);
	run_shape(&c);
	run_shape(&c32);
}

/* KV_APPEND with both kernels into the same cache: the same bytes,
 * binary16 rounding included (ties, overflow to inf, NaN payloads,
 * subnormals), f32 copied bit for bit */
static void test_kv_append(void)
{
	static const uint32_t special[] = {
		0x7f800001u, 0xffc00123u, 0x477ff000u, 0x477fefffu, 0x33800000u,
		0x33000000u, 0x38800000u, 0x80000000u, 0x3f801000u, 0x00000001u,
	};
	static const uint32_t hds[] = { 1, 15, 16, 17, 64, 100 };
	uint32_t i, j, n_kv, hd, max_seq, pos, nk;
	uint64_t bytes, a_k, a_v, a_cache, cycles;
	uint8_t *fast, *slow;
	float *k, *v;
	struct csa_desc d;
	int f16;

	h_seed(73);
	for (i = 0; i < 24; i++) {
		f16 = (int)(i & 1);
		n_kv = 1 + h_rand32() % 3;
		hd = hds[i % 6];
		max_seq = 1 + h_rand32() % 80;
		pos = h_rand32() % max_seq;
		nk = n_kv * hd;
		bytes = csa_kv_bytes_elem(n_kv, hd, max_seq, f16 ? 2 : 4);
		k = malloc(4ull * nk);
		v = malloc(4ull * nk);
		fast = malloc(bytes);
		slow = malloc(bytes);
		CU_ASSERT_PTR_NOT_NULL_FATAL(k);
		CU_ASSERT_PTR_NOT_NULL_FATAL(v);
		CU_ASSERT_PTR_NOT_NULL_FATAL(fast);
		CU_ASSERT_PTR_NOT_NULL_FATAL(slow);
		for (j = 0; j < nk; j++) {
			k[j] = j % 7 == 3 ? h_bits_f32(special[h_rand32() % 10]) :
			       h_rand_mixed(70000.0f);
			v[j] = j % 5 == 1 ? h_bits_f32(special[h_rand32() % 10]) :
			       h_rand_mixed(1.0f);
		}
		h_reset();
		a_k = h_alloc(4ull * nk);
		a_v = h_alloc(4ull * nk);
		a_cache = h_alloc(bytes);
		h_put(a_k, k, 4ull * nk);
		h_put(a_v, v, 4ull * nk);
		d = t_desc(CSA_OP_KV_APPEND, f16 ? CSA_CMD_F_KV_F16 : 0);
		d.arg[0] = n_kv;
		d.arg[1] = hd;
		d.arg[2] = pos;
		d.arg[3] = max_seq;
		d.addr[0] = a_k;
		d.addr[1] = a_v;
		d.addr[2] = a_cache;
		CU_ASSERT_EQUAL_FATAL(h_exec(&d, &cycles), CSA_STATUS_OK);
		h_get(a_cache, fast, bytes);
		csa_attention_set_simd(0);
		CU_ASSERT_EQUAL_FATAL(h_exec(&d, &cycles), CSA_STATUS_OK);
		csa_attention_set_simd(1);
		h_get(a_cache, slow, bytes);
		/* the scalar kernel rewrote the same elements with its bytes */
		CU_ASSERT_EQUAL(memcmp(fast, slow, bytes), 0);
		free(k);
		free(v);
		free(fast);
		free(slow);
	}
}

int add_attn_fast_suite(void)
{
	CU_pSuite s = CU_add_suite("ATTENTION vector kernel", h_init, h_fini);

	if (!s ||
	    !CU_add_test(s, "kernel choice", test_attn_kernel_choice) ||
	    !CU_add_test(s, "vector = scalar, every tail", test_attn_tails) ||
	    !CU_add_test(s, "vector = scalar, long sequences", test_attn_long) ||
	    !CU_add_test(s, "KV_APPEND vector = scalar", test_kv_append))
		return -1;
	return 0;
}
