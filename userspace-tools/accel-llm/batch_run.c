// SPDX-License-Identifier: MIT
#include "batch_run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct text {
	char *buf;
	size_t len, cap;
};

static int text_add(struct text *t, const char *s, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		size_t cap = (t->len + n + 1) * 2;
		char *p = realloc(t->buf, cap);

		if (!p)
			return -ENOMEM;
		t->buf = p;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int fail(const char *what, const char *why)
{
	fprintf(stderr, "accel-llm: %s%s%s\n", what, why ? ": " : "", why ? why : "");
	return 1;
}

/* Starts request @i in slot @g. */
static int start(struct llm_batch *b, const struct llm_tokenizer *tok,
		 const struct batch_run_opts *o, int i, struct llm_gen *g,
		 struct llm_err *e)
{
	return llm_gen_start(g, b, tok, o->prompts[i % o->n_prompts], o->steps,
			     o->temperature, o->top_p, o->seed + (uint64_t)i, e);
}

static void print_stats(const struct accel_info *info, const struct llm_batch *b,
			const struct batch_run_opts *o, long generated, double secs)
{
	double cyc = b->steps ? (double)b->total_cycles / b->steps : 0;
	double dev_s = info->clock_khz ? b->total_cycles / (info->clock_khz * 1e3) : 0;

	fprintf(stderr, "stats: %s %s | %d requests, batch %d | %ld tokens generated, %.1f tok/s aggregate | %llu steps (%llu interleaved), device %.0f cycles/step, %.1f tok/s projected at %.0f MHz\n",
		info->backend, o->mode, o->requests, o->batch, generated,
		secs > 0 ? generated / secs : 0.0, (unsigned long long)b->steps,
		(unsigned long long)b->interleaved_steps, cyc,
		dev_s > 0 ? generated / dev_s : 0.0, info->clock_khz / 1e3);
}

int batch_run(struct llm_accel *a, const struct accel_info *info,
	      const struct llm_tokenizer *tok, const struct batch_run_opts *o)
{
	struct llm_gen *slot = calloc(o->batch, sizeof(*slot));
	struct llm_gen *run[LLM_BATCH_MAX];
	struct text *texts = calloc(o->requests, sizeof(*texts));
	int *owner = calloc(o->batch, sizeof(int));
	struct llm_batch b;
	struct llm_err e = { "" };
	int next_req = 0, active = 0, rc = 0;
	long generated = 0;
	double t0;

	if (!slot || !texts || !owner) {
		free(slot);
		free(texts);
		free(owner);
		return fail("out of memory", NULL);
	}
	rc = llm_batch_init(&b, a, o->batch, &e);
	if (rc) {
		free(slot);
		free(texts);
		free(owner);
		return fail(e.msg, NULL);
	}
	b.schedule = o->schedule;
	for (int s = 0; s < o->batch; s++)
		owner[s] = -1;
	t0 = now();
	for (;;) {
		int n = 0;

		/* refill free slots between steps */
		for (int s = 0; s < o->batch && !rc; s++) {
			if (owner[s] >= 0 || next_req >= o->requests)
				continue;
			rc = start(&b, tok, o, next_req, &slot[s], &e);
			if (!rc) {
				owner[s] = next_req++;
				active++;
			}
		}
		if (rc || !active)
			break;
		for (int s = 0; s < o->batch; s++)
			if (owner[s] >= 0 && slot[s].state == LLM_GEN_RUNNING)
				run[n++] = &slot[s];
		if (n)
			rc = llm_gen_step(&b, run, n, &e);
		for (int s = 0; s < o->batch && !rc; s++) {
			size_t len;
			const char *piece;

			if (owner[s] < 0)
				continue;
			piece = llm_gen_piece(&slot[s], tok, &len);
			if (slot[s].has_piece && text_add(&texts[owner[s]], piece, len))
				rc = llm_fail(&e, -ENOMEM, "out of memory");
			if (slot[s].state != LLM_GEN_RUNNING) {
				generated += slot[s].generated;
				llm_gen_free(&slot[s]);
				owner[s] = -1;
				active--;
			}
		}
	}
	if (!rc) {
		double secs = now() - t0;

		for (int i = 0; i < o->requests; i++) {
			if ((texts[i].len && fwrite(texts[i].buf, 1, texts[i].len, stdout) != texts[i].len) ||
			    putchar('\n') == EOF) {
				rc = llm_fail(&e, -EIO, "writing the output failed");
				break;
			}
		}
		if (fflush(stdout))
			rc = llm_fail(&e, -EIO, "writing the output failed");
		if (!rc && !o->quiet)
			print_stats(info, &b, o, generated, secs);
	}
	for (int s = 0; s < o->batch; s++)
		if (owner[s] >= 0)
			llm_gen_free(&slot[s]);
	for (int i = 0; i < o->requests; i++)
		free(texts[i].buf);
	llm_batch_free(&b);
	free(slot);
	free(texts);
	free(owner);
	return rc ? fail(e.msg, NULL) : 0;
}

int batch_read_prompts(const char *path, char ***prompts, int *n)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int rc = 0;

	if (!f) {
		fprintf(stderr, "accel-llm: %s: %s\n", path, strerror(errno));
		return 1;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		char **p;

		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = 0;
		if (!len)
			continue;
		if (*n >= LLM_BATCH_MAX * 64) {
			fprintf(stderr, "accel-llm: %s: more than %d prompts\n", path,
				LLM_BATCH_MAX * 64);
			rc = 1;
			break;
		}
		p = realloc(*prompts, (*n + 1) * sizeof(char *));
		if (!p || !(p[*n] = strdup(line))) {
			if (p)
				*prompts = p;
			fprintf(stderr, "accel-llm: out of memory\n");
			rc = 1;
			break;
		}
		*prompts = p;
		(*n)++;
	}
	if (!rc && ferror(f)) {
		fprintf(stderr, "accel-llm: %s: read error\n", path);
		rc = 1;
	}
	free(line);
	fclose(f);
	if (!rc && !*n) {
		fprintf(stderr, "accel-llm: %s: no prompts (one per non-empty line)\n", path);
		rc = 1;
	}
	return rc;
}
