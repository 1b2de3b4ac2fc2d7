// SPDX-License-Identifier: MIT
/*
 * test_footprint.c - csa_cmd_footprint() byte counts per slot, computed
 * here by hand from csa_device.h, and the cycle model's prices.
 */
#include "common/csa_footprint.h"
#include "harness.h"
#include "hw/board_profiles.h"
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

/* Prices at the default board (u250: 300 MHz, 65 280 MB/s sustained =
 * 217.6 B/cycle, PCIe 12 000 MB/s, 256 shift-add lanes, 8 x 16 attention
 * MACs, 32 vector lanes, 64-byte bursts), worked out by hand. */
static void test_cycle_model(void)
{
	struct csa_cycle_params zero, p;
	struct csa_desc d;
	uint64_t cycles, busy0[5], mem0;
	int e;

	memset(&zero, 0, sizeof(zero));
	CU_ASSERT_EQUAL(csa_cycle_params_resolve(&zero, &p), 0);
	CU_ASSERT_EQUAL(p.board, CSA_BOARD_U250);
	CU_ASSERT_EQUAL(p.clock_khz, 300000);
	CU_ASSERT_EQUAL(p.dram_mbps, 65280);
	CU_ASSERT_EQUAL(p.mem_peak_mbps, 76800);
	CU_ASSERT_EQUAL(p.pcie_mbps, 12000);
	CU_ASSERT_EQUAL(p.burst_bytes, 64);
	/* 12000 B at 12 GB/s = 1 us = 300 cycles, + 16 issue */
	CU_ASSERT_EQUAL(csa_cycles_dma(&p, 12000), 316);
	/* 217.6 B per cycle from DRAM */
	CU_ASSERT_EQUAL(csa_cycles_for_bytes(&p, 217600, p.dram_mbps), 1000);
	CU_ASSERT_EQUAL(csa_cycles_for_bytes(&p, 217601, p.dram_mbps), 1001);

	h_reset();
	for (e = 0; e < 5; e++)
		busy0[e] = h_hw->ctr.busy[e];
	mem0 = h_hw->ctr.mem_bytes;
	/* MATVEC_F32 288x288: compute 288*288/32 = 2592, memory
	 * (288 + 82944 + 288) * 4 B = 334080 B / 217.6 = 1536 -> 2592 + 16 */
	d = t_desc(CSA_OP_MATVEC_F32, 0);
	d.arg[0] = 288;
	d.arg[1] = 288;
	d.addr[0] = h_alloc(288 * 4);
	d.addr[1] = h_alloc(288 * 288 * 4);
	d.addr[2] = h_alloc(288 * 4);
	CU_ASSERT_EQUAL(h_exec(&d, &cycles), CSA_STATUS_OK);
	CU_ASSERT_EQUAL(cycles, 2608);
	CU_ASSERT_EQUAL(h_hw->ctr.busy[CSA_ENGINE_VECTOR] - busy0[CSA_ENGINE_VECTOR],
			2608);
	CU_ASSERT_EQUAL(h_hw->ctr.mem_bytes - mem0, 334080);

	/* ADD n=6528: compute 204, memory 78336 B = 360 cycles -> 376 */
	d = t_desc(CSA_OP_ADD, 0);
	d.arg[0] = 6528;
	d.addr[0] = h_alloc(6528 * 4);
	d.addr[1] = h_alloc(6528 * 4);
	d.addr[2] = h_alloc(6528 * 4);
	CU_ASSERT_EQUAL(h_exec(&d, &cycles), CSA_STATUS_OK);
	CU_ASSERT_EQUAL(cycles, 376);

	/* MATVEC_BCQ K=256 N=64 P=2 G=64, overlapped: lookups 64*2*32/256 =
	 * 16, tables 32*128/64 = 64, scales 64*4*2/32 = 16, + the first
	 * table 128/64 = 2 -> 66 compute; memory 1024 + 4096 + 2048 + 256 =
	 * 7424 B -> 35 cycles; 66 + 16 (few rows: table-bound) */
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
	CU_ASSERT_EQUAL(cycles, 82);
	CU_ASSERT_EQUAL(h_hw->ctr.busy[CSA_ENGINE_BCQ] - busy0[CSA_ENGINE_BCQ],
			82);

	/* ATTENTION 2 heads (2 kv), hd 64, seq 100, exact: MACs 25600 / 128
	 * = 200; K/V 102400 B + q, out 1024 B = 103424 B -> 476 memory
	 * cycles; softmax 2 * ceil(300/32) = 20 on the vector unit after the
	 * K pass; 476 + 20 + 16 = 512, of which 20 vector and 492 PIM */
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
	CU_ASSERT_EQUAL(cycles, 512);
	CU_ASSERT_EQUAL(h_hw->ctr.busy[CSA_ENGINE_PIM] - busy0[CSA_ENGINE_PIM], 492);
	CU_ASSERT_EQUAL(h_hw->ctr.busy[CSA_ENGINE_VECTOR] -
			busy0[CSA_ENGINE_VECTOR], 20);

	/* The same with normalized ConSmax: LUT 2 * ceil(100/32) = 8, the
	 * running sum 2 * ceil(100/32) = 8 and the divide 2 * ceil(64/32) =
	 * 4, 20 on the ConSmax unit, pipelined with the PIM passes (no max
	 * or sum to wait for); memory 103424 B + the tables 2 * 144 B =
	 * 103712 B -> 477 cycles; max(200, 477, 20) + 16 = 493 */
	d.flags = CSA_CMD_F_CONSMAX | CSA_CMD_F_CONSMAX_NORM;
	d.addr[3] = h_alloc(2 * 144);
	for (e = 0; e < 5; e++)
		busy0[e] = h_hw->ctr.busy[e];
	CU_ASSERT_EQUAL(h_exec(&d, &cycles), CSA_STATUS_OK);
	CU_ASSERT_EQUAL(cycles, 493);
	CU_ASSERT_EQUAL(h_hw->ctr.busy[CSA_ENGINE_CONSMAX] - busy0[CSA_ENGINE_CONSMAX], 20);

	/* NOP: issue only, still on a busy counter (they sum to the total);
	 * a rejected descriptor: issue only, on none */
	d = t_desc(CSA_OP_NOP, 0);
	CU_ASSERT_EQUAL(busy_delta_of(&d, &cycles), 16);
	CU_ASSERT_EQUAL(cycles, 16);
	d.arg[0] = 1;
	CU_ASSERT_EQUAL(busy_delta_of(&d, &cycles), 0);
	CU_ASSERT_EQUAL(cycles, 16);
}

