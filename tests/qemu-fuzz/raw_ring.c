// SPDX-License-Identifier: MIT
/*
 * raw_ring.c - polled rings for driverless device tests (raw_ring.h).
 */
#include "tests/qemu-fuzz/raw_ring.h"

#include <errno.h>
#include <string.h>
#include <time.h>

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void pause_briefly(void)
{
	struct timespec ts = { 0, 200000 };

	nanosleep(&ts, NULL);
}

int raw_soft_reset(struct raw_dev *d)
{
	long end = now_ms() + 1000;

	raw_wr(d, CSA_REG_CONTROL, CSA_CTRL_RESET);
	while (raw_rd(d, CSA_REG_CONTROL) & CSA_CTRL_RESET) {
		if (now_ms() > end)
			return -ETIMEDOUT;
		pause_briefly();
	}
	return 0;
}

int ring_start(struct raw_ring *r, struct raw_dev *d, struct dma_page sq,
	       struct dma_page cq)
{
	int ret;

	memset(r, 0, sizeof(*r));
	r->dev = d;
	r->sq = sq;
	r->cq = cq;
	r->phase = 1;
	ret = raw_soft_reset(d);
	if (ret)
		return ret;
	memset(sq.va, 0, RAW_SQ_SIZE * sizeof(struct csa_desc));
	memset(cq.va, 0, RAW_CQ_SIZE * sizeof(struct csa_cqe));
	raw_wr(d, CSA_REG_SQ_BASE_LO, (uint32_t)sq.bus);
	raw_wr(d, CSA_REG_SQ_BASE_HI, (uint32_t)(sq.bus >> 32));
	raw_wr(d, CSA_REG_SQ_SIZE, RAW_SQ_SIZE);
	raw_wr(d, CSA_REG_CQ_BASE_LO, (uint32_t)cq.bus);
	raw_wr(d, CSA_REG_CQ_BASE_HI, (uint32_t)(cq.bus >> 32));
	raw_wr(d, CSA_REG_CQ_SIZE, RAW_CQ_SIZE);
	raw_wr(d, CSA_REG_CONTROL, CSA_CTRL_ENABLE);
	if (!(raw_rd(d, CSA_REG_STATUS) & CSA_STS_READY))
		return -EIO;
	return 0;
}

int ring_submit(struct raw_ring *r, const struct csa_desc *descs,
		unsigned int n)
{
	struct csa_desc *sq = (struct csa_desc *)r->sq.va;
	uint32_t head = raw_rd(r->dev, CSA_REG_SQ_HEAD) % RAW_SQ_SIZE;
	uint32_t used = (r->sq_tail - head) % RAW_SQ_SIZE;

	if (used + n > RAW_SQ_SIZE - 1)
		return -ENOSPC;
	for (unsigned int i = 0; i < n; i++) {
		sq[r->sq_tail] = descs[i];
		r->sq_tail = (r->sq_tail + 1) % RAW_SQ_SIZE;
	}
	raw_wr(r->dev, CSA_REG_SQ_TAIL, r->sq_tail);
	return 0;
}

/* Take posted entries off the CQ (up to @max into @out, all when @out is
 * NULL) and tell the device their slots are free. */
static unsigned int take_posted(struct raw_ring *r, struct csa_cqe *out,
				unsigned int max)
{
	volatile struct csa_cqe *cq = (volatile struct csa_cqe *)r->cq.va;
	unsigned int got = 0;

	for (;;) {
		struct csa_cqe e;

		if (out && got >= max)
			break;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if ((cq[r->cq_head].flags & CSA_CQE_F_PHASE) != r->phase)
			break;
		memcpy(&e, (const void *)&cq[r->cq_head], sizeof(e));
		if (out)
			out[got] = e;
		got++;
		r->cq_head = (r->cq_head + 1) % RAW_CQ_SIZE;
		if (r->cq_head == 0)
			r->phase ^= 1;
	}
	if (got)
		raw_wr(r->dev, CSA_REG_CQ_HEAD, r->cq_head);
	return got;
}

/* Move posted entries into kept[]; beyond its room, drop them. */
static void keep_posted(struct raw_ring *r)
{
	r->n_kept += take_posted(r, r->kept + r->n_kept,
				 RAW_CQ_SIZE - r->n_kept);
	if (r->n_kept == RAW_CQ_SIZE)
		take_posted(r, NULL, 0);
}

int ring_wait_idle(struct raw_ring *r, int timeout_ms)
{
	long end = now_ms() + timeout_ms;

	for (;;) {
		uint32_t st = raw_rd(r->dev, CSA_REG_STATUS);

		if (st & CSA_STS_HALTED)
			return -EIO;
		if (raw_rd(r->dev, CSA_REG_SQ_HEAD) == r->sq_tail)
			return 0;
		if (now_ms() > end)
			return -ETIMEDOUT;
		/* The device may wait for CQ room: make some. */
		keep_posted(r);
		pause_briefly();
	}
}

unsigned int ring_reap(struct raw_ring *r, struct csa_cqe *out,
		       unsigned int max)
{
	unsigned int n = r->n_kept;

	if (out) {
		if (n > max)
			n = max;
		memcpy(out, r->kept, n * sizeof(*out));
		memmove(r->kept, r->kept + n, (r->n_kept - n) * sizeof(*out));
	}
	r->n_kept -= n;
	return n + take_posted(r, out ? out + n : NULL, out ? max - n : 0);
}

unsigned int ring_run(struct raw_ring *r, const struct csa_desc *descs,
		      unsigned int n, struct csa_cqe *out, unsigned int want,
		      int timeout_ms)
{
	long end = now_ms() + timeout_ms;
	unsigned int got = 0;

	if (ring_submit(r, descs, n))
		return 0;
	while (got < want && now_ms() <= end) {
		got += ring_reap(r, out + got, want - got);
		if (got < want)
			pause_briefly();
	}
	return got;
}
