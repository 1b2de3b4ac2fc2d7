/* SPDX-License-Identifier: MIT */
/*
 * csa_hw.h - the C model of the CSA card: register file, rings, command
 * processor, engines and cycle model.
 *
 * Pure C99 and no OS calls: host memory (DMA), interrupts and the wake-up of
 * the command processor reach it through struct csa_hw_ops; device memory is
 * a byte array the embedder owns.  The QEMU device (qemu-device/) and
 * libaccel's in-process backend (libaccel/backend_sim.c) embed this very
 * code, so both produce bit-identical results.
 *
 * Threading: the model is not thread-safe.  The embedder serializes every
 * call (QEMU: the BQL; libaccel: a mutex), and calls csa_hw_run() from its
 * worker after ops->kick() so the doorbell write itself returns at once.
 */
#ifndef CSA_HW_H
#define CSA_HW_H

#include <stddef.h>
#include <stdint.h>

#include "csa/csa_device.h"

struct csa_hw_ops {
	/* Read/write host memory at a bus address; 0 or a negative error. */
	int (*dma_read)(void *ctx, uint64_t bus_addr, void *dst, size_t len);
	int (*dma_write)(void *ctx, uint64_t bus_addr, const void *src,
			 size_t len);
	/* An interrupt event on MSI-X vector @vector (CSA_MSIX_VEC_*).  An
	 * embedder using INTx drives the line from csa_hw_irq_level(). */
	void (*irq)(void *ctx, unsigned int vector);
	/* Work is pending: call csa_hw_run() soon (not from inside this hook). */
	void (*kick)(void *ctx);
};

/* Cycle-model parameters (also reported in the identity registers).  A
 * zero field takes the value of the board profile @board names
 * (hw/board_profiles.c; 0 = CSA_BOARD_DEFAULT); a non-zero one overrides
 * it. */
struct csa_cycle_params {
	uint32_t clock_khz;	/* engine clock */
	uint32_t dram_mbps;	/* sustained device memory bandwidth, MB/s */
	uint32_t bcq_lanes;	/* shift-add table lookups per cycle */
	uint32_t pim_banks;	/* attention units */
	uint32_t pim_macs;	/* multipliers per attention unit */
	uint32_t vec_lanes;	/* f32 lanes of the vector unit */
	uint32_t pcie_mbps;	/* sustained host DMA bandwidth, MB/s */
	uint32_t board;		/* CSA_BOARD_*, 0 = default */
	uint32_t mem_channels;	/* DDR channels / HBM pseudo-channels */
	uint32_t mem_peak_mbps;	/* datasheet peak of all channels */
	uint32_t burst_bytes;	/* smallest DRAM access (scattered writes) */
};

/* CSA_BOARD_* of the board profile named @name ("kcu105", "u250",
 * "u55c"; hw/board_profiles.c), 0 if there is none. */
uint32_t csa_hw_board_id(const char *name);

/* The PCIe link of board @id (0 = CSA_BOARD_DEFAULT): generation (1-4) and
 * lanes, from its profile; 0 if there is no such board. */
int csa_hw_board_link(uint32_t id, uint32_t *gen, uint32_t *lanes);

struct csa_hw_config {
	uint8_t *devmem;	/* device memory, owned by the embedder */
	uint64_t devmem_size;	/* bytes, multiple of 4096 */
	int devmem_bar;		/* 1 if BAR2 maps devmem (CSA_CAP_DEVMEM_BAR) */
	struct csa_cycle_params cycles; /* zero fields take the defaults */
	/* Fault injection for tests: stop fetching (a hang) after this many
	 * descriptors; 0 disables.  Cleared by reset. */
	uint32_t fault_hang_after;
};

/* Per-engine and global counters, mirrored in the PERF registers. */
struct csa_hw_counters {
	uint64_t busy[5];	/* enum drm_csa_engine */
	uint64_t total;
	uint64_t commands;
	uint64_t dma_bytes;
	uint64_t mem_bytes;
	uint64_t errors;
	uint64_t resets;
};

/* The modelled schedule of the two engine queues (hw/timeline.h,
 * docs/device-spec.md 3.6).  Breakpoints of the bandwidth profile kept
 * for the commands still running; past CSA_TL_POINTS the two oldest
 * pieces merge (charging the larger rate to both: never more bandwidth
 * than the memory has). */
#define CSA_TL_POINTS		256u
/* Bandwidth in bytes per cycle x 2^CSA_TL_RATE_SHIFT. */
#define CSA_TL_RATE_SHIFT	16u

struct csa_timeline {
	uint64_t queue_free[CSA_QUEUE_COUNT];	/* end of each queue's last */
	uint64_t job_begin;	/* end of everything before the current job */
	uint64_t job_end;	/* latest end in the current job */
	uint64_t last_end;	/* latest end of any descriptor */
	uint64_t done[CSA_DEP_MAX + 1];	/* end, by index in the job mod 1024 */
	/* memory bandwidth in use: rate[i] over [t[i], t[i+1]), 0 after */
	uint32_t npoints;
	uint64_t t[CSA_TL_POINTS];
	uint64_t rate[CSA_TL_POINTS];
};

/* Scratch the engines use as on-chip SRAM (attention scores, BCQ tables). */
#define CSA_HW_SCRATCH_FLOATS	(CSA_SEQ_MAX + 4096)

struct csa_hw {
	struct csa_hw_config cfg;
	const struct csa_hw_ops *ops;
	void *ctx;

