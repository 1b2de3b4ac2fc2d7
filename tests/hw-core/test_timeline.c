// SPDX-License-Identifier: MIT
/*
 * test_timeline.c - the two engine queues' modelled schedule
 * (hw/timeline.c, docs/device-spec.md 3.6): the timeline alone with
 * hand-checked numbers, then the device through MMIO: an overlapped job
 * reports less than the sum of its commands and leaves device memory
 * exactly as the in-order job does; a dependency outside its job is
 * BAD_ARG.
 */
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "harness.h"
#include "hw/cycle_model.h"
#include "hw/timeline.h"
#include "uapi/drm/csa_accel.h"
#include "tests/common/cunit_run.h"

#define MiB (1024u * 1024u)

/* 1 MHz and 1 MB/s: one byte per cycle, so byte counts read as cycles. */
static const struct csa_cycle_params one_byte = {
	.clock_khz = 1000, .dram_mbps = 1,
};

static uint64_t put(struct csa_timeline *tl, unsigned int queue, uint16_t dep,
		    uint32_t index, uint64_t cycles, uint64_t bytes)
{
	struct csa_tl_cmd c = { queue, dep, index, cycles, bytes };

	return csa_timeline_place(tl, &one_byte, &c, NULL);
}

static void test_queues_of_opcodes(void)
{
	CU_ASSERT_EQUAL(csa_queue_of(CSA_OP_ATTENTION), CSA_QUEUE_ATTN);
	CU_ASSERT_EQUAL(csa_queue_of(CSA_OP_KV_APPEND), CSA_QUEUE_ATTN);
	CU_ASSERT_EQUAL(csa_queue_of(CSA_OP_MATVEC_BCQ), CSA_QUEUE_VECTOR);
	CU_ASSERT_EQUAL(csa_queue_of(CSA_OP_MATVEC_BCQ_BATCH), CSA_QUEUE_VECTOR);
	CU_ASSERT_EQUAL(csa_queue_of(CSA_OP_DMA_H2D), CSA_QUEUE_VECTOR);
	CU_ASSERT_EQUAL(csa_queue_of(CSA_OP_RMSNORM), CSA_QUEUE_VECTOR);
	CU_ASSERT_EQUAL(csa_queue_of(CSA_OP_NOP), CSA_QUEUE_VECTOR);
}

/* Compute-bound commands on the two queues: independent ones overlap
 * (the job lasts the longer), dependent ones add up. */
static void test_independent_overlap_dependent_serialize(void)
{
	static struct csa_timeline tl;

	csa_timeline_reset(&tl);
	CU_ASSERT_EQUAL(put(&tl, CSA_QUEUE_VECTOR, 0, 0, 1000, 0), 1000);
	CU_ASSERT_EQUAL(put(&tl, CSA_QUEUE_ATTN, CSA_DEP_EXPLICIT, 1, 800, 0), 800);
	CU_ASSERT_EQUAL(csa_timeline_job_cycles(&tl), 1000);

	/* the default: after the previous descriptor */
	csa_timeline_reset(&tl);
	put(&tl, CSA_QUEUE_VECTOR, 0, 0, 1000, 0);
	CU_ASSERT_EQUAL(put(&tl, CSA_QUEUE_ATTN, 0, 1, 800, 0), 1800);
	CU_ASSERT_EQUAL(csa_timeline_job_cycles(&tl), 1800);

	/* an explicit dependency one back is the same thing */
	csa_timeline_reset(&tl);
	put(&tl, CSA_QUEUE_VECTOR, 0, 0, 1000, 0);
	CU_ASSERT_EQUAL(put(&tl, CSA_QUEUE_ATTN, CSA_DEP_EXPLICIT | 1, 1, 800, 0), 1800);

	/* two back, past a command of the other queue */
	csa_timeline_reset(&tl);
	put(&tl, CSA_QUEUE_VECTOR, 0, 0, 100, 0);			/* 0..100 */
	put(&tl, CSA_QUEUE_ATTN, 0, 1, 500, 0);				/* 100..600 */
	CU_ASSERT_EQUAL(put(&tl, CSA_QUEUE_VECTOR, CSA_DEP_EXPLICIT | 2, 2, 300, 0), 400);
	/* its own queue keeps order even without a dependency */
	CU_ASSERT_EQUAL(put(&tl, CSA_QUEUE_VECTOR, CSA_DEP_EXPLICIT, 3, 50, 0), 450);
	CU_ASSERT_EQUAL(csa_timeline_job_cycles(&tl), 600);
}

