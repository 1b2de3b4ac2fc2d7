/* SPDX-License-Identifier: MIT */
/*
 * llm_mixed.h - planes per matrix by measured sensitivity (ShiftAddLLM's
 * automated bit allocation): every matrix is quantized at both lo and hi
 * planes; the model with all matrices at hi is run on calibration text
 * sampled from the fp32 model, then once per matrix with only that matrix
 * at lo, and the mean KL(fp32 || test) rise is that matrix's cost.  The
 * cheapest per weight saved go down to lo until the size-weighted mean
 * planes reach the target.
 */
#ifndef LLM_MIXED_H
#define LLM_MIXED_H

#include "llm_bcq.h"
#include "llm_model.h"

struct llm_mixed_opts {
	double target;		/* mean planes, lo..hi */
	int texts, len;		/* calibration: texts of len tokens */
	uint64_t seed;
	int verbose;		/* per-matrix costs on stderr */
};

/* @fp32: the reference; @lo[i], @hi[i]: matrix i (llm_packed order:
 * layer * 7 + which, then the classifier) at both plane counts; @n
 * matrices.  Sets use_lo[i].  The model is copied, @fp32 is not changed. */
int llm_mixed_choose(const struct llm_model *fp32,
		     const struct llm_bcq_matrix *lo,
		     const struct llm_bcq_matrix *hi, int n,
		     const struct llm_mixed_opts *o, int *use_lo);

#endif /* LLM_MIXED_H */