/* The same work priced without the device: csa_cmd_work_of() and
 * csa_cmd_price(), at the full and at half the bandwidth (what a timeline
 * of two queues sharing memory would ask). */
static void test_cycle_model_work(void)
{
	struct csa_cycle_params zero, p;
	struct csa_cmd_work w;
	struct csa_cmd_cost c;
	struct csa_desc d;

	memset(&zero, 0, sizeof(zero));
	csa_cycle_params_resolve(&zero, &p);
	/* KV_APPEND 2 kv heads x 64: k, v read 1024 B, K row 512 B, the V
	 * column 128 bursts of 64 B = 8192 B -> 9728 B = 45 cycles; compute
	 * 256 / 32 = 8 -> 61 */
	d = t_desc(CSA_OP_KV_APPEND, 0);
	d.arg[0] = 2;
	d.arg[1] = 64;
	csa_cmd_work_of(&p, &d, &w);
	CU_ASSERT_EQUAL(w.engine, CSA_ENGINE_PIM);
	CU_ASSERT_EQUAL(w.compute, 8);
	CU_ASSERT_EQUAL(w.mem_bytes, 9728);
	csa_cmd_price(&p, &w, p.dram_mbps, &c);
	CU_ASSERT_EQUAL(c.cycles, 61);
	CU_ASSERT_EQUAL(c.memory, 45);
	csa_cmd_price(&p, &w, p.dram_mbps / 2, &c);
	CU_ASSERT_EQUAL(c.cycles, 90 + 16);

	/* a 110M-shaped layer matrix, 768 x 768 at 3 planes: lookups 864,
	 * tables 96*128/64 = 192, scales 864, + 2 fill = 866 compute; memory 3072 +
	 * 221184 + 110592 + 3072 = 337920 B -> 1553: memory-bound */
	d = t_desc(CSA_OP_MATVEC_BCQ, 0);
	d.arg[0] = 768;
	d.arg[1] = 768;
	d.arg[2] = 3;
	d.arg[3] = 64;
	csa_cycles_cmd(&p, &d, &c);
	CU_ASSERT_EQUAL(c.compute, 866);
	CU_ASSERT_EQUAL(c.memory, 1553);
	CU_ASSERT_EQUAL(c.cycles, 1569);
}

/* Every profile sizes its shift-add lanes so MATVEC_BCQ of model-sized
 * matrices is memory-bound at every plane count and scale format. */
static void test_bcq_memory_bound_on_every_board(void)
{
	static const uint32_t shapes[][2] = {	/* K, N */
		{ 288, 288 }, { 768, 768 }, { 768, 2048 }, { 2048, 768 },
		{ 768, 32000 }, { 4096, 4096 }, { 4096, 11008 },
		{ 11008, 4096 }, { 5120, 13824 },
	};
	unsigned int b, s, planes, pow2;

	CU_ASSERT_EQUAL(csa_board_count(), 3);
	for (b = 0; b < csa_board_count(); b++) {
		struct csa_cycle_params in, p;
		struct csa_cmd_cost c;
		struct csa_desc d;

		memset(&in, 0, sizeof(in));
		in.board = csa_board_at(b)->id;
		CU_ASSERT_EQUAL(csa_cycle_params_resolve(&in, &p), 0);
		CU_ASSERT_EQUAL(p.board, in.board);
		CU_ASSERT(p.dram_mbps < p.mem_peak_mbps);
		for (s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++)
			for (planes = 2; planes <= 4; planes++)
				for (pow2 = 0; pow2 <= 1; pow2++) {
					d = t_desc(CSA_OP_MATVEC_BCQ,
						   pow2 ? CSA_CMD_F_POW2 : 0);
					d.arg[0] = shapes[s][0];
					d.arg[1] = shapes[s][1];
					d.arg[2] = planes;
					d.arg[3] = 64;
					csa_cycles_cmd(&p, &d, &c);
					CU_ASSERT(c.memory > c.compute);
				}
	}
	/* an unknown board is refused, and resolves to the default */
	{
		struct csa_cycle_params in, p;

		memset(&in, 0, sizeof(in));
		in.board = 99;
		CU_ASSERT_EQUAL(csa_cycle_params_resolve(&in, &p), -1);
		CU_ASSERT_EQUAL(p.board, CSA_BOARD_DEFAULT);
	}
}

int add_footprint_suite(void)
{
	CU_pSuite s = CU_add_suite("footprint and cycle model", h_init, h_fini);

	if (!s)
		return -1;
	if (!CU_add_test(s, "footprint bytes per slot", test_footprint_bytes) ||
	    !CU_add_test(s, "cycle model prices", test_cycle_model) ||
	    !CU_add_test(s, "cycle model work and price",
			 test_cycle_model_work) ||
	    !CU_add_test(s, "shift-add memory-bound on every board",
			 test_bcq_memory_bound_on_every_board))
		return -1;
	return 0;
}
