// SPDX-License-Identifier: MIT
/*
 * bench_batch.c - projected aggregate decode throughput of a batch of B
 * requests (B = 1, 4, 16, 64) on every board profile (hw/board_profiles.c,
 * docs/board.md): the step's descriptor lists priced and placed on the
 * two engine queues by the device's own code (batch_projection.h), one
 * queue in turn ("NPU-only") against two interleaved sub-batches
 * (NeuPIMs).  Usage: bench-batch [MODELS_DIR]; bench-batch --boards lists
 * the profiles' names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch_projection.h"
#include "drm/csa_accel.h"
#include "hw/board_profiles.h"
#include "hw/cycle_model.h"
#include "llm_bcq.h"

static const int batches[] = { 1, 4, 16, 64 };
#define NBATCH (sizeof(batches) / sizeof(batches[0]))

/* Aggregate tok/s of one model row at each batch. */
struct rates {
	double one[NBATCH], two[NBATCH];
	int ok;
};

static void row(const struct csa_cycle_params *p, const char *name, const struct bp_model *m,
		struct rates *t)
{
	int pos = m->cfg.seq_len / 2;
	double hz = p->clock_khz * 1e3;

	t->ok = 1;
	printf("%-12s %-9s %5d |", name, !m->planes ? "f32" : m->classifier_bcq ? "bcq3+cls" : "bcq3",
	       pos);
	for (size_t i = 0; i < NBATCH; i++) {
		struct bp_result r;
		int b = batches[i];

		if (bp_step(p, m, b, pos, &r)) {
			printf(" %-25s |", "-");
			t->ok = 0;
			continue;
		}
		t->one[i] = b * hz / r.npu_only;
		t->two[i] = b * hz / r.interleaved;
		printf(" %8.0f %8.0f %5.2fx%s|", t->one[i], t->two[i], r.npu_only / r.interleaved,
		       b > 1 && r.interleaved >= r.npu_only ? "*" : " ");
	}
	putchar('\n');
}

/* The test on one row: does aggregate throughput grow with the
 * batch, and where does interleaving win? */
static int verdict(const char *board, const struct rates *t)
{
	int grows = t->ok, wins = t->ok;

	for (size_t i = 1; i < NBATCH && t->ok; i++) {
		grows &= t->two[i] > t->two[i - 1] && t->one[i] >= t->one[i - 1] * 0.999;
		wins &= t->two[i] > t->one[i];
	}
	printf("  %s, 110M bcq3+cls: interleaved tok/s %s with batch (1-queue %s), interleaving %s\n",
	       board, grows ? "grows" : "does NOT grow",
	       t->one[NBATCH - 1] > t->one[1] * 1.01 ? "grows" : "saturates from B=4",
	       wins ? "wins at every B >= 4" : "does NOT win at every B >= 4 (* above)");
	return !(grows && wins);
}

/* The attention side of a step (batch-attn): one KV_APPEND and one
 * ATTENTION per request and layer against one KV_APPEND_BATCH and one
 * ATTENTION_BATCH per layer and the step's table, priced side by side. */
static void attention_row(const struct csa_cycle_params *p, const char *name,
			  const struct bp_model *m)
{
	int pos = m->cfg.seq_len / 2;

	printf("%-12s %5d |", name, pos);
	for (size_t i = 1; i < NBATCH; i++) {
		struct bp_result r;

		if (bp_step(p, m, batches[i], pos, &r)) {
			printf(" %-27s |", "-");
			continue;
		}
		printf(" %9.0f %9.0f %5.3fx |", r.attn_per_request, r.attn_batched,
		       r.attn_per_request / r.attn_batched);
	}
	putchar('\n');
}

static void quantized(struct bp_model *m, const struct llm_config *c)
{
	memset(m, 0, sizeof(*m));
	m->cfg = *c;
	/* accel-quant's default: 3 planes, group 64, binary16 scales; the
	 * decoder's default cache with BCQ weights is binary16 */
	m->planes = 3;
	m->bcq_flags = CSA_CMD_F_SCALE16;
	m->kv_flags = CSA_CMD_F_KV_F16;
	for (int w = 0; w <= LLM_LAYER_MATRICES; w++)
		m->group_of[w] = LLM_BCQ_DEFAULT_GROUP;
}

