/* SPDX-License-Identifier: MIT */
/*
 * llm_consmax.h - calibration of ConSmax constants for a model trained with
 * ordinary softmax.  ConSmax replaces exp(s - max) / sum by exp(s - beta) /
 * gamma with fixed per-head constants; exactness would need
 * beta + ln(gamma) = ln(sum exp(s)) (the row's log-sum-exp, LSE) on every
 * row.  We run the fp32 model over calibration text, record per head the
 * LSE and max of every attention row and the score range, then choose:
 *   beta_h  = the largest score seen (exp(s - beta) <= 1: no table overflow),
 *   gamma_h = exp(max_rows(LSE) - beta_h)  (LLM_CONSMAX_LSE_MAX, default):
 *             the row sums never exceed 1 on the calibration text, so an
 *             attention output is only ever scaled down, never amplified;
 *   or exp(mean_rows(LSE) - beta_h)        (LLM_CONSMAX_LSE_MEAN: the
 *             geometric mean, least squared log-error of the scale),
 *   or mean_rows(sum exp(s - beta_h))      (LLM_CONSMAX_SUM_MEAN: the
 *             arithmetic mean).
 *   inv_step_h = 127 / max score, so the int8 grid is as fine as it can be
 *             while the largest score is still representable; scores below
 *             -128 steps clamp, but they sit far below beta and weigh ~0.
 * Measured on stories260K (docs/accel-llm.md): the row LSE of one head
 * varies with a standard deviation of 1.5-3.5 nats, so no per-head constant
 * is close to exact; scaling down hurts far less than scaling up (mean KL
 * 3.6 nats for LSE_MAX vs 6.8 for SUM_MEAN and 10.5 for LSE_MEAN).
 */
#ifndef LLM_CONSMAX_H
#define LLM_CONSMAX_H

#include "llm_model.h"

/* The attention softmax a decoder runs. */
enum llm_softmax {
	LLM_SOFTMAX_EXACT = 0,
	LLM_SOFTMAX_CONSMAX = 1,	/* pure: exp(s - beta) / gamma */
	/* normalized: exp(s - beta) from the LUT, divided by the row's sum
	 * (ATTENTION F_CONSMAX_NORM); only beta and inv_step matter */
	LLM_SOFTMAX_CONSMAX_NORM = 2,
};

enum llm_consmax_method {
	LLM_CONSMAX_LSE_MAX = 0,
	LLM_CONSMAX_LSE_MEAN = 1,
	LLM_CONSMAX_SUM_MEAN = 2,
};

struct llm_consmax_head_stats {
	double *row_max, *row_lse;
	size_t rows, cap;
	float score_min, score_max;
};

struct llm_consmax_calib {
	int n_layers, n_heads;
	struct llm_consmax_head_stats *heads;	/* [layer][head] */
	int min_row_len;	/* rows shorter than this are not recorded */
};

struct llm_consmax_params {
	float beta, gamma, inv_step;
};

int llm_consmax_calib_init(struct llm_consmax_calib *c, int n_layers,
			   int n_heads);
void llm_consmax_calib_free(struct llm_consmax_calib *c);
/* An llm_score_hook: records one attention row. */
void llm_consmax_record(void *calib, int layer, int head, const float *s,
			int n);

/* Runs the fp32 CPU model over @n_seqs sequences of @len tokens sampled
 * from itself (temperature 1, seeds seed..seed+n_seqs-1), recording. */
int llm_consmax_calibrate(struct llm_consmax_calib *c,
			  const struct llm_model *m, int n_seqs, int len,
			  uint64_t seed);

/* Per-head constants [layer][head] from the recorded statistics. */
void llm_consmax_choose(const struct llm_consmax_calib *c,
			enum llm_consmax_method method,
			struct llm_consmax_params *out);
/* The device table (CSA_CONSMAX_HEAD_FLOATS floats) of one head. */
void llm_consmax_table(const struct llm_consmax_params *p, float *table);
/* The table of one head for the normalized mode: the same with gamma = 1
 * (a constant gamma cancels in the division; 1 keeps the entries and
 * their sum furthest from f32's limits). */
void llm_consmax_norm_table(const struct llm_consmax_params *p, float *table);
/* Tables [layer][head] of @mode (CONSMAX or CONSMAX_NORM) from @params
 * into @tables (heads * CSA_CONSMAX_HEAD_FLOATS floats). */
void llm_consmax_tables(const struct llm_consmax_params *params, size_t heads,
			enum llm_softmax mode, float *tables);

#endif /* LLM_CONSMAX_H */
