// SPDX-License-Identifier: MIT
/*
 * test_qemu_fuzz.c - the QEMU CSA device from inside a guest, no driver
 * bound (run it before csa.ko is loaded, as root):
 *   identity    registers, access widths, the BAR2 window
 *   rings       known-answer jobs through real DMA: FENCE, NOP, DMA H2D/D2H
 *               over a scattered SG list, the ADD engine through BAR2
 *   errors      malformed ring setup, doorbells, descriptors, unmapped bus
 *               addresses: each reported as the spec says, nothing crashes
 *   fuzz        random descriptors, SG tables and register pokes, with a
 *               health check (reset, FENCE, DMA round trip, untouched
 *               canary pages) every few rounds
 * CSA_FUZZ_ITERS (default 400) and CSA_FUZZ_SEED bound and fix the fuzz.
 * CSA_FAULTS=1 runs only the fault-injection test instead (see there).
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csa/csa_device.h"
#include "drm/csa_accel.h"
#include "tests/qemu-fuzz/raw_pci.h"
#include "tests/qemu-fuzz/raw_ring.h"

#define PAGE		4096u
#define N_DATA		8u	/* pages the device may DMA to and from */
#define N_CANARY	4u	/* pages the device is never told about */
#define CANARY_BYTE	0xa5
#define TIMEOUT_MS	5000
/* Bus addresses nothing decodes (beyond the guest's RAM and PCI holes). */
#define UNMAPPED_BUS	0x00f0000000000000ull

enum { PG_SQ, PG_CQ, PG_SG, PG_DATA, PG_CANARY = PG_DATA + N_DATA,
       PG_COUNT = PG_CANARY + N_CANARY };

static struct raw_dev dev;
static struct dma_page pages[PG_COUNT];
static struct raw_ring ring;
static uint64_t devmem_size;

/* ---- helpers ---------------------------------------------------------- */

static int suite_init(void)
{
	const char *why = "";
	int ret = raw_dev_open(&dev, &why);

	if (ret) {
		fprintf(stderr, "test-qemu-fuzz: %s (%s)\n", why, strerror(-ret));
		return 1;
	}
	ret = dma_pages_alloc(pages, PG_COUNT);
	if (ret) {
		fprintf(stderr, "test-qemu-fuzz: no DMA pages (%s; root?)\n",
			strerror(-ret));
		return 1;
	}
	for (unsigned int i = 0; i < N_CANARY; i++)
		memset(pages[PG_CANARY + i].va, CANARY_BYTE, PAGE);
	devmem_size = raw_rd(&dev, CSA_REG_DEVMEM_LO) |
		      (uint64_t)raw_rd(&dev, CSA_REG_DEVMEM_HI) << 32;
	return 0;
}

static int suite_clean(void)
{
	raw_soft_reset(&dev);
	dma_pages_free(pages, PG_COUNT);
	raw_dev_close(&dev);
	return 0;
}

static int start(void)
{
	return ring_start(&ring, &dev, pages[PG_SQ], pages[PG_CQ]);
}

static struct csa_desc desc(uint8_t op, uint8_t flags, uint32_t tag)
{
	struct csa_desc d;

	memset(&d, 0, sizeof(d));
	d.opcode = op;
	d.flags = flags;
	d.tag = tag;
	return d;
}

static uint32_t f32_bits(float f)
{
	uint32_t u;

	memcpy(&u, &f, 4);
	return u;
}

/* An SG table at the start of the SG page covering @len bytes: one
 * segment per data page, each starting at an odd offset so segments
 * are neither page- nor word-aligned in host memory. */
static uint32_t build_sg(unsigned int first_page, uint32_t len)
{
	struct csa_sg_entry *sg = (struct csa_sg_entry *)pages[PG_SG].va;
	uint32_t n = 0;

	while (len) {
		uint32_t off = 3 + n, seg = PAGE - off;

		if (seg > len)
			seg = len;
		sg[n].addr = pages[first_page + n].bus + off;
		sg[n].len = seg;
		sg[n].rsvd = 0;
		len -= seg;
		n++;
	}
	return n;
}

static uint8_t *sg_byte(unsigned int first_page, uint32_t i)
{
	uint32_t n = 0;

	while (i >= PAGE - 3 - n) {
		i -= PAGE - 3 - n;
		n++;
	}
	return pages[first_page + n].va + 3 + n + i;
}

static struct csa_desc dma_desc(uint8_t op, uint32_t bytes, uint32_t n_sg,
				uint64_t dev_addr, uint32_t tag)
{
	struct csa_desc d = desc(op, CSA_DESC_F_LAST, tag);

	d.arg[0] = bytes;
	d.arg[1] = n_sg;
	d.addr[0] = pages[PG_SG].bus;
	d.addr[1] = dev_addr;
	return d;
}

static int canaries_intact(void)
{
	for (unsigned int p = 0; p < N_CANARY; p++)
		for (unsigned int i = 0; i < PAGE; i++)
			if (pages[PG_CANARY + p].va[i] != CANARY_BYTE)
				return 0;
	return 1;
}

/* FENCE with F_LAST: a fence entry with the cookie, then the job's own. */
static int fence_works(uint64_t cookie, uint32_t tag)
{
	struct csa_desc d = desc(CSA_OP_FENCE, CSA_DESC_F_LAST, tag);
	struct csa_cqe e[2];

	d.arg[0] = (uint32_t)cookie;
	d.arg[1] = (uint32_t)(cookie >> 32);
	if (ring_run(&ring, &d, 1, e, 2, TIMEOUT_MS) != 2)
		return 0;
	return e[0].tag == tag && e[0].status == CSA_STATUS_OK &&
	       (e[0].flags & CSA_CQE_F_FENCE) && e[0].cookie == cookie &&
	       e[1].tag == tag && e[1].status == CSA_STATUS_OK &&
	       !(e[1].flags & CSA_CQE_F_FENCE) && e[1].cookie == 0;
}

