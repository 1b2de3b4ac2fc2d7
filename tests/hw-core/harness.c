// SPDX-License-Identifier: MIT
/* harness.c - see harness.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "uapi/drm/csa_accel.h"

static int bus_check(struct tdev *t, uint64_t addr, size_t len)
{
	struct host_bus *b = &t->bus;

	if (b->fail_countdown > 0 && --b->fail_countdown == 0) {
		b->faults++;
		return -EFAULT;
	}
	if (addr < BUS_BASE || len > b->size ||
	    addr - BUS_BASE > b->size - len) {
		b->faults++;
		return -EFAULT;
	}
	if (b->fault_hi > b->fault_lo && addr < b->fault_hi &&
	    addr + len > b->fault_lo) {
		b->faults++;
		return -EIO;
	}
	return 0;
}

static int t_dma_read(void *ctx, uint64_t addr, void *dst, size_t len)
{
	struct tdev *t = ctx;
	int ret = bus_check(t, addr, len);

	t->bus.reads++;
	if (!ret)
		memcpy(dst, t->bus.mem + BUS_GUARD + (addr - BUS_BASE), len);
	return ret;
}

static int t_dma_write(void *ctx, uint64_t addr, const void *src, size_t len)
{
	struct tdev *t = ctx;
	int ret = bus_check(t, addr, len);

	t->bus.writes++;
	if (!ret)
		memcpy(t->bus.mem + BUS_GUARD + (addr - BUS_BASE), src, len);
	return ret;
}

static void t_irq(void *ctx, unsigned int vector)
{
	struct tdev *t = ctx;

	if (vector < CSA_MSIX_VECTORS)
		t->irqs[vector]++;
}

static void t_kick(void *ctx)
{
	((struct tdev *)ctx)->kicks++;
}

static const struct csa_hw_ops tdev_ops = {
	.dma_read = t_dma_read,
	.dma_write = t_dma_write,
	.irq = t_irq,
	.kick = t_kick,
};

struct tdev *tdev_open_cfg(const struct csa_hw_config *cfg, uint64_t host_size)
{
	struct tdev *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->hw = calloc(1, sizeof(*t->hw));
	t->bus.mem = malloc(host_size + 2 * BUS_GUARD);
	if (!t->hw || !t->bus.mem)
		goto fail;
	memset(t->bus.mem, GUARD_BYTE, host_size + 2 * BUS_GUARD);
	t->bus.size = host_size;
	t->devmem = cfg->devmem;
	t->devmem_size = cfg->devmem_size;
	if (csa_hw_init(t->hw, cfg, &tdev_ops, t))
		goto fail;
	return t;
fail:
	free(t->bus.mem);
	free(t->hw);
	free(t);
	return NULL;
}

struct tdev *tdev_open(uint64_t devmem_size, uint64_t host_size)
{
	struct csa_hw_config cfg;
	struct tdev *t;

	memset(&cfg, 0, sizeof(cfg));
	cfg.devmem = calloc(1, devmem_size);
	cfg.devmem_size = devmem_size;
	t = tdev_open_cfg(&cfg, host_size);
	if (!t)
		free(cfg.devmem);
	return t;
}

void tdev_close(struct tdev *t)
{
	if (!t)
		return;
	free(t->devmem);
	free(t->bus.mem);
	free(t->hw);
	free(t);
}

uint32_t rd(struct tdev *t, uint32_t off)
{
	return csa_hw_mmio_read(t->hw, off);
}

void wr(struct tdev *t, uint32_t off, uint32_t val)
{
	csa_hw_mmio_write(t->hw, off, val);
}

uint64_t rd64(struct tdev *t, uint32_t off)
{
	uint64_t lo = rd(t, off);

	return lo | (uint64_t)rd(t, off + 4) << 32;
}

uint64_t bus_alloc(struct tdev *t, uint64_t bytes, uint64_t align)
{
	uint64_t off = (t->bus.next + align - 1) / align * align;

	if (off + bytes > t->bus.size)
		abort();	/* a test asked for more than it reserved */
	t->bus.next = off + bytes;
	memset(t->bus.mem + BUS_GUARD + off, 0, bytes);
	return BUS_BASE + off;
}

void *bus_ptr(struct tdev *t, uint64_t bus_addr)
{
	return t->bus.mem + BUS_GUARD + (bus_addr - BUS_BASE);
}

int guards_intact(const struct tdev *t)
{
	const uint8_t *lo = t->bus.mem;
	const uint8_t *hi = t->bus.mem + BUS_GUARD + t->bus.size;
	unsigned int i;

	for (i = 0; i < BUS_GUARD; i++)
		if (lo[i] != GUARD_BYTE || hi[i] != GUARD_BYTE)
			return 0;
	return 1;
}