/* A job starts after everything before it: jobs never overlap. */
static void test_job_boundary(void)
{
	static struct csa_timeline tl;

	csa_timeline_reset(&tl);
	put(&tl, CSA_QUEUE_VECTOR, 0, 0, 100, 0);
	put(&tl, CSA_QUEUE_ATTN, CSA_DEP_EXPLICIT, 1, 700, 0);
	CU_ASSERT_EQUAL(put(&tl, CSA_QUEUE_VECTOR, CSA_DEP_EXPLICIT, 0, 10, 0), 710);
	CU_ASSERT_EQUAL(csa_timeline_job_cycles(&tl), 10);
	CU_ASSERT_EQUAL(tl.last_end, 710);
}

/* Memory goes to the older command first; the younger gets the rest. */
static void test_shared_bandwidth(void)
{
	static struct csa_timeline tl;

	/* both streaming at the full bandwidth: no overlap at all */
	csa_timeline_reset(&tl);
	put(&tl, CSA_QUEUE_VECTOR, 0, 0, 1000, 1000);
	CU_ASSERT_EQUAL(put(&tl, CSA_QUEUE_ATTN, CSA_DEP_EXPLICIT, 1, 1000, 1000), 2000);

	/* at half the bandwidth each: perfect overlap */
	csa_timeline_reset(&tl);
	put(&tl, CSA_QUEUE_VECTOR, 0, 0, 1000, 500);
	CU_ASSERT_EQUAL(put(&tl, CSA_QUEUE_ATTN, CSA_DEP_EXPLICIT, 1, 1000, 500), 1000);

	/* at 3/4 each: the second gets 1/4 while the first runs, so a third
	 * of its pace (333 1/3 cycles of its work in 1000), then all of it:
	 * 1000 + 666 2/3, rounded up */
	csa_timeline_reset(&tl);
	put(&tl, CSA_QUEUE_VECTOR, 0, 0, 1000, 750);
	CU_ASSERT_EQUAL(put(&tl, CSA_QUEUE_ATTN, CSA_DEP_EXPLICIT, 1, 1000, 750), 1667);
	/* more than the bytes at full bandwidth (1500), less than in turn */
	CU_ASSERT_TRUE(csa_timeline_job_cycles(&tl) > 1500);
	CU_ASSERT_TRUE(csa_timeline_job_cycles(&tl) < 2000);

	/* a memory-free command beside a memory-bound one: no slowdown */
	csa_timeline_reset(&tl);
	put(&tl, CSA_QUEUE_VECTOR, 0, 0, 1000, 1000);
	CU_ASSERT_EQUAL(put(&tl, CSA_QUEUE_ATTN, CSA_DEP_EXPLICIT, 1, 900, 0), 900);

	/* the younger command starting halfway through the older one */
	csa_timeline_reset(&tl);
	put(&tl, CSA_QUEUE_VECTOR, 0, 0, 500, 0);			/* 0..500 */
	put(&tl, CSA_QUEUE_ATTN, CSA_DEP_EXPLICIT, 1, 1000, 1000);	/* 0..1000 */
	/* waits for the first: starts at 500, no bandwidth until 1000 */
	CU_ASSERT_EQUAL(put(&tl, CSA_QUEUE_VECTOR, CSA_DEP_EXPLICIT, 2, 400, 400), 1400);
}

/* Many commands on one queue beside one long one on the other: the
 * profile stays bounded and the result is the exact one while it fits. */
static void test_profile_bounded(void)
{
	static struct csa_timeline tl;
	uint64_t end = 0;
	uint32_t i;

	csa_timeline_reset(&tl);
	put(&tl, CSA_QUEUE_ATTN, 0, 0, 1000000, 500000);	/* half the memory */
	for (i = 1; i <= 1000; i++)
		end = put(&tl, CSA_QUEUE_VECTOR, CSA_DEP_EXPLICIT, i, 100, 50);
	CU_ASSERT_EQUAL(end, 100000);	/* the other half: full pace */
	CU_ASSERT_TRUE(tl.npoints <= CSA_TL_POINTS);
	CU_ASSERT_EQUAL(csa_timeline_job_cycles(&tl), 1000000);
}