/* @len bytes host -> devmem @at -> host (other pages), compared. */
static int dma_round_trip(uint64_t at, uint32_t len, uint32_t seed)
{
	struct csa_desc d;
	struct csa_cqe e;
	uint32_t n;

	n = build_sg(PG_DATA, len);
	for (uint32_t i = 0; i < len; i++)
		*sg_byte(PG_DATA, i) = (uint8_t)(i * 7 + seed);
	d = dma_desc(CSA_OP_DMA_H2D, len, n, at, 0x100);
	if (ring_run(&ring, &d, 1, &e, 1, TIMEOUT_MS) != 1 ||
	    e.status != CSA_STATUS_OK)
		return 0;
	n = build_sg(PG_DATA + N_DATA / 2, len);
	for (uint32_t i = 0; i < len; i++)
		*sg_byte(PG_DATA + N_DATA / 2, i) = 0;
	d = dma_desc(CSA_OP_DMA_D2H, len, n, at, 0x101);
	if (ring_run(&ring, &d, 1, &e, 1, TIMEOUT_MS) != 1 ||
	    e.status != CSA_STATUS_OK)
		return 0;
	for (uint32_t i = 0; i < len; i++)
		if (*sg_byte(PG_DATA + N_DATA / 2, i) != (uint8_t)(i * 7 + seed))
			return 0;
	if (dev.devmem && at + len <= dev.devmem_len)
		for (uint32_t i = 0; i < len; i++)
			if (dev.devmem[at + i] != (uint8_t)(i * 7 + seed))
				return 0;
	return 1;
}

/* ---- identity --------------------------------------------------------- */

static void test_identity(void)
{
	uint32_t caps = raw_rd(&dev, CSA_REG_CAPS);

	CU_ASSERT_EQUAL(raw_rd(&dev, CSA_REG_MAGIC), CSA_MAGIC);
	CU_ASSERT_EQUAL(raw_rd(&dev, CSA_REG_VERSION), CSA_VERSION);
	CU_ASSERT_EQUAL(devmem_size, 256ull << 20); /* the devmem default */
	CU_ASSERT_EQUAL(raw_rd(&dev, CSA_REG_IRQ_MASK), 0x3u);
	CU_ASSERT_EQUAL(raw_rd(&dev, CSA_REG_STATUS) & CSA_STS_READY, 0u);
	CU_ASSERT_NOT_EQUAL(raw_rd(&dev, CSA_REG_CLOCK_KHZ), 0u);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dev.devmem);
	CU_ASSERT_EQUAL(dev.devmem_len, devmem_size);
	CU_ASSERT_TRUE(caps & CSA_CAP_DEVMEM_BAR);
	CU_ASSERT_TRUE(caps & CSA_CAP_DMA);
}

static void test_scratch_and_widths(void)
{
	volatile uint8_t *b = (volatile uint8_t *)dev.regs;
	volatile uint16_t *h = (volatile uint16_t *)dev.regs;

	raw_wr(&dev, CSA_REG_SCRATCH, 0x12345678u);
	CU_ASSERT_EQUAL(raw_rd(&dev, CSA_REG_SCRATCH), 0x12345678u);
	raw_wr(&dev, CSA_REG_SCRATCH, 0xdeadbeefu);
	CU_ASSERT_EQUAL(raw_rd(&dev, CSA_REG_SCRATCH), 0xdeadbeefu);
	/* Only aligned 32-bit accesses exist: others read 0, writes vanish. */
	CU_ASSERT_EQUAL(b[CSA_REG_MAGIC], 0);
	CU_ASSERT_EQUAL(h[CSA_REG_MAGIC / 2], 0);
	b[CSA_REG_SCRATCH] = 0x11;
	h[CSA_REG_SCRATCH / 2 + 1] = 0x2222;
	CU_ASSERT_EQUAL(raw_rd(&dev, CSA_REG_SCRATCH), 0xdeadbeefu);
	/* Unlisted offsets read 0. */
	CU_ASSERT_EQUAL(raw_rd(&dev, 0xffc), 0u);
}

/* ---- rings ------------------------------------------------------------ */

static void test_fence_and_nop(void)
{
	struct csa_desc d[3];
	struct csa_cqe e;

	CU_ASSERT_EQUAL_FATAL(start(), 0);
	CU_ASSERT_TRUE(fence_works(0x0123456789abcdefull, 7));
	/* A job of NOPs posts one entry, for its F_LAST descriptor. */
	d[0] = desc(CSA_OP_NOP, 0, 9);
	d[1] = desc(CSA_OP_NOP, 0, 9);
	d[2] = desc(CSA_OP_NOP, CSA_DESC_F_LAST, 9);
	CU_ASSERT_EQUAL_FATAL(ring_run(&ring, d, 3, &e, 1, TIMEOUT_MS), 1);
	CU_ASSERT_EQUAL(e.tag, 9u);
	CU_ASSERT_EQUAL(e.status, CSA_STATUS_OK);
	CU_ASSERT_EQUAL(e.index, 2u);
	CU_ASSERT_EQUAL(e.sq_head, raw_rd(&dev, CSA_REG_SQ_HEAD));
	CU_ASSERT_EQUAL(e.cycles, 3 * 16u); /* issue cost each */
	CU_ASSERT_EQUAL(ring_wait_idle(&ring, TIMEOUT_MS), 0);
}

static void test_ring_wraps(void)
{
	CU_ASSERT_EQUAL_FATAL(start(), 0);
	/* Three laps of the CQ: the phase bit must flip each time. */
	for (uint32_t i = 0; i < RAW_CQ_SIZE * 3 / 2; i++)
		if (!fence_works(i * 0x100000001ull, i)) {
			CU_FAIL("FENCE failed while wrapping");
			return;
		}
	CU_ASSERT_EQUAL(raw_rd(&dev, CSA_REG_PERF_COMMANDS),
			RAW_CQ_SIZE * 3 / 2);
}

