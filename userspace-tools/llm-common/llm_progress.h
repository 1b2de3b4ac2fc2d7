/* SPDX-License-Identifier: MIT */
/*
 * llm_progress.h - progress of a long quantization on stderr: nothing for
 * the first LLM_PROGRESS_QUIET_S seconds (short runs stay silent), then the
 * fraction done, the time so far and an estimate of the time left (from
 * the rate so far).  On a terminal one line rewritten in place; otherwise
 * (logs) a line every LLM_PROGRESS_LOG_S seconds.
 */
#ifndef LLM_PROGRESS_H
#define LLM_PROGRESS_H

#include <stdint.h>

#define LLM_PROGRESS_QUIET_S 3.0
#define LLM_PROGRESS_LOG_S 5.0

struct llm_progress {
	const char *what;	/* "quantizing" */
	int tty;
	double start, last;
	int shown;
};

void llm_progress_init(struct llm_progress *p, const char *what, int tty);
/* A new phase: its own label, clock and estimate (an llm_phase_fn; ctx is
 * the struct llm_progress). */
void llm_progress_phase(void *ctx, const char *what);
/* An llm_progress_fn (llm_packed.h): ctx is the struct llm_progress. */
void llm_progress_report(void *ctx, uint64_t done, uint64_t total);

#endif /* LLM_PROGRESS_H */
