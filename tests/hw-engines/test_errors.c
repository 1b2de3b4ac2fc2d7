// SPDX-License-Identifier: MIT
/*
 * test_errors.c - one test per error status per command: a valid
 * descriptor is built, one field is broken, and the device must answer
 * with the right status, charge only the issue cycles, and leave every
 * byte of device memory (canaries included) as it was.
 */
#include <stdio.h>
#include <stdlib.h>

#include "common/csa_footprint.h"
#include "harness.h"
#include "hw/cycle_model.h"
#include "hw/engines.h"
#include "tests.h"

#define F32_1EM5	0x3727c5acu	/* 1e-5f */
#define F32_035		0x3eb33333u	/* 0.35f */
#define F32_NAN		0x7fc00000u
#define F32_INF		0x7f800000u
#define F32_MINUS1	0xbf800000u

struct mutation {
	uint8_t idx;
	uint32_t val;
};

struct variant {
	const char *name;
	uint8_t op, flags;
	uint32_t arg[CSA_DESC_ARGS];
	struct mutation bad[10];	/* each alone gives BAD_ARG */
	unsigned int nbad;
	struct mutation reserved;	/* an extra RESERVED case (val 0: none) */
};

static const struct variant variants[] = {
	{ "NOP", CSA_OP_NOP, 0, { 0 }, { { 0, 0 } }, 0, { 0, 0 } },
	{ "FENCE", CSA_OP_FENCE, 0, { 0xdead, 0xbeef }, { { 0, 0 } }, 0,
	  { 0, 0 } },
	{ "COPY", CSA_OP_COPY, 0, { 64 },
	  { { 0, 0 }, { 0, 6 }, { 0, CSA_DMA_MAX + 4 } }, 3, { 0, 0 } },
	{ "EMBED", CSA_OP_EMBED, 0, { 8, 4, 3 },
	  { { 0, 0 }, { 1, 0 }, { 2, 4 }, { 0, CSA_VEC_MAX + 1 },
	    { 1, CSA_VEC_MAX + 1 } }, 5, { 0, 0 } },
	{ "EMBED_IDX", CSA_OP_EMBED, CSA_CMD_F_IDX_MEM, { 8, 4, 0 },
	  { { 0, 0 }, { 1, 0 } }, 2, { 2, 1 } },
	{ "RMSNORM", CSA_OP_RMSNORM, 0, { 16, F32_1EM5 },
	  { { 0, 0 }, { 0, CSA_VEC_MAX + 1 }, { 1, F32_NAN }, { 1, F32_INF },
	    { 1, F32_MINUS1 } }, 5, { 0, 0 } },
	{ "MATVEC_F32", CSA_OP_MATVEC_F32, 0, { 16, 8 },
	  { { 0, 0 }, { 1, 0 }, { 0, CSA_MATVEC_MAX + 1 },
	    { 1, CSA_MATVEC_MAX + 1 } }, 4, { 0, 0 } },
	{ "MATVEC_BCQ", CSA_OP_MATVEC_BCQ, 0, { 16, 8, 2, 8 },
	  { { 0, 0 }, { 1, 0 }, { 2, 0 }, { 2, 5 }, { 3, 0 }, { 3, 12 },
	    { 3, CSA_BCQ_MAX_GROUP + 8 }, { 0, CSA_MATVEC_MAX + 1 } }, 8,
	  { 0, 0 } },
	{ "MATVEC_BCQ_POW2", CSA_OP_MATVEC_BCQ, CSA_CMD_F_POW2, { 24, 8, 3, 16 },
	  { { 2, 0 }, { 2, 5 }, { 3, 4 } }, 3, { 0, 0 } },
	{ "MATVEC_BCQ_BATCH", CSA_OP_MATVEC_BCQ_BATCH, 0, { 16, 8, 2, 8, 3 },
	  { { 0, 0 }, { 1, 0 }, { 2, 5 }, { 3, 12 }, { 4, 0 },
	    { 4, CSA_BATCH_MAX + 1 }, { 0, CSA_MATVEC_MAX + 1 } }, 7,
	  { 0, 0 } },
	{ "MATVEC_BCQ_BATCH_POW2", CSA_OP_MATVEC_BCQ_BATCH, CSA_CMD_F_POW2,
	  { 24, 8, 3, 16, 2 }, { { 2, 0 }, { 3, 4 }, { 4, 0 } }, 3, { 0, 0 } },
	{ "MATVEC_BCQ_F16", CSA_OP_MATVEC_BCQ, CSA_CMD_F_SCALE16, { 24, 8, 3, 16 },
	  { { 2, 0 }, { 2, 5 }, { 3, 4 } }, 3, { 0, 0 } },
	{ "MATVEC_BCQ_APOT", CSA_OP_MATVEC_BCQ, CSA_CMD_F_POW2 | CSA_CMD_F_SCALE16,
	  { 20, 9, 4, 8 }, { { 1, 0 }, { 2, 5 }, { 3, 12 } }, 3, { 0, 0 } },
	{ "ROPE", CSA_OP_ROPE, 0, { 2, 8, 3, 4 },
	  { { 0, 0 }, { 0, CSA_HEADS_MAX + 1 }, { 1, 0 }, { 1, 7 },
	    { 1, CSA_HEAD_DIM_MAX + 2 }, { 2, 4 }, { 3, 0 },
	    { 3, CSA_SEQ_MAX + 1 } }, 8, { 0, 0 } },
	{ "KV_APPEND", CSA_OP_KV_APPEND, 0, { 2, 8, 5, 40 },
	  { { 0, 0 }, { 0, CSA_HEADS_MAX + 1 }, { 1, 0 },
	    { 1, CSA_HEAD_DIM_MAX + 1 }, { 2, 40 }, { 3, 0 },
	    { 3, CSA_SEQ_MAX + 1 } }, 7, { 0, 0 } },
	{ "ATTENTION", CSA_OP_ATTENTION, 0, { 4, 2, 8, 5, 40, F32_035 },
	  { { 0, 0 }, { 1, 0 }, { 1, 3 }, { 1, 8 }, { 2, 0 }, { 3, 0 },
	    { 3, 41 }, { 4, CSA_SEQ_MAX + 1 }, { 5, F32_NAN }, { 5, F32_INF } },
	  10, { 0, 0 } },
	{ "ATTENTION_CONSMAX", CSA_OP_ATTENTION, CSA_CMD_F_CONSMAX,
	  { 2, 2, 4, 3, 3, F32_035 },
	  { { 1, 0 }, { 3, 4 }, { 2, CSA_HEAD_DIM_MAX + 1 } }, 3, { 0, 0 } },
	{ "KV_APPEND_F16", CSA_OP_KV_APPEND, CSA_CMD_F_KV_F16, { 2, 8, 5, 40 },
	  { { 0, 0 }, { 1, 0 }, { 2, 40 }, { 3, 0 } }, 4, { 0, 0 } },
	{ "ATTENTION_F16", CSA_OP_ATTENTION, CSA_CMD_F_KV_F16,
	  { 4, 2, 8, 5, 40, F32_035 },
	  { { 1, 3 }, { 3, 41 }, { 5, F32_NAN } }, 3, { 0, 0 } },
	{ "ATTENTION_CONSMAX_NORM", CSA_OP_ATTENTION,
	  CSA_CMD_F_CONSMAX | CSA_CMD_F_CONSMAX_NORM, { 2, 2, 4, 3, 3, F32_035 },
	  { { 1, 0 }, { 3, 4 }, { 2, CSA_HEAD_DIM_MAX + 1 } }, 3, { 0, 0 } },
	{ "ATTENTION_CONSMAX_NORM_F16", CSA_OP_ATTENTION,
	  CSA_CMD_F_CONSMAX | CSA_CMD_F_CONSMAX_NORM | CSA_CMD_F_KV_F16,
	  { 4, 1, 6, 7, 9, F32_035 },
	  { { 1, 3 }, { 3, 10 }, { 5, F32_INF } }, 3, { 0, 0 } },
	{ "KV_APPEND_BATCH", CSA_OP_KV_APPEND_BATCH, 0, { 2, 8, 3, 40, 4 },
	  { { 0, 0 }, { 0, CSA_HEADS_MAX + 1 }, { 1, 0 },
	    { 1, CSA_HEAD_DIM_MAX + 1 }, { 2, 0 }, { 2, CSA_BATCH_MAX + 1 },
	    { 3, 0 }, { 3, CSA_SEQ_MAX + 1 }, { 4, 0 },
	    { 4, CSA_KV_POOL_MAX + 1 } }, 10, { 0, 0 } },
	{ "KV_APPEND_BATCH_F16", CSA_OP_KV_APPEND_BATCH, CSA_CMD_F_KV_F16,
	  { 2, 8, 2, 40, 3 }, { { 2, 0 }, { 4, 0 } }, 2, { 0, 0 } },
	{ "ATTENTION_BATCH", CSA_OP_ATTENTION_BATCH, 0,
	  { 4, 2, 8, 3, 40, F32_035, 4 },
	  { { 0, 0 }, { 1, 0 }, { 1, 3 }, { 2, 0 }, { 3, 0 },
	    { 3, CSA_BATCH_MAX + 1 }, { 4, 0 }, { 4, CSA_SEQ_MAX + 1 },
	    { 5, F32_NAN }, { 6, 0 } }, 10, { 0, 0 } },
	{ "ATTENTION_BATCH_CONSMAX_NORM_F16", CSA_OP_ATTENTION_BATCH,
	  CSA_CMD_F_CONSMAX | CSA_CMD_F_CONSMAX_NORM | CSA_CMD_F_KV_F16,
	  { 2, 2, 4, 2, 3, F32_035, 2 },
	  { { 1, 3 }, { 3, 0 }, { 5, F32_INF }, { 6, CSA_KV_POOL_MAX + 1 } }, 4,
	  { 0, 0 } },
	{ "MATVEC_F32_BATCH", CSA_OP_MATVEC_F32_BATCH, 0, { 16, 8, 3 },
	  { { 0, 0 }, { 1, 0 }, { 2, 0 }, { 2, CSA_BATCH_MAX + 1 },
	    { 0, CSA_MATVEC_MAX + 1 }, { 1, CSA_MATVEC_MAX + 1 } }, 6, { 0, 0 } },
	{ "SILU_MUL", CSA_OP_SILU_MUL, 0, { 16 },
	  { { 0, 0 }, { 0, CSA_VEC_MAX + 1 } }, 2, { 0, 0 } },
	{ "ADD", CSA_OP_ADD, 0, { 16 },
	  { { 0, 0 }, { 0, CSA_VEC_MAX + 1 } }, 2, { 0, 0 } },
	{ "ARGMAX", CSA_OP_ARGMAX, 0, { 16 },
	  { { 0, 0 }, { 0, CSA_VEC_MAX + 1 } }, 2, { 0, 0 } },
	{ "SOFTMAX", CSA_OP_SOFTMAX, 0, { 16 },
	  { { 0, 0 }, { 0, CSA_VEC_MAX + 1 } }, 2, { 0, 0 } },
	{ "SOFTMAX_CONSMAX", CSA_OP_SOFTMAX, CSA_CMD_F_CONSMAX, { 9 },
	  { { 0, 0 } }, 1, { 0, 0 } },
};

