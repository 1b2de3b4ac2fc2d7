// SPDX-License-Identifier: MIT
/*
 * test_consmax_twins.c - the ConSmax-trained twin of stories260K on the
 * card.  models/consmax260K holds two models trained the same way by
 * scripts/train_consmax.py (distilled from stories260K on text it sampled):
 * consmax260K.csa with ConSmax attention (beta, gamma learned per head) and
 * softmax260K.bin with ordinary softmax, plus held-out texts sampled from
 * stories260K.  On the sim backend, the ConSmax twin with pure ConSmax
 * (exp(s - beta) / gamma from the device's LUT, no max, no sum) is held to
 * a perplexity within PPL_RATIO_MAX of the softmax twin with exact softmax.
 * Issue 14 (part 2) asks for 5%, the ConSmax paper's claim after ~20k
 * iterations; the committed twin (16300 iterations) measured +4.80% on the
 * 512 texts here and +4.62% on another 512 (docs/accel-llm.md), so the
 * bound is the target itself.  Needs no torch and no MODELS.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csa/csa_device.h"
#include "llm_accel.h"
#include "llm_consmax.h"
#include "llm_model.h"
#include "llm_packed.h"

#ifndef CONSMAX_TWINS_DIR
#define CONSMAX_TWINS_DIR "models/consmax260K"
#endif

#define PPL_RATIO_MAX 1.05
#define MAX_TEXTS 512
#define MAX_TEXT_TOKENS 512

static int texts[MAX_TEXTS][MAX_TEXT_TOKENS];
static int n_texts, text_len;
static char path_consmax[4096], path_softmax[4096], path_heldout[4096];

/* The held-out file: '#' comment lines, then one text per line as token
 * ids (BOS first), every text the same length. */
static int read_heldout(const char *path, int vocab)
{
	char line[8192];
	FILE *f = fopen(path, "r");

	if (!f) {
		fprintf(stderr, "\n  %s: %s\n", path, strerror(errno));
		return -1;
	}
	n_texts = 0;
	text_len = 0;
	while (fgets(line, sizeof(line), f)) {
		char *s = line, *end;
		int n = 0;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (n_texts == MAX_TEXTS || !strchr(line, '\n'))
			goto bad;
		for (;;) {
			long v = strtol(s, &end, 10);

			if (end == s)
				break;
			if (v < 0 || v >= vocab || n == MAX_TEXT_TOKENS)
				goto bad;
			texts[n_texts][n++] = (int)v;
			s = end;
		}
		while (*s == ' ' || *s == '\n')
			s++;
		if (*s || n < 2 || (text_len && n != text_len))
			goto bad;
		text_len = n;
		n_texts++;
	}
	fclose(f);
	return n_texts ? 0 : -1;
bad:
	fprintf(stderr, "\n  %s: text %d is not a line of token ids like the others\n",
		path, n_texts + 1);
	fclose(f);
	return -1;
}

static int suite_init(void)
{
	const char *dir = CONSMAX_TWINS_DIR;

	snprintf(path_consmax, sizeof(path_consmax), "%s/consmax260K.csa", dir);
	snprintf(path_softmax, sizeof(path_softmax), "%s/softmax260K.bin", dir);
	snprintf(path_heldout, sizeof(path_heldout), "%s/heldout.txt", dir);
	return read_heldout(path_heldout, 512);
}

/* Perplexity of every held-out text, teacher-forced on the sim backend. */
static int card_perplexity(const struct llm_packed *p, int consmax, double *ppl)
{
	int V = p->base.cfg.vocab_size, rc;
	float *logits = malloc(V * sizeof(float));
	struct accel_dev *dev = NULL;
	struct llm_err e = { "" };
	struct llm_accel a;

	if (!logits)
		return -ENOMEM;
	memset(&a, 0, sizeof(a));	/* llm_accel_free() of a zeroed one is a no-op */
	rc = llm_accel_open_device("sim", llm_accel_devmem_needed(p), &dev, &e);
	if (!rc)
		rc = llm_accel_init(&a, dev, p, consmax, &e);
	for (int t = 0; !rc && t < n_texts; t++) {
		double nll = 0.0;

		for (int pos = 0; !rc && pos + 1 < text_len; pos++) {
			double max, sum = 0.0;

			rc = llm_accel_forward(&a, texts[t][pos], pos, logits, NULL, &e);
			max = logits[0];
			for (int i = 1; i < V; i++)
				max = fmax(max, logits[i]);
			for (int i = 0; i < V; i++)
				sum += exp(logits[i] - max);
			nll += max + log(sum) - logits[texts[t][pos + 1]];
		}
		ppl[t] = exp(nll / (text_len - 1));
	}
	if (rc)
		fprintf(stderr, "\n  card: %s\n", e.msg);
	llm_accel_free(&a);
	if (dev)
		accel_close(dev);
	free(logits);
	return rc;
}