	/* register state */
	uint32_t control, status, error_status, error_info;
	uint32_t irq_status, irq_mask, irq_coalesce, scratch;
	uint64_t sq_base, cq_base;
	uint32_t sq_size, cq_size;
	uint32_t sq_head, sq_tail, cq_head, cq_tail;
	uint32_t cq_phase;		/* phase bit the device writes now */
	uint32_t coalesce_pending;	/* completions since the last interrupt */
	uint32_t perf_hi_latch;

	/* job state: descriptors since the last F_LAST */
	uint32_t job_index;
	uint64_t job_cycles;
	int job_failed;

	uint32_t ring_gen;		/* bumped each time the rings (re)start */
	struct csa_timeline tl;		/* restarts with the rings */

	uint64_t fetched;		/* descriptors fetched since reset */
	struct csa_hw_counters ctr;

	float scratch_f[CSA_HW_SCRATCH_FLOATS];

	/* CSA_IRQ_* events whose message is still to be sent: held while
	 * masked, sent by csa_hw_run() once unmasked (like an MSI-X PBA). */
	uint32_t irq_pending;

	/* An embedder running csa_hw_execute() on another thread may point
	 * this at a flag it sets to stop a long command early: ATTENTION
	 * checks it before each head and ends with CSA_STATUS_ABORTED, its
	 * output partial (it never overlaps the inputs, so running the
	 * command again from the start is exact).  NULL: never stops. */
	const volatile int *cancel;
};

/* Power-on: registers to reset values; 0 or -EINVAL-like negative on a bad
 * config (devmem NULL, size 0 or not a multiple of 4096). */
int csa_hw_init(struct csa_hw *hw, const struct csa_hw_config *cfg,
		const struct csa_hw_ops *ops, void *ctx);

uint32_t csa_hw_mmio_read(struct csa_hw *hw, uint32_t offset);
void csa_hw_mmio_write(struct csa_hw *hw, uint32_t offset, uint32_t value);

/* Run the command processor: fetch and execute up to @max_desc descriptors
 * (0 = until the ring is empty or the CQ is full).  Returns the number run. */
unsigned int csa_hw_run(struct csa_hw *hw, unsigned int max_desc);

/*
 * The command processor in steps, for an embedder that runs the engines
 * outside its lock or completes a command at its modelled time (QEMU).
 * csa_hw_run() is fetch + execute + complete per descriptor, then flush.
 * One command at a time may be between fetch and complete.
 */
struct csa_hw_cmd {
	struct csa_desc desc;
	uint32_t slot;		/* the SQ slot it came from */
	uint32_t ring_gen;	/* hw->ring_gen at fetch */
	int skip;		/* its job already failed: not executed */
	int status;		/* enum drm_csa_status, from execute */
	uint64_t cycles;	/* modelled cycles, from execute */
	struct csa_hw_counters ctr;	/* engine counters it adds */
	uint32_t job_index;	/* its index in its job, at fetch */
	int placed;		/* csa_hw_place() ran: start/end are set */
	uint64_t start, end;	/* on the timeline (hw->tl), cycles */
};

/* Consume the next descriptor if one can run now (ready, not hung, room in
 * the CQ for its completions): 1 with @cmd filled, else 0 (a failed SQ
 * read halts the device, as in csa_hw_run). */
int csa_hw_fetch(struct csa_hw *hw, struct csa_hw_cmd *cmd);

/* 1 when executing @cmd reads or writes host memory (ops->dma_*): DMA_H2D
 * and DMA_D2H.  Every other command touches device memory only. */
int csa_hw_cmd_uses_host(const struct csa_hw_cmd *cmd);

/* Run @cmd on the engines of @exe: reads exe->cfg, exe->ops/ctx (host
 * DMA), writes device memory and exe->scratch_f only.  @exe may be the
 * fetching model itself or a copy (same cfg) used by another thread. */
void csa_hw_execute(struct csa_hw *exe, struct csa_hw_cmd *cmd);

/* Place executed @cmd on the two queues' timeline (once; csa_hw_complete
 * does it if the embedder did not) and return its end cycle: when the
 * card would finish it (docs/device-spec.md 3.6).  The timeline is in
 * cycles since the rings started; hw->tl.last_end is the end of all the
 * work placed so far.  Skipped commands end where the job stands. */
uint64_t csa_hw_place(struct csa_hw *hw, struct csa_hw_cmd *cmd);

/* 1 when csa_hw_execute() ended @cmd early because exe->cancel was set
 * (nothing else makes an engine return CSA_STATUS_ABORTED). */
int csa_hw_cmd_cancelled(const struct csa_hw_cmd *cmd);

/* Account for @cmd, post its completion entries, advance the job and send
 * the interrupts due.  Returns 0 (and does nothing) when the rings were
 * restarted (enable, soft reset) since the fetch. */
int csa_hw_complete(struct csa_hw *hw, const struct csa_hw_cmd *cmd);

/* Signal completions nothing more will join (idle, CQ full, halted) and
 * send every unmasked pending interrupt. */
void csa_hw_flush(struct csa_hw *hw);

/* Level of the INTx line: (IRQ_STATUS & ~IRQ_MASK) != 0. */
int csa_hw_irq_level(const struct csa_hw *hw);

/* Execute one descriptor whose addresses are all device addresses (no
 * DMA): the engines alone.  Returns enum drm_csa_status and adds the
 * modelled cycles to *cycles.  Used by the command processor; exposed for
 * the golden tests. */
int csa_hw_exec(struct csa_hw *hw, const struct csa_desc *d, uint64_t *cycles);

#endif /* CSA_HW_H */
