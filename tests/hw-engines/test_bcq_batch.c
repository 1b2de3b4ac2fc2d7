// SPDX-License-Identifier: MIT
/*
 * test_bcq_batch.c - MATVEC_BCQ_BATCH (commands.md 5.13): B activation
 * vectors against one shift-add weight set give, bit for bit, the golden
 * model's output and what B separate MATVEC_BCQ commands write; only y is
 * written; and the batch is priced as one pass over the weights.
 */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

#include "common/csa_footprint.h"
#include "drm/csa_accel.h"
#include "golden.h"
#include "harness.h"
#include "hw/cycle_model.h"
#include "tests.h"

struct batch_case {
	uint32_t k, n, planes, group, batch;
	int pow2;
};

static uint64_t put_new(const void *src, size_t bytes)
{
	uint64_t a = h_alloc(bytes);

	h_put(a, src, bytes);
	return a;
}

static void run_case(const struct batch_case *c)
{
	uint64_t nbits = csa_bcq_bits_bytes(c->k, c->n, c->planes);
	uint64_t nsc = csa_bcq_scale_bytes(c->k, c->n, c->planes, c->group, c->pow2);
	size_t nx = (size_t)c->batch * c->k, ny = (size_t)c->batch * c->n;
	float *x = calloc(nx, 4), *want = calloc(ny, 4), *got = calloc(ny, 4);
	uint8_t *bits = malloc(nbits), *sc = malloc(nsc);
	struct csa_desc d, one;
	uint64_t cycles, single_cycles = 0, ybytes = ny * 4, yaddr;
	uint32_t flags = c->pow2 ? CSA_CMD_F_POW2 : 0;

	CU_ASSERT_FATAL(x && want && got && bits && sc);
	for (size_t i = 0; i < nx; i++)
		x[i] = h_rand_mixed(1.0f);
	for (uint64_t i = 0; i < nbits; i++)
		bits[i] = (uint8_t)h_rand32();
	if (c->pow2) {
		for (uint64_t i = 0; i < nsc; i++)
			sc[i] = (uint8_t)(int8_t)(-(int)(h_rand32() % 12));
	} else {
		for (uint64_t i = 0; i < nsc / 4; i++) {
			float a = h_randf(0.001f, 0.05f);

			memcpy(sc + 4 * i, &a, 4);
		}
	}
	g_bcq_batch(x, bits, sc, c->k, c->n, c->planes, c->group, c->pow2, c->batch, want);

	h_reset();
	memset(&d, 0, sizeof(d));
	d.opcode = CSA_OP_MATVEC_BCQ_BATCH;
	d.flags = (uint8_t)flags;
	d.arg[0] = c->k;
	d.arg[1] = c->n;
	d.arg[2] = c->planes;
	d.arg[3] = c->group;
	d.arg[4] = c->batch;
	d.addr[0] = put_new(x, nx * 4);
	d.addr[1] = put_new(bits, nbits);
	d.addr[2] = put_new(sc, nsc);
	d.addr[3] = yaddr = h_alloc(ybytes);
	CU_ASSERT_EQUAL_FATAL(h_exec(&d, &cycles), CSA_STATUS_OK);
	h_get(yaddr, got, ybytes);
	CU_ASSERT_EQUAL(memcmp(got, want, ybytes), 0);
	CU_ASSERT(h_untouched_outside(&yaddr, &ybytes, 1));

	/* B separate MATVEC_BCQ commands write the same bits */
	memset(got, 0, ybytes);
	h_put(yaddr, got, ybytes);
	for (uint32_t b = 0; b < c->batch; b++) {
		uint64_t cyc;

		memset(&one, 0, sizeof(one));
		one.opcode = CSA_OP_MATVEC_BCQ;
		one.flags = (uint8_t)flags;
		memcpy(one.arg, d.arg, 4 * sizeof(uint32_t));
		one.addr[0] = d.addr[0] + (uint64_t)b * c->k * 4;
		one.addr[1] = d.addr[1];
		one.addr[2] = d.addr[2];
		one.addr[3] = yaddr + (uint64_t)b * c->n * 4;
		CU_ASSERT_EQUAL_FATAL(h_exec(&one, &cyc), CSA_STATUS_OK);
		single_cycles += cyc;
	}
	h_get(yaddr, got, ybytes);
	CU_ASSERT_EQUAL(memcmp(got, want, ybytes), 0);
	/* one issue and one pass over the weights for the whole batch */
	if (c->batch == 1) {
		CU_ASSERT_EQUAL(cycles, single_cycles);
	} else {
		CU_ASSERT(cycles <= single_cycles - (c->batch - 1) * CSA_CYCLES_ISSUE);
	}
	free(x);
	free(want);
	free(got);
	free(bits);
	free(sc);
}

static void test_batch_equals_singles(void)
{
	static const struct batch_case cases[] = {
		{ 8, 1, 1, 8, 1, 0 },
		{ 64, 16, 2, 32, 4, 0 },
		{ 100, 33, 3, 16, 7, 0 },	/* K not a multiple of 8 or G */
		{ 29, 5, 4, 64, 3, 1 },		/* G > K, pow2 scales */
		{ 288, 96, 3, 64, 16, 1 },
		{ 768, 300, 2, 128, 5, 0 },	/* more rows than one row block */
		{ 64, 8, 1, 8, CSA_BATCH_MAX, 0 },
	};

	h_seed(16);
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
}

/* The footprint is B vectors in and out around one weight set. */
static void test_batch_footprint(void)
{
	struct csa_cmd_footprint fp, single;
	uint32_t a[CSA_DESC_ARGS] = { 100, 3, 3, 16, 5 };

	CU_ASSERT_EQUAL(csa_cmd_footprint(CSA_OP_MATVEC_BCQ_BATCH, 0, a, &fp), 0);
	a[4] = 0;
	CU_ASSERT_EQUAL(csa_cmd_footprint(CSA_OP_MATVEC_BCQ, 0, a, &single), 0);
	CU_ASSERT_EQUAL(fp.bytes[0], 5 * single.bytes[0]);
	CU_ASSERT_EQUAL(fp.bytes[1], single.bytes[1]);
	CU_ASSERT_EQUAL(fp.bytes[2], single.bytes[2]);
	CU_ASSERT_EQUAL(fp.bytes[3], 5 * single.bytes[3]);
	CU_ASSERT_EQUAL(fp.kind[3], CSA_BUF_DEVICE_OUT);
}

int add_bcq_batch_suite(void)
{
	CU_pSuite s = CU_add_suite("MATVEC_BCQ_BATCH", h_init, h_fini);

	if (!s ||
	    !CU_add_test(s, "batch = golden = B single commands, bit for bit", test_batch_equals_singles) ||
	    !CU_add_test(s, "footprint", test_batch_footprint))
		return -1;
	return 0;
}
