/* SPDX-License-Identifier: MIT */
/*
 * llm_eval.h - quality of a decoding path against the CPU fp32 reference:
 * over a text, per position the KL divergence KL(p_ref || p_test), whether
 * both pick the same top-1 token, and the perplexity each assigns to the
 * text.  No dataset ships, so the text is sampled from the fp32 model with
 * a fixed seed.
 */
#ifndef LLM_EVAL_H
#define LLM_EVAL_H

#include "llm_model.h"

/* A decoding path under test: writes the logits of @token at @pos. */
struct llm_logits_source {
	void *ctx;
	int (*forward)(void *ctx, int token, int pos, float *logits);
};

struct llm_eval_result {
	int tokens;
	double mean_kl;		/* nats */
	double max_kl;
	double top1;		/* fraction of positions with the same argmax */
	double ppl_test, ppl_ref;
};

/* BOS + @n tokens sampled from the fp32 model with llama2.c's default
 * settings (temperature 1, top-p @top_p; 0 = plain sampling) and @seed. */
int llm_eval_sample_text(const struct llm_model *m, int n, uint64_t seed,
			 float top_p, int *tokens);
/* The same, but the text starts with the @n_prompt tokens of @prompt
 * (prompt[0] is BOS) forced, then is sampled up to n + 1 tokens. */
int llm_eval_sample_after(const struct llm_model *m, const int *prompt,
			  int n_prompt, int n, uint64_t seed, float top_p,
			  int *tokens);
/* Evaluates over tokens[0..n] (predicting tokens[1..n]). */
int llm_eval_run(const struct llm_model *fp32, struct llm_logits_source *test,
		 const int *tokens, int n, struct llm_eval_result *r);

/* Mean and range over several texts (one llm_eval_result each). */
struct llm_eval_summary {
	int texts, tokens;	/* tokens: per text */
	double kl_mean, kl_min, kl_max;
	double top1_mean, top1_min, top1_max;
	double ppl_test_mean, ppl_ref_mean;
};

void llm_eval_summarize(const struct llm_eval_result *r, int n,
			struct llm_eval_summary *s);

/* The texts of --eval: for each prompt (encoded with BOS) and each seed
 * seed0 .. seed0 + n_seeds - 1, the prompt then the fp32 model's sampling
 * (temperature 1, @top_p) up to n + 1 tokens, teacher-forced through
 * @test.  r[prompt * n_seeds + seed] gets each text's figures; @each, if
 * set, is called after every text. */
struct llm_tokenizer;
int llm_eval_texts(const struct llm_model *fp32, struct llm_logits_source *test,
		   const struct llm_tokenizer *tok, const char *const *prompts,
		   int n_prompts, uint64_t seed0, int n_seeds, int n, float top_p,
		   struct llm_eval_result *r,
		   void (*each)(int i, const char *prompt, uint64_t seed,
				const struct llm_eval_result *r));

/* Default openings of llm_eval_texts (three). */
extern const char *const llm_eval_default_prompts[3];

#endif /* LLM_EVAL_H */
