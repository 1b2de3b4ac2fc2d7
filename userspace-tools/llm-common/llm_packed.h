/* SPDX-License-Identifier: MIT */
/*
 * llm_packed.h - a model ready for the accelerator: f32 vectors and
 * embedding, matrices either f32 or BCQ-packed, optional ConSmax tables;
 * and CSA's packed model file (docs/model-format.md).
 */
#ifndef LLM_PACKED_H
#define LLM_PACKED_H

#include "llm_bcq.h"
#include "llm_consmax.h"
#include "llm_model.h"

#define LLM_PACKED_MAGIC 0x51415343u	/* "CSAQ" little-endian */
#define LLM_PACKED_VERSION 3u	/* written only with 16-bit scales or planes per matrix */
#define LLM_PACKED_VERSION_GROUPS 2u	/* BCQ groups differ, nothing else new */
#define LLM_PACKED_VERSION_UNIFORM 1u	/* every BCQ matrix at the header's group */
#define LLM_PACKED_HEADER_BYTES 128u
#define LLM_PACKED_SECTION_BYTES 48u
#define LLM_PACKED_ALIGN 64u

struct llm_packed {
	/* f32 weights; in BCQ mode its matrices hold the dequantized values,
	 * so the CPU decoder can run the quantized model as it is. */
	struct llm_model base;
	uint32_t planes;	/* 0: matrices are f32; else the most of any matrix */
	uint32_t group;
	int pow2;
	int scale16;		/* 16-bit scales (fp16, or APoT with pow2) */
	int classifier_bcq;	/* classifier quantized too */
	/* [layer * LLM_LAYER_MATRICES + which], then [n_layers * 7] the
	 * classifier (only when classifier_bcq) */
	struct llm_bcq_matrix *bcq;
	/* ConSmax [layer][head]: NULL when not calibrated */
	struct llm_consmax_params *consmax;
	float *consmax_tables;	/* [layer][head][CSA_CONSMAX_HEAD_FLOATS] */
};

/* Out dims (rows, cols) of matrix @which. */
void llm_matrix_shape(const struct llm_config *c, int which, uint32_t *rows,
		      uint32_t *cols);
float *llm_matrix_f32(struct llm_model *m, int layer, int which);

typedef void (*llm_progress_fn)(void *ctx, uint64_t done, uint64_t total);
/* A new phase of the work begins (calibrating, quantizing, ...). */
typedef void (*llm_phase_fn)(void *ctx, const char *what);

/* llm_quant_opts.classifier_bcq: 1 quantize the classifier too, 0 keep it
 * f32, LLM_CLASSIFIER_AUTO quantize it when the vocabulary is large: at
 * LLM_CLASSIFIER_BCQ_MIN_VOCAB tokens the f32 classifier would be a large
 * share of every token's bytes (docs/accel-llm.md measures the quality). */
#define LLM_CLASSIFIER_AUTO (-1)
#define LLM_CLASSIFIER_BCQ_MIN_VOCAB 4096
/* 0 or 1 for @c under @choice (0, 1 or LLM_CLASSIFIER_AUTO). */
int llm_classifier_bcq(const struct llm_config *c, int choice);

struct llm_quant_opts {
	struct llm_bcq_params bcq;
	int classifier_bcq;	/* 1, 0 or LLM_CLASSIFIER_AUTO (see above) */
	/* Activation-aware (GPTQ-style) fitting from the fp32 model's inputs to
	 * each matrix over calib_seqs sampled sequences of calib_len tokens;
	 * 0 = plain weight-error fitting. */
	int calib_seqs, calib_len;
	uint64_t seed;
	llm_progress_fn progress;
	llm_phase_fn phase;	/* may be NULL */
	void *progress_ctx;
	/* per matrix kind (wq .. w3, then the classifier): BCQ group, 0 =
	 * bcq.group */
	uint32_t group_of[LLM_LAYER_MATRICES + 1];
	/* Mixed planes (ShiftAddLLM's automated bit allocation): > 0 asks
	 * for floor and ceil of this average, each matrix's choice by its
	 * measured effect on the output (llm_mixed.h); bcq.planes ignored. */
	double mixed_planes;
	int mixed_texts, mixed_len;	/* its calibration text; 0: 8 x 256 */
	int verbose;		/* the choice and its measurements on stderr */
};

