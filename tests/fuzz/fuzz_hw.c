// SPDX-License-Identifier: MIT
/*
 * fuzz_hw.c - libFuzzer target for the hardware model: arbitrary ring
 * contents, descriptors, scatter-gather tables, doorbells, register writes,
 * resets and DMA faults (the byte program of fuzz_ops.h).
 *
 * Beyond "no crash, no out-of-bounds" (ASan/UBSan), it checks what a
 * driver relies on: completions are well formed and only ever appear in
 * [CQ head, CQ tail) with the right phase, ring indices stay in range,
 * counters only grow, and a completion never lands on an unconsumed entry.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/csa_hw.h"
#include "uapi/drm/csa_accel.h"
#include "fuzz_ops.h"

#define BUS_BASE	0x00007f0000000000ull
#define GUARD		256u
#define GUARD_BYTE	0xa5u

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz_hw: invariant failed: %s (line %d)\n", \
			#cond, __LINE__);				\
		abort();						\
	}								\
} while (0)

struct reader {
	const uint8_t *p;
	size_t n;
};

struct fz {
	struct csa_hw *hw;
	uint8_t *devmem;
	uint8_t *host;		/* GUARD + FZ_HOST_SIZE + GUARD */
	/* driver view */
	uint32_t sq_size, cq_size, sq_tail, cq_head, phase;
	int ready;
	/* fault injection */
	uint64_t fault_lo, fault_hi;
	int countdown;
	int injected_cq_fault;	/* an injected fault hit the CQ region */
	/* counters of this reset epoch */
	uint64_t commands, dma_bytes, errors;
};

static struct fz fz;

static uint8_t rd8(struct reader *r)
{
	uint8_t v = 0;

	if (r->n) {
		v = *r->p++;
		r->n--;
	}
	return v;
}

static uint16_t rd16(struct reader *r)
{
	uint16_t lo = rd8(r);

	return (uint16_t)(lo | rd8(r) << 8);
}

static uint32_t rd32(struct reader *r)
{
	uint32_t lo = rd16(r);

	return lo | (uint32_t)rd16(r) << 16;
}

static uint8_t *host_at(uint64_t off)
{
	return fz.host + GUARD + off;
}

/* ---- the bus ---------------------------------------------------------- */

static int overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static int bus_ok(uint64_t addr, size_t len, uint64_t *off)
{
	if (addr < BUS_BASE || len > FZ_HOST_SIZE ||
	    addr - BUS_BASE > FZ_HOST_SIZE - len)
		return 0;
	*off = addr - BUS_BASE;
	if (fz.countdown > 0 && --fz.countdown == 0)
		goto injected;
	if (fz.fault_hi > fz.fault_lo &&
	    overlaps(*off, len, fz.fault_lo, fz.fault_hi - fz.fault_lo))
		goto injected;
	return 1;
injected:
	if (overlaps(*off, len, FZ_CQ_OFF, (uint64_t)fz.cq_size * 32))
		fz.injected_cq_fault = 1;
	return 0;
}

static int f_dma_read(void *ctx, uint64_t addr, void *dst, size_t len)
{
	uint64_t off;

	(void)ctx;
	if (!bus_ok(addr, len, &off))
		return -14;
	memcpy(dst, host_at(off), len);
	return 0;
}

/* The CQ ring takes only whole entries at the device's tail, as an IOMMU
 * would map it for a careful driver; a posting outside that rule shows up
 * as CQ_WRITE without an injected fault. */
static int f_dma_write(void *ctx, uint64_t addr, const void *src, size_t len)
{
	uint64_t off, cq_bytes = (uint64_t)fz.cq_size * 32;
	const struct csa_hw *hw = fz.hw;

	(void)ctx;
	if (!bus_ok(addr, len, &off))
		return -14;
	if (overlaps(off, len, FZ_CQ_OFF, cq_bytes)) {
		if (len != 32 || off != FZ_CQ_OFF + (uint64_t)hw->cq_tail * 32)
			return -14;
		/* never onto an entry the host has not consumed */
		if (((hw->cq_tail + 1) & (hw->cq_size - 1)) == hw->cq_head)
			return -14;
	}
	memcpy(host_at(off), src, len);
	return 0;
}