static void summary(const char *what, const double *ppl, double *mean)
{
	double lo = ppl[0], hi = ppl[0], sum = 0.0;

	for (int t = 0; t < n_texts; t++) {
		sum += ppl[t];
		lo = fmin(lo, ppl[t]);
		hi = fmax(hi, ppl[t]);
	}
	*mean = sum / n_texts;
	fprintf(stderr, "\n  %s: perplexity mean %.4f, range %.4f .. %.4f over %d texts of %d tokens",
		what, *mean, lo, hi, n_texts, text_len - 1);
}

static int load_twins(struct llm_packed *cons, struct llm_packed *soft)
{
	struct llm_model m;
	struct llm_err e = { "" };

	if (llm_packed_load(cons, path_consmax, &e)) {
		fprintf(stderr, "\n  %s\n", e.msg);
		return -1;
	}
	if (llm_model_load(&m, path_softmax, &e) ||
	    llm_packed_from_model(soft, &m, NULL, &e)) {
		fprintf(stderr, "\n  %s\n", e.msg);
		llm_packed_free(cons);
		return -1;
	}
	return 0;
}

/* The training script writes the device tables itself: they must be the
 * ones the C side derives from the stored (beta, gamma, inv_step). */
static void test_tables_match_parameters(void)
{
	struct llm_packed cons, soft;
	float table[CSA_CONSMAX_HEAD_FLOATS];

	CU_ASSERT_EQUAL_FATAL(load_twins(&cons, &soft), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cons.consmax);
	CU_ASSERT_EQUAL(cons.base.cfg.n_heads, soft.base.cfg.n_heads);
	CU_ASSERT_EQUAL(cons.base.cfg.dim, soft.base.cfg.dim);
	for (int i = 0; i < cons.base.cfg.n_layers * cons.base.cfg.n_heads; i++) {
		const struct llm_consmax_params *c = &cons.consmax[i];

		CU_ASSERT_TRUE(isfinite(c->beta) && c->gamma > 0.0f && c->inv_step > 0.0f);
		llm_consmax_table(c, table);
		CU_ASSERT_EQUAL(memcmp(table, cons.consmax_tables + (size_t)i * CSA_CONSMAX_HEAD_FLOATS,
				       sizeof(table)), 0);
	}
	llm_packed_free(&cons);
	llm_packed_free(&soft);
}

/* Mean perplexity over the held-out texts within PPL_RATIO_MAX. */
static void test_consmax_twin_matches_softmax_twin(void)
{
	struct llm_packed cons, soft;
	double ppl_c[MAX_TEXTS], ppl_s[MAX_TEXTS];
	double mean_c, mean_s;

	CU_ASSERT_EQUAL_FATAL(load_twins(&cons, &soft), 0);
	CU_ASSERT_EQUAL_FATAL(card_perplexity(&soft, 0, ppl_s), 0);
	CU_ASSERT_EQUAL_FATAL(card_perplexity(&cons, 1, ppl_c), 0);
	summary("softmax twin, exact softmax", ppl_s, &mean_s);
	summary("ConSmax twin, pure ConSmax ", ppl_c, &mean_c);
	fprintf(stderr, "\n  ConSmax / softmax: %+.2f%%\n", 100.0 * (mean_c / mean_s - 1.0));
	CU_ASSERT_TRUE(isfinite(mean_s) && mean_s > 1.0);
	CU_ASSERT_TRUE(mean_c <= PPL_RATIO_MAX * mean_s);
	CU_ASSERT_TRUE(mean_c >= mean_s / PPL_RATIO_MAX);
	llm_packed_free(&cons);
	llm_packed_free(&soft);
}

int main(void)
{
	CU_pSuite s;
	unsigned int failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("consmax-twins", suite_init, NULL);
	if (!s ||
	    !CU_add_test(s, "stored tables = tables of the stored parameters",
			 test_tables_match_parameters) ||
	    !CU_add_test(s, "ConSmax twin (pure ConSmax) within 5% of softmax twin",
			 test_consmax_twin_matches_softmax_twin)) {
		CU_cleanup_registry();
		return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
