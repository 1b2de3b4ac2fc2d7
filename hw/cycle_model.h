/* SPDX-License-Identifier: MIT */
/*
 * cycle_model.h - modelled cycles of each command on a board profile
 * (docs/commands.md, "Cycle model"; docs/board.md for the profiles).
 *
 * A command is first reduced to its work (struct csa_cmd_work: engine
 * cycles with memory never waiting, device-memory bytes, arithmetic ops),
 * then priced against a memory bandwidth.  The engines stream their
 * operands double-buffered, so compute and memory overlap:
 *     cycles = max(compute, memory) [+ a serial second phase] + issue
 * csa_cmd_price() takes the bandwidth as an argument so a timeline of
 * several engine queues sharing the memory can price the same work at
 * the share each queue gets.
 */
#ifndef CSA_CYCLE_MODEL_H
#define CSA_CYCLE_MODEL_H

#include <stdint.h>

#include "hw/csa_hw.h"

/* Fixed cost of fetching and decoding one descriptor. */
#define CSA_CYCLES_ISSUE	16u

struct csa_cmd_work {
	unsigned int engine;	/* enum drm_csa_engine of the main phase */
	uint64_t compute;	/* its cycles when memory never stalls it */
	unsigned int engine2;	/* a second phase (attention's softmax) */
	uint64_t compute2;
	int serial2;		/* 1: after the main phase; 0: pipelined with it */
	uint64_t mem_bytes;	/* device memory bytes moved (read + written) */
	uint64_t ops;		/* arithmetic operations, for the roofline */
};

struct csa_cmd_cost {
	uint64_t cycles;		/* the command, issue included */
	uint64_t busy[5];		/* per enum drm_csa_engine; sums to cycles */
	uint64_t mem_bytes;		/* device memory read + written */
	uint64_t compute;		/* engine cycles (both phases) */
	uint64_t memory;		/* memory cycles at the bandwidth priced */
	uint64_t ops;
};

/* Copy @in to @out with every zero field replaced by the value of the
 * board profile in->board names (0: the default board).  Returns 0, or -1
 * when in->board names no profile (then the default board is used). */
int csa_cycle_params_resolve(const struct csa_cycle_params *in,
			     struct csa_cycle_params *out);

/* ceil(bytes * clock / bandwidth) at @mbps (MB/s = 10^6 B/s). */
uint64_t csa_cycles_for_bytes(const struct csa_cycle_params *p,
			      uint64_t bytes, uint32_t mbps);

/* A host<->device DMA command of @bytes: PCIe time + issue.  Charge it to
 * CSA_ENGINE_DMA.  (The device memory side, @bytes, also counts in
 * mem_bytes.) */
uint64_t csa_cycles_dma(const struct csa_cycle_params *p, uint64_t bytes);

/* The work of one validated engine descriptor (not DMA).  @p resolved. */
void csa_cmd_work_of(const struct csa_cycle_params *p,
		     const struct csa_desc *d, struct csa_cmd_work *w);

/* Price @w with @mem_mbps of memory bandwidth (p->dram_mbps when the
 * command has the memory to itself). */
void csa_cmd_price(const struct csa_cycle_params *p,
		   const struct csa_cmd_work *w, uint32_t mem_mbps,
		   struct csa_cmd_cost *cost);

/* Both steps at the full bandwidth: what the device reports. */
void csa_cycles_cmd(const struct csa_cycle_params *p,
		    const struct csa_desc *d, struct csa_cmd_cost *cost);

#endif /* CSA_CYCLE_MODEL_H */