static void f_irq(void *ctx, unsigned int vector)
{
	(void)ctx;
	CHECK(vector < CSA_MSIX_VECTORS);
}

static void f_kick(void *ctx)
{
	(void)ctx;
}

static const struct csa_hw_ops f_ops = {
	.dma_read = f_dma_read,
	.dma_write = f_dma_write,
	.irq = f_irq,
	.kick = f_kick,
};

/* ---- driver-side helpers ---------------------------------------------- */

static uint32_t mmio_rd(uint32_t off)
{
	return csa_hw_mmio_read(fz.hw, off);
}

static void mmio_wr(uint32_t off, uint32_t v)
{
	csa_hw_mmio_write(fz.hw, off, v);
}

static uint64_t perf(uint32_t off)
{
	uint64_t lo = mmio_rd(off);

	return lo | (uint64_t)mmio_rd(off + 4) << 32;
}

static void check_registers(void)
{
	uint32_t status = mmio_rd(CSA_REG_STATUS);
	uint64_t commands = perf(CSA_REG_PERF_COMMANDS);
	uint64_t errors = perf(CSA_REG_PERF_ERRORS);
	uint64_t dma = perf(CSA_REG_PERF_DMA_BYTES);

	CHECK(!(status & ~7u));
	CHECK(!(status & CSA_STS_READY) || !(status & CSA_STS_HALTED));
	CHECK(!(mmio_rd(CSA_REG_ERROR_STATUS) & ~0x1fu));
	CHECK(!(mmio_rd(CSA_REG_IRQ_STATUS) & ~3u));
	CHECK(!(mmio_rd(CSA_REG_IRQ_MASK) & ~3u));
	CHECK(mmio_rd(CSA_REG_MAGIC) == CSA_MAGIC);
	if (status & CSA_STS_READY) {
		CHECK(mmio_rd(CSA_REG_SQ_HEAD) < fz.sq_size);
		CHECK(mmio_rd(CSA_REG_SQ_TAIL) < fz.sq_size);
		CHECK(mmio_rd(CSA_REG_CQ_TAIL) < fz.cq_size);
		CHECK(mmio_rd(CSA_REG_CQ_HEAD) < fz.cq_size);
	}
	CHECK(commands >= fz.commands && errors >= fz.errors &&
	      dma >= fz.dma_bytes && errors <= commands);
	fz.commands = commands;
	fz.errors = errors;
	fz.dma_bytes = dma;
}

static int ring_ok(uint32_t size, uint64_t base)
{
	return size >= 4 && size <= 512 && !(size & (size - 1)) && base &&
	       !(base % 64);
}

/* Program and enable the rings; with bit 6 of @setup one of the four
 * values is malformed (or, by chance, still valid). */
