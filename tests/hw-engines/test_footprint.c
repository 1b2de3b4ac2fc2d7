// SPDX-License-Identifier: MIT
/*
 * test_footprint.c - csa_cmd_footprint() byte counts per slot, computed
 * here by hand from csa_device.h, and the cycle model's prices.
 */
#include "common/csa_footprint.h"
#include "harness.h"
#include "hw/cycle_model.h"
#include "tests.h"

static int fp_of(uint32_t op, uint32_t flags, const uint32_t *a10,
		 struct csa_cmd_footprint *fp)
{
	return csa_cmd_footprint(op, flags, a10, fp);
}

static void test_footprint_bytes(void)
{
	struct csa_cmd_footprint fp;
	uint32_t a[10] = { 0 };

	a[0] = 4096;		/* DMA: user form, arg1 must be 0 */
	CU_ASSERT_EQUAL(fp_of(CSA_OP_DMA_H2D, 0, a, &fp), 0);
	CU_ASSERT(fp.kind[0] == CSA_BUF_HOST_IN && fp.bytes[0] == 4096);
	CU_ASSERT(fp.kind[1] == CSA_BUF_DEVICE_OUT && fp.bytes[1] == 4096);
	CU_ASSERT(fp.kind[2] == CSA_BUF_NONE);
	CU_ASSERT_EQUAL(fp_of(CSA_OP_DMA_D2H, 0, a, &fp), 0);
	CU_ASSERT(fp.kind[0] == CSA_BUF_HOST_OUT && fp.kind[1] == CSA_BUF_DEVICE_IN);
	a[1] = 3;		/* a descriptor's SG count is not user form */
	CU_ASSERT_EQUAL(fp_of(CSA_OP_DMA_D2H, 0, a, &fp), -EINVAL);
	a[1] = 0;
	a[0] = CSA_DMA_MAX;
	CU_ASSERT_EQUAL(fp_of(CSA_OP_DMA_H2D, 0, a, &fp), 0);
	CU_ASSERT_EQUAL(fp.bytes[1], 1u << 30);

	memset(a, 0, sizeof(a));	/* EMBED 288 x 512, row from memory */
	a[0] = 288;
	a[1] = 512;
	CU_ASSERT_EQUAL(fp_of(CSA_OP_EMBED, CSA_CMD_F_IDX_MEM, a, &fp), 0);
	CU_ASSERT_EQUAL(fp.bytes[0], 288u * 512 * 4);
	CU_ASSERT_EQUAL(fp.bytes[1], 288u * 4);
	CU_ASSERT(fp.kind[2] == CSA_BUF_DEVICE_IN && fp.bytes[2] == 4);
	CU_ASSERT_EQUAL(fp_of(CSA_OP_EMBED, 0, a, &fp), 0);
	CU_ASSERT(fp.kind[2] == CSA_BUF_NONE);

	memset(a, 0, sizeof(a));	/* MATVEC_BCQ K=100 N=3 P=3 G=16 */
	a[0] = 100;
	a[1] = 3;
	a[2] = 3;
	a[3] = 16;
	CU_ASSERT_EQUAL(fp_of(CSA_OP_MATVEC_BCQ, 0, a, &fp), 0);
	CU_ASSERT_EQUAL(fp.bytes[0], 400);
	CU_ASSERT_EQUAL(fp.bytes[1], 13u * 3 * 3);	/* K8 = 13 */
	CU_ASSERT_EQUAL(fp.bytes[2], 3u * 7 * 3 * 4);	/* NG = 7 */
	CU_ASSERT_EQUAL(fp.bytes[3], 12);
	CU_ASSERT_EQUAL(fp_of(CSA_OP_MATVEC_BCQ, CSA_CMD_F_POW2, a, &fp), 0);
	CU_ASSERT_EQUAL(fp.bytes[2], 3u * 7 * 3);

	memset(a, 0, sizeof(a));	/* KV: 2 kv heads, hd 8, max_seq 40 */
	a[0] = 2;
	a[1] = 8;
	a[2] = 39;
	a[3] = 40;
	CU_ASSERT_EQUAL(fp_of(CSA_OP_KV_APPEND, 0, a, &fp), 0);
	CU_ASSERT_EQUAL(fp.bytes[0], 64);
	CU_ASSERT_EQUAL(fp.bytes[2], 2u * 2 * 8 * 32 * 2 * 4); /* 2 slots/bank */
	CU_ASSERT_EQUAL(fp_of(CSA_OP_KV_APPEND, CSA_CMD_F_KV_F16, a, &fp), 0);
	CU_ASSERT_EQUAL(fp.bytes[0], 64);	/* k, v stay f32 */
	CU_ASSERT_EQUAL(fp.bytes[2], 2u * 2 * 8 * 32 * 2 * 2);

	memset(a, 0, sizeof(a));	/* ATTENTION 6 heads, ConSmax */
	a[0] = 6;
	a[1] = 3;
	a[2] = 48;
	a[3] = 10;
	a[4] = 256;
	a[5] = 0x3e000000u;
	CU_ASSERT_EQUAL(fp_of(CSA_OP_ATTENTION, CSA_CMD_F_CONSMAX, a, &fp), 0);
	CU_ASSERT_EQUAL(fp.bytes[0], 6u * 48 * 4);
	CU_ASSERT_EQUAL(fp.bytes[1], 2u * 3 * 48 * 256 * 4);
	CU_ASSERT(fp.kind[2] == CSA_BUF_DEVICE_OUT);
	CU_ASSERT_EQUAL(fp.bytes[3], 6u * 144);
	CU_ASSERT_EQUAL(fp_of(CSA_OP_ATTENTION, CSA_CMD_F_CONSMAX | CSA_CMD_F_CONSMAX_NORM |
			      CSA_CMD_F_KV_F16, a, &fp), 0);
	CU_ASSERT_EQUAL(fp.bytes[1], 2u * 3 * 48 * 256 * 2);
	CU_ASSERT_EQUAL(fp.bytes[3], 6u * 144);
	/* normalizing without the ConSmax unit is no mode */
	CU_ASSERT_EQUAL(fp_of(CSA_OP_ATTENTION, CSA_CMD_F_CONSMAX_NORM, a, &fp), -EINVAL);

	memset(a, 0, sizeof(a));	/* ROPE table f32[rows][hd/2][2] */
	a[0] = 6;
	a[1] = 48;
	a[2] = 0;
	a[3] = 256;
	CU_ASSERT_EQUAL(fp_of(CSA_OP_ROPE, 0, a, &fp), 0);
	CU_ASSERT(fp.kind[0] == CSA_BUF_DEVICE_OUT && fp.bytes[0] == 6u * 48 * 4);
	CU_ASSERT_EQUAL(fp.bytes[1], 256u * 48 * 4);

	memset(a, 0, sizeof(a));
	a[0] = 32000;
	CU_ASSERT_EQUAL(fp_of(CSA_OP_ARGMAX, 0, a, &fp), 0);
	CU_ASSERT(fp.bytes[0] == 128000 && fp.bytes[1] == 8);
	CU_ASSERT_EQUAL(fp_of(CSA_OP_SOFTMAX, CSA_CMD_F_CONSMAX, a, &fp), 0);
	CU_ASSERT_EQUAL(fp.bytes[2], CSA_CONSMAX_HEAD_BYTES);
	/* flags of other opcodes, unknown opcodes */
	CU_ASSERT_EQUAL(fp_of(CSA_OP_ARGMAX, CSA_CMD_F_CONSMAX, a, &fp), -EINVAL);
	CU_ASSERT_EQUAL(fp_of(CSA_OP_ARGMAX, CSA_DESC_F_LAST, a, &fp), -EINVAL);
	CU_ASSERT_EQUAL(fp_of(CSA_OP_COUNT, 0, a, &fp), -EINVAL);
	CU_ASSERT_EQUAL(csa_cmd_check(CSA_OP_COUNT, 0, a, &fp),
			CSA_STATUS_BAD_OPCODE);
	CU_ASSERT_EQUAL(csa_cmd_check(CSA_OP_ADD, 1, a, &fp),
			CSA_STATUS_RESERVED);
	a[9] = 1;
	CU_ASSERT_EQUAL(csa_cmd_check(CSA_OP_ADD, 0, a, &fp),
			CSA_STATUS_RESERVED);
}

