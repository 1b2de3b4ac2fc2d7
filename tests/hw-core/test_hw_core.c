// SPDX-License-Identifier: MIT
/*
 * test_hw_core.c - the device core (registers, rings, command processor,
 * host DMA, interrupts, reset, fault injection) driven through MMIO only,
 * as a driver would; see docs/device-spec.md.
 */
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "harness.h"
#include "hw/cycle_model.h"
#include "uapi/drm/csa_accel.h"
#include "tests/common/cunit_run.h"

#define MiB (1024u * 1024u)
#define ISSUE CSA_CYCLES_ISSUE	/* cycles of a NOP, FENCE or rejected descriptor */

static struct tdev *open_ready(uint32_t sq, uint32_t cq)
{
	struct tdev *t = tdev_open(4 * MiB, 8 * MiB);

	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT_FATAL(tdev_setup(t, sq, cq) == 0);
	return t;
}

/* ---- identity and register file ------------------------------------------ */

static void test_identity(void)
{
	struct tdev *t = tdev_open(4 * MiB, 64 * 1024);

	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_MAGIC), 0x31415343u);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_VERSION), 0x00010000u);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_CAPS),
			CSA_CAP_BCQ | CSA_CAP_CONSMAX | CSA_CAP_PIM |
			CSA_CAP_VECTOR | CSA_CAP_DMA | CSA_CAP_POW2_SCALES |
			CSA_CAP_BCQ_BATCH | CSA_CAP_KV_BATCH |
			CSA_CAP_F32_BATCH | CSA_CAP_DEP_QUEUES);
	/* the default board, u250: bcq 256 (saturated to 255) | attention
	 * units 8 << 8 | vec 32 << 16 | macs 16 << 24 */
	CU_ASSERT_EQUAL(rd(t, CSA_REG_ENGINES), 0x102008ffu);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_DEVMEM_LO), 4 * MiB);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_DEVMEM_HI), 0);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_CLOCK_KHZ), 300000);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_DRAM_MBPS), 65280);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_BOARD_ID), CSA_BOARD_U250);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_BCQ_LANES), 256);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_PIM_UNITS), 8);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_PIM_MACS), 16);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_VEC_LANES), 32);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_MEM_CHANNELS), 4);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_MEM_PEAK_MBPS), 76800);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_PCIE_MBPS), 12000);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_BOARD_NAME), 0x30353275u);	/* "u250" */
	CU_ASSERT_EQUAL(rd(t, CSA_REG_BOARD_NAME + 4), 0);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_BOARD_NAME + 12), 0);
	/* reset values */
	CU_ASSERT_EQUAL(rd(t, CSA_REG_CONTROL), 0);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_STATUS), 0);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_ERROR_STATUS), 0);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_IRQ_STATUS), 0);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_IRQ_MASK), 0x3);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_IRQ_COALESCE), 0);
	CU_ASSERT_EQUAL(rd64(t, CSA_REG_PERF_RESETS), 0);
	/* identity is read-only; scratch is not */
	wr(t, CSA_REG_MAGIC, 0);
	wr(t, CSA_REG_ENGINES, 0);
	wr(t, CSA_REG_SCRATCH, 0xdeadbeef);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_MAGIC), CSA_MAGIC);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_ENGINES), 0x102008ffu);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_SCRATCH), 0xdeadbeef);
	/* reserved and unaligned offsets read 0, writes vanish */
	wr(t, 0x0ff0, 0x1234);
	CU_ASSERT_EQUAL(rd(t, 0x0ff0), 0);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_MAGIC + 1), 0);
	CU_ASSERT_EQUAL(rd(t, 0x1000), 0);
	CU_ASSERT_EQUAL(t->kicks, 0);
	tdev_close(t);
}

static void test_identity_custom_config(void)
{
	struct csa_hw_config cfg;
	struct csa_hw *hw = calloc(1, sizeof(*hw));
	static const struct csa_hw_ops no_ops;
	struct tdev *t;

	memset(&cfg, 0, sizeof(cfg));
	cfg.devmem_size = 8ull << 30;	/* never touched: identity only */
	cfg.devmem = (uint8_t *)hw;	/* a non-NULL pointer */
	cfg.devmem_bar = 1;
	cfg.cycles.clock_khz = 300000;
	cfg.cycles.bcq_lanes = 64;
	cfg.cycles.pim_banks = 16;
	cfg.cycles.vec_lanes = 8;
	cfg.cycles.pim_macs = 4;
	t = tdev_open_cfg(&cfg, 4096);
	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_DEVMEM_LO), 0);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_DEVMEM_HI), 2);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_CLOCK_KHZ), 300000);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_ENGINES), 0x04081040u);
	CU_ASSERT(rd(t, CSA_REG_CAPS) & CSA_CAP_DEVMEM_BAR);
	t->devmem = NULL;	/* not ours to free */
	tdev_close(t);

	/* a named board: its values, overrides still win */
	memset(&cfg.cycles, 0, sizeof(cfg.cycles));
	cfg.cycles.board = CSA_BOARD_U55C;
	cfg.cycles.vec_lanes = 8;
	t = tdev_open_cfg(&cfg, 4096);
	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_BOARD_ID), CSA_BOARD_U55C);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_BOARD_NAME), 0x63353575u);	/* "u55c" */
	CU_ASSERT_EQUAL(rd(t, CSA_REG_BCQ_LANES), 2048);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_ENGINES) & 0xff, 255);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_VEC_LANES), 8);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_MEM_CHANNELS), 32);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_MEM_PEAK_MBPS), 460000);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_DRAM_MBPS), 414000);
	t->devmem = NULL;
	tdev_close(t);
	/* an unknown board is a bad configuration */
	cfg.cycles.board = 99;
	CU_ASSERT(csa_hw_init(hw, &cfg, &no_ops, NULL) < 0);
	cfg.cycles.board = 0;

	/* bad configurations are refused */
	cfg.devmem_size = 4096 + 1;
	CU_ASSERT(csa_hw_init(hw, &cfg, &no_ops, NULL) < 0);
	cfg.devmem_size = 0;
	CU_ASSERT(csa_hw_init(hw, &cfg, &no_ops, NULL) < 0);
	cfg.devmem_size = 4096;
	CU_ASSERT(csa_hw_init(hw, &cfg, &no_ops, NULL) < 0);	/* no DMA ops */
	cfg.devmem = NULL;
	CU_ASSERT(csa_hw_init(hw, &cfg, &no_ops, NULL) < 0);
	free(hw);
}

/* ---- ring setup ------------------------------------------------------------ */

struct setup_case {
	uint64_t sq_base;
	uint32_t sq_size;
	uint64_t cq_base;
	uint32_t cq_size;
	uint32_t detail;	/* ERROR_INFO[15:8] */
};

static void test_ring_setup_errors(void)
{
	const uint64_t good = BUS_BASE + 4096;
	const struct setup_case cases[] = {
		{ good, 0, good, 16, 1 },
		{ good, 2, good, 16, 1 },
		{ good, 24, good, 16, 1 },
		{ good, 131072, good, 16, 1 },
		{ good, 0, 0, 0, 1 },			/* first failure wins */
		{ 0, 16, good, 16, 2 },
		{ good + 32, 16, good, 16, 2 },
		{ good + 1, 16, good, 16, 2 },
		{ UINT64_MAX - 63, 16, good, 16, 2 },	/* wraps the bus */
		{ good, 16, good, 3, 3 },
		{ good, 16, good, 0x80000000u, 3 },
		{ 0, 16, good, 3, 2 },
		{ good, 16, 0, 16, 4 },
		{ good, 16, good + 8, 16, 4 },
		{ good, 65536, good + 64, 65536, 0 },	/* valid: the limits */
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tdev *t = tdev_open(4 * MiB, 64 * 1024);
		const struct setup_case *c = &cases[i];

		CU_ASSERT_FATAL(t != NULL);
		tdev_program(t, c->sq_base, c->sq_size, c->cq_base, c->cq_size);
		if (!c->detail) {
			CU_ASSERT_EQUAL(rd(t, CSA_REG_STATUS), CSA_STS_READY);
			CU_ASSERT_EQUAL(rd(t, CSA_REG_ERROR_STATUS), 0);
			tdev_close(t);
			continue;
		}
		CU_ASSERT_EQUAL(rd(t, CSA_REG_ERROR_STATUS), CSA_ERR_RING_SETUP);
		CU_ASSERT_EQUAL(rd(t, CSA_REG_STATUS), CSA_STS_HALTED);
		CU_ASSERT_EQUAL(rd(t, CSA_REG_ERROR_INFO),
				CSA_ERR_RING_SETUP | c->detail << 8);
		CU_ASSERT_EQUAL(rd(t, CSA_REG_IRQ_STATUS), CSA_IRQ_ERROR);
		/* the unmask kicked; the error message goes out from run */
		CU_ASSERT(t->kicks >= 1);
		CU_ASSERT_EQUAL(t->irqs[CSA_MSIX_VEC_ERROR], 0);
		wr(t, CSA_REG_SQ_TAIL, 1);	/* ignored: not ready */
		CU_ASSERT_EQUAL(run(t), 0);
		CU_ASSERT_EQUAL(t->irqs[CSA_MSIX_VEC_ERROR], 1);
		CU_ASSERT_EQUAL(t->irqs[CSA_MSIX_VEC_CQ], 0);
		CU_ASSERT_EQUAL(t->bus.reads, 0);
		CU_ASSERT_EQUAL(rd(t, CSA_REG_SQ_TAIL), 0);
		/* ENABLE again does nothing while halted */
		wr(t, CSA_REG_CONTROL, 0);
		wr(t, CSA_REG_CONTROL, CSA_CTRL_ENABLE);
		CU_ASSERT(rd(t, CSA_REG_STATUS) & CSA_STS_HALTED);
		/* reset recovers */
		wr(t, CSA_REG_CONTROL, CSA_CTRL_RESET);
		CU_ASSERT_EQUAL(rd(t, CSA_REG_STATUS), 0);
		CU_ASSERT_EQUAL(rd(t, CSA_REG_CONTROL), 0);
		CU_ASSERT_EQUAL(rd(t, CSA_REG_ERROR_STATUS), 0);
		CU_ASSERT_EQUAL(rd(t, CSA_REG_IRQ_MASK), 3);
		CU_ASSERT_EQUAL(rd64(t, CSA_REG_PERF_RESETS), 1);
		CU_ASSERT_EQUAL(tdev_setup(t, 16, 16), 0);
		submit(t, &(struct csa_desc){ .flags = CSA_DESC_F_LAST, .tag = 9 });
		CU_ASSERT_EQUAL(run(t), 1);
		tdev_close(t);
	}
}

