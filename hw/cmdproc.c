// SPDX-License-Identifier: MIT
/*
 * cmdproc.c - the command processor: fetches descriptors from the SQ,
 * groups them into jobs (through CSA_DESC_F_LAST), runs NOP, FENCE and the
 * host DMA opcodes itself and hands every other opcode to the engines
 * (csa_hw_exec), posts completions and sends interrupts.
 *
 * The device trusts nothing it reads from host memory: every descriptor
 * and scatter-gather entry is checked before it touches device memory.
 */
#include <string.h>

#include "hw/csa_core.h"
#include "hw/engines.h"
#include "hw/timeline.h"
#include "uapi/drm/csa_accel.h"

/* Host DMA moves at most this much per dma_read/dma_write call. */
#define DMA_CHUNK	(64u * 1024u)
/* Scatter-gather entries read from host memory per dma_read call. */
#define SG_BATCH	64u

/* ---- interrupts ---------------------------------------------------------- */

/* Send every held message whose vector is unmasked. */
static void irq_flush(struct csa_hw *hw)
{
	uint32_t send = hw->irq_pending & ~hw->irq_mask;

	hw->irq_pending &= ~send;
	if (!hw->ops->irq)
		return;
	if (send & CSA_IRQ_CQ)
		hw->ops->irq(hw->ctx, CSA_MSIX_VEC_CQ);
	if (send & CSA_IRQ_ERROR)
		hw->ops->irq(hw->ctx, CSA_MSIX_VEC_ERROR);
}

/* Completions posted since the last CQ message get one now. */
static void cq_signal(struct csa_hw *hw)
{
	if (!hw->coalesce_pending)
		return;
	hw->coalesce_pending = 0;
	hw->irq_pending |= CSA_IRQ_CQ;
}

static int post(struct csa_hw *hw, uint32_t tag, uint32_t status,
		uint32_t flags, uint64_t cookie, uint32_t sq_slot)
{
	struct csa_cqe cqe;
	uint32_t every = hw->irq_coalesce ? hw->irq_coalesce : 1;

	memset(&cqe, 0, sizeof(cqe));
	cqe.tag = tag;
	cqe.status = (uint16_t)status;
	cqe.flags = (uint16_t)flags;
	cqe.index = hw->job_index;
	cqe.sq_head = hw->sq_head;
	cqe.cycles = hw->job_cycles;
	cqe.cookie = cookie;
	if (csa_cq_post(hw, &cqe)) {
		csa_halt(hw, CSA_ERR_CQ_WRITE, 0, hw->cq_tail);
		return -1;
	}
	hw->irq_status |= CSA_IRQ_CQ;
	hw->coalesce_pending++;
	if (hw->coalesce_pending >= every || status != CSA_STATUS_OK ||
	    hw->sq_head == hw->sq_tail || !csa_cq_free(hw))
		cq_signal(hw);
	if (status != CSA_STATUS_OK)
		csa_raise_error(hw, CSA_ERR_CMD, status, sq_slot);
	return 0;
}

/* ---- host DMA ------------------------------------------------------------ */

static int read_sg(struct csa_hw *hw, uint64_t table, uint32_t first,
		   uint32_t n, struct csa_sg_entry *sg)
{
	uint64_t addr = table + (uint64_t)first * sizeof(*sg);

	return hw->ops->dma_read(hw->ctx, addr, sg, n * sizeof(*sg));
}

/* Pass 1: the whole table is well formed and covers @bytes. */
static int sg_validate(struct csa_hw *hw, uint64_t table, uint32_t count,
		       uint64_t bytes)
{
	struct csa_sg_entry sg[SG_BATCH];
	uint64_t total = 0;
	uint32_t i, j, n;

	for (i = 0; i < count; i += n) {
		n = count - i < SG_BATCH ? count - i : SG_BATCH;
		if (read_sg(hw, table, i, n, sg))
			return CSA_STATUS_DMA_FAULT;
		for (j = 0; j < n; j++) {
			if (!sg[j].len || sg[j].rsvd ||
			    sg[j].addr > UINT64_MAX - sg[j].len)
				return CSA_STATUS_BAD_SG;
			total += sg[j].len;
		}
	}
	return total < bytes ? CSA_STATUS_BAD_SG : CSA_STATUS_OK;
}

