// SPDX-License-Identifier: MIT
/* trace.c - Chrome trace JSON of the modelled engine timeline; see trace.h. */
#include "trace.h"

#include <errno.h>
#include <string.h>

#include "csa/csa_device.h"

static const char *const opcode_names[CSA_OP_COUNT] = {
	[CSA_OP_NOP] = "NOP", [CSA_OP_FENCE] = "FENCE", [CSA_OP_DMA_H2D] = "DMA_H2D",
	[CSA_OP_DMA_D2H] = "DMA_D2H", [CSA_OP_COPY] = "COPY", [CSA_OP_EMBED] = "EMBED",
	[CSA_OP_RMSNORM] = "RMSNORM", [CSA_OP_MATVEC_F32] = "MATVEC_F32",
	[CSA_OP_MATVEC_BCQ] = "MATVEC_BCQ", [CSA_OP_ROPE] = "ROPE",
	[CSA_OP_KV_APPEND] = "KV_APPEND", [CSA_OP_ATTENTION] = "ATTENTION",
	[CSA_OP_SILU_MUL] = "SILU_MUL", [CSA_OP_ADD] = "ADD", [CSA_OP_ARGMAX] = "ARGMAX",
	[CSA_OP_SOFTMAX] = "SOFTMAX", [CSA_OP_MATVEC_BCQ_BATCH] = "MATVEC_BCQ_BATCH",
	[CSA_OP_KV_APPEND_BATCH] = "KV_APPEND_BATCH",
	[CSA_OP_ATTENTION_BATCH] = "ATTENTION_BATCH",
	[CSA_OP_MATVEC_F32_BATCH] = "MATVEC_F32_BATCH",
};

static const char *const engine_names[CSA_ENGINE_COUNT] = {
	"dma", "vector", "bcq (shift-add)", "pim", "consmax" };

#define TOKEN_TRACK 10

void llm_trace_cost(const struct csa_cycle_params *p, const struct drm_csa_cmd *cmd,
		    struct csa_cmd_cost *cost)
{
	struct csa_desc d;

	memset(cost, 0, sizeof(*cost));
	if (cmd->opcode == CSA_OP_DMA_H2D || cmd->opcode == CSA_OP_DMA_D2H) {
		cost->cycles = csa_cycles_dma(p, cmd->arg[0]);
		cost->busy[CSA_ENGINE_DMA] = cost->cycles;
		cost->mem_bytes = cmd->arg[0];
		return;
	}
	/* the cost model reads opcode, flags and args, never addresses */
	memset(&d, 0, sizeof(d));
	d.opcode = (uint8_t)cmd->opcode;
	d.flags = (uint8_t)cmd->flags;
	for (unsigned int i = 0; i < CSA_CMD_ARGS && i < CSA_DESC_ARGS; i++)
		d.arg[i] = cmd->arg[i];
	csa_cycles_cmd(p, &d, cost);
}

static void thread_name(struct json_writer *w, int tid, const char *name)
{
	json_object_begin(w);
	json_member_string(w, "ph", "M");
	json_member_string(w, "name", "thread_name");
	json_member_int(w, "pid", 1);
	json_member_int(w, "tid", tid);
	json_key(w, "args");
	json_object_begin(w);
	json_member_string(w, "name", name);
	json_object_end(w);
	json_object_end(w);
}

int llm_trace_open(struct llm_trace *t, const char *path, const struct accel_info *info,
		   struct llm_err *e)
{
	struct csa_cycle_params given = {
		.clock_khz = info->clock_khz, .dram_mbps = info->dram_mbps,
		.bcq_lanes = info->bcq_lanes, .pim_banks = info->pim_banks,
		.pim_macs = info->pim_macs_per_bank, .vec_lanes = info->vec_lanes,
	};
	int rc;