#define NVARIANTS (sizeof(variants) / sizeof(variants[0]))

/* Build @v's valid descriptor with guarded, filled buffers. */
static void build(const struct variant *v, struct csa_desc *d,
		  struct csa_cmd_footprint *fp)
{
	unsigned int i;
	uint64_t j;

	*d = t_desc(v->op, v->flags);
	memcpy(d->arg, v->arg, sizeof(d->arg));
	CU_ASSERT_EQUAL_FATAL(csa_cmd_footprint(v->op, v->flags, v->arg, fp), 0);
	h_reset();
	for (i = 0; i < CSA_DESC_ADDRS; i++) {
		if (fp->kind[i] == CSA_BUF_NONE)
			continue;
		d->addr[i] = h_alloc(fp->bytes[i]);
		for (j = 0; j + 4 <= fp->bytes[i]; j += 4) {
			float f = h_randf(-1.0f, 1.0f);

			h_put(d->addr[i] + j, &f, 4);
		}
	}
	if (v->op == CSA_OP_EMBED && (v->flags & CSA_CMD_F_IDX_MEM)) {
		uint32_t row = 1;

		h_put(d->addr[2], &row, 4);
	}
	if (v->op == CSA_OP_KV_APPEND_BATCH || v->op == CSA_OP_ATTENTION_BATCH) {
		/* a valid table: entry i in slot i % slots, i + 1 tokens */
		int att = v->op == CSA_OP_ATTENTION_BATCH;
		uint32_t b = v->arg[att ? 3 : 2], slots = v->arg[att ? 6 : 4], e[2];

		for (uint32_t i = 0; i < b; i++) {
			e[0] = i % slots;
			e[1] = i + 1;
			h_put(d->addr[att ? 4 : 3] + 8 * i, e, 8);
		}
	}
}

