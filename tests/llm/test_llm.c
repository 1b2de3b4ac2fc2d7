// SPDX-License-Identifier: MIT
/*
 * test_llm.c - the LLM path: llama2.c checkpoint and tokenizer loading (and
 * refusing bad files), the CPU reference and the accelerator (sim backend)
 * reproducing llama2.c's greedy output of stories260K token for token, the
 * BCQ quantizer's error bounds and layout, packed files, ConSmax tables,
 * sampling, and the bcq4 quality floor.
 *
 * Needs the models directory (make variable MODELS, or $ACCEL_MODELS);
 * without it the model tests fail saying so.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csa/csa_device.h"
#include "llm_accel.h"
#include "llm_bcq.h"
#include "llm_consmax.h"
#include "llm_cpu.h"
#include "llm_eval.h"
#include "llm_model.h"
#include "hw/board_profiles.h"
#include "hw/cycle_model.h"
#include "llm_packed.h"
#include "llm_project.h"
#include "llm_sample.h"
#include "llm_tokenizer.h"
#include "tests/common/cunit_run.h"
#include "tests/common/models_fixture.h"

static void write_bytes(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void *read_bytes(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	void *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n ? n : 1);
	if (buf && n && fread(buf, n, 1, f) != 1) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = n;
	return buf;
}

static int suite_init(void)
{
	int ref = models_fixture_init("/tmp/test-llm-XXXXXX");

	if (ref < 0)
		return -1;
	have_models = ref && !access(model_path, R_OK) && !access(tok_path, R_OK);
	return 0;
}

static int suite_clean(void)
{
	return models_fixture_clean();
}

/* ---- checkpoints ------------------------------------------------------ */

static void test_load_stories260k(void)
{
	struct llm_model m;
	struct llm_err e = { "" };

	if (!need_models())
		return;
	CU_ASSERT_EQUAL_FATAL(llm_model_load(&m, model_path, &e), 0);
	CU_ASSERT_EQUAL(m.cfg.dim, 64);
	CU_ASSERT_EQUAL(m.cfg.hidden_dim, 172);
	CU_ASSERT_EQUAL(m.cfg.n_layers, 5);
	CU_ASSERT_EQUAL(m.cfg.n_heads, 8);
	CU_ASSERT_EQUAL(m.cfg.n_kv_heads, 4);
	CU_ASSERT_EQUAL(m.cfg.vocab_size, 512);
	CU_ASSERT_EQUAL(m.cfg.seq_len, 512);
	CU_ASSERT_TRUE(m.cfg.shared_classifier);
	CU_ASSERT_PTR_EQUAL(m.wcls, m.token_embedding);
	CU_ASSERT_EQUAL(llm_kv_dim(&m.cfg), 32);
	CU_ASSERT_EQUAL(28 + 4 * llm_checkpoint_floats(&m.cfg), 1056540);
	llm_model_free(&m);
}