static void test_ring_registers_latched(void)
{
	struct tdev *t = open_ready(16, 16);
	uint64_t sq = t->sq_bus;

	CU_ASSERT_EQUAL(rd(t, CSA_REG_SQ_BASE_LO), (uint32_t)sq);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_SQ_BASE_HI), (uint32_t)(sq >> 32));
	CU_ASSERT_EQUAL(rd(t, CSA_REG_SQ_BASE_HI), 0x1234);
	/* writes while enabled are dropped */
	wr(t, CSA_REG_SQ_BASE_LO, 0);
	wr(t, CSA_REG_SQ_SIZE, 4);
	wr(t, CSA_REG_CQ_SIZE, 4);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_SQ_BASE_LO), (uint32_t)sq);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_SQ_SIZE), 16);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_CQ_SIZE), 16);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_STATUS), CSA_STS_READY);
	/* disable stops fetching; re-enable restarts at index 0 */
	submit(t, &(struct csa_desc){ .flags = CSA_DESC_F_LAST });
	submit(t, &(struct csa_desc){ .flags = CSA_DESC_F_LAST });
	CU_ASSERT_EQUAL(csa_hw_run(t->hw, 1), 1);
	wr(t, CSA_REG_CONTROL, 0);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_STATUS), CSA_STS_BUSY);
	CU_ASSERT_EQUAL(run(t), 0);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_SQ_HEAD), 1);
	wr(t, CSA_REG_CONTROL, CSA_CTRL_ENABLE);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_STATUS), CSA_STS_READY);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_SQ_HEAD), 0);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_SQ_TAIL), 0);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_CQ_TAIL), 0);
	tdev_close(t);
}

/* ---- rings -------------------------------------------------------------- */

static void test_wrap_and_phase(void)
{
	struct tdev *t = open_ready(4, 4);
	struct csa_cqe e;
	uint32_t i;

	/* 60 laps of the SQ, 75 of the CQ, one-descriptor jobs */
	for (i = 0; i < 300; i++) {
		struct csa_desc d = d_nop(1000 + i, 1);
		uint32_t cq_slot = i % 4;

		submit(t, &d);
		CU_ASSERT_EQUAL(run(t), 1);
		CU_ASSERT_FATAL(cq_pop(t, &e) == 1);
		CU_ASSERT_EQUAL(e.tag, 1000 + i);
		CU_ASSERT_EQUAL(e.status, CSA_STATUS_OK);
		CU_ASSERT_EQUAL(e.index, 0);
		CU_ASSERT_EQUAL(e.sq_head, (i + 1) % 4);
		CU_ASSERT_EQUAL(e.cookie, 0);
		CU_ASSERT_EQUAL(e.cycles, ISSUE);
		/* phase 1 on laps 0, 2, ...; 0 on odd laps */
		CU_ASSERT_EQUAL(e.flags, ((i / 4) % 2) ? 0 : CSA_CQE_F_PHASE);
		CU_ASSERT_EQUAL(rd(t, CSA_REG_CQ_TAIL), (cq_slot + 1) % 4);
		CU_ASSERT_EQUAL(cq_pop(t, &e), 0);
	}
	CU_ASSERT_EQUAL(t->irqs[CSA_MSIX_VEC_CQ], 300);
	CU_ASSERT_EQUAL(rd64(t, CSA_REG_PERF_COMMANDS), 300);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_ERROR_STATUS), 0);
	CU_ASSERT(guards_intact(t));
	tdev_close(t);
}

static void test_full_ring(void)
{
	struct tdev *t = open_ready(8, 16);
	struct csa_cqe e;
	uint32_t i, lap;

	for (lap = 0; lap < 3; lap++) {
		for (i = 0; i < 7; i++)
			sq_put(t, &(struct csa_desc){ .tag = lap * 10 + i,
						     .flags = CSA_DESC_F_LAST });
		CU_ASSERT_EQUAL((t->sq_tail + 1) % 8, rd(t, CSA_REG_SQ_HEAD));
		sq_ring(t);
		CU_ASSERT(rd(t, CSA_REG_STATUS) & CSA_STS_BUSY);
		CU_ASSERT_EQUAL(run(t), 7);
		CU_ASSERT_EQUAL(rd(t, CSA_REG_STATUS), CSA_STS_READY);
		for (i = 0; i < 7; i++) {
			CU_ASSERT_FATAL(cq_pop(t, &e) == 1);
			CU_ASSERT_EQUAL(e.tag, lap * 10 + i);
		}
		CU_ASSERT_EQUAL(cq_pop(t, &e), 0);
	}
	tdev_close(t);
}

static void test_many_per_doorbell(void)
{
	struct tdev *t = open_ready(256, 256);
	struct csa_cqe e;
	uint32_t job, i, n = 0;

	/* 50 jobs of (job % 4) + 1 descriptors: 125 descriptors, 1 doorbell */
	for (job = 0; job < 50; job++)
		for (i = 0; i <= job % 4; i++) {
			sq_put(t, &(struct csa_desc){ .tag = job,
				.flags = i == job % 4 ? CSA_DESC_F_LAST : 0 });
			n++;
		}
	sq_ring(t);
	CU_ASSERT_EQUAL(t->kicks, 1);
	CU_ASSERT_EQUAL(run(t), n);
	n = 0;
	for (job = 0; job < 50; job++) {
		n += job % 4 + 1;
		CU_ASSERT_FATAL(cq_pop(t, &e) == 1);
		CU_ASSERT_EQUAL(e.tag, job);
		CU_ASSERT_EQUAL(e.index, job % 4);
		CU_ASSERT_EQUAL(e.cycles, (job % 4 + 1) * ISSUE);
		CU_ASSERT_EQUAL(e.sq_head, n);
	}
	CU_ASSERT_EQUAL(cq_pop(t, &e), 0);
	/* coalesce 0: one message per completion */
	CU_ASSERT_EQUAL(t->irqs[CSA_MSIX_VEC_CQ], 50);
	tdev_close(t);
}

static void test_cq_full_stall_resume(void)
{
	struct tdev *t = open_ready(16, 4);
	struct csa_cqe e;
	struct csa_cqe *cq;
	uint32_t i, kicks;

	for (i = 0; i < 10; i++)
		sq_put(t, &(struct csa_desc){ .tag = i, .flags = CSA_DESC_F_LAST });
	sq_ring(t);
	CU_ASSERT_EQUAL(run(t), 3);	/* 3 of 4 CQ slots usable */
	CU_ASSERT_EQUAL(rd(t, CSA_REG_SQ_HEAD), 3);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_CQ_TAIL), 3);
	CU_ASSERT_EQUAL(run(t), 0);	/* still full: no overwrite */
	cq = bus_ptr(t, t->cq_bus);
	CU_ASSERT_EQUAL(cq[3].flags, 0);	/* never written */
	CU_ASSERT_EQUAL(cq[0].tag, 0);
	/* the host consumes one entry: the doorbell kicks, one more runs */
	kicks = t->kicks;
	CU_ASSERT_FATAL(cq_pop(t, &e) == 1);
	CU_ASSERT_EQUAL(t->kicks, kicks + 1);
	CU_ASSERT_EQUAL(run(t), 1);
	CU_ASSERT_EQUAL(cq[3].tag, 3);
	CU_ASSERT_EQUAL(cq[0].tag, 0);	/* entry 0 not yet reused */
	for (i = 1; i < 10; i++) {
		CU_ASSERT_FATAL(cq_pop(t, &e) == 1);
		CU_ASSERT_EQUAL(e.tag, i);
		run(t);
	}
	CU_ASSERT_EQUAL(cq_pop(t, &e), 0);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_SQ_HEAD), 10);
	tdev_close(t);
}