/* The descriptor is rejected with @want: memory untouched, issue cost. */
static void expect_reject(const struct csa_desc *d, int want)
{
	uint64_t cycles;

	CU_ASSERT_EQUAL(h_exec(d, &cycles), want);
	CU_ASSERT(h_untouched());
	CU_ASSERT_EQUAL(cycles, CSA_CYCLES_ISSUE);
}

static void check_valid(const struct variant *v)
{
	struct csa_cmd_footprint fp;
	struct csa_desc d;
	uint64_t cycles;

	build(v, &d, &fp);
	CU_ASSERT_EQUAL(h_exec(&d, &cycles), CSA_STATUS_OK);
	d.flags |= CSA_DESC_F_LAST;	/* the job marker is no error */
	CU_ASSERT_EQUAL(h_exec(&d, &cycles), CSA_STATUS_OK);
}

static void check_bad_opcode(const struct variant *v)
{
	static const uint8_t bad[] = { CSA_OP_COUNT, 0x42, 0xff };
	struct csa_cmd_footprint fp;
	struct csa_desc d;
	unsigned int i;

	build(v, &d, &fp);
	for (i = 0; i < sizeof(bad); i++) {
		d.opcode = bad[i];
		expect_reject(&d, CSA_STATUS_BAD_OPCODE);
	}
}