static void setup_rings(struct reader *r, uint8_t setup)
{
	uint64_t sq_base = BUS_BASE + FZ_SQ_OFF, cq_base = BUS_BASE + FZ_CQ_OFF;
	uint8_t how, v;

	fz.sq_size = 4u << (setup & 7);
	fz.cq_size = 4u << ((setup >> 3) & 7);
	fz.sq_tail = 0;
	fz.cq_head = 0;
	fz.phase = 1;
	fz.commands = fz.dma_bytes = fz.errors = 0;
	if (setup & 0x40) {
		how = rd8(r);
		v = rd8(r);
		switch (how % 4) {
		case 0:
			fz.sq_size = (uint32_t)(v | (how & 0x30) << 4);
			break;
		case 1:
			fz.cq_size = (uint32_t)(v | (how & 0x30) << 4);
			break;
		case 2:
			sq_base = v == 0xff ? 0 : sq_base + v % 64;
			break;
		case 3:
			cq_base = v == 0xff ? 0 : cq_base + v % 64;
			break;
		}
	}
	mmio_wr(CSA_REG_SQ_SIZE, fz.sq_size);
	mmio_wr(CSA_REG_CQ_SIZE, fz.cq_size);
	mmio_wr(CSA_REG_SQ_BASE_LO, (uint32_t)sq_base);
	mmio_wr(CSA_REG_SQ_BASE_HI, (uint32_t)(sq_base >> 32));
	mmio_wr(CSA_REG_CQ_BASE_LO, (uint32_t)cq_base);
	mmio_wr(CSA_REG_CQ_BASE_HI, (uint32_t)(cq_base >> 32));
	mmio_wr(CSA_REG_CONTROL, CSA_CTRL_ENABLE);
	mmio_wr(CSA_REG_IRQ_MASK, 0);
	fz.ready = !!(mmio_rd(CSA_REG_STATUS) & CSA_STS_READY);
	/* the device accepts exactly the valid geometries */
	CHECK(fz.ready == (ring_ok(fz.sq_size, sq_base) &&
			   ring_ok(fz.cq_size, cq_base)));
	if (!fz.ready) {
		CHECK(mmio_rd(CSA_REG_ERROR_STATUS) == CSA_ERR_RING_SETUP);
		CHECK(mmio_rd(CSA_REG_STATUS) == CSA_STS_HALTED);
		fz.sq_size = fz.cq_size = 4;
	}
	memset(host_at(FZ_CQ_OFF), 0, FZ_DATA_OFF - FZ_CQ_OFF);
}

/* Consume completions in [head, CQ_TAIL) as a driver would. */
static void consume(uint32_t max)
{
	uint32_t tail, n = 0;

	if (!(mmio_rd(CSA_REG_STATUS) & (CSA_STS_READY | CSA_STS_HALTED)) ||
	    !fz.ready)
		return;
	tail = mmio_rd(CSA_REG_CQ_TAIL);
	while (fz.cq_head != tail && n++ < max) {
		struct csa_cqe e;

		memcpy(&e, host_at(FZ_CQ_OFF + (uint64_t)fz.cq_head * 32),
		       sizeof(e));
		CHECK((e.flags & CSA_CQE_F_PHASE) == (fz.phase ? 1 : 0));
		CHECK(!(e.flags & ~(CSA_CQE_F_PHASE | CSA_CQE_F_FENCE)));
		CHECK(e.status <= CSA_STATUS_BAD_SG);
		CHECK(!(e.flags & CSA_CQE_F_FENCE) || e.status == CSA_STATUS_OK);
		CHECK((e.flags & CSA_CQE_F_FENCE) || !e.cookie);
		CHECK(e.sq_head < fz.sq_size);
		fz.cq_head = (fz.cq_head + 1) & (fz.cq_size - 1);
		if (!fz.cq_head)
			fz.phase ^= 1;
	}
	mmio_wr(CSA_REG_CQ_HEAD, fz.cq_head);
}

static void run_device(uint32_t budget)
{
	uint32_t err_before = mmio_rd(CSA_REG_ERROR_STATUS);
	unsigned int done;

	fz.injected_cq_fault = 0;
	done = csa_hw_run(fz.hw, budget);
	CHECK(!budget || done <= budget);
	/* a CQ write failure the harness did not inject is a misplaced
	 * completion (wrong slot, or onto an unconsumed entry) */
	if ((mmio_rd(CSA_REG_ERROR_STATUS) & ~err_before) & CSA_ERR_CQ_WRITE)
		CHECK(fz.injected_cq_fault);
	check_registers();
}

/* ---- operations -------------------------------------------------------- */

