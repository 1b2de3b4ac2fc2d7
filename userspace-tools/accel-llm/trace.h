/* SPDX-License-Identifier: MIT */
/*
 * trace.h - accel-llm --trace FILE: the modelled engine timeline of every
 * command as Chrome trace JSON (Perfetto, chrome://tracing open it).  Each
 * command is a complete event on the track of the engine that is busy
 * longest for it, lasting its modelled cycles at the device's clock
 * (hw/cycle_model.h, struct csa_cmd_cost); its args say the cycles, each
 * engine's busy cycles, the device-memory bytes, the token's sequence
 * position and the command's index in the token.  A "token" track spans
 * each token's command list.
 */
#ifndef ACCEL_LLM_TRACE_H
#define ACCEL_LLM_TRACE_H

#include <accel/accel.h>

#include "hw/cycle_model.h"
#include "llm_outfile.h"
#include "userspace-tools/accel-info/json.h"

struct llm_trace {
	struct llm_outfile out;
	struct json_writer w;
	struct csa_cycle_params params;
	double cycles_per_us;
	uint64_t now;		/* modelled cycles since the first command */
	uint64_t tokens, commands;
	uint64_t mismatched;	/* tokens whose sum differs from the device's */
};

/* Checks @path can be written (before any work) and starts the document. */
int llm_trace_open(struct llm_trace *t, const char *path, const struct accel_info *info,
		   struct llm_err *e);
/* One token's command list, as run at sequence position @pos; the device
 * reported @device_cycles for it. */
void llm_trace_token(struct llm_trace *t, const struct drm_csa_cmd *cmds, uint32_t n,
		     int token, int pos, uint64_t device_cycles);
/* Ends the document and renames it into place. */
int llm_trace_close(struct llm_trace *t, struct llm_err *e);

/* The modelled cost of one UAPI command (DMA: PCIe time; others:
 * csa_cycles_cmd()). */
void llm_trace_cost(const struct csa_cycle_params *p, const struct drm_csa_cmd *cmd,
		    struct csa_cmd_cost *cost);

#endif /* ACCEL_LLM_TRACE_H */