static void test_dma_scattered(void)
{
	CU_ASSERT_EQUAL_FATAL(start(), 0);
	/* Three segments, none aligned, into the middle and the very end of
	 * device memory; checked through D2H and through BAR2. */
	CU_ASSERT_TRUE(dma_round_trip(4096 * 5, 3 * PAGE - 64, 1));
	CU_ASSERT_TRUE(dma_round_trip(devmem_size - 2 * PAGE, 2 * PAGE, 2));
	CU_ASSERT_TRUE(canaries_intact());
	CU_ASSERT_EQUAL(raw_rd(&dev, CSA_REG_PERF_DMA_BYTES),
			2 * (3 * PAGE - 64) + 2 * 2 * PAGE);
}

static void test_add_through_bar2(void)
{
	const uint32_t n = 64, a = 0x10000, b = 0x20000, y = 0x30000;
	float *fa = (float *)(dev.devmem + a), *fb = (float *)(dev.devmem + b);
	float *fy = (float *)(dev.devmem + y);
	struct csa_desc d = desc(CSA_OP_ADD, CSA_DESC_F_LAST, 0x42);
	struct csa_cqe e;

	CU_ASSERT_EQUAL_FATAL(start(), 0);
	for (uint32_t i = 0; i < n; i++) {
		fa[i] = (float)i * 0.5f;
		fb[i] = 1000.0f - (float)i;
		fy[i] = -1.0f;
	}
	d.arg[0] = n;
	d.addr[0] = a;
	d.addr[1] = b;
	d.addr[2] = y;
	CU_ASSERT_EQUAL_FATAL(ring_run(&ring, &d, 1, &e, 1, TIMEOUT_MS), 1);
	CU_ASSERT_EQUAL(e.status, CSA_STATUS_OK);
	for (uint32_t i = 0; i < n; i++)
		if (f32_bits(fy[i]) != f32_bits((float)i * 0.5f +
						 (1000.0f - (float)i))) {
			CU_FAIL("ADD result differs");
			break;
		}
}

/* ---- errors ----------------------------------------------------------- */

static void test_bad_ring_setup(void)
{
	uint32_t info;

	CU_ASSERT_EQUAL_FATAL(raw_soft_reset(&dev), 0);
	raw_wr(&dev, CSA_REG_SQ_BASE_LO, (uint32_t)pages[PG_SQ].bus);
	raw_wr(&dev, CSA_REG_SQ_BASE_HI, (uint32_t)(pages[PG_SQ].bus >> 32));
	raw_wr(&dev, CSA_REG_SQ_SIZE, 12); /* not a power of two */
	raw_wr(&dev, CSA_REG_CQ_BASE_LO, (uint32_t)pages[PG_CQ].bus);
	raw_wr(&dev, CSA_REG_CQ_SIZE, 16);
	raw_wr(&dev, CSA_REG_CONTROL, CSA_CTRL_ENABLE);
	CU_ASSERT_EQUAL(raw_rd(&dev, CSA_REG_STATUS) &
			(CSA_STS_READY | CSA_STS_HALTED), CSA_STS_HALTED);
	CU_ASSERT_EQUAL(raw_rd(&dev, CSA_REG_ERROR_STATUS),
			CSA_ERR_RING_SETUP);
	info = raw_rd(&dev, CSA_REG_ERROR_INFO);
	CU_ASSERT_EQUAL(info & 0xff, CSA_ERR_RING_SETUP);
	CU_ASSERT_EQUAL((info >> 8) & 0xff, 1u); /* the SQ size check */
	/* Halted: doorbells do nothing; only a reset recovers. */
	raw_wr(&dev, CSA_REG_SQ_TAIL, 1);
	CU_ASSERT_EQUAL(raw_rd(&dev, CSA_REG_SQ_HEAD), 0u);
	CU_ASSERT_EQUAL_FATAL(start(), 0);
	CU_ASSERT_TRUE(fence_works(5, 5));
	CU_ASSERT_EQUAL(raw_rd(&dev, CSA_REG_PERF_RESETS) > 0, 1);
}

static void test_doorbell_out_of_range(void)
{
	CU_ASSERT_EQUAL_FATAL(start(), 0);
	raw_wr(&dev, CSA_REG_SQ_TAIL, RAW_SQ_SIZE + 3);
	CU_ASSERT_EQUAL(raw_rd(&dev, CSA_REG_ERROR_STATUS), CSA_ERR_DOORBELL);
	CU_ASSERT_EQUAL(raw_rd(&dev, CSA_REG_ERROR_INFO),
			CSA_ERR_DOORBELL | (RAW_SQ_SIZE + 3) << 16);
	CU_ASSERT_EQUAL(raw_rd(&dev, CSA_REG_STATUS) & CSA_STS_READY,
			CSA_STS_READY);
	raw_wr(&dev, CSA_REG_ERROR_STATUS, CSA_ERR_DOORBELL);
	CU_ASSERT_EQUAL(raw_rd(&dev, CSA_REG_ERROR_STATUS), 0u);
	CU_ASSERT_TRUE(fence_works(6, 6)); /* not fatal */
}

