// SPDX-License-Identifier: MIT
#include "llm_progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

void llm_progress_start(struct llm_progress *p, const char *label)
{
	p->label = label;
	p->tty = isatty(2);
	p->last = 0;
}

void llm_progress_report(void *ctx, uint64_t done, uint64_t total)
{
	struct llm_progress *p = ctx;
	int width = 40, fill = total ? (int)(width * done / total) : width;
	int pct = total ? (int)(100 * done / total) : 100;

	if (fill > width)
		fill = width;
	if (!p->tty) {
		double t = now();

		if (p->last && done < total && t - p->last < LLM_PROGRESS_LOG_SECONDS)
			return;
		fprintf(stderr, "%s %3d%% (%llu of %llu)\n", p->label, pct,
			(unsigned long long)done, (unsigned long long)total);
		p->last = t;
		return;
	}
	fprintf(stderr, "\r%s [%.*s%*s] %3d%%", p->label, fill,
		"########################################", width - fill, "", pct);
	if (done >= total)
		fputc('\n', stderr);
}