/* ---- jobs and errors ----------------------------------------------------- */

static void test_error_index_and_skip(void)
{
	struct tdev *t = open_ready(16, 16);
	struct csa_desc bad = d_nop(7, 0);
	struct csa_cqe e;
	uint32_t i;

	bad.opcode = 0x7f;	/* unknown */
	for (i = 0; i < 5; i++)
		sq_put(t, i == 2 ? &bad : &(struct csa_desc){ .tag = 7,
				.flags = i == 4 ? CSA_DESC_F_LAST : 0 });
	sq_put(t, &(struct csa_desc){ .tag = 8, .flags = CSA_DESC_F_LAST });
	sq_ring(t);
	CU_ASSERT_EQUAL(run(t), 6);
	CU_ASSERT_FATAL(cq_pop(t, &e) == 1);
	CU_ASSERT_EQUAL(e.tag, 7);
	CU_ASSERT_EQUAL(e.status, CSA_STATUS_BAD_OPCODE);
	CU_ASSERT_EQUAL(e.index, 2);
	CU_ASSERT_EQUAL(e.sq_head, 3);
	CU_ASSERT_EQUAL(e.cycles, 3 * ISSUE);	/* two NOPs and its decode */
	CU_ASSERT_FATAL(cq_pop(t, &e) == 1);
	CU_ASSERT_EQUAL(e.tag, 8);	/* no second entry for job 7 */
	CU_ASSERT_EQUAL(e.status, CSA_STATUS_OK);
	CU_ASSERT_EQUAL(e.index, 0);
	CU_ASSERT_EQUAL(e.cycles, ISSUE);
	CU_ASSERT_EQUAL(cq_pop(t, &e), 0);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_ERROR_STATUS), CSA_ERR_CMD);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_ERROR_INFO),
			CSA_ERR_CMD | CSA_STATUS_BAD_OPCODE << 8 | 2u << 16);
	CU_ASSERT_EQUAL(t->irqs[CSA_MSIX_VEC_ERROR], 1);
	CU_ASSERT_EQUAL(rd64(t, CSA_REG_PERF_COMMANDS), 4);
	CU_ASSERT_EQUAL(rd64(t, CSA_REG_PERF_ERRORS), 1);
	CU_ASSERT_EQUAL(rd64(t, CSA_REG_PERF_TOTAL), 4 * ISSUE);
	/* RW1C */
	wr(t, CSA_REG_ERROR_STATUS, CSA_ERR_CMD);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_ERROR_STATUS), 0);
	wr(t, CSA_REG_IRQ_STATUS, CSA_IRQ_ERROR | CSA_IRQ_CQ);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_IRQ_STATUS), 0);

	/* a failing F_LAST descriptor ends its job; the next job is clean */
	bad.flags = CSA_DESC_F_LAST;
	bad.tag = 9;
	submit(t, &bad);
	submit(t, &(struct csa_desc){ .tag = 10, .flags = CSA_DESC_F_LAST });
	CU_ASSERT_EQUAL(run(t), 2);
	CU_ASSERT_FATAL(cq_pop(t, &e) == 1);
	CU_ASSERT_EQUAL(e.tag, 9);
	CU_ASSERT_EQUAL(e.status, CSA_STATUS_BAD_OPCODE);
	CU_ASSERT_EQUAL(e.index, 0);
	CU_ASSERT_FATAL(cq_pop(t, &e) == 1);
	CU_ASSERT_EQUAL(e.tag, 10);
	CU_ASSERT_EQUAL(e.status, CSA_STATUS_OK);
	/* a new first error since ERROR_STATUS was cleared: SQ slot 6 */
	CU_ASSERT_EQUAL(rd(t, CSA_REG_ERROR_INFO),
			CSA_ERR_CMD | CSA_STATUS_BAD_OPCODE << 8 | 6u << 16);
	tdev_close(t);
}

static void test_reserved_bits(void)
{
	struct tdev *t = open_ready(32, 32);
	struct csa_desc d[9];
	struct csa_cqe e;
	unsigned int i;

	for (i = 0; i < 9; i++)
		d[i] = d_nop(i, 1);
	d[0].dep = 1;
	d[1].rsvd1[0] = 1;
	d[2].rsvd1[3] = 1ull << 63;
	d[3].flags |= 0x40;		/* outside CSA_DESC_F_MASK */
	d[4].flags |= 0x08;
	d[5].flags |= CSA_CMD_F_CONSMAX;	/* not an NOP flag */
	d[6].arg[9] = 1;		/* NOP has no args */
	d[7] = d_fence(7, 5, 1);
	d[7].addr[0] = 64;		/* FENCE has no addresses */
	d[8] = d_fence(8, 5, 1);
	d[8].arg[2] = 1;
	for (i = 0; i < 9; i++)
		sq_put(t, &d[i]);
	sq_put(t, &(struct csa_desc){ .tag = 99, .flags = CSA_DESC_F_LAST });
	sq_ring(t);
	CU_ASSERT_EQUAL(run(t), 10);
	for (i = 0; i < 9; i++) {
		CU_ASSERT_FATAL(cq_pop(t, &e) == 1);
		CU_ASSERT_EQUAL(e.tag, i);
		CU_ASSERT_EQUAL(e.status, CSA_STATUS_RESERVED);
		CU_ASSERT_EQUAL(e.flags & CSA_CQE_F_FENCE, 0);
	}
	CU_ASSERT_FATAL(cq_pop(t, &e) == 1);
	CU_ASSERT_EQUAL(e.tag, 99);
	CU_ASSERT_EQUAL(e.status, CSA_STATUS_OK);
	CU_ASSERT_EQUAL(rd64(t, CSA_REG_PERF_ERRORS), 9);
	tdev_close(t);
}

static void test_fence_cookies(void)
{
	struct tdev *t = open_ready(16, 16);
	struct csa_cqe e;

	sq_put(t, &(struct csa_desc){ .tag = 3 });
	sq_put(t, &(struct csa_desc){ .tag = 3, .opcode = CSA_OP_FENCE,
				      .arg = { 0x89abcdef, 0x01234567 } });
	sq_put(t, &(struct csa_desc){ .tag = 3 });
	sq_put(t, &(struct csa_desc){ .tag = 3, .opcode = CSA_OP_FENCE,
				      .flags = CSA_DESC_F_LAST,
				      .arg = { 0xffffffff, 0 } });
	sq_ring(t);
	CU_ASSERT_EQUAL(run(t), 4);
	CU_ASSERT_FATAL(cq_pop(t, &e) == 1);
	CU_ASSERT_EQUAL(e.flags, CSA_CQE_F_FENCE | CSA_CQE_F_PHASE);
	CU_ASSERT_EQUAL(e.cookie, 0x0123456789abcdefull);
	CU_ASSERT_EQUAL(e.index, 1);
	CU_ASSERT_EQUAL(e.cycles, 2 * ISSUE);
	CU_ASSERT_EQUAL(e.sq_head, 2);
	CU_ASSERT_FATAL(cq_pop(t, &e) == 1);
	CU_ASSERT_EQUAL(e.flags, CSA_CQE_F_FENCE | CSA_CQE_F_PHASE);
	CU_ASSERT_EQUAL(e.cookie, 0xffffffffull);
	CU_ASSERT_EQUAL(e.index, 3);
	CU_ASSERT_EQUAL(e.cycles, 4 * ISSUE);
	/* the F_LAST fence also ends the job with its own entry */
	CU_ASSERT_FATAL(cq_pop(t, &e) == 1);
	CU_ASSERT_EQUAL(e.flags, CSA_CQE_F_PHASE);
	CU_ASSERT_EQUAL(e.tag, 3);
	CU_ASSERT_EQUAL(e.status, CSA_STATUS_OK);
	CU_ASSERT_EQUAL(e.cookie, 0);
	CU_ASSERT_EQUAL(e.index, 3);
	CU_ASSERT_EQUAL(e.cycles, 4 * ISSUE);
	CU_ASSERT_EQUAL(cq_pop(t, &e), 0);
	tdev_close(t);
}