static void put_desc(struct reader *r)
{
	uint8_t mode = rd8(r);
	struct csa_desc d;
	unsigned int i;

	memset(&d, 0, sizeof(d));
	if ((mode & 3) == FDESC_RAW) {
		for (i = 0; i < sizeof(d); i++)
			((uint8_t *)&d)[i] = rd8(r);
	} else {
		d.opcode = rd8(r) % (CSA_OP_COUNT + 1);
		d.flags = rd8(r) & (CSA_CMD_F_USER_MASK | 0x08);
		d.tag = rd8(r);
		for (i = 0; i < CSA_DESC_ARGS; i++)
			d.arg[i] = rd16(r) % 1025;
		for (i = 0; i < CSA_DESC_ADDRS; i++)
			d.addr[i] = (uint64_t)rd16(r) * 4 % (FZ_DEVMEM_SIZE + 64);
		if (d.opcode == CSA_OP_DMA_H2D || d.opcode == CSA_OP_DMA_D2H) {
			d.addr[0] = BUS_BASE + FZ_DATA_OFF +
				    (d.addr[0] / 4 % FZ_DATA_SIZE & ~7ull);
			d.arg[0] &= ~3u;
			d.arg[1] = d.arg[1] % 9;
			for (i = 2; i < CSA_DESC_ARGS; i++)
				d.arg[i] = 0;
			for (i = 2; i < CSA_DESC_ADDRS; i++)
				d.addr[i] = 0;
		}
	}
	if (mode & 4)
		d.flags |= CSA_DESC_F_LAST;
	if (!fz.ready)
		return;
	memcpy(host_at(FZ_SQ_OFF + (uint64_t)fz.sq_tail * 128), &d, sizeof(d));
	fz.sq_tail = (fz.sq_tail + 1) & (fz.sq_size - 1);
	if (mode & 8)
		mmio_wr(CSA_REG_SQ_TAIL, fz.sq_tail);
}

static void put_sg(struct reader *r)
{
	uint64_t table = (rd16(r) % FZ_DATA_SIZE) & ~7ull;
	uint32_t n = rd8(r) % 9, i;

	for (i = 0; i < n && table + 16 <= FZ_DATA_SIZE; i++, table += 16) {
		struct csa_sg_entry e;
		uint16_t seg = rd16(r), len = rd16(r);
		uint8_t bad = rd8(r);

		e.addr = BUS_BASE + FZ_DATA_OFF + seg % FZ_DATA_SIZE;
		e.len = len % 4097;
		e.rsvd = (bad & 0xf0) == 0xf0;
		if ((bad & 0x0f) == 0x0f)	/* outside host memory */
			e.addr = (uint64_t)bad << 56 | seg;
		memcpy(host_at(FZ_DATA_OFF + table), &e, sizeof(e));
	}
}

static int ring_setup_reg(uint32_t off)
{
	return off == CSA_REG_SQ_BASE_LO || off == CSA_REG_SQ_BASE_HI ||
	       off == CSA_REG_SQ_SIZE || off == CSA_REG_CQ_BASE_LO ||
	       off == CSA_REG_CQ_BASE_HI || off == CSA_REG_CQ_SIZE ||
	       off == CSA_REG_CQ_HEAD;
}

static void mmio_write_op(struct reader *r)
{
	uint32_t off = rd16(r) & 0x1ffc;
	uint32_t v = rd32(r);

	/* the ring geometry belongs to the harness (FOP_RESET fuzzes it);
	 * CQ_HEAD moves only as completions are consumed */
	if (ring_setup_reg(off))
		return;
	if (off == CSA_REG_CONTROL) {
		uint32_t before = mmio_rd(CSA_REG_CONTROL);

		mmio_wr(off, v);
		if (v & CSA_CTRL_RESET) {
			fz.ready = 0;	/* geometry gone: FOP_RESET re-programs */
			fz.commands = fz.dma_bytes = fz.errors = 0;
		} else if (!(before & CSA_CTRL_ENABLE) &&
			   (mmio_rd(CSA_REG_STATUS) & CSA_STS_READY)) {
			fz.sq_tail = 0;	/* re-enabled: indices restart */
			fz.cq_head = 0;
			fz.phase = 1;
			memset(host_at(FZ_CQ_OFF), 0, FZ_DATA_OFF - FZ_CQ_OFF);
		}
		return;
	}
	mmio_wr(off, v);
}