static void test_sq_unmapped(void)
{
	uint64_t bad = UNMAPPED_BUS;

	CU_ASSERT_EQUAL_FATAL(raw_soft_reset(&dev), 0);
	raw_wr(&dev, CSA_REG_SQ_BASE_LO, (uint32_t)bad);
	raw_wr(&dev, CSA_REG_SQ_BASE_HI, (uint32_t)(bad >> 32));
	raw_wr(&dev, CSA_REG_SQ_SIZE, 16);
	raw_wr(&dev, CSA_REG_CQ_BASE_LO, (uint32_t)pages[PG_CQ].bus);
	raw_wr(&dev, CSA_REG_CQ_BASE_HI, (uint32_t)(pages[PG_CQ].bus >> 32));
	raw_wr(&dev, CSA_REG_CQ_SIZE, 16);
	raw_wr(&dev, CSA_REG_CONTROL, CSA_CTRL_ENABLE);
	CU_ASSERT_EQUAL_FATAL(raw_rd(&dev, CSA_REG_STATUS) & CSA_STS_READY,
			      CSA_STS_READY);
	ring.dev = &dev;
	ring.sq_tail = 1;
	raw_wr(&dev, CSA_REG_SQ_TAIL, 1);
	/* The fetch happens after the doorbell returns. */
	CU_ASSERT_EQUAL(ring_wait_idle(&ring, TIMEOUT_MS), -EIO);
	CU_ASSERT_EQUAL(raw_rd(&dev, CSA_REG_STATUS) & CSA_STS_HALTED,
			CSA_STS_HALTED);
	CU_ASSERT_EQUAL(raw_rd(&dev, CSA_REG_ERROR_STATUS), CSA_ERR_SQ_FETCH);
	CU_ASSERT_EQUAL(raw_rd(&dev, CSA_REG_SQ_HEAD), 0u);
	CU_ASSERT_EQUAL_FATAL(start(), 0);
	CU_ASSERT_TRUE(fence_works(8, 8));
}

static void test_bad_descriptors(void)
{
	struct csa_desc d[4];
	struct csa_cqe e[4];
	struct csa_sg_entry *sg = (struct csa_sg_entry *)pages[PG_SG].va;

	CU_ASSERT_EQUAL_FATAL(start(), 0);
	/* An unknown opcode fails the job; its other descriptors are
	 * skipped, the next job runs. */
	d[0] = desc(0x7f, 0, 1);
	d[1] = desc(CSA_OP_NOP, CSA_DESC_F_LAST, 1);
	d[2] = desc(CSA_OP_NOP, CSA_DESC_F_LAST, 2);
	CU_ASSERT_EQUAL_FATAL(ring_run(&ring, d, 3, e, 2, TIMEOUT_MS), 2);
	CU_ASSERT_EQUAL(e[0].tag, 1u);
	CU_ASSERT_EQUAL(e[0].status, CSA_STATUS_BAD_OPCODE);
	CU_ASSERT_EQUAL(e[0].index, 0u);
	CU_ASSERT_EQUAL(e[1].tag, 2u);
	CU_ASSERT_EQUAL(e[1].status, CSA_STATUS_OK);
	CU_ASSERT_EQUAL(raw_rd(&dev, CSA_REG_ERROR_STATUS), CSA_ERR_CMD);
	CU_ASSERT_EQUAL(raw_rd(&dev, CSA_REG_ERROR_INFO) & 0xffff,
			CSA_ERR_CMD | CSA_STATUS_BAD_OPCODE << 8);

	/* DMA: device range past the end, an SG entry at an unmapped bus
	 * address, a reserved field. */
	d[0] = dma_desc(CSA_OP_DMA_H2D, 64, build_sg(PG_DATA, 64),
			devmem_size - 32, 3);
	d[1] = dma_desc(CSA_OP_DMA_D2H, 64, 1, 0, 4);
	d[2] = dma_desc(CSA_OP_DMA_H2D, 64, 1, 0, 5);
	d[2].rsvd1[3] = 1;
	/* Wait for the entry itself: the device consumes a descriptor
	 * (SQ_HEAD moves) before it posts its entry. */
	CU_ASSERT_EQUAL_FATAL(ring_run(&ring, d, 1, e, 1, TIMEOUT_MS), 1);
	CU_ASSERT_EQUAL(e[0].status, CSA_STATUS_ADDR_RANGE);
	sg[0].addr = UNMAPPED_BUS;
	sg[0].len = 64;
	sg[0].rsvd = 0;
	CU_ASSERT_EQUAL_FATAL(ring_run(&ring, &d[1], 2, e, 2, TIMEOUT_MS), 2);
	CU_ASSERT_EQUAL(e[0].status, CSA_STATUS_DMA_FAULT);
	CU_ASSERT_EQUAL(e[1].status, CSA_STATUS_RESERVED);
	CU_ASSERT_TRUE(canaries_intact());
	CU_ASSERT_TRUE(fence_works(9, 9));
}

/* ---- fuzz ------------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static uint32_t rnd_below(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

static uint32_t fuzz_arg(unsigned int slot)
{
	static const uint32_t edge[] = { 0, 1, 2, 3, 4, 7, 8, 16, 64, 4096,
					 65535, 65536, 65537, 1u << 24,
					 (1u << 24) + 1, 1u << 30,
					 (1u << 30) + 4, 0x7fffffffu,
					 0x80000000u, 0xffffffffu };

	if (slot >= 6 && rnd_below(4))
		return 0;
	switch (rnd_below(5)) {
	case 0:
		return edge[rnd_below(sizeof(edge) / sizeof(edge[0]))];
	case 1:
		return rnd_below(64);
	case 2:
		return 4 * rnd_below(1024);
	case 3:
		return f32_bits((float)rnd_below(2000) / 1000.0f);
	default:
		return (uint32_t)rnd();
	}
}

static uint64_t fuzz_devaddr(void)
{
	switch (rnd_below(6)) {
	case 0:
		return 0;
	case 1:
		return devmem_size - 4 * rnd_below(64);
	case 2:
		return rnd() & ~3ull;
	case 3:
		return (rnd() % devmem_size) | rnd_below(4);
	default:
		/* mostly inside, small offsets: operands that may overlap */
		return 4 * (uint64_t)rnd_below(1 << 16);
	}
}