/* Run @d; the sum of all busy counters' increase. */
static uint64_t busy_delta_of(const struct csa_desc *d, uint64_t *cycles)
{
	uint64_t before = 0, after = 0;
	int e;

	for (e = 0; e < 5; e++)
		before += h_hw->ctr.busy[e];
	h_exec(d, cycles);
	for (e = 0; e < 5; e++)
		after += h_hw->ctr.busy[e];
	return after - before;
}

/* Prices at the default parameters, worked out by hand. */
static void test_cycle_model(void)
{
	struct csa_cycle_params zero, p;
	struct csa_desc d;
	uint64_t cycles, busy0[5], mem0;
	int e;

	memset(&zero, 0, sizeof(zero));
	csa_cycle_params_resolve(&zero, &p);
	CU_ASSERT_EQUAL(p.clock_khz, 250000);
	CU_ASSERT_EQUAL(p.dram_mbps, 19200);
	CU_ASSERT_EQUAL(p.pcie_mbps, 3200);
	/* 3200 B at 3.2 GB/s = 1 us = 250 cycles, + 16 issue */
	CU_ASSERT_EQUAL(csa_cycles_dma(&p, 3200), 266);
	/* 76.8 B per cycle from DRAM */
	CU_ASSERT_EQUAL(csa_cycles_for_bytes(&p, 76800, p.dram_mbps), 1000);
	CU_ASSERT_EQUAL(csa_cycles_for_bytes(&p, 76801, p.dram_mbps), 1001);

	h_reset();
	for (e = 0; e < 5; e++)
		busy0[e] = h_hw->ctr.busy[e];
	mem0 = h_hw->ctr.mem_bytes;
	/* MATVEC_F32 288x288: compute 288*288/16 = 5184, memory
	 * (288 + 82944 + 288) * 4 B = 334080 B / 76.8 = 4350 -> 5184 + 16 */
	d = t_desc(CSA_OP_MATVEC_F32, 0);
	d.arg[0] = 288;
	d.arg[1] = 288;
	d.addr[0] = h_alloc(288 * 4);
	d.addr[1] = h_alloc(288 * 288 * 4);
	d.addr[2] = h_alloc(288 * 4);
	CU_ASSERT_EQUAL(h_exec(&d, &cycles), CSA_STATUS_OK);
	CU_ASSERT_EQUAL(cycles, 5200);
	CU_ASSERT_EQUAL(h_hw->ctr.busy[CSA_ENGINE_VECTOR] - busy0[CSA_ENGINE_VECTOR],
			5200);
	CU_ASSERT_EQUAL(h_hw->ctr.mem_bytes - mem0, 334080);

	/* ADD n=1600: compute 100, memory 19200 B = 250 cycles -> 266 */
	d = t_desc(CSA_OP_ADD, 0);
	d.arg[0] = 1600;
	d.addr[0] = h_alloc(6400);
	d.addr[1] = h_alloc(6400);
	d.addr[2] = h_alloc(6400);
	CU_ASSERT_EQUAL(h_exec(&d, &cycles), CSA_STATUS_OK);
	CU_ASSERT_EQUAL(cycles, 266);

	/* MATVEC_BCQ K=256 N=64 P=2 G=64: tables 32*256/32 = 256, lookups
	 * 64*2*32/32 = 128, scales 64*4*2/32 = 16 -> 400 compute; memory
	 * 1024 + 4096 + 2048 + 256 = 7424 B -> 97 cycles; 400 + 16 */
	d = t_desc(CSA_OP_MATVEC_BCQ, 0);
	d.arg[0] = 256;
	d.arg[1] = 64;
	d.arg[2] = 2;
	d.arg[3] = 64;
	d.addr[0] = h_alloc(1024);
	d.addr[1] = h_alloc(4096);
	d.addr[2] = h_alloc(2048);
	d.addr[3] = h_alloc(256);
	for (e = 0; e < 5; e++)
		busy0[e] = h_hw->ctr.busy[e];
	CU_ASSERT_EQUAL(h_exec(&d, &cycles), CSA_STATUS_OK);
	CU_ASSERT_EQUAL(cycles, 416);
	CU_ASSERT_EQUAL(h_hw->ctr.busy[CSA_ENGINE_BCQ] - busy0[CSA_ENGINE_BCQ],
			416);

	/* ATTENTION 2 heads, hd 64, seq 100, exact: PIM 2 * 2 *
	 * ceil(6400/512) = 52; softmax 2 * ceil(300/16) = 38 on the vector
	 * unit; 90 + 16 = 106, of which 38 vector and 68 PIM */
	d = t_desc(CSA_OP_ATTENTION, 0);
	d.arg[0] = 2;
	d.arg[1] = 2;
	d.arg[2] = 64;
	d.arg[3] = 100;
	d.arg[4] = 128;
	d.arg[5] = 0x3e000000u;
	d.addr[0] = h_alloc(512);
	d.addr[1] = h_alloc(2 * 2 * 64 * 128 * 4);
	d.addr[2] = h_alloc(512);
	for (e = 0; e < 5; e++)
		busy0[e] = h_hw->ctr.busy[e];
	CU_ASSERT_EQUAL(h_exec(&d, &cycles), CSA_STATUS_OK);
	CU_ASSERT_EQUAL(cycles, 106);
	CU_ASSERT_EQUAL(h_hw->ctr.busy[CSA_ENGINE_PIM] - busy0[CSA_ENGINE_PIM], 68);
	CU_ASSERT_EQUAL(h_hw->ctr.busy[CSA_ENGINE_VECTOR] -
			busy0[CSA_ENGINE_VECTOR], 38);

	/* The same with normalized ConSmax: LUT 2 * ceil(100/16) = 14, the
	 * running sum 2 * ceil(100/16) = 14 and the divide 2 * ceil(64/16)
	 * = 8, 36 on the ConSmax unit; 52 + 36 + 16 = 104 */
	d.flags = CSA_CMD_F_CONSMAX | CSA_CMD_F_CONSMAX_NORM;
	d.addr[3] = h_alloc(2 * 144);
	for (e = 0; e < 5; e++)
		busy0[e] = h_hw->ctr.busy[e];
	CU_ASSERT_EQUAL(h_exec(&d, &cycles), CSA_STATUS_OK);
	CU_ASSERT_EQUAL(cycles, 104);
	CU_ASSERT_EQUAL(h_hw->ctr.busy[CSA_ENGINE_CONSMAX] - busy0[CSA_ENGINE_CONSMAX], 36);

	/* NOP: issue only, still on a busy counter (they sum to the total);
	 * a rejected descriptor: issue only, on none */
	d = t_desc(CSA_OP_NOP, 0);
	CU_ASSERT_EQUAL(busy_delta_of(&d, &cycles), 16);
	CU_ASSERT_EQUAL(cycles, 16);
	d.arg[0] = 1;
	CU_ASSERT_EQUAL(busy_delta_of(&d, &cycles), 0);
	CU_ASSERT_EQUAL(cycles, 16);
}

int add_footprint_suite(void)
{
	CU_pSuite s = CU_add_suite("footprint and cycle model", h_init, h_fini);

	if (!s)
		return -1;
	if (!CU_add_test(s, "footprint bytes per slot", test_footprint_bytes) ||
	    !CU_add_test(s, "cycle model prices", test_cycle_model))
		return -1;
	return 0;
}