static void test_fence_last_needs_two_slots(void)
{
	struct tdev *t = open_ready(8, 4);
	struct csa_cqe e;

	submit(t, &(struct csa_desc){ .tag = 1, .flags = CSA_DESC_F_LAST });
	submit(t, &(struct csa_desc){ .tag = 2, .flags = CSA_DESC_F_LAST });
	submit(t, &(struct csa_desc){ .tag = 3, .opcode = CSA_OP_FENCE,
				      .flags = CSA_DESC_F_LAST, .arg = { 42 } });
	CU_ASSERT_EQUAL(run(t), 2);	/* one slot left, the FENCE needs two */
	CU_ASSERT_EQUAL(rd(t, CSA_REG_SQ_HEAD), 2);
	CU_ASSERT_FATAL(cq_pop(t, &e) == 1);
	CU_ASSERT_EQUAL(run(t), 1);
	CU_ASSERT_FATAL(cq_pop(t, &e) == 1);
	CU_ASSERT_EQUAL(e.tag, 2);
	CU_ASSERT_FATAL(cq_pop(t, &e) == 1);
	CU_ASSERT_EQUAL(e.cookie, 42);
	CU_ASSERT(e.flags & CSA_CQE_F_FENCE);
	CU_ASSERT_FATAL(cq_pop(t, &e) == 1);
	CU_ASSERT_EQUAL(e.tag, 3);
	CU_ASSERT_EQUAL(e.flags & CSA_CQE_F_FENCE, 0);
	tdev_close(t);
}

/* ---- host DMA ------------------------------------------------------------ */

static void fill_pattern(uint8_t *p, uint32_t n, uint32_t seed)
{
	uint32_t i, x = seed * 2654435761u + 1;

	for (i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (uint8_t)(x >> 16);
	}
}

/* H2D through @n segments of @lens, D2H back through one segment. */
static void dma_round_trip(struct tdev *t, uint32_t bytes, const uint32_t *lens,
			   uint32_t n, uint64_t dev)
{
	uint64_t seg[16], out[1];
	uint8_t *src = malloc(bytes);
	uint32_t i, done = 0, out_len = bytes;
	uint64_t table, table_out;
	struct csa_cqe e;
	uint64_t before = rd64(t, CSA_REG_PERF_DMA_BYTES);

	CU_ASSERT_FATAL(src != NULL && n <= 16);
	fill_pattern(src, bytes, bytes);
	table = sg_build(t, lens, n, seg);
	for (i = 0; i < n && done < bytes; i++) {
		uint32_t len = lens[i] < bytes - done ? lens[i] : bytes - done;

		memcpy(bus_ptr(t, seg[i]), src + done, len);
		done += len;
	}
	table_out = sg_build(t, &out_len, 1, out);
	submit(t, &(struct csa_desc){ 0 });
	sq_put(t, &(struct csa_desc){ .opcode = CSA_OP_DMA_H2D, .tag = bytes,
		.arg = { bytes, n }, .addr = { table, dev } });
	sq_put(t, &(struct csa_desc){ .opcode = CSA_OP_DMA_D2H, .tag = bytes,
		.flags = CSA_DESC_F_LAST, .arg = { bytes, 1 },
		.addr = { table_out, dev } });
	sq_ring(t);
	CU_ASSERT_EQUAL(run(t), 3);
	CU_ASSERT_FATAL(cq_pop(t, &e) == 1);
	CU_ASSERT_EQUAL(e.tag, bytes);
	CU_ASSERT_EQUAL(e.status, CSA_STATUS_OK);
	CU_ASSERT_EQUAL(e.index, 2);
	/* NOP + 2 * (ceil(bytes * 300 MHz / 12 GB/s) + issue) (u250) */
	CU_ASSERT_EQUAL(e.cycles, ISSUE + 2 * ((bytes * 300000ull + 11999999) / 12000000 + ISSUE));
	CU_ASSERT(memcmp(t->devmem + dev, src, bytes) == 0);
	CU_ASSERT(memcmp(bus_ptr(t, out[0]), src, bytes) == 0);
	CU_ASSERT_EQUAL(rd64(t, CSA_REG_PERF_DMA_BYTES), before + 2ull * bytes);
	free(src);
}

static void test_dma_round_trips(void)
{
	struct tdev *t = open_ready(16, 16);
	static const uint32_t one[] = { 4 };
	static const uint32_t odd[] = { 1, 3, 5, 7, 11, 13, 2000 };
	static const uint32_t big[] = { 65537, 3, 70001, 1, 99999 };
	static const uint32_t over[] = { 4095, 4097, 8191 }; /* sum > bytes */

	dma_round_trip(t, 4, one, 1, 0);
	dma_round_trip(t, 12, odd, 7, 4 * MiB - 12);	/* last bytes of devmem */
	dma_round_trip(t, 2036, odd, 7, 4100);
	dma_round_trip(t, 235540, big, 5, 1 * MiB + 4);	/* many 64 KiB chunks */
	dma_round_trip(t, 12288, over, 3, 8);
	/* nothing outside the transferred device ranges was written */
	CU_ASSERT_EQUAL(t->devmem[4 * MiB - 13], 0);
	CU_ASSERT_EQUAL(t->devmem[4], 0);
	CU_ASSERT_EQUAL(t->devmem[8 + 12288], 0);
	CU_ASSERT_EQUAL(t->devmem[1 * MiB], 0);
	CU_ASSERT_EQUAL(t->devmem[1 * MiB + 4 + 235540], 0);
	CU_ASSERT(rd64(t, CSA_PERF_BUSY(CSA_ENGINE_DMA)) > 0);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_ERROR_STATUS), 0);
	CU_ASSERT(guards_intact(t));
	tdev_close(t);
}

/* Submit one DMA descriptor as a job; return its completion status. */
static uint32_t dma_status(struct tdev *t, struct csa_desc d)
{
	struct csa_cqe e;

	d.flags |= CSA_DESC_F_LAST;
	submit(t, &d);
	CU_ASSERT_EQUAL(run(t), 1);
	CU_ASSERT_FATAL(cq_pop(t, &e) == 1);
	CU_ASSERT_EQUAL(e.tag, d.tag);
	return e.status;
}

static void test_dma_bad_sg_and_args(void)
{
	struct tdev *t = open_ready(64, 64);
	static const uint32_t lens[] = { 64, 64 };
	uint64_t seg[2], table = sg_build(t, lens, 2, seg);
	struct csa_sg_entry *sg = bus_ptr(t, table);
	uint64_t dev = 1024;
	struct csa_desc d;

	CU_ASSERT_EQUAL(dma_status(t, d_dma(1, 1, 128, table, 2, dev, 0)),
			CSA_STATUS_OK);
	/* bytes: 0, not a multiple of 4, over CSA_DMA_MAX */
	CU_ASSERT_EQUAL(dma_status(t, d_dma(1, 2, 0, table, 2, dev, 0)),
			CSA_STATUS_BAD_ARG);
	CU_ASSERT_EQUAL(dma_status(t, d_dma(0, 3, 126, table, 2, dev, 0)),
			CSA_STATUS_BAD_ARG);
	CU_ASSERT_EQUAL(dma_status(t, d_dma(1, 4, CSA_DMA_MAX + 4, table, 2, 0, 0)),
			CSA_STATUS_BAD_ARG);
	/* SG count 0 / too many; table misaligned, wrapping */
	CU_ASSERT_EQUAL(dma_status(t, d_dma(1, 5, 128, table, 0, dev, 0)),
			CSA_STATUS_BAD_ARG);
	CU_ASSERT_EQUAL(dma_status(t, d_dma(1, 6, 128, table, CSA_SG_MAX + 1, dev, 0)),
			CSA_STATUS_BAD_ARG);
	CU_ASSERT_EQUAL(dma_status(t, d_dma(1, 7, 128, table + 4, 2, dev, 0)),
			CSA_STATUS_BAD_SG);
	CU_ASSERT_EQUAL(dma_status(t, d_dma(1, 8, 128, UINT64_MAX - 15, 2, dev, 0)),
			CSA_STATUS_BAD_SG);
	/* entries: short sum, len 0, rsvd, wrapping segment */
	CU_ASSERT_EQUAL(dma_status(t, d_dma(1, 9, 132, table, 2, dev, 0)),
			CSA_STATUS_BAD_SG);
	CU_ASSERT_EQUAL(dma_status(t, d_dma(1, 10, 64, table, 1, dev, 0)),
			CSA_STATUS_OK);
	sg[1].len = 0;	/* checked even though entry 0 alone covers 64 bytes */
	CU_ASSERT_EQUAL(dma_status(t, d_dma(1, 11, 64, table, 2, dev, 0)),
			CSA_STATUS_BAD_SG);
	sg[1].len = 64;
	sg[1].rsvd = 1;
	CU_ASSERT_EQUAL(dma_status(t, d_dma(0, 12, 128, table, 2, dev, 0)),
			CSA_STATUS_BAD_SG);
	sg[1].rsvd = 0;
	sg[1].addr = UINT64_MAX - 10;
	CU_ASSERT_EQUAL(dma_status(t, d_dma(0, 13, 128, table, 2, dev, 0)),
			CSA_STATUS_BAD_SG);
	sg[1].addr = seg[1];
	/* device range: past the end, wrapping, misaligned */
	CU_ASSERT_EQUAL(dma_status(t, d_dma(1, 14, 128, table, 2, 4 * MiB - 124, 0)),
			CSA_STATUS_ADDR_RANGE);
	CU_ASSERT_EQUAL(dma_status(t, d_dma(1, 15, 128, table, 2, UINT64_MAX - 3, 0)),
			CSA_STATUS_ADDR_RANGE);
	CU_ASSERT_EQUAL(dma_status(t, d_dma(1, 16, 128, table, 2, dev + 2, 0)),
			CSA_STATUS_ADDR_RANGE);
	/* unused slots and opcode flags must be zero */
	d = d_dma(1, 17, 128, table, 2, dev, 0);
	d.addr[2] = 4;
	CU_ASSERT_EQUAL(dma_status(t, d), CSA_STATUS_RESERVED);
	d = d_dma(1, 18, 128, table, 2, dev, 0);
	d.arg[2] = 4;
	CU_ASSERT_EQUAL(dma_status(t, d), CSA_STATUS_RESERVED);
	d = d_dma(1, 19, 128, table, 2, dev, 0);
	d.flags = CSA_CMD_F_POW2;
	CU_ASSERT_EQUAL(dma_status(t, d), CSA_STATUS_RESERVED);
	/* the failed ones moved nothing */
	CU_ASSERT_EQUAL(rd64(t, CSA_REG_PERF_DMA_BYTES), 128 + 64);
	CU_ASSERT_EQUAL(rd64(t, CSA_REG_PERF_ERRORS), 17);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_STATUS), CSA_STS_READY);
	tdev_close(t);
}

