/* SPDX-License-Identifier: MIT */
/*
 * raw_ring.h - one submission ring and one completion ring in locked guest
 * pages, driven by polling (the device's interrupts stay masked: no driver
 * is bound to take them).
 */
#ifndef CSA_RAW_RING_H
#define CSA_RAW_RING_H

#include <stdint.h>

#include "csa/csa_device.h"
#include "tests/qemu-fuzz/raw_pci.h"

/* One 4 KiB page holds each ring. */
#define RAW_SQ_SIZE	32u
#define RAW_CQ_SIZE	64u

struct raw_ring {
	struct raw_dev *dev;
	struct dma_page sq, cq;
	uint32_t sq_tail;	/* next free SQ slot (ours) */
	uint32_t cq_head;	/* next CQ entry to read */
	uint32_t phase;		/* phase of the entries of the current lap */
	/* entries ring_wait_idle() took off the CQ, for the next ring_reap() */
	struct csa_cqe kept[RAW_CQ_SIZE];
	unsigned int n_kept;
};

/* Soft reset: CONTROL.RESET, then poll until it reads back clear. */
int raw_soft_reset(struct raw_dev *d);

/* Reset the device and start both rings; 0 or -EIO (device not READY). */
int ring_start(struct raw_ring *r, struct raw_dev *d, struct dma_page sq,
	       struct dma_page cq);

/* Queue @n descriptors and ring the doorbell; -ENOSPC without room. */
int ring_submit(struct raw_ring *r, const struct csa_desc *descs,
		unsigned int n);

/* Wait until the device consumed everything queued (SQ_HEAD == our tail),
 * halted, or @timeout_ms passed: 0, -EIO (halted) or -ETIMEDOUT.  Entries
 * it takes off the CQ meanwhile (to give a stalled device room) are kept
 * for the next ring_reap() (dropped if more than RAW_CQ_SIZE wait).  A
 * consumed descriptor's entry may still be on its way: to wait for
 * entries, use ring_run(). */
int ring_wait_idle(struct raw_ring *r, int timeout_ms);

/* Take completions, first those ring_wait_idle() kept, then the posted
 * ones (up to @max into @out; all of them when @out is NULL), and free
 * their CQ slots; returns the count. */
unsigned int ring_reap(struct raw_ring *r, struct csa_cqe *out,
		       unsigned int max);

/* Submit @n descriptors and collect @want completions within @timeout_ms;
 * returns the number collected. */
unsigned int ring_run(struct raw_ring *r, const struct csa_desc *descs,
		      unsigned int n, struct csa_cqe *out, unsigned int want,
		      int timeout_ms);

#endif /* CSA_RAW_RING_H */
