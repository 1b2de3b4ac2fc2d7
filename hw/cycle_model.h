/* SPDX-License-Identifier: MIT */
/*
 * cycle_model.h - modelled cycles of each command (docs/commands.md,
 * "Cycle model").  A command costs
 *     max(compute cycles, device-memory bytes / bytes per cycle) + issue
 * where compute cycles follow the engine's parallelism (lanes, banks x
 * MACs) and bytes per cycle = dram_mbps * 1000 / clock_khz.
 */
#ifndef CSA_CYCLE_MODEL_H
#define CSA_CYCLE_MODEL_H

#include <stdint.h>

#include "hw/csa_hw.h"

/* Fixed cost of fetching and decoding one descriptor. */
#define CSA_CYCLES_ISSUE	16u

/* Defaults of struct csa_cycle_params (csa_hw.h). */
#define CSA_DEF_CLOCK_KHZ	250000u
#define CSA_DEF_DRAM_MBPS	19200u
#define CSA_DEF_BCQ_LANES	32u
#define CSA_DEF_PIM_BANKS	32u
#define CSA_DEF_PIM_MACS	16u
#define CSA_DEF_VEC_LANES	16u
#define CSA_DEF_PCIE_MBPS	3200u

struct csa_cmd_cost {
	uint64_t cycles;		/* the command, issue included */
	uint64_t busy[5];		/* per enum drm_csa_engine; sums to cycles */
	uint64_t mem_bytes;		/* device memory read + written */
};

/* Copy @in to @out with every zero field replaced by its default. */
void csa_cycle_params_resolve(const struct csa_cycle_params *in,
			      struct csa_cycle_params *out);

/* ceil(bytes * clock / bandwidth) at @mbps (MB/s = 10^6 B/s). */
uint64_t csa_cycles_for_bytes(const struct csa_cycle_params *p,
			      uint64_t bytes, uint32_t mbps);

/* A host<->device DMA command of @bytes: PCIe time + issue.  Charge it to
 * CSA_ENGINE_DMA.  (The device memory side, @bytes, also counts in
 * mem_bytes.) */
uint64_t csa_cycles_dma(const struct csa_cycle_params *p, uint64_t bytes);

/* Cost of one validated engine descriptor (not DMA).  @p resolved. */
void csa_cycles_cmd(const struct csa_cycle_params *p,
		    const struct csa_desc *d, struct csa_cmd_cost *cost);

#endif /* CSA_CYCLE_MODEL_H */