/* Parses "G" or "G,kind=G,..." (kinds wq wk wv wo w1 w2 w3 cls) into a
 * default group and per-kind groups (0 where not given); every group a
 * multiple of 8 in 8..4096. */
int llm_parse_groups(const char *s, uint32_t *group, uint32_t *group_of);
/* "f32" -> 0 planes, "bcq1".."bcq4" -> 1..4; else -EINVAL. */
int llm_parse_weights(const char *s, int *planes);
/* BCQ scale storage: "f32", "f16" (binary16), "pow2" (int8 exponent,
 * one shift) or "apot" (u16, up to three power-of-two terms). */
int llm_parse_scales(const char *s, int *pow2, int *scale16);
/* The name llm_parse_scales() takes for @pow2, @scale16. */
const char *llm_scales_name(int pow2, int scale16);
/* "A" with 1 <= A <= 4 (mean planes of --mixed-planes). */
int llm_parse_mixed_planes(const char *s, double *mean);
/* "max", "lse" or "sum" (see llm_consmax.h); else -EINVAL. */
int llm_parse_consmax_method(const char *s, enum llm_consmax_method *method);

/* Stored bits per quantized weight and mean planes over the BCQ matrices
 * (weighted by their sizes). */
double llm_packed_bits_per_weight(const struct llm_packed *p);
double llm_packed_mean_planes(const struct llm_packed *p);

/* Calibration costs grow with the model (the fp32 forward passes that
 * collect x x^T): models up to LLM_CALIB_AUTO_MAX_WEIGHTS layer weights
 * get LLM_CALIB_DEFAULT_SEQS sequences of activation-aware fitting,
 * larger ones LLM_CALIB_LARGE_SEQS (on stories260K 2 sequences cost
 * KL 0.061 against 0.052 for 8 and 32, docs/accel-llm.md; still far
 * better than none). */
#define LLM_CALIB_DEFAULT_SEQS 8
#define LLM_CALIB_LARGE_SEQS 2
#define LLM_CALIB_AUTO_MAX_WEIGHTS 4000000ull
int llm_default_calib_seqs(const struct llm_model *m);

/* Takes ownership of @m's weights.  @q NULL: f32 matrices. */
int llm_packed_from_model(struct llm_packed *p, struct llm_model *m,
			  const struct llm_quant_opts *q, struct llm_err *e);
/* Loads the float32 checkpoint @path into @fp32 and packs a second copy of
 * it into @p: BCQ per @q when q->bcq.planes (else f32 matrices), where
 * q->calib_seqs < 0 means llm_default_calib_seqs(); with @consmax, ConSmax
 * tables calibrated on @fp32 over max(calib_seqs, 1) sequences of
 * q->calib_len tokens from q->seed.  On failure both are freed. */
int llm_packed_from_checkpoint(struct llm_packed *p, struct llm_model *fp32,
			       const char *path, const struct llm_quant_opts *q,
			       int consmax, enum llm_consmax_method method,
			       struct llm_err *e);
/* Calibrates ConSmax on the fp32 weights of @fp32 and stores the tables. */
int llm_packed_calibrate(struct llm_packed *p, const struct llm_model *fp32,
			 enum llm_consmax_method method, int n_seqs, int len,
			 uint64_t seed, struct llm_err *e);
/* Installs given per-head params [layer][head] (copies them). */
int llm_packed_set_consmax(struct llm_packed *p,
			   const struct llm_consmax_params *params);
void llm_packed_free(struct llm_packed *p);

int llm_packed_save(const struct llm_packed *p, const char *path,
		    struct llm_err *e);
int llm_packed_load(struct llm_packed *p, const char *path, struct llm_err *e);
/* 1 if the file starts with the packed magic, 0 if not, negative errno. */
int llm_packed_probe(const char *path);

uint32_t llm_crc32(uint32_t crc, const void *buf, size_t len);

#endif /* LLM_PACKED_H */
