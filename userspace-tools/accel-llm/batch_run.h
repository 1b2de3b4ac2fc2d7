/* SPDX-License-Identifier: MIT */
/*
 * batch_run.h - accel-llm's several-prompt mode: the prompts decoded
 * together in one batch on the accelerator, continuously refilled (a
 * finished request's place goes to the next prompt), each text printed in
 * prompt order exactly as accel-llm prints it for that prompt alone.
 */
#ifndef BATCH_RUN_H
#define BATCH_RUN_H

#include "llm_gen.h"

struct batch_run_opts {
	const char *const *prompts;
	int n_prompts;
	int requests;		/* >= n_prompts: prompts are reused in turn */
	int batch;		/* decoded together at most */
	int steps;		/* tokens to generate per request */
	float temperature, top_p;
	uint64_t seed;		/* request i samples with seed + i */
	int quiet;
	enum llm_schedule schedule;	/* --schedule */
	const char *mode;	/* weights/softmax words of the stats line */
};

/* Prints the texts to stdout and the statistics to stderr; 0 or 1. */
int batch_run(struct llm_accel *a, const struct accel_info *info,
	      const struct llm_tokenizer *tok, const struct batch_run_opts *o);

/* Appends each non-empty line of @path to *prompts (grown with realloc);
 * returns 0 or prints one line and returns 1. */
int batch_read_prompts(const char *path, char ***prompts, int *n);

#endif /* BATCH_RUN_H */