/* Host segments only in our data pages or where nothing decodes: the
 * device must never be pointed at guest memory we do not own. */
static uint64_t fuzz_busaddr(uint32_t *len)
{
	unsigned int p = rnd_below(N_DATA);
	uint32_t off = rnd_below(PAGE);

	switch (rnd_below(8)) {
	case 0:
		*len = rnd_below(3) ? 1 + rnd_below(PAGE) : (uint32_t)rnd();
		return UNMAPPED_BUS + (rnd() & 0xffffffffull);
	case 1:
		*len = rnd_below(2) ? 0 : 16;
		return ~0ull - rnd_below(64); /* wraps */
	default:
		*len = rnd_below(8) ? 1 + rnd_below(PAGE - off) : 0;
		return pages[PG_DATA + p].bus + off;
	}
}

static void fuzz_sg_table(void)
{
	struct csa_sg_entry *sg = (struct csa_sg_entry *)pages[PG_SG].va;

	for (unsigned int i = 0; i < PAGE / sizeof(*sg); i++) {
		sg[i].addr = fuzz_busaddr(&sg[i].len);
		sg[i].rsvd = rnd_below(20) ? 0 : (uint32_t)rnd();
	}
}

/* Argument and address slots each opcode uses (csa_device.h). */
static const struct { uint8_t args, addrs, flags; } slots[CSA_OP_COUNT] = {
	[CSA_OP_NOP] = { 0, 0, 0 },
	[CSA_OP_FENCE] = { 2, 0, 0 },
	[CSA_OP_DMA_H2D] = { 2, 2, 0 },
	[CSA_OP_DMA_D2H] = { 2, 2, 0 },
	[CSA_OP_COPY] = { 1, 2, 0 },
	[CSA_OP_EMBED] = { 3, 3, CSA_CMD_F_IDX_MEM },
	[CSA_OP_RMSNORM] = { 2, 3, 0 },
	[CSA_OP_MATVEC_F32] = { 2, 3, 0 },
	[CSA_OP_MATVEC_BCQ] = { 4, 4, CSA_CMD_F_POW2 | CSA_CMD_F_SCALE16 },
	[CSA_OP_ROPE] = { 4, 2, 0 },
	[CSA_OP_KV_APPEND] = { 4, 3, CSA_CMD_F_KV_F16 },
	[CSA_OP_ATTENTION] = { 6, 4, CSA_CMD_F_CONSMAX | CSA_CMD_F_CONSMAX_NORM |
			       CSA_CMD_F_KV_F16 },
	[CSA_OP_SILU_MUL] = { 1, 3, 0 },
	[CSA_OP_ADD] = { 1, 3, 0 },
	[CSA_OP_ARGMAX] = { 1, 2, 0 },
	[CSA_OP_SOFTMAX] = { 1, 3, CSA_CMD_F_CONSMAX },
	[CSA_OP_MATVEC_BCQ_BATCH] = { 5, 4, CSA_CMD_F_POW2 },
	[CSA_OP_KV_APPEND_BATCH] = { 5, 4, CSA_CMD_F_KV_F16 },
	[CSA_OP_ATTENTION_BATCH] = { 7, 5, CSA_CMD_F_CONSMAX | CSA_CMD_F_CONSMAX_NORM |
				     CSA_CMD_F_KV_F16 },
	[CSA_OP_MATVEC_F32_BATCH] = { 3, 3, 0 },
};

/* Operand regions of the near-valid descriptors: slot i in its own 4 MiB,
 * so operands do not overlap unless a mutation makes them. */
#define REGION		(4u << 20)
#define REGION_FILL	(1u << 20)

static void fill_regions(void)
{
	for (unsigned int r = 0; r < CSA_DESC_ADDRS; r++) {
		float *f = (float *)(dev.devmem + (uint64_t)r * REGION);

		for (unsigned int i = 0; i < REGION_FILL / 4; i++)
			f[i] = (float)((int)rnd_below(2001) - 1000) / 256.0f;
	}
	/* the tables of KV_APPEND_BATCH (slot 3) and ATTENTION_BATCH (slot
	 * 4): (slot, len) entries, mostly in range, some not */
	for (unsigned int r = 3; r <= 4; r++) {
		uint32_t *e = (uint32_t *)(dev.devmem + (uint64_t)r * REGION);

		for (unsigned int i = 0; i < 8192 / 4; i += 2) {
			e[i] = rnd_below(5);
			e[i + 1] = rnd_below(300);
		}
	}
}

/* Arguments of the right shape and modest size: these pass the checks
 * often enough that the engines really run. */