static void check_reserved(const struct variant *v)
{
	struct csa_cmd_footprint fp;
	struct csa_desc d, m;
	unsigned int i, nargs = 0, bit;

	build(v, &d, &fp);
	for (i = 0; i < CSA_DESC_ARGS; i++)
		if (v->arg[i] || (v->op == CSA_OP_FENCE && i < 2))
			nargs = i + 1;
	m = d;
	m.dep = 1;
	expect_reject(&m, CSA_STATUS_RESERVED);
	for (i = 0; i < 4; i++) {
		m = d;
		m.rsvd1[i] = 1ull << (13 * i);
		expect_reject(&m, CSA_STATUS_RESERVED);
	}
	for (bit = 0; bit < 7; bit++) {		/* bit 7 is F_LAST */
		if (v->flags & (1u << bit))
			continue;
		/* a user flag of another opcode, or a never-defined bit */
		if (bit < 3 && ((1u << bit) == CSA_CMD_F_IDX_MEM) &&
		    v->op == CSA_OP_EMBED)
			continue;
		if (((1u << bit) == CSA_CMD_F_POW2 || (1u << bit) == CSA_CMD_F_SCALE16) &&
		    (v->op == CSA_OP_MATVEC_BCQ || v->op == CSA_OP_MATVEC_BCQ_BATCH))
			continue;
		if (((1u << bit) == CSA_CMD_F_CONSMAX) &&
		    (v->op == CSA_OP_ATTENTION || v->op == CSA_OP_SOFTMAX ||
		     v->op == CSA_OP_ATTENTION_BATCH))
			continue;
		if (((1u << bit) == CSA_CMD_F_KV_F16) &&
		    (v->op == CSA_OP_ATTENTION || v->op == CSA_OP_KV_APPEND ||
		     v->op == CSA_OP_ATTENTION_BATCH ||
		     v->op == CSA_OP_KV_APPEND_BATCH))
			continue;
		/* F_CONSMAX_NORM is valid only beside F_CONSMAX: without it
		 * the check goes on and expects RESERVED */
		if (((1u << bit) == CSA_CMD_F_CONSMAX_NORM) &&
		    (v->op == CSA_OP_ATTENTION || v->op == CSA_OP_ATTENTION_BATCH) &&
		    (v->flags & CSA_CMD_F_CONSMAX))
			continue;
		m = d;
		m.flags |= 1u << bit;
		expect_reject(&m, CSA_STATUS_RESERVED);
	}
	for (i = nargs; i < CSA_DESC_ARGS; i++) {
		if (v->op == CSA_OP_EMBED && i == 2)
			continue;	/* EMBED's row: BAD_ARG or the extra case */
		m = d;
		m.arg[i] = 1;
		expect_reject(&m, CSA_STATUS_RESERVED);
	}
	for (i = 0; i < CSA_DESC_ADDRS; i++) {
		if (fp.kind[i] != CSA_BUF_NONE)
			continue;
		m = d;
		m.addr[i] = 64;
		expect_reject(&m, CSA_STATUS_RESERVED);
	}
	if (v->reserved.val) {
		m = d;
		m.arg[v->reserved.idx] = v->reserved.val;
		expect_reject(&m, CSA_STATUS_RESERVED);
	}
}