static void test_dma_fault(void)
{
	struct tdev *t = open_ready(16, 16);
	static const uint32_t lens[] = { 256, 256 };
	uint64_t seg[2], table = sg_build(t, lens, 2, seg);
	struct csa_cqe e;

	/* SG table unreadable */
	t->bus.fault_lo = table;
	t->bus.fault_hi = table + 1;
	CU_ASSERT_EQUAL(dma_status(t, d_dma(1, 1, 512, table, 2, 0, 0)),
			CSA_STATUS_DMA_FAULT);
	/* second segment unreadable (H2D) / unwritable (D2H) */
	t->bus.fault_lo = seg[1] + 100;
	t->bus.fault_hi = seg[1] + 101;
	CU_ASSERT_EQUAL(dma_status(t, d_dma(1, 2, 512, table, 2, 0, 0)),
			CSA_STATUS_DMA_FAULT);
	CU_ASSERT_EQUAL(dma_status(t, d_dma(0, 3, 512, table, 2, 0, 0)),
			CSA_STATUS_DMA_FAULT);
	/* short enough to stop before the fault */
	CU_ASSERT_EQUAL(dma_status(t, d_dma(0, 4, 356, table, 2, 0, 0)),
			CSA_STATUS_OK);
	/* a segment outside host memory */
	t->bus.fault_lo = t->bus.fault_hi = 0;
	((struct csa_sg_entry *)bus_ptr(t, table))[0].addr = 0x1000;
	CU_ASSERT_EQUAL(dma_status(t, d_dma(0, 5, 512, table, 2, 0, 0)),
			CSA_STATUS_DMA_FAULT);
	/* the device carries on: a faulting job is not fatal */
	CU_ASSERT_EQUAL(rd(t, CSA_REG_STATUS), CSA_STS_READY);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_ERROR_STATUS), CSA_ERR_CMD);
	submit(t, &(struct csa_desc){ .tag = 6, .flags = CSA_DESC_F_LAST });
	run(t);
	CU_ASSERT_FATAL(cq_pop(t, &e) == 1);
	CU_ASSERT_EQUAL(e.status, CSA_STATUS_OK);
	CU_ASSERT(guards_intact(t));
	tdev_close(t);
}

static void test_dma_error_skips_rest_of_job(void)
{
	struct tdev *t = open_ready(16, 16);
	static const uint32_t lens[] = { 64 };
	uint64_t seg[1], table = sg_build(t, lens, 1, seg);
	struct csa_cqe e;

	memset(bus_ptr(t, seg[0]), 0x5a, 64);
	sq_put(t, &(struct csa_desc){ .tag = 1 });
	sq_put(t, &(struct csa_desc){ .opcode = CSA_OP_DMA_H2D, .tag = 1,
		.arg = { 64, 1 }, .addr = { table, 4 * MiB } });
	/* would copy into devmem if it ran */
	sq_put(t, &(struct csa_desc){ .opcode = CSA_OP_DMA_H2D, .tag = 1,
		.arg = { 64, 1 }, .addr = { table, 0 } });
	sq_put(t, &(struct csa_desc){ .tag = 1, .opcode = CSA_OP_FENCE,
		.arg = { 5 } });
	sq_put(t, &(struct csa_desc){ .tag = 1, .flags = CSA_DESC_F_LAST });
	sq_ring(t);
	CU_ASSERT_EQUAL(run(t), 5);
	CU_ASSERT_FATAL(cq_pop(t, &e) == 1);
	CU_ASSERT_EQUAL(e.status, CSA_STATUS_ADDR_RANGE);
	CU_ASSERT_EQUAL(e.index, 1);
	CU_ASSERT_EQUAL(cq_pop(t, &e), 0);	/* no FENCE, no job entry */
	CU_ASSERT_EQUAL(t->devmem[0], 0);
	CU_ASSERT_EQUAL(rd64(t, CSA_REG_PERF_COMMANDS), 2);
	tdev_close(t);
}

static void test_dma_copy_pipeline(void)
{
	struct tdev *t = open_ready(16, 16);
	static const uint32_t in_lens[] = { 1000, 24 };
	static const uint32_t out_len[] = { 1024 };
	uint64_t in[2], out[1];
	uint64_t tin = sg_build(t, in_lens, 2, in);
	uint64_t tout = sg_build(t, out_len, 1, out);
	uint8_t want[1024];
	struct csa_desc copy = d_copy(5, 1024, 0, 8192, 0);
	struct csa_desc bad_copy = d_copy(6, 1024, 0, 512, 1);
	struct csa_cqe e;

	fill_pattern(want, 1024, 77);
	memcpy(bus_ptr(t, in[0]), want, 1000);
	memcpy(bus_ptr(t, in[1]), want + 1000, 24);
	/* host -> devmem 0 -> COPY to devmem 8192 -> host */
	sq_put(t, &(struct csa_desc){ .opcode = CSA_OP_DMA_H2D, .tag = 5,
		.arg = { 1024, 2 }, .addr = { tin, 0 } });
	sq_put(t, &copy);
	sq_put(t, &(struct csa_desc){ .opcode = CSA_OP_DMA_D2H, .tag = 5,
		.flags = CSA_DESC_F_LAST, .arg = { 1024, 1 },
		.addr = { tout, 8192 } });
	/* an overlapping COPY fails in the engine check, nothing written */
	sq_put(t, &bad_copy);
	sq_ring(t);
	CU_ASSERT_EQUAL(run(t), 4);
	CU_ASSERT_FATAL(cq_pop(t, &e) == 1);
	CU_ASSERT_EQUAL(e.tag, 5);
	CU_ASSERT_EQUAL(e.status, CSA_STATUS_OK);
	CU_ASSERT(e.cycles > 2 * (1024 / 40 + ISSUE));	/* 40 B/cycle PCIe */
	CU_ASSERT(memcmp(bus_ptr(t, out[0]), want, 1024) == 0);
	CU_ASSERT(memcmp(t->devmem + 8192, want, 1024) == 0);
	CU_ASSERT_FATAL(cq_pop(t, &e) == 1);
	CU_ASSERT_EQUAL(e.tag, 6);
	CU_ASSERT_EQUAL(e.status, CSA_STATUS_OVERLAP);
	CU_ASSERT(memcmp(t->devmem + 512, want + 512, 512) == 0);
	CU_ASSERT_EQUAL(rd64(t, CSA_REG_PERF_DMA_BYTES), 2048);
	CU_ASSERT_EQUAL(rd64(t, CSA_REG_PERF_COMMANDS), 4);
	tdev_close(t);
}

/* ---- fatal errors, reset, hang ---------------------------------------------- */

static void test_fatal_fetch_fault(void)
{
	struct tdev *t = open_ready(8, 8);
	struct csa_cqe e;

	submit(t, &(struct csa_desc){ .tag = 1, .flags = CSA_DESC_F_LAST });
	CU_ASSERT_EQUAL(run(t), 1);
	/* SQ slot 1 becomes unreadable */
	t->bus.fault_lo = t->sq_bus + 128;
	t->bus.fault_hi = t->sq_bus + 129;
	submit(t, &(struct csa_desc){ .tag = 2, .flags = CSA_DESC_F_LAST });
	CU_ASSERT_EQUAL(run(t), 0);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_STATUS), CSA_STS_HALTED | CSA_STS_BUSY);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_ERROR_STATUS), CSA_ERR_SQ_FETCH);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_ERROR_INFO), CSA_ERR_SQ_FETCH | 1u << 16);
	CU_ASSERT_EQUAL(t->irqs[CSA_MSIX_VEC_ERROR], 1);
	/* halted: doorbells and runs do nothing */
	t->bus.fault_lo = t->bus.fault_hi = 0;
	submit(t, &(struct csa_desc){ .tag = 3, .flags = CSA_DESC_F_LAST });
	CU_ASSERT_EQUAL(run(t), 0);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_SQ_HEAD), 1);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_SQ_TAIL), 2);
	/* clearing ERROR_STATUS does not un-halt */
	wr(t, CSA_REG_ERROR_STATUS, 0xffffffff);
	CU_ASSERT(rd(t, CSA_REG_STATUS) & CSA_STS_HALTED);
	/* reset recovers */
	wr(t, CSA_REG_CONTROL, CSA_CTRL_RESET | CSA_CTRL_ENABLE);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_CONTROL), 0);	/* RESET wins */
	CU_ASSERT_EQUAL(rd(t, CSA_REG_STATUS), 0);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_SQ_HEAD), 0);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_SQ_BASE_LO), 0);
	CU_ASSERT_EQUAL(rd64(t, CSA_REG_PERF_COMMANDS), 0);
	CU_ASSERT_EQUAL(rd64(t, CSA_REG_PERF_RESETS), 1);
	CU_ASSERT_EQUAL(tdev_setup(t, 8, 8), 0);
	submit(t, &(struct csa_desc){ .tag = 4, .flags = CSA_DESC_F_LAST });
	CU_ASSERT_EQUAL(run(t), 1);
	CU_ASSERT_FATAL(cq_pop(t, &e) == 1);
	CU_ASSERT_EQUAL(e.tag, 4);
	CU_ASSERT_EQUAL(e.flags, CSA_CQE_F_PHASE);
	tdev_close(t);
}