/* Writes a header and @floats weights; returns the path. */
static const char *make_checkpoint(const char *name, const int32_t h[7],
				   long floats)
{
	static char path[4096];
	FILE *f;

	tmp_path(path, sizeof(path), name);
	f = fopen(path, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fwrite(h, 4, 7, f);
	for (long i = 0; i < floats; i++) {
		float v = 0.01f * (float)(i % 97);

		fwrite(&v, 4, 1, f);
	}
	fclose(f);
	return path;
}

static int load_fails(const char *path, const char *expect_in_msg)
{
	struct llm_model m;
	struct llm_err e = { "" };
	int rc = llm_model_load(&m, path, &e);

	if (rc == 0) {
		llm_model_free(&m);
		return 0;
	}
	if (!strstr(e.msg, expect_in_msg)) {
		fprintf(stderr, "\n  message '%s' lacks '%s'\n", e.msg, expect_in_msg);
		return 0;
	}
	return rc < 0;
}

static void test_reject_bad_checkpoints(void)
{
	/* small valid shape: dim 8, hidden 12, 2 layers, 2 heads, 1 kv head,
	 * vocab 16, seq 4 */
	const int32_t good[7] = { 8, 12, 2, 2, 1, 16, 4 };
	struct llm_config c = { 8, 12, 2, 2, 1, 16, 4, 1 };
	long n = (long)llm_checkpoint_floats(&c);
	int32_t h[7];
	struct llm_model m;
	struct llm_err e = { "" };
	char path[4096];

	/* the good one loads */
	CU_ASSERT_EQUAL(llm_model_load(&m, make_checkpoint("good.bin", good, n), &e), 0);
	llm_model_free(&m);

	tmp_path(path, sizeof(path), "short.bin");
	write_bytes(path, good, 10);
	CU_ASSERT_TRUE(load_fails(path, "truncated header"));
	CU_ASSERT_TRUE(load_fails(make_checkpoint("trunc.bin", good, n - 1), "implies"));
	CU_ASSERT_TRUE(load_fails(make_checkpoint("long.bin", good, n + 1), "implies"));
	/* separate classifier claimed but absent */
	memcpy(h, good, sizeof(h));
	h[5] = -16;
	CU_ASSERT_TRUE(load_fails(make_checkpoint("nocls.bin", h, n), "separate"));
	memcpy(h, good, sizeof(h));
	h[0] = 0;
	CU_ASSERT_TRUE(load_fails(make_checkpoint("dim0.bin", h, n), "dim must be positive"));
	memcpy(h, good, sizeof(h));
	h[3] = 3;
	CU_ASSERT_TRUE(load_fails(make_checkpoint("heads.bin", h, n), "not a multiple of n_heads"));
	memcpy(h, good, sizeof(h));
	h[0] = 6;	/* head size 3: odd */
	CU_ASSERT_TRUE(load_fails(make_checkpoint("odd.bin", h, n), "must be even"));
	memcpy(h, good, sizeof(h));
	h[4] = 3;
	CU_ASSERT_TRUE(load_fails(make_checkpoint("kv.bin", h, n), "n_kv_heads"));
	memcpy(h, good, sizeof(h));
	h[6] = -4;
	CU_ASSERT_TRUE(load_fails(make_checkpoint("seq.bin", h, n), "seq_len must be positive"));
	memcpy(h, good, sizeof(h));
	h[1] = 0x7fffffff;
	CU_ASSERT_TRUE(load_fails(make_checkpoint("huge.bin", h, n), "implausibly large"));
	tmp_path(path, sizeof(path), "missing.bin");
	CU_ASSERT_TRUE(load_fails(path, "No such file"));
	CU_ASSERT_TRUE(load_fails(tmpdir, "not a regular file"));
}

static void test_random_model_roundtrip(void)
{
	struct llm_config c = { 16, 40, 2, 4, 2, 32, 8, 0 };	/* separate classifier */
	struct llm_model a, b, d;
	struct llm_err e = { "" };
	char path[4096];

	tmp_path(path, sizeof(path), "random.bin");
	CU_ASSERT_EQUAL_FATAL(llm_model_random(&a, &c, 7, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_model_save(&a, path, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_model_load(&b, path, &e), 0);
	CU_ASSERT_FALSE(b.cfg.shared_classifier);
	CU_ASSERT_PTR_NOT_EQUAL(b.wcls, b.token_embedding);
	CU_ASSERT_EQUAL(a.storage_floats, b.storage_floats);
	CU_ASSERT_EQUAL(memcmp(a.storage, b.storage, a.storage_floats * 4), 0);
	CU_ASSERT_EQUAL(memcmp(a.wcls, b.wcls, 32 * 16 * 4), 0);
	/* same seed, same weights; another seed, others */
	CU_ASSERT_EQUAL_FATAL(llm_model_random(&d, &c, 7, &e), 0);
	CU_ASSERT_EQUAL(memcmp(a.storage, d.storage, a.storage_floats * 4), 0);
	llm_model_free(&d);
	CU_ASSERT_EQUAL_FATAL(llm_model_random(&d, &c, 8, &e), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(a.storage, d.storage, a.storage_floats * 4), 0);
	llm_model_free(&d);
	/* shapes the benchmark uses */
	CU_ASSERT_EQUAL(llm_config_parse_shape("15M", &c, &e), 0);
	CU_ASSERT_EQUAL(28 + 4 * llm_checkpoint_floats(&c), 60816028);
	CU_ASSERT_EQUAL(llm_config_parse_shape("110M", &c, &e), 0);
	CU_ASSERT_EQUAL(c.dim, 768);
	CU_ASSERT_EQUAL(c.seq_len, 1024);
	CU_ASSERT_NOT_EQUAL(llm_config_parse_shape("12,3", &c, &e), 0);
	llm_model_free(&a);
	llm_model_free(&b);
}

/* ---- tokenizer ----------------------------------------------------------- */

static void test_tokenizer(void)
{
	struct llm_tokenizer t;
	struct llm_err e = { "" };
	const int want[] = { 1, 403, 407, 261, 378 };
	int ids[64], n;
	char text[256] = "";
	size_t len;
	char path[4096];

	if (!need_models())
		return;
	CU_ASSERT_EQUAL_FATAL(llm_tokenizer_load(&t, tok_path, 512, &e), 0);
	n = llm_tokenizer_encode(&t, "Once upon a time", 1, 0, ids);
	CU_ASSERT_EQUAL_FATAL(n, 5);
	CU_ASSERT_EQUAL(memcmp(ids, want, sizeof(want)), 0);
	/* decode drops the dummy prefix after BOS and gives the text back */
	for (int i = 1; i < n; i++) {
		const char *piece = llm_tokenizer_decode(&t, ids[i - 1], ids[i], &len);

		strncat(text, piece, len);
	}
	CU_ASSERT_STRING_EQUAL(text, "Once upon a time");
	/* a code point in the vocabulary (the euro sign is one piece) */
	n = llm_tokenizer_encode(&t, "\xe2\x82\xac", 0, 0, ids);
	CU_ASSERT_EQUAL_FATAL(n, 2);	/* dummy " ", the piece */
	CU_ASSERT_STRING_EQUAL(t.pieces[ids[1]], "\xe2\x82\xac");
	/* byte fallback: an emoji is not, so its 4 bytes become byte tokens */
	n = llm_tokenizer_encode(&t, "\xf0\x9f\x98\x80", 0, 1, ids);
	CU_ASSERT_EQUAL_FATAL(n, 6);	/* " ", 4 bytes, EOS */
	CU_ASSERT_EQUAL(ids[1], 0xf0 + 3);
	CU_ASSERT_EQUAL(ids[2], 0x9f + 3);
	CU_ASSERT_EQUAL(ids[3], 0x98 + 3);
	CU_ASSERT_EQUAL(ids[4], 0x80 + 3);
	CU_ASSERT_EQUAL(ids[5], LLM_TOKEN_EOS);
	CU_ASSERT_EQUAL(*llm_tokenizer_decode(&t, 400, 0xf0 + 3, &len), '\xf0');
	CU_ASSERT_EQUAL(len, 1);
	CU_ASSERT_EQUAL(*llm_tokenizer_decode(&t, 400, 13, &len), '\n');
	/* empty text: BOS only, no dummy prefix */
	CU_ASSERT_EQUAL(llm_tokenizer_encode(&t, "", 1, 0, ids), 1);
	llm_tokenizer_free(&t);
	/* wrong vocabulary size and a truncated file are refused */
	CU_ASSERT_NOT_EQUAL(llm_tokenizer_load(&t, tok_path, 32000, &e), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "truncated"));
	CU_ASSERT_NOT_EQUAL(llm_tokenizer_load(&t, tok_path, 500, &e), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "more than"));
	{
		size_t sz;
		void *buf = read_bytes(tok_path, &sz);

		CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
		tmp_path(path, sizeof(path), "tok-trunc.bin");
		write_bytes(path, buf, sz / 2);
		free(buf);
		CU_ASSERT_NOT_EQUAL(llm_tokenizer_load(&t, path, 512, &e), 0);
	}
}

/* ---- decoders --------------------------------------------------------- */

static int prompt_ids(int *ids)
{
	struct llm_tokenizer t;
	struct llm_err e;
	int n;

	if (llm_tokenizer_load(&t, tok_path, 512, &e))
		return -1;
	n = llm_tokenizer_encode(&t, "Once upon a time", 1, 0, ids);
	llm_tokenizer_free(&t);
	return n;
}

static void test_cpu_reference_matches_llama2c(void)
{
	struct llm_model m;
	struct llm_cpu s;
	struct llm_err e;
	int ids[32], n, tok, got[REF_TOKENS];

	if (!need_models())
		return;
	CU_ASSERT_EQUAL_FATAL(llm_model_load(&m, model_path, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_cpu_init(&s, &m), 0);
	n = prompt_ids(ids);
	CU_ASSERT_EQUAL_FATAL(n, 5);
	tok = ids[0];
	for (int pos = 0; pos < n - 1 + REF_TOKENS; pos++) {
		int next = llm_argmax(llm_cpu_forward(&s, tok, pos), 512);

		if (pos >= n - 1)
			got[pos - (n - 1)] = next;
		tok = pos < n - 1 ? ids[pos + 1] : next;
	}
	CU_ASSERT_EQUAL(memcmp(got, ref_ids, sizeof(got)), 0);
	llm_cpu_free(&s);
	llm_model_free(&m);
}

static void test_accel_reference_matches_llama2c(void)
{
	struct llm_model m;
	struct llm_packed p;
	struct llm_accel a;
	struct accel_dev *dev;
	struct llm_err e = { "" };
	int ids[32], n, tok, got[REF_TOKENS];

	if (!need_models())
		return;
	CU_ASSERT_EQUAL_FATAL(llm_model_load(&m, model_path, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_packed_from_model(&p, &m, NULL, &e), 0);
	CU_ASSERT_EQUAL_FATAL(accel_open("sim", &dev), 0);
	CU_ASSERT_EQUAL_FATAL(llm_accel_init(&a, dev, &p, 0, &e), 0);
	n = prompt_ids(ids);
	CU_ASSERT_EQUAL_FATAL(n, 5);
	tok = ids[0];
	for (int pos = 0; pos < n - 1 + REF_TOKENS; pos++) {
		int next = -1;

		CU_ASSERT_EQUAL_FATAL(llm_accel_forward(&a, tok, pos, NULL, &next, &e), 0);
		if (pos >= n - 1)
			got[pos - (n - 1)] = next;
		tok = pos < n - 1 ? ids[pos + 1] : next;
	}
	CU_ASSERT_EQUAL(memcmp(got, ref_ids, sizeof(got)), 0);
	/* one submit per token, each with modelled cycles */
	CU_ASSERT_EQUAL(a.submits, (uint64_t)(n - 1 + REF_TOKENS));
	CU_ASSERT_TRUE(a.last_cycles > 0);
	/* logits read back agree with the device argmax */
	{
		float logits[512];
		struct llm_cpu s;
		const float *ref;
		double maxdiff = 0;

		CU_ASSERT_EQUAL_FATAL(llm_cpu_init(&s, &p.base), 0);
		for (int pos = 0; pos < 3; pos++) {
			ref = llm_cpu_forward(&s, ids[pos], pos);
			CU_ASSERT_EQUAL_FATAL(llm_accel_forward(&a, ids[pos], pos, logits, NULL, &e), 0);
			for (int i = 0; i < 512; i++)
				maxdiff = fmax(maxdiff, fabs(logits[i] - ref[i]));
		}
		/* same model, same order up to the device's own exp/rsqrt */
		CU_ASSERT_TRUE(maxdiff < 1e-3);
		llm_cpu_free(&s);
	}
	llm_accel_free(&a);
	accel_close(dev);
	llm_packed_free(&p);
}

/* The accelerator against the CPU decoder on a random model that exercises
 * what stories260K does not: a separate classifier, hidden 100 (K8 = 13, a
 * partial last group), BCQ classifier, pow2 scales, ConSmax tables.  The
 * CPU runs the same (dequantized) weights; the device differs only by its
 * int8 activations in MATVEC_BCQ and its own exp. */
static void compare_paths(struct llm_packed *p, int consmax, double *maxdiff,
			  double *scale, int *agree)
{
	struct accel_dev *dev;
	struct llm_accel a;
	struct llm_cpu s;
	struct llm_err e = { "" };
	float logits[96], *norm_tables = NULL;
	int tok = 1;

	*maxdiff = 0;
	*scale = 0;
	*agree = 0;
	CU_ASSERT_EQUAL_FATAL(accel_open("sim", &dev), 0);
	CU_ASSERT_EQUAL_FATAL(llm_accel_init(&a, dev, p, consmax, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_cpu_init(&s, &p->base), 0);
	s.consmax = consmax ? p->consmax_tables : NULL;
	if (consmax == LLM_SOFTMAX_CONSMAX_NORM) {
		size_t heads = (size_t)p->base.cfg.n_layers * p->base.cfg.n_heads;

		norm_tables = malloc(heads * CSA_CONSMAX_HEAD_BYTES);
		CU_ASSERT_PTR_NOT_NULL_FATAL(norm_tables);
		llm_consmax_tables(p->consmax, heads, LLM_SOFTMAX_CONSMAX_NORM, norm_tables);
		s.consmax = norm_tables;
		s.consmax_norm = 1;
	}
	for (int pos = 0; pos < 24; pos++) {
		const float *ref = llm_cpu_forward(&s, tok, pos);
		int next = -1;

		CU_ASSERT_EQUAL_FATAL(llm_accel_forward(&a, tok, pos, logits, NULL, &e), 0);
		for (int i = 0; i < 96; i++) {
			*maxdiff = fmax(*maxdiff, fabs(logits[i] - ref[i]));
			*scale = fmax(*scale, fabs(ref[i]));
		}
		*agree += llm_argmax(logits, 96) == llm_argmax(ref, 96);
		/* the greedy path (device argmax) picks the device logits' max */
		if (pos == 23) {
			CU_ASSERT_EQUAL(llm_accel_forward(&a, tok, pos, NULL, &next, &e), 0);
			CU_ASSERT_EQUAL(next, llm_argmax(logits, 96));
		}
		tok = (tok * 37 + 11) % 96;
	}
	free(norm_tables);
	llm_cpu_free(&s);
	llm_accel_free(&a);
	accel_close(dev);
}

static void test_accel_matches_cpu_random(void)
{
	struct llm_config c = { 64, 100, 2, 4, 2, 96, 32, 0 };
	struct llm_model m, fp32;
	struct llm_packed p;
	struct llm_err e = { "" };
	struct llm_quant_opts q = { .bcq = { 3, 32, 1, 8 }, .classifier_bcq = 1 };
	double maxdiff, scale;
	int agree;

	CU_ASSERT_EQUAL_FATAL(llm_model_random(&m, &c, 21, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_model_random(&fp32, &c, 21, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_packed_from_model(&p, &m, NULL, &e), 0);
	compare_paths(&p, 0, &maxdiff, &scale, &agree);
	CU_ASSERT_TRUE(maxdiff <= 1e-4 * scale);
	CU_ASSERT_EQUAL(agree, 24);
	llm_packed_free(&p);

	CU_ASSERT_EQUAL_FATAL(llm_model_random(&m, &c, 21, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_packed_from_model(&p, &m, &q, &e), 0);
	CU_ASSERT_TRUE(p.classifier_bcq);
	CU_ASSERT_EQUAL_FATAL(llm_packed_calibrate(&p, &fp32, LLM_CONSMAX_LSE_MAX, 2, 32, 3, &e), 0);
	compare_paths(&p, 0, &maxdiff, &scale, &agree);
	fprintf(stderr, "\n  bcq3 pow2 exact: max |dlogit| %.4f of %.3f, top-1 %d/24", maxdiff, scale, agree);
	CU_ASSERT_TRUE(maxdiff <= 0.03 * scale);
	CU_ASSERT_TRUE(agree >= 21);
	compare_paths(&p, 1, &maxdiff, &scale, &agree);
	fprintf(stderr, "\n  bcq3 pow2 consmax: max |dlogit| %.4f of %.3f, top-1 %d/24\n", maxdiff, scale, agree);
	CU_ASSERT_TRUE(maxdiff <= 0.03 * scale);
	CU_ASSERT_TRUE(agree >= 21);
	compare_paths(&p, LLM_SOFTMAX_CONSMAX_NORM, &maxdiff, &scale, &agree);
	fprintf(stderr, "  bcq3 pow2 consmax-norm: max |dlogit| %.4f of %.3f, top-1 %d/24\n",
		maxdiff, scale, agree);
	CU_ASSERT_TRUE(maxdiff <= 0.03 * scale);
	CU_ASSERT_TRUE(agree >= 21);
	llm_packed_free(&p);
	llm_model_free(&fp32);
}

/* accel-llm --project prices a token with the same command list and the
 * same cycle model as the device: on every board, every weights format,
 * both softmaxes and both ways of reading the result, the projection
 * equals the cycles a sim run reports for that token. */
static void projection_vs_sim_kv(struct llm_packed *p, int consmax, int kv_f16)
{
	struct llm_project_opts o = { .planes = (int)p->planes, .group = p->group,
				      .pow2 = p->pow2, .scale16 = p->scale16,
				      .classifier_bcq = p->classifier_bcq,
				      .consmax = consmax, .kv_f16 = kv_f16 };
	const struct llm_config *c = &p->base.cfg;
	static const int positions[] = { 0, 1, 7, 31 };
	float logits[96];

	for (int w = 0; p->planes && w < LLM_LAYER_MATRICES; w++)
		o.group_of[w] = p->bcq[w].group;
	if (p->classifier_bcq)
		o.group_of[LLM_CLASSIFIER] = p->bcq[c->n_layers * LLM_LAYER_MATRICES].group;
	for (unsigned int b = 0; b < csa_board_count(); b++) {
		const struct csa_board_profile *bp = csa_board_at(b);
		struct csa_cycle_params in = { .board = bp->id }, prm, other;
		struct accel_dev *dev;
		struct llm_accel a;
		struct llm_err e = { "" };
		char spec[64];

		csa_cycle_params_resolve(&in, &prm);
		in.board = csa_board_at((b + 1) % csa_board_count())->id;
		csa_cycle_params_resolve(&in, &other);
		snprintf(spec, sizeof(spec), "sim:devmem=16M,board=%s", bp->name);
		CU_ASSERT_EQUAL_FATAL(accel_open(spec, &dev), 0);
		CU_ASSERT_EQUAL_FATAL(llm_accel_init_kv(&a, dev, p, consmax, kv_f16, &e), 0);
		for (unsigned int i = 0; i < sizeof(positions) / sizeof(positions[0]); i++) {
			struct llm_token_cost t, t_other;
			int next;

			for (o.want_logits = 0; o.want_logits <= 1; o.want_logits++) {
				CU_ASSERT_EQUAL_FATAL(llm_accel_forward(&a, 3, positions[i],
									o.want_logits ? logits : NULL,
									&next, &e), 0);
				CU_ASSERT_EQUAL_FATAL(llm_project_token(c, &o, &prm, positions[i], &t), 0);
				CU_ASSERT_EQUAL(t.cycles, a.last_cycles);
				/* and the check can fail: another board's price differs */
				CU_ASSERT_EQUAL_FATAL(llm_project_token(c, &o, &other, positions[i],
									&t_other), 0);
				CU_ASSERT_NOT_EQUAL(t_other.cycles, a.last_cycles);
			}
		}
		llm_accel_free(&a);
		accel_close(dev);
	}
}

static void projection_vs_sim(struct llm_packed *p, int consmax)
{
	projection_vs_sim_kv(p, consmax, 0);
}

static void test_projection_matches_sim(void)
{
	struct llm_config c = { 64, 100, 2, 4, 2, 96, 32, 0 };
	struct llm_model m, fp32;
	struct llm_packed p;
	struct llm_err e = { "" };
	struct llm_quant_opts q = { .bcq = { 3, 32, 1, 4 }, .classifier_bcq = 1 };
	struct llm_token_cost t;
	struct llm_project_opts o = { .planes = 3, .group = 64 };
	struct csa_cycle_params in = { 0 }, prm;

	CU_ASSERT_EQUAL_FATAL(llm_model_random(&m, &c, 21, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_packed_from_model(&p, &m, NULL, &e), 0);
	projection_vs_sim(&p, 0);
	llm_packed_free(&p);

	CU_ASSERT_EQUAL_FATAL(llm_model_random(&m, &c, 21, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_model_random(&fp32, &c, 21, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_packed_from_model(&p, &m, &q, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_packed_calibrate(&p, &fp32, LLM_CONSMAX_LSE_MAX, 1, 16, 3, &e), 0);
	projection_vs_sim(&p, 0);
	projection_vs_sim(&p, 1);
	llm_packed_free(&p);
	llm_model_free(&fp32);

	/* accel-llm's defaults: 16-bit scales, binary16 KV; and consmax-norm */
	q = (struct llm_quant_opts){ .bcq = { .planes = 3, .group = 32, .iters = 2,
					      .scale16 = 1 } };
	CU_ASSERT_EQUAL_FATAL(llm_model_random(&m, &c, 23, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_model_random(&fp32, &c, 23, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_packed_from_model(&p, &m, &q, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_packed_calibrate(&p, &fp32, LLM_CONSMAX_LSE_MAX, 1, 16, 3, &e), 0);
	projection_vs_sim_kv(&p, 0, 1);
	projection_vs_sim_kv(&p, LLM_SOFTMAX_CONSMAX_NORM, 1);
	llm_packed_free(&p);
	llm_model_free(&fp32);

	/* per-kind groups, classifier f32 */
	q = (struct llm_quant_opts){ .bcq = { 2, 32, 0, 2 }, .classifier_bcq = 0 };
	CU_ASSERT_EQUAL_FATAL(llm_parse_groups("32,wk=8,w2=16", &q.bcq.group, q.group_of), 0);
	CU_ASSERT_EQUAL_FATAL(llm_model_random(&m, &c, 22, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_packed_from_model(&p, &m, &q, &e), 0);
	projection_vs_sim(&p, 0);
	llm_packed_free(&p);

	/* positions outside the context are refused; named shapes */
	csa_cycle_params_resolve(&in, &prm);
	CU_ASSERT_EQUAL(llm_project_token(&c, &o, &prm, 32, &t), -EINVAL);
	CU_ASSERT_EQUAL(llm_project_token(&c, &o, &prm, -1, &t), -EINVAL);
	CU_ASSERT_EQUAL(llm_project_shape("LLaMA-2-7B", &c, &e), 0);
	CU_ASSERT_EQUAL(c.dim, 4096);
	CU_ASSERT_EQUAL(c.shared_classifier, 0);
	CU_ASSERT_EQUAL(llm_project_shape("110M", &c, &e), 0);
	CU_ASSERT_EQUAL(c.hidden_dim, 2048);
	CU_ASSERT_EQUAL(llm_project_shape("LLaMA-3", &c, &e), -EINVAL);
}

/* The classifier is quantized by default only with a large vocabulary. */
static void test_classifier_default(void)
{
	struct llm_config small = { 64, 100, 2, 4, 2, 512, 32, 1 };
	struct llm_config large = small;

	large.vocab_size = 32000;
	CU_ASSERT_EQUAL(llm_classifier_bcq(&small, LLM_CLASSIFIER_AUTO), 0);
	CU_ASSERT_EQUAL(llm_classifier_bcq(&large, LLM_CLASSIFIER_AUTO), 1);
	CU_ASSERT_EQUAL(llm_classifier_bcq(&large, 0), 0);
	CU_ASSERT_EQUAL(llm_classifier_bcq(&small, 1), 1);
}

/* Per-kind BCQ groups: quantized with each kind's group, saved as version
 * 2 (a version-1 reader's strict check rejects it), loaded back the same,
 * and the device runs each matrix at its own group. */
static void test_mixed_groups(void)
{
	struct llm_config c = { 64, 100, 2, 4, 2, 96, 32, 0 };
	struct llm_model m;
	struct llm_packed p, r;
	struct llm_err e = { "" };
	struct llm_quant_opts q = { .bcq = { 3, 32, 0, 5 }, .classifier_bcq = 1 };
	const uint32_t want[LLM_LAYER_MATRICES + 1] = { 32, 8, 32, 32, 64, 16, 32, 16 };
	uint32_t g = 0, of[LLM_LAYER_MATRICES + 1];
	double maxdiff, scale;
	char path[4096];
	uint8_t *buf;
	size_t len;
	int agree;

	/* the option syntax */
	CU_ASSERT_EQUAL(llm_parse_groups("64", &g, of), 0);
	CU_ASSERT_EQUAL(g, 64);
	CU_ASSERT_EQUAL(of[1], 0);
	CU_ASSERT_EQUAL(llm_parse_groups("32,wk=8,w1=64,w2=16,cls=16", &g, of), 0);
	CU_ASSERT_EQUAL(g, 32);
	for (int k = 0; k <= LLM_LAYER_MATRICES; k++)
		CU_ASSERT_EQUAL(of[k] ? of[k] : g, want[k]);
	CU_ASSERT_EQUAL(llm_parse_groups("wk=8", &g, of), 0);
	CU_ASSERT_EQUAL(g, 32);
	CU_ASSERT_EQUAL(of[1], 8);
	CU_ASSERT_EQUAL(llm_parse_groups("", &g, of), -EINVAL);
	CU_ASSERT_EQUAL(llm_parse_groups("12", &g, of), -EINVAL);
	CU_ASSERT_EQUAL(llm_parse_groups("64,wz=8", &g, of), -EINVAL);
	CU_ASSERT_EQUAL(llm_parse_groups("64,wk=", &g, of), -EINVAL);
	CU_ASSERT_EQUAL(llm_parse_groups("64,", &g, of), -EINVAL);
	CU_ASSERT_EQUAL(llm_parse_groups("wk=8,64", &g, of), -EINVAL);
	CU_ASSERT_EQUAL(llm_parse_groups("64,wk=8192", &g, of), -EINVAL);

	CU_ASSERT_EQUAL_FATAL(llm_parse_groups("32,wk=8,w1=64,w2=16,cls=16", &g, q.group_of), 0);
	CU_ASSERT_EQUAL_FATAL(llm_model_random(&m, &c, 21, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_packed_from_model(&p, &m, &q, &e), 0);
	for (int i = 0; i < 2 * LLM_LAYER_MATRICES + 1; i++)
		CU_ASSERT_EQUAL(p.bcq[i].group,
				want[i < 2 * LLM_LAYER_MATRICES ? i % LLM_LAYER_MATRICES :
				     LLM_LAYER_MATRICES]);
	tmp_path(path, sizeof(path), "mixed.csa");
	CU_ASSERT_EQUAL_FATAL(llm_packed_save(&p, path, &e), 0);
	buf = read_bytes(path, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	CU_ASSERT_EQUAL(buf[4], 2);
	CU_ASSERT_EQUAL_FATAL(llm_packed_load(&r, path, &e), 0);
	for (int i = 0; i < 2 * LLM_LAYER_MATRICES + 1; i++) {
		CU_ASSERT_EQUAL(r.bcq[i].group, p.bcq[i].group);
		CU_ASSERT_EQUAL_FATAL(r.bcq[i].scale_bytes, p.bcq[i].scale_bytes);
		CU_ASSERT_EQUAL(memcmp(r.bcq[i].bits, p.bcq[i].bits, p.bcq[i].bits_bytes), 0);
		CU_ASSERT_EQUAL(memcmp(r.bcq[i].scales, p.bcq[i].scales, p.bcq[i].scale_bytes), 0);
	}
	compare_paths(&r, 0, &maxdiff, &scale, &agree);
	fprintf(stderr, "\n  bcq3 mixed groups: max |dlogit| %.4f of %.3f, top-1 %d/24\n",
		maxdiff, scale, agree);
	CU_ASSERT_TRUE(maxdiff <= 0.03 * scale);
	CU_ASSERT_TRUE(agree >= 21);
	llm_packed_free(&r);
	/* the same file claiming version 1 (header CRC fixed up): refused */
	buf[4] = 1;
	{
		uint32_t crc = llm_crc32(0, buf, 124);

		memcpy(buf + 124, &crc, 4);
	}
	write_bytes(path, buf, len);
	CU_ASSERT_EQUAL(llm_packed_load(&r, path, &e), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "wrong shape"));
	free(buf);
	llm_packed_free(&p);
}

/* Packed version 3: 16-bit scales (binary16, then APoT) and planes per
 * matrix chosen by sensitivity; the file round-trips bit for bit, the
 * device runs it like the CPU, and a forged older version is refused. */
static void test_packed_v3(void)
{
	struct llm_config c = { 64, 100, 2, 4, 2, 96, 32, 0 };
	struct llm_model m;
	struct llm_packed p, r;
	struct llm_err e = { "" };
	double maxdiff, scale;
	char path[4096];
	uint8_t *buf;
	size_t len;
	int agree, pow2, s16;
	double mean;

	CU_ASSERT_EQUAL(llm_parse_scales("apot", &pow2, &s16), 0);
	CU_ASSERT(pow2 == 1 && s16 == 1);
	CU_ASSERT_EQUAL(llm_parse_scales("f16", &pow2, &s16), 0);
	CU_ASSERT(pow2 == 0 && s16 == 1);
	CU_ASSERT_EQUAL(llm_parse_scales("f8", &pow2, &s16), -EINVAL);
	CU_ASSERT_EQUAL(llm_parse_mixed_planes("3.5", &mean), 0);
	CU_ASSERT_EQUAL(llm_parse_mixed_planes("4.5", &mean), -EINVAL);
	CU_ASSERT_EQUAL(llm_parse_mixed_planes("3.5x", &mean), -EINVAL);
	for (pow2 = 0; pow2 < 2; pow2++) {
		struct llm_quant_opts q = { .bcq = { 4, 32, pow2, 5, 1 }, .classifier_bcq = 1,
					    .mixed_planes = 3.5, .mixed_texts = 1, .mixed_len = 16 };
		int n3 = 0;

		CU_ASSERT_EQUAL_FATAL(llm_model_random(&m, &c, 31, &e), 0);
		CU_ASSERT_EQUAL_FATAL(llm_packed_from_model(&p, &m, &q, &e), 0);
		CU_ASSERT_TRUE(llm_packed_mean_planes(&p) <= 3.5);
		for (int i = 0; i < 2 * LLM_LAYER_MATRICES + 1; i++) {
			CU_ASSERT(p.bcq[i].planes == 3 || p.bcq[i].planes == 4);
			CU_ASSERT_EQUAL(p.bcq[i].scale_bytes,
					csa_bcq_scale_bytes_elem(p.bcq[i].k, p.bcq[i].n,
								 p.bcq[i].planes, 32, 2));
			n3 += p.bcq[i].planes == 3;
		}
		CU_ASSERT_TRUE(n3 > 0);
		tmp_path(path, sizeof(path), "v3.csa");
		CU_ASSERT_EQUAL_FATAL(llm_packed_save(&p, path, &e), 0);
		buf = read_bytes(path, &len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
		CU_ASSERT_EQUAL(buf[4], 3);
		CU_ASSERT_EQUAL(buf[68], 1);
		CU_ASSERT_EQUAL_FATAL(llm_packed_load(&r, path, &e), 0);
		CU_ASSERT(r.scale16 == 1 && r.pow2 == pow2 && r.planes == 4);
		for (int i = 0; i < 2 * LLM_LAYER_MATRICES + 1; i++) {
			CU_ASSERT_EQUAL_FATAL(r.bcq[i].planes, p.bcq[i].planes);
			CU_ASSERT_EQUAL_FATAL(r.bcq[i].scale_bytes, p.bcq[i].scale_bytes);
			CU_ASSERT_EQUAL(memcmp(r.bcq[i].bits, p.bcq[i].bits, p.bcq[i].bits_bytes), 0);
			CU_ASSERT_EQUAL(memcmp(r.bcq[i].scales, p.bcq[i].scales, p.bcq[i].scale_bytes), 0);
		}
		compare_paths(&r, 0, &maxdiff, &scale, &agree);
		fprintf(stderr, "\n  v3 %s scales, mixed planes: max |dlogit| %.4f of %.3f, top-1 %d/24\n",
			pow2 ? "apot" : "f16", maxdiff, scale, agree);
		CU_ASSERT_TRUE(maxdiff <= 0.03 * scale);
		CU_ASSERT_TRUE(agree >= 21);
		llm_packed_free(&r);
		/* claiming version 2 (header CRC fixed up): refused */
		buf[4] = 2;
		{
			uint32_t crc = llm_crc32(0, buf, 124);

			memcpy(buf + 124, &crc, 4);
		}
		write_bytes(path, buf, len);
		CU_ASSERT_EQUAL(llm_packed_load(&r, path, &e), -EINVAL);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "scale format"));
		free(buf);
		llm_packed_free(&p);
	}
}

/* ---- BCQ quantizer ------------------------------------------------------- */

static double rel_error(const float *a, const float *b, size_t n)
{
	double num = 0, den = 0;

	for (size_t i = 0; i < n; i++) {
		num += (double)(a[i] - b[i]) * (a[i] - b[i]);
		den += (double)a[i] * a[i];
	}
	return sqrt(num / den);
}

/* A group made of sums of +-2^e with non-uniform exponents (-1, -3, -4,
 * -6), every sign pattern present: the pow2 search must find those scales
 * and code the group exactly. */
static void test_bcq_pow2_exact(void)
{
	const int ex[4] = { -1, -3, -4, -6 };
	struct llm_bcq_params prm = { 4, 64, 1, LLM_BCQ_DEFAULT_ITERS, 0 };
	struct llm_bcq_matrix q;
	float w[64], d[64];

	for (int j = 0; j < 64; j++) {
		int pattern = (j * 7) % 16;

		w[j] = 0.0f;
		for (int p = 0; p < 4; p++)
			w[j] += (pattern >> p & 1 ? 1.0f : -1.0f) * ldexpf(1.0f, ex[p]);
	}
	CU_ASSERT_EQUAL_FATAL(llm_bcq_quantize(&q, w, 1, 64, &prm), 0);
	llm_bcq_dequantize(&q, d);
	for (int j = 0; j < 64; j++)
		CU_ASSERT_EQUAL(d[j], w[j]);
	for (int p = 0; p < 4; p++) {	/* the same exponents, in any plane order */
		int found = 0;

		for (int r = 0; r < 4; r++)
			found += ((int8_t *)q.scales)[r] == ex[p];
		CU_ASSERT_EQUAL(found, 1);
	}
	llm_bcq_free(&q);
}

static void test_bcq_error_bounds(void)
{
	/* Bounds for stories260K's w2 of layer 0 (64 x 172: K not a multiple of
	 * the group), group 64.  A Gaussian's optimal 1-bit error is
	 * sqrt(1 - 2/pi) = 0.60; each plane must cut it substantially. */
	const double bound[5] = { 0, 0.62, 0.35, 0.19, 0.10 };
	/* pow2 by exponent search; rounding least-squares alphas gave 0.635,
	 * 0.371, 0.230, 0.140 */
	const double bound_pow2[5] = { 0, 0.64, 0.375, 0.215, 0.125 };
	struct llm_model m;
	struct llm_err e;
	double prev = 1.0;
	uint32_t n = 64, k = 172;
	float *w, *d = malloc((size_t)n * k * sizeof(float));

	if (!need_models()) {
		free(d);
		return;
	}
	CU_ASSERT_EQUAL_FATAL(llm_model_load(&m, model_path, &e), 0);
	w = m.layers[0].w2;
	for (uint32_t planes = 1; planes <= 4; planes++) {
		for (int pow2 = 0; pow2 <= 1; pow2++) {
			struct llm_bcq_params prm = { planes, 64, pow2, LLM_BCQ_DEFAULT_ITERS, 0 };
			struct llm_bcq_matrix q;
			double err;

			CU_ASSERT_EQUAL_FATAL(llm_bcq_quantize(&q, w, n, k, &prm), 0);
			CU_ASSERT_EQUAL(q.bits_bytes, (uint64_t)22 * 64 * planes);
			CU_ASSERT_EQUAL(q.scale_bytes, (uint64_t)64 * 3 * planes * (pow2 ? 1 : 4));
			llm_bcq_dequantize(&q, d);
			err = rel_error(w, d, (size_t)n * k);
			CU_ASSERT_TRUE(err < (pow2 ? bound_pow2 : bound)[planes]);
			if (!pow2) {
				CU_ASSERT_TRUE(err < prev);
				prev = err;
			} else {
				/* every scale an exact power of two: the dequantized
				 * values are sums of +-2^e, check one group fully */
				for (uint32_t pl = 0; pl < planes; pl++) {
					float a = llm_bcq_scale(&q, 5, 1, pl);
					int ex;

					CU_ASSERT_EQUAL(frexpf(a, &ex), 0.5f);
				}
			}
			llm_bcq_free(&q);
		}
	}
	free(d);
	llm_model_free(&m);
}

/* The packed layout itself, checked against csa_device.h's formulas on a
 * matrix whose signs we choose. */
static void test_bcq_layout(void)
{
	/* one plane fits exactly: w = +-0.5 -> alpha 0.5, bits = signs */
	uint32_t n = 5, k = 20;
	float w[100];
	struct llm_bcq_params prm = { 1, 8, 0, 5, 0 };
	struct llm_bcq_matrix q;

	for (uint32_t r = 0; r < n; r++)
		for (uint32_t c = 0; c < k; c++)
			w[r * k + c] = ((r * 7 + c * 3) % 5) < 2 ? 0.5f : -0.5f;
	CU_ASSERT_EQUAL_FATAL(llm_bcq_quantize(&q, w, n, k, &prm), 0);
	for (uint32_t r = 0; r < n; r++)
		for (uint32_t c = 0; c < k; c++) {
			uint8_t byte = q.bits[(0 * 3 + c / 8) * n + r];	/* K8 = 3 */

			CU_ASSERT_EQUAL((byte >> (c % 8)) & 1, w[r * k + c] > 0);
		}
	for (uint32_t r = 0; r < n; r++)
		for (uint32_t g = 0; g < 3; g++)
			CU_ASSERT_DOUBLE_EQUAL(((float *)q.scales)[r * 3 + g], 0.5, 1e-6);
	llm_bcq_free(&q);
}

/* The shift-add engine on the sim backend computes what the dequantized
 * weights predict (the device's own rounding order aside). */
static void test_bcq_on_device(void)
{
	uint32_t n = 48, k = 172;
	struct llm_config c = { 64, 172, 1, 8, 4, 64, 8, 1 };
	struct llm_model m;
	struct llm_err e;
	struct accel_dev *dev;
	struct accel_bo *bo;
	struct accel_cmdlist *cl;
	struct accel_status st;

	CU_ASSERT_EQUAL_FATAL(llm_model_random(&m, &c, 11, &e), 0);
	CU_ASSERT_EQUAL_FATAL(accel_open("sim", &dev), 0);
	CU_ASSERT_EQUAL_FATAL(accel_cmdlist_create(dev, &cl), 0);
	for (int pow2 = 0; pow2 <= 1; pow2++) {
		struct llm_bcq_params prm = { 3, 64, pow2, 10, 0 };
		struct llm_bcq_matrix q;
		float x[172], y[48], d[48 * 172];
		uint64_t xo = 0, bo_bits = 1024, bo_sc, yo;

		CU_ASSERT_EQUAL_FATAL(llm_bcq_quantize(&q, m.layers[0].w1, n, k, &prm), 0);
		bo_sc = bo_bits + ((q.bits_bytes + 255) & ~255ull);
		yo = bo_sc + ((q.scale_bytes + 255) & ~255ull);
		for (uint32_t i = 0; i < k; i++)
			x[i] = sinf(0.37f * i) * 2.0f;
		CU_ASSERT_EQUAL_FATAL(accel_bo_alloc(dev, yo + 4096, ACCEL_MEM_DEVICE, &bo), 0);
		CU_ASSERT_EQUAL(accel_upload(bo, xo, x, sizeof(x)), 0);
		CU_ASSERT_EQUAL(accel_upload(bo, bo_bits, q.bits, q.bits_bytes), 0);
		CU_ASSERT_EQUAL(accel_upload(bo, bo_sc, q.scales, q.scale_bytes), 0);
		accel_cmdlist_reset(cl);
		CU_ASSERT_EQUAL(accel_cmd_matvec_bcq(cl, ACCEL_REF(bo, xo), ACCEL_REF(bo, bo_bits),
						     ACCEL_REF(bo, bo_sc), ACCEL_REF(bo, yo), k, n,
						     3, 64, pow2), 0);
		CU_ASSERT_EQUAL(accel_submit_wait(cl, ACCEL_WAIT_FOREVER, &st), 0);
		CU_ASSERT_EQUAL(accel_download(bo, yo, y, sizeof(y)), 0);
		/* docs/device-spec (hw/bcq.c): int8 activations per group, integer
		 * table sums, then float scaling in a fixed order */
		for (uint32_t r = 0; r < n; r++) {
			float acc = 0.0f;
			uint32_t ng = (k + 63) / 64;

			for (uint32_t g = 0; g < ng; g++) {
				uint32_t j0 = g * 64, j1 = j0 + 64 < k ? j0 + 64 : k;
				float amax = 0.0f, inv, sg, t = 0.0f;

				for (uint32_t j = j0; j < j1; j++)
					amax = fabsf(x[j]) > amax ? fabsf(x[j]) : amax;
				if (amax == 0.0f)
					continue;
				inv = 127.0f / amax;
				sg = amax / 127.0f;
				for (uint32_t pl = 0; pl < 3; pl++) {
					int32_t sum = 0;

					for (uint32_t j = j0; j < j1; j++) {
						float v = rintf(x[j] * inv);
						int32_t qv = v > 127 ? 127 : v < -127 ? -127 : (int32_t)v;
						int bit = q.bits[(pl * 22 + j / 8) * n + r] >> (j % 8) & 1;

						sum += bit ? qv : -qv;
					}
					t = t + llm_bcq_scale(&q, r, g, pl) * (float)sum;
				}
				acc = acc + t * sg;
			}
			CU_ASSERT_EQUAL(memcmp(&acc, &y[r], 4), 0);
		}
		/* and the float result is close to the dequantized product */
		llm_bcq_dequantize(&q, d);
		for (uint32_t r = 0; r < n; r++) {
			double ref = 0, mag = 0;

			for (uint32_t j = 0; j < k; j++) {
				ref += (double)d[r * k + j] * x[j];
				mag += fabs((double)d[r * k + j] * x[j]);
			}
			CU_ASSERT_TRUE(fabs(y[r] - ref) <= 0.01 * mag);
		}
		accel_bo_free(bo);
		llm_bcq_free(&q);
	}
	accel_cmdlist_destroy(cl);
	accel_close(dev);
	llm_model_free(&m);
}

/* Activation-aware fitting lowers the output error ||(W - Q) x|| on the
 * calibration inputs' statistics, even if the weight error rises. */
static void test_gptq_lowers_output_error(void)
{
	uint32_t n = 32, k = 64;
	struct llm_config c = { 64, 64, 1, 8, 8, 32, 8, 1 };
	struct llm_model m;
	struct llm_err e;
	double *h = calloc(k * k, sizeof(double));
	float xs[200][64], *d = malloc(n * k * sizeof(float));
	double out_err[2];
	uint64_t rng = 99;

	CU_ASSERT_EQUAL_FATAL(llm_model_random(&m, &c, 5, &e), 0);
	/* correlated inputs with a few strong channels, like real activations */
	for (int t = 0; t < 200; t++) {
		float common = llm_rng_f32(&rng) - 0.5f;

		for (uint32_t j = 0; j < k; j++)
			xs[t][j] = (llm_rng_f32(&rng) - 0.5f) * (j % 9 == 0 ? 8.0f : 1.0f) + 2 * common;
		for (uint32_t i = 0; i < k; i++)
			for (uint32_t j = 0; j < k; j++)
				h[i * k + j] += (double)xs[t][i] * xs[t][j];
	}
	for (int mode = 0; mode < 2; mode++) {
		struct llm_bcq_params prm = { 2, 32, 0, 10, 0 };
		struct llm_bcq_matrix q;
		const float *w = m.layers[0].wq;
		double err = 0;

		CU_ASSERT_EQUAL_FATAL(mode ? llm_bcq_quantize_gptq(&q, w, n, k, h, &prm) :
				      llm_bcq_quantize(&q, w, n, k, &prm), 0);
		llm_bcq_dequantize(&q, d);
		for (int t = 0; t < 200; t++)
			for (uint32_t r = 0; r < n; r++) {
				double s = 0;

				for (uint32_t j = 0; j < k; j++)
					s += (double)(w[r * k + j] - d[r * k + j]) * xs[t][j];
				err += s * s;
			}
		out_err[mode] = err;
		llm_bcq_free(&q);
	}
	CU_ASSERT_TRUE(out_err[1] < 0.8 * out_err[0]);
	free(h);
	free(d);
	llm_model_free(&m);
}

/* ---- packed files ------------------------------------------------------ */

static void test_packed_roundtrip_and_checksum(void)
{
	struct llm_model m, fp32;
	struct llm_packed p, r;
	struct llm_err e = { "" };
	struct llm_quant_opts q = { .bcq = { 3, 64, 1, 5 } };
	char path[4096], bad[4096];
	size_t len;
	uint8_t *buf;
	int nm;

	if (!need_models())
		return;
	CU_ASSERT_EQUAL_FATAL(llm_model_load(&m, model_path, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_model_load(&fp32, model_path, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_packed_from_model(&p, &m, &q, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_packed_calibrate(&p, &fp32, LLM_CONSMAX_LSE_MAX, 1, 32, 1, &e), 0);
	tmp_path(path, sizeof(path), "m.csa");
	CU_ASSERT_EQUAL_FATAL(llm_packed_save(&p, path, &e), 0);
	CU_ASSERT_EQUAL(llm_packed_probe(path), 1);
	CU_ASSERT_EQUAL(llm_packed_probe(model_path), 0);
	CU_ASSERT_EQUAL_FATAL(llm_packed_load(&r, path, &e), 0);
	CU_ASSERT_EQUAL(r.planes, 3);
	CU_ASSERT_EQUAL(r.group, 64);
	CU_ASSERT_EQUAL(r.pow2, 1);
	CU_ASSERT_EQUAL(memcmp(&r.base.cfg, &p.base.cfg, sizeof(r.base.cfg)), 0);
	nm = p.base.cfg.n_layers * LLM_LAYER_MATRICES;
	for (int i = 0; i < nm; i++) {
		CU_ASSERT_EQUAL(memcmp(r.bcq[i].bits, p.bcq[i].bits, p.bcq[i].bits_bytes), 0);
		CU_ASSERT_EQUAL(memcmp(r.bcq[i].scales, p.bcq[i].scales, p.bcq[i].scale_bytes), 0);
	}
	/* dequantized matrices identical too, and the f32 vectors */
	for (int l = 0; l < 5; l++)
		for (int w = 0; w < LLM_LAYER_MATRICES; w++) {
			uint32_t rows, cols;

			llm_matrix_shape(&p.base.cfg, w, &rows, &cols);
			CU_ASSERT_EQUAL(memcmp(llm_matrix_f32(&r.base, l, w),
					       llm_matrix_f32(&p.base, l, w),
					       (size_t)rows * cols * 4), 0);
		}
	CU_ASSERT_EQUAL(memcmp(r.base.token_embedding, p.base.token_embedding, 512 * 64 * 4), 0);
	CU_ASSERT_EQUAL(memcmp(r.base.layers[4].rms_ffn, p.base.layers[4].rms_ffn, 64 * 4), 0);
	CU_ASSERT_EQUAL(memcmp(r.base.rms_final, p.base.rms_final, 64 * 4), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r.consmax_tables);
	CU_ASSERT_EQUAL(memcmp(r.consmax_tables, p.consmax_tables,
			       (size_t)5 * 8 * CSA_CONSMAX_HEAD_BYTES), 0);
	llm_packed_free(&r);

	buf = read_bytes(path, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	tmp_path(bad, sizeof(bad), "bad.csa");
	/* one flipped payload bit */
	buf[len - 100] ^= 0x10;
	write_bytes(bad, buf, len);
	CU_ASSERT_EQUAL(llm_packed_load(&r, bad, &e), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "checksum"));
	buf[len - 100] ^= 0x10;
	/* a flipped header bit */
	buf[20] ^= 1;
	write_bytes(bad, buf, len);
	CU_ASSERT_EQUAL(llm_packed_load(&r, bad, &e), -EBADMSG);
	buf[20] ^= 1;
	/* truncated */
	write_bytes(bad, buf, len - 64);
	CU_ASSERT_EQUAL(llm_packed_load(&r, bad, &e), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "truncated"));
	/* wrong version */
	buf[4] = 9;
	write_bytes(bad, buf, len);
	CU_ASSERT_EQUAL(llm_packed_load(&r, bad, &e), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "version"));
	free(buf);
	llm_packed_free(&p);
	llm_model_free(&fp32);
}

/* ---- ConSmax ------------------------------------------------------------ */

static void test_consmax_table(void)
{
	struct llm_consmax_params prm = { 3.0f, 2.5f, 127.0f / 9.0f };
	float table[CSA_CONSMAX_HEAD_FLOATS];
	double step = 9.0 / 127.0;

	llm_consmax_table(&prm, table);
	CU_ASSERT_DOUBLE_EQUAL(table[0], 127.0 / 9.0, 1e-5);
	CU_ASSERT_EQUAL(table[1], 0.0f);
	for (float s = -12.0f; s <= 12.0f; s += 0.173f) {
		double q = rint(s / step);

		q = q > 127 ? 127 : q < -128 ? -128 : q;
		/* exp(q step - beta) / gamma up to the f32 tables' rounding */
		CU_ASSERT_DOUBLE_EQUAL(llm_consmax_eval(table, s) /
				       (exp(q * step - 3.0) / 2.5), 1.0, 1e-5);
	}
}

static void test_consmax_calibration(void)
{
	struct llm_model m;
	struct llm_err e;
	struct llm_consmax_calib cal;
	struct llm_consmax_params prm[40];

	if (!need_models())
		return;
	CU_ASSERT_EQUAL_FATAL(llm_model_load(&m, model_path, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_consmax_calib_init(&cal, 5, 8), 0);
	CU_ASSERT_EQUAL_FATAL(llm_consmax_calibrate(&cal, &m, 2, 64, 1), 0);
	llm_consmax_choose(&cal, LLM_CONSMAX_LSE_MAX, prm);
	for (int i = 0; i < 40; i++) {
		const struct llm_consmax_head_stats *h = &cal.heads[i];
		double worst = 0;

		CU_ASSERT_EQUAL(h->rows, 128);
		CU_ASSERT_DOUBLE_EQUAL(prm[i].beta, h->score_max, 1e-4);
		CU_ASSERT_DOUBLE_EQUAL(prm[i].inv_step, 127.0 / fmax(h->score_max, 1.0), 1e-3);
		/* "never amplify": exp(LSE - beta) / gamma <= 1 on every row */
		for (size_t r = 0; r < h->rows; r++)
			worst = fmax(worst, exp(h->row_lse[r] - prm[i].beta) / prm[i].gamma);
		CU_ASSERT_DOUBLE_EQUAL(worst, 1.0, 1e-4);
	}
	llm_consmax_calib_free(&cal);
	llm_model_free(&m);
}

/* ---- sampling ---------------------------------------------------------- */

static void test_sampler(void)
{
	struct llm_sampler s;
	float logits[8], base[8] = { 1, 5, 2, 4.9f, -3, 0, 0.5f, 4.8f };
	int counts[8] = { 0 }, first[20];

	CU_ASSERT_EQUAL_FATAL(llm_sampler_init(&s, 8, 0.0f, 0.9f, 1), 0);
	memcpy(logits, base, sizeof(logits));
	CU_ASSERT_EQUAL(llm_sample(&s, logits), 1);
	llm_sampler_free(&s);
	/* seeded: the same sequence twice */
	for (int run = 0; run < 2; run++) {
		CU_ASSERT_EQUAL_FATAL(llm_sampler_init(&s, 8, 1.0f, 0.0f, 42), 0);
		for (int i = 0; i < 20; i++) {
			int t;

			memcpy(logits, base, sizeof(logits));
			t = llm_sample(&s, logits);
			if (!run)
				first[i] = t;
			else
				CU_ASSERT_EQUAL(t, first[i]);
		}
		llm_sampler_free(&s);
	}
	/* top-p 0.5 keeps only the nucleus {1, 3} (p 0.34 + 0.31 > 0.5) */
	CU_ASSERT_EQUAL_FATAL(llm_sampler_init(&s, 8, 1.0f, 0.5f, 7), 0);
	for (int i = 0; i < 2000; i++) {
		memcpy(logits, base, sizeof(logits));
		counts[llm_sample(&s, logits)]++;
	}
	CU_ASSERT_EQUAL(counts[1] + counts[3], 2000);
	CU_ASSERT_TRUE(counts[1] > 800 && counts[3] > 700);
	llm_sampler_free(&s);
}

/* ---- quality floor ---------------------------------------------------- */

/* bcq4 + exact softmax at BCQ group @group, on the sim backend, over 511
 * tokens sampled from the fp32 model (temperature 1, top-p 0.9). */
static int eval_bcq4(uint32_t group, struct llm_eval_result *r)
{
	struct llm_model m, fp32;
	struct llm_packed p;
	struct llm_accel a;
	struct accel_dev *dev;
	struct llm_err e = { "" };
	struct llm_quant_opts q = { .bcq = { 4, group, 0, LLM_BCQ_DEFAULT_ITERS },
				    .calib_seqs = 8, .calib_len = 256, .seed = 1 };
	int tokens[512];

	CU_ASSERT_EQUAL_FATAL(llm_model_load(&m, model_path, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_model_load(&fp32, model_path, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_packed_from_model(&p, &m, &q, &e), 0);
	CU_ASSERT_EQUAL_FATAL(accel_open("sim", &dev), 0);
	CU_ASSERT_EQUAL_FATAL(llm_accel_init(&a, dev, &p, 0, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_eval_sample_text(&fp32, 511, 20261123u, 0.9f, tokens), 0);
	{
		struct accel_eval { struct llm_accel *a; struct llm_err *e; } ctx = { &a, &e };
		int fwd(void *c, int token, int pos, float *logits);
		struct llm_logits_source src = { &ctx, fwd };

		CU_ASSERT_EQUAL_FATAL(llm_eval_run(&fp32, &src, tokens, 511, r), 0);
	}
	fprintf(stderr, "\n  bcq4 group %u + exact vs fp32: top-1 %.2f%%, mean KL %.4f, ppl %.3f (fp32 %.3f)\n",
		group, 100 * r->top1, r->mean_kl, r->ppl_test, r->ppl_ref);
	llm_accel_free(&a);
	accel_close(dev);
	llm_packed_free(&p);
	llm_model_free(&fp32);
	return 0;
}

/* ---- quality floors over several texts --------------------------------- */

#define FLOOR_TOKENS 127	/* per text; docs/accel-llm.md uses 511 */

/* @p on the sim backend with @softmax and @kv_f16, over the 9 texts of
 * --eval (3 openings x seeds 20261123..5), @FLOOR_TOKENS each. */
static void eval_texts(const struct llm_packed *p, const struct llm_model *fp32,
		       int softmax, int kv_f16, const char *what,
		       struct llm_eval_summary *sum)
{
	struct llm_eval_result r[9];
	struct llm_tokenizer tok;
	struct llm_accel a;
	struct accel_dev *dev;
	struct llm_err e = { "" };
	struct { struct llm_accel *a; struct llm_err *e; } ctx = { &a, &e };
	int fwd(void *c, int token, int pos, float *logits);
	struct llm_logits_source src = { &ctx, fwd };

	memset(sum, 0, sizeof(*sum));
	CU_ASSERT_EQUAL_FATAL(llm_tokenizer_load(&tok, tok_path, 512, &e), 0);
	CU_ASSERT_EQUAL_FATAL(accel_open("sim", &dev), 0);
	CU_ASSERT_EQUAL_FATAL(llm_accel_init_kv(&a, dev, p, softmax, kv_f16, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_eval_texts(fp32, &src, &tok, llm_eval_default_prompts, 3,
					     20261123u, 3, FLOOR_TOKENS, 0.9f, r, NULL), 0);
	llm_eval_summarize(r, 9, sum);
	fprintf(stderr, "\n  %s: 9 texts x %d tokens: KL mean %.5f (%.5f..%.5f), top-1 mean %.2f%% (%.2f..%.2f%%), %.3f bits/weight\n",
		what, FLOOR_TOKENS, sum->kl_mean, sum->kl_min, sum->kl_max,
		100 * sum->top1_mean, 100 * sum->top1_min, 100 * sum->top1_max,
		llm_packed_bits_per_weight(p));
	llm_accel_free(&a);
	accel_close(dev);
	llm_tokenizer_free(&tok);
}

/* The model quantized per @q (NULL: f32), with ConSmax constants. */
static void packed_of(struct llm_packed *p, struct llm_model *fp32,
		      const struct llm_quant_opts *q)
{
	struct llm_model m;
	struct llm_err e = { "" };

	CU_ASSERT_EQUAL_FATAL(llm_model_load(&m, model_path, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_model_load(fp32, model_path, &e), 0);
	CU_ASSERT_EQUAL_FATAL(llm_packed_from_model(p, &m, q, &e), 0);
}

/* Normalized ConSmax on f32 weights (docs: KL 0.0001 over 9 x 511): the
 * issue's target is 0.001; f16 KV on top stays inside it. */
static void test_floor_consmax_norm(void)
{
	struct llm_model fp32;
	struct llm_packed p;
	struct llm_err e = { "" };
	struct llm_eval_summary s;

	if (!need_models())
		return;
	packed_of(&p, &fp32, NULL);
	CU_ASSERT_EQUAL_FATAL(llm_packed_calibrate(&p, &fp32, LLM_CONSMAX_LSE_MAX, 8, 256, 1, &e), 0);
	eval_texts(&p, &fp32, LLM_SOFTMAX_CONSMAX_NORM, 1, "f32 + consmax-norm + f16 KV", &s);
	CU_ASSERT_TRUE(s.kl_mean <= 0.001);
	CU_ASSERT_TRUE(s.top1_mean >= 0.98);
	llm_packed_free(&p);
	llm_model_free(&fp32);
}

/* bcq4 group 64 with binary16 scales, 5.05 bits/weight (docs: KL 0.052
 * over 9 x 511 texts), and the same weights' APoT-scale twin. */
static void test_floor_bcq4_scales16(void)
{
	struct llm_quant_opts q = { .bcq = { 4, 64, 0, LLM_BCQ_DEFAULT_ITERS, 1 },
				    .calib_seqs = 8, .calib_len = 256, .seed = 1 };
	struct llm_model fp32;
	struct llm_packed p;
	struct llm_eval_summary s;

	if (!need_models())
		return;
	packed_of(&p, &fp32, &q);
	CU_ASSERT_TRUE(llm_packed_bits_per_weight(&p) <= 5.2);
	eval_texts(&p, &fp32, LLM_SOFTMAX_EXACT, 1, "bcq4 g64 f16 scales", &s);
	CU_ASSERT_TRUE(s.kl_mean <= 0.065);
	CU_ASSERT_TRUE(s.top1_mean >= 0.86);
	llm_packed_free(&p);
	llm_model_free(&fp32);

	q.bcq.pow2 = 1;		/* APoT: up to three shifts per scale */
	packed_of(&p, &fp32, &q);
	eval_texts(&p, &fp32, LLM_SOFTMAX_EXACT, 1, "bcq4 g64 apot scales", &s);
	CU_ASSERT_TRUE(s.kl_mean <= 0.075);
	CU_ASSERT_TRUE(s.top1_mean >= 0.84);
	llm_packed_free(&p);
	llm_model_free(&fp32);
}

/* Mixed 3/4 planes at a mean of at most 3.5, by measured sensitivity
 * (docs, 9 x 511 tokens, 8 x 256 sensitivity tokens: KL 0.119, top-1
 * 83.8%); here 2 x 64 sensitivity tokens to keep the test short. */
static void test_floor_mixed_planes(void)
{
	struct llm_quant_opts q = { .bcq = { 4, 64, 0, LLM_BCQ_DEFAULT_ITERS, 1 },
				    .calib_seqs = 8, .calib_len = 256, .seed = 1,
				    .mixed_planes = 3.5, .mixed_texts = 2, .mixed_len = 64 };
	struct llm_model fp32;
	struct llm_packed p;
	struct llm_eval_summary s;
	int n3 = 0;

	if (!need_models())
		return;
	packed_of(&p, &fp32, &q);
	CU_ASSERT_TRUE(llm_packed_mean_planes(&p) <= 3.5);
	CU_ASSERT_TRUE(llm_packed_mean_planes(&p) >= 3.4);	/* the budget used */
	for (int i = 0; i < p.base.cfg.n_layers * LLM_LAYER_MATRICES; i++)
		n3 += p.bcq[i].planes == 3;
	CU_ASSERT_TRUE(n3 > 0 && n3 < p.base.cfg.n_layers * LLM_LAYER_MATRICES);
	eval_texts(&p, &fp32, LLM_SOFTMAX_EXACT, 1, "mixed 3/4 planes <= 3.5", &s);
	CU_ASSERT_TRUE(s.kl_mean <= 0.16);
	CU_ASSERT_TRUE(s.top1_mean >= 0.80);
	llm_packed_free(&p);
	llm_model_free(&fp32);
}

/* The target, bcq4+exact top-1 >= 95% vs fp32: met with group 8
 * (measured 96.9%, KL 0.0068), where the f32 scales make it 20 bits per
 * quantized weight. */
static void test_eval_bcq4_g8_top1(void)
{
	struct llm_eval_result r;

	if (!need_models())
		return;
	eval_bcq4(8, &r);
	CU_ASSERT_TRUE(r.top1 >= 0.95);
	CU_ASSERT_TRUE(r.mean_kl < 0.01);
}

int fwd(void *c, int token, int pos, float *logits)
{
	struct { struct llm_accel *a; struct llm_err *e; } *ctx = c;

	return llm_accel_forward(ctx->a, token, pos, logits, NULL, ctx->e);
}

int main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("llm", suite_init, suite_clean);
	if (!s ||
	    !CU_add_test(s, "load stories260K", test_load_stories260k) ||
	    !CU_add_test(s, "reject bad checkpoints", test_reject_bad_checkpoints) ||
	    !CU_add_test(s, "random model round trip", test_random_model_roundtrip) ||
	    !CU_add_test(s, "tokenizer", test_tokenizer) ||
	    !CU_add_test(s, "CPU reference = llama2.c", test_cpu_reference_matches_llama2c) ||
	    !CU_add_test(s, "accelerator f32 = llama2.c", test_accel_reference_matches_llama2c) ||
	    !CU_add_test(s, "accelerator = CPU on a random model", test_accel_matches_cpu_random) ||
	    !CU_add_test(s, "BCQ error bounds", test_bcq_error_bounds) ||
	    !CU_add_test(s, "BCQ pow2 scales found exactly", test_bcq_pow2_exact) ||
	    !CU_add_test(s, "BCQ layout", test_bcq_layout) ||
	    !CU_add_test(s, "BCQ on the device", test_bcq_on_device) ||
	    !CU_add_test(s, "GPTQ lowers output error", test_gptq_lowers_output_error) ||
	    !CU_add_test(s, "packed file round trip, checksum", test_packed_roundtrip_and_checksum) ||
	    !CU_add_test(s, "per-kind BCQ groups (packed version 2)", test_mixed_groups) ||
	    !CU_add_test(s, "16-bit scales, planes per matrix (packed version 3)", test_packed_v3) ||
	    !CU_add_test(s, "projection = sim cycles on every board", test_projection_matches_sim) ||
	    !CU_add_test(s, "classifier quantized by default at large vocabularies",
			 test_classifier_default) ||
	    !CU_add_test(s, "ConSmax table", test_consmax_table) ||
	    !CU_add_test(s, "ConSmax calibration", test_consmax_calibration) ||
	    !CU_add_test(s, "sampler", test_sampler) ||
	    !CU_add_test(s, "consmax-norm floor, 9 texts", test_floor_consmax_norm) ||
	    !CU_add_test(s, "bcq4 f16/APoT scales floor, 9 texts", test_floor_bcq4_scales16) ||
	    !CU_add_test(s, "mixed 3/4 planes floor, 9 texts", test_floor_mixed_planes) ||
	    !CU_add_test(s, "bcq4 group 8 top-1 >= 95% (issue target)", test_eval_bcq4_g8_top1)) {
		CU_cleanup_registry();
		return 2;
	}
	return cunit_run_and_cleanup();
}