static void check_bad_arg(const struct variant *v)
{
	struct csa_cmd_footprint fp;
	struct csa_desc d, m;
	unsigned int i;

	build(v, &d, &fp);
	for (i = 0; i < v->nbad; i++) {
		m = d;
		m.arg[v->bad[i].idx] = v->bad[i].val;
		expect_reject(&m, CSA_STATUS_BAD_ARG);
	}
}

static int nslots(const struct csa_cmd_footprint *fp)
{
	int i, n = 0;

	for (i = 0; i < CSA_DESC_ADDRS; i++)
		n += fp->kind[i] != CSA_BUF_NONE;
	return n;
}

static void check_addr_range(const struct variant *v)
{
	struct csa_cmd_footprint fp;
	struct csa_desc d, m;
	unsigned int i;

	build(v, &d, &fp);
	for (i = 0; i < CSA_DESC_ADDRS; i++) {
		if (fp.kind[i] == CSA_BUF_NONE)
			continue;
		m = d;
		m.addr[i] = H_DEVMEM_SIZE - fp.bytes[i] + 4;	/* 4 past */
		expect_reject(&m, CSA_STATUS_ADDR_RANGE);
		m.addr[i] = H_DEVMEM_SIZE;
		expect_reject(&m, CSA_STATUS_ADDR_RANGE);
		m.addr[i] = UINT64_MAX - 3;	/* addr + bytes wraps */
		expect_reject(&m, CSA_STATUS_ADDR_RANGE);
		m.addr[i] = 1ull << 63;
		expect_reject(&m, CSA_STATUS_ADDR_RANGE);
		/* the last in-range place is fine */
		m.addr[i] = H_DEVMEM_SIZE - fp.bytes[i];
	}
	CU_ASSERT(nslots(&fp) > 0 || v->op == CSA_OP_NOP ||
		  v->op == CSA_OP_FENCE);
}

static void check_misaligned(const struct variant *v)
{
	struct csa_cmd_footprint fp;
	struct csa_desc d, m;
	unsigned int i, off;

	build(v, &d, &fp);
	for (i = 0; i < CSA_DESC_ADDRS; i++) {
		if (fp.kind[i] == CSA_BUF_NONE)
			continue;
		for (off = 1; off < 4; off++) {
			m = d;
			m.addr[i] += off;
			expect_reject(&m, CSA_STATUS_ADDR_RANGE);
		}
	}
}

static void check_overlap(const struct variant *v)
{
	struct csa_cmd_footprint fp;
	struct csa_desc d, m;
	unsigned int o, i, tried = 0;

	build(v, &d, &fp);
	for (o = 0; o < CSA_DESC_ADDRS; o++) {
		if (fp.kind[o] != CSA_BUF_DEVICE_OUT)
			continue;
		for (i = 0; i < CSA_DESC_ADDRS; i++) {
			if (i == o || fp.kind[i] == CSA_BUF_NONE)
				continue;
			/* output starting one word into the other buffer
			 * (or one word before a one-word buffer) */
			m = d;
			m.addr[o] = fp.bytes[i] > 4 ? d.addr[i] + 4 :
						      d.addr[i] - 4;
			expect_reject(&m, CSA_STATUS_OVERLAP);
			/* the other buffer starting one word into the output */
			m = d;
			m.addr[i] = fp.bytes[o] > 4 ? d.addr[o] + 4 :
						      d.addr[o] - 4;
			expect_reject(&m, CSA_STATUS_OVERLAP);
			tried++;
		}
	}
	CU_ASSERT(tried > 0 || v->op == CSA_OP_NOP || v->op == CSA_OP_FENCE);
}