static void test_fatal_cq_write_fault(void)
{
	struct tdev *t = open_ready(8, 8);

	t->bus.fault_lo = t->cq_bus + 32;	/* CQ slot 1 */
	t->bus.fault_hi = t->cq_bus + 64;
	submit(t, &(struct csa_desc){ .tag = 1, .flags = CSA_DESC_F_LAST });
	submit(t, &(struct csa_desc){ .tag = 2, .flags = CSA_DESC_F_LAST });
	submit(t, &(struct csa_desc){ .tag = 3, .flags = CSA_DESC_F_LAST });
	CU_ASSERT_EQUAL(run(t), 2);
	CU_ASSERT(rd(t, CSA_REG_STATUS) & CSA_STS_HALTED);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_ERROR_STATUS), CSA_ERR_CQ_WRITE);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_ERROR_INFO), CSA_ERR_CQ_WRITE | 1u << 16);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_CQ_TAIL), 1);
	CU_ASSERT_EQUAL(t->irqs[CSA_MSIX_VEC_ERROR], 1);
	tdev_close(t);
}

static void test_reset_aborts_partial_job(void)
{
	struct tdev *t = open_ready(8, 8);
	struct csa_cqe e;

	t->hw->cfg.fault_hang_after = 100;
	submit(t, &(struct csa_desc){ .tag = 1 });
	submit(t, &(struct csa_desc){ .tag = 1 });
	CU_ASSERT_EQUAL(run(t), 2);	/* job open: no completion yet */
	CU_ASSERT_EQUAL(cq_pop(t, &e), 0);
	wr(t, CSA_REG_CONTROL, CSA_CTRL_RESET);
	CU_ASSERT_EQUAL(t->hw->cfg.fault_hang_after, 0);
	CU_ASSERT_EQUAL(tdev_setup(t, 8, 8), 0);
	submit(t, &(struct csa_desc){ .tag = 2, .flags = CSA_DESC_F_LAST });
	CU_ASSERT_EQUAL(run(t), 1);
	CU_ASSERT_FATAL(cq_pop(t, &e) == 1);
	CU_ASSERT_EQUAL(e.tag, 2);
	CU_ASSERT_EQUAL(e.index, 0);	/* a fresh job */
	CU_ASSERT_EQUAL(e.cycles, ISSUE);
	tdev_close(t);
}

static void test_hang_injection(void)
{
	struct tdev *t = open_ready(16, 16);
	struct csa_cqe e;
	uint32_t i;

	t->hw->cfg.fault_hang_after = 3;
	for (i = 0; i < 5; i++)
		submit(t, &(struct csa_desc){ .tag = i, .flags = CSA_DESC_F_LAST });
	CU_ASSERT_EQUAL(run(t), 3);
	CU_ASSERT_EQUAL(run(t), 0);
	submit(t, &(struct csa_desc){ .tag = 5, .flags = CSA_DESC_F_LAST });
	CU_ASSERT_EQUAL(run(t), 0);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_SQ_HEAD), 3);
	/* silent: no error, still looks busy */
	CU_ASSERT_EQUAL(rd(t, CSA_REG_STATUS), CSA_STS_READY | CSA_STS_BUSY);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_ERROR_STATUS), 0);
	for (i = 0; i < 3; i++)
		CU_ASSERT(cq_pop(t, &e) == 1);
	CU_ASSERT_EQUAL(cq_pop(t, &e), 0);
	wr(t, CSA_REG_CONTROL, CSA_CTRL_RESET);
	CU_ASSERT_EQUAL(tdev_setup(t, 16, 16), 0);
	for (i = 0; i < 5; i++)
		submit(t, &(struct csa_desc){ .tag = i, .flags = CSA_DESC_F_LAST });
	CU_ASSERT_EQUAL(run(t), 5);
	tdev_close(t);
}

/* ---- doorbells ---------------------------------------------------------- */

static void test_doorbell_errors(void)
{
	struct tdev *t = open_ready(8, 8);
	struct csa_cqe e;

	wr(t, CSA_REG_SQ_TAIL, 8);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_SQ_TAIL), 0);	/* ignored */
	CU_ASSERT_EQUAL(rd(t, CSA_REG_ERROR_STATUS), CSA_ERR_DOORBELL);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_ERROR_INFO), CSA_ERR_DOORBELL | 8u << 16);
	CU_ASSERT_EQUAL(t->kicks, 1);	/* to send the error message */
	CU_ASSERT_EQUAL(run(t), 0);
	CU_ASSERT_EQUAL(t->irqs[CSA_MSIX_VEC_ERROR], 1);
	wr(t, CSA_REG_CQ_HEAD, 0x12345);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_CQ_HEAD), 0);
	/* ERROR_INFO keeps the first error until ERROR_STATUS is cleared */
	CU_ASSERT_EQUAL(rd(t, CSA_REG_ERROR_INFO), CSA_ERR_DOORBELL | 8u << 16);
	wr(t, CSA_REG_ERROR_STATUS, CSA_ERR_DOORBELL);
	wr(t, CSA_REG_CQ_HEAD, 9);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_ERROR_INFO),
			CSA_ERR_DOORBELL | 1u << 8 | 9u << 16);
	/* the device still works */
	CU_ASSERT_EQUAL(rd(t, CSA_REG_STATUS), CSA_STS_READY);
	submit(t, &(struct csa_desc){ .tag = 1, .flags = CSA_DESC_F_LAST });
	CU_ASSERT_EQUAL(run(t), 1);
	CU_ASSERT(cq_pop(t, &e) == 1);
	/* doorbells before enable are ignored without an error */
	wr(t, CSA_REG_CONTROL, CSA_CTRL_RESET);
	wr(t, CSA_REG_SQ_TAIL, 3);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_SQ_TAIL), 0);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_ERROR_STATUS), 0);
	tdev_close(t);
}

static void test_run_budget(void)
{
	struct tdev *t = open_ready(16, 16);
	uint32_t i, kicks;

	for (i = 0; i < 5; i++)
		sq_put(t, &(struct csa_desc){ .tag = i, .flags = CSA_DESC_F_LAST });
	sq_ring(t);
	kicks = t->kicks;
	CU_ASSERT_EQUAL(csa_hw_run(t->hw, 2), 2);
	CU_ASSERT_EQUAL(t->kicks, kicks + 1);	/* more to do: asks again */
	CU_ASSERT_EQUAL(csa_hw_run(t->hw, 2), 2);
	CU_ASSERT_EQUAL(csa_hw_run(t->hw, 2), 1);
	CU_ASSERT_EQUAL(t->kicks, kicks + 2);	/* not after the last */
	CU_ASSERT_EQUAL(rd(t, CSA_REG_SQ_HEAD), 5);
	tdev_close(t);
}

/* ---- interrupts -------------------------------------------------------- */