	memset(t, 0, sizeof(*t));
	csa_cycle_params_resolve(&given, &t->params);
	t->cycles_per_us = t->params.clock_khz / 1e3;
	rc = llm_outfile_open(&t->out, path, e);
	if (rc)
		return rc;
	json_init(&t->w, t->out.f, JSON_COMPACT);
	json_object_begin(&t->w);
	json_member_string(&t->w, "displayTimeUnit", "ns");
	json_key(&t->w, "otherData");
	json_object_begin(&t->w);
	json_member_string(&t->w, "source", "accel-llm --trace: modelled cycles (hw/cycle_model.h)");
	json_member_string(&t->w, "device", info->path);
	json_member_uint(&t->w, "clock_khz", t->params.clock_khz);
	json_object_end(&t->w);
	json_key(&t->w, "traceEvents");
	json_array_begin(&t->w);
	for (int i = 0; i < CSA_ENGINE_COUNT; i++)
		thread_name(&t->w, i, engine_names[i]);
	thread_name(&t->w, TOKEN_TRACK, "token (one command list)");
	return 0;
}

void llm_trace_token(struct llm_trace *t, const struct drm_csa_cmd *cmds, uint32_t n,
		     int token, int pos, uint64_t device_cycles)
{
	struct json_writer *w = &t->w;
	uint64_t start = t->now;

	for (uint32_t i = 0; i < n; i++) {
		struct csa_cmd_cost c;
		unsigned int engine = 0;

		llm_trace_cost(&t->params, &cmds[i], &c);
		for (unsigned int k = 1; k < CSA_ENGINE_COUNT; k++)
			if (c.busy[k] > c.busy[engine])
				engine = k;
		json_object_begin(w);
		json_member_string(w, "ph", "X");
		json_member_string(w, "name", cmds[i].opcode < CSA_OP_COUNT ?
				   opcode_names[cmds[i].opcode] : "UNKNOWN");
		json_member_string(w, "cat", engine_names[engine]);
		json_member_int(w, "pid", 1);
		json_member_int(w, "tid", engine);
		json_member_double(w, "ts", t->now / t->cycles_per_us);
		json_member_double(w, "dur", c.cycles / t->cycles_per_us);
		json_key(w, "args");
		json_object_begin(w);
		json_member_uint(w, "cycles", c.cycles);
		for (unsigned int k = 0; k < CSA_ENGINE_COUNT; k++)
			if (c.busy[k]) {
				char key[32];

				snprintf(key, sizeof(key), "busy_%s", k == CSA_ENGINE_BCQ ? "bcq" :
					 engine_names[k]);
				json_member_uint(w, key, c.busy[k]);
			}
		json_member_uint(w, "mem_bytes", c.mem_bytes);
		json_member_int(w, "pos", pos);
		json_member_uint(w, "index", i);
		json_member_uint(w, "of", n);
		json_object_end(w);
		json_object_end(w);
		t->now += c.cycles;
		t->commands++;
	}
	json_object_begin(w);
	json_member_string(w, "ph", "X");
	json_member_string(w, "name", "token");
	json_member_int(w, "pid", 1);
	json_member_int(w, "tid", TOKEN_TRACK);
	json_member_double(w, "ts", start / t->cycles_per_us);
	json_member_double(w, "dur", (t->now - start) / t->cycles_per_us);
	json_key(w, "args");
	json_object_begin(w);
	json_member_int(w, "pos", pos);
	json_member_int(w, "token", token);
	json_member_uint(w, "commands", n);
	json_member_uint(w, "cycles", t->now - start);
	json_member_uint(w, "device_cycles", device_cycles);
	json_object_end(w);
	json_object_end(w);
	t->tokens++;
	t->mismatched += t->now - start != device_cycles;
}

int llm_trace_close(struct llm_trace *t, struct llm_err *e)
{
	json_array_end(&t->w);
	json_object_end(&t->w);
	if (json_finish(&t->w)) {
		/* the writer's own error; the stream's comes from commit */
		if (!t->out.err)
			t->out.err = errno ? errno : EIO;
	}
	return llm_outfile_commit(&t->out, e);
}
