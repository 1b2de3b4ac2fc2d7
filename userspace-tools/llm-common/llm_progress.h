/* SPDX-License-Identifier: MIT */
/*
 * llm_progress.h - progress of a long step on stderr: a bar redrawn in
 * place on a terminal; in a log, one line when it starts, one every
 * LLM_PROGRESS_LOG_SECONDS and one at the end.
 */
#ifndef LLM_PROGRESS_H
#define LLM_PROGRESS_H

#include <stdint.h>

#define LLM_PROGRESS_LOG_SECONDS 5.0

struct llm_progress {
	const char *label;	/* "accel-quant: quantizing" */
	int tty;		/* stderr is a terminal */
	double last;		/* when a log line was last written */
};

void llm_progress_start(struct llm_progress *p, const char *label);
/* An llm_progress_fn: @ctx is the struct llm_progress. */
void llm_progress_report(void *ctx, uint64_t done, uint64_t total);

#endif /* LLM_PROGRESS_H */