static void test_irq_mask(void)
{
	struct tdev *t = open_ready(16, 16);
	uint32_t kicks;

	wr(t, CSA_REG_IRQ_MASK, CSA_IRQ_CQ);
	submit(t, &(struct csa_desc){ .tag = 1, .flags = CSA_DESC_F_LAST });
	submit(t, &(struct csa_desc){ .tag = 2, .flags = CSA_DESC_F_LAST });
	run(t);
	CU_ASSERT_EQUAL(t->irqs[CSA_MSIX_VEC_CQ], 0);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_IRQ_STATUS), CSA_IRQ_CQ);
	CU_ASSERT_EQUAL(csa_hw_irq_level(t->hw), 0);
	/* unmasking kicks; the next run sends the held message once */
	kicks = t->kicks;
	wr(t, CSA_REG_IRQ_MASK, 0);
	CU_ASSERT_EQUAL(t->kicks, kicks + 1);
	CU_ASSERT_EQUAL(t->irqs[CSA_MSIX_VEC_CQ], 0);
	CU_ASSERT_EQUAL(run(t), 0);
	CU_ASSERT_EQUAL(t->irqs[CSA_MSIX_VEC_CQ], 1);
	CU_ASSERT_EQUAL(run(t), 0);
	CU_ASSERT_EQUAL(t->irqs[CSA_MSIX_VEC_CQ], 1);
	CU_ASSERT_EQUAL(csa_hw_irq_level(t->hw), 1);
	wr(t, CSA_REG_IRQ_STATUS, CSA_IRQ_CQ);
	CU_ASSERT_EQUAL(csa_hw_irq_level(t->hw), 0);
	/* masked error vector: status set, message held */
	wr(t, CSA_REG_IRQ_MASK, CSA_IRQ_ERROR);
	submit(t, &(struct csa_desc){ .opcode = 0xee, .flags = CSA_DESC_F_LAST });
	run(t);
	CU_ASSERT_EQUAL(t->irqs[CSA_MSIX_VEC_CQ], 2);
	CU_ASSERT_EQUAL(t->irqs[CSA_MSIX_VEC_ERROR], 0);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_IRQ_STATUS), CSA_IRQ_CQ | CSA_IRQ_ERROR);
	wr(t, CSA_REG_IRQ_MASK, 0);
	run(t);
	CU_ASSERT_EQUAL(t->irqs[CSA_MSIX_VEC_ERROR], 1);
	tdev_close(t);
}

static void test_irq_coalescing(void)
{
	struct tdev *t = open_ready(64, 64);
	struct csa_cqe e;
	uint32_t i;

	wr(t, CSA_REG_IRQ_COALESCE, 4);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_IRQ_COALESCE), 4);
	for (i = 0; i < 10; i++)
		sq_put(t, &(struct csa_desc){ .tag = i, .flags = CSA_DESC_F_LAST });
	sq_ring(t);
	CU_ASSERT_EQUAL(csa_hw_run(t->hw, 7), 7);
	CU_ASSERT_EQUAL(t->irqs[CSA_MSIX_VEC_CQ], 1);	/* after 4 */
	CU_ASSERT_EQUAL(run(t), 3);
	/* at 8, then at 10 because the SQ is empty */
	CU_ASSERT_EQUAL(t->irqs[CSA_MSIX_VEC_CQ], 3);
	while (cq_pop(t, &e))
		;
	/* an error completion is signalled at once */
	sq_put(t, &(struct csa_desc){ .tag = 20, .flags = CSA_DESC_F_LAST });
	sq_put(t, &(struct csa_desc){ .opcode = 0x30, .flags = CSA_DESC_F_LAST });
	sq_put(t, &(struct csa_desc){ .tag = 21, .flags = CSA_DESC_F_LAST });
	sq_put(t, &(struct csa_desc){ .tag = 22, .flags = CSA_DESC_F_LAST });
	sq_ring(t);
	CU_ASSERT_EQUAL(csa_hw_run(t->hw, 1), 1);
	CU_ASSERT_EQUAL(t->irqs[CSA_MSIX_VEC_CQ], 3);	/* 1 of 4, held */
	CU_ASSERT_EQUAL(csa_hw_run(t->hw, 1), 1);
	CU_ASSERT_EQUAL(t->irqs[CSA_MSIX_VEC_CQ], 4);
	CU_ASSERT_EQUAL(t->irqs[CSA_MSIX_VEC_ERROR], 1);
	CU_ASSERT_EQUAL(run(t), 2);
	CU_ASSERT_EQUAL(t->irqs[CSA_MSIX_VEC_CQ], 5);
	while (cq_pop(t, &e))
		;
	/* a CQ-full stall signals what it holds */
	wr(t, CSA_REG_CONTROL, CSA_CTRL_RESET);
	CU_ASSERT_EQUAL(tdev_setup(t, 16, 4), 0);
	wr(t, CSA_REG_IRQ_COALESCE, 8);
	for (i = 0; i < 6; i++)
		sq_put(t, &(struct csa_desc){ .tag = i, .flags = CSA_DESC_F_LAST });
	sq_ring(t);
	memset(t->irqs, 0, sizeof(t->irqs));
	CU_ASSERT_EQUAL(run(t), 3);
	CU_ASSERT_EQUAL(t->irqs[CSA_MSIX_VEC_CQ], 1);
	tdev_close(t);
}

static void test_intx_level(void)
{
	struct tdev *t = open_ready(8, 8);

	CU_ASSERT_EQUAL(csa_hw_irq_level(t->hw), 0);
	/* INTx follows IRQ_STATUS & ~IRQ_MASK, coalescing or not */
	wr(t, CSA_REG_IRQ_COALESCE, 100);
	submit(t, &(struct csa_desc){ .tag = 1 });	/* no F_LAST: no entry */
	run(t);
	CU_ASSERT_EQUAL(csa_hw_irq_level(t->hw), 0);
	submit(t, &(struct csa_desc){ .tag = 1, .flags = CSA_DESC_F_LAST });
	run(t);
	CU_ASSERT_EQUAL(csa_hw_irq_level(t->hw), 1);
	wr(t, CSA_REG_IRQ_MASK, CSA_IRQ_CQ);
	CU_ASSERT_EQUAL(csa_hw_irq_level(t->hw), 0);
	wr(t, CSA_REG_IRQ_MASK, 0);
	CU_ASSERT_EQUAL(csa_hw_irq_level(t->hw), 1);
	wr(t, CSA_REG_IRQ_STATUS, CSA_IRQ_ERROR);	/* other bit: no effect */
	CU_ASSERT_EQUAL(csa_hw_irq_level(t->hw), 1);
	wr(t, CSA_REG_IRQ_STATUS, CSA_IRQ_CQ);
	CU_ASSERT_EQUAL(csa_hw_irq_level(t->hw), 0);
	wr(t, CSA_REG_SQ_TAIL, 100);	/* doorbell error: ERROR raises it */
	CU_ASSERT_EQUAL(csa_hw_irq_level(t->hw), 1);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_IRQ_STATUS), CSA_IRQ_ERROR);
	tdev_close(t);
}

/* ---- performance counters ------------------------------------------------ */

static void test_perf_counters(void)
{
	struct tdev *t = open_ready(16, 16);
	static const uint32_t lens[] = { 4096 };
	uint64_t seg[1], table = sg_build(t, lens, 1, seg);
	struct csa_cqe e;
	uint32_t lo;

	submit(t, &(struct csa_desc){ .tag = 1 });
	submit(t, &(struct csa_desc){ .opcode = CSA_OP_DMA_H2D, .tag = 1,
		.arg = { 4096, 1 }, .addr = { table, 0 } });
	submit(t, &(struct csa_desc){ .opcode = CSA_OP_DMA_D2H, .tag = 1,
		.flags = CSA_DESC_F_LAST, .arg = { 4096, 1 },
		.addr = { table, 8192 } });
	run(t);
	CU_ASSERT_FATAL(cq_pop(t, &e) == 1);
	/* 4096 B at 12 GB/s and 300 MHz (u250) = 103 cycles each, + issue */
	CU_ASSERT_EQUAL(e.cycles, ISSUE + 2 * (103 + ISSUE));
	CU_ASSERT_EQUAL(rd64(t, CSA_REG_PERF_TOTAL), ISSUE + 2 * (103 + ISSUE));
	/* busy cycles account for every cycle */
	CU_ASSERT_EQUAL(rd64(t, CSA_PERF_BUSY(CSA_ENGINE_DMA)) +
			rd64(t, CSA_PERF_BUSY(CSA_ENGINE_VECTOR)) +
			rd64(t, CSA_PERF_BUSY(CSA_ENGINE_BCQ)) +
			rd64(t, CSA_PERF_BUSY(CSA_ENGINE_PIM)) +
			rd64(t, CSA_PERF_BUSY(CSA_ENGINE_CONSMAX)),
			ISSUE + 2 * (103 + ISSUE));
	CU_ASSERT(rd64(t, CSA_PERF_BUSY(CSA_ENGINE_DMA)) >= 2 * (103 + ISSUE));
	CU_ASSERT_EQUAL(rd64(t, CSA_REG_PERF_COMMANDS), 3);
	CU_ASSERT_EQUAL(rd64(t, CSA_REG_PERF_DMA_BYTES), 8192);
	CU_ASSERT_EQUAL(rd64(t, CSA_REG_PERF_MEM_BYTES), 8192);
	CU_ASSERT_EQUAL(rd64(t, CSA_REG_PERF_ERRORS), 0);
	CU_ASSERT_EQUAL(rd64(t, CSA_REG_PERF_RESETS), 0);
	CU_ASSERT_EQUAL(rd64(t, 0x128), 0);	/* reserved slot */
	/* reading LO latches HI: a counter moving between the two reads
	 * still gives a consistent 64-bit value (set past 2^32 here) */
	t->hw->ctr.total = 0x00000001ffffffffull;
	lo = rd(t, CSA_REG_PERF_TOTAL);
	t->hw->ctr.total += 1;	/* carries into HI */
	CU_ASSERT_EQUAL(lo, 0xffffffffu);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_PERF_TOTAL + 4), 1);
	CU_ASSERT_EQUAL(rd64(t, CSA_REG_PERF_TOTAL), 0x200000000ull);
	/* writes are ignored; reset clears all but RESETS */
	wr(t, CSA_REG_PERF_COMMANDS, 0);
	CU_ASSERT_EQUAL(rd64(t, CSA_REG_PERF_COMMANDS), 3);
	wr(t, CSA_REG_CONTROL, CSA_CTRL_RESET);
	wr(t, CSA_REG_CONTROL, CSA_CTRL_RESET);
	CU_ASSERT_EQUAL(rd64(t, CSA_REG_PERF_TOTAL), 0);
	CU_ASSERT_EQUAL(rd64(t, CSA_REG_PERF_DMA_BYTES), 0);
	CU_ASSERT_EQUAL(rd64(t, CSA_REG_PERF_RESETS), 2);
	tdev_close(t);
}