void tdev_program(struct tdev *t, uint64_t sq_bus, uint32_t sq_size,
		  uint64_t cq_bus, uint32_t cq_size)
{
	t->sq_bus = sq_bus;
	t->cq_bus = cq_bus;
	t->sq_size = sq_size;
	t->cq_size = cq_size;
	t->sq_tail = 0;
	t->cq_head = 0;
	t->phase = 1;
	wr(t, CSA_REG_SQ_BASE_LO, (uint32_t)sq_bus);
	wr(t, CSA_REG_SQ_BASE_HI, (uint32_t)(sq_bus >> 32));
	wr(t, CSA_REG_SQ_SIZE, sq_size);
	wr(t, CSA_REG_CQ_BASE_LO, (uint32_t)cq_bus);
	wr(t, CSA_REG_CQ_BASE_HI, (uint32_t)(cq_bus >> 32));
	wr(t, CSA_REG_CQ_SIZE, cq_size);
	wr(t, CSA_REG_CONTROL, CSA_CTRL_ENABLE);
	wr(t, CSA_REG_IRQ_MASK, 0);
}

int tdev_setup(struct tdev *t, uint32_t sq_size, uint32_t cq_size)
{
	uint64_t sq = bus_alloc(t, (uint64_t)sq_size * sizeof(struct csa_desc), 64);
	uint64_t cq = bus_alloc(t, (uint64_t)cq_size * sizeof(struct csa_cqe), 64);

	tdev_program(t, sq, sq_size, cq, cq_size);
	return (rd(t, CSA_REG_STATUS) & CSA_STS_READY) ? 0 : -1;
}

void sq_put(struct tdev *t, const struct csa_desc *d)
{
	uint64_t addr = t->sq_bus + (uint64_t)t->sq_tail * sizeof(*d);

	memcpy(bus_ptr(t, addr), d, sizeof(*d));
	t->sq_tail = (t->sq_tail + 1) % t->sq_size;
}

void sq_ring(struct tdev *t)
{
	wr(t, CSA_REG_SQ_TAIL, t->sq_tail);
}

void submit(struct tdev *t, const struct csa_desc *d)
{
	sq_put(t, d);
	sq_ring(t);
}

unsigned int run(struct tdev *t)
{
	return csa_hw_run(t->hw, 0);
}

int cq_pop_nodoorbell(struct tdev *t, struct csa_cqe *e)
{
	struct csa_cqe *slot = bus_ptr(t, t->cq_bus +
				       (uint64_t)t->cq_head * sizeof(*e));

	if ((slot->flags & CSA_CQE_F_PHASE) != (t->phase ? CSA_CQE_F_PHASE : 0))
		return 0;
	*e = *slot;
	t->cq_head = (t->cq_head + 1) % t->cq_size;
	if (!t->cq_head)
		t->phase ^= 1;
	return 1;
}

int cq_pop(struct tdev *t, struct csa_cqe *e)
{
	if (!cq_pop_nodoorbell(t, e))
		return 0;
	wr(t, CSA_REG_CQ_HEAD, t->cq_head);
	return 1;
}

struct csa_desc d_nop(uint32_t tag, int last)
{
	struct csa_desc d;

	memset(&d, 0, sizeof(d));
	d.opcode = CSA_OP_NOP;
	d.tag = tag;
	d.flags = last ? CSA_DESC_F_LAST : 0;
	return d;
}

struct csa_desc d_fence(uint32_t tag, uint64_t cookie, int last)
{
	struct csa_desc d = d_nop(tag, last);

	d.opcode = CSA_OP_FENCE;
	d.arg[0] = (uint32_t)cookie;
	d.arg[1] = (uint32_t)(cookie >> 32);
	return d;
}

struct csa_desc d_dma(int to_device, uint32_t tag, uint32_t bytes,
		      uint64_t sg, uint32_t n_sg, uint64_t dev, int last)
{
	struct csa_desc d = d_nop(tag, last);

	d.opcode = to_device ? CSA_OP_DMA_H2D : CSA_OP_DMA_D2H;
	d.arg[0] = bytes;
	d.arg[1] = n_sg;
	d.addr[0] = sg;
	d.addr[1] = dev;
	return d;
}

struct csa_desc d_copy(uint32_t tag, uint32_t bytes, uint64_t src,
		       uint64_t dst, int last)
{
	struct csa_desc d = d_nop(tag, last);

	d.opcode = CSA_OP_COPY;
	d.arg[0] = bytes;
	d.addr[0] = src;
	d.addr[1] = dst;
	return d;
}

uint64_t sg_build(struct tdev *t, const uint32_t *lens, uint32_t n,
		  uint64_t *seg)
{
	uint64_t table = bus_alloc(t, (uint64_t)n * sizeof(struct csa_sg_entry), 16);
	struct csa_sg_entry *sg = bus_ptr(t, table);
	uint32_t i;

	for (i = 0; i < n; i++) {
		/* odd start addresses: host segments need no alignment */
		seg[i] = bus_alloc(t, lens[i] + 3, 8) + (i % 4);
		sg[i].addr = seg[i];
		sg[i].len = lens[i];
		sg[i].rsvd = 0;
	}
	return table;
}
