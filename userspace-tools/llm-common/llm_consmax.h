/* SPDX-License-Identifier: MIT */
/*
 * llm_consmax.h - calibration of ConSmax constants for a model trained with
 * ordinary softmax.  ConSmax replaces exp(s - max) / sum by exp(s - beta) /
 * gamma with fixed per-head constants; exactness would need
 * beta + ln(gamma) = ln(sum exp(s)) (the row's log-sum-exp, LSE) on every
 * row.  We run the fp32 model over calibration text, record per head the
 * LSE and max of every attention row and the score range, then choose:
 *   beta_h  = 99th percentile of the row maxima (keeps exp(s - beta) <= ~1,
 *             the table's comfortable range),
 *   gamma_h = exp(mean_rows(LSE) - beta_h)   (LLM_CONSMAX_LSE_MEAN), i.e. the
 *             geometric mean of the row sums: the constant minimising the
 *             mean squared log-error of the attention output's scale;
 *   or gamma_h = mean_rows(sum exp(s - beta_h))  (LLM_CONSMAX_SUM_MEAN),
 *             the arithmetic mean, for comparison.
 *   inv_step_h = 127 / max|score| seen, so the int8 score grid covers the
 *             observed range on both sides.
 */
#ifndef LLM_CONSMAX_H
#define LLM_CONSMAX_H

#include "llm_model.h"

enum llm_consmax_method {
	LLM_CONSMAX_LSE_MEAN = 0,
	LLM_CONSMAX_SUM_MEAN = 1,
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

#endif /* LLM_CONSMAX_H */
