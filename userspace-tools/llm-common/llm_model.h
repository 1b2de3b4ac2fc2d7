/* SPDX-License-Identifier: MIT */
/*
 * llm_model.h - a Llama-architecture model in memory: the llama2.c
 * checkpoint format (load, validate, write) and seeded random weights.
 *
 * Errors are negative errno values; a one-line reason goes to the caller's
 * struct llm_err when one is given.
 */
#ifndef LLM_MODEL_H
#define LLM_MODEL_H

#include <stddef.h>
#include <stdint.h>

struct llm_err {
	char msg[256];
};

/* Formats the reason into @e (if not NULL) and returns @code. */
int llm_fail(struct llm_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

struct llm_config {
	int dim;		/* residual stream width */
	int hidden_dim;		/* FFN width */
	int n_layers;
	int n_heads;
	int n_kv_heads;		/* GQA: divides n_heads */
	int vocab_size;		/* always positive here */
	int seq_len;		/* longest context */
	int shared_classifier;	/* 1: classifier = token embedding */
};

static inline int llm_head_size(const struct llm_config *c)
{
	return c->dim / c->n_heads;
}

static inline int llm_kv_dim(const struct llm_config *c)
{
	return c->dim / c->n_heads * c->n_kv_heads;
}

/* The seven matrices of a layer, in this order, then the classifier. */
enum llm_matrix {
	LLM_WQ, LLM_WK, LLM_WV, LLM_WO, LLM_W1, LLM_W2, LLM_W3,
	LLM_LAYER_MATRICES,
	LLM_CLASSIFIER = LLM_LAYER_MATRICES,
};

/* Matrices are row-major [out][in], as llama2.c stores them. */
struct llm_layer_weights {
	float *rms_att;		/* [dim] */
	float *wq;		/* [dim][dim] */
	float *wk;		/* [kv_dim][dim] */
	float *wv;		/* [kv_dim][dim] */
	float *wo;		/* [dim][dim] */
	float *rms_ffn;		/* [dim] */
	float *w1;		/* [hidden][dim] */
	float *w2;		/* [dim][hidden] */
	float *w3;		/* [hidden][dim] */
};

struct llm_model {
	struct llm_config cfg;
	float *token_embedding;	/* [vocab][dim] */
	struct llm_layer_weights *layers;
	float *rms_final;	/* [dim] */
	float *wcls;		/* [vocab][dim]; == token_embedding when shared */
	float *storage;		/* owns every array above */
	size_t storage_floats;
};

/* Number of floats the llama2.c file holds after its header (including the
 * unused freq_cis tables and, when not shared, the classifier). */
uint64_t llm_checkpoint_floats(const struct llm_config *c);
/* Checks dimensions for sanity and mutual consistency. */
int llm_config_validate(const struct llm_config *c, struct llm_err *e);

/* Allocates zeroed weights for @c and wires the pointers. */
int llm_model_alloc(struct llm_model *m, const struct llm_config *c,
		    struct llm_err *e);
void llm_model_free(struct llm_model *m);

int llm_model_load(struct llm_model *m, const char *path, struct llm_err *e);
int llm_model_save(const struct llm_model *m, const char *path,
		   struct llm_err *e);

/* Weights from a seeded generator, scaled like a trained model's (norm
 * weights near 1, matrices ~ 1/sqrt(fan_in)) so activations stay sane. */
int llm_model_random(struct llm_model *m, const struct llm_config *c,
		     uint64_t seed, struct llm_err *e);

/* "15M", "110M", "260K" or "dim,hidden,layers,heads,kv_heads,vocab,seq". */
int llm_config_parse_shape(const char *shape, struct llm_config *c,
			   struct llm_err *e);

#endif /* LLM_MODEL_H */