static void near_valid_args(struct csa_desc *d)
{
	uint32_t *a = d->arg, kv;

	switch (d->opcode) {
	case CSA_OP_FENCE:
		a[0] = (uint32_t)rnd();
		a[1] = (uint32_t)rnd();
		break;
	case CSA_OP_COPY:
		a[0] = 4 * (1 + rnd_below(4096));
		break;
	case CSA_OP_EMBED:
		a[0] = 1 + rnd_below(256);
		a[1] = 1 + rnd_below(256);
		a[2] = rnd_below(a[1] + 2);
		break;
	case CSA_OP_RMSNORM:
		a[0] = 1 + rnd_below(1024);
		a[1] = f32_bits(1e-5f);
		break;
	case CSA_OP_MATVEC_F32:
	case CSA_OP_MATVEC_F32_BATCH:
		a[0] = 1 + rnd_below(256);
		a[1] = 1 + rnd_below(256);
		if (d->opcode == CSA_OP_MATVEC_F32_BATCH)
			a[2] = 1 + rnd_below(4);
		break;
	case CSA_OP_MATVEC_BCQ:
	case CSA_OP_MATVEC_BCQ_BATCH:
		a[0] = 8 + rnd_below(512);
		a[1] = 1 + rnd_below(256);
		a[2] = 1 + rnd_below(4);
		a[3] = 8u << rnd_below(5);
		if (d->opcode == CSA_OP_MATVEC_BCQ_BATCH)
			a[4] = 1 + rnd_below(4);
		break;
	case CSA_OP_ROPE:
		a[0] = 1 + rnd_below(8);
		a[1] = 2 * (1 + rnd_below(32));
		a[2] = rnd_below(64);
		a[3] = 64;
		break;
	case CSA_OP_KV_APPEND:
		a[0] = 1 + rnd_below(4);
		a[1] = 1 + rnd_below(64);
		a[3] = 1 + rnd_below(256);
		a[2] = rnd_below(a[3]);
		break;
	case CSA_OP_ATTENTION:
		kv = 1 + rnd_below(4);
		a[0] = kv * (1 + rnd_below(2));
		a[1] = kv;
		a[2] = 1 + rnd_below(64);
		a[4] = 1 + rnd_below(256);
		a[3] = 1 + rnd_below(a[4]);
		a[5] = f32_bits(0.125f);
		break;
	case CSA_OP_KV_APPEND_BATCH:
		a[0] = 1 + rnd_below(4);
		a[1] = 1 + rnd_below(64);
		a[2] = 1 + rnd_below(8);
		a[3] = 1 + rnd_below(256);
		a[4] = 1 + rnd_below(4);
		break;
	case CSA_OP_ATTENTION_BATCH:
		kv = 1 + rnd_below(4);
		a[0] = kv * (1 + rnd_below(2));
		a[1] = kv;
		a[2] = 1 + rnd_below(64);
		a[3] = 1 + rnd_below(8);
		a[4] = 1 + rnd_below(256);
		a[5] = f32_bits(0.125f);
		a[6] = 1 + rnd_below(4);
		break;
	case CSA_OP_SILU_MUL:
	case CSA_OP_ADD:
	case CSA_OP_ARGMAX:
	case CSA_OP_SOFTMAX:
		a[0] = 1 + rnd_below(4096);
		break;
	default:
		break;
	}
}

static struct csa_desc fuzz_desc(uint32_t tag, int last)
{
	struct csa_desc d = desc(0, 0, tag);
	int near_valid = rnd_below(2);
	uint32_t r = rnd_below(100);
	unsigned int n_args = CSA_DESC_ARGS, n_addrs = CSA_DESC_ADDRS;

	if (r < 25)
		d.opcode = (uint8_t)(CSA_OP_DMA_H2D + rnd_below(2));
	else if (r < 97)
		d.opcode = (uint8_t)rnd_below(CSA_OP_COUNT);
	else
		d.opcode = (uint8_t)rnd();
	if (d.opcode < CSA_OP_COUNT && (near_valid || rnd_below(5))) {
		n_args = slots[d.opcode].args;
		n_addrs = slots[d.opcode].addrs;
		d.flags = (uint8_t)(slots[d.opcode].flags & rnd());
	} else {
		d.flags = (uint8_t)(rnd_below(4) ? rnd_below(8) : rnd());
		near_valid = 0;
	}
	d.flags &= (uint8_t)~CSA_DESC_F_LAST;
	if (last)
		d.flags |= CSA_DESC_F_LAST;
	if (near_valid) {
		near_valid_args(&d);
		for (unsigned int i = 0; i < n_addrs; i++)
			d.addr[i] = (uint64_t)i * REGION + 4 * rnd_below(1024);
	} else {
		for (unsigned int i = 0; i < n_args; i++)
			d.arg[i] = fuzz_arg(i);
		for (unsigned int i = 0; i < n_addrs; i++)
			d.addr[i] = fuzz_devaddr();
	}
	if (d.opcode == CSA_OP_DMA_H2D || d.opcode == CSA_OP_DMA_D2H) {
		uint32_t off = 8 * rnd_below(64), len;

		d.arg[0] = rnd_below(4) ? 4 * (1 + rnd_below(2 * PAGE)) :
					  fuzz_arg(0);
		d.arg[1] = rnd_below(4) ? 1 + rnd_below(40) : fuzz_arg(1);
		if (rnd_below(10)) {
			d.addr[0] = pages[PG_SG].bus + off;
		} else {
			d.addr[0] = fuzz_busaddr(&len);
			/* Our data pages hold device data: as an SG table
			 * they could point anywhere.  Only H2D (which
			 * only reads host memory) may use them. */
			if (d.opcode == CSA_OP_DMA_D2H &&
			    d.addr[0] < UNMAPPED_BUS)
				d.addr[0] = UNMAPPED_BUS + off;
		}
		/* A D2H table must not run past our SG page into memory
		 * whose contents we do not control. */
		if (d.opcode == CSA_OP_DMA_D2H && d.addr[0] < UNMAPPED_BUS &&
		    d.arg[1] > (PAGE - off) / 16)
			d.arg[1] = (PAGE - off) / 16;
	}
	/* Now and then one field of a sane descriptor goes bad. */
	if (!rnd_below(8)) {
		switch (rnd_below(5)) {
		case 0:
			d.arg[rnd_below(CSA_DESC_ARGS)] = fuzz_arg(0);
			break;
		case 1:
			d.addr[rnd_below(CSA_DESC_ADDRS)] = fuzz_devaddr();
			break;
		case 2:
			d.rsvd1[rnd_below(4)] = rnd();
			break;
		case 3:
			d.dep = (uint16_t)rnd();
			break;
		default:
			d.flags ^= (uint8_t)(1u << rnd_below(7));
			break;
		}
	}
	return d;
}