static void fault_op(struct reader *r)
{
	uint8_t kind = rd8(r);
	uint16_t off = rd16(r), len = rd16(r);

	switch (kind % 4) {
	case 0:
		fz.fault_lo = fz.fault_hi = 0;
		fz.countdown = 0;
		break;
	case 1:
		fz.fault_lo = off * 4u % FZ_HOST_SIZE;
		fz.fault_hi = fz.fault_lo + len % 512 + 1;
		break;
	case 2:
		fz.countdown = len % 64 + 1;
		break;
	case 3:
		fz.hw->cfg.fault_hang_after = len % 32;
		break;
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz.hw = malloc(sizeof(*fz.hw));
	fz.devmem = malloc(FZ_DEVMEM_SIZE);
	fz.host = malloc(FZ_HOST_SIZE + 2 * GUARD);
	if (!fz.hw || !fz.devmem || !fz.host)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = { data, size };
	struct csa_hw_config cfg;
	unsigned int ops = 0, i;

	memset(&cfg, 0, sizeof(cfg));
	cfg.devmem = fz.devmem;
	cfg.devmem_size = FZ_DEVMEM_SIZE;
	memset(fz.devmem, 0, FZ_DEVMEM_SIZE);
	memset(fz.host, GUARD_BYTE, FZ_HOST_SIZE + 2 * GUARD);
	memset(fz.host + GUARD, 0, FZ_HOST_SIZE);
	fz.fault_lo = fz.fault_hi = 0;
	fz.countdown = 0;
	CHECK(csa_hw_init(fz.hw, &cfg, &f_ops, NULL) == 0);
	setup_rings(&r, rd8(&r));

	while (r.n && ops++ < 512) {
		switch (rd8(&r) % FOP_COUNT) {
		case FOP_HOST_WRITE: {
			uint32_t off = rd16(&r) % FZ_DATA_SIZE;
			uint32_t len = rd8(&r);

			for (i = 0; i < len && off + i < FZ_DATA_SIZE; i++)
				*host_at(FZ_DATA_OFF + off + i) = rd8(&r);
			break;
		}
		case FOP_DESC:
			put_desc(&r);
			break;
		case FOP_SG:
			put_sg(&r);
			break;
		case FOP_SQ_DOORBELL: {
			uint8_t b = rd8(&r);

			mmio_wr(CSA_REG_SQ_TAIL, b & 1 ? rd32(&r) : fz.sq_tail);
			break;
		}
		case FOP_CQ_CONSUME: {
			uint8_t b = rd8(&r);

			if (b == 0xff && fz.ready)
				mmio_wr(CSA_REG_CQ_HEAD, fz.cq_size + b);
			else
				consume(b);
			break;
		}
		case FOP_MMIO_WRITE:
			mmio_write_op(&r);
			break;
		case FOP_MMIO_READ:
			(void)mmio_rd(rd16(&r));
			break;
		case FOP_RUN:
			run_device(rd8(&r));
			consume(UINT32_MAX);
			break;
		case FOP_RESET:
			mmio_wr(CSA_REG_CONTROL, CSA_CTRL_RESET);
			CHECK(mmio_rd(CSA_REG_STATUS) == 0);
			setup_rings(&r, rd8(&r));
			break;
		case FOP_FAULT:
			fault_op(&r);
			break;
		}
		check_registers();
	}
	/* drain: whatever was queued completes or stalls cleanly */
	fz.fault_lo = fz.fault_hi = 0;
	fz.countdown = 0;
	for (i = 0; i < 4; i++) {
		run_device(0);
		consume(UINT32_MAX);
	}
	for (i = 0; i < GUARD; i++)
		CHECK(fz.host[i] == GUARD_BYTE &&
		      fz.host[GUARD + FZ_HOST_SIZE + i] == GUARD_BYTE);
	return 0;
}
