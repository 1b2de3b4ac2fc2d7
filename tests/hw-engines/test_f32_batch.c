// SPDX-License-Identifier: MIT
/*
 * test_f32_batch.c - MATVEC_F32_BATCH (commands.md 5.16): B activation
 * vectors against one f32 matrix give, bit for bit, the golden model's
 * y[b] and what B separate MATVEC_F32 commands write; only y is written;
 * the price reads the matrix once.
 */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

#include "common/csa_footprint.h"
#include "golden.h"
#include "harness.h"
#include "hw/cycle_model.h"
#include "tests.h"

static uint64_t put_new(const void *src, size_t bytes)
{
	uint64_t a = h_alloc(bytes);

	h_put(a, src, bytes);
	return a;
}

static void run_case(uint32_t k, uint32_t n, uint32_t batch)
{
	size_t nx = (size_t)batch * k, ny = (size_t)batch * n, nw = (size_t)n * k;
	float *x = malloc(nx * 4), *w = malloc(nw * 4), *want = malloc(ny * 4);
	float *got = malloc(ny * 4);
	struct csa_cycle_params zero, p;
	struct csa_desc d, one;
	struct csa_cmd_cost single;
	uint64_t cycles, c1, yaddr, ybytes = ny * 4, mem0, total = 0;

	CU_ASSERT_FATAL(x && w && want && got);
	for (size_t i = 0; i < nx; i++)
		x[i] = h_rand_mixed(1.0f);
	for (size_t i = 0; i < nw; i++)
		w[i] = h_rand_mixed(1.0f);
	for (uint32_t b = 0; b < batch; b++)
		g_matvec(x + (size_t)b * k, w, k, n, want + (size_t)b * n);

	h_reset();
	d = t_desc(CSA_OP_MATVEC_F32_BATCH, 0);
	d.arg[0] = k;
	d.arg[1] = n;
	d.arg[2] = batch;
	d.addr[0] = put_new(x, nx * 4);
	d.addr[1] = put_new(w, nw * 4);
	d.addr[2] = yaddr = h_alloc(ybytes);
	mem0 = h_hw->ctr.mem_bytes;
	CU_ASSERT_EQUAL_FATAL(h_exec(&d, &cycles), CSA_STATUS_OK);
	h_get(yaddr, got, ybytes);
	CU_ASSERT_EQUAL(memcmp(got, want, ybytes), 0);
	CU_ASSERT(h_untouched_outside(&yaddr, &ybytes, 1));
	/* the matrix once, x in and y out per vector */
	CU_ASSERT_EQUAL(h_hw->ctr.mem_bytes - mem0, 4 * (nw + nx + ny));

	/* B separate MATVEC_F32 commands write the same bits, and cost at
	 * least as much */
	memset(&zero, 0, sizeof(zero));
	csa_cycle_params_resolve(&zero, &p);
	memset(got, 0, ybytes);
	h_put(yaddr, got, ybytes);
	for (uint32_t b = 0; b < batch; b++) {
		one = t_desc(CSA_OP_MATVEC_F32, 0);
		one.arg[0] = k;
		one.arg[1] = n;
		one.addr[0] = d.addr[0] + 4ull * b * k;
		one.addr[1] = d.addr[1];
		one.addr[2] = yaddr + 4ull * b * n;
		CU_ASSERT_EQUAL_FATAL(h_exec(&one, &c1), CSA_STATUS_OK);
		total += c1;
	}
	h_get(yaddr, got, ybytes);
	CU_ASSERT_EQUAL(memcmp(got, want, ybytes), 0);
	CU_ASSERT(cycles <= total);
	csa_cycles_cmd(&p, &one, &single);
	if (batch == 1)
		CU_ASSERT_EQUAL(cycles, single.cycles);
	/* compute per vector, memory once: max(B x compute_1, bytes) + 16 */
	CU_ASSERT_EQUAL(cycles, (batch * single.compute >
				 csa_cycles_for_bytes(&p, 4 * (nw + nx + ny), p.dram_mbps) ?
				 batch * single.compute :
				 csa_cycles_for_bytes(&p, 4 * (nw + nx + ny), p.dram_mbps)) +
			CSA_CYCLES_ISSUE);
	free(x);
	free(w);
	free(want);
	free(got);
}

static void test_f32_batch(void)
{
	static const uint32_t cases[][3] = {
		{ 1, 1, 1 }, { 7, 5, 1 }, { 16, 8, 3 }, { 33, 17, 5 },
		{ 288, 64, 4 }, { 64, 512, CSA_BATCH_MAX }, { 9, 3, CSA_BATCH_MAX },
	};

	h_seed(0xf32b);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(cases[i][0], cases[i][1], cases[i][2]);
}

/* B * N * K at most the largest single MATVEC_F32's 2^32 multiply-adds. */
static void test_work_bound(void)
{
	struct csa_cmd_footprint fp;
	uint32_t a[CSA_DESC_ARGS] = { 65536, 65536, 1 };

	CU_ASSERT_EQUAL(csa_cmd_footprint(CSA_OP_MATVEC_F32_BATCH, 0, a, &fp), 0);
	CU_ASSERT_EQUAL(fp.bytes[1], 65536ull * 65536 * 4);
	a[2] = 2;
	CU_ASSERT_EQUAL(csa_cmd_check(CSA_OP_MATVEC_F32_BATCH, 0, a, &fp), CSA_STATUS_BAD_ARG);
	a[0] = 32768;		/* half the columns, twice the vectors */
	CU_ASSERT_EQUAL(csa_cmd_footprint(CSA_OP_MATVEC_F32_BATCH, 0, a, &fp), 0);
	CU_ASSERT_EQUAL(fp.bytes[0], 2ull * 32768 * 4);
	CU_ASSERT_EQUAL(fp.bytes[2], 2ull * 65536 * 4);
	a[0] = 32769;
	CU_ASSERT_EQUAL(csa_cmd_check(CSA_OP_MATVEC_F32_BATCH, 0, a, &fp), CSA_STATUS_BAD_ARG);
}

int add_f32_batch_suite(void)
{
	CU_pSuite s = CU_add_suite("MATVEC_F32_BATCH", h_init, h_fini);

	if (!s || !CU_add_test(s, "batch = golden = B single commands, bit for bit; price",
			       test_f32_batch) ||
	    !CU_add_test(s, "work bound", test_work_bound))
		return 1;
	return 0;
}