/* A register write the spec says the device must survive. */
static void fuzz_poke(void)
{
	static const uint32_t offs[] = {
		CSA_REG_SQ_TAIL, CSA_REG_CQ_HEAD, CSA_REG_IRQ_COALESCE,
		CSA_REG_SCRATCH, CSA_REG_ERROR_STATUS, CSA_REG_IRQ_STATUS,
		CSA_REG_MAGIC, CSA_REG_STATUS, CSA_REG_SQ_HEAD,
		CSA_REG_CQ_TAIL, CSA_REG_PERF_TOTAL, 0x054, 0x200, 0xffc,
	};
	uint32_t off = offs[rnd_below(sizeof(offs) / sizeof(offs[0]))];
	uint32_t val = (uint32_t)rnd();

	if (off == CSA_REG_SQ_TAIL || off == CSA_REG_CQ_HEAD)
		val = RAW_SQ_SIZE * 2 + rnd_below(1000); /* out of range */
	if (rnd_below(4) == 0)
		((volatile uint8_t *)dev.regs)[off + rnd_below(4)] =
			(uint8_t)val;
	else
		raw_wr(&dev, off, val);
}

struct fuzz_stats {
	unsigned int descs, entries, halts, restarts, status[CSA_STATUS_COUNT];
};

/* Every entry the device posts must be one the spec allows. */
static int check_entries(const struct csa_cqe *e, unsigned int n,
			 uint32_t tag_lo, uint32_t tag_hi,
			 struct fuzz_stats *st)
{
	for (unsigned int i = 0; i < n; i++) {
		if (e[i].tag < tag_lo || e[i].tag >= tag_hi ||
		    e[i].status >= CSA_STATUS_ABORTED ||
		    (e[i].flags & ~(CSA_CQE_F_PHASE | CSA_CQE_F_FENCE)) ||
		    ((e[i].flags & CSA_CQE_F_FENCE) &&
		     e[i].status != CSA_STATUS_OK)) {
			fprintf(stderr, "bad entry: tag %u status %u flags "
				"0x%x\n", e[i].tag, e[i].status, e[i].flags);
			return 0;
		}
		st->status[e[i].status]++;
	}
	st->entries += n;
	return 1;
}

static int health_check(unsigned int round)
{
	if (start()) {
		fprintf(stderr, "round %u: ring restart failed\n", round);
		return 0;
	}
	if (!fence_works(0xfeed0000ull + round, 0xffff0000u + round)) {
		fprintf(stderr, "round %u: FENCE failed after fuzzing\n", round);
		return 0;
	}
	if (!dma_round_trip(PAGE * rnd_below(1000), 2 * PAGE + 12, round)) {
		fprintf(stderr, "round %u: DMA round trip failed\n", round);
		return 0;
	}
	if (!canaries_intact()) {
		fprintf(stderr, "round %u: a canary page changed\n", round);
		return 0;
	}
	return 1;
}

static void test_fuzz(void)
{
	const char *it = getenv("CSA_FUZZ_ITERS");
	const char *sd = getenv("CSA_FUZZ_SEED");
	unsigned int iters = it ? (unsigned int)strtoul(it, NULL, 0) : 400;
	struct fuzz_stats st;
	struct csa_cqe e[RAW_CQ_SIZE];
	uint32_t tag = 1;

	memset(&st, 0, sizeof(st));
	rng_state = sd ? strtoull(sd, NULL, 0) : 0x5eed5eedc0ffeeull;
	if (!rng_state)
		rng_state = 1;
	printf("\nfuzz: %u rounds, seed 0x%llx\n", iters,
	       (unsigned long long)rng_state);
	CU_ASSERT_EQUAL_FATAL(start(), 0);
	if (dev.devmem)
		fill_regions();
	/* Tags the device may still complete: every job since the ring last
	 * (re)started.  A card in timing mode (docs/qemu.md) completes a job
	 * some time after fetching it, so an entry may arrive rounds later. */
	uint32_t tag_lo = tag;

	for (unsigned int round = 0; round < iters; round++) {
		struct csa_desc d[8];
		unsigned int n = 1 + rnd_below(8);
		int ret;

		fuzz_sg_table();
		for (unsigned int i = 0; i < n; i++) {
			int last = i == n - 1 ? rnd_below(10) != 0 :
						rnd_below(4) == 0;

			d[i] = fuzz_desc(tag, last);
			if (last)
				tag++;
		}
		tag++;
		if (ring_submit(&ring, d, n) == 0)
			st.descs += n;
		if (!rnd_below(8))
			fuzz_poke();
		ret = ring_wait_idle(&ring, TIMEOUT_MS);
		if (raw_rd(&dev, CSA_REG_MAGIC) != CSA_MAGIC) {
			CU_FAIL("device stopped answering");
			return;
		}
		if (!check_entries(e, ring_reap(&ring, e, RAW_CQ_SIZE),
				   tag_lo, tag, &st)) {
			CU_FAIL("device posted an entry the spec forbids");
			return;
		}
		if (ret == -ETIMEDOUT) {
			fprintf(stderr, "round %u: device stuck, STATUS 0x%x\n",
				round, raw_rd(&dev, CSA_REG_STATUS));
			CU_FAIL("device neither progressed nor halted");
			return;
		}
		if (ret == -EIO)
			st.halts++;
		/* Partial jobs and halts: start clean now and then. */
		if (ret == -EIO || !rnd_below(16)) {
			st.restarts++;
			if (start()) {
				CU_FAIL("ring restart failed");
				return;
			}
			tag_lo = tag;
		}
		if (round % 50 == 49) {
			if (!health_check(round)) {
				CU_FAIL("health check failed");
				return;
			}
			tag_lo = tag;
		}
	}
	CU_ASSERT_TRUE(health_check(iters));
	printf("fuzz: %u descriptors, %u entries (ok %u, bad_opcode %u, "
	       "reserved %u, bad_arg %u, addr_range %u, overlap %u, "
	       "dma_fault %u, bad_sg %u), %u halts, %u restarts\n",
	       st.descs, st.entries, st.status[0], st.status[1], st.status[2],
	       st.status[3], st.status[4], st.status[5], st.status[6],
	       st.status[7], st.halts, st.restarts);
	/* A fuzz run that never got past the checks tests little. */
	CU_ASSERT(st.status[CSA_STATUS_OK] > 0);
	CU_ASSERT(st.status[CSA_STATUS_DMA_FAULT] > 0);
	CU_ASSERT(st.status[CSA_STATUS_BAD_SG] > 0);
	CU_ASSERT(st.status[CSA_STATUS_BAD_ARG] > 0);
	CU_ASSERT(st.status[CSA_STATUS_ADDR_RANGE] > 0);
}