static int move_segment(struct csa_hw *hw, int to_device, uint64_t host,
			uint8_t *dev, uint64_t len)
{
	while (len) {
		uint32_t n = len < DMA_CHUNK ? (uint32_t)len : DMA_CHUNK;
		int ret = to_device ?
			hw->ops->dma_read(hw->ctx, host, dev, n) :
			hw->ops->dma_write(hw->ctx, host, dev, n);

		if (ret)
			return CSA_STATUS_DMA_FAULT;
		host += n;
		dev += n;
		len -= n;
	}
	return CSA_STATUS_OK;
}

/* Pass 2: move the first @bytes of the segments, in table order.  The
 * table is read again, so it is re-checked: the host may have changed it. */
static int sg_move(struct csa_hw *hw, int to_device, uint64_t table,
		   uint32_t count, uint8_t *dev, uint64_t bytes)
{
	struct csa_sg_entry sg[SG_BATCH];
	uint32_t i, j, n;
	int st;

	for (i = 0; i < count && bytes; i += n) {
		n = count - i < SG_BATCH ? count - i : SG_BATCH;
		if (read_sg(hw, table, i, n, sg))
			return CSA_STATUS_DMA_FAULT;
		for (j = 0; j < n && bytes; j++) {
			uint64_t len = sg[j].len < bytes ? sg[j].len : bytes;

			if (!sg[j].len || sg[j].rsvd ||
			    sg[j].addr > UINT64_MAX - sg[j].len)
				return CSA_STATUS_BAD_SG;
			st = move_segment(hw, to_device, sg[j].addr, dev, len);
			if (st)
				return st;
			dev += len;
			bytes -= len;
		}
	}
	return bytes ? CSA_STATUS_BAD_SG : CSA_STATUS_OK;
}

/* DMA_H2D / DMA_D2H: the descriptor check the engines use (opcode,
 * reserved fields, arg0, SG count, device range), then the SG table. */
static int exec_dma(struct csa_hw *hw, const struct csa_desc *d,
		    uint64_t *cycles)
{
	struct csa_cycle_params params;
	struct csa_cmd_footprint fp;
	uint64_t bytes = d->arg[0], table = d->addr[0], cost;
	uint32_t count = d->arg[1];
	int st;

	*cycles += CSA_CYCLES_ISSUE;	/* what a rejected one costs */
	st = csa_hw_check_desc(hw, d, &fp);
	if (st)
		return st;
	if (table % 8 ||
	    table > UINT64_MAX - (uint64_t)count * sizeof(struct csa_sg_entry))
		return CSA_STATUS_BAD_SG;
	st = sg_validate(hw, table, count, bytes);
	if (st)
		return st;
	st = sg_move(hw, d->opcode == CSA_OP_DMA_H2D, table, count,
		     hw->cfg.devmem + d->addr[1], bytes);
	if (st)
		return st;
	csa_cycle_params_resolve(&hw->cfg.cycles, &params);
	cost = csa_cycles_dma(&params, bytes);
	*cycles += cost - CSA_CYCLES_ISSUE;
	hw->ctr.busy[CSA_ENGINE_DMA] += cost;
	hw->ctr.dma_bytes += bytes;
	hw->ctr.mem_bytes += bytes;
	return CSA_STATUS_OK;
}

/* ---- one descriptor ------------------------------------------------------ */

/* NOP and FENCE are checked and costed like any engine command; the
 * command processor adds FENCE's completion entry itself.  A dependency
 * reaching before the job's first descriptor is BAD_ARG, after the
 * descriptor's own checks (exec.c's order). */
