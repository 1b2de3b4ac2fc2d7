/* SPDX-License-Identifier: MIT */
/*
 * llm_bcq.h - binary-coding quantization (ShiftAddLLM): each group of G
 * columns of a weight row is approximated as sum_p alpha_p * b_p with
 * b_p in {-1,+1}^G, stored in the MATVEC_BCQ layout of csa_device.h.
 */
#ifndef LLM_BCQ_H
#define LLM_BCQ_H

#include <stddef.h>
#include <stdint.h>

#define LLM_BCQ_DEFAULT_GROUP 64
#define LLM_BCQ_DEFAULT_ITERS 15
#define LLM_BCQ_REFINE_SWEEPS 6
#define LLM_BCQ_REFINE_MAX_WORK (1ull << 24)	/* n k^2: whole-row search up to here */
/* pow2 scales: exponents searched from round(log2 max|w|) down this far */
#define LLM_BCQ_POW2_SPAN 7

struct llm_bcq_matrix {
	uint32_t k, n;		/* columns (inputs), rows (outputs) */
	uint32_t planes, group;
	int pow2;		/* scales are int8 exponents: alpha = 2^e */
	/* 16-bit scales (MATVEC_BCQ F_SCALE16): binary16, or with pow2
	 * additive power-of-two codes (up to three terms) */
	int scale16;
	uint8_t *bits;		/* csa_bcq_bits_bytes(k, n, planes) */
	void *scales;		/* f32, int8 or u16 [n][ng][p] */
	uint64_t bits_bytes, scale_bytes;
};

struct llm_bcq_params {
	uint32_t planes;	/* 1..4 */
	uint32_t group;		/* multiple of 8, 8..4096 */
	int pow2;
	int iters;		/* alternating refinement rounds */
	int scale16;		/* see llm_bcq_matrix */
};

/* The MATVEC_BCQ flags of a matrix's scale format. */
uint32_t llm_bcq_flags(const struct llm_bcq_matrix *q);
/* Stored bits per weight of @q (planes and scales). */
double llm_bcq_bits_per_weight(const struct llm_bcq_matrix *q);
/* The APoT code (csa_device.h) nearest to @alpha > 0, and its value. */
uint16_t llm_apot_encode(double alpha);
double llm_apot_value(uint16_t code);

/* Quantizes row-major @w [n][k]. */
int llm_bcq_quantize(struct llm_bcq_matrix *q, const float *w, uint32_t n,
		     uint32_t k, const struct llm_bcq_params *p);
/* Activation-aware variant (the OPTQ loop ShiftAddLLM builds on): @h is
 * the K x K second moment of the matrix's inputs, sum x x^T, over
 * calibration text.  Columns are quantized in order and each one's error,
 * weighted by the inverse Hessian, is pushed onto the columns not yet
 * quantized; each group's alphas are fitted when the group is reached. */
int llm_bcq_quantize_gptq(struct llm_bcq_matrix *q, const float *w,
			  uint32_t n, uint32_t k, const double *h,
			  const struct llm_bcq_params *p);
/* Allocates an empty matrix of that shape (for loading). */
int llm_bcq_alloc(struct llm_bcq_matrix *q, uint32_t n, uint32_t k,
		  const struct llm_bcq_params *p);
void llm_bcq_free(struct llm_bcq_matrix *q);
/* Reconstructs the approximation into @w [n][k]. */
void llm_bcq_dequantize(const struct llm_bcq_matrix *q, float *w);
/* alpha of (row, group, plane) as a float. */
float llm_bcq_scale(const struct llm_bcq_matrix *q, uint32_t row,
		    uint32_t group, uint32_t plane);

#endif /* LLM_BCQ_H */