/* ---- fault injection (QEMU properties) --------------------------------
 * Only with CSA_FAULTS=1, on a card started as
 *   -device csa-accel,hang-after=3,dma-fault-after=6
 * and untouched since power-on: the hang counts descriptors since the last
 * reset (and a soft reset clears it), the DMA fault counts transfers since
 * power-on and fires once. */

static void program_rings(void)
{
	memset(&ring, 0, sizeof(ring));
	ring.dev = &dev;
	ring.sq = pages[PG_SQ];
	ring.cq = pages[PG_CQ];
	ring.phase = 1;
	raw_wr(&dev, CSA_REG_SQ_BASE_LO, (uint32_t)ring.sq.bus);
	raw_wr(&dev, CSA_REG_SQ_BASE_HI, (uint32_t)(ring.sq.bus >> 32));
	raw_wr(&dev, CSA_REG_SQ_SIZE, RAW_SQ_SIZE);
	raw_wr(&dev, CSA_REG_CQ_BASE_LO, (uint32_t)ring.cq.bus);
	raw_wr(&dev, CSA_REG_CQ_BASE_HI, (uint32_t)(ring.cq.bus >> 32));
	raw_wr(&dev, CSA_REG_CQ_SIZE, RAW_CQ_SIZE);
	raw_wr(&dev, CSA_REG_CONTROL, CSA_CTRL_ENABLE);
}

static void test_faults(void)
{
	struct csa_desc d[5];
	struct csa_cqe e[5];

	/* hang-after=3: five one-NOP jobs, three run, then silence */
	program_rings();
	CU_ASSERT_EQUAL_FATAL(raw_rd(&dev, CSA_REG_STATUS) & CSA_STS_READY,
			      CSA_STS_READY);
	for (unsigned int i = 0; i < 5; i++)
		d[i] = desc(CSA_OP_NOP, CSA_DESC_F_LAST, 20 + i);
	CU_ASSERT_EQUAL(ring_run(&ring, d, 5, e, 5, 1000), 3);
	CU_ASSERT_EQUAL(e[2].tag, 22u);
	CU_ASSERT_EQUAL(raw_rd(&dev, CSA_REG_SQ_HEAD), 3u);
	CU_ASSERT_EQUAL(raw_rd(&dev, CSA_REG_STATUS),
			CSA_STS_READY | CSA_STS_BUSY);
	CU_ASSERT_EQUAL(raw_rd(&dev, CSA_REG_ERROR_STATUS), 0u);
	/* six DMA transfers so far (3 fetches, 3 entries); the soft reset
	 * ends the hang, and the next transfer (a fetch) fails: a halt */
	CU_ASSERT_EQUAL_FATAL(start(), 0);
	d[0] = desc(CSA_OP_FENCE, CSA_DESC_F_LAST, 30);
	CU_ASSERT_EQUAL_FATAL(ring_submit(&ring, d, 1), 0);
	CU_ASSERT_EQUAL(ring_wait_idle(&ring, TIMEOUT_MS), -EIO);
	CU_ASSERT_EQUAL(raw_rd(&dev, CSA_REG_ERROR_STATUS), CSA_ERR_SQ_FETCH);
	CU_ASSERT_EQUAL(raw_rd(&dev, CSA_REG_SQ_HEAD), 0u);
	/* both faults are spent: the card works again */
	CU_ASSERT_EQUAL_FATAL(start(), 0);
	CU_ASSERT_TRUE(fence_works(31, 31));
	for (unsigned int i = 0; i < 5; i++)
		d[i] = desc(CSA_OP_NOP, CSA_DESC_F_LAST, 40 + i);
	CU_ASSERT_EQUAL(ring_run(&ring, d, 5, e, 5, TIMEOUT_MS), 5);
}

int main(void)
{
	CU_pSuite s;
	unsigned int failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	if (getenv("CSA_FAULTS")) {
		s = CU_add_suite("qemu_device_faults", suite_init, suite_clean);
		CU_add_test(s, "hang-after and dma-fault-after", test_faults);
		goto run;
	}
	s = CU_add_suite("qemu_device", suite_init, suite_clean);
	CU_add_test(s, "identity registers", test_identity);
	CU_add_test(s, "scratch and access widths", test_scratch_and_widths);
	CU_add_test(s, "FENCE and NOP jobs", test_fence_and_nop);
	CU_add_test(s, "CQ wraps and phase", test_ring_wraps);
	CU_add_test(s, "DMA over a scattered SG list", test_dma_scattered);
	CU_add_test(s, "ADD through the BAR2 window", test_add_through_bar2);
	CU_add_test(s, "malformed ring setup halts", test_bad_ring_setup);
	CU_add_test(s, "doorbell out of range", test_doorbell_out_of_range);
	CU_add_test(s, "SQ at an unmapped address", test_sq_unmapped);
	CU_add_test(s, "malformed descriptors", test_bad_descriptors);
	CU_add_test(s, "random descriptor fuzz", test_fuzz);
run:
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_tests_failed() +
		 CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