/* ---- the device: CQE cycles follow the timeline ----------------------- */

#define KV_HD		8u
#define KV_SEQ		32u
#define COPY_BYTES	(256u * 1024u)

static struct csa_desc d_copy_big(uint32_t tag)
{
	return d_copy(tag, COPY_BYTES, 0, 1 * MiB, 0);
}

/* KV_APPEND of one head at pos 3: k, v at 2 MiB, the cache at 3 MiB. */
static struct csa_desc d_kv_append(uint32_t tag, uint16_t dep, int last)
{
	struct csa_desc d;

	memset(&d, 0, sizeof(d));
	d.opcode = CSA_OP_KV_APPEND;
	d.flags = last ? CSA_DESC_F_LAST : 0;
	d.dep = dep;
	d.tag = tag;
	d.arg[0] = 1;
	d.arg[1] = KV_HD;
	d.arg[2] = 3;
	d.arg[3] = KV_SEQ;
	d.addr[0] = 2 * MiB;
	d.addr[1] = 2 * MiB + 4 * KV_HD;
	d.addr[2] = 3 * MiB;
	return d;
}

static uint64_t run_pair(uint16_t dep, uint8_t *devmem_after)
{
	struct tdev *t = tdev_open(4 * MiB, 1 * MiB);
	struct csa_desc a, b;
	struct csa_cqe e;
	uint32_t i;

	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT_FATAL(tdev_setup(t, 16, 16) == 0);
	for (i = 0; i < 4 * MiB; i++)
		t->devmem[i] = (uint8_t)(i * 7 + (i >> 12));
	a = d_copy_big(1);
	b = d_kv_append(1, dep, 1);
	sq_put(t, &a);
	sq_put(t, &b);
	sq_ring(t);
	CU_ASSERT_EQUAL(run(t), 2);
	CU_ASSERT_FATAL(cq_pop(t, &e) == 1);
	CU_ASSERT_EQUAL(e.status, CSA_STATUS_OK);
	memcpy(devmem_after, t->devmem, 4 * MiB);
	tdev_close(t);
	return e.cycles;
}

static void test_device_overlaps(void)
{
	struct csa_cycle_params p, zero = { 0 };
	struct csa_cmd_cost ca, cb;
	struct csa_desc a = d_copy_big(0), b = d_kv_append(0, 0, 0);
	uint8_t *in_order = malloc(4 * MiB), *overlapped = malloc(4 * MiB);
	uint64_t serial, both;

	CU_ASSERT_FATAL(in_order && overlapped);
	csa_cycle_params_resolve(&zero, &p);
	csa_cycles_cmd(&p, &a, &ca);
	csa_cycles_cmd(&p, &b, &cb);
	serial = run_pair(0, in_order);
	both = run_pair(CSA_DEP_EXPLICIT, overlapped);
	CU_ASSERT_EQUAL(serial, ca.cycles + cb.cycles);
	CU_ASSERT_TRUE(both < serial);
	CU_ASSERT_TRUE(both >= ca.cycles && both >= cb.cycles);
	CU_ASSERT_EQUAL(memcmp(in_order, overlapped, 4 * MiB), 0);
	free(in_order);
	free(overlapped);
}

/* A dependency before the job's first descriptor: BAD_ARG, and the
 * rest of the job is skipped; inside the job it runs. */
