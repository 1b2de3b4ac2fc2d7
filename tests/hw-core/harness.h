/* SPDX-License-Identifier: MIT */
/*
 * harness.h - drives the hardware model the way a driver would: emulated
 * host memory with bus addresses and guard bytes, a DMA fault injector,
 * interrupt and kick counters, and ring helpers that only use MMIO.
 */
#ifndef HW_CORE_HARNESS_H
#define HW_CORE_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "hw/csa_hw.h"

#define BUS_BASE	0x0000123400000000ull	/* bus address of host byte 0 */
#define BUS_GUARD	4096u			/* poisoned bytes each side */
#define GUARD_BYTE	0xa5u

struct host_bus {
	uint8_t *mem;		/* BUS_GUARD + size + BUS_GUARD bytes */
	uint64_t size;
	uint64_t next;		/* bump allocator, offset into the usable part */
	/* fault injection: accesses touching [fault_lo, fault_hi) fail, and
	 * with fail_countdown > 0 the countdown-th access from now fails */
	uint64_t fault_lo, fault_hi;
	int fail_countdown;
	unsigned int reads, writes, faults;
};

struct tdev {
	struct csa_hw *hw;
	uint8_t *devmem;
	uint64_t devmem_size;
	struct host_bus bus;
	unsigned int irqs[CSA_MSIX_VECTORS];
	unsigned int kicks;
	/* driver-side ring state */
	uint64_t sq_bus, cq_bus;
	uint32_t sq_size, cq_size, sq_tail, cq_head, phase;
};

struct tdev *tdev_open(uint64_t devmem_size, uint64_t host_size);
struct tdev *tdev_open_cfg(const struct csa_hw_config *cfg, uint64_t host_size);
void tdev_close(struct tdev *t);

uint32_t rd(struct tdev *t, uint32_t off);
void wr(struct tdev *t, uint32_t off, uint32_t val);
uint64_t rd64(struct tdev *t, uint32_t off);	/* LO then HI */

uint64_t bus_alloc(struct tdev *t, uint64_t bytes, uint64_t align);
void *bus_ptr(struct tdev *t, uint64_t bus_addr);
int guards_intact(const struct tdev *t);

/* Program both rings, enable, unmask both vectors; 0 if READY. */
int tdev_setup(struct tdev *t, uint32_t sq_size, uint32_t cq_size);
/* Re-enable after a RESET with new rings. */
void tdev_program(struct tdev *t, uint64_t sq_bus, uint32_t sq_size,
		  uint64_t cq_bus, uint32_t cq_size);

void sq_put(struct tdev *t, const struct csa_desc *d);	/* no doorbell */
void sq_ring(struct tdev *t);				/* SQ_TAIL doorbell */
void submit(struct tdev *t, const struct csa_desc *d);	/* put + ring */
unsigned int run(struct tdev *t);			/* csa_hw_run(hw, 0) */
/* Pop the next CQE if its phase says it is new; writes CQ_HEAD. */
int cq_pop(struct tdev *t, struct csa_cqe *e);
int cq_pop_nodoorbell(struct tdev *t, struct csa_cqe *e);

struct csa_desc d_nop(uint32_t tag, int last);
struct csa_desc d_fence(uint32_t tag, uint64_t cookie, int last);
struct csa_desc d_dma(int to_device, uint32_t tag, uint32_t bytes,
		      uint64_t sg, uint32_t n_sg, uint64_t dev, int last);
struct csa_desc d_copy(uint32_t tag, uint32_t bytes, uint64_t src,
		       uint64_t dst, int last);

/* Build an SG table in host memory over @n segments of the given lengths
 * (each its own allocation, odd offsets); returns the table's bus address
 * and the segment addresses in @seg. */
uint64_t sg_build(struct tdev *t, const uint32_t *lens, uint32_t n,
		  uint64_t *seg);

#endif
