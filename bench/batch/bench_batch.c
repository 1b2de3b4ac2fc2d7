// SPDX-License-Identifier: MIT
/*
 * bench_batch.c - projected aggregate decode throughput of a batch of B
 * requests (B = 1, 4, 16, 64) on the board the cycle model describes:
 * today's sequential lists, a batched shift-add matvec on one queue (the
 * matvec and attention sides in turn: "NPU-only"), and NeuPIMs' two
 * interleaved sub-batches on two queues (batch_projection.h).
 * Usage: bench-batch MODELS_DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch_projection.h"
#include "hw/cycle_model.h"

static const int batches[] = { 1, 4, 16, 64 };

static void row(const struct csa_cycle_params *p, const char *name, const struct bp_model *m)
{
	int pos = m->cfg.seq_len / 2;
	double hz = p->clock_khz * 1e3;

	printf("%-13s %-8s %5d |", name, !m->planes ? "f32" : m->classifier_bcq ? "bcq3+cls" : "bcq3",
	       pos);
	for (size_t i = 0; i < sizeof(batches) / sizeof(batches[0]); i++) {
		struct bp_result r;
		int b = batches[i];

		if (bp_step(p, m, b, pos, &r)) {
			printf(" %-32s |", "-");
			continue;
		}
		printf(" %7.0f %7.0f %7.0f %5.2fx |", b * hz / r.sequential, b * hz / r.npu_only,
		       b * hz / r.interleaved, r.npu_only / r.interleaved);
	}
	putchar('\n');
}

/* The attention side of a step: one KV_APPEND and one ATTENTION per
 * request and layer, against one KV_APPEND_BATCH and one ATTENTION_BATCH
 * per layer (and the step's table), priced side by side. */
static void attention_row(const struct csa_cycle_params *p, const char *name,
			  const struct llm_config *c)
{
	struct bp_model m;
	int pos = c->seq_len / 2;

	memset(&m, 0, sizeof(m));
	m.cfg = *c;
	printf("%-13s %5d |", name, pos);
	for (size_t i = 1; i < sizeof(batches) / sizeof(batches[0]); i++) {
		struct bp_result r;

		if (bp_step(p, &m, batches[i], pos, &r)) {
			printf(" %-27s |", "-");
			continue;
		}
		printf(" %9.0f %9.0f %5.3fx |", r.attn_per_request, r.attn_batched,
		       r.attn_per_request / r.attn_batched);
	}
	putchar('\n');
}

static void shape(const struct csa_cycle_params *p, const char *name, const struct llm_config *c)
{
	struct bp_model m;

	memset(&m, 0, sizeof(m));
	m.cfg = *c;
	row(p, name, &m);
	m.planes = 3;
	for (int w = 0; w <= LLM_LAYER_MATRICES; w++)
		m.group_of[w] = LLM_BCQ_DEFAULT_GROUP;
	row(p, name, &m);
	m.classifier_bcq = 1;
	row(p, name, &m);
}

static void board(const struct csa_cycle_params *given, const char *name,
		  const char *models)
{
	struct csa_cycle_params p;
	struct llm_config c;
	struct llm_model model;
	struct llm_err e = { "" };
	char path[4096];

	csa_cycle_params_resolve(given, &p);
	printf("\nboard: %s\n  %u MHz, %u MB/s device memory, %u BCQ lanes, %u PIM banks x %u MACs, %u vector lanes;\n"
	       "  greedy, every request at mid-context\n",
	       name, p.clock_khz / 1000, p.dram_mbps, p.bcq_lanes, p.pim_banks, p.pim_macs, p.vec_lanes);
	printf("%-13s %-8s %5s |", "model", "weights", "pos");
	for (size_t i = 0; i < sizeof(batches) / sizeof(batches[0]); i++)
		printf(" B=%-2d tok/s: seq  npu-only interl. gain |", batches[i]);
	putchar('\n');
	if (models && models[0]) {
		snprintf(path, sizeof(path), "%s/stories260K.bin", models);
		if (!llm_model_load(&model, path, &e)) {
			shape(&p, "stories260K", &model.cfg);
			llm_model_free(&model);
		} else {
			fprintf(stderr, "bench-batch: %s\n", e.msg);
		}
	}
	if (!llm_config_parse_shape("15M", &c, &e))
		shape(&p, "15M shape", &c);
	if (!llm_config_parse_shape("110M", &c, &e))
		shape(&p, "110M shape", &c);
	printf("attention side of a step (cycles, all layers): per-request KV_APPEND + ATTENTION vs\n"
	       "one KV_APPEND_BATCH + ATTENTION_BATCH per layer (and the step's table)\n");
	printf("%-13s %5s |", "model", "pos");
	for (size_t i = 1; i < sizeof(batches) / sizeof(batches[0]); i++)
		printf(" B=%-2d per-req   batched  gain |", batches[i]);
	putchar('\n');
	if (models && models[0]) {
		snprintf(path, sizeof(path), "%s/stories260K.bin", models);
		if (!llm_model_load(&model, path, &e)) {
			attention_row(&p, "stories260K", &model.cfg);
			llm_model_free(&model);
		}
	}
	if (!llm_config_parse_shape("15M", &c, &e))
		attention_row(&p, "15M shape", &c);
	if (!llm_config_parse_shape("110M", &c, &e))
		attention_row(&p, "110M shape", &c);
}

int main(int argc, char **argv)
{
	const char *models = argc > 1 ? argv[1] : NULL;
	struct csa_cycle_params defaults = { 0 };
	/* The same board with the shift-add and vector engines widened until
	 * the 110M shape's matvecs stream their weights at the memory's speed
	 * at batch 1 (DESIGN.md's sizing rule); an illustration of that rule,
	 * not a part we have priced. */
	struct csa_cycle_params balanced = { .bcq_lanes = 256, .vec_lanes = 128 };

	printf("batch projection (bench/batch/batch_projection.c) priced with today's hw/cycle_model.c\n");
	board(&defaults, "the cycle model's defaults (hw/cycle_model.h)", models);
	board(&balanced, "defaults with 256 BCQ lanes and 128 vector lanes (engines sized to the memory)",
	      models);
	printf("seq: B requests' token lists one after the other; npu-only: what llm_batch_step() runs, one\n"
	       "MATVEC_BCQ_BATCH per BCQ matrix and one MATVEC_F32_BATCH per f32 matrix (the f32 classifier\n"
	       "too; weights read once) and one KV_APPEND_BATCH + ATTENTION_BATCH per layer (every K/V\n"
	       "byte still read), matvec and attention sides in turn on one queue; interl.: two\n"
	       "sub-batches on two queues (NeuPIMs), one's attention beside the other's matvecs, never faster\n"
	       "than the step's DRAM-interface bytes (projected: the second queue is not in hw/ yet);\n"
	       "gain = npu-only / interleaved step time.\n");
	return 0;
}