/* Exact aliasing: allowed for element-wise ops, rejected elsewhere. */
static void test_alias_rules(void)
{
	struct csa_desc d;
	uint64_t cycles, a, b;

	h_reset();
	a = h_alloc(64);
	b = h_alloc(64);
	/* MATVEC_F32 with K = N: y == x is an overlap */
	d = t_desc(CSA_OP_MATVEC_F32, 0);
	d.arg[0] = 4;
	d.arg[1] = 4;
	d.addr[0] = a;
	d.addr[1] = b;
	d.addr[2] = a;
	expect_reject(&d, CSA_STATUS_OVERLAP);
	/* SOFTMAX ConSmax: y == the table is an overlap (36 floats each) */
	d = t_desc(CSA_OP_SOFTMAX, CSA_CMD_F_CONSMAX);
	d.arg[0] = 36;
	d.addr[0] = h_alloc(144);
	d.addr[2] = h_alloc(144);
	d.addr[1] = d.addr[2];
	expect_reject(&d, CSA_STATUS_OVERLAP);
	/* ADD y == b allowed; RMSNORM y == w allowed */
	d = t_desc(CSA_OP_ADD, 0);
	d.arg[0] = 16;
	d.addr[0] = a;
	d.addr[1] = b;
	d.addr[2] = b;
	CU_ASSERT_EQUAL(h_exec(&d, &cycles), CSA_STATUS_OK);
	d = t_desc(CSA_OP_RMSNORM, 0);
	d.arg[0] = 16;
	d.arg[1] = F32_1EM5;
	d.addr[0] = a;
	d.addr[1] = b;
	d.addr[2] = b;
	CU_ASSERT_EQUAL(h_exec(&d, &cycles), CSA_STATUS_OK);
	/* same start, shorter x than y is not "exact": impossible by shape,
	 * but two inputs may overlap each other freely */
	d = t_desc(CSA_OP_ADD, 0);
	d.arg[0] = 8;
	d.addr[0] = a;
	d.addr[1] = a + 4;
	d.addr[2] = b;
	CU_ASSERT_EQUAL(h_exec(&d, &cycles), CSA_STATUS_OK);
}

/* Descriptors the device must check but cannot run alone (DMA). */
static void test_dma_descriptor_check(void)
{
	struct csa_cmd_footprint fp;
	struct csa_desc d = t_desc(CSA_OP_DMA_H2D, 0);
	uint64_t cycles = 0;

	d.arg[0] = 256;
	d.arg[1] = 2;		/* SG entries */
	d.addr[0] = 0x10000;	/* bus address: not a device address */
	d.addr[1] = H_DEVMEM_SIZE - 256;
	CU_ASSERT_EQUAL(csa_hw_check_desc(h_hw, &d, &fp), CSA_STATUS_OK);
	CU_ASSERT_EQUAL(fp.kind[0], CSA_BUF_HOST_IN);
	CU_ASSERT_EQUAL(fp.kind[1], CSA_BUF_DEVICE_OUT);
	CU_ASSERT_EQUAL(fp.bytes[1], 256);
	d.opcode = CSA_OP_DMA_D2H;
	CU_ASSERT_EQUAL(csa_hw_check_desc(h_hw, &d, &fp), CSA_STATUS_OK);
	CU_ASSERT_EQUAL(fp.kind[0], CSA_BUF_HOST_OUT);
	d.arg[1] = 0;
	CU_ASSERT_EQUAL(csa_hw_check_desc(h_hw, &d, &fp), CSA_STATUS_BAD_ARG);
	d.arg[1] = CSA_SG_MAX + 1;
	CU_ASSERT_EQUAL(csa_hw_check_desc(h_hw, &d, &fp), CSA_STATUS_BAD_ARG);
	d.arg[1] = 1;
	d.arg[2] = 1;
	CU_ASSERT_EQUAL(csa_hw_check_desc(h_hw, &d, &fp), CSA_STATUS_RESERVED);
	d.arg[2] = 0;
	d.addr[1] += 4;
	CU_ASSERT_EQUAL(csa_hw_check_desc(h_hw, &d, &fp),
			CSA_STATUS_ADDR_RANGE);
	d.addr[1] -= 4;
	d.arg[0] = 6;
	CU_ASSERT_EQUAL(csa_hw_check_desc(h_hw, &d, &fp), CSA_STATUS_BAD_ARG);
	/* exec alone has no host memory: DMA is the command processor's */
	d.arg[0] = 256;
	h_reset();
	CU_ASSERT_EQUAL(h_exec(&d, &cycles), CSA_STATUS_BAD_OPCODE);
	CU_ASSERT(h_untouched());
}