static int board(const struct csa_board_profile *bp, const char *models)
{
	struct rates t;
	struct csa_cycle_params given = { .board = bp->id }, p;
	struct llm_config c;
	struct llm_model model;
	struct llm_err e = { "" };
	struct bp_model m;
	char path[4096];
	int fail = 0;

	csa_cycle_params_resolve(&given, &p);
	printf("\nboard %s: %s\n  %u MHz; %u MB/s sustained device memory (%u MB/s peak x %u.%u%%),"
	       " %u BCQ lanes, %u attention units x %u MACs, %u vector lanes, PCIe %u MB/s\n",
	       bp->name, bp->title, p.clock_khz / 1000, p.dram_mbps, bp->mem_peak_mbps,
	       bp->mem_eff_permille / 10, bp->mem_eff_permille % 10, p.bcq_lanes, p.pim_banks,
	       p.pim_macs, p.vec_lanes, p.pcie_mbps);
	printf("%-12s %-9s %5s |", "model", "weights", "pos");
	for (size_t i = 0; i < NBATCH; i++)
		printf(" B=%-2d tok/s: 1-queue interl. |", batches[i]);
	putchar('\n');
	if (models && models[0]) {
		snprintf(path, sizeof(path), "%s/stories260K.bin", models);
		if (!llm_model_load(&model, path, &e)) {
			quantized(&m, &model.cfg);
			m.classifier_bcq = 0;
			row(&p, "stories260K", &m, &t);
			llm_model_free(&model);
		} else {
			fprintf(stderr, "bench-batch: %s\n", e.msg);
		}
	}
	if (!llm_config_parse_shape("15M", &c, &e)) {
		quantized(&m, &c);
		row(&p, "15M shape", &m, &t);
	}
	if (!llm_config_parse_shape("110M", &c, &e)) {
		quantized(&m, &c);
		row(&p, "110M shape", &m, &t);
		m.classifier_bcq = 1;
		row(&p, "110M shape", &m, &t);
		fail = verdict(bp->name, &t);
	} else {
		fail = 1;
	}
	printf("  attention side of the 1-queue step (cycles, all layers, priced alone): one KV_APPEND +\n"
	       "  ATTENTION per request vs one KV_APPEND_BATCH + ATTENTION_BATCH per layer and the table\n");
	printf("%-12s %5s |", "model", "pos");
	for (size_t i = 1; i < NBATCH; i++)
		printf(" B=%-2d per-req   batched  gain |", batches[i]);
	putchar('\n');
	if (!llm_config_parse_shape("15M", &c, &e)) {
		quantized(&m, &c);
		attention_row(&p, "15M shape", &m);
	}
	if (!llm_config_parse_shape("110M", &c, &e)) {
		quantized(&m, &c);
		attention_row(&p, "110M shape", &m);
	}
	return fail;
}

int main(int argc, char **argv)
{
	const char *models = argc > 1 ? argv[1] : NULL;
	int fail = 0;

	if (models && !strcmp(models, "--boards")) {	/* for batch-bench.sh */
		for (unsigned int i = 0; i < csa_board_count(); i++)
			printf("%s\n", csa_board_at(i)->name);
		return 0;
	}
	printf("batch projection: each step's descriptor list priced by hw/cycle_model.c and placed on\n"
	       "the two engine queues by hw/timeline.c (the code the sim and QEMU timing=on run)\n");
	for (unsigned int i = 0; i < csa_board_count(); i++)
		fail |= board(csa_board_at(i), models);
	printf("\n1-queue: one list per step as llm_batch_step() submits it: one MATVEC_BCQ_BATCH per BCQ\n"
	       "matrix and one MATVEC_F32_BATCH per f32 matrix (weights read once per 64 requests), one\n"
	       "KV_APPEND_BATCH + ATTENTION_BATCH per layer from the step's table (one DMA per step),\n"
	       "every command after the one before it: the matvec side and the attention side in turn\n"
	       "(NPU-only; equals the sim's cycles of a batch step).  interl.: two sub-batches in one list\n"
	       "with explicit dependencies (NeuPIMs), one's batched attention on the attention queue\n"
	       "beside the other's matvecs on the vector queue, the memory bandwidth shared (older\n"
	       "command first); each matrix is read once per sub-batch.  Requests at mid-context, greedy;\n"
	       "gain = 1-queue / interleaved step time, * where interleaving does not win.  \"bcq3\": the\n"
	       "classifier kept f32 (accel-quant --classifier-f32), one MATVEC_F32_BATCH per 64 requests.\n"
	       "Board figures and their sources: docs/board.md.\n");
	printf("110M shape, classifier quantized too, on every board: %s\n",
	       fail ? "NOT (growing with batch and interleaving winning at every B >= 4)"
		    : "interleaved throughput grows with batch and beats 1-queue at every B >= 4");
	return 0;
}
