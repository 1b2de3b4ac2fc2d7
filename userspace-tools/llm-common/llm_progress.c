// SPDX-License-Identifier: MIT
#include "llm_progress.h"

#include <stdio.h>
#include <time.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

void llm_progress_init(struct llm_progress *p, const char *what, int tty)
{
	p->what = what;
	p->tty = tty;
	p->start = now_s();
	p->last = p->start;
	p->shown = 0;
}

void llm_progress_phase(void *ctx, const char *what)
{
	struct llm_progress *p = ctx;

	if (p->shown && p->tty)
		fputc('\n', stderr);
	llm_progress_init(p, what, p->tty);
}

static void fmt_time(char *buf, size_t n, double s)
{
	if (s < 60)
		snprintf(buf, n, "%.0fs", s);
	else if (s < 3600)
		snprintf(buf, n, "%dm%02ds", (int)(s / 60), (int)s % 60);
	else
		snprintf(buf, n, "%dh%02dm", (int)(s / 3600), (int)(s / 60) % 60);
}

void llm_progress_report(void *ctx, uint64_t done, uint64_t total)
{
	struct llm_progress *p = ctx;
	double t = now_s(), el = t - p->start, frac;
	char e1[32], e2[32];

	if (el < LLM_PROGRESS_QUIET_S || !total)
		return;
	if (!p->tty && done < total && t - p->last < LLM_PROGRESS_LOG_S && p->shown)
		return;
	frac = (double)done / total;
	fmt_time(e1, sizeof(e1), el);
	fmt_time(e2, sizeof(e2), frac > 0 ? el * (1 - frac) / frac : 0);
	fprintf(stderr, "%s%s: %5.1f%% done, %s so far, about %s left%s",
		p->tty ? "\r" : "", p->what, 100 * frac, e1, e2,
		p->tty ? "   " : "\n");
	p->last = t;
	p->shown = 1;
	if (p->tty && done >= total) {
		fputc('\n', stderr);
		p->shown = 0;
	}
}