static int execute(struct csa_hw *hw, const struct csa_desc *d,
		   uint32_t job_index, uint64_t *cycles)
{
	if (csa_dep_out_of_job(d->dep, job_index)) {
		struct csa_cmd_footprint fp;
		int st = csa_hw_check_desc(hw, d, &fp);

		*cycles += CSA_CYCLES_ISSUE;
		return st ? st : CSA_STATUS_BAD_ARG;
	}
	if (d->opcode == CSA_OP_DMA_H2D || d->opcode == CSA_OP_DMA_D2H)
		return exec_dma(hw, d, cycles);
	return csa_hw_exec(hw, d, cycles);
}

/* The command on the timeline: its own price and bytes, its queue and
 * dependency.  A skipped one (its job failed) takes no time. */
static uint64_t place(struct csa_hw *hw, const struct csa_hw_cmd *cmd,
		      uint64_t *start)
{
	struct csa_cycle_params params;
	struct csa_tl_cmd c;

	if (cmd->skip || hw->job_failed) {
		*start = hw->tl.job_end;
		return hw->tl.job_end;
	}
	csa_cycle_params_resolve(&hw->cfg.cycles, &params);
	c.queue = csa_queue_of(cmd->desc.opcode);
	/* a rejected field gets the in-order default; it costs issue only */
	c.dep = cmd->status == CSA_STATUS_OK ? cmd->desc.dep : 0;
	c.job_index = cmd->job_index;
	c.cycles = cmd->cycles;
	c.mem_bytes = cmd->ctr.mem_bytes;
	return csa_timeline_place(&hw->tl, &params, &c, start);
}

uint64_t csa_hw_place(struct csa_hw *hw, struct csa_hw_cmd *cmd)
{
	if (!cmd->placed && cmd->ring_gen == hw->ring_gen) {
		cmd->end = place(hw, cmd, &cmd->start);
		cmd->placed = 1;
	}
	return cmd->end;
}

/* Account for a descriptor csa_hw_execute() ran (or skipped), post its
 * completion entries and advance the job state. */
static void step(struct csa_hw *hw, const struct csa_hw_cmd *cmd)
{
	const struct csa_desc *d = &cmd->desc;
	int last = d->flags & CSA_DESC_F_LAST;
	uint32_t slot = cmd->slot;
	unsigned int e;

	if (!hw->job_failed) {
		for (e = 0; e < CSA_ENGINE_COUNT; e++)
			hw->ctr.busy[e] += cmd->ctr.busy[e];
		hw->ctr.dma_bytes += cmd->ctr.dma_bytes;
		hw->ctr.mem_bytes += cmd->ctr.mem_bytes;
		if (!cmd->placed) {
			uint64_t start;

			place(hw, cmd, &start);
		}
		/* the job's span on the two queues: the sum of its
		 * commands' cycles when each waits for the one before */
		hw->job_cycles = csa_timeline_job_cycles(&hw->tl);
		hw->ctr.total += cmd->cycles;
		hw->ctr.commands++;
		if (cmd->status != CSA_STATUS_OK) {
			hw->ctr.errors++;
			if (post(hw, d->tag, cmd->status, 0, 0, slot))
				return;
			hw->job_failed = 1;
		} else if (d->opcode == CSA_OP_FENCE) {
			if (post(hw, d->tag, CSA_STATUS_OK, CSA_CQE_F_FENCE,
				 d->arg[0] | (uint64_t)d->arg[1] << 32, slot))
				return;
		}
		if (last && !hw->job_failed &&
		    post(hw, d->tag, CSA_STATUS_OK, 0, 0, slot))
			return;
	}
	if (last) {
		hw->job_index = 0;
		hw->job_cycles = 0;
		hw->job_failed = 0;
	} else {
		hw->job_index++;
	}
}

/* CQ entries the descriptor may post: a FENCE ending a job posts two. */
static uint32_t cq_need(const struct csa_hw *hw, const struct csa_desc *d)
{
	if (!hw->job_failed && d->opcode == CSA_OP_FENCE &&
	    (d->flags & CSA_DESC_F_LAST))
		return 2;
	return 1;
}