#define VARIANT_TESTS(i)						\
	static void valid_##i(void) { check_valid(&variants[i]); }	\
	static void opcode_##i(void) { check_bad_opcode(&variants[i]); } \
	static void reserved_##i(void) { check_reserved(&variants[i]); } \
	static void badarg_##i(void) { check_bad_arg(&variants[i]); }	\
	static void range_##i(void) { check_addr_range(&variants[i]); }	\
	static void align_##i(void) { check_misaligned(&variants[i]); }	\
	static void overlap_##i(void) { check_overlap(&variants[i]); }

VARIANT_TESTS(0) VARIANT_TESTS(1) VARIANT_TESTS(2) VARIANT_TESTS(3)
VARIANT_TESTS(4) VARIANT_TESTS(5) VARIANT_TESTS(6) VARIANT_TESTS(7)
VARIANT_TESTS(8) VARIANT_TESTS(9) VARIANT_TESTS(10) VARIANT_TESTS(11)
VARIANT_TESTS(12) VARIANT_TESTS(13) VARIANT_TESTS(14) VARIANT_TESTS(15)
VARIANT_TESTS(16) VARIANT_TESTS(17) VARIANT_TESTS(18) VARIANT_TESTS(19)
VARIANT_TESTS(20) VARIANT_TESTS(21) VARIANT_TESTS(22) VARIANT_TESTS(23)
VARIANT_TESTS(24) VARIANT_TESTS(25) VARIANT_TESTS(26) VARIANT_TESTS(27)
VARIANT_TESTS(28) VARIANT_TESTS(29) VARIANT_TESTS(30)

#define VARIANT_ROW(i) \
	{ valid_##i, opcode_##i, reserved_##i, badarg_##i, range_##i, \
	  align_##i, overlap_##i }

static const CU_TestFunc variant_tests[][7] = {
	VARIANT_ROW(0), VARIANT_ROW(1), VARIANT_ROW(2), VARIANT_ROW(3),
	VARIANT_ROW(4), VARIANT_ROW(5), VARIANT_ROW(6), VARIANT_ROW(7),
	VARIANT_ROW(8), VARIANT_ROW(9), VARIANT_ROW(10), VARIANT_ROW(11),
	VARIANT_ROW(12), VARIANT_ROW(13), VARIANT_ROW(14), VARIANT_ROW(15),
	VARIANT_ROW(16), VARIANT_ROW(17), VARIANT_ROW(18), VARIANT_ROW(19),
	VARIANT_ROW(20), VARIANT_ROW(21), VARIANT_ROW(22), VARIANT_ROW(23),
	VARIANT_ROW(24), VARIANT_ROW(25), VARIANT_ROW(26), VARIANT_ROW(27),
	VARIANT_ROW(28), VARIANT_ROW(29), VARIANT_ROW(30),
};

static const char *const kinds[7] = {
	"valid", "BAD_OPCODE", "RESERVED", "BAD_ARG", "ADDR_RANGE past end",
	"ADDR_RANGE misaligned", "OVERLAP",
};

int add_error_suite(void)
{
	static char names[NVARIANTS][7][64];
	CU_pSuite s = CU_add_suite("engine errors", h_init, h_fini);
	unsigned int i, k;

	if (!s)
		return -1;
	if (sizeof(variant_tests) / sizeof(variant_tests[0]) != NVARIANTS)
		return -1;
	for (i = 0; i < NVARIANTS; i++) {
		for (k = 0; k < 7; k++) {
			int no_bufs = variants[i].op == CSA_OP_NOP ||
				      variants[i].op == CSA_OP_FENCE;

			/* NOP/FENCE have no args to break and no buffers */
			if (no_bufs && k >= 3)
				continue;
			snprintf(names[i][k], sizeof(names[i][k]), "%s %s",
				 variants[i].name, kinds[k]);
			if (!CU_add_test(s, names[i][k], variant_tests[i][k]))
				return -1;
		}
	}
	if (!CU_add_test(s, "exact alias rules", test_alias_rules) ||
	    !CU_add_test(s, "DMA descriptor check", test_dma_descriptor_check))
		return -1;
	return 0;
}