static int null_read(void *ctx, uint64_t addr, void *dst, size_t len)
{
	struct csa_desc *d = dst;

	(void)ctx;
	(void)addr;
	memset(dst, 0, len);
	if (len == sizeof(*d))
		d->flags = CSA_DESC_F_LAST;	/* every SQ slot holds a NOP job */
	return 0;
}

static int null_write(void *ctx, uint64_t addr, const void *src, size_t len)
{
	(void)ctx;
	(void)addr;
	(void)src;
	(void)len;
	return 0;
}

/* An embedder may poll: no irq, no kick callbacks. */
/* The stepwise API: a copy of the model executes (as QEMU's worker does),
 * the completion is the one csa_hw_run() posts; a command fetched before a
 * soft reset is dropped by complete. */
static void test_stepwise_fetch_execute_complete(void)
{
	struct tdev *t = tdev_open(1 << 20, 1 << 20);
	static struct csa_hw exe;
	struct csa_hw_cmd cmd;
	struct csa_cqe e;

	CU_ASSERT_EQUAL_FATAL(tdev_setup(t, 16, 16), 0);
	memset(t->devmem, 0x5a, 4096);
	submit(t, &(struct csa_desc){ .flags = 0 });
	submit(t, &(struct csa_desc){ 0 });
	sq_put(t, &(struct csa_desc){ 0 });
	{
		struct csa_desc c = d_copy(7, 4096, 0, 8192, 1);

		submit(t, &c);
	}
	exe = *t->hw;
	CU_ASSERT_EQUAL_FATAL(csa_hw_fetch(t->hw, &cmd), 1);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_SQ_HEAD), 1);
	CU_ASSERT_FALSE(csa_hw_cmd_uses_host(&cmd));
	csa_hw_execute(&exe, &cmd);
	CU_ASSERT_EQUAL(cmd.status, CSA_STATUS_OK);
	CU_ASSERT_EQUAL(cq_pop(t, &e), 0);	/* nothing before complete */
	CU_ASSERT_EQUAL(csa_hw_complete(t->hw, &cmd), 1);
	/* the rest as csa_hw_run would: two NOPs and the COPY ending the job */
	while (csa_hw_fetch(t->hw, &cmd)) {
		csa_hw_execute(&exe, &cmd);
		CU_ASSERT_EQUAL(csa_hw_complete(t->hw, &cmd), 1);
	}
	csa_hw_flush(t->hw);
	CU_ASSERT_EQUAL_FATAL(cq_pop(t, &e), 1);
	CU_ASSERT_EQUAL(e.tag, 7);
	CU_ASSERT_EQUAL(e.status, CSA_STATUS_OK);
	CU_ASSERT_EQUAL(e.index, 3);
	CU_ASSERT(e.cycles > 0);
	CU_ASSERT_EQUAL(memcmp(t->devmem, t->devmem + 8192, 4096), 0);
	CU_ASSERT_EQUAL(rd64(t, CSA_REG_PERF_COMMANDS), 4);
	CU_ASSERT(rd64(t, CSA_REG_PERF_MEM_BYTES) >= 8192);
	/* fetched, then the rings restart: complete drops it */
	submit(t, &(struct csa_desc){ .flags = CSA_DESC_F_LAST });
	CU_ASSERT_EQUAL_FATAL(csa_hw_fetch(t->hw, &cmd), 1);
	csa_hw_execute(&exe, &cmd);
	wr(t, CSA_REG_CONTROL, 0);
	wr(t, CSA_REG_CONTROL, CSA_CTRL_ENABLE);
	CU_ASSERT_EQUAL(csa_hw_complete(t->hw, &cmd), 0);
	CU_ASSERT_EQUAL(rd(t, CSA_REG_CQ_TAIL), 0);
	CU_ASSERT(guards_intact(t));
	tdev_close(t);
}

static void test_null_irq_and_kick(void)
{
	static const struct csa_hw_ops polling = {
		.dma_read = null_read,
		.dma_write = null_write,
	};
	struct csa_hw *hw = calloc(1, sizeof(*hw));
	struct csa_hw_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.devmem = malloc(4096);
	cfg.devmem_size = 4096;
	CU_ASSERT_FATAL(hw && cfg.devmem);
	CU_ASSERT_EQUAL_FATAL(csa_hw_init(hw, &cfg, &polling, NULL), 0);
	csa_hw_mmio_write(hw, CSA_REG_SQ_BASE_LO, 4096);
	csa_hw_mmio_write(hw, CSA_REG_SQ_SIZE, 8);
	csa_hw_mmio_write(hw, CSA_REG_CQ_BASE_LO, 8192);
	csa_hw_mmio_write(hw, CSA_REG_CQ_SIZE, 8);
	csa_hw_mmio_write(hw, CSA_REG_CONTROL, CSA_CTRL_ENABLE);
	csa_hw_mmio_write(hw, CSA_REG_IRQ_MASK, 0);
	csa_hw_mmio_write(hw, CSA_REG_SQ_TAIL, 5);
	CU_ASSERT_EQUAL(csa_hw_run(hw, 2), 2);
	CU_ASSERT_EQUAL(csa_hw_run(hw, 0), 3);
	CU_ASSERT_EQUAL(csa_hw_mmio_read(hw, CSA_REG_CQ_TAIL), 5);
	CU_ASSERT_EQUAL(csa_hw_mmio_read(hw, CSA_REG_IRQ_STATUS), CSA_IRQ_CQ);
	CU_ASSERT_EQUAL(csa_hw_irq_level(hw), 1);
	csa_hw_mmio_write(hw, CSA_REG_SQ_TAIL, 99);	/* error, no kick hook */
	CU_ASSERT_EQUAL(csa_hw_run(hw, 0), 0);
	CU_ASSERT_EQUAL(csa_hw_mmio_read(hw, CSA_REG_ERROR_STATUS),
			CSA_ERR_DOORBELL);
	free(cfg.devmem);
	free(hw);
}

int main(void)
{
	static const struct cunit_test tests[] = {
		{ "identity registers", test_identity },
		{ "identity from config, bad configs", test_identity_custom_config },
		{ "ring setup errors halt, reset recovers", test_ring_setup_errors },
		{ "ring registers latched while enabled", test_ring_registers_latched },
		{ "wrap and phase over many laps", test_wrap_and_phase },
		{ "full SQ", test_full_ring },
		{ "many descriptors per doorbell", test_many_per_doorbell },
		{ "CQ full stall and resume", test_cq_full_stall_resume },
		{ "error completion index, skip to F_LAST", test_error_index_and_skip },
		{ "reserved fields and flags", test_reserved_bits },
		{ "FENCE cookies", test_fence_cookies },
		{ "FENCE with F_LAST needs two CQ slots", test_fence_last_needs_two_slots },
		{ "DMA round trips, odd sizes, multi-entry SG", test_dma_round_trips },
		{ "DMA BAD_SG, BAD_ARG, ADDR_RANGE, RESERVED", test_dma_bad_sg_and_args },
		{ "DMA_FAULT is per job", test_dma_fault },
		{ "DMA error skips the rest of the job", test_dma_error_skips_rest_of_job },
		{ "DMA, COPY, DMA in one job; engine errors", test_dma_copy_pipeline },
		{ "SQ fetch fault halts, reset recovers", test_fatal_fetch_fault },
		{ "CQ write fault halts", test_fatal_cq_write_fault },
		{ "reset aborts a partial job", test_reset_aborts_partial_job },
		{ "hang injection", test_hang_injection },
		{ "doorbell errors", test_doorbell_errors },
		{ "run budget", test_run_budget },
		{ "interrupt mask holds messages", test_irq_mask },
		{ "interrupt coalescing", test_irq_coalescing },
		{ "INTx level", test_intx_level },
		{ "performance counters", test_perf_counters },
		{ "no irq and kick callbacks", test_null_irq_and_kick },
		{ "fetch, execute, complete", test_stepwise_fetch_execute_complete },
	};

	return cunit_run_suite("hw-core", tests, sizeof(tests) / sizeof(tests[0]));
}