static void test_device_dep_out_of_job(void)
{
	struct tdev *t = tdev_open(4 * MiB, 1 * MiB);
	struct csa_desc d[4];
	struct csa_cqe e;

	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT_FATAL(tdev_setup(t, 16, 16) == 0);
	d[0] = d_nop(1, 1);
	d[1] = d_nop(2, 0);			/* job 2: index 0 */
	d[1].dep = CSA_DEP_EXPLICIT | 1;	/* reaches into job 1 */
	d[2] = d_nop(2, 1);
	d[3] = d_kv_append(3, CSA_DEP_EXPLICIT | 0x400, 1);	/* reserved bit */
	for (int i = 0; i < 4; i++)
		sq_put(t, &d[i]);
	sq_ring(t);
	CU_ASSERT_EQUAL(run(t), 4);
	CU_ASSERT_FATAL(cq_pop(t, &e) == 1);
	CU_ASSERT_EQUAL(e.tag, 1);
	CU_ASSERT_EQUAL(e.status, CSA_STATUS_OK);
	CU_ASSERT_FATAL(cq_pop(t, &e) == 1);
	CU_ASSERT_EQUAL(e.tag, 2);
	CU_ASSERT_EQUAL(e.status, CSA_STATUS_BAD_ARG);
	CU_ASSERT_EQUAL(e.index, 0);
	CU_ASSERT_FATAL(cq_pop(t, &e) == 1);
	CU_ASSERT_EQUAL(e.tag, 3);
	CU_ASSERT_EQUAL(e.status, CSA_STATUS_RESERVED);

	/* one back from index 1 is inside the job */
	d[0] = d_nop(4, 0);
	d[1] = d_nop(4, 1);
	d[1].dep = CSA_DEP_EXPLICIT | 1;
	sq_put(t, &d[0]);
	sq_put(t, &d[1]);
	sq_ring(t);
	CU_ASSERT_EQUAL(run(t), 2);
	CU_ASSERT_FATAL(cq_pop(t, &e) == 1);
	CU_ASSERT_EQUAL(e.tag, 4);
	CU_ASSERT_EQUAL(e.status, CSA_STATUS_OK);
	CU_ASSERT_EQUAL(e.cycles, 2 * CSA_CYCLES_ISSUE);
	tdev_close(t);
}

/* The stepwise interface (QEMU's): csa_hw_place gives the end the
 * completion then reports, and placing twice changes nothing. */
static void test_place_before_complete(void)
{
	struct tdev *t = tdev_open(4 * MiB, 1 * MiB);
	struct csa_desc a = d_copy_big(5), b = d_kv_append(5, CSA_DEP_EXPLICIT, 1);
	struct csa_hw_cmd c;
	struct csa_cqe e;
	uint64_t end_a, end_b;

	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT_FATAL(tdev_setup(t, 16, 16) == 0);
	sq_put(t, &a);
	sq_put(t, &b);
	sq_ring(t);
	CU_ASSERT_FATAL(csa_hw_fetch(t->hw, &c) == 1);
	csa_hw_execute(t->hw, &c);
	end_a = csa_hw_place(t->hw, &c);
	CU_ASSERT_EQUAL(csa_hw_place(t->hw, &c), end_a);
	CU_ASSERT_EQUAL(c.start, 0);
	CU_ASSERT_TRUE(csa_hw_complete(t->hw, &c));
	CU_ASSERT_FATAL(csa_hw_fetch(t->hw, &c) == 1);
	csa_hw_execute(t->hw, &c);
	end_b = csa_hw_place(t->hw, &c);
	CU_ASSERT_EQUAL(c.start, 0);		/* beside the copy */
	CU_ASSERT_TRUE(end_b < end_a);
	CU_ASSERT_TRUE(csa_hw_complete(t->hw, &c));
	CU_ASSERT_FATAL(cq_pop(t, &e) == 1);
	CU_ASSERT_EQUAL(e.cycles, end_a);
	CU_ASSERT_EQUAL(t->hw->tl.last_end, end_a);
	tdev_close(t);
}

int main(void)
{
	static const struct cunit_test tests[] = {
		{ "queue of each opcode", test_queues_of_opcodes },
		{ "independent overlap, dependent serialize",
		  test_independent_overlap_dependent_serialize },
		{ "jobs do not overlap", test_job_boundary },
		{ "shared memory bandwidth", test_shared_bandwidth },
		{ "bandwidth profile stays bounded", test_profile_bounded },
		{ "device: overlapped job, same memory", test_device_overlaps },
		{ "device: dependency outside its job", test_device_dep_out_of_job },
		{ "device: place before complete", test_place_before_complete },
	};

	return cunit_run_suite("timeline", tests, sizeof(tests) / sizeof(tests[0]));
}