static int can_fetch(const struct csa_hw *hw)
{
	if (!(hw->status & CSA_STS_READY))
		return 0;
	if (hw->cfg.fault_hang_after && hw->fetched >= hw->cfg.fault_hang_after)
		return 0;	/* injected hang: silent until reset */
	return hw->sq_head != hw->sq_tail;
}

int csa_hw_fetch(struct csa_hw *hw, struct csa_hw_cmd *cmd)
{
	uint32_t slot = hw->sq_head;

	if (!can_fetch(hw) || !csa_cq_free(hw))
		return 0;
	if (csa_sq_fetch(hw, &cmd->desc)) {
		csa_halt(hw, CSA_ERR_SQ_FETCH, 0, slot);
		return 0;
	}
	/* Not consumed until its completions fit: re-read later. */
	if (csa_cq_free(hw) < cq_need(hw, &cmd->desc))
		return 0;
	csa_sq_consume(hw);
	cmd->slot = slot;
	cmd->ring_gen = hw->ring_gen;
	cmd->skip = hw->job_failed;
	cmd->status = CSA_STATUS_OK;
	cmd->cycles = 0;
	memset(&cmd->ctr, 0, sizeof(cmd->ctr));
	cmd->job_index = hw->job_index;
	cmd->placed = 0;
	cmd->start = 0;
	cmd->end = 0;
	return 1;
}

int csa_hw_cmd_uses_host(const struct csa_hw_cmd *cmd)
{
	return !cmd->skip && (cmd->desc.opcode == CSA_OP_DMA_H2D ||
			      cmd->desc.opcode == CSA_OP_DMA_D2H);
}

void csa_hw_execute(struct csa_hw *exe, struct csa_hw_cmd *cmd)
{
	struct csa_hw_counters saved = exe->ctr;

	cmd->status = CSA_STATUS_OK;
	cmd->cycles = 0;
	memset(&cmd->ctr, 0, sizeof(cmd->ctr));
	if (cmd->skip)
		return;
	/* The engines count into exe->ctr: collect this command's share. */
	memset(&exe->ctr, 0, sizeof(exe->ctr));
	cmd->status = execute(exe, &cmd->desc, cmd->job_index, &cmd->cycles);
	cmd->ctr = exe->ctr;
	exe->ctr = saved;
}

int csa_hw_cmd_cancelled(const struct csa_hw_cmd *cmd)
{
	return !cmd->skip && cmd->status == CSA_STATUS_ABORTED;
}

int csa_hw_complete(struct csa_hw *hw, const struct csa_hw_cmd *cmd)
{
	if (cmd->ring_gen != hw->ring_gen)
		return 0;	/* the rings restarted since the fetch */
	step(hw, cmd);
	irq_flush(hw);
	return 1;
}

void csa_hw_flush(struct csa_hw *hw)
{
	/* Stalled on a full CQ, or out of work: no completion waits for
	 * more company before it is signalled. */
	if (hw->sq_head == hw->sq_tail || csa_cq_free(hw) < 2 ||
	    (hw->status & CSA_STS_HALTED))
		cq_signal(hw);
	irq_flush(hw);
}

unsigned int csa_hw_run(struct csa_hw *hw, unsigned int max_desc)
{
	unsigned int done = 0;
	struct csa_hw_cmd cmd;

	irq_flush(hw);
	while (can_fetch(hw)) {
		if (max_desc && done == max_desc) {
			/* Budget spent: ask to be run again. */
			if (hw->ops->kick)
				hw->ops->kick(hw->ctx);
			break;
		}
		if (!csa_hw_fetch(hw, &cmd))
			break;
		done++;
		csa_hw_execute(hw, &cmd);
		csa_hw_complete(hw, &cmd);
	}
	csa_hw_flush(hw);
	return done;
}
